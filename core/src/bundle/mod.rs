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
    #[error("file {path:?} leaves the bundle through a symbolic link")]
    Escapes { path: String },
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

    fn resolve(&self, path: &str) -> Result<PathBuf, BundleError> {
        if !is_valid_path(path) {
            return Err(BundleError::InvalidPath(path.to_string()));
        }
        Ok(self.root.join(path))
    }

    /// The file must stay inside the bundle after symbolic links are followed.
    fn check_inside(&self, full: &Path, path: &str) -> Result<(), BundleError> {
        let io = |e: std::io::Error| BundleError::Io {
            path: path.to_string(),
            reason: e.to_string(),
        };
        let root = self
            .canonical_root
            .get_or_init(|| self.root.canonicalize().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|reason| BundleError::Io {
                path: path.to_string(),
                reason: reason.clone(),
            })?;
        let target = full.canonicalize().map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                BundleError::NotFound(path.to_string())
            } else {
                io(e)
            }
        })?;
        if target.starts_with(root) {
            Ok(())
        } else {
            Err(BundleError::Escapes {
                path: path.to_string(),
            })
        }
    }
}

impl Bundle for DirBundle {
    fn exists(&self, path: &str) -> bool {
        match self.resolve(path) {
            Ok(full) => full.exists() && self.check_inside(&full, path).is_ok(),
            Err(_) => false,
        }
    }

    fn read(&self, path: &str) -> Result<Vec<u8>, BundleError> {
        let full = self.resolve(path)?;
        self.check_inside(&full, path)?;
        read_bounded(&full, path)
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn list(&self, dir: &str) -> Vec<String> {
        let Ok(full) = self.resolve(dir) else {
            return Vec::new();
        };
        if self.check_inside(&full, dir).is_err() {
            return Vec::new();
        }
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

/// Read at most [`MAX_FILE_BYTES`] of a file, failing when it is larger.
pub fn read_bounded(full: &Path, display: &str) -> Result<Vec<u8>, BundleError> {
    let io = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::NotFound {
            BundleError::NotFound(display.to_string())
        } else {
            BundleError::Io {
                path: display.to_string(),
                reason: e.to_string(),
            }
        }
    };
    let file = std::fs::File::open(full).map_err(io)?;
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
    let file = path.join(CONTRACT_FILE);
    let contract_path = if dir == "." {
        CONTRACT_FILE.to_string()
    } else {
        format!("{}/{}", dir.trim_end_matches('/'), CONTRACT_FILE)
    };
    if !file.is_file() {
        return Err(LoadError::NoContract(dir.to_string()));
    }
    let bytes = read_bounded(&file, &contract_path).map_err(|e| LoadError::Read {
        path: contract_path.clone(),
        reason: e.to_string(),
    })?;
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
}
