//! `pacto validate [PATH...]`

use pacto_core::readiness::{self, Date};
use pacto_core::report::{self, FileReport, OutputFormat};
use pacto_core::validate::Options;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Bundle directories to validate (default: the current directory).
    #[arg(value_name = "PATH")]
    paths: Vec<String>,

    /// Also enforce the readiness gate: a contract whose readiness score (evaluated today, UTC)
    /// is below its minScore, or whose assessment has expired, fails with READINESS_GATE_UNMET.
    /// Contracts without readiness are unaffected.
    #[arg(long)]
    readiness: bool,

    #[command(flatten)]
    overrides: super::overrides::OverrideArgs,
}

/// For `explain`, `doc` and `graph`: when `resolved` is not a contract that can be documented
/// (a YAML scalar, a mapping without `service`), print what `pacto validate` says about it, in
/// `format`, and give the exit code to return; `None` to go on.
pub fn refuse_undocumentable(
    path: &str,
    resolved: &pacto_core::graph::Resolved,
    format: OutputFormat,
) -> anyhow::Result<Option<ExitCode>> {
    let Some(report) = pacto_core::doc::refuse_undocumentable(path, resolved) else {
        return Ok(None);
    };
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    report::render(format, &[report], &mut out, &mut err)?;
    out.flush()?;
    Ok(Some(ExitCode::from(1)))
}

pub fn run(args: &Args, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let paths = if args.paths.is_empty() {
        vec![".".to_string()]
    } else {
        args.paths.clone()
    };
    let options = Options {
        offline: crate::net::offline(),
        ..Options::default()
    };
    let registry = crate::net::registry();
    let overrides = args.overrides.read()?;
    let mut reports = Vec::with_capacity(paths.len());
    for p in &paths {
        let report = if p.starts_with("oci://") {
            pacto_core::registry::validate_oci_with(&registry, p, &options, &overrides)
        } else {
            pacto_core::overrides::validate_dir(p, Some(&*registry), &options, &overrides)
        };
        reports.push(report.map_err(anyhow::Error::msg)?);
    }
    let reports: Vec<_> = reports
        .into_iter()
        .zip(&paths)
        .map(|(mut report, p)| {
            // A committed pacto.lock is verified once the contract loads (Go: its LOCK_* error
            // is then the only one, and the readiness gate is not evaluated).
            if crate::commands::lock::verify_into(&mut report, p, &registry, &overrides) {
                return report;
            }
            if args.readiness {
                readiness_gate(
                    &mut report,
                    p,
                    &registry,
                    &options,
                    &overrides,
                    Date::today(),
                );
            }
            report
        })
        .collect();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    report::render(format, &reports, &mut out, &mut err)?;
    out.flush()?;
    Ok(if reports.iter().all(|r| r.valid()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `--readiness`: add the gate's diagnostic (Go Pacto appends it after the validation errors)
/// when the contract could be read and declares a readiness that does not pass on `today`.
fn readiness_gate(
    report: &mut FileReport,
    path: &str,
    registry: &pacto_core::registry::Registry,
    options: &Options,
    overrides: &pacto_core::overrides::Overrides,
    today: Date,
) {
    // No line index: the contract could not be read at all, and its error says so.
    if report.line_index.is_none() {
        return;
    }
    let text = if path.starts_with("oci://") {
        registry
            .pull(path)
            .map(|p| p.contract_text)
            .map_err(|e| e.to_string())
    } else {
        pacto_core::bundle::load_dir(path)
            .map(|l| l.text)
            .map_err(|e| e.to_string())
    };
    let text = match text {
        Ok(t) => t,
        Err(e) => {
            report.diagnostics.push(pacto_core::Diagnostic::error(
                readiness::GATE_UNMET,
                "readiness",
                format!("cannot read the contract again to evaluate its readiness: {e}"),
            ));
            return;
        }
    };
    // The contract the report is about: with its overrides.
    let text = match pacto_core::overrides::apply(&text, overrides) {
        Ok(a) if !overrides.is_empty() => a.text,
        _ => text,
    };
    let Some(tree) = pacto_core::syntax::parse(&text, &options.limits).tree else {
        return;
    };
    if let Some(d) = readiness::gate(&tree, today) {
        // Before a trailing "too many problems" summary, which stands for what was left out.
        let at = match report.diagnostics.last() {
            Some(last) if last.code == pacto_core::diagnostic::TOO_MANY_PROBLEMS => {
                report.diagnostics.len() - 1
            }
            _ => report.diagnostics.len(),
        };
        report.diagnostics.insert(at, d);
    }
}
