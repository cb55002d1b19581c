//! A bundle as it was at a git revision: `git:REV[:DIR]` (e.g. `pacto diff git:origin/main .`).
//!
//! Files are listed with `git ls-tree` and read with one `git cat-file --batch` process, bounded in
//! file count, file size and total size.

use super::{decode_utf8, Bundle, LoadError, MemBundle, CONTRACT_FILE, MAX_FILE_BYTES};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// Most files read from one revision.
pub const MAX_FILES: usize = 10_000;
/// Most bytes read from one revision.
pub const MAX_TOTAL_BYTES: u64 = 128 * 1024 * 1024;

/// `git:REV[:DIR]` split into revision and directory (default `.`).
pub fn parse_git_spec(spec: &str) -> Option<(String, String)> {
    let rest = spec.strip_prefix("git:")?;
    let (rev, dir) = match rest.split_once(':') {
        Some((r, d)) if !d.is_empty() => (r, d),
        Some((r, _)) => (r, "."),
        None => (rest, "."),
    };
    (!rev.is_empty()).then(|| (rev.to_string(), dir.to_string()))
}

fn git_error(spec: &str, reason: impl Into<String>) -> LoadError {
    LoadError::Access {
        path: spec.to_string(),
        reason: reason.into(),
    }
}

/// Load the bundle at directory `dir` (relative to `cwd`) as of revision `rev`.
/// Returns the bundle and the text of its `pacto.yaml`.
pub fn load_git(cwd: &Path, rev: &str, dir: &str) -> Result<(MemBundle, String), LoadError> {
    let spec = format!("git:{rev}:{dir}");
    if rev.starts_with('-') {
        return Err(git_error(&spec, "a revision cannot start with '-'"));
    }
    let dir_clean = dir.trim_end_matches('/');
    let listing = Command::new("git")
        .current_dir(cwd)
        .args(["ls-tree", "-r", "-z", "--name-only", rev, "--", dir_clean])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| git_error(&spec, format!("cannot run git: {e}")))?;
    if !listing.status.success() {
        let msg = String::from_utf8_lossy(&listing.stderr).trim().to_string();
        return Err(git_error(&spec, msg));
    }
    let prefix = if dir_clean == "." || dir_clean.is_empty() {
        String::new()
    } else {
        format!("{dir_clean}/")
    };
    let paths: Vec<String> = listing
        .stdout
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    if paths.len() > MAX_FILES {
        return Err(git_error(&spec, format!("more than {MAX_FILES} files")));
    }
    let mut child = Command::new("git")
        .current_dir(cwd)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| git_error(&spec, format!("cannot run git: {e}")))?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| git_error(&spec, "git cat-file has no stdin"))?;
    let requests: Vec<String> = paths.iter().map(|p| format!("{rev}:./{p}\n")).collect();
    // Write requests from a thread so a large listing cannot dead-lock against our reads.
    let writer = std::thread::spawn(move || {
        for r in requests {
            if stdin.write_all(r.as_bytes()).is_err() {
                break;
            }
        }
    });
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| git_error(&spec, "git cat-file has no stdout"))?;
    let mut reader = BufReader::new(stdout);
    let mut bundle = MemBundle::new(spec.clone());
    let mut total = 0u64;
    let mut result = Ok(());
    for path in &paths {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 {
            result = Err(git_error(&spec, "git cat-file ended early"));
            break;
        }
        let fields: Vec<&str> = header.split_whitespace().collect();
        let Some(size) = fields.get(2).and_then(|s| s.parse::<u64>().ok()) else {
            // "<object> missing" for submodules and the like: skip.
            continue;
        };
        if size > MAX_FILE_BYTES || total + size > MAX_TOTAL_BYTES {
            result = Err(git_error(
                &spec,
                format!("{path} makes the revision larger than Pacto reads"),
            ));
            break;
        }
        total += size;
        let mut buf = vec![0u8; size as usize + 1]; // content plus the trailing newline
        if let Err(e) = reader.read_exact(&mut buf) {
            result = Err(git_error(&spec, format!("reading {path}: {e}")));
            break;
        }
        buf.pop();
        let rel = path.strip_prefix(&prefix).unwrap_or(path);
        bundle.insert(rel, buf);
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = writer.join();
    result?;
    let text = bundle
        .read(CONTRACT_FILE)
        .map_err(|_| LoadError::NoContract(spec.clone()))?;
    let text = decode_utf8(text).map_err(|offset| LoadError::NotUtf8 {
        path: format!("{spec}/{CONTRACT_FILE}"),
        offset,
    })?;
    Ok((bundle, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_split_into_revision_and_directory() {
        assert_eq!(
            parse_git_spec("git:HEAD"),
            Some(("HEAD".into(), ".".into()))
        );
        assert_eq!(
            parse_git_spec("git:origin/main:svc/api"),
            Some(("origin/main".into(), "svc/api".into()))
        );
        assert_eq!(parse_git_spec("git:"), None);
        assert_eq!(parse_git_spec("./dir"), None);
    }

    #[test]
    fn loads_a_bundle_from_an_older_revision() {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            let ok = Command::new("git")
                .current_dir(dir.path())
                .args(args)
                .env("GIT_AUTHOR_NAME", "t")
                .env("GIT_AUTHOR_EMAIL", "t@t")
                .env("GIT_COMMITTER_NAME", "t")
                .env("GIT_COMMITTER_EMAIL", "t@t")
                .output()
                .unwrap();
            assert!(
                ok.status.success(),
                "{}",
                String::from_utf8_lossy(&ok.stderr)
            );
        };
        git(&["init", "-q"]);
        std::fs::create_dir_all(dir.path().join("svc/interfaces")).unwrap();
        std::fs::write(dir.path().join("svc/pacto.yaml"), "v: 1\n").unwrap();
        std::fs::write(
            dir.path().join("svc/interfaces/api.yaml"),
            "openapi: 3.0.0\n",
        )
        .unwrap();
        git(&["add", "."]);
        git(&["commit", "-qm", "one"]);
        std::fs::write(dir.path().join("svc/pacto.yaml"), "v: 2\n").unwrap();
        git(&["commit", "-qam", "two"]);
        let (b, text) = load_git(dir.path(), "HEAD~1", "svc").unwrap();
        assert_eq!(text, "v: 1\n");
        assert!(b.exists("interfaces/api.yaml"));
        let (_, text) = load_git(&dir.path().join("svc"), "HEAD", ".").unwrap();
        assert_eq!(text, "v: 2\n");
        assert!(load_git(dir.path(), "no-such-rev", ".").is_err());
        assert!(matches!(
            load_git(dir.path(), "HEAD", "svc/interfaces"),
            Err(LoadError::NoContract(_))
        ));
    }
}
