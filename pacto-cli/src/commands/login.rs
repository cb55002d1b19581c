//! `pacto login <registry> -u USER [-p PASS | --password-stdin]`: check the credentials against
//! the registry (`GET /v2/` with them), then merge them into
//! `<XDG_CONFIG_HOME or ~/.config>/pacto/config.json` (spec §5.2, §6.6): directory 0700, file
//! 0600, written atomically. Nothing is stored when the registry refuses them.
//!
//! `pacto logout <registry>` removes that entry again (Go's `logout`), and [`GhFallback`] is the
//! keychain the CLI uses: the standard one, then `gh auth token` for GitHub's registries when it
//! found no credential.

use anyhow::{anyhow, bail, Context};
use pacto_core::registry::auth::{pacto_config_file, store_login, Static};
use pacto_core::registry::{
    Credential, DefaultKeychain, Keychain, Registry, RegistryError, RegistryOptions,
};
use pacto_core::report::OutputFormat;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

#[derive(Debug, clap::Args)]
pub struct LogoutArgs {
    /// Registry host whose stored credentials to remove, e.g. ghcr.io or localhost:5000.
    #[arg(value_name = "REGISTRY")]
    registry: String,
}

/// Largest `config.json` read.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// `pacto logout REGISTRY`: remove what `pacto login` stored for the registry in Pacto's
/// `config.json` (Docker's configuration is not touched, as in Go). Nothing stored is not an
/// error (`No stored credentials for …`); an unreadable or invalid file is, and is left as it is.
pub fn run_logout(args: &LogoutArgs, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let registry = normalize(&args.registry);
    if registry.is_empty() || registry.contains('/') {
        bail!(
            "{:?} is not a registry: give its host, e.g. ghcr.io or localhost:5000",
            args.registry
        );
    }
    let path = pacto_config_file()
        .context("cannot find the configuration directory: set XDG_CONFIG_HOME or HOME")?;
    let removed = remove_login(&path, &registry)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        OutputFormat::Json => {
            let value = serde_json::json!({ "Registry": registry, "Removed": removed });
            serde_json::to_writer_pretty(&mut out, &value)?;
            writeln!(out)?;
        }
        _ if removed => writeln!(out, "Logout succeeded for {registry}")?,
        _ => writeln!(out, "No stored credentials for {registry}")?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Remove every `auths` entry of `config.json` at `path` naming `registry` (`ghcr.io`,
/// `https://ghcr.io/`, ...); everything else is kept. `Ok(false)` when the file or the entry does
/// not exist. The file is rewritten atomically with mode 0600.
fn remove_login(path: &Path, registry: &str) -> anyhow::Result<bool> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => bail!("cannot read {}: {e}", path.display()),
    };
    let mut buf = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut buf)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if buf.len() as u64 > MAX_CONFIG_BYTES {
        bail!(
            "{} is larger than {MAX_CONFIG_BYTES} bytes; nothing was changed",
            path.display()
        );
    }
    let mut cfg: serde_json::Value = serde_json::from_slice(&buf).map_err(|e| {
        anyhow!(
            "{} is not valid JSON ({e}); fix or remove it; nothing was changed",
            path.display()
        )
    })?;
    let Some(auths) = cfg
        .get_mut("auths")
        .and_then(serde_json::Value::as_object_mut)
    else {
        return Ok(false);
    };
    let keys: Vec<String> = auths
        .keys()
        .filter(|k| normalize(k) == registry)
        .cloned()
        .collect();
    if keys.is_empty() {
        return Ok(false);
    }
    for k in &keys {
        auths.remove(k);
    }
    let mut text = serde_json::to_string_pretty(&cfg)?;
    text.push('\n');
    let dir = path
        .parent()
        .with_context(|| format!("{} has no parent directory", path.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    tmp.write_all(text.as_bytes())
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| anyhow!("cannot write {}: {}", path.display(), e.error))?;
    Ok(true)
}

/// The registries `gh auth token` is asked about (Go's `isGitHubRegistry`).
fn is_github_registry(registry: &str) -> bool {
    registry == "ghcr.io" || registry == "docker.pkg.github.com"
}

/// How long `gh auth token` may run.
const GH_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest `gh auth token` answer read.
const MAX_GH_BYTES: u64 = 64 * 1024;

/// The CLI's keychain: [`DefaultKeychain`] (environment, `pacto login`, Docker's configuration
/// and helpers), then, for ghcr.io and docker.pkg.github.com only and only when it found no
/// credential, the GitHub CLI's token (`gh auth token`, as Go Pacto does: user `x-access-token`).
/// `gh` is run once per process, bounded in time and output; a missing `gh`, a failure or an
/// empty answer means anonymous. The token is never printed.
pub struct GhFallback {
    inner: Box<dyn Keychain>,
    gh: PathBuf,
    token: Mutex<Option<Option<String>>>,
}

impl GhFallback {
    pub fn from_env() -> GhFallback {
        GhFallback::new(Box::new(DefaultKeychain::from_env()), PathBuf::from("gh"))
    }

    fn new(inner: Box<dyn Keychain>, gh: PathBuf) -> GhFallback {
        GhFallback {
            inner,
            gh,
            token: Mutex::new(None),
        }
    }

    fn gh_token(&self) -> Option<String> {
        let mut cached = self.token.lock().unwrap_or_else(|e| e.into_inner());
        cached
            .get_or_insert_with(|| run_gh_auth_token(&self.gh))
            .clone()
    }
}

impl Keychain for GhFallback {
    fn credential(&self, registry: &str) -> Result<Credential, String> {
        let found = self.inner.credential(registry)?;
        if !found.is_anonymous() || !is_github_registry(registry) {
            return Ok(found);
        }
        Ok(match self.gh_token() {
            Some(token) => Credential::Basic {
                username: "x-access-token".to_string(),
                password: token,
            },
            None => Credential::Anonymous,
        })
    }
}

/// `gh auth token`'s answer, trimmed; `None` on any failure, after [`GH_TIMEOUT`], or when empty.
fn run_gh_auth_token(gh: &Path) -> Option<String> {
    let mut child = Command::new(gh)
        .args(["auth", "token"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.take(MAX_GH_BYTES).read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + GH_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    };
    let out = reader.join().ok()?;
    if !status.success() {
        return None;
    }
    let token = String::from_utf8(out).ok()?.trim().to_string();
    (!token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_gh(dir: &Path, body: &str) -> PathBuf {
        let path = dir.join("gh");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        path
    }

    #[cfg(unix)]
    #[test]
    fn gh_token_for_github_registries_only_when_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let calls = dir.path().join("calls");
        let gh = fake_gh(
            dir.path(),
            &format!(
                "echo \"$@\" >> '{}'\n[ \"$1 $2\" = 'auth token' ] && echo ' gho_secret '",
                calls.display()
            ),
        );
        let kc = GhFallback::new(Box::new(pacto_core::registry::auth::Anonymous), gh.clone());
        assert_eq!(
            kc.credential("ghcr.io").unwrap(),
            Credential::Basic {
                username: "x-access-token".into(),
                password: "gho_secret".into()
            }
        );
        assert!(matches!(
            kc.credential("docker.pkg.github.com").unwrap(),
            Credential::Basic { .. }
        ));
        // Not a GitHub registry: gh is not asked.
        assert_eq!(
            kc.credential("localhost:5000").unwrap(),
            Credential::Anonymous
        );
        // Asked once per process.
        assert_eq!(std::fs::read_to_string(&calls).unwrap(), "auth token\n");
        // Another credential wins: gh is not run.
        let other = Credential::RegistryToken("env".into());
        let kc = GhFallback::new(Box::new(Static(other.clone())), gh);
        assert_eq!(kc.credential("ghcr.io").unwrap(), other);
        assert_eq!(std::fs::read_to_string(&calls).unwrap(), "auth token\n");
        // The token never shows in Debug output.
        let c = Credential::Basic {
            username: "x-access-token".into(),
            password: "gho_secret".into(),
        };
        assert!(!format!("{c:?}").contains("gho_secret"));
    }

    #[cfg(unix)]
    #[test]
    fn gh_failing_missing_or_slow_is_anonymous() {
        let dir = tempfile::tempdir().unwrap();
        let failing = fake_gh(dir.path(), "echo 'not logged in' >&2; exit 1");
        let kc = GhFallback::new(Box::new(pacto_core::registry::auth::Anonymous), failing);
        assert_eq!(kc.credential("ghcr.io").unwrap(), Credential::Anonymous);

        let kc = GhFallback::new(
            Box::new(pacto_core::registry::auth::Anonymous),
            dir.path().join("no-such-gh"),
        );
        assert_eq!(kc.credential("ghcr.io").unwrap(), Credential::Anonymous);

        let slow_dir = tempfile::tempdir().unwrap();
        let slow = fake_gh(slow_dir.path(), "exec sleep 30");
        let kc = GhFallback::new(Box::new(pacto_core::registry::auth::Anonymous), slow);
        let start = Instant::now();
        assert_eq!(kc.credential("ghcr.io").unwrap(), Credential::Anonymous);
        assert!(start.elapsed() < GH_TIMEOUT + Duration::from_secs(3));
    }

    #[test]
    fn remove_login_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pacto").join("config.json");
        assert!(!remove_login(&path, "ghcr.io").unwrap());
        store_login(&path, "ghcr.io", "u", "p").unwrap();
        store_login(&path, "localhost:5000", "v", "q").unwrap();
        assert!(!remove_login(&path, "quay.io").unwrap());
        assert!(remove_login(&path, "ghcr.io").unwrap());
        let cfg: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert!(cfg["auths"].get("ghcr.io").is_none());
        assert!(cfg["auths"].get("localhost:5000").is_some());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(!remove_login(&path, "ghcr.io").unwrap());
        std::fs::write(&path, "{not json").unwrap();
        let err = remove_login(&path, "localhost:5000")
            .unwrap_err()
            .to_string();
        assert!(err.contains("not valid JSON"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{not json");
    }
}
