//! `pacto completion bash|zsh|fish|powershell`: the shell completion script for every command
//! and flag, printed on stdout (clap_complete), as Go's cobra `completion` command does.
//!
//! ```sh
//! pacto completion bash > /etc/bash_completion.d/pacto
//! pacto completion zsh > "${fpath[1]}/_pacto"
//! pacto completion fish > ~/.config/fish/completions/pacto.fish
//! pacto completion powershell | Out-String | Invoke-Expression
//! ```

use std::io::Write;
use std::process::ExitCode;

/// The shells Go Pacto generates completions for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to generate the completion script for.
    #[arg(value_enum, value_name = "SHELL")]
    shell: Shell,
}

/// Write the script for `args.shell` of the command tree `cmd` (the whole `pacto` CLI).
pub fn run(args: &Args, mut cmd: clap::Command) -> anyhow::Result<ExitCode> {
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "pacto", &mut script);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
