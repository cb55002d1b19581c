//! `pacto explain [DIR|oci://REF]`: a short summary of a contract (spec §5.2).

use pacto_core::doc;
use pacto_core::graph::{self, Fetcher};
use pacto_core::report::OutputFormat;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bundle directory (default: the current directory) or oci://REF.
    #[arg(default_value = ".")]
    path: String,

    #[command(flatten)]
    overrides: super::overrides::OverrideArgs,
}

pub fn run(args: &Args, output: OutputFormat) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir()?;
    let registry: Arc<dyn Fetcher> = crate::net::registry();
    let loaded =
        graph::open(&args.path, &cwd, Some(registry.as_ref())).map_err(anyhow::Error::msg)?;
    let (loaded, marks) = pacto_core::overrides::resolve(loaded, &args.overrides.read()?)
        .map_err(anyhow::Error::msg)?;
    super::overrides::announce(&marks);
    if let Some(code) = super::validate::refuse_undocumentable(&args.path, &loaded, output)? {
        return Ok(code);
    }
    let summary = doc::explain(&loaded.contract, &loaded.tree);
    let text = match output {
        OutputFormat::Json => summary.to_json(),
        _ => summary.to_text(),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
