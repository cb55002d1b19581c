//! Credentials, looked up where users keep them, in Go Pacto's order (§6.6):
//!
//! 1. `PACTO_REGISTRY_TOKEN` (a registry bearer token for any registry), else
//!    `PACTO_REGISTRY_USERNAME` + `PACTO_REGISTRY_PASSWORD` (both set) as basic auth;
//! 2. `<XDG_CONFIG_HOME or ~/.config>/pacto/config.json`, written by `pacto login`;
//! 3. (Go runs `gh auth token` for ghcr.io; we do not);
//! 4. Docker's `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`: `credHelpers[registry]`,
//!    then `auths[registry]` (`auth` = base64 `user:pass`, `username`/`password`,
//!    `identitytoken`), then `credsStore`, running `docker-credential-<name> get`;
//! 5. anonymous.
//!
//! Credentials are looked up lazily, when a registry first answers 401.

use base64::Engine as _;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::name::DOCKER_HUB;

/// Largest config file or helper answer read.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;
/// How long a credential helper may run.
const HELPER_TIMEOUT: Duration = Duration::from_secs(10);

/// What to authenticate with.
#[derive(Clone, PartialEq, Eq, Default)]
pub enum Credential {
    #[default]
    Anonymous,
    Basic {
        username: String,
        password: String,
    },
    /// Sent as `Authorization: Bearer <token>` without a token exchange.
    RegistryToken(String),
    /// An OAuth2 refresh token (Docker's `identitytoken`), exchanged at the token realm.
    IdentityToken {
        username: String,
        token: String,
    },
}

impl Credential {
    pub fn is_anonymous(&self) -> bool {
        matches!(self, Credential::Anonymous)
    }
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Anonymous => write!(f, "Anonymous"),
            Credential::Basic { username, .. } => write!(f, "Basic({username}, ***)"),
            Credential::RegistryToken(_) => write!(f, "RegistryToken(***)"),
            Credential::IdentityToken { username, .. } => {
                write!(f, "IdentityToken({username}, ***)")
            }
        }
    }
}

/// Finds the credential for a registry (`host[:port]`). `Err` is a message for the user
/// (a failing credential helper, for instance).
pub trait Keychain: Send + Sync {
    fn credential(&self, registry: &str) -> Result<Credential, String>;
}

/// A keychain that always answers anonymous.
pub struct Anonymous;

impl Keychain for Anonymous {
    fn credential(&self, _registry: &str) -> Result<Credential, String> {
        Ok(Credential::Anonymous)
    }
}

/// A keychain with one credential for every registry (tests, `pacto login` verification).
pub struct Static(pub Credential);

impl Keychain for Static {
    fn credential(&self, _registry: &str) -> Result<Credential, String> {
        Ok(self.0.clone())
    }
}

/// Where [`DefaultKeychain`] looks; [`KeychainSources::from_env`] is what the CLI uses.
#[derive(Debug, Clone, Default)]
pub struct KeychainSources {
    /// `PACTO_REGISTRY_TOKEN`.
    pub token: Option<String>,
    /// `PACTO_REGISTRY_USERNAME`.
    pub username: Option<String>,
    /// `PACTO_REGISTRY_PASSWORD`.
    pub password: Option<String>,
    /// Pacto's `config.json` (written by `pacto login`).
    pub pacto_config: Option<PathBuf>,
    /// Docker's `config.json`.
    pub docker_config: Option<PathBuf>,
    /// Directory searched for `docker-credential-*` before `PATH` (tests).
    pub helper_dir: Option<PathBuf>,
}

impl KeychainSources {
    /// Read the environment: the `PACTO_REGISTRY_*` variables, `XDG_CONFIG_HOME`, `HOME` and
    /// `DOCKER_CONFIG`. Empty variables count as unset.
    pub fn from_env() -> KeychainSources {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        KeychainSources {
            token: var("PACTO_REGISTRY_TOKEN"),
            username: var("PACTO_REGISTRY_USERNAME"),
            password: var("PACTO_REGISTRY_PASSWORD"),
            pacto_config: pacto_config_file(),
            docker_config: var("DOCKER_CONFIG")
                .map(|d| PathBuf::from(d).join("config.json"))
                .or_else(|| home_dir().map(|h| h.join(".docker").join("config.json"))),
            helper_dir: None,
        }
    }
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// `<XDG_CONFIG_HOME or ~/.config>/pacto`.
pub fn pacto_config_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| home_dir().map(|h| h.join(".config")))
        .map(|d| d.join("pacto"))
}

/// `<XDG_CONFIG_HOME or ~/.config>/pacto/config.json`.
pub fn pacto_config_file() -> Option<PathBuf> {
    pacto_config_dir().map(|d| d.join("config.json"))
}

/// The standard keychain.
#[derive(Debug, Clone, Default)]
pub struct DefaultKeychain {
    sources: KeychainSources,
}

impl DefaultKeychain {
    pub fn new(sources: KeychainSources) -> Self {
        DefaultKeychain { sources }
    }

    pub fn from_env() -> Self {
        Self::new(KeychainSources::from_env())
    }
}

impl Keychain for DefaultKeychain {
    fn credential(&self, registry: &str) -> Result<Credential, String> {
        let s = &self.sources;
        if let Some(t) = &s.token {
            return Ok(Credential::RegistryToken(t.clone()));
        }
        if let (Some(u), Some(p)) = (&s.username, &s.password) {
            return Ok(Credential::Basic {
                username: u.clone(),
                password: p.clone(),
            });
        }
        if let Some(path) = &s.pacto_config {
            // Go: a missing file, bad JSON or no entry means anonymous.
            if let Some(cfg) = read_json(path).ok().flatten() {
                if let Some(c) = auths_entry(&cfg, registry)? {
                    return Ok(c);
                }
            }
        }
        if let Some(path) = &s.docker_config {
            let cfg = match read_json(path) {
                Ok(Some(cfg)) => cfg,
                Ok(None) => return Ok(Credential::Anonymous),
                Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
            };
            return docker_credential(&cfg, registry, s.helper_dir.as_deref());
        }
        Ok(Credential::Anonymous)
    }
}

/// Read a JSON object file, bounded; `Ok(None)` when it does not exist.
fn read_json(path: &Path) -> Result<Option<serde_json::Value>, String> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let mut buf = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    if buf.len() as u64 > MAX_CONFIG_BYTES {
        return Err(format!("larger than {MAX_CONFIG_BYTES} bytes"));
    }
    let v: serde_json::Value = serde_json::from_slice(&buf).map_err(|e| e.to_string())?;
    if v.is_object() {
        Ok(Some(v))
    } else {
        Err("not a JSON object".to_string())
    }
}

/// `https://index.docker.io/v1/` → `index.docker.io`; `http://h:5000/x` → `h:5000`.
fn key_host(key: &str) -> &str {
    let k = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    k.split('/').next().unwrap_or(k)
}

fn same_registry(key: &str, registry: &str) -> bool {
    let k = key_host(key);
    let hub = |h: &str| matches!(h, "index.docker.io" | "docker.io" | "registry-1.docker.io");
    k.eq_ignore_ascii_case(registry) || (hub(k) && hub(registry))
}

/// A key of `map` (an `auths` or `credHelpers` object) naming `registry`; an exact key wins.
fn lookup<'a>(map: &'a serde_json::Value, registry: &str) -> Option<&'a serde_json::Value> {
    let obj = map.as_object()?;
    obj.get(registry).or_else(|| {
        obj.iter()
            .find(|(k, _)| same_registry(k, registry))
            .map(|(_, v)| v)
    })
}

/// A credential from an `auths` entry, `None` when there is no usable entry.
fn auths_entry(cfg: &serde_json::Value, registry: &str) -> Result<Option<Credential>, String> {
    let Some(entry) = cfg.get("auths").and_then(|a| lookup(a, registry)) else {
        return Ok(None);
    };
    let field = |k: &str| {
        entry
            .get(k)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    };
    let (mut username, mut password) = (
        field("username").map(str::to_string),
        field("password").map(str::to_string),
    );
    if let Some(auth) = field("auth") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .map_err(|e| format!("the auth entry for {registry} is not valid base64: {e}"))?;
        let decoded = String::from_utf8(decoded)
            .map_err(|_| format!("the auth entry for {registry} is not UTF-8"))?;
        let (u, p) = decoded
            .split_once(':')
            .ok_or_else(|| format!("the auth entry for {registry} is not user:password"))?;
        username = Some(u.to_string());
        password = Some(p.to_string());
    }
    if let Some(token) = field("registrytoken") {
        return Ok(Some(Credential::RegistryToken(token.to_string())));
    }
    if let Some(token) = field("identitytoken") {
        return Ok(Some(Credential::IdentityToken {
            username: username.unwrap_or_default(),
            token: token.to_string(),
        }));
    }
    Ok(match (username, password) {
        (Some(username), Some(password)) => Some(Credential::Basic { username, password }),
        _ => None,
    })
}

fn docker_credential(
    cfg: &serde_json::Value,
    registry: &str,
    helper_dir: Option<&Path>,
) -> Result<Credential, String> {
    if let Some(helper) = cfg
        .get("credHelpers")
        .and_then(|h| lookup(h, registry))
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
    {
        return run_helper(helper, registry, helper_dir);
    }
    if let Some(c) = auths_entry(cfg, registry)? {
        return Ok(c);
    }
    if let Some(store) = cfg
        .get("credsStore")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
    {
        return run_helper(store, registry, helper_dir);
    }
    Ok(Credential::Anonymous)
}

/// The server URL a helper is asked about (Docker Hub's historical key for Docker Hub).
fn helper_server_url(registry: &str) -> String {
    if registry == DOCKER_HUB {
        "https://index.docker.io/v1/".to_string()
    } else {
        registry.to_string()
    }
}

/// `docker-credential-<name> get` with the server URL on stdin: bounded output, a timeout, and
/// "not found" meaning anonymous.
pub fn run_helper(
    name: &str,
    registry: &str,
    helper_dir: Option<&Path>,
) -> Result<Credential, String> {
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Err(format!("invalid credential helper name {name:?}"));
    }
    let program = format!("docker-credential-{name}");
    let path = helper_dir
        .map(|d| d.join(&program))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from(&program));
    let mut child = Command::new(&path)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run credential helper {program}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading stdin closes the pipe: not an error here.
        let _ = stdin.write_all(helper_server_url(registry).as_bytes());
    }
    let read_bounded = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(r) = r {
                let _ = r.take(MAX_CONFIG_BYTES).read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = read_bounded(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let err = read_bounded(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + HELPER_TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "credential helper {program} did not answer within {} s",
                    HELPER_TIMEOUT.as_secs()
                ));
            }
            Err(e) => return Err(format!("credential helper {program}: {e}")),
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if !status.success() {
        let msg = String::from_utf8_lossy(if stdout.is_empty() { &stderr } else { &stdout })
            .trim()
            .to_string();
        if msg.contains("credentials not found") {
            return Ok(Credential::Anonymous);
        }
        return Err(format!(
            "credential helper {program} failed ({status}): {msg}"
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&stdout)
        .map_err(|e| format!("credential helper {program} printed invalid JSON: {e}"))?;
    let username = v
        .get("Username")
        .and_then(|u| u.as_str())
        .unwrap_or_default()
        .to_string();
    let secret = v
        .get("Secret")
        .and_then(|u| u.as_str())
        .unwrap_or_default()
        .to_string();
    Ok(if secret.is_empty() {
        Credential::Anonymous
    } else if username == "<token>" {
        Credential::IdentityToken {
            username,
            token: secret,
        }
    } else {
        Credential::Basic {
            username,
            password: secret,
        }
    })
}

/// `Basic base64(user:pass)`.
pub fn basic_header(username: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
    )
}

/// A parsed `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    Basic {
        realm: String,
    },
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
}

/// Parse `Basic realm="x"` or `Bearer realm="…",service="…",scope="…"` (quoted or token values,
/// any parameter order). Unknown schemes give `None`.
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header
        .split_once(char::is_whitespace)
        .unwrap_or((header, ""));
    let params = parse_params(rest);
    let get = |k: &str| {
        params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    if scheme.eq_ignore_ascii_case("basic") {
        Some(Challenge::Basic {
            realm: get("realm").unwrap_or_default(),
        })
    } else if scheme.eq_ignore_ascii_case("bearer") {
        Some(Challenge::Bearer {
            realm: get("realm")?,
            service: get("service"),
            scope: get("scope"),
        })
    } else {
        None
    }
}

fn parse_params(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && out.len() < 32 {
        while i < b.len() && (b[i] == b',' || b[i].is_ascii_whitespace()) {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i] != b'=' && b[i] != b',' {
            i += 1;
        }
        let name = s[start..i].trim().to_string();
        if i >= b.len() || b[i] != b'=' {
            continue;
        }
        i += 1;
        let mut value = String::new();
        if i < b.len() && b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    i += 1;
                }
                // Step by whole characters so multi-byte text survives.
                let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
                value.push(ch);
                i += ch.len_utf8();
            }
            i += 1;
        } else {
            let vs = i;
            while i < b.len() && b[i] != b',' {
                i += 1;
            }
            value = s[vs..i].trim().to_string();
        }
        if !name.is_empty() {
            out.push((name, value));
        }
    }
    out
}

/// Merge `{"auths":{"<registry>":{"auth":"<base64 user:pass>"}}}` into the JSON file at
/// `path`, keeping everything else. The directory is created 0700 and the file written 0600,
/// atomically (temporary file and rename). Invalid JSON in an existing file is an error.
pub fn store_login(
    path: &Path,
    registry: &str,
    username: &str,
    password: &str,
) -> Result<(), String> {
    let mut cfg = match read_json(path) {
        Ok(Some(v)) => v,
        Ok(None) => serde_json::json!({}),
        Err(e) => return Err(format!("cannot update {}: {e}", path.display())),
    };
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    let obj = cfg
        .as_object_mut()
        .ok_or_else(|| format!("{} is not a JSON object", path.display()))?;
    let auths = obj.entry("auths").or_insert_with(|| serde_json::json!({}));
    if !auths.is_object() {
        *auths = serde_json::json!({});
    }
    if let Some(a) = auths.as_object_mut() {
        a.insert(registry.to_string(), serde_json::json!({ "auth": auth }));
    }
    let dir = path
        .parent()
        .ok_or_else(|| format!("{} has no parent directory", path.display()))?;
    create_private_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut text = serde_json::to_string_pretty(&cfg).map_err(|e| e.to_string())?;
    text.push('\n');
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| e.to_string())?;
    }
    tmp.write_all(text.as_bytes())
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| format!("cannot write {}: {}", path.display(), e.error))?;
    Ok(())
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse() {
        assert_eq!(
            parse_challenge(r#"Basic realm="pacto-test""#),
            Some(Challenge::Basic {
                realm: "pacto-test".into()
            })
        );
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/redis:pull""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/redis:pull".into()),
            })
        );
        assert_eq!(
            parse_challenge("bearer service=x, realm=http://h/t"),
            Some(Challenge::Bearer {
                realm: "http://h/t".into(),
                service: Some("x".into()),
                scope: None
            })
        );
        assert_eq!(parse_challenge("Negotiate abc"), None);
        assert_eq!(parse_challenge("Bearer service=x"), None);
    }

    #[test]
    fn keychain_order_and_docker_config() {
        let dir = tempfile::tempdir().unwrap();
        let docker = dir.path().join("docker.json");
        let pacto = dir.path().join("pacto.json");
        std::fs::write(
            &docker,
            r#"{"auths":{"https://index.docker.io/v1/":{"auth":"dTpw"},"h:1":{"username":"a","password":"b"},"i:1":{"identitytoken":"tok"}}}"#,
        )
        .unwrap();
        let kc = |s: KeychainSources| DefaultKeychain::new(s);
        let base = KeychainSources {
            docker_config: Some(docker.clone()),
            pacto_config: Some(pacto.clone()),
            ..Default::default()
        };
        let basic = |u: &str, p: &str| Credential::Basic {
            username: u.into(),
            password: p.into(),
        };
        assert_eq!(
            kc(base.clone()).credential(DOCKER_HUB).unwrap(),
            basic("u", "p")
        );
        assert_eq!(kc(base.clone()).credential("h:1").unwrap(), basic("a", "b"));
        assert!(matches!(
            kc(base.clone()).credential("i:1").unwrap(),
            Credential::IdentityToken { .. }
        ));
        assert_eq!(
            kc(base.clone()).credential("other").unwrap(),
            Credential::Anonymous
        );
        store_login(&pacto, "h:1", "me", "pw").unwrap();
        assert_eq!(
            kc(base.clone()).credential("h:1").unwrap(),
            basic("me", "pw")
        );
        let with_env = KeychainSources {
            username: Some("e".into()),
            password: Some("f".into()),
            ..base.clone()
        };
        assert_eq!(
            kc(with_env.clone()).credential("h:1").unwrap(),
            basic("e", "f")
        );
        let with_token = KeychainSources {
            token: Some("t".into()),
            ..with_env
        };
        assert_eq!(
            kc(with_token).credential("h:1").unwrap(),
            Credential::RegistryToken("t".into())
        );
        // Only a username: not a credential.
        let half = KeychainSources {
            username: Some("e".into()),
            ..base
        };
        assert_eq!(kc(half).credential("h:1").unwrap(), basic("me", "pw"));
    }

    #[test]
    fn store_login_merges_and_refuses_bad_json() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/config.json");
        store_login(&path, "a:1", "u", "p").unwrap();
        store_login(&path, "b:2", "v", "q").unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(v["auths"]["a:1"]["auth"], "dTpw");
        assert!(v["auths"]["b:2"]["auth"].is_string());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let mode = std::fs::metadata(path.parent().unwrap())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        std::fs::write(&path, "{bad").unwrap();
        assert!(store_login(&path, "a:1", "u", "p").is_err());
    }
}
