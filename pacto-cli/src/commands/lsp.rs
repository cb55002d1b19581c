//! `pacto lsp`: the language server over stdio.

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Accepted for editor compatibility (stdio is the only transport).
    #[arg(long)]
    stdio: bool,
}

pub fn run(_args: &Args) -> anyhow::Result<ExitCode> {
    pacto_lsp::run_stdio()?;
    Ok(ExitCode::SUCCESS)
}
