//! Bundles as reproducible `.tar.gz` archives: `pacto pack`, and the single OCI layer that
//! `pacto push` uploads and `pacto pull` reads (spec §6.2).
//!
//! # Canonical form
//!
//! The same files always give the same bytes, whatever their timestamps, owners or modes:
//!
//! - entries in Go's `fs.WalkDir` order: depth first, names sorted byte-wise in each directory
//!   (`a`, `a/x`, `a.txt`); the root itself has no entry;
//! - each directory holding a packed file has its own entry (`interfaces`, no trailing slash);
//!   directories that end up empty are left out, so a git checkout (which has no empty
//!   directories) and a working copy pack to the same bytes;
//! - GNU tar headers: mtime 0 (the Unix epoch), uid = gid = 0, empty user and group names, mode
//!   0644 for files and 0755 for directories; names longer than 100 bytes use GNU long-name
//!   entries, which Go's `archive/tar` reads;
//! - gzip with mtime 0, no file name, OS byte 255 ("unknown") and compression level 6.
//!
//! [`Packed::tar_sha256`] (the OCI `diff_id`) depends on the files alone. [`Packed::gz_sha256`]
//! (the layer digest) also depends on the deflate implementation, so it is stable for a given
//! build of Pacto.
//!
//! # What [`pack_dir`] packs
//!
//! Every regular file under the directory, except what `.pactoignore` leaves out (see
//! [`super::ignore`]); `.git`, `.pactoignore` and `.DS_Store` never go in. A symbolic link,
//! socket, FIFO or device that is not ignored is an error rather than being skipped silently:
//! the bundle would otherwise differ from what the author sees, and Go Pacto refuses such
//! entries when it reads a bundle. File names must be valid UTF-8.
//!
//! # What [`unpack`] accepts
//!
//! A gzip-compressed tar (several gzip members are fine, as in Go) of regular files and
//! directories with relative paths. A leading `./` is stripped. Anything else is refused with an
//! [`ArchiveError`] naming the entry: `..` components, absolute paths, backslashes, symbolic and
//! hard links, devices, FIFOs, sparse files, duplicates, a path that is both a file and a
//! directory, and archives beyond [`ArchiveLimits`]. Sizes are checked from each header before
//! its data is read, and the decompressed stream itself is capped, so a gzip bomb costs at most
//! [`ArchiveLimits::max_stream_bytes`] of reading. Empty directories are dropped (a
//! [`MemBundle`] holds files only), and `pacto.yaml` must be at the root.

use super::ignore::IgnoreRules;
use super::{is_valid_path, read_bounded, MemBundle, CONTRACT_FILE, MAX_FILE_BYTES};
use flate2::read::MultiGzDecoder;
use flate2::{Compression, GzBuilder};
use sha2::{Digest, Sha256};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// The name of the ignore file at the root of a bundle directory.
pub const IGNORE_FILE: &str = ".pactoignore";

/// Largest `.pactoignore` read.
const MAX_IGNORE_FILE_BYTES: u64 = 1024 * 1024;

/// Bounds on what a bundle archive may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// Largest file, in bytes (default 10 MiB, Go Pacto's limit).
    pub max_file_bytes: u64,
    /// Largest sum of file sizes, in bytes (default 50 MiB, Go Pacto's limit).
    pub max_total_bytes: u64,
    /// Most entries, files and directories together (default 10,000).
    pub max_entries: usize,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_file_bytes: 10 * 1024 * 1024,
            max_total_bytes: 50 * 1024 * 1024,
            max_entries: 10_000,
        }
    }
}

impl ArchiveLimits {
    /// Most bytes of uncompressed tar [`unpack`] reads: the file bytes, plus two KiB of headers
    /// and padding per entry, plus 1 MiB. Any honest archive within the other limits fits.
    pub fn max_stream_bytes(&self) -> u64 {
        let per_entry = 2048u64.saturating_mul(self.max_entries as u64);
        self.max_total_bytes
            .saturating_add(per_entry)
            .saturating_add(1024 * 1024)
    }
}

/// A packed bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packed {
    /// The `.tar.gz` bytes.
    pub tar_gz: Vec<u8>,
    /// `sha256:<hex>` of the uncompressed tar: the OCI layer's `diff_id`.
    pub tar_sha256: String,
    /// `sha256:<hex>` of [`Packed::tar_gz`]: the OCI layer digest.
    pub gz_sha256: String,
    /// The packed files (not directories), in archive order.
    pub files: Vec<String>,
}

/// Options for [`pack_dir_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackOptions {
    pub limits: ArchiveLimits,
    /// Bundle-relative paths to leave out as well, e.g. the archive being written when it lies
    /// inside the bundle directory (otherwise the second `pacto pack` would pack the first one's
    /// output).
    pub exclude: Vec<String>,
    /// The `pacto.yaml` to pack instead of the one on disk (the contract after overrides).
    pub contract: Option<Vec<u8>>,
}

/// Why a bundle could not be packed, unpacked or written. Every message names the file and says
/// what to do.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{path} is not a directory: pass the bundle directory that holds pacto.yaml")]
    NotADirectory { path: String },
    #[error("no pacto.yaml found in {path}: a bundle needs its contract at its root (run `pacto init <name>` to create one)")]
    MissingContract { path: String },
    #[error("bundle missing pacto.yaml: the archive has no pacto.yaml at its root, so it is not a Pacto bundle")]
    ArchiveMissingContract,
    #[error("failed to read {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("failed to write {path}: {reason}")]
    Write { path: String, reason: String },
    #[error("{path} is a symbolic link: bundles hold regular files only; replace it with a copy of its target, or list it in .pactoignore")]
    Symlink { path: String },
    #[error("{path} is a {kind}, not a regular file: remove it from the bundle directory, or list it in .pactoignore")]
    SpecialFile { path: String, kind: &'static str },
    #[error("{path:?} is not valid UTF-8: rename it, or list it in .pactoignore")]
    NonUtf8Name { path: String },
    #[error("file {path} exceeds maximum size of {limit} bytes: leave it out with .pactoignore, or keep large data out of the bundle")]
    FileTooLarge { path: String, limit: u64 },
    #[error("bundle exceeds maximum total size of {limit} bytes: leave large files out with .pactoignore")]
    TotalTooLarge { limit: u64 },
    #[error(
        "bundle has more than {limit} files and directories: leave some out with .pactoignore"
    )]
    TooManyEntries { limit: usize },
    #[error("archive entry {name:?} is larger than {limit} bytes, the most Pacto reads from one bundle file; the artifact is refused (it was not packed by `pacto pack`, or with larger limits: ask its publisher to keep large data out of the bundle)")]
    ArchiveFileTooLarge { name: String, limit: u64 },
    #[error("the archive's files add up to more than {limit} bytes, the most Pacto reads from one bundle; the artifact is refused (ask its publisher to keep large data out of the bundle)")]
    ArchiveTotalTooLarge { limit: u64 },
    #[error("the archive has more than {limit} files and directories, the most Pacto reads from one bundle; the artifact is refused (ask its publisher to repack it with `pacto pack`)")]
    ArchiveTooManyEntries { limit: usize },
    #[error("{path} already exists and is not empty: pass --force to replace it as a whole (files edited or added in it are lost), or pull into another directory with -o DIR")]
    NotEmpty { path: String },
    #[error("archive decompresses to more than {limit} bytes of tar data; it is not a valid bundle (possibly a compression bomb)")]
    StreamTooLarge { limit: u64 },
    #[error("not a gzip-compressed archive: a bundle archive is a .tar.gz (the data starts with {prefix})")]
    NotGzip { prefix: String },
    #[error("corrupt bundle archive: {reason}")]
    Corrupt { reason: String },
    #[error("unsafe path {name:?} in archive: {reason}; the archive is refused")]
    UnsafePath { name: String, reason: &'static str },
    #[error("archive entry {name:?} is a {kind}: bundles hold only regular files and directories; the archive is refused")]
    UnsupportedEntry { name: String, kind: String },
    #[error("archive holds {name:?} more than once; the archive is refused")]
    Duplicate { name: String },
    #[error("{name:?} is both a file and a directory in the bundle")]
    Conflict { name: String },
    #[error("{path} already exists: remove it, or allow overwriting")]
    AlreadyExists { path: String },
    #[error("refusing to write through {path}: it is a symbolic link, and bundle files must stay inside the output directory")]
    OutputSymlink { path: String },
    #[error("cannot write {path}: {blocker} is in the way (a file where a directory is needed, or a directory where a file is needed); move it away first")]
    OutputBlocked { path: String, blocker: String },
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!(
        "sha256:{}",
        crate::registry::cache::lower_hex(&Sha256::digest(bytes))
    )
}

/// Read `<dir>/.pactoignore`; [`IgnoreRules::none`] (the built-ins) when there is none.
pub fn load_ignore_file(dir: &Path) -> Result<IgnoreRules, ArchiveError> {
    let path = dir.join(IGNORE_FILE);
    let display = path.display().to_string();
    match fs::symlink_metadata(&path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(IgnoreRules::none()),
        Err(e) => {
            return Err(ArchiveError::Read {
                path: display,
                reason: e.to_string(),
            })
        }
        Ok(meta) if !meta.is_file() => {
            return Err(ArchiveError::Read {
                path: display,
                reason: "not a regular file".to_string(),
            })
        }
        Ok(_) => {}
    }
    let file = open_regular(&path, &display)?;
    let mut bytes = Vec::new();
    file.take(MAX_IGNORE_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ArchiveError::Read {
            path: display.clone(),
            reason: e.to_string(),
        })?;
    if bytes.len() as u64 > MAX_IGNORE_FILE_BYTES {
        return Err(ArchiveError::FileTooLarge {
            path: display,
            limit: MAX_IGNORE_FILE_BYTES,
        });
    }
    Ok(IgnoreRules::parse(&String::from_utf8_lossy(&bytes)))
}

/// Pack the bundle directory `dir` with the default limits, honouring its `.pactoignore`.
pub fn pack_dir(dir: &Path) -> Result<Packed, ArchiveError> {
    pack_dir_with(dir, &PackOptions::default())
}

/// [`pack_dir`] with explicit limits and extra exclusions.
pub fn pack_dir_with(dir: &Path, options: &PackOptions) -> Result<Packed, ArchiveError> {
    let mut bundle = read_dir_bundle(dir, options)?;
    if let Some(contract) = &options.contract {
        bundle.insert(CONTRACT_FILE, contract.clone());
    }
    pack_bundle_with(&bundle, &options.limits)
}

/// Pack a bundle held in memory, exactly as [`pack_dir`] packs a directory with the same files
/// (no ignore rules apply: the bundle is packed as given).
pub fn pack_bundle(b: &MemBundle) -> Result<Packed, ArchiveError> {
    pack_bundle_with(b, &ArchiveLimits::default())
}

/// [`pack_bundle`] with explicit limits.
pub fn pack_bundle_with(b: &MemBundle, limits: &ArchiveLimits) -> Result<Packed, ArchiveError> {
    let files: BTreeMap<&str, &[u8]> = b.files().collect();
    if !files.contains_key(CONTRACT_FILE) {
        return Err(ArchiveError::MissingContract {
            path: super::Bundle::describe(b),
        });
    }
    let mut total: u64 = 0;
    let mut dirs: BTreeSet<&str> = BTreeSet::new();
    for (&path, data) in &files {
        let size = data.len() as u64;
        if size > limits.max_file_bytes {
            return Err(ArchiveError::FileTooLarge {
                path: path.to_string(),
                limit: limits.max_file_bytes,
            });
        }
        total = total.saturating_add(size);
        if total > limits.max_total_bytes {
            return Err(ArchiveError::TotalTooLarge {
                limit: limits.max_total_bytes,
            });
        }
        for (i, _) in path.match_indices('/') {
            dirs.insert(&path[..i]);
        }
    }
    if let Some(both) = dirs.iter().find(|d| files.contains_key(*d)) {
        return Err(ArchiveError::Conflict {
            name: both.to_string(),
        });
    }
    if files.len() + dirs.len() > limits.max_entries {
        return Err(ArchiveError::TooManyEntries {
            limit: limits.max_entries,
        });
    }
    let mut entries: Vec<(&str, Option<&[u8]>)> = files
        .iter()
        .map(|(p, d)| (*p, Some(*d)))
        .chain(dirs.iter().map(|d| (*d, None)))
        .collect();
    entries.sort_by(|a, b| walk_order(a.0, b.0));

    let tar = write_tar(&entries)?;
    let tar_sha256 = sha256_digest(&tar);
    let tar_gz = gzip(&tar)?;
    let gz_sha256 = sha256_digest(&tar_gz);
    Ok(Packed {
        tar_gz,
        tar_sha256,
        gz_sha256,
        files: entries
            .iter()
            .filter(|(_, d)| d.is_some())
            .map(|(p, _)| p.to_string())
            .collect(),
    })
}

/// Go's `fs.WalkDir` order: compare path segment by segment.
fn walk_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.split('/').cmp(b.split('/'))
}

fn write_tar(entries: &[(&str, Option<&[u8]>)]) -> Result<Vec<u8>, ArchiveError> {
    let io_err = |path: &str, e: io::Error| ArchiveError::Write {
        path: format!("archive entry {path}"),
        reason: e.to_string(),
    };
    let mut builder = tar::Builder::new(Vec::new());
    for &(path, data) in entries {
        let mut header = tar::Header::new_gnu();
        match data {
            Some(bytes) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_mode(0o644);
                header.set_size(bytes.len() as u64);
            }
            None => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(0o755);
                header.set_size(0);
            }
        }
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        builder
            .append_data(&mut header, path, data.unwrap_or_default())
            .map_err(|e| io_err(path, e))?;
    }
    builder.into_inner().map_err(|e| io_err("end", e))
}

fn gzip(tar: &[u8]) -> Result<Vec<u8>, ArchiveError> {
    let err = |e: io::Error| ArchiveError::Write {
        path: "gzip stream".to_string(),
        reason: e.to_string(),
    };
    let mut encoder = GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), Compression::new(6));
    encoder.write_all(tar).map_err(err)?;
    encoder.finish().map_err(err)
}

/// Walk `dir` into a [`MemBundle`]: ignore rules applied, limits enforced while reading.
fn read_dir_bundle(dir: &Path, options: &PackOptions) -> Result<MemBundle, ArchiveError> {
    let display = dir.display().to_string();
    let meta = fs::metadata(dir).map_err(|e| ArchiveError::Read {
        path: display.clone(),
        reason: e.to_string(),
    })?;
    if !meta.is_dir() {
        return Err(ArchiveError::NotADirectory { path: display });
    }
    match fs::symlink_metadata(dir.join(CONTRACT_FILE)) {
        Ok(m) if m.is_file() => {}
        Ok(m) if m.file_type().is_symlink() => {
            return Err(ArchiveError::Symlink {
                path: CONTRACT_FILE.to_string(),
            })
        }
        _ => return Err(ArchiveError::MissingContract { path: display }),
    }
    let rules = load_ignore_file(dir)?;
    let limits = &options.limits;
    let excluded = |rel: &str| options.exclude.iter().any(|x| x == rel);

    let mut bundle = MemBundle::new(display);
    let mut entries = 0usize;
    let mut total = 0u64;
    // Directories still to read, as bundle-relative paths ("" for the root).
    let mut pending: Vec<String> = vec![String::new()];
    while let Some(rel_dir) = pending.pop() {
        let full_dir = if rel_dir.is_empty() {
            dir.to_path_buf()
        } else {
            dir.join(&rel_dir)
        };
        let read_err = |e: io::Error| ArchiveError::Read {
            path: full_dir.display().to_string(),
            reason: e.to_string(),
        };
        let listing = fs::read_dir(&full_dir).map_err(read_err)?;
        for item in listing {
            let item = item.map_err(read_err)?;
            let os_name = item.file_name();
            let rel_lossy = join_rel(&rel_dir, &os_name.to_string_lossy());
            let Some(name) = os_name.to_str() else {
                // Decide on the lossy name: an ignored non-UTF-8 name is fine.
                if rules.is_ignored(&rel_lossy, false) {
                    continue;
                }
                return Err(ArchiveError::NonUtf8Name { path: rel_lossy });
            };
            let rel = join_rel(&rel_dir, name);
            let file_type = item.file_type().map_err(|e| ArchiveError::Read {
                path: rel.clone(),
                reason: e.to_string(),
            })?;
            let is_dir = file_type.is_dir();
            if rules.is_ignored(&rel, is_dir) || excluded(&rel) {
                continue;
            }
            if !is_valid_path(&rel) || name.contains('\\') {
                return Err(ArchiveError::UnsafePath {
                    name: rel,
                    reason: "bundle paths cannot contain backslashes",
                });
            }
            entries += 1;
            if entries > limits.max_entries {
                return Err(ArchiveError::TooManyEntries {
                    limit: limits.max_entries,
                });
            }
            if is_dir {
                pending.push(rel);
            } else if file_type.is_file() {
                let data = read_limited(&dir.join(&rel), &rel, limits.max_file_bytes)?;
                total = total.saturating_add(data.len() as u64);
                if total > limits.max_total_bytes {
                    return Err(ArchiveError::TotalTooLarge {
                        limit: limits.max_total_bytes,
                    });
                }
                bundle.insert(&rel, data);
            } else if file_type.is_symlink() {
                return Err(ArchiveError::Symlink { path: rel });
            } else {
                return Err(ArchiveError::SpecialFile {
                    path: rel,
                    kind: special_kind(&file_type),
                });
            }
        }
    }
    Ok(bundle)
}

fn join_rel(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Open a file that was seen as a regular file for reading, without blocking and without
/// following a link: if it was swapped for a FIFO, device or link since, it is refused instead
/// of blocking the walk (the type is checked on the open descriptor).
fn open_regular(full: &Path, rel: &str) -> Result<fs::File, ArchiveError> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
    }
    let file = options.open(full).map_err(|e| ArchiveError::Read {
        path: rel.to_string(),
        reason: e.to_string(),
    })?;
    let meta = file.metadata().map_err(|e| ArchiveError::Read {
        path: rel.to_string(),
        reason: e.to_string(),
    })?;
    if !meta.is_file() {
        return Err(ArchiveError::SpecialFile {
            path: rel.to_string(),
            kind: special_kind(&meta.file_type()),
        });
    }
    Ok(file)
}

/// Read a file of at most `limit` bytes (never more than [`MAX_FILE_BYTES`] plus one).
fn read_limited(full: &Path, rel: &str, limit: u64) -> Result<Vec<u8>, ArchiveError> {
    if limit <= MAX_FILE_BYTES {
        let file = open_regular(full, rel)?;
        let mut buf = Vec::new();
        file.take(limit.saturating_add(1))
            .read_to_end(&mut buf)
            .map_err(|e| ArchiveError::Read {
                path: rel.to_string(),
                reason: e.to_string(),
            })?;
        if buf.len() as u64 > limit {
            return Err(ArchiveError::FileTooLarge {
                path: rel.to_string(),
                limit,
            });
        }
        return Ok(buf);
    }
    read_bounded(full, rel).map_err(|e| match e {
        super::BundleError::TooLarge { path, limit } => ArchiveError::FileTooLarge { path, limit },
        other => ArchiveError::Read {
            path: rel.to_string(),
            reason: other.to_string(),
        },
    })
}

#[cfg(unix)]
fn special_kind(ft: &fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "FIFO"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_block_device() {
        "block device"
    } else if ft.is_char_device() {
        "character device"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_ft: &fs::FileType) -> &'static str {
    "special file"
}

/// A reader that fails once more than `limit` bytes went through, and records that it did.
struct CappedReader<R> {
    inner: R,
    remaining: u64,
    tripped: Rc<Cell<bool>>,
}

impl<R: Read> Read for CappedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.remaining == 0 {
            // Allow reading exactly up to the cap: fail only if more data follows.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => {
                    self.tripped.set(true);
                    Err(io::Error::other("decompressed size limit reached"))
                }
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.remaining -= n as u64;
        Ok(n)
    }
}

/// Read a bundle archive into memory, with the checks described in the module documentation.
pub fn unpack(tar_gz: &[u8], limits: &ArchiveLimits) -> Result<MemBundle, ArchiveError> {
    unpack_named(tar_gz, limits, "bundle archive")
}

/// [`unpack`], naming the bundle (e.g. by its OCI reference) for later messages.
pub fn unpack_named(
    tar_gz: &[u8],
    limits: &ArchiveLimits,
    name: &str,
) -> Result<MemBundle, ArchiveError> {
    if !tar_gz.starts_with(&[0x1f, 0x8b]) {
        let prefix = if tar_gz.is_empty() {
            "nothing: it is empty".to_string()
        } else {
            let hex: Vec<String> = tar_gz.iter().take(4).map(|b| format!("{b:02x}")).collect();
            format!("bytes {}, not 1f 8b", hex.join(" "))
        };
        return Err(ArchiveError::NotGzip { prefix });
    }
    let tripped = Rc::new(Cell::new(false));
    let stream_limit = limits.max_stream_bytes();
    let reader = CappedReader {
        inner: MultiGzDecoder::new(tar_gz),
        remaining: stream_limit,
        tripped: Rc::clone(&tripped),
    };
    let corrupt = |e: io::Error| {
        if tripped.get() {
            ArchiveError::StreamTooLarge {
                limit: stream_limit,
            }
        } else {
            ArchiveError::Corrupt {
                reason: e.to_string(),
            }
        }
    };
    let mut archive = tar::Archive::new(reader);
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    // Directories named by an entry or implied by a file path.
    let mut dirs: BTreeSet<String> = BTreeSet::new();
    let mut count = 0usize;
    let mut total = 0u64;
    for entry in archive.entries().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        count += 1;
        if count > limits.max_entries {
            return Err(ArchiveError::ArchiveTooManyEntries {
                limit: limits.max_entries,
            });
        }
        let raw_type = entry.header().as_old().linkflag[0];
        let entry_type = entry.header().entry_type();
        let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let is_dir = match entry_type {
            tar::EntryType::Directory => true,
            // Go's reader: an old-style regular entry whose name ends in `/` is a directory.
            tar::EntryType::Regular => raw_type == 0 && raw_name.ends_with('/'),
            tar::EntryType::XGlobalHeader => continue, // pax comment (e.g. from `git archive`)
            other => {
                return Err(ArchiveError::UnsupportedEntry {
                    name: raw_name,
                    kind: entry_kind(other),
                })
            }
        };
        let name = entry_name(&entry.path_bytes(), is_dir)?;
        let Some(name) = name else {
            continue; // the root directory itself
        };
        if is_dir {
            if files.contains_key(&name) || ancestors(&name).any(|a| files.contains_key(a)) {
                return Err(ArchiveError::Conflict { name });
            }
            for a in ancestors(&name) {
                dirs.insert(a.to_string());
            }
            dirs.insert(name);
            continue;
        }
        let size = entry.size();
        if size > limits.max_file_bytes {
            return Err(ArchiveError::ArchiveFileTooLarge {
                name,
                limit: limits.max_file_bytes,
            });
        }
        total = total.saturating_add(size);
        if total > limits.max_total_bytes {
            return Err(ArchiveError::ArchiveTotalTooLarge {
                limit: limits.max_total_bytes,
            });
        }
        if files.contains_key(&name) {
            return Err(ArchiveError::Duplicate { name });
        }
        if dirs.contains(&name) || ancestors(&name).any(|a| files.contains_key(a)) {
            return Err(ArchiveError::Conflict { name });
        }
        // `size` is at most `max_file_bytes`, so this allocation is bounded.
        let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0).min(1 << 24));
        (&mut entry)
            .take(size)
            .read_to_end(&mut data)
            .map_err(corrupt)?;
        if data.len() as u64 != size {
            return Err(ArchiveError::Corrupt {
                reason: format!(
                    "{name} is cut short ({} of {size} bytes): the archive is truncated",
                    data.len()
                ),
            });
        }
        for a in ancestors(&name) {
            dirs.insert(a.to_string());
        }
        files.insert(name, data);
    }
    if !files.contains_key(CONTRACT_FILE) {
        return Err(ArchiveError::ArchiveMissingContract);
    }
    let mut bundle = MemBundle::new(name);
    for (path, data) in files {
        bundle.insert(&path, data);
    }
    Ok(bundle)
}

/// The parent directories of a bundle path, outermost first (`a`, `a/b` for `a/b/c`).
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').map(move |(i, _)| &path[..i])
}

/// The bundle path of an archive entry; `None` for the root (`.` or `./`).
fn entry_name(raw: &[u8], is_dir: bool) -> Result<Option<String>, ArchiveError> {
    let lossy = || String::from_utf8_lossy(raw).into_owned();
    let unsafe_path = |reason| ArchiveError::UnsafePath {
        name: lossy(),
        reason,
    };
    let text = std::str::from_utf8(raw).map_err(|_| unsafe_path("the name is not valid UTF-8"))?;
    if text.starts_with('/') {
        return Err(unsafe_path("absolute paths are not allowed"));
    }
    if text.contains('\\') {
        return Err(unsafe_path("backslashes are not allowed"));
    }
    if text.split('/').any(|seg| seg == "..") {
        return Err(unsafe_path("\"..\" components are not allowed"));
    }
    let mut name = text;
    while let Some(rest) = name.strip_prefix("./") {
        name = rest;
    }
    if is_dir {
        name = name.trim_end_matches('/');
    }
    if name.is_empty() || name == "." {
        return Ok(None);
    }
    if !is_valid_path(name) {
        return Err(unsafe_path(
            "paths must be relative and slash-separated, without empty or \".\" segments",
        ));
    }
    Ok(Some(name.to_string()))
}

fn entry_kind(t: tar::EntryType) -> String {
    match t {
        tar::EntryType::Symlink => "symbolic link".to_string(),
        tar::EntryType::Link => "hard link".to_string(),
        tar::EntryType::Char => "character device".to_string(),
        tar::EntryType::Block => "block device".to_string(),
        tar::EntryType::Fifo => "FIFO".to_string(),
        tar::EntryType::Continuous => "contiguous file".to_string(),
        tar::EntryType::GNUSparse => "sparse file".to_string(),
        other => format!("entry of type {:?}", char::from(other.as_byte())),
    }
}

/// Write `bytes` to `path` through a temporary file in the same directory and a rename, so
/// `path` is either untouched or complete. An existing file is replaced.
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<(), ArchiveError> {
    let display = path.display().to_string();
    let err = |reason: String| ArchiveError::Write {
        path: display.clone(),
        reason,
    };
    let parent = parent_or_dot(path);
    if path.is_dir() {
        return Err(ArchiveError::OutputBlocked {
            path: display.clone(),
            blocker: display.clone(),
        });
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".pacto-")
        .suffix(".tmp")
        .tempfile_in(parent)
        .map_err(|e| err(e.to_string()))?;
    tmp.write_all(bytes).map_err(|e| err(e.to_string()))?;
    tmp.as_file().sync_all().map_err(|e| err(e.to_string()))?;
    set_file_mode(tmp.path());
    tmp.persist(path).map_err(|e| err(e.error.to_string()))?;
    Ok(())
}

/// 0644 rather than the temporary file's 0600 (umask still applies to nothing here).
#[cfg(unix)]
fn set_file_mode(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    // Best effort: a file we cannot chmod is still a correct archive.
    let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o644));
}

#[cfg(not(unix))]
fn set_file_mode(_path: &Path) {}

fn parent_or_dot(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

#[cfg(test)]
thread_local! {
    /// Test hook: fail the commit step of [`write_to_dir`] after this many files.
    static FAIL_COMMIT_AFTER: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Write every file of `b` under `out` (created if needed, along with its parent directories).
///
/// - When `out` does not exist, the files are written to a temporary directory beside it, which
///   is then renamed to `out`: `out` appears complete or not at all.
/// - When `out` exists, every target is checked first (no symbolic link on the way, no file
///   where a directory must go, and no existing file unless `overwrite`); then the files are
///   staged beside `out` and renamed into place one by one, the files they replace being kept
///   aside. If a rename fails, the files already placed are removed, the replaced ones are put
///   back and the directories created are removed, so `out` is left as it was.
///
/// Nothing is ever written outside `out`: bundle paths cannot hold `..`, and symbolic links
/// inside `out` are refused rather than followed (`out` itself may be a link to a directory).
/// The staging directory is a hidden `.pacto-*` directory in `out`'s parent, removed afterwards.
/// Files get the default mode (0666 less umask); empty directories are not represented.
pub fn write_to_dir(b: &MemBundle, out: &Path, overwrite: bool) -> Result<(), ArchiveError> {
    let files = safe_files(b)?;
    let out_display = out.display().to_string();
    let parent = parent_or_dot(out);
    let exists = match fs::symlink_metadata(out) {
        Ok(m) if m.is_dir() => true,
        Ok(m) if m.file_type().is_symlink() && out.is_dir() => true, // the user named it
        Ok(_) => {
            return Err(ArchiveError::OutputBlocked {
                path: out_display.clone(),
                blocker: out_display,
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => {
            return Err(ArchiveError::Write {
                path: out_display,
                reason: e.to_string(),
            })
        }
    };
    if exists {
        preflight(&files, out, overwrite)?;
    }
    let (staging, new_root) = stage_beside(&files, parent)?;
    if !exists {
        // `staging` (then empty) is removed on drop, whatever the outcome.
        return fs::rename(&new_root, out).map_err(|e| ArchiveError::Write {
            path: out_display,
            reason: e.to_string(),
        });
    }
    commit(&files, &new_root, &staging.path().join("old"), out)
}

/// Write `files` into a fresh hidden `.pacto-*` directory in `parent` (created if missing), as
/// its `new` subdirectory: the staging area a directory is then swapped in from.
fn stage_beside(
    files: &[(&str, &[u8])],
    parent: &Path,
) -> Result<(tempfile::TempDir, std::path::PathBuf), ArchiveError> {
    fs::create_dir_all(parent).map_err(|e| ArchiveError::Write {
        path: parent.display().to_string(),
        reason: e.to_string(),
    })?;
    let staging = tempfile::Builder::new()
        .prefix(".pacto-")
        .tempdir_in(parent)
        .map_err(|e| ArchiveError::Write {
            path: parent.display().to_string(),
            reason: format!("cannot create a temporary directory: {e}"),
        })?;
    let new_root = staging.path().join("new");
    stage(files, &new_root)?;
    Ok((staging, new_root))
}

/// The files of `b`, refusing any path that could name something outside the directory written.
fn safe_files(b: &MemBundle) -> Result<Vec<(&str, &[u8])>, ArchiveError> {
    let files: Vec<(&str, &[u8])> = b.files().collect();
    for (path, _) in &files {
        if !is_valid_path(path) || path.contains('\\') {
            return Err(ArchiveError::UnsafePath {
                name: path.to_string(),
                reason: "bundle paths must be relative, slash-separated, without \"..\"",
            });
        }
    }
    Ok(files)
}

/// Write the bundle `b` as the directory `out`, all or nothing (`pacto pull`):
///
/// - `out` missing, or an empty directory: the files are written to a hidden `.pacto-*`
///   directory beside it, which is then renamed to `out`.
/// - `out` a non-empty directory: refused ([`ArchiveError::NotEmpty`]) unless `force`; with
///   `force` the complete staged directory replaces `out` as a whole, swapped with two renames
///   (`out` into the staging directory, the staged tree to `out`; the old one is put back if
///   the second rename fails), so files edited in `out` are replaced, files that are not in the
///   bundle are gone, and `out` is never half-written. The old tree is removed afterwards.
/// - `out` a symbolic link or a file: refused; nothing is written through a link.
pub fn replace_dir(b: &MemBundle, out: &Path, force: bool) -> Result<(), ArchiveError> {
    let files = safe_files(b)?;
    let out_display = out.display().to_string();
    let werr = |p: &Path, e: io::Error| ArchiveError::Write {
        path: p.display().to_string(),
        reason: e.to_string(),
    };
    let existing = match fs::symlink_metadata(out) {
        Ok(m) if m.file_type().is_symlink() => {
            return Err(ArchiveError::OutputSymlink { path: out_display })
        }
        Ok(m) if m.is_dir() => {
            let empty = fs::read_dir(out)
                .map_err(|e| werr(out, e))?
                .next()
                .is_none();
            if !empty && !force {
                return Err(ArchiveError::NotEmpty { path: out_display });
            }
            Some(empty)
        }
        Ok(_) => {
            return Err(ArchiveError::OutputBlocked {
                path: out_display.clone(),
                blocker: out_display,
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(werr(out, e)),
    };
    let parent = parent_or_dot(out);
    let (staging, new_root) = stage_beside(&files, parent)?;
    match existing {
        // Missing or empty: one rename (onto an empty directory, rename(2) replaces it).
        None | Some(true) => fs::rename(&new_root, out).map_err(|e| werr(out, e)),
        Some(false) => {
            let old_root = staging.path().join("old");
            fs::rename(out, &old_root).map_err(|e| werr(out, e))?;
            if let Err(e) = fs::rename(&new_root, out) {
                let _ = fs::rename(&old_root, out);
                return Err(werr(out, e));
            }
            Ok(())
        }
    }
}

/// Check every target under an existing `out` before anything is written.
fn preflight(files: &[(&str, &[u8])], out: &Path, overwrite: bool) -> Result<(), ArchiveError> {
    let mut checked_dirs: BTreeSet<&str> = BTreeSet::new();
    for &(path, _) in files {
        for dir in ancestors(path) {
            if !checked_dirs.insert(dir) {
                continue;
            }
            match fs::symlink_metadata(out.join(dir)) {
                Ok(m) if m.is_dir() => {}
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(ArchiveError::OutputSymlink {
                        path: out.join(dir).display().to_string(),
                    })
                }
                Ok(_) => {
                    return Err(ArchiveError::OutputBlocked {
                        path: out.join(path).display().to_string(),
                        blocker: out.join(dir).display().to_string(),
                    })
                }
                Err(_) => {}
            }
        }
        let target = out.join(path);
        match fs::symlink_metadata(&target) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(ArchiveError::OutputSymlink {
                    path: target.display().to_string(),
                })
            }
            Ok(m) if !m.is_file() => {
                return Err(ArchiveError::OutputBlocked {
                    path: target.display().to_string(),
                    blocker: target.display().to_string(),
                })
            }
            Ok(_) if !overwrite => {
                return Err(ArchiveError::AlreadyExists {
                    path: target.display().to_string(),
                })
            }
            _ => {}
        }
    }
    Ok(())
}

/// Write all files under `root` (a fresh directory).
fn stage(files: &[(&str, &[u8])], root: &Path) -> Result<(), ArchiveError> {
    let werr = |p: &Path, e: io::Error| ArchiveError::Write {
        path: p.display().to_string(),
        reason: e.to_string(),
    };
    fs::create_dir(root).map_err(|e| werr(root, e))?;
    for &(path, data) in files {
        let target = root.join(path);
        if let Some(dir) = target.parent() {
            fs::create_dir_all(dir).map_err(|e| werr(dir, e))?;
        }
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)
            .map_err(|e| werr(&target, e))?;
        f.write_all(data).map_err(|e| werr(&target, e))?;
    }
    Ok(())
}

/// One undoable step of [`commit`].
enum Step {
    CreatedDir(PathBuf),
    /// An existing file moved aside: (its place, where it is kept).
    MovedAside(PathBuf, PathBuf),
    Placed(PathBuf),
}

/// Move staged files into an existing `out`, undoing everything on failure.
fn commit(
    files: &[(&str, &[u8])],
    new_root: &Path,
    old_root: &Path,
    out: &Path,
) -> Result<(), ArchiveError> {
    let mut done: Vec<Step> = Vec::new();
    let result = commit_steps(files, new_root, old_root, out, &mut done);
    if result.is_err() {
        for step in done.into_iter().rev() {
            // Best effort: put back what was there.
            match step {
                Step::Placed(p) => {
                    let _ = fs::remove_file(p);
                }
                Step::MovedAside(place, kept) => {
                    let _ = fs::rename(kept, place);
                }
                Step::CreatedDir(d) => {
                    let _ = fs::remove_dir(d);
                }
            }
        }
    }
    result
}

fn commit_steps(
    files: &[(&str, &[u8])],
    new_root: &Path,
    old_root: &Path,
    out: &Path,
    done: &mut Vec<Step>,
) -> Result<(), ArchiveError> {
    let werr = |p: &Path, e: io::Error| ArchiveError::Write {
        path: p.display().to_string(),
        reason: e.to_string(),
    };
    for (n, &(path, _)) in files.iter().enumerate() {
        #[cfg(test)]
        if FAIL_COMMIT_AFTER.with(|f| f.get()) == Some(n) {
            return Err(ArchiveError::Write {
                path: path.to_string(),
                reason: "injected failure".to_string(),
            });
        }
        let _ = n;
        for dir in ancestors(path) {
            let d = out.join(dir);
            match fs::create_dir(&d) {
                Ok(()) => done.push(Step::CreatedDir(d)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && d.is_dir() => {}
                Err(e) => return Err(werr(&d, e)),
            }
        }
        let target = out.join(path);
        if fs::symlink_metadata(&target).is_ok() {
            let kept = old_root.join(path);
            if let Some(dir) = kept.parent() {
                fs::create_dir_all(dir).map_err(|e| werr(dir, e))?;
            }
            fs::rename(&target, &kept).map_err(|e| werr(&target, e))?;
            done.push(Step::MovedAside(target.clone(), kept));
        }
        fs::rename(new_root.join(path), &target).map_err(|e| werr(&target, e))?;
        done.push(Step::Placed(target));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant, SystemTime};

    fn write(dir: &Path, rel: &str, data: &[u8]) {
        let p = dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, data).unwrap();
    }

    fn sample_dir() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "pacto.yaml", b"pactoVersion: \"1.0\"\n");
        write(d.path(), "interfaces/openapi.yaml", b"openapi: 3.0.0\n");
        write(d.path(), "interfaces/b.proto", b"syntax = \"proto3\";\n");
        write(d.path(), "configuration/schema.json", b"{}");
        write(d.path(), "a.txt", b"a");
        write(d.path(), "a/x", b"x");
        write(d.path(), "docs/deep/er/readme.md", b"# hi");
        d
    }

    fn sample_mem() -> MemBundle {
        MemBundle::new("mem")
            .with("pacto.yaml", "pactoVersion: \"1.0\"\n")
            .with("interfaces/openapi.yaml", "openapi: 3.0.0\n")
            .with("interfaces/b.proto", "syntax = \"proto3\";\n")
            .with("configuration/schema.json", "{}")
            .with("a.txt", "a")
            .with("a/x", "x")
            .with("docs/deep/er/readme.md", "# hi")
    }

    /// Entry names and types of a tar.gz, in order.
    fn listing(tar_gz: &[u8]) -> Vec<(String, char)> {
        let mut a = tar::Archive::new(MultiGzDecoder::new(tar_gz));
        a.entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let name = String::from_utf8(e.path_bytes().into_owned()).unwrap();
                (name, char::from(e.header().entry_type().as_byte()))
            })
            .collect()
    }

    fn names(tar_gz: &[u8]) -> Vec<String> {
        listing(tar_gz).into_iter().map(|(n, _)| n).collect()
    }

    #[test]
    fn packs_in_walk_order_with_directory_entries() {
        let d = sample_dir();
        let p = pack_dir(d.path()).unwrap();
        assert_eq!(
            listing(&p.tar_gz),
            [
                ("a", '5'),
                ("a/x", '0'),
                ("a.txt", '0'),
                ("configuration", '5'),
                ("configuration/schema.json", '0'),
                ("docs", '5'),
                ("docs/deep", '5'),
                ("docs/deep/er", '5'),
                ("docs/deep/er/readme.md", '0'),
                ("interfaces", '5'),
                ("interfaces/b.proto", '0'),
                ("interfaces/openapi.yaml", '0'),
                ("pacto.yaml", '0'),
            ]
            .map(|(n, t)| (n.to_string(), t))
        );
        assert_eq!(
            p.files,
            [
                "a/x",
                "a.txt",
                "configuration/schema.json",
                "docs/deep/er/readme.md",
                "interfaces/b.proto",
                "interfaces/openapi.yaml",
                "pacto.yaml"
            ]
        );
    }

    #[test]
    fn headers_are_canonical() {
        let d = sample_dir();
        let p = pack_dir(d.path()).unwrap();
        let mut a = tar::Archive::new(MultiGzDecoder::new(p.tar_gz.as_slice()));
        for e in a.entries().unwrap() {
            let e = e.unwrap();
            let h = e.header();
            assert_eq!(h.mtime().unwrap(), 0);
            assert_eq!(h.uid().unwrap(), 0);
            assert_eq!(h.gid().unwrap(), 0);
            assert_eq!(h.username_bytes(), Some(&b""[..]));
            assert_eq!(h.groupname_bytes(), Some(&b""[..]));
            let want = if h.entry_type().is_dir() {
                0o755
            } else {
                0o644
            };
            assert_eq!(h.mode().unwrap(), want);
            assert!(h.as_gnu().is_some());
        }
        // gzip header: magic, deflate, no flags, mtime 0, OS 255
        assert_eq!(&p.tar_gz[..4], &[0x1f, 0x8b, 8, 0]);
        assert_eq!(&p.tar_gz[4..8], &[0, 0, 0, 0]);
        assert_eq!(p.tar_gz[9], 255);
        assert_eq!(p.gz_sha256, sha256_digest(&p.tar_gz));
        let mut tar = Vec::new();
        MultiGzDecoder::new(p.tar_gz.as_slice())
            .read_to_end(&mut tar)
            .unwrap();
        assert_eq!(p.tar_sha256, sha256_digest(&tar));
        assert!(p.tar_sha256.starts_with("sha256:") && p.tar_sha256.len() == 71);
    }

    #[test]
    fn packing_is_reproducible() {
        let d = sample_dir();
        let first = pack_dir(d.path()).unwrap();
        let again = pack_dir(d.path()).unwrap();
        assert_eq!(first, again);

        // New mtimes and modes change nothing.
        let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        for rel in ["pacto.yaml", "a.txt", "interfaces/openapi.yaml"] {
            let f = fs::File::options()
                .write(true)
                .open(d.path().join(rel))
                .unwrap();
            f.set_modified(old).unwrap();
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(d.path().join("a.txt"), fs::Permissions::from_mode(0o755)).unwrap();
            fs::set_permissions(d.path().join("a"), fs::Permissions::from_mode(0o700)).unwrap();
        }
        // An empty directory and a directory of ignored files leave no trace.
        fs::create_dir(d.path().join("empty")).unwrap();
        write(d.path(), "logs/x.log", b"log");
        write(d.path(), ".pactoignore", b"*.log\n");
        assert_eq!(pack_dir(d.path()).unwrap(), first);

        // Content does change it.
        write(d.path(), "a.txt", b"b");
        let changed = pack_dir(d.path()).unwrap();
        assert_ne!(changed.tar_sha256, first.tar_sha256);
        assert_ne!(changed.gz_sha256, first.gz_sha256);
    }

    #[test]
    fn pack_dir_equals_pack_bundle() {
        let d = sample_dir();
        assert_eq!(
            pack_dir(d.path()).unwrap(),
            pack_bundle(&sample_mem()).unwrap()
        );
        // and unpacking gives the same files back, which pack the same again
        let p = pack_bundle(&sample_mem()).unwrap();
        let back = unpack(&p.tar_gz, &ArchiveLimits::default()).unwrap();
        assert_eq!(
            back.files().collect::<Vec<_>>(),
            sample_mem().files().collect::<Vec<_>>()
        );
        assert_eq!(pack_bundle(&back).unwrap(), p);
    }

    #[test]
    fn git_and_builtins_are_never_packed() {
        let d = sample_dir();
        write(d.path(), ".git/HEAD", b"ref: refs/heads/main\n");
        write(d.path(), ".git/objects/ab/cdef", b"blob");
        write(d.path(), "sub/.git", b"gitdir: ../.git/modules/sub\n");
        write(d.path(), "sub/keep.txt", b"k");
        write(d.path(), ".DS_Store", b"x");
        write(d.path(), ".pactoignore", b"!.git\n!.git/\n");
        let p = pack_dir(d.path()).unwrap();
        let n = names(&p.tar_gz);
        assert!(n.iter().all(|x| !x.contains(".git")), "{n:?}");
        assert!(!n.contains(&".DS_Store".to_string()));
        assert!(!n.contains(&".pactoignore".to_string()));
        assert!(n.contains(&"sub/keep.txt".to_string()));
    }

    #[test]
    fn pactoignore_is_honoured() {
        let d = sample_dir();
        write(d.path(), "dist/app.bin", b"bin");
        write(d.path(), "data/x.bin", b"x");
        write(d.path(), "data/config.bin", b"c");
        write(d.path(), "notes.tmp", b"t");
        write(
            d.path(),
            ".pactoignore",
            b"# build output\ndist/\n*.tmp\ndata/*.bin\n!data/config.bin\npacto.yaml\n/docs\n",
        );
        let p = pack_dir(d.path()).unwrap();
        assert_eq!(
            p.files,
            [
                "a/x",
                "a.txt",
                "configuration/schema.json",
                "data/config.bin",
                "interfaces/b.proto",
                "interfaces/openapi.yaml",
                "pacto.yaml"
            ]
        );
        assert!(!names(&p.tar_gz).contains(&"dist".to_string()));
    }

    #[test]
    fn extra_exclusions_apply() {
        let d = sample_dir();
        let before = pack_dir(d.path()).unwrap();
        write(d.path(), "svc-1.0.0.tar.gz", &before.tar_gz);
        let options = PackOptions {
            exclude: vec!["svc-1.0.0.tar.gz".to_string()],
            ..PackOptions::default()
        };
        assert_eq!(pack_dir_with(d.path(), &options).unwrap(), before);
    }

    #[test]
    fn long_and_unicode_paths_round_trip() {
        let long = format!("docs/{}/{}.md", "d".repeat(120), "f".repeat(150));
        let b = MemBundle::new("m")
            .with("pacto.yaml", "x")
            .with(&long, "long")
            .with("docs/ünïcødé ☃.md", "u");
        let p = pack_bundle(&b).unwrap();
        let back = unpack(&p.tar_gz, &ArchiveLimits::default()).unwrap();
        assert_eq!(
            back.files().collect::<Vec<_>>(),
            b.files().collect::<Vec<_>>()
        );
    }

    #[test]
    fn pack_refuses_what_it_cannot_pack() {
        let d = tempfile::tempdir().unwrap();
        assert!(matches!(
            pack_dir(d.path()),
            Err(ArchiveError::MissingContract { .. })
        ));
        write(d.path(), "pacto.yaml", b"x");
        assert!(matches!(
            pack_dir(&d.path().join("pacto.yaml")),
            Err(ArchiveError::NotADirectory { .. })
        ));
        let small = PackOptions {
            limits: ArchiveLimits {
                max_file_bytes: 4,
                max_total_bytes: 6,
                max_entries: 3,
            },
            ..PackOptions::default()
        };
        write(d.path(), "big", b"12345");
        let e = pack_dir_with(d.path(), &small).unwrap_err();
        assert!(
            matches!(e, ArchiveError::FileTooLarge { ref path, limit: 4 } if path == "big"),
            "{e}"
        );
        write(d.path(), "big", b"1234");
        write(d.path(), "big2", b"1234");
        assert!(matches!(
            pack_dir_with(d.path(), &small),
            Err(ArchiveError::TotalTooLarge { limit: 6 })
        ));
        fs::remove_file(d.path().join("big2")).unwrap();
        write(d.path(), "x/y", b"");
        write(d.path(), "z", b"");
        assert!(matches!(
            pack_dir_with(d.path(), &small),
            Err(ArchiveError::TooManyEntries { limit: 3 })
        ));
        let mem = MemBundle::new("m")
            .with("pacto.yaml", "x")
            .with("a", "file")
            .with("a/b", "file below a file");
        assert!(
            matches!(pack_bundle(&mem), Err(ArchiveError::Conflict { ref name }) if name == "a")
        );
        assert!(matches!(
            pack_bundle(&MemBundle::new("m").with("a", "x")),
            Err(ArchiveError::MissingContract { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn pack_refuses_symlinks_and_special_files_unless_ignored() {
        let d = sample_dir();
        std::os::unix::fs::symlink("/etc/passwd", d.path().join("interfaces/link.yaml")).unwrap();
        let e = pack_dir(d.path()).unwrap_err();
        assert!(
            matches!(e, ArchiveError::Symlink { ref path } if path == "interfaces/link.yaml"),
            "{e}"
        );
        assert!(e.to_string().contains(".pactoignore"), "{e}");
        write(d.path(), ".pactoignore", b"link.yaml\n");
        assert_eq!(
            pack_dir(d.path()).unwrap(),
            pack_bundle(&sample_mem()).unwrap()
        );

        let sock_dir = tempfile::tempdir().unwrap();
        write(sock_dir.path(), "pacto.yaml", b"x");
        let _listener =
            std::os::unix::net::UnixListener::bind(sock_dir.path().join("s.sock")).unwrap();
        let e = pack_dir(sock_dir.path()).unwrap_err();
        assert!(
            matches!(e, ArchiveError::SpecialFile { ref path, kind: "socket" } if path == "s.sock"),
            "{e}"
        );
    }

    // ---- unpack: hostile and broken archives ----

    /// A tar.gz built entry by entry from raw headers (names are written verbatim).
    fn raw_archive(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for &(name, kind, data) in entries {
            let mut h = tar::Header::new_gnu();
            let field = &mut h.as_old_mut().name;
            field[..name.len()].copy_from_slice(name.as_bytes());
            h.set_entry_type(kind);
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append(&h, data).unwrap();
        }
        gz(&b.into_inner().unwrap())
    }

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    const REG: tar::EntryType = tar::EntryType::Regular;

    fn unpack_err(tar_gz: &[u8]) -> ArchiveError {
        unpack(tar_gz, &ArchiveLimits::default()).unwrap_err()
    }

    #[test]
    fn unpack_strips_dot_slash_and_keeps_files() {
        let a = raw_archive(&[
            ("./", tar::EntryType::Directory, b""),
            ("./pacto.yaml", REG, b"p"),
            ("./interfaces/", tar::EntryType::Directory, b""),
            ("./interfaces/a.yaml", REG, b"a"),
            ("empty/", tar::EntryType::Directory, b""),
        ]);
        let b = unpack(&a, &ArchiveLimits::default()).unwrap();
        assert_eq!(
            b.files().collect::<Vec<_>>(),
            [("interfaces/a.yaml", &b"a"[..]), ("pacto.yaml", &b"p"[..])]
        );
    }

    #[test]
    fn unpack_refuses_path_traversal_and_absolute_paths() {
        for name in ["../evil", "a/../../evil", "./../evil", "..", "a/.."] {
            let e = unpack_err(&raw_archive(&[
                ("pacto.yaml", REG, b"p"),
                (name, REG, b"x"),
            ]));
            assert!(
                matches!(e, ArchiveError::UnsafePath { ref name, .. } if !name.is_empty()),
                "{name}: {e}"
            );
            assert!(e.to_string().contains("\"..\""), "{e}");
        }
        let e = unpack_err(&raw_archive(&[("/etc/passwd", REG, b"root")]));
        assert!(e.to_string().contains("absolute"), "{e}");
        let e = unpack_err(&raw_archive(&[("a\\..\\b", REG, b"x")]));
        assert!(e.to_string().contains("backslash"), "{e}");
        let e = unpack_err(&raw_archive(&[("a//b", REG, b"x")]));
        assert!(matches!(e, ArchiveError::UnsafePath { .. }), "{e}");
    }

    #[test]
    fn unpack_refuses_links_and_devices() {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        b.append_link(&mut h, "pacto.yaml", "/etc/passwd").unwrap();
        let e = unpack_err(&gz(&b.into_inner().unwrap()));
        assert!(
            matches!(e, ArchiveError::UnsupportedEntry { ref kind, .. } if kind == "symbolic link"),
            "{e}"
        );

        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(1);
        h.set_entry_type(REG);
        b.append_data(&mut h, "pacto.yaml", &b"p"[..]).unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Link);
        h.set_size(0);
        b.append_link(&mut h, "copy.yaml", "pacto.yaml").unwrap();
        let e = unpack_err(&gz(&b.into_inner().unwrap()));
        assert!(e.to_string().contains("hard link"), "{e}");

        for (kind, word) in [
            (tar::EntryType::Char, "character device"),
            (tar::EntryType::Block, "block device"),
            (tar::EntryType::Fifo, "FIFO"),
        ] {
            let e = unpack_err(&raw_archive(&[
                ("pacto.yaml", REG, b"p"),
                ("dev", kind, b""),
            ]));
            assert!(e.to_string().contains(word), "{e}");
        }
    }

    #[test]
    fn unpack_refuses_a_file_over_the_size_limit() {
        let big = vec![0u8; 10 * 1024 * 1024 + 1];
        let e = unpack_err(&raw_archive(&[
            ("pacto.yaml", REG, b"p"),
            ("big.bin", REG, &big),
        ]));
        assert_eq!(
            e.to_string(),
            "archive entry \"big.bin\" is larger than 10485760 bytes, the most Pacto reads from one bundle file; the artifact is refused (it was not packed by `pacto pack`, or with larger limits: ask its publisher to keep large data out of the bundle)"
        );
        // exactly at the limit is fine
        let ok = vec![0u8; 10 * 1024 * 1024];
        let b = unpack(
            &raw_archive(&[("pacto.yaml", REG, b"p"), ("big.bin", REG, &ok)]),
            &ArchiveLimits::default(),
        )
        .unwrap();
        assert_eq!(b.files().count(), 2);
    }

    #[test]
    fn unpack_refuses_too_much_in_total() {
        let limits = ArchiveLimits {
            max_file_bytes: 10,
            max_total_bytes: 25,
            max_entries: 100,
        };
        let a = raw_archive(&[
            ("pacto.yaml", REG, &[1; 10]),
            ("b", REG, &[2; 10]),
            ("c", REG, &[3; 10]),
        ]);
        assert!(matches!(
            unpack(&a, &limits),
            Err(ArchiveError::ArchiveTotalTooLarge { limit: 25 })
        ));
    }

    #[test]
    fn unpack_refuses_too_many_entries() {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(REG);
        h.set_size(1);
        b.append_data(&mut h, "pacto.yaml", &b"p"[..]).unwrap();
        for i in 0..10_000 {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Directory);
            h.set_size(0);
            b.append_data(&mut h, format!("d{i}"), io::empty()).unwrap();
        }
        let e = unpack_err(&gz(&b.into_inner().unwrap()));
        assert!(
            matches!(e, ArchiveError::ArchiveTooManyEntries { limit: 10_000 }),
            "{e}"
        );
    }

    /// A gzip stream of `n` MiB of zeros, as repeated gzip members: built without holding it.
    fn zeros_gz(mib: usize) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), Compression::best());
        e.write_all(&vec![0u8; 1024 * 1024]).unwrap();
        let member = e.finish().unwrap();
        let mut out = Vec::with_capacity(member.len() * mib);
        for _ in 0..mib {
            out.extend_from_slice(&member);
        }
        out
    }

    #[test]
    fn unpack_refuses_a_gzip_bomb_quickly() {
        // A file header announcing 1 GiB, then 1 GiB of zeros: about 1 MB compressed.
        let mut h = tar::Header::new_gnu();
        h.set_path("pacto.yaml").unwrap();
        h.set_entry_type(REG);
        h.set_size(1 << 30);
        h.set_cksum();
        let mut bomb = gz(h.as_bytes());
        bomb.extend(zeros_gz(1024));
        assert!(bomb.len() < 2 * 1024 * 1024, "{}", bomb.len());
        let start = Instant::now();
        let e = unpack_err(&bomb);
        assert!(matches!(e, ArchiveError::ArchiveFileTooLarge { .. }), "{e}");
        assert!(
            !e.to_string().contains(".pactoignore"),
            "pull-time help: {e}"
        );
        assert!(start.elapsed() < Duration::from_secs(5));

        // A pax extension header of 1 GiB is read by the tar library itself: the cap on the
        // decompressed stream stops it.
        let mut h = tar::Header::new_ustar();
        h.set_path("PaxHeader").unwrap();
        h.set_entry_type(tar::EntryType::XHeader);
        h.set_size(1 << 30);
        h.set_cksum();
        let mut bomb = gz(h.as_bytes());
        bomb.extend(zeros_gz(1024));
        let start = Instant::now();
        let e = unpack_err(&bomb);
        assert!(matches!(e, ArchiveError::StreamTooLarge { .. }), "{e}");
        assert!(start.elapsed() < Duration::from_secs(60));
    }

    #[test]
    fn unpack_requires_pacto_yaml() {
        let e = unpack_err(&raw_archive(&[("interfaces/a.yaml", REG, b"a")]));
        assert!(matches!(e, ArchiveError::ArchiveMissingContract), "{e}");
        assert!(e.to_string().starts_with("bundle missing pacto.yaml"));
        let e = unpack_err(&raw_archive(&[("sub/pacto.yaml", REG, b"a")]));
        assert!(matches!(e, ArchiveError::ArchiveMissingContract), "{e}");
        // an empty tar
        let e = unpack_err(&gz(&[0u8; 1024]));
        assert!(matches!(e, ArchiveError::ArchiveMissingContract), "{e}");
    }

    #[test]
    fn unpack_refuses_garbage() {
        let e = unpack_err(b"this is not an archive");
        assert!(matches!(e, ArchiveError::NotGzip { .. }), "{e}");
        assert!(e.to_string().contains("74 68 69 73"), "{e}");
        let e = unpack_err(b"");
        assert!(matches!(e, ArchiveError::NotGzip { .. }), "{e}");
        // gzip magic, then nonsense
        let e = unpack_err(&[0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert!(matches!(e, ArchiveError::Corrupt { .. }), "{e}");
        // valid gzip of a non-tar
        let e = unpack_err(&gz(&[7u8; 2000]));
        assert!(matches!(e, ArchiveError::Corrupt { .. }), "{e}");
        // a truncated archive
        let good = pack_bundle(&sample_mem()).unwrap().tar_gz;
        let e = unpack_err(&good[..good.len() / 2]);
        assert!(matches!(e, ArchiveError::Corrupt { .. }), "{e}");
    }

    #[test]
    fn unpack_refuses_duplicates_and_conflicts() {
        let e = unpack_err(&raw_archive(&[
            ("pacto.yaml", REG, b"a"),
            ("pacto.yaml", REG, b"b"),
        ]));
        assert!(matches!(e, ArchiveError::Duplicate { .. }), "{e}");
        let e = unpack_err(&raw_archive(&[
            ("pacto.yaml", REG, b"a"),
            ("a", REG, b"f"),
            ("a/b", REG, b"g"),
        ]));
        assert!(matches!(e, ArchiveError::Conflict { .. }), "{e}");
        let e = unpack_err(&raw_archive(&[
            ("pacto.yaml", REG, b"a"),
            ("a/b", REG, b"g"),
            ("a", REG, b"f"),
        ]));
        assert!(matches!(e, ArchiveError::Conflict { .. }), "{e}");
    }

    #[test]
    fn unpack_skips_pax_global_headers() {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_ustar();
        h.set_path("pax_global_header").unwrap();
        h.set_entry_type(tar::EntryType::XGlobalHeader);
        let comment = b"52 comment=0123456789012345678901234567890123456789\n";
        h.set_size(comment.len() as u64);
        h.set_cksum();
        b.append(&h, &comment[..]).unwrap();
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(REG);
        h.set_size(1);
        b.append_data(&mut h, "pacto.yaml", &b"p"[..]).unwrap();
        let got = unpack(&gz(&b.into_inner().unwrap()), &ArchiveLimits::default()).unwrap();
        assert_eq!(got.files().count(), 1);
    }

    #[test]
    fn unpack_reads_what_go_writes() {
        // USTAR and PAX headers, `./` prefixes, directories with and without trailing slashes.
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/archive/go-written.tar.gz");
        let b = unpack(&fs::read(path).unwrap(), &ArchiveLimits::default()).unwrap();
        let long = format!("docs/{}/{}.md", "d".repeat(120), "f".repeat(150));
        assert_eq!(
            b.files().collect::<Vec<_>>(),
            [
                (long.as_str(), &b"long\n"[..]),
                ("docs/ünïcødé ☃.md", &b"unicode\n"[..]),
                ("interfaces/openapi.yaml", &b"openapi: 3.0.0\n"[..]),
                ("pacto.yaml", &b"pactoVersion: \"1.0\"\n"[..]),
            ]
        );
    }

    // ---- replace_dir ----

    #[test]
    fn replace_dir_refuses_a_non_empty_directory_unless_forced() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        replace_dir(&sample_mem(), &out, false).unwrap();
        fs::write(out.join("a.txt"), "edited").unwrap();
        fs::write(out.join("stale.txt"), "stale").unwrap();
        let e = replace_dir(&sample_mem(), &out, false).unwrap_err();
        assert!(matches!(e, ArchiveError::NotEmpty { .. }), "{e}");
        assert_eq!(fs::read(out.join("a.txt")).unwrap(), b"edited");
        replace_dir(&sample_mem(), &out, true).unwrap();
        assert_eq!(fs::read(out.join("a.txt")).unwrap(), b"a");
        assert!(!out.join("stale.txt").exists());
        let names: Vec<_> = fs::read_dir(tmp.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, ["out"], "no staging directory is left");
        // A file where the directory goes, and a link to a directory, are refused.
        fs::write(tmp.path().join("f"), "x").unwrap();
        assert!(replace_dir(&sample_mem(), &tmp.path().join("f"), true).is_err());
        std::os::unix::fs::symlink(&out, tmp.path().join("l")).unwrap();
        let e = replace_dir(&sample_mem(), &tmp.path().join("l"), true).unwrap_err();
        assert!(matches!(e, ArchiveError::OutputSymlink { .. }), "{e}");
    }

    // ---- write_to_dir ----

    fn tree(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                if p.is_dir() && !p.is_symlink() {
                    stack.push(p.clone());
                    out.push(format!("{rel}/"));
                } else {
                    out.push(format!(
                        "{rel}={}",
                        fs::read_to_string(&p).unwrap_or_default()
                    ));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn writes_a_new_directory() {
        let parent = tempfile::tempdir().unwrap();
        let out = parent.path().join("pulled");
        write_to_dir(&sample_mem(), &out, false).unwrap();
        assert_eq!(pack_dir(&out).unwrap(), pack_bundle(&sample_mem()).unwrap());
        // nothing but the output is left in the parent
        assert_eq!(
            tree(parent.path())
                .iter()
                .filter(|p| !p.starts_with("pulled"))
                .count(),
            0
        );
    }

    #[test]
    fn writes_into_an_existing_directory() {
        let out = tempfile::tempdir().unwrap();
        write(out.path(), "pacto.yaml", b"old");
        write(out.path(), "other.txt", b"kept");
        let e = write_to_dir(&sample_mem(), out.path(), false).unwrap_err();
        assert!(matches!(e, ArchiveError::AlreadyExists { .. }), "{e}");
        assert_eq!(tree(out.path()), ["other.txt=kept", "pacto.yaml=old"]);
        write_to_dir(&sample_mem(), out.path(), true).unwrap();
        let t = tree(out.path());
        assert!(t.contains(&"other.txt=kept".to_string()));
        assert!(t.contains(&"pacto.yaml=pactoVersion: \"1.0\"\n".to_string()));
        assert!(t.contains(&"interfaces/openapi.yaml=openapi: 3.0.0\n".to_string()));
    }

    #[test]
    fn a_collision_leaves_nothing_behind() {
        // Existing output: a file where a directory must go.
        let parent = tempfile::tempdir().unwrap();
        let out = parent.path().join("out");
        write(&out, "interfaces", b"a file");
        let e = write_to_dir(&sample_mem(), &out, true).unwrap_err();
        assert!(matches!(e, ArchiveError::OutputBlocked { .. }), "{e}");
        assert_eq!(tree(parent.path()), ["out/", "out/interfaces=a file"]);

        // New output: the bundle itself collides (a file and a directory of the same name).
        let out2 = parent.path().join("out2");
        let clash = MemBundle::new("m")
            .with("pacto.yaml", "p")
            .with("a", "f")
            .with("a/b", "g");
        assert!(write_to_dir(&clash, &out2, false).is_err());
        assert!(!out2.exists());
        assert_eq!(tree(parent.path()), ["out/", "out/interfaces=a file"]);

        // The output path itself is a file.
        let e = write_to_dir(&sample_mem(), &out.join("interfaces"), true).unwrap_err();
        assert!(matches!(e, ArchiveError::OutputBlocked { .. }), "{e}");
    }

    #[test]
    fn a_failure_while_committing_is_rolled_back() {
        let parent = tempfile::tempdir().unwrap();
        let out = parent.path().join("out");
        write(&out, "pacto.yaml", b"old");
        write(&out, "other.txt", b"kept");
        let before = tree(parent.path());
        for n in 0..sample_mem().files().count() {
            FAIL_COMMIT_AFTER.with(|f| f.set(Some(n)));
            let e = write_to_dir(&sample_mem(), &out, true).unwrap_err();
            FAIL_COMMIT_AFTER.with(|f| f.set(None));
            assert!(e.to_string().contains("injected"), "{e}");
            assert_eq!(tree(parent.path()), before, "failing after {n} files");
        }
    }

    #[cfg(unix)]
    #[test]
    fn never_writes_through_symlinks() {
        let parent = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let out = parent.path().join("out");
        fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), out.join("interfaces")).unwrap();
        let e = write_to_dir(&sample_mem(), &out, true).unwrap_err();
        assert!(matches!(e, ArchiveError::OutputSymlink { .. }), "{e}");
        assert!(fs::read_dir(elsewhere.path()).unwrap().next().is_none());
        assert_eq!(tree(parent.path()), ["out/", "out/interfaces="]);

        fs::remove_file(out.join("interfaces")).unwrap();
        std::os::unix::fs::symlink(elsewhere.path().join("f"), out.join("pacto.yaml")).unwrap();
        let e = write_to_dir(&sample_mem(), &out, true).unwrap_err();
        assert!(matches!(e, ArchiveError::OutputSymlink { .. }), "{e}");
        assert!(!elsewhere.path().join("f").exists());
    }

    #[test]
    fn write_file_atomic_replaces_whole_files() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("x.tar.gz");
        write_file_atomic(&f, b"one").unwrap();
        write_file_atomic(&f, b"two").unwrap();
        assert_eq!(fs::read(&f).unwrap(), b"two");
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
        let e = write_file_atomic(&d.path().join("missing/x"), b"x").unwrap_err();
        assert!(matches!(e, ArchiveError::Write { .. }), "{e}");
        let e = write_file_atomic(d.path(), b"x").unwrap_err();
        assert!(matches!(e, ArchiveError::OutputBlocked { .. }), "{e}");
    }
}
