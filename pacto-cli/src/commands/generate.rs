//! `pacto generate PLUGIN [DIR|oci://REF] [-o DIR] [--option k=v]...`: run a generator plugin
//! (spec §10) and write the files it returns inside the output directory.

use anyhow::{anyhow, Context};
use pacto_core::bundle::archive::write_to_dir;
use pacto_core::graph;
use pacto_core::plugin::{self, Request, RunLimits, PROTOCOL_VERSION};
use pacto_core::registry::{parse_dependency_ref, RefScheme};
use pacto_core::report::OutputFormat;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The plugin: runs the executable pacto-plugin-PLUGIN from $PATH or ~/.config/pacto/plugins/.
    plugin: String,
    /// The bundle directory (default: the current directory) or oci://REF.
    #[arg(default_value = ".")]
    path: String,
    /// Output directory (default: PLUGIN-output).
    #[arg(short, long, value_name = "DIR")]
    output: Option<String>,
    /// An option for the plugin, KEY=VALUE (repeatable; entries without '=' are dropped).
    #[arg(long = "option", value_name = "KEY=VALUE")]
    options: Vec<String>,
    /// Seconds the plugin may run before it is stopped.
    #[arg(long, env = "PACTO_PLUGIN_TIMEOUT", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    timeout: u64,

    #[command(flatten)]
    overrides: super::overrides::OverrideArgs,
}

pub fn run(args: &Args, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let program = plugin::discover_from_env(&args.plugin)?;
    let cwd = std::env::current_dir()?;

    // An OCI bundle is unpacked to a temporary directory the plugin can read (removed on drop).
    let mut _unpacked = None;
    let (loaded, bundle_dir) = if parse_dependency_ref(&args.path).scheme == RefScheme::Oci
        && args.path.starts_with("oci://")
    {
        let registry = crate::net::registry();
        let pulled = registry
            .pull(&args.path)
            .map_err(|e| anyhow!(e.with_hint()))?;
        let tmp = tempfile::Builder::new()
            .prefix("pacto-bundle-")
            .tempdir()
            .context("failed to create a temporary directory")?;
        let dir = tmp.path().join("bundle");
        write_to_dir(&pulled.bundle, &dir, false)?;
        let dir_text = dir.display().to_string();
        let loaded = graph::load_local(&dir_text).map_err(anyhow::Error::msg)?;
        _unpacked = Some(tmp);
        (loaded, dir_text)
    } else {
        let loaded = graph::open(&args.path, &cwd, None).map_err(anyhow::Error::msg)?;
        (loaded, args.path.clone())
    };
    let (loaded, marks) = pacto_core::overrides::resolve(loaded, &args.overrides.read()?)
        .map_err(anyhow::Error::msg)?;
    super::overrides::announce(&marks);

    let output = args
        .output
        .clone()
        .unwrap_or_else(|| format!("{}-output", args.plugin));
    std::fs::create_dir_all(&output).with_context(|| format!("failed to create {output}"))?;
    let absolute: PathBuf =
        std::fs::canonicalize(&output).with_context(|| format!("failed to resolve {output}"))?;

    let request = Request {
        protocol_version: PROTOCOL_VERSION.to_string(),
        contract: pacto_core::plugin_v2::contract_json(&loaded.contract, &loaded.tree),
        bundle_dir,
        output_dir: output.clone(),
        options: plugin::parse_options(&args.options),
    };
    let limits = RunLimits {
        timeout: Duration::from_secs(args.timeout),
        ..RunLimits::default()
    };
    let response = plugin::run(&program, &args.plugin, &request, &limits)?;
    let written = plugin::write_files(&absolute, &response.files)?;

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let shown = output.trim_end_matches('/');
    match format {
        OutputFormat::Json => {
            let mut v = serde_json::json!({
                "plugin": args.plugin,
                "outputDir": output,
                "filesCount": written.len(),
            });
            if let Some(m) = &response.message {
                v["message"] = serde_json::Value::String(m.clone());
            }
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        _ => {
            writeln!(
                out,
                "Generated {} file(s) using {}",
                written.len(),
                args.plugin
            )?;
            writeln!(out, "Output: {shown}/")?;
            if let Some(m) = response.message.as_ref().filter(|m| !m.is_empty()) {
                writeln!(out, "Message: {m}")?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
