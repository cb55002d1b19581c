//! A bundle as a read-only file tree: a directory on disk or files in memory.
//!
//! Paths inside a bundle follow Go's `io/fs` rules ([`is_valid_path`]): slash-separated, unrooted,
//! no `.` or `..` segments. A path that breaks them never reaches the file system, so a contract
//! cannot make Pacto read outside its bundle. Every read is bounded by [`MAX_FILE_BYTES`].

pub mod archive;
mod git;
pub mod ignore;

pub use git::{load_git, parse_git_spec};

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The name of the contract file at the root of every bundle.
pub const CONTRACT_FILE: &str = "pacto.yaml";

/// Largest file Pacto reads from a bundle.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("{0:?} is not a valid bundle path: paths are relative to the bundle root, use forward slashes, and have no \".\" or \"..\" segments")]
    InvalidPath(String),
    #[error("file {0:?} not found in bundle")]
    NotFound(String),
    #[error("file {path:?} is larger than {limit} bytes")]
    TooLarge { path: String, limit: u64 },
    #[error("file {path:?} leaves the bundle through a symbolic link; Pacto only reads a bundle's own files (copy the file into the bundle instead of linking to it)")]
    Escapes { path: String },
    #[error("{path:?} is not a regular file (a FIFO, socket or device); a bundle holds only files and directories")]
    NotAFile { path: String },
    #[error("refusing to write {path:?}: it is (or lies under) a symbolic link, and Pacto never writes through a link")]
    SymlinkWrite { path: String },
    #[error("failed to read {path:?}: {reason}")]
    Io { path: String, reason: String },
}

/// Read access to the files of one bundle.
pub trait Bundle: Send + Sync {
    /// Whether `path` names a file or directory in the bundle (Go Pacto only stats).
    fn exists(&self, path: &str) -> bool;
    /// The bytes of the file at `path`, at most [`MAX_FILE_BYTES`].
    fn read(&self, path: &str) -> Result<Vec<u8>, BundleError>;
    /// For messages: where the bundle is (a directory, an OCI reference).
    fn describe(&self) -> String;
    /// Names of the direct children of directory `dir` (`.` for the root), sorted; empty when
    /// the directory does not exist.
    fn list(&self, dir: &str) -> Vec<String>;
}

/// Go's `io/fs.ValidPath`: unrooted, slash-separated, no empty, `.` or `..` elements, except that
/// `.` alone names the root.
pub fn is_valid_path(path: &str) -> bool {
    if path == "." {
        return true;
    }
    !path.is_empty()
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}

/// A bundle that is a directory on disk.
#[derive(Debug, Clone)]
pub struct DirBundle {
    root: PathBuf,
    /// The root with links resolved, computed once.
    canonical_root: std::sync::OnceLock<Result<PathBuf, String>>,
}

impl DirBundle {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DirBundle {
            root: root.into(),
            canonical_root: std::sync::OnceLock::new(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn canonical_root(&self, path: &str) -> Result<&Path, BundleError> {
        self.canonical_root
            .get_or_init(|| self.root.canonicalize().map_err(|e| e.to_string()))
            .as_ref()
            .map(PathBuf::as_path)
            .map_err(|reason| BundleError::Io {
                path: path.to_string(),
                reason: reason.clone(),
            })
    }

    /// The file or directory `path` of this bundle, after symbolic links, checked to lie inside it.
    fn resolve(&self, path: &str) -> Result<PathBuf, BundleError> {
        if !is_valid_path(path) {
            return Err(BundleError::InvalidPath(path.to_string()));
        }
        let root = self.canonical_root(path)?;
        resolve_under(&self.root, root, path)
    }
}

impl Bundle for DirBundle {
    fn exists(&self, path: &str) -> bool {
        self.resolve(path).is_ok()
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, BundleError> {
        let full = self.resolve(path)?;
        read_bounded(&full, path)
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn list(&self, dir: &str) -> Vec<String> {
        let Ok(full) = self.resolve(dir) else {
            return Vec::new();
        };
        let mut names: Vec<String> = std::fs::read_dir(full)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

/// The one rule for a bundle's own files: `rel` (a valid bundle path) names a file or directory
/// that, after symbolic links are followed, still lies inside `root`. Returns its canonical path.
///
/// A link that leaves `root` is [`BundleError::Escapes`] (also when it dangles), a missing file
/// [`BundleError::NotFound`], a FIFO, socket or device [`BundleError::NotAFile`].
pub fn resolve_inside(root: &Path, rel: &str) -> Result<PathBuf, BundleError> {
    if !is_valid_path(rel) {
        return Err(BundleError::InvalidPath(rel.to_string()));
    }
    let canonical_root = root.canonicalize().map_err(|e| io_error(rel, e))?;
    resolve_under(root, &canonical_root, rel)
}

fn io_error(path: &str, e: std::io::Error) -> BundleError {
    if e.kind() == std::io::ErrorKind::NotFound {
        BundleError::NotFound(path.to_string())
    } else {
        BundleError::Io {
            path: path.to_string(),
            reason: e.to_string(),
        }
    }
}

/// [`resolve_inside`] with the root already canonical (a [`DirBundle`] computes it once).
fn resolve_under(root: &Path, canonical_root: &Path, rel: &str) -> Result<PathBuf, BundleError> {
    let full = if rel == "." {
        root.to_path_buf()
    } else {
        root.join(rel)
    };
    let target = match full.canonicalize() {
        Ok(target) => target,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A dangling link still says where it points: one that points outside is an escape.
            return Err(if dangling_link_escapes(root, canonical_root, rel) {
                BundleError::Escapes {
                    path: rel.to_string(),
                }
            } else {
                BundleError::NotFound(rel.to_string())
            });
        }
        Err(e) => return Err(io_error(rel, e)),
    };
    if !target.starts_with(canonical_root) {
        return Err(BundleError::Escapes {
            path: rel.to_string(),
        });
    }
    let meta = std::fs::metadata(&target).map_err(|e| io_error(rel, e))?;
    if !meta.is_file() && !meta.is_dir() {
        return Err(BundleError::NotAFile {
            path: rel.to_string(),
        });
    }
    Ok(target)
}

/// Whether some link on the way to `rel` points outside `canonical_root` (judged lexically, for
/// links whose target does not exist).
fn dangling_link_escapes(root: &Path, canonical_root: &Path, rel: &str) -> bool {
    let mut here = canonical_root.to_path_buf();
    let mut at = root.to_path_buf();
    for seg in rel.split('/') {
        at.push(seg);
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let Ok(link) = std::fs::read_link(&at) else {
                    return false;
                };
                let mut resolved = if link.is_absolute() {
                    PathBuf::new()
                } else {
                    here.clone()
                };
                for part in link.components() {
                    match part {
                        std::path::Component::ParentDir => {
                            resolved.pop();
                        }
                        std::path::Component::CurDir => {}
                        other => resolved.push(other.as_os_str()),
                    }
                }
                return !resolved.starts_with(canonical_root);
            }
            Ok(_) => here.push(seg),
            Err(_) => return false,
        }
    }
    false
}

/// Open a file for reading without blocking on a FIFO and without following a link at its last
/// component when `no_follow` is set.
fn open_nonblocking(full: &Path, no_follow: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut flags = libc::O_NONBLOCK;
        if no_follow {
            flags |= libc::O_NOFOLLOW;
        }
        options.custom_flags(flags);
    }
    #[cfg(not(unix))]
    let _ = no_follow;
    options.open(full)
}

/// Read at most [`MAX_FILE_BYTES`] of a file, failing when it is larger or is not a regular file
/// (a FIFO is refused without blocking: it is opened non-blocking and checked before any read).
pub fn read_bounded(full: &Path, display: &str) -> Result<Vec<u8>, BundleError> {
    let io = |e: std::io::Error| io_error(display, e);
    let file = open_nonblocking(full, false).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(BundleError::NotAFile {
            path: display.to_string(),
        });
    }
    let mut buf = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(io)?;
    if buf.len() as u64 > MAX_FILE_BYTES {
        return Err(BundleError::TooLarge {
            path: display.to_string(),
            limit: MAX_FILE_BYTES,
        });
    }
    Ok(buf)
}

/// Write `bytes` to the bundle file `rel` under `root`, atomically (a temporary file in the same
/// directory, then a rename), never through a symbolic link: the file itself and every directory
/// on the way must be real entries inside `root`. Missing directories are created. An existing
/// file keeps its permissions.
pub fn write_inside(root: &Path, rel: &str, bytes: &[u8]) -> Result<(), BundleError> {
    if !is_valid_path(rel) || rel == "." {
        return Err(BundleError::InvalidPath(rel.to_string()));
    }
    let io = |e: std::io::Error| BundleError::Io {
        path: rel.to_string(),
        reason: e.to_string(),
    };
    let refuse = || BundleError::SymlinkWrite {
        path: rel.to_string(),
    };
    let meta = std::fs::symlink_metadata(root).map_err(io)?;
    if meta.file_type().is_symlink() {
        // The root itself may be reached through a link (a checkout under a linked home); what
        // matters is that nothing below it is one.
        if !std::fs::metadata(root).map_err(io)?.is_dir() {
            return Err(refuse());
        }
    } else if !meta.is_dir() {
        return Err(io(std::io::Error::other(
            "the bundle root is not a directory",
        )));
    }
    let segments: Vec<&str> = rel.split('/').collect();
    let (file_name, dirs) = segments
        .split_last()
        .ok_or_else(|| BundleError::InvalidPath(rel.to_string()))?;
    let mut dir = root.to_path_buf();
    for seg in dirs {
        dir.push(seg);
        match std::fs::symlink_metadata(&dir) {
            Ok(m) if m.file_type().is_symlink() => return Err(refuse()),
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(io(std::io::Error::other(format!(
                    "{} is not a directory",
                    dir.display()
                ))))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir(&dir).map_err(io)?;
            }
            Err(e) => return Err(io(e)),
        }
    }
    let target = dir.join(file_name);
    let mut permissions = None;
    match std::fs::symlink_metadata(&target) {
        Ok(m) if m.file_type().is_symlink() => return Err(refuse()),
        Ok(m) if m.is_file() => permissions = Some(m.permissions()),
        Ok(_) => {
            return Err(BundleError::NotAFile {
                path: rel.to_string(),
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".pacto-tmp")
        .tempfile_in(&dir)
        .map_err(io)?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    #[cfg(unix)]
    let permissions = permissions.or_else(|| {
        // A new file gets the usual 0644, not the temporary file's 0600.
        use std::os::unix::fs::PermissionsExt;
        Some(std::fs::Permissions::from_mode(0o644))
    });
    if let Some(permissions) = permissions {
        std::fs::set_permissions(tmp.path(), permissions).map_err(io)?;
    }
    // A link planted at the target between the check and here is replaced, never followed:
    // rename swaps directory entries.
    tmp.persist(&target).map_err(|e| io(e.error))?;
    Ok(())
}

/// A bundle held in memory (a pulled OCI layer, a test, an LSP buffer set).
#[derive(Debug, Clone, Default)]
pub struct MemBundle {
    name: String,
    files: BTreeMap<String, Vec<u8>>,
}

impl MemBundle {
    pub fn new(name: impl Into<String>) -> Self {
        MemBundle {
            name: name.into(),
            files: BTreeMap::new(),
        }
    }

    /// Add a file (the path must be valid; invalid ones are ignored and reported as `false`).
    pub fn insert(&mut self, path: &str, bytes: impl Into<Vec<u8>>) -> bool {
        if !is_valid_path(path) || path == "." {
            return false;
        }
        self.files.insert(path.to_string(), bytes.into());
        true
    }

    pub fn with(mut self, path: &str, bytes: impl Into<Vec<u8>>) -> Self {
        self.insert(path, bytes);
        self
    }

    pub fn files(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }
}

impl Bundle for MemBundle {
    fn exists(&self, path: &str) -> bool {
        if !is_valid_path(path) {
            return false;
        }
        if path == "." || self.files.contains_key(path) {
            return true;
        }
        // A directory exists when some file lies below it.
        let prefix = format!("{path}/");
        self.files
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(k, _)| k.starts_with(&prefix))
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, BundleError> {
        if !is_valid_path(path) {
            return Err(BundleError::InvalidPath(path.to_string()));
        }
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| BundleError::NotFound(path.to_string()))
    }

    fn describe(&self) -> String {
        self.name.clone()
    }

    fn list(&self, dir: &str) -> Vec<String> {
        if !is_valid_path(dir) {
            return Vec::new();
        }
        let prefix = if dir == "." {
            String::new()
        } else {
            format!("{dir}/")
        };
        let mut names: Vec<String> = self
            .files
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .map(|rest| rest.split('/').next().unwrap_or(rest).to_string())
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// Why a bundle directory could not be opened; the texts are Go Pacto's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error("{0} is not a directory")]
    NotADirectory(String),
    #[error("failed to access {path}: {reason}")]
    Access { path: String, reason: String },
    #[error("no pacto.yaml found in {0}")]
    NoContract(String),
    #[error("failed to read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path} leaves the bundle directory through a symbolic link; a bundle's pacto.yaml must be a file inside it (copy it in instead of linking)")]
    Escapes { path: String },
    #[error("{path} is not valid UTF-8 (first bad byte at offset {offset}); save it as UTF-8")]
    NotUtf8 { path: String, offset: usize },
}

/// A bundle directory and the text of its `pacto.yaml`.
#[derive(Debug, Clone)]
pub struct LoadedDir {
    pub bundle: DirBundle,
    /// Display path of the contract file, e.g. `svc/pacto.yaml`.
    pub contract_path: String,
    pub text: String,
}

/// Open the bundle directory `dir` and read its contract (bounded, UTF-8; a BOM is dropped).
pub fn load_dir(dir: &str) -> Result<LoadedDir, LoadError> {
    let path = Path::new(dir);
    let meta = std::fs::metadata(path).map_err(|e| LoadError::Access {
        path: dir.to_string(),
        reason: e.to_string(),
    })?;
    if !meta.is_dir() {
        return Err(LoadError::NotADirectory(dir.to_string()));
    }
    let contract_path = if dir == "." {
        CONTRACT_FILE.to_string()
    } else {
        format!("{}/{}", dir.trim_end_matches('/'), CONTRACT_FILE)
    };
    let read_error = |e: BundleError| match e {
        BundleError::NotFound(_) => LoadError::NoContract(dir.to_string()),
        BundleError::Escapes { .. } => LoadError::Escapes {
            path: contract_path.clone(),
        },
        other => LoadError::Read {
            path: contract_path.clone(),
            reason: other.to_string(),
        },
    };
    let full = resolve_inside(path, CONTRACT_FILE).map_err(read_error)?;
    if full.is_dir() {
        return Err(LoadError::NoContract(dir.to_string()));
    }
    let bytes = read_bounded(&full, &contract_path).map_err(read_error)?;
    let text = decode_utf8(bytes).map_err(|offset| LoadError::NotUtf8 {
        path: contract_path.clone(),
        offset,
    })?;
    Ok(LoadedDir {
        bundle: DirBundle::new(path),
        contract_path,
        text,
    })
}

/// UTF-8 text without a leading byte-order mark; `Err(offset)` of the first invalid byte.
pub fn decode_utf8(mut bytes: Vec<u8>) -> Result<String, usize> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| e.utf8_error().valid_up_to())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_paths_follow_io_fs() {
        for ok in ["a", "a/b.json", ".", "interfaces/openapi.yaml", "a..b"] {
            assert!(is_valid_path(ok), "{ok}");
        }
        for bad in ["", "/a", "./a", "a/../b", "..", "a/", "a//b", "a/./b"] {
            assert!(!is_valid_path(bad), "{bad}");
        }
    }

    #[test]
    fn dir_bundle_refuses_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "x").unwrap();
        std::fs::create_dir(dir.path().join("interfaces")).unwrap();
        std::fs::write(dir.path().join("interfaces/api.yaml"), "openapi: 3.0.0").unwrap();
        let b = DirBundle::new(dir.path());
        assert!(b.exists("interfaces/api.yaml"));
        assert!(b.exists("interfaces"));
        assert!(!b.exists("./interfaces/api.yaml"));
        assert!(!b.exists("../secret"));
        assert_eq!(b.read("interfaces/api.yaml").unwrap(), b"openapi: 3.0.0");
        assert!(matches!(b.read("missing"), Err(BundleError::NotFound(_))));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("link"))
                .unwrap();
            assert!(!b.exists("link"));
            assert!(matches!(b.read("link"), Err(BundleError::Escapes { .. })));
        }
    }

    #[test]
    fn mem_bundle_knows_directories() {
        let b = MemBundle::new("mem").with("configuration/schema.json", "{}");
        assert!(b.exists("configuration"));
        assert!(b.exists("configuration/schema.json"));
        assert!(!b.exists("config"));
        assert!(!b.exists("configuration/schema.json/x"));
        let b = b
            .with("sbom/b.cdx.json", "{}")
            .with("sbom/a.spdx.json", "{}")
            .with("pacto.yaml", "");
        assert_eq!(b.list("sbom"), vec!["a.spdx.json", "b.cdx.json"]);
        assert_eq!(b.list("."), vec!["configuration", "pacto.yaml", "sbom"]);
        assert!(b.list("nope").is_empty());
    }

    #[test]
    fn load_dir_reports_go_messages() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_str().unwrap();
        assert_eq!(
            load_dir(d).unwrap_err().to_string(),
            format!("no pacto.yaml found in {d}")
        );
        let f = dir.path().join("file");
        std::fs::write(&f, "x").unwrap();
        let fs = f.to_str().unwrap();
        assert_eq!(
            load_dir(fs).unwrap_err().to_string(),
            format!("{fs} is not a directory")
        );
        std::fs::write(dir.path().join("pacto.yaml"), b"\xEF\xBB\xBFa: 1\n").unwrap();
        assert_eq!(load_dir(d).unwrap().text, "a: 1\n");
        std::fs::write(dir.path().join("pacto.yaml"), b"a: \xff\n").unwrap();
        assert!(matches!(
            load_dir(d),
            Err(LoadError::NotUtf8 { offset: 3, .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn load_dir_refuses_a_contract_linked_from_outside_without_echoing_it() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("passwd");
        std::fs::write(&secret, "root:x:0:0:SECRET-LINE:/root:/bin/bash\n").unwrap();
        std::os::unix::fs::symlink(&secret, dir.path().join("pacto.yaml")).unwrap();
        let d = dir.path().to_str().unwrap();
        let err = load_dir(d).unwrap_err();
        assert!(matches!(err, LoadError::Escapes { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains("symbolic link"), "{msg}");
        assert!(!msg.contains("SECRET-LINE"), "{msg}");
        // A dangling link that points outside is an escape too, not a missing contract.
        std::fs::remove_file(dir.path().join("pacto.yaml")).unwrap();
        std::os::unix::fs::symlink("/nonexistent/../../etc/x", dir.path().join("pacto.yaml"))
            .unwrap();
        assert!(matches!(load_dir(d), Err(LoadError::Escapes { .. })));
        // A link inside the bundle is fine.
        std::fs::remove_file(dir.path().join("pacto.yaml")).unwrap();
        std::fs::write(dir.path().join("real.yaml"), "a: 1\n").unwrap();
        std::os::unix::fs::symlink("real.yaml", dir.path().join("pacto.yaml")).unwrap();
        assert_eq!(load_dir(d).unwrap().text, "a: 1\n");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pacto.yaml");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        // Without the non-blocking open this read would wait for a writer forever.
        assert!(matches!(
            read_bounded(&fifo, "pacto.yaml"),
            Err(BundleError::NotAFile { .. })
        ));
        let b = DirBundle::new(dir.path());
        assert!(matches!(
            b.read("pacto.yaml"),
            Err(BundleError::NotAFile { .. })
        ));
        assert!(!b.exists("pacto.yaml"));
        assert!(matches!(
            load_dir(dir.path().to_str().unwrap()),
            Err(LoadError::Read { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn write_inside_never_follows_a_link() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("config.json");
        std::fs::write(&target, "{\"auths\": {}}").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join("pacto.yaml")).unwrap();
        assert!(matches!(
            write_inside(dir.path(), "pacto.yaml", b"x"),
            Err(BundleError::SymlinkWrite { .. })
        ));
        std::os::unix::fs::symlink(outside.path(), dir.path().join("docs")).unwrap();
        assert!(matches!(
            write_inside(dir.path(), "docs/config.json", b"x"),
            Err(BundleError::SymlinkWrite { .. })
        ));
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "{\"auths\": {}}");
        assert!(matches!(
            write_inside(dir.path(), "../x", b"x"),
            Err(BundleError::InvalidPath(_))
        ));
        // A real file is replaced whole and keeps its mode; new directories are made.
        let real = dir.path().join("real.yaml");
        std::fs::write(&real, "old").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_inside(dir.path(), "real.yaml", b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        assert_eq!(
            std::fs::metadata(&real).unwrap().permissions().mode() & 0o777,
            0o640
        );
        write_inside(dir.path(), "interfaces/api.yaml", b"openapi: 3.0.0").unwrap();
        assert_eq!(
            std::fs::metadata(dir.path().join("interfaces/api.yaml"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o644
        );
        assert_eq!(
            std::fs::read(dir.path().join("interfaces/api.yaml")).unwrap(),
            b"openapi: 3.0.0"
        );
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains("pacto-tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn resolve_inside_is_the_one_rule() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("s"), "s").unwrap();
        std::fs::create_dir(dir.path().join("docs")).unwrap();
        std::fs::write(dir.path().join("docs/a.md"), "a").unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("skills")).unwrap();
        assert!(resolve_inside(dir.path(), "docs/a.md").is_ok());
        assert!(resolve_inside(dir.path(), "docs").is_ok());
        assert!(matches!(
            resolve_inside(dir.path(), "skills/s"),
            Err(BundleError::Escapes { .. })
        ));
        assert!(matches!(
            resolve_inside(dir.path(), "docs/none.md"),
            Err(BundleError::NotFound(_))
        ));
        assert!(matches!(
            resolve_inside(dir.path(), "../s"),
            Err(BundleError::InvalidPath(_))
        ));
    }
}
