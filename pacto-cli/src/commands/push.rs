//! `pacto push <oci://ref> [-p|--path DIR] [-f|--force]`: validate a bundle and push it as Go
//! Pacto's OCI artifact (spec §5.2, §6).
//!
//! Order, as in Go: the ref must be `oci://`; the contract must validate (policy refs resolve
//! through the registry); local dependency, chart, configuration and policy refs are refused;
//! a ref without tag is tagged with `service.version`; an existing tag is left alone with a
//! warning (exit 0) unless `--force`.

use anyhow::{anyhow, bail};
use pacto_core::bundle::archive::pack_dir;
use pacto_core::bundle::load_dir;
use pacto_core::model::Contract;
use pacto_core::registry::{parse_dependency_ref, BundleMeta, RefScheme};
use pacto_core::report::OutputFormat;
use pacto_core::syntax::{parse, Limits};
use pacto_core::validate::Options;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to push: oci://REGISTRY/REPOSITORY[:TAG] (the tag defaults to service.version).
    #[arg(value_name = "REF")]
    reference: String,

    /// Bundle directory.
    #[arg(short, long, value_name = "DIR", default_value = ".")]
    path: String,

    /// Overwrite the tag when it already exists.
    #[arg(short, long)]
    force: bool,

    #[command(flatten)]
    overrides: super::overrides::PushOverrideArgs,
}

pub fn run(args: &Args, format: OutputFormat) -> anyhow::Result<ExitCode> {
    if parse_dependency_ref(&args.reference).scheme != RefScheme::Oci {
        bail!(
            "push requires an OCI reference (oci://...): got {:?}",
            args.reference
        );
    }
    let registry = crate::net::registry();
    let dir = args.path.as_str();
    let overrides = args.overrides.read()?;
    let report =
        pacto_core::overrides::validate_dir(dir, Some(&*registry), &Options::default(), &overrides)
            .map_err(anyhow::Error::msg)?;
    if !report.valid() {
        crate::net::print_diagnostics(&report)?;
        bail!(
            "contract validation failed with {} error(s)",
            report.errors().count()
        );
    }
    let mut loaded = load_dir(dir)?;
    let mut marks = Vec::new();
    if !overrides.is_empty() {
        let applied =
            pacto_core::overrides::apply(&loaded.text, &overrides).map_err(anyhow::Error::msg)?;
        loaded.text = applied.text;
        marks = applied.marks;
    }
    super::overrides::announce(&marks);
    let parsed = parse(&loaded.text, &Limits::default());
    let Some(tree) = parsed.tree else {
        bail!("{} could not be parsed", loaded.contract_path);
    };
    let contract = Contract::from_tree(&tree);
    reject_local_refs(&contract)?;
    // A committed pacto.lock must match the closure: a stale lock blocks publishing (as Go).
    let root = super::lock::overridden_root(dir, &overrides);
    super::lock::verify_or_fail(dir, root.as_ref())?;
    let meta = BundleMeta {
        name: contract.service_name().to_string(),
        version: contract.service_version().to_string(),
        pacto_version: contract
            .pacto_version
            .as_ref()
            .map(|v| v.value.clone())
            .unwrap_or_default(),
    };
    let packed = if overrides.is_empty() {
        pack_dir(Path::new(dir))?
    } else {
        let options = pacto_core::bundle::archive::PackOptions {
            contract: Some(loaded.text.clone().into_bytes()),
            ..Default::default()
        };
        pacto_core::bundle::archive::pack_dir_with(Path::new(dir), &options)?
    };
    let result = registry
        .push(&args.reference, &packed, &meta, args.force)
        .map_err(|e| anyhow!(e.with_hint()))?;
    if result.skipped {
        eprintln!(
            "Warning: artifact already exists: {} (use --force to overwrite)",
            result.reference
        );
        return Ok(ExitCode::SUCCESS);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        OutputFormat::Json => {
            let value = serde_json::json!({
                "Ref": result.reference,
                "Digest": result.digest,
                "Name": result.name,
                "Version": result.version,
            });
            serde_json::to_writer_pretty(&mut out, &value)?;
            writeln!(out)?;
        }
        _ => {
            writeln!(
                out,
                "Pushed {}@{} -> {}",
                result.name, result.version, result.reference
            )?;
            writeln!(out, "Digest: {}", result.digest)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Go Pacto's refusals of local references in a published bundle, with its texts.
fn reject_local_refs(contract: &Contract) -> anyhow::Result<()> {
    let local = |r: &str| parse_dependency_ref(r).scheme == RefScheme::Local;
    for dep in &contract.dependencies {
        if local(dep.reference()) {
            bail!(
                "local dependency detected: {}\nLocal dependencies are not allowed when publishing. All dependencies must use OCI references (oci://...)",
                dep.reference()
            );
        }
    }
    if let Some(chart) = contract
        .service
        .as_ref()
        .and_then(|s| s.chart.as_ref())
        .and_then(|c| c.reference.as_ref())
    {
        if local(chart.as_str()) {
            bail!(
                "local chart reference detected: {}\nLocal chart references are not allowed when publishing. Use an OCI reference (oci://...)",
                chart.as_str()
            );
        }
    }
    for (_, c) in contract.all_configurations() {
        if let Some(r) = c.reference.as_ref().filter(|r| !r.as_str().is_empty()) {
            if local(r.as_str()) {
                bail!(
                    "local configuration ref detected: {}\nLocal references are not allowed when publishing. Use an OCI reference (oci://...)",
                    r.as_str()
                );
            }
        }
    }
    for (_, p) in contract.all_policies() {
        if let Some(r) = p.reference.as_ref().filter(|r| !r.as_str().is_empty()) {
            if local(r.as_str()) {
                bail!(
                    "local policy ref detected: {}\nLocal references are not allowed when publishing. Use an OCI reference (oci://...)",
                    r.as_str()
                );
            }
        }
    }
    Ok(())
}
