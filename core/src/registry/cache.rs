//! The disk cache: `<XDG_CACHE_HOME or ~/.cache>/pacto`.
//!
//! * `blobs/sha256/<hex>`: manifests and layers, content-addressed. Written to a temporary file
//!   in the same directory, synced and renamed into place, so a reader sees a whole file or
//!   none, and concurrent `pacto` processes writing the same blob agree. Every read checks the
//!   sha256; a file that does not match is deleted and reported as a miss (and refetched).
//! * `tags/<registry>/<repository>/@tags/<tag>.json`: `{"digest","fetched_at"}` answers to "which
//!   manifest does this tag name". They expire after a TTL (default 5 minutes, env
//!   `PACTO_CACHE_TAG_TTL` in seconds) because tags move; only `--offline` uses expired ones.
//!
//! Go Pacto caches `<ref>/bundle.tar.gz` forever under `pacto/oci/`; we do not share that tree.

use super::name::{check_tag, is_sha256_hex, Repo};
use sha2::{Digest as _, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Default lifetime of a cached tag answer.
pub const DEFAULT_TAG_TTL: Duration = Duration::from_secs(300);

/// A cached tag answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagEntry {
    pub digest: String,
    /// Seconds since the Unix epoch.
    pub fetched_at: u64,
    /// Older than the TTL (or from the future).
    pub expired: bool,
}

/// The disk cache (or a disabled one that stores nothing).
#[derive(Debug, Clone)]
pub struct Cache {
    root: Option<PathBuf>,
    tag_ttl: Duration,
}

/// `$XDG_CACHE_HOME/pacto` or `~/.cache/pacto`.
pub fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })
        .map(|d| d.join("pacto"))
}

/// `PACTO_CACHE_TAG_TTL` (seconds) or the default.
pub fn tag_ttl_from_env() -> Duration {
    std::env::var("PACTO_CACHE_TAG_TTL")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TAG_TTL)
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    lower_hex(&Sha256::digest(bytes))
}

/// Lowercase hex of `bytes` (a digest).
pub fn lower_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

impl Cache {
    /// A cache rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>, tag_ttl: Duration) -> Cache {
        Cache {
            root: Some(root.into()),
            tag_ttl,
        }
    }

    /// A cache that remembers nothing (`--no-cache`, or no home directory).
    pub fn disabled() -> Cache {
        Cache {
            root: None,
            tag_ttl: DEFAULT_TAG_TTL,
        }
    }

    /// The environment's cache ([`default_cache_dir`], [`tag_ttl_from_env`]).
    pub fn from_env() -> Cache {
        match default_cache_dir() {
            Some(d) => Cache::new(d, tag_ttl_from_env()),
            None => Cache::disabled(),
        }
    }

    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    pub fn is_enabled(&self) -> bool {
        self.root.is_some()
    }

    pub fn tag_ttl(&self) -> Duration {
        self.tag_ttl
    }

    fn blob_path(&self, digest: &str) -> Option<PathBuf> {
        let hex = digest.strip_prefix("sha256:")?;
        if !is_sha256_hex(hex) {
            return None;
        }
        Some(self.root.as_ref()?.join("blobs").join("sha256").join(hex))
    }

    /// The blob with `digest`, if cached, whole and at most `cap` bytes. A corrupt file is
    /// deleted.
    pub fn get_blob(&self, digest: &str, cap: u64) -> Option<Vec<u8>> {
        let path = self.blob_path(digest)?;
        let file = std::fs::File::open(&path).ok()?;
        let mut buf = Vec::new();
        if file.take(cap + 1).read_to_end(&mut buf).is_err() {
            return None;
        }
        let hex = digest.strip_prefix("sha256:")?;
        if buf.len() as u64 > cap || sha256_hex(&buf) != hex {
            // Not what its name says (a disk error, an edit, a bug): drop it and refetch.
            let _ = std::fs::remove_file(&path);
            return None;
        }
        Some(buf)
    }

    /// Store a blob; the bytes must hash to `digest` (checked).
    pub fn put_blob(&self, digest: &str, bytes: &[u8]) -> std::io::Result<()> {
        let Some(path) = self.blob_path(digest) else {
            return Ok(());
        };
        if digest.strip_prefix("sha256:") != Some(sha256_hex(bytes).as_str()) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("content does not match {digest}"),
            ));
        }
        if path.is_file() {
            return Ok(());
        }
        write_atomic(&path, bytes)
    }

    fn tag_path(&self, repo: &Repo, tag: &str) -> Option<PathBuf> {
        check_tag(tag).ok()?;
        Some(self.tag_dir(repo)?.join(format!("{tag}.json")))
    }

    fn tag_dir(&self, repo: &Repo) -> Option<PathBuf> {
        // Registry names and repositories were checked by `Target::parse`: no `..`, no `/` in
        // the registry. `:` becomes `_` so the tree is portable.
        let registry = repo.registry.replace([':', '[', ']'], "_");
        if registry.is_empty() || registry.starts_with('.') || registry.contains('/') {
            return None;
        }
        let mut p = self.root.as_ref()?.join("tags");
        p.push(registry);
        for c in repo.repository.split('/') {
            if c.is_empty() || c == "." || c == ".." {
                return None;
            }
            p.push(c);
        }
        Some(p.join("@tags"))
    }

    /// The cached answer for `repo:tag`, expired or not.
    pub fn get_tag(&self, repo: &Repo, tag: &str) -> Option<TagEntry> {
        let path = self.tag_path(repo, tag)?;
        let mut buf = Vec::new();
        std::fs::File::open(&path)
            .ok()?
            .take(4096)
            .read_to_end(&mut buf)
            .ok()?;
        let v: serde_json::Value = match serde_json::from_slice(&buf) {
            Ok(v) => v,
            Err(_) => {
                let _ = std::fs::remove_file(&path);
                return None;
            }
        };
        let digest = v.get("digest")?.as_str()?.to_string();
        if !digest.strip_prefix("sha256:").is_some_and(is_sha256_hex) {
            let _ = std::fs::remove_file(&path);
            return None;
        }
        let fetched_at = v.get("fetched_at")?.as_u64()?;
        let now = now_secs();
        let expired = fetched_at > now + 60 || now - fetched_at.min(now) >= self.tag_ttl.as_secs();
        Some(TagEntry {
            digest,
            fetched_at,
            expired,
        })
    }

    /// Remember that `repo:tag` names `digest` now.
    pub fn put_tag(&self, repo: &Repo, tag: &str, digest: &str) -> std::io::Result<()> {
        self.put_tag_at(repo, tag, digest, now_secs())
    }

    /// [`Cache::put_tag`] with an explicit time (tests of expiry).
    pub fn put_tag_at(
        &self,
        repo: &Repo,
        tag: &str,
        digest: &str,
        fetched_at: u64,
    ) -> std::io::Result<()> {
        let Some(path) = self.tag_path(repo, tag) else {
            return Ok(());
        };
        let body = serde_json::json!({ "digest": digest, "fetched_at": fetched_at });
        write_atomic(&path, body.to_string().as_bytes())
    }

    fn tag_list_path(&self, repo: &Repo) -> Option<PathBuf> {
        // `@list.json` cannot clash with a tag answer: tags never contain `@`.
        Some(self.tag_dir(repo)?.join("@list.json"))
    }

    /// The cached tag listing of `repo` and whether it has expired.
    pub fn get_tag_list(&self, repo: &Repo) -> Option<(Vec<String>, bool)> {
        let path = self.tag_list_path(repo)?;
        let mut buf = Vec::new();
        std::fs::File::open(&path)
            .ok()?
            .take(16 * 1024 * 1024)
            .read_to_end(&mut buf)
            .ok()?;
        let parsed: Option<(Vec<String>, u64)> = serde_json::from_slice::<serde_json::Value>(&buf)
            .ok()
            .and_then(|v| {
                let tags = v
                    .get("tags")?
                    .as_array()?
                    .iter()
                    .map(|t| t.as_str().map(str::to_string))
                    .collect::<Option<Vec<String>>>()?;
                Some((tags, v.get("fetched_at")?.as_u64()?))
            });
        let Some((tags, fetched_at)) = parsed else {
            let _ = std::fs::remove_file(&path);
            return None;
        };
        let now = now_secs();
        let expired = fetched_at > now + 60 || now - fetched_at.min(now) >= self.tag_ttl.as_secs();
        Some((tags, expired))
    }

    /// Remember the tag listing of `repo` (it expires like tag answers).
    pub fn put_tag_list(&self, repo: &Repo, tags: &[String]) -> std::io::Result<()> {
        let Some(path) = self.tag_list_path(repo) else {
            return Ok(());
        };
        let body = serde_json::json!({ "tags": tags, "fetched_at": now_secs() });
        write_atomic(&path, body.to_string().as_bytes())
    }

    /// Forget the tag listing of `repo` (after a push added a tag).
    pub fn drop_tag_list(&self, repo: &Repo) {
        if let Some(path) = self.tag_list_path(repo) {
            let _ = std::fs::remove_file(path);
        }
    }

    /// Every repository with cached tag answers or a tag listing: the first `max` in sorted order
    /// (the walk itself is bounded to 10,000 directories).
    ///
    /// The directory names are mapped back to registry names: `host_5000` was `host:5000`.
    pub fn repositories(&self, max: usize) -> Vec<Repo> {
        let Some(root) = self.root.as_ref().map(|r| r.join("tags")) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let Ok(registries) = std::fs::read_dir(&root) else {
            return out;
        };
        for reg in registries.flatten().take(1_000) {
            let Ok(dir_name) = reg.file_name().into_string() else {
                continue;
            };
            let registry = match dir_name.rsplit_once('_') {
                Some((host, port))
                    if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    format!("{host}:{port}")
                }
                _ => dir_name.clone(),
            };
            // Breadth-first over the repository path; a directory holding `@tags` is a repository.
            let mut queue = vec![(reg.path(), String::new())];
            let mut visited = 0;
            while let Some((dir, repository)) = queue.pop() {
                visited += 1;
                if visited > 10_000 || out.len() >= 10_000 {
                    break;
                }
                let Ok(entries) = std::fs::read_dir(&dir) else {
                    continue;
                };
                for e in entries.flatten() {
                    let Ok(name) = e.file_name().into_string() else {
                        continue;
                    };
                    if !e.file_type().is_ok_and(|t| t.is_dir()) {
                        continue;
                    }
                    if name == "@tags" {
                        if !repository.is_empty() {
                            out.push(Repo {
                                registry: registry.clone(),
                                repository: repository.clone(),
                            });
                        }
                    } else if !name.starts_with('.') && !name.starts_with('@') {
                        let child = if repository.is_empty() {
                            name
                        } else {
                            format!("{repository}/{name}")
                        };
                        queue.push((e.path(), child));
                    }
                }
            }
        }
        out.sort_by(|a, b| (&a.registry, &a.repository).cmp(&(&b.registry, &b.repository)));
        out.truncate(max);
        out
    }

    /// Tags of `repo` with a cached answer (for resolving untagged references offline).
    pub fn cached_tags(&self, repo: &Repo) -> Vec<String> {
        let Some(dir) = self.tag_dir(repo) else {
            return Vec::new();
        };
        let mut tags: Vec<String> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.flatten()
                    .filter_map(|e| {
                        let name = e.file_name().into_string().ok()?;
                        let tag = name.strip_suffix(".json")?;
                        check_tag(tag).ok()?;
                        Some(tag.to_string())
                    })
                    .take(100_000)
                    .collect()
            })
            .unwrap_or_default();
        tags.sort();
        tags
    }
}

/// Write `bytes` to `path` through a temporary file in the same directory and a rename, so
/// readers see the old file or the new one, never a part. No fsync: a cache entry lost in a
/// crash is fetched again, and blobs are verified on every read.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "path has no parent")
    })?;
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> Repo {
        Repo {
            registry: "127.0.0.1:5000".into(),
            repository: "acme/svc".into(),
        }
    }

    #[test]
    fn repositories_are_listed_back_from_the_tag_tree() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path(), Duration::from_secs(60));
        assert!(cache.repositories(10).is_empty());
        let d = format!("sha256:{}", "a".repeat(64));
        cache.put_tag(&repo(), "1.0.0", &d).unwrap();
        let hub = Repo {
            registry: "ghcr.io".into(),
            repository: "org/team/api".into(),
        };
        cache.put_tag_list(&hub, &["1.0.0".to_string()]).unwrap();
        let got = cache.repositories(10);
        assert_eq!(got, vec![repo(), hub]);
        assert_eq!(cache.repositories(1), vec![repo()]);
        assert!(Cache::disabled().repositories(10).is_empty());
    }

    #[test]
    fn tag_listings_round_trip_and_expire() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path(), Duration::from_secs(60));
        assert!(cache.get_tag_list(&repo()).is_none());
        let tags = vec!["1.0.0".to_string(), "2.0.0".to_string()];
        cache.put_tag_list(&repo(), &tags).unwrap();
        assert_eq!(cache.get_tag_list(&repo()), Some((tags.clone(), false)));
        // A listing never clashes with a tag answer, and is not taken for a tag.
        assert!(cache.cached_tags(&repo()).is_empty());
        let expired = Cache::new(dir.path(), Duration::from_secs(0));
        assert_eq!(expired.get_tag_list(&repo()), Some((tags, true)));
        cache.drop_tag_list(&repo());
        assert!(cache.get_tag_list(&repo()).is_none());
        // A corrupt listing is removed, not trusted.
        let path = cache.tag_list_path(&repo()).unwrap();
        std::fs::write(&path, b"{not json").unwrap();
        assert!(cache.get_tag_list(&repo()).is_none());
        assert!(!path.exists());
    }

    #[test]
    fn blobs_are_verified_on_read() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path(), DEFAULT_TAG_TTL);
        let bytes = b"hello".to_vec();
        let digest = format!("sha256:{}", sha256_hex(&bytes));
        assert!(cache.get_blob(&digest, 100).is_none());
        cache.put_blob(&digest, &bytes).unwrap();
        assert_eq!(cache.get_blob(&digest, 100).unwrap(), bytes);
        assert!(cache.get_blob(&digest, 2).is_none(), "over the cap");
        cache.put_blob(&digest, &bytes).unwrap();
        let path = dir
            .path()
            .join("blobs/sha256")
            .join(digest.strip_prefix("sha256:").unwrap());
        std::fs::write(&path, b"hellO").unwrap();
        assert!(cache.get_blob(&digest, 100).is_none());
        assert!(!path.exists(), "corrupt blob deleted");
        assert!(cache.put_blob(&digest, b"other").is_err());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("blobs/sha256"))
            .unwrap()
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn tags_expire() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path(), Duration::from_secs(60));
        let d = format!("sha256:{}", "a".repeat(64));
        cache.put_tag(&repo(), "1.0.0", &d).unwrap();
        let e = cache.get_tag(&repo(), "1.0.0").unwrap();
        assert_eq!(e.digest, d);
        assert!(!e.expired);
        cache
            .put_tag_at(&repo(), "0.9.0", &d, now_secs() - 61)
            .unwrap();
        assert!(cache.get_tag(&repo(), "0.9.0").unwrap().expired);
        assert_eq!(cache.cached_tags(&repo()), vec!["0.9.0", "1.0.0"]);
        assert!(cache.get_tag(&repo(), "../x").is_none());
        assert!(Cache::disabled().get_tag(&repo(), "1.0.0").is_none());
    }
}
