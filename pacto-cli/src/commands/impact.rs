//! `pacto impact OLD NEW`: the contract diff of two revisions projected onto a fleet snapshot
//! built from offline sources (`--local`, `--target-state`, `--traces`): every affected
//! consumer with its depth, path, compatibility verdict and confidence, the active targets and
//! the owners to notify (`pacto_core::impact`, `schemaVersion: pacto.dev/impact/v1`).
//!
//! Exit 1 only when the change is BREAKING and an incompatible consumer is active (runs on a
//! target the snapshot knows), as Go Pacto; an unreadable side is exit 2, as `pacto diff`.

use super::fleet::{limitations_md, md, or_dash, warn_partial_of};
use pacto_core::diff::{Change, Which};
use pacto_core::fleet::{self, time, BuildOptions, SourceSpec};
use pacto_core::graph;
use pacto_core::impact::{self, ImpactResult};
use pacto_core::report::OutputFormat;
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The old revision: a bundle directory, `git:REV[:DIR]` or oci://REF.
    old: String,
    /// The new revision: a bundle directory, `git:REV[:DIR]` or oci://REF.
    new: String,
    /// A local bundle root of the fleet: a bundle, or a directory of `<service>/<version>/` bundles (repeatable).
    #[arg(long, value_name = "DIR", default_value = ".")]
    local: Vec<PathBuf>,
    /// An offline target-state file supplying where services run (repeatable); without one no consumer is active.
    #[arg(long = "target-state", value_name = "FILE")]
    target_state: Vec<PathBuf>,
    /// An OTLP/JSON trace file: observed callers corroborate declared consumers and surface
    /// undeclared ones (implies --include-observed).
    #[arg(long, value_name = "FILE")]
    traces: Option<PathBuf>,
    /// Let observed (runtime) relationships raise consumer confidence.
    #[arg(long)]
    include_observed: bool,
    /// Mark target evidence older than this as stale (`24h`, `90m`; 0 disables).
    #[arg(long, value_name = "DURATION")]
    freshness: Option<String>,
    /// The snapshot's `asOf` (RFC 3339) instead of the clock: deterministic answers.
    #[arg(long = "as-of", value_name = "TIME")]
    as_of: Option<String>,

    #[command(flatten)]
    overrides: super::overrides::DiffOverrideArgs,
}

pub fn run(args: &Args, format: OutputFormat) -> anyhow::Result<ExitCode> {
    if let Some(a) = &args.as_of {
        if time::parse_rfc3339(a).is_none() {
            anyhow::bail!("--as-of {a:?}: not an RFC 3339 time (e.g. 2026-01-01T00:00:00Z)");
        }
    }
    let freshness_secs = match &args.freshness {
        None => None,
        Some(f) => Some(time::parse_duration(f).ok_or_else(|| {
            anyhow::anyhow!("--freshness {f:?}: not a duration (e.g. 24h, 90m, 30s)")
        })?),
    };
    let cwd = std::env::current_dir()?;
    let registry = crate::net::registry();
    let open = |arg: &str, which| {
        graph::open_side(
            arg,
            &cwd,
            Some(registry.as_ref() as &dyn graph::Fetcher),
            which,
        )
    };
    let (old, new) = match (open(&args.old, Which::Old), open(&args.new, Which::New)) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(e), _) | (_, Err(e)) => {
            if format == OutputFormat::Json {
                println!("{}", serde_json::to_string_pretty(&e.to_json())?);
            }
            eprintln!("Error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let o = &args.overrides;
    let side = |r, values: &[PathBuf], set: &[String], which: Which| {
        let overrides = super::overrides::collect(values, set)?;
        let (r, marks) = pacto_core::overrides::resolve(r, &overrides)
            .map_err(|e| anyhow::anyhow!("{which} contract: {e}"))?;
        for m in &marks {
            eprintln!("overridden ({which}): {} (by {})", m.dotted(), m.by);
        }
        if !marks.is_empty() {
            pacto_core::diff::check_comparable(&r.tree, &r.file)
                .map_err(|e| anyhow::anyhow!("{which} contract after overrides: {e}"))?;
        }
        anyhow::Ok(r)
    };
    let old = side(old, &o.old_values, &o.old_set, Which::Old)?;
    let new = side(new, &o.new_values, &o.new_set, Which::New)?;

    let observed = match &args.traces {
        Some(p) => {
            Some(fleet::traces::read_file(p).map_err(|e| anyhow::anyhow!("parse traces: {e}"))?)
        }
        None => None,
    };
    let mut specs: Vec<SourceSpec> = args.local.iter().cloned().map(SourceSpec::Local).collect();
    specs.extend(
        args.target_state
            .iter()
            .cloned()
            .map(SourceSpec::TargetState),
    );
    let snap = fleet::build(
        &specs,
        None,
        &BuildOptions {
            as_of: args.as_of.clone(),
            freshness_secs,
            validate: false,
        },
    );
    let options = impact::Options {
        include_observed: args.include_observed || observed.is_some(),
        observed,
    };
    let result = match impact::analyze(&old.side(), &new.side(), &snap, &options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error: {e}");
            return Ok(ExitCode::from(2));
        }
    };

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        OutputFormat::Json | OutputFormat::Sarif => {
            writeln!(out, "{}", serde_json::to_string_pretty(&result)?)?
        }
        OutputFormat::Markdown => write!(out, "{}", markdown(&result))?,
        OutputFormat::Text => {
            write!(out, "{}", text(&result))?;
            warn_partial_of(result.completeness, &result.as_of, &result.limitations);
        }
    }
    out.flush()?;
    if result.blocks() {
        eprintln!("Error: breaking changes affect active consumers");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Go's text: the classification, the counts kept apart, one line per consumer.
pub fn text(r: &ImpactResult) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Impact: {} {} -> {}",
        r.service,
        or_dash(&r.old_version),
        or_dash(&r.new_version)
    );
    let _ = writeln!(o, "Classification: {}", r.classification);
    let _ = writeln!(o, "Breaking changes: {}", r.breaking_changes.len());
    for c in &r.breaking_changes {
        let _ = writeln!(o, "  - {}", c.reason);
    }
    let _ = writeln!(
        o,
        "Potentially breaking changes: {}",
        r.potentially_breaking_changes.len()
    );
    for c in &r.potentially_breaking_changes {
        let _ = writeln!(o, "  - {}", c.reason);
    }
    if r.consumers.is_empty() {
        let _ = writeln!(o, "No affected consumers.");
    } else {
        let _ = writeln!(o, "Affected consumers ({}):", r.consumers.len());
        for c in &r.consumers {
            let scope = if c.direct { "direct" } else { "transitive" };
            let _ = writeln!(
                o,
                "  {:<28} {:<10} confidence={:<12} compat={:<12} owner={}",
                c.service,
                scope,
                c.confidence.as_str(),
                c.compatibility_verdict,
                or_dash(&c.owner)
            );
        }
    }
    if !r.active_targets.is_empty() {
        let _ = writeln!(
            o,
            "Active targets ({}): [{}]",
            r.active_targets.len(),
            r.active_targets.join(" ")
        );
    }
    if !r.owners.is_empty() {
        let _ = writeln!(o, "Owners to notify: {}", r.owners.join(", "));
    }
    o
}

fn change_rows(o: &mut String, title: &str, changes: &[Change]) {
    if changes.is_empty() {
        return;
    }
    let _ = writeln!(o, "\n## {title} ({})\n", changes.len());
    for c in changes {
        let _ = writeln!(o, "- `{}` {}", c.path, md(&c.reason));
    }
}

/// A pull-request comment.
pub fn markdown(r: &ImpactResult) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Impact: {} {} → {}\n",
        md(&r.service),
        or_dash(&r.old_version),
        or_dash(&r.new_version)
    );
    let _ = writeln!(
        o,
        "**{}** · {} breaking · {} potentially breaking · {} non-breaking · {} affected consumer(s)",
        r.classification,
        r.breaking_changes.len(),
        r.potentially_breaking_changes.len(),
        r.non_breaking_changes.len(),
        r.consumers.len()
    );
    change_rows(&mut o, "Breaking changes", &r.breaking_changes);
    change_rows(
        &mut o,
        "Potentially breaking changes",
        &r.potentially_breaking_changes,
    );
    let _ = writeln!(o, "\n## Affected consumers\n");
    if r.consumers.is_empty() {
        let _ = writeln!(o, "None.");
    } else {
        let _ = writeln!(
            o,
            "| Consumer | Depth | Path | Required | Compatibility | Verdict | Confidence | Owner | Targets |"
        );
        let _ = writeln!(o, "|---|---|---|---|---|---|---|---|---|");
        for c in &r.consumers {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                md(&c.service),
                c.depth,
                md(&c.path.join(" → ")),
                if c.required { "yes" } else { "no" },
                md(or_dash(&c.compatibility)),
                c.compatibility_verdict,
                c.confidence.as_str(),
                md(or_dash(&c.owner)),
                c.targets.len()
            );
        }
    }
    if !r.active_targets.is_empty() {
        let _ = writeln!(
            o,
            "\n**Active targets:** {}",
            md(&r.active_targets.join(", "))
        );
    }
    if !r.owners.is_empty() {
        let _ = writeln!(o, "\n**Owners to notify:** {}", md(&r.owners.join(", ")));
    }
    let _ = writeln!(
        o,
        "\n_As of {} · {} · snapshot `{}`_",
        r.as_of,
        r.completeness.as_str(),
        r.snapshot_id
    );
    limitations_md(&mut o, &r.limitations);
    o
}
