//! `pacto pull <oci://ref> [-o|--output DIR]`: fetch a bundle (through the cache) and write its
//! files to a directory, by default the service name (spec §5.2).
//!
//! The artifact is fetched, verified and unpacked in memory before anything is written, and
//! the directory is written atomically (see `replace_dir`), so a failed pull leaves nothing
//! behind. A non-empty directory is refused unless `--force`, which replaces it as a whole.

use anyhow::{anyhow, bail};
use pacto_core::bundle::archive::replace_dir;
use pacto_core::model::Contract;
use pacto_core::registry::{parse_dependency_ref, RefScheme};
use pacto_core::report::OutputFormat;
use pacto_core::syntax::{parse, Limits};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to pull: oci://REGISTRY/REPOSITORY[:TAG][@sha256:DIGEST]; without a tag, the
    /// highest semver tag.
    #[arg(value_name = "REF")]
    reference: String,

    /// Output directory (default: the service name).
    #[arg(short, long, value_name = "DIR")]
    output: Option<PathBuf>,

    /// Replace a non-empty output directory as a whole (files edited or added in it are lost).
    #[arg(short, long)]
    force: bool,
}

pub fn run(args: &Args, format: OutputFormat) -> anyhow::Result<ExitCode> {
    if parse_dependency_ref(&args.reference).scheme != RefScheme::Oci {
        bail!(
            "pull requires an OCI reference (oci://...): got {:?}",
            args.reference
        );
    }
    let registry = crate::net::registry();
    let pulled = registry
        .pull(&args.reference)
        .map_err(|e| anyhow!(e.with_hint()))?;
    if pulled.stale_tag {
        eprintln!(
            "Warning: {} was resolved from a cached tag answer older than {} s (--offline); run without --offline to refresh it",
            pulled.resolved_ref,
            registry.cache().tag_ttl().as_secs()
        );
    }
    let parsed = parse(&pulled.contract_text, &Limits::default());
    let Some(tree) = parsed.tree else {
        bail!(
            "the pacto.yaml of {} could not be parsed",
            pulled.resolved_ref
        );
    };
    let contract = Contract::from_tree(&tree);
    let name = contract.service_name().to_string();
    let version = contract.service_version().to_string();
    let output = match &args.output {
        Some(o) => o.clone(),
        None => {
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
                || name.starts_with('.')
            {
                bail!(
                    "the service name {name:?} of {} cannot be used as a directory name: pass -o DIR",
                    pulled.resolved_ref
                );
            }
            PathBuf::from(&name)
        }
    };
    replace_dir(&pulled.bundle, &output, args.force)?;
    let shown = output.display().to_string();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        OutputFormat::Json => {
            let value = serde_json::json!({
                "Ref": pulled.resolved_ref,
                "Output": shown,
                "Name": name,
                "Version": version,
            });
            serde_json::to_writer_pretty(&mut out, &value)?;
            writeln!(out)?;
        }
        _ => writeln!(
            out,
            "Pulled {name}@{version} -> {}/",
            shown.trim_end_matches('/')
        )?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
