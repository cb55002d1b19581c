//! `pacto lsp`: the language server over stdio.

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Accepted for editor compatibility (stdio is the only transport).
    #[arg(long)]
    stdio: bool,
}

/// Status 0 after `shutdown`, 1 on `exit` (or the end of input) without it, as LSP requires.
pub fn run(_args: &Args) -> anyhow::Result<ExitCode> {
    Ok(ExitCode::from(pacto_lsp::run_stdio()?))
}
