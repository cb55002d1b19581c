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
use pacto_core::registry::{
    parse_dependency_ref, BundleMeta, Progress, RefScheme, Registry, RegistryOptions, Transfer,
};
use pacto_core::report::{self, OutputFormat};
use pacto_core::syntax::{parse, Limits};
use pacto_core::validate::{validate_dir, Options};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

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
    net: NetArgs,
}

/// Registry flags shared by push and pull.
#[derive(Debug, Clone, clap::Args)]
pub struct NetArgs {
    /// Talk plain HTTP to the registry (loopback registries always use it).
    #[arg(long, env = "PACTO_PLAIN_HTTP")]
    pub plain_http: bool,

    /// Neither read nor write the local cache.
    #[arg(long, env = "PACTO_NO_CACHE")]
    pub no_cache: bool,
}

pub fn run(args: &Args, format: OutputFormat) -> anyhow::Result<ExitCode> {
    if parse_dependency_ref(&args.reference).scheme != RefScheme::Oci {
        bail!(
            "push requires an OCI reference (oci://...): got {:?}",
            args.reference
        );
    }
    let registry = open_registry(&args.net, false);
    let dir = args.path.as_str();
    let report = validate_dir(dir, Some(&registry), &Options::default());
    if !report.valid() {
        print_diagnostics(&report)?;
        bail!(
            "contract validation failed with {} error(s)",
            report.errors().count()
        );
    }
    let loaded = load_dir(dir)?;
    let parsed = parse(&loaded.text, &Limits::default());
    let Some(tree) = parsed.tree else {
        bail!("{} could not be parsed", loaded.contract_path);
    };
    let contract = Contract::from_tree(&tree);
    reject_local_refs(&contract)?;
    let meta = BundleMeta {
        name: contract.service_name().to_string(),
        version: contract.service_version().to_string(),
        pacto_version: contract
            .pacto_version
            .as_ref()
            .map(|v| v.value.clone())
            .unwrap_or_default(),
    };
    let packed = pack_dir(Path::new(dir))?;
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

/// The validation report on stderr, as `pacto validate` prints it in text, without its closing
/// `validation failed` line (the command's own error replaces it).
fn print_diagnostics(report: &report::FileReport) -> anyhow::Result<()> {
    let mut verdict = Vec::new();
    let mut diagnostics = Vec::new();
    report::render_text(std::slice::from_ref(report), &mut verdict, &mut diagnostics)?;
    let diagnostics = String::from_utf8_lossy(&diagnostics);
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    err.write_all(&verdict)?;
    for line in diagnostics.lines() {
        if !line.starts_with("validation failed with ") {
            writeln!(err, "{line}")?;
        }
    }
    Ok(())
}

/// The registry for a command: environment defaults, the command's flags, progress bars when
/// stderr is a terminal.
pub(crate) fn open_registry(net: &NetArgs, offline: bool) -> Registry {
    let mut options = RegistryOptions::from_env();
    options.client.plain_http |= net.plain_http;
    options.no_cache |= net.no_cache;
    options.offline |= offline;
    let registry = Registry::from_env(options);
    if std::io::stderr().is_terminal() {
        registry.with_progress(Arc::new(Bars))
    } else {
        registry
    }
}

/// indicatif bars on stderr.
struct Bars;

struct Bar(indicatif::ProgressBar);

impl Progress for Bars {
    fn start(&self, label: &str, total: u64) -> Box<dyn Transfer> {
        let bar = indicatif::ProgressBar::new(total);
        let style =
            indicatif::ProgressStyle::with_template("{msg} [{wide_bar}] {bytes}/{total_bytes}")
                .map(|s| s.progress_chars("=> "))
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message(label.to_string());
        Box::new(Bar(bar))
    }
}

impl Transfer for Bar {
    fn advance(&mut self, bytes: u64) {
        self.0.inc(bytes);
    }

    fn finish(&mut self) {
        self.0.finish_and_clear();
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        if !self.0.is_finished() {
            self.0.finish_and_clear();
        }
    }
}
