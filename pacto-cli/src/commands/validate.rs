//! `pacto validate [PATH...]`

use pacto_core::report::{self, OutputFormat};
use pacto_core::validate::{validate_dir, Options};
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Bundle directories to validate (default: the current directory).
    #[arg(value_name = "PATH")]
    paths: Vec<String>,
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
    let reports: Vec<_> = paths
        .iter()
        .map(|p| {
            if p.starts_with("oci://") {
                pacto_core::registry::validate_oci(&registry, p, &options)
            } else {
                validate_dir(p, Some(&*registry), &options)
            }
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
