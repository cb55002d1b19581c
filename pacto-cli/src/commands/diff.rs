//! `pacto diff OLD NEW`

use pacto_core::bundle::{self, Bundle, DirBundle, MemBundle};
use pacto_core::diff::graph::{dependency_diffs, diff_graphs};
use pacto_core::diff::{compare, Classification, Side};
use pacto_core::graph::{resolve, ResolveOptions};
use pacto_core::model::Contract;
use pacto_core::report::{self, DiffReport, OutputFormat};
use pacto_core::syntax::{parse, ColumnUnit, Limits, Tree};
use std::io::Write;
use std::process::ExitCode;

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
    /// The old side: a bundle directory or `git:REV[:DIR]` (e.g. git:origin/main).
    old: String,
    /// The new side: a bundle directory or `git:REV[:DIR]`.
    new: String,
    /// Which classification fails the command (exit 1).
    #[arg(long, value_enum, default_value = "breaking")]
    fail_on: FailOn,
    /// In text output, explain under each change why it has its classification.
    #[arg(long)]
    explain: bool,
}

/// A loaded side: its bundle, its contract text, and a display path for its pacto.yaml.
struct Loaded {
    bundle: Box<dyn Bundle>,
    file: String,
    tree: Tree,
}

fn load(arg: &str, which: &str) -> Result<Loaded, String> {
    let (bundle, text, file): (Box<dyn Bundle>, String, String) =
        if let Some((rev, dir)) = bundle::parse_git_spec(arg) {
            let cwd = std::env::current_dir().map_err(|e| format!("{which} contract: {e}"))?;
            let (b, text): (MemBundle, String) =
                bundle::load_git(&cwd, &rev, &dir).map_err(|e| format!("{which} contract: {e}"))?;
            (Box::new(b), text, format!("{arg}/pacto.yaml"))
        } else if arg.starts_with("oci://") {
            let pulled = crate::net::registry()
                .pull(arg)
                .map_err(|e| format!("{which} contract: {}", e.with_hint()))?;
            let file = format!("oci://{}/pacto.yaml", pulled.resolved_ref);
            (Box::new(pulled.bundle), pulled.contract_text, file)
        } else {
            let l = bundle::load_dir(arg).map_err(|e| format!("{which} contract: {e}"))?;
            let b: DirBundle = l.bundle;
            (Box::new(b), l.text, l.contract_path)
        };
    let parsed = parse(&text, &Limits::default());
    let tree = match parsed.tree {
        Some(t) if !parsed.errors.iter().any(|e| e.fatal) => t,
        _ => {
            let e = parsed
                .errors
                .iter()
                .find(|e| e.fatal)
                .or(parsed.errors.first());
            let (pos, msg) = match e {
                Some(e) => {
                    let lc = parsed.line_index.line_col(e.span.start, ColumnUnit::Char);
                    (
                        format!(":{}:{}", lc.line + 1, lc.col + 1),
                        e.message.clone(),
                    )
                }
                None => (String::new(), "cannot be read".to_string()),
            };
            return Err(format!("{which} contract: {file}{pos}: {msg}"));
        }
    };
    Ok(Loaded { bundle, file, tree })
}

pub fn run(args: &Args, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let (old, new) = match (load(&args.old, "old"), load(&args.new, "new")) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("Error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let (oc, nc) = (
        Contract::from_tree(&old.tree),
        Contract::from_tree(&new.tree),
    );
    let result = compare(
        &Side {
            contract: &oc,
            tree: &old.tree,
            bundle: old.bundle.as_ref(),
            file: &old.file,
        },
        &Side {
            contract: &nc,
            tree: &new.tree,
            bundle: new.bundle.as_ref(),
            file: &new.file,
        },
    );
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
    let old_graph = resolve(
        &oc,
        super::graph::fetcher_for(&args.old, false).as_ref(),
        &opts,
    );
    let new_graph = resolve(
        &nc,
        super::graph::fetcher_for(&args.new, true).as_ref(),
        &opts,
    );
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
