//! `pacto login` (being written).

use pacto_core::report::OutputFormat;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: &Args, _format: OutputFormat) -> anyhow::Result<ExitCode> {
    anyhow::bail!("pacto login is not available yet")
}
