//! The content hash of a local bundle, computed exactly as Go Pacto's `lock.HashFS` over
//! `os.DirFS(dir)`: every regular file under the directory (symbolic links are read through,
//! directories behind them are not walked), sorted by slash-separated path, each written as
//! `len(path) (u64 BE) ‖ path ‖ len(data) (u64 BE) ‖ data` into one SHA-256: `sha256:<hex>`.

use sha2::{Digest, Sha256};
use std::fs;
use std::path::Path;

/// Most files hashed in one bundle.
pub const MAX_FILES: usize = 100_000;
/// Most bytes hashed in one bundle.
pub const MAX_BYTES: u64 = 1 << 30;

/// `sha256:<hex>` of the directory `dir`, or why it cannot be hashed.
pub fn hash_dir(dir: &Path) -> Result<String, String> {
    let mut files: Vec<(Vec<u8>, std::path::PathBuf)> = Vec::new();
    walk(dir, &[], &mut files)?;
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut h = Sha256::new();
    let mut total: u64 = 0;
    for (rel, full) in &files {
        let data =
            fs::read(full).map_err(|e| format!("read {}: {e}", String::from_utf8_lossy(rel)))?;
        total = total.saturating_add(data.len() as u64);
        if total > MAX_BYTES {
            return Err(format!(
                "{} holds more than {MAX_BYTES} bytes: too large to hash",
                dir.display()
            ));
        }
        h.update((rel.len() as u64).to_be_bytes());
        h.update(rel);
        h.update((data.len() as u64).to_be_bytes());
        h.update(&data);
    }
    Ok(format!("sha256:{}", hex(&h.finalize())))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(unix)]
fn name_bytes(name: &std::ffi::OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    name.as_bytes().to_vec()
}

#[cfg(not(unix))]
fn name_bytes(name: &std::ffi::OsStr) -> Vec<u8> {
    name.to_string_lossy().as_bytes().to_vec()
}

fn walk(
    dir: &Path,
    prefix: &[u8],
    out: &mut Vec<(Vec<u8>, std::path::PathBuf)>,
) -> Result<(), String> {
    let listing = fs::read_dir(dir).map_err(|e| format!("open {}: {e}", dir.display()))?;
    for item in listing {
        let item = item.map_err(|e| format!("read {}: {e}", dir.display()))?;
        let name = name_bytes(&item.file_name());
        let mut rel = prefix.to_vec();
        if !rel.is_empty() {
            rel.push(b'/');
        }
        rel.extend_from_slice(&name);
        let ft = item
            .file_type()
            .map_err(|e| format!("stat {}: {e}", item.path().display()))?;
        if ft.is_dir() {
            walk(&item.path(), &rel, out)?;
        } else {
            // Go's WalkDir hands every non-directory entry (a symlink included) to ReadFile,
            // which follows a link and fails on one to a directory.
            if out.len() >= MAX_FILES {
                return Err(format!(
                    "{} holds more than {MAX_FILES} files: too many to hash",
                    dir.display()
                ));
            }
            out.push((rel, item.path()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value Go's `HashFS` gives for this tree (computed with the same framing by hand:
    /// the sorted paths `a.txt`, `sub/b.txt`).
    #[test]
    fn frames_sorted_paths_and_contents() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir(d.path().join("sub")).unwrap();
        fs::write(d.path().join("sub/b.txt"), b"bee").unwrap();
        fs::write(d.path().join("a.txt"), b"ay").unwrap();
        let mut h = Sha256::new();
        for (p, data) in [("a.txt", &b"ay"[..]), ("sub/b.txt", &b"bee"[..])] {
            h.update((p.len() as u64).to_be_bytes());
            h.update(p.as_bytes());
            h.update((data.len() as u64).to_be_bytes());
            h.update(data);
        }
        let want = format!("sha256:{}", hex(&h.finalize()));
        assert_eq!(hash_dir(d.path()).unwrap(), want);
        // Stable, and any change of a byte or a name changes it.
        assert_eq!(hash_dir(d.path()).unwrap(), want);
        fs::write(d.path().join("a.txt"), b"az").unwrap();
        assert_ne!(hash_dir(d.path()).unwrap(), want);
    }

    #[test]
    fn empty_directory_hashes_nothing() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(
            hash_dir(d.path()).unwrap(),
            // sha256 of the empty input
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
