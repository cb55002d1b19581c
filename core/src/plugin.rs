//! Generator plugins (`pacto generate`, spec §10), compatible with Go Pacto's plugins.
//!
//! A plugin is an executable named `pacto-plugin-<name>`, found on `$PATH` or in
//! `<config dir>/plugins/`. It is spawned with no arguments, gets one JSON request on stdin and
//! answers with one JSON response on stdout: the files to write. This module adds the bounds Go
//! Pacto lacks: a timeout ([`DEFAULT_TIMEOUT`]), a cap on what the plugin may print
//! ([`MAX_OUTPUT_BYTES`]), and files written only inside the output directory (no `..`, no
//! absolute paths, no symbolic links on the way).

use crate::bundle::archive::write_file_atomic;
use crate::model::Contract;
use crate::syntax::Tree;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// The protocol version written in every request.
pub const PROTOCOL_VERSION: &str = "1";
/// How long a plugin may run.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Most bytes read from a plugin's stdout.
pub const MAX_OUTPUT_BYTES: u64 = 64 * 1024 * 1024;
/// Most bytes of stderr kept for the error message.
const MAX_STDERR_BYTES: u64 = 64 * 1024;
/// Prefix of plugin executables.
pub const BINARY_PREFIX: &str = "pacto-plugin-";

#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("plugin \"{name}\" not found (looked for pacto-plugin-{name} in $PATH and ~/.config/pacto/plugins/)")]
    NotFound { name: String },
    #[error("plugin name {name:?} is not valid: use letters, digits, '-', '_' and '.'")]
    InvalidName { name: String },
    #[error("plugin {name}: failed to start {path}: {reason}")]
    Spawn {
        name: String,
        path: String,
        reason: String,
    },
    /// Non-zero exit: the trimmed stderr, or the exit status when stderr is empty.
    #[error("plugin {name}: {detail}")]
    Failed { name: String, detail: String },
    #[error("plugin {name} timed out after {seconds}s (raise it with --timeout)")]
    Timeout { name: String, seconds: u64 },
    #[error("plugin {name} printed more than {limit} bytes on stdout")]
    OutputTooLarge { name: String, limit: u64 },
    #[error("plugin {name} returned invalid output: {reason}")]
    InvalidOutput { name: String, reason: String },
    #[error("plugin file path {path:?} escapes output directory")]
    Escapes { path: String },
    #[error("failed to write {path}: {reason}")]
    Write { path: String, reason: String },
}

/// The request written to the plugin's stdin.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub protocol_version: String,
    pub contract: Value,
    /// The bundle directory as given on the command line (or a temporary directory for an
    /// `oci://` source).
    pub bundle_dir: String,
    /// The output directory as given (or the default `<plugin>-output`).
    pub output_dir: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
}

/// One file the plugin asks Pacto to write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratedFile {
    pub path: String,
    pub content: String,
}

/// The plugin's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    #[serde(default)]
    pub files: Vec<GeneratedFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `--option` values: `key=value` split at the first `=`; entries without `=` are dropped.
pub fn parse_options<S: AsRef<str>>(raw: &[S]) -> BTreeMap<String, String> {
    raw.iter()
        .filter_map(|o| {
            let (k, v) = o.as_ref().split_once('=')?;
            Some((k.to_string(), v.to_string()))
        })
        .collect()
}

/// The contract as Go Pacto's model marshals it: known sections in Go's field order,
/// `interfaces` always present (`null` when absent), `scaling.min`/`max` filled from
/// `replicas`. Values are taken from the YAML as written (so numbers stay numbers).
pub fn contract_json(contract: &Contract, tree: &Tree) -> Value {
    let root = tree.root().to_json();
    let src = root.as_object().cloned().unwrap_or_default();
    let mut out = Map::new();
    for key in [
        "pactoVersion",
        "service",
        "interfaces",
        "configuration",
        "configurations",
        "policy",
        "policies",
        "dependencies",
        "runtime",
        "scaling",
        "metadata",
    ] {
        match src.get(key) {
            Some(v) if !v.is_null() => {
                out.insert(key.to_string(), v.clone());
            }
            _ if key == "interfaces" => {
                out.insert(key.to_string(), Value::Null);
            }
            _ => {}
        }
    }
    if let (Some(Value::Object(scaling)), Some(s)) = (out.get_mut("scaling"), &contract.scaling) {
        if let Some(min) = s.effective_min() {
            scaling.insert("min".to_string(), Value::from(min));
        }
        if let Some(max) = s.effective_max() {
            scaling.insert("max".to_string(), Value::from(max));
        }
    }
    Value::Object(out)
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Find `pacto-plugin-<name>`: first in the directories of `path_var` (`$PATH`), then in
/// `<config_dir>/plugins/`, where it must be a regular file.
pub fn discover(
    name: &str,
    path_var: Option<&OsStr>,
    config_dir: Option<&Path>,
) -> Result<PathBuf, PluginError> {
    if !valid_name(name) {
        return Err(PluginError::InvalidName {
            name: name.to_string(),
        });
    }
    let binary = format!("{BINARY_PREFIX}{name}");
    if let Some(path) = path_var {
        for dir in std::env::split_paths(path) {
            if dir.as_os_str().is_empty() {
                continue;
            }
            let candidate = dir.join(&binary);
            if is_executable_file(&candidate) {
                return Ok(candidate);
            }
        }
    }
    if let Some(config) = config_dir {
        let candidate = config.join("plugins").join(&binary);
        if std::fs::metadata(&candidate).is_ok_and(|m| m.is_file()) {
            return Ok(candidate);
        }
    }
    Err(PluginError::NotFound {
        name: name.to_string(),
    })
}

/// [`discover`] with the process environment.
pub fn discover_from_env(name: &str) -> Result<PathBuf, PluginError> {
    let path = std::env::var_os("PATH");
    let config = crate::registry::auth::pacto_config_dir();
    discover(name, path.as_deref(), config.as_deref())
}

#[cfg(unix)]
fn is_executable_file(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// Limits of one run.
#[derive(Debug, Clone, Copy)]
pub struct RunLimits {
    pub timeout: Duration,
    pub max_output: u64,
}

impl Default for RunLimits {
    fn default() -> Self {
        RunLimits {
            timeout: DEFAULT_TIMEOUT,
            max_output: MAX_OUTPUT_BYTES,
        }
    }
}

/// Spawn `program` (the plugin `name`), send `request`, and read its response within `limits`.
pub fn run(
    program: &Path,
    name: &str,
    request: &Request,
    limits: &RunLimits,
) -> Result<Response, PluginError> {
    let body = serde_json::to_vec(request).map_err(|e| PluginError::InvalidOutput {
        name: name.to_string(),
        reason: format!("cannot encode the request: {e}"),
    })?;
    let mut child = Command::new(program)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| PluginError::Spawn {
            name: name.to_string(),
            path: program.display().to_string(),
            reason: e.to_string(),
        })?;
    let deadline = Instant::now() + limits.timeout;

    // A plugin that never reads its stdin must not block us: write from a thread.
    if let Some(mut stdin) = child.stdin.take() {
        std::thread::spawn(move || {
            // A plugin may exit without reading; a broken pipe is not our error.
            let _ = stdin.write_all(&body);
        });
    }
    let overflow = Arc::new(AtomicBool::new(false));
    let (out_tx, out_rx) = mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        let overflow = overflow.clone();
        let cap = limits.max_output;
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let result = stdout.take(cap + 1).read_to_end(&mut buf);
            if buf.len() as u64 > cap {
                overflow.store(true, Ordering::SeqCst);
            }
            let _ = out_tx.send(result.map(|_| buf));
        });
    }
    let (err_tx, err_rx) = mpsc::channel();
    if let Some(stderr) = child.stderr.take() {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let mut stderr = stderr;
            let _ = (&mut stderr).take(MAX_STDERR_BYTES).read_to_end(&mut buf);
            // Drain the rest so the plugin never blocks on a full pipe.
            let _ = std::io::copy(&mut stderr, &mut std::io::sink());
            let _ = err_tx.send(buf);
        });
    }

    let status = loop {
        if overflow.load(Ordering::SeqCst) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(PluginError::OutputTooLarge {
                name: name.to_string(),
                limit: limits.max_output,
            });
        }
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => {
                let _ = child.kill();
                return Err(PluginError::Failed {
                    name: name.to_string(),
                    detail: e.to_string(),
                });
            }
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(PluginError::Timeout {
                name: name.to_string(),
                seconds: limits.timeout.as_secs().max(1),
            });
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // The pipes close when the plugin exits, unless it left a child holding them: then give up
    // at the deadline (plus a moment).
    let grace = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(500));
    let stdout = out_rx.recv_timeout(grace);
    let stderr = err_rx
        .recv_timeout(Duration::from_millis(200))
        .unwrap_or_default();
    if overflow.load(Ordering::SeqCst) {
        return Err(PluginError::OutputTooLarge {
            name: name.to_string(),
            limit: limits.max_output,
        });
    }
    if !status.success() {
        let text = String::from_utf8_lossy(&stderr).trim().to_string();
        let detail = if text.is_empty() {
            status.to_string()
        } else {
            text
        };
        return Err(PluginError::Failed {
            name: name.to_string(),
            detail,
        });
    }
    let stdout = match stdout {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(e)) => {
            return Err(PluginError::InvalidOutput {
                name: name.to_string(),
                reason: e.to_string(),
            })
        }
        Err(_) => {
            return Err(PluginError::Timeout {
                name: name.to_string(),
                seconds: limits.timeout.as_secs().max(1),
            })
        }
    };
    serde_json::from_slice(&stdout).map_err(|e| PluginError::InvalidOutput {
        name: name.to_string(),
        reason: e.to_string(),
    })
}

/// Where `rel` lands under `out` (lexically), or `Escapes` when it is absolute, empty or climbs
/// out with `..`.
pub fn target_path(out: &Path, rel: &str) -> Result<PathBuf, PluginError> {
    let escapes = || PluginError::Escapes {
        path: rel.to_string(),
    };
    if rel.is_empty() || rel.contains('\0') {
        return Err(escapes());
    }
    let mut parts: Vec<&OsStr> = Vec::new();
    for c in Path::new(rel).components() {
        match c {
            Component::Normal(p) => parts.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err(escapes());
                }
            }
            Component::RootDir | Component::Prefix(_) => return Err(escapes()),
        }
    }
    if parts.is_empty() {
        return Err(escapes());
    }
    let mut target = out.to_path_buf();
    target.extend(parts);
    Ok(target)
}

/// Write the plugin's files under `out` (which must exist). Every path is checked before any
/// file is written; directories are created as needed; a symbolic link on the way (inside
/// `out`) is refused rather than followed. Returns the paths written, in order.
pub fn write_files(out: &Path, files: &[GeneratedFile]) -> Result<Vec<PathBuf>, PluginError> {
    let targets: Vec<PathBuf> = files
        .iter()
        .map(|f| target_path(out, &f.path))
        .collect::<Result<_, _>>()?;
    for (file, target) in files.iter().zip(&targets) {
        // Refuse links inside `out` on the way to the file.
        let mut at = out.to_path_buf();
        let rel = target.strip_prefix(out).unwrap_or(target);
        for part in rel.iter() {
            at.push(part);
            if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(PluginError::Escapes {
                    path: file.path.clone(),
                });
            }
        }
    }
    for (file, target) in files.iter().zip(&targets) {
        let write_err = |reason: String| PluginError::Write {
            path: target.display().to_string(),
            reason,
        };
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| write_err(e.to_string()))?;
        }
        write_file_atomic(target, file.content.as_bytes()).map_err(|e| write_err(e.to_string()))?;
    }
    Ok(targets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_split_at_the_first_equals_and_drop_bare_words() {
        let o = parse_options(&["a=1", "b=x=y", "bare", "=empty-key", "c="]);
        let pairs: Vec<(&str, &str)> = o.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            pairs,
            [("", "empty-key"), ("a", "1"), ("b", "x=y"), ("c", "")]
        );
    }

    #[test]
    fn target_paths_stay_inside() {
        let out = Path::new("/out");
        assert_eq!(
            target_path(out, "a/b.yaml").unwrap(),
            Path::new("/out/a/b.yaml")
        );
        assert_eq!(
            target_path(out, "a/../b.yaml").unwrap(),
            Path::new("/out/b.yaml")
        );
        assert_eq!(target_path(out, "./c").unwrap(), Path::new("/out/c"));
        for bad in ["../x", "a/../../x", "/etc/passwd", "", ".", "a/.."] {
            assert!(
                matches!(target_path(out, bad), Err(PluginError::Escapes { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn contract_json_has_go_shape() {
        let text = "pactoVersion: \"1.0\"\nservice: {name: a, version: 1.0.0}\nscaling: {replicas: 3}\nextra: 1\n";
        let parsed = crate::syntax::parse(text, &crate::syntax::Limits::default());
        let tree = parsed.tree.unwrap();
        let c = Contract::from_tree(&tree);
        let v = contract_json(&c, &tree);
        assert_eq!(
            v.to_string(),
            r#"{"pactoVersion":"1.0","service":{"name":"a","version":"1.0.0"},"interfaces":null,"scaling":{"replicas":3,"min":3,"max":3}}"#
        );
    }

    #[test]
    fn invalid_names_are_refused_before_any_lookup() {
        for bad in ["", "../x", "a/b", ".."] {
            assert!(matches!(
                discover(bad, None, None),
                Err(PluginError::InvalidName { .. })
            ));
        }
    }

    #[cfg(unix)]
    #[test]
    fn links_inside_the_output_directory_are_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let elsewhere = tmp.path().join("elsewhere");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, out.join("link")).unwrap();
        let files = vec![GeneratedFile {
            path: "link/x.yaml".into(),
            content: "x".into(),
        }];
        assert!(matches!(
            write_files(&out, &files),
            Err(PluginError::Escapes { .. })
        ));
        assert!(!elsewhere.join("x.yaml").exists());
    }

    #[test]
    fn a_bad_path_stops_every_write() {
        let tmp = tempfile::tempdir().unwrap();
        let files = vec![
            GeneratedFile {
                path: "ok.yaml".into(),
                content: "ok".into(),
            },
            GeneratedFile {
                path: "../evil.yaml".into(),
                content: "x".into(),
            },
        ];
        let err = write_files(tmp.path(), &files).unwrap_err();
        assert_eq!(
            err.to_string(),
            "plugin file path \"../evil.yaml\" escapes output directory"
        );
        assert!(!tmp.path().join("ok.yaml").exists());
    }
}
