//! `pacto diff OLD NEW`

use pacto_core::diff::graph::{dependency_diffs, diff_graphs};
use pacto_core::diff::{compare, Classification};
use pacto_core::graph::{self, resolve, Fetcher, ResolveOptions};
use pacto_core::report::{self, DiffReport, OutputFormat};
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
}

pub fn run(args: &Args, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir()?;
    let registry: Arc<dyn Fetcher> = crate::net::registry();
    let open = |arg: &str, which: &str| {
        graph::open(arg, &cwd, Some(registry.as_ref()))
            .map_err(|e| format!("{which} contract: {e}"))
    };
    let (old, new) = match (open(&args.old, "old"), open(&args.new, "new")) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("Error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let result = compare(&old.side(), &new.side());
    let diff = match result {
        Ok(d) => d,
        Err(e) => {
            eprintln!("Error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    // Spec §4.6-4.7: both dependency graphs, their diff, and the diffs of the dependency
    // contracts present on both sides (these raise the classification).
    let opts = ResolveOptions::default();
    let fetcher = |arg: &str, sibling_override| {
        graph::fetcher_for(arg, &cwd, Some(registry.clone()), sibling_override)
    };
    let old_graph = resolve(&old.contract, fetcher(&args.old, false).as_ref(), &opts);
    let new_graph = resolve(&new.contract, fetcher(&args.new, true).as_ref(), &opts);
    let deps = dependency_diffs(&old_graph, &new_graph);
    for (name, e) in &deps.errors {
        eprintln!("Warning: dependency {name} not compared: {e}");
    }
    let report = DiffReport {
        old_path: args.old.clone(),
        new_path: args.new.clone(),
        classification: diff.classification.max(deps.classification()),
        changes: diff.changes,
        dependency_diffs: deps.diffs,
        graph_diff: diff_graphs(Some(&old_graph), Some(&new_graph)),
        sbom_diff: diff.sbom,
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
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
