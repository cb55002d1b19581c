//! The directories tools may read and write: the working directory, `--workspace-root DIR`s and the roots
//! the client offers. Every path a tool is given is checked here before anything is read.
//!
//! A path is inside a root when its canonical form (symlinks resolved) is the root or below it.
//! A path that does not exist yet (a bundle `pacto_create` is about to write) is checked through
//! its deepest existing ancestor, and the part below that may not contain `..`.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Why a path was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RootError {
    #[error("path {path:?} is outside the allowed roots ({roots}); pass a path inside them, or start `pacto mcp` with --workspace-root <DIR>")]
    Outside { path: String, roots: String },
    #[error("path {path:?} cannot be resolved: {reason}")]
    Unresolvable { path: String, reason: String },
    #[error("no roots are configured")]
    NoRoots,
}

/// The allowed roots: the server's own (fixed at start) and the client's (replaced whenever
/// the client announces a new list).
#[derive(Debug, Clone, Default)]
pub struct Roots {
    server: Arc<Vec<PathBuf>>,
    client: Arc<RwLock<Vec<PathBuf>>>,
}

impl Roots {
    /// Canonicalise `dirs` (each must exist and be a directory).
    pub fn new(dirs: &[PathBuf]) -> Result<Roots, RootError> {
        let mut server = Vec::new();
        for d in dirs {
            let c = canonical_dir(d)?;
            if !server.contains(&c) {
                server.push(c);
            }
        }
        if server.is_empty() {
            return Err(RootError::NoRoots);
        }
        Ok(Roots {
            server: Arc::new(server),
            client: Arc::default(),
        })
    }

    /// Replace the client's roots (from `roots/list`: `file://` URIs). Roots that do not exist
    /// or are not directories are skipped; the number kept is returned.
    pub fn set_client_roots(&self, dirs: Vec<PathBuf>) -> usize {
        let kept: Vec<PathBuf> = dirs.iter().filter_map(|d| canonical_dir(d).ok()).collect();
        let n = kept.len();
        if let Ok(mut c) = self.client.write() {
            *c = kept;
        }
        n
    }

    /// Every allowed root, the server's first.
    pub fn all(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = self.server.as_ref().clone();
        if let Ok(c) = self.client.read() {
            for r in c.iter() {
                if !v.contains(r) {
                    v.push(r.clone());
                }
            }
        }
        v
    }

    /// Where relative paths are resolved: the first server root.
    pub fn base(&self) -> &Path {
        self.server.first().map_or(Path::new("."), PathBuf::as_path)
    }

    /// Resolve `path` (relative to [`Self::base`]) and check that it lies inside a root.
    /// Returns the canonical path (for a path that does not exist yet, the canonical existing
    /// ancestor joined with the rest).
    pub fn check(&self, path: &str) -> Result<PathBuf, RootError> {
        let p = Path::new(path);
        let joined = if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base().join(p)
        };
        let resolved =
            canonical_allowing_missing(&joined).map_err(|reason| RootError::Unresolvable {
                path: path.to_string(),
                reason,
            })?;
        let roots = self.all();
        if roots.iter().any(|r| resolved.starts_with(r)) {
            Ok(resolved)
        } else {
            Err(RootError::Outside {
                path: path.to_string(),
                roots: roots
                    .iter()
                    .map(|r| r.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
        }
    }
}

fn canonical_dir(d: &Path) -> Result<PathBuf, RootError> {
    let c = std::fs::canonicalize(d).map_err(|e| RootError::Unresolvable {
        path: d.display().to_string(),
        reason: e.to_string(),
    })?;
    if !c.is_dir() {
        return Err(RootError::Unresolvable {
            path: d.display().to_string(),
            reason: "not a directory".to_string(),
        });
    }
    Ok(c)
}

/// Canonicalise the deepest existing ancestor of `p` and append the rest, refusing `..` in the
/// part that does not exist (it could climb out after the check).
fn canonical_allowing_missing(p: &Path) -> Result<PathBuf, String> {
    let mut existing = p.to_path_buf();
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    loop {
        match std::fs::canonicalize(&existing) {
            Ok(c) => {
                let mut out = c;
                for part in rest.iter().rev() {
                    out.push(part);
                }
                return Ok(out);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let Some(name) = existing.file_name().map(|n| n.to_os_string()) else {
                    return Err(e.to_string());
                };
                if matches!(
                    existing.components().next_back(),
                    Some(Component::ParentDir | Component::CurDir)
                ) {
                    return Err("`..` below a directory that does not exist".to_string());
                }
                rest.push(name);
                if !existing.pop() {
                    return Err(e.to_string());
                }
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// The local directory of a `file://` URI (percent-decoded); `None` for other schemes.
pub fn path_of_file_uri(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    // `file:///abs` or `file://localhost/abs`.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if i + 2 >= bytes.len() {
                return None;
            }
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(PathBuf::from(String::from_utf8(out).ok()?))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, Roots) {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join("root/svc")).unwrap();
        std::fs::create_dir_all(t.path().join("outside")).unwrap();
        std::fs::write(t.path().join("outside/secret"), "x").unwrap();
        let roots = Roots::new(&[t.path().join("root")]).unwrap();
        (t, roots)
    }

    #[test]
    fn relative_and_absolute_paths_inside_are_accepted() {
        let (t, roots) = setup();
        let root = std::fs::canonicalize(t.path().join("root")).unwrap();
        assert_eq!(roots.check("svc").unwrap(), root.join("svc"));
        assert_eq!(roots.check(".").unwrap(), root);
        let abs = t.path().join("root/svc");
        assert_eq!(
            roots.check(abs.to_str().unwrap()).unwrap(),
            root.join("svc")
        );
    }

    #[test]
    fn dot_dot_and_absolute_escapes_are_refused() {
        let (t, roots) = setup();
        assert!(matches!(
            roots.check("../outside/secret"),
            Err(RootError::Outside { .. })
        ));
        assert!(matches!(
            roots.check("/etc/passwd"),
            Err(RootError::Outside { .. })
        ));
        let abs = t.path().join("outside");
        assert!(matches!(
            roots.check(abs.to_str().unwrap()),
            Err(RootError::Outside { .. })
        ));
        // The fix names the sandbox flag (`--root` is the catalog since Go Pacto 3.x).
        let e = roots.check("/etc/passwd").unwrap_err().to_string();
        assert!(e.contains("--workspace-root <DIR>"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_pointing_out_are_refused() {
        let (t, roots) = setup();
        std::os::unix::fs::symlink(t.path().join("outside"), t.path().join("root/link")).unwrap();
        assert!(matches!(
            roots.check("link/secret"),
            Err(RootError::Outside { .. })
        ));
        assert!(matches!(
            roots.check("link/new/dir"),
            Err(RootError::Outside { .. })
        ));
    }

    #[test]
    fn missing_paths_are_checked_through_their_existing_ancestor() {
        let (t, roots) = setup();
        let root = std::fs::canonicalize(t.path().join("root")).unwrap();
        assert_eq!(roots.check("new/svc").unwrap(), root.join("new/svc"));
        assert!(roots.check("new/../../outside").is_err());
    }

    #[test]
    fn client_roots_extend_the_allowed_set() {
        let (t, roots) = setup();
        assert!(roots
            .check(t.path().join("outside").to_str().unwrap())
            .is_err());
        assert_eq!(
            roots.set_client_roots(vec![t.path().join("outside"), t.path().join("nope")]),
            1
        );
        assert!(roots
            .check(t.path().join("outside/secret").to_str().unwrap())
            .is_ok());
        roots.set_client_roots(Vec::new());
        assert!(roots
            .check(t.path().join("outside/secret").to_str().unwrap())
            .is_err());
    }

    #[test]
    fn file_uris_decode() {
        assert_eq!(
            path_of_file_uri("file:///a%20b/c"),
            Some(PathBuf::from("/a b/c"))
        );
        assert_eq!(
            path_of_file_uri("file://localhost/x"),
            Some(PathBuf::from("/x"))
        );
        assert_eq!(path_of_file_uri("https://x/y"), None);
        assert_eq!(path_of_file_uri("file:///bad%zz"), None);
    }
}
