//! `pacto login <registry> -u USER [-p PASS | --password-stdin]`: check the credentials against
//! the registry (`GET /v2/` with them), then merge them into
//! `<XDG_CONFIG_HOME or ~/.config>/pacto/config.json` (spec §5.2, §6.6): directory 0700, file
//! 0600, written atomically. Nothing is stored when the registry refuses them.

use anyhow::{anyhow, bail, Context};
use pacto_core::registry::auth::{pacto_config_file, store_login, Static};
use pacto_core::registry::{Credential, Registry, RegistryError, RegistryOptions};
use pacto_core::report::OutputFormat;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Registry host, e.g. ghcr.io or localhost:5000.
    #[arg(value_name = "REGISTRY")]
    registry: String,

    /// User name.
    #[arg(short, long)]
    username: Option<String>,

    /// Password or token (prefer --password-stdin: arguments are visible to other users).
    #[arg(short, long, conflicts_with = "password_stdin")]
    password: Option<String>,

    /// Read the password from standard input.
    #[arg(long)]
    password_stdin: bool,
}

pub fn run(args: &Args, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let Some(username) = args.username.clone().filter(|u| !u.is_empty()) else {
        bail!("--username is required");
    };
    let registry = normalize(&args.registry);
    if registry.is_empty() || registry.contains('/') {
        bail!(
            "{:?} is not a registry: give its host, e.g. ghcr.io or localhost:5000",
            args.registry
        );
    }
    let password = match (&args.password, args.password_stdin) {
        (Some(p), _) => p.clone(),
        (None, true) => read_stdin_password()?,
        (None, false) => prompt_password()?,
    };
    if password.is_empty() {
        bail!("the password is empty");
    }

    let mut options = RegistryOptions::from_env();
    options.no_cache = true;
    options.offline = false;
    options.client.plain_http |= crate::net::args().plain_http;
    let checker = Registry::new(
        options,
        Arc::new(Static(Credential::Basic {
            username: username.clone(),
            password: password.clone(),
        })),
    );
    checker.ping(&registry).map_err(|e| match e {
        RegistryError::Auth { detail, .. } => anyhow!(
            "login to {registry} failed: the registry refused the credentials of {username:?} ({detail}); nothing was stored"
        ),
        e => anyhow!(
            "login to {registry} failed, nothing was stored: {}",
            e.with_hint()
        ),
    })?;

    let path = pacto_config_file()
        .context("cannot find the configuration directory: set XDG_CONFIG_HOME or HOME")?;
    store_login(&path, &registry, &username, &password).map_err(|e| anyhow!(e))?;

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        OutputFormat::Json => {
            let value = serde_json::json!({ "Registry": registry, "Username": username });
            serde_json::to_writer_pretty(&mut out, &value)?;
            writeln!(out)?;
        }
        _ => writeln!(out, "Login succeeded for {registry}")?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `https://ghcr.io/` → `ghcr.io`.
fn normalize(registry: &str) -> String {
    let r = registry.trim();
    let r = r
        .strip_prefix("https://")
        .or_else(|| r.strip_prefix("http://"))
        .unwrap_or(r);
    r.trim_end_matches('/').to_string()
}

fn trim_newline(mut s: String) -> String {
    while s.ends_with('\n') || s.ends_with('\r') {
        s.pop();
    }
    s
}

/// The whole of stdin (bounded), without the trailing newline.
fn read_stdin_password() -> anyhow::Result<String> {
    let mut buf = String::new();
    std::io::stdin()
        .take(64 * 1024)
        .read_to_string(&mut buf)
        .context("reading the password from standard input")?;
    Ok(trim_newline(buf))
}

/// `Password: ` on stdout, then one line from stdin, with echo off when stdin is a terminal.
fn prompt_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let tty = stdin.is_terminal();
    print!("Password: ");
    std::io::stdout().flush()?;
    let stty = |arg: &str| {
        // Best effort: without stty the password is echoed, as with a plain pipe.
        let _ = Command::new("stty")
            .arg(arg)
            .stdin(Stdio::inherit())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    };
    if tty {
        stty("-echo");
    }
    let mut line = String::new();
    let read = stdin.lock().take(64 * 1024).read_line(&mut line);
    if tty {
        stty("echo");
        println!();
    }
    read.context("reading the password")?;
    Ok(trim_newline(line))
}
