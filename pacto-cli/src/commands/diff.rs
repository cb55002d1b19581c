//! `pacto diff OLD NEW`

use pacto_core::diff::graph::diff_report;
use pacto_core::diff::{Classification, SideError, Which};
use pacto_core::graph::{self, Fetcher, ResolveOptions};
use pacto_core::report::{self, OutputFormat};
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Exit 1 when any change is BREAKING (Go Pacto's rule).
    Breaking,
    /// Exit 1 when any change is POTENTIAL_BREAKING or BREAKING.
    Potential,
    /// Never exit 1 because of changes.
    None,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The old side: a bundle directory, `git:REV[:DIR]` (e.g. git:origin/main) or oci://REF.
    old: String,
    /// The new side: a bundle directory, `git:REV[:DIR]` or oci://REF.
    new: String,
    /// Which classification fails the command (exit 1).
    #[arg(long, value_enum, default_value = "breaking")]
    fail_on: FailOn,
    /// In text output, explain under each change why it has its classification.
    #[arg(long)]
    explain: bool,

    #[command(flatten)]
    overrides: super::overrides::DiffOverrideArgs,
}

pub fn run(args: &Args, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir()?;
    let registry: Arc<dyn Fetcher> = crate::net::registry();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // A side that does not load as a contract is an error naming the side and the file, in
    // every format (exit 2), never an empty contract that compares as "no changes".
    let fail = |e: SideError, out: &mut dyn Write| -> anyhow::Result<ExitCode> {
        report::render_diff_error(format, &e, out)?;
        out.flush()?;
        eprintln!("Error: {e}");
        Ok(ExitCode::from(2))
    };
    let open = |arg: &str, which| graph::open_side(arg, &cwd, Some(registry.as_ref()), which);
    let (old, new) = match (open(&args.old, Which::Old), open(&args.new, Which::New)) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(e), _) | (_, Err(e)) => return fail(e, &mut out),
    };
    let o = &args.overrides;
    let side = |r, values: &[std::path::PathBuf], set: &[String], which: Which| {
        let overrides = super::overrides::collect(values, set)?;
        let (r, marks) = pacto_core::overrides::resolve(r, &overrides)
            .map_err(|e| anyhow::anyhow!("{which} contract: {e}"))?;
        for m in &marks {
            eprintln!("overridden ({which}): {} (by {})", m.dotted(), m.by);
        }
        if !marks.is_empty() {
            // An override may have made the contract one this build cannot compare.
            pacto_core::diff::check_comparable(&r.tree, &r.file)
                .map_err(|e| anyhow::anyhow!("{which} contract after overrides: {e}"))?;
        }
        anyhow::Ok(r)
    };
    let old = side(old, &o.old_values, &o.old_set, Which::Old)?;
    let new = side(new, &o.new_values, &o.new_set, Which::New)?;
    // A side that is a directory with a committed pacto.lock must match it (as Go).
    for (arg, r, which) in [(&args.old, &old, Which::Old), (&args.new, &new, Which::New)] {
        super::lock::verify_or_fail(arg, Some(r))
            .map_err(|e| anyhow::anyhow!("{which} contract: {e}"))?;
    }
    // Spec §4.6-4.7: both dependency graphs, their diff, and the diffs of the dependency
    // contracts present on both sides (these raise the classification). Both sides resolve the
    // same way: a directory side prefers a sibling directory named after an oci:// dependency,
    // so the same bundle twice gives no changes.
    let fetcher = |arg: &str| graph::fetcher_for(arg, &cwd, Some(registry.clone()), true);
    let (old_deps, new_deps) = (fetcher(&args.old), fetcher(&args.new));
    let report = match diff_report(
        &old,
        &args.old,
        old_deps.as_ref(),
        &new,
        &args.new,
        new_deps.as_ref(),
        &ResolveOptions::default(),
    ) {
        Ok(r) => r,
        Err(e) => return fail(e, &mut out),
    };
    report::render_diff(format, &report, args.explain, &mut out)?;
    out.flush()?;
    let fail = match args.fail_on {
        FailOn::Breaking => report.classification == Classification::Breaking,
        FailOn::Potential => report.classification >= Classification::PotentialBreaking,
        FailOn::None => false,
    };
    if fail {
        if report.classification == Classification::Breaking {
            eprintln!("Error: breaking changes detected");
        } else {
            eprintln!("Error: potentially breaking changes detected (--fail-on potential)");
        }
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
