//! End-to-end tests of `pacto pack`: reproducible archives, `-o`, JSON output, refusals.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use pacto_core::bundle::archive::{sha256_digest, unpack, ArchiveLimits};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

const ARCHIVE: &str = "payments-api-2.1.0.tar.gz";

fn pacto() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pacto"));
    c.env_remove("PACTO_OUTPUT_FORMAT")
        .env_remove("PACTO_OFFLINE");
    c
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixture(p: &str) -> PathBuf {
    root().join("fixtures").join(p)
}

fn run(args: &[&str], cwd: &Path) -> Output {
    pacto()
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run pacto")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Copy a directory tree (new files, so new mtimes).
fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Files in a packed archive, sorted.
fn archived_files(tar_gz: &[u8]) -> Vec<String> {
    let b = unpack(tar_gz, &ArchiveLimits::default()).unwrap();
    b.files().map(|(p, _)| p.to_string()).collect()
}

#[test]
fn packing_a_fixture_twice_gives_identical_files() {
    let bundle = fixture("valid/payments-api");
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for cwd in [a.path(), b.path()] {
        let out = run(&["pack", s(&bundle)], cwd);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(
            text(&out.stdout),
            format!("Packed payments-api@2.1.0 -> {ARCHIVE}\n")
        );
    }
    let first = fs::read(a.path().join(ARCHIVE)).unwrap();
    assert_eq!(first, fs::read(b.path().join(ARCHIVE)).unwrap());
    assert_eq!(
        archived_files(&first),
        [
            "configuration/schema.json",
            "expected.json",
            "interfaces/events.yaml",
            "interfaces/openapi.yaml",
            "interfaces/payments.proto",
            "pacto.yaml",
            "policy/schema.json",
        ]
    );

    // A copy with other timestamps and modes packs to the same bytes.
    let copy = tempfile::tempdir().unwrap();
    let dir = copy.path().join("payments-api");
    copy_tree(&bundle, &dir);
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(86_400 * 365);
    fs::File::options()
        .write(true)
        .open(dir.join("pacto.yaml"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(
            dir.join("interfaces/openapi.yaml"),
            fs::Permissions::from_mode(0o600),
        )
        .unwrap();
    }
    let c = tempfile::tempdir().unwrap();
    let out = run(&["pack", s(&dir)], c.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(fs::read(c.path().join(ARCHIVE)).unwrap(), first);
}

#[test]
fn output_flag_sets_the_file() {
    let cwd = tempfile::tempdir().unwrap();
    fs::create_dir(cwd.path().join("dist")).unwrap();
    let bundle = fixture("valid/payments-api");
    for flag in ["-o", "--output"] {
        let out = run(&["pack", s(&bundle), flag, "dist/bundle.tgz"], cwd.path());
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(
            text(&out.stdout),
            "Packed payments-api@2.1.0 -> dist/bundle.tgz\n"
        );
        let bytes = fs::read(cwd.path().join("dist/bundle.tgz")).unwrap();
        assert!(archived_files(&bytes).contains(&"pacto.yaml".to_string()));
    }
    // Only the archive: no temporary files left behind, no default-named file.
    let names: Vec<_> = fs::read_dir(cwd.path().join("dist"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["bundle.tgz"]);
    assert!(!cwd.path().join(ARCHIVE).exists());

    // A directory that does not exist is an error, not a half-written file.
    let out = run(&["pack", s(&bundle), "-o", "nowhere/x.tgz"], cwd.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("Error: "),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn json_output_has_go_keys_and_the_digest() {
    let cwd = tempfile::tempdir().unwrap();
    let out = run(
        &[
            "--output-format",
            "json",
            "pack",
            s(&fixture("valid/payments-api")),
        ],
        cwd.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["Output", "Name", "Version", "Digest"]);
    assert_eq!(v["Output"], ARCHIVE);
    assert_eq!(v["Name"], "payments-api");
    assert_eq!(v["Version"], "2.1.0");
    let bytes = fs::read(cwd.path().join(ARCHIVE)).unwrap();
    assert_eq!(v["Digest"], sha256_digest(&bytes));
    assert!(text(&out.stdout).starts_with("{\n  \"Output\""));
}

#[test]
fn an_invalid_bundle_is_refused() {
    let cwd = tempfile::tempdir().unwrap();
    let bundle = fixture("invalid/health-interface-not-found");
    let out = run(&["pack", s(&bundle)], cwd.path());
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("  ERROR ["), "{err}");
    assert!(
        err.ends_with("Error: contract validation failed with 1 error(s)\n"),
        "{err}"
    );
    assert!(!err.contains("\nvalidation failed"), "{err}");
    assert_eq!(text(&out.stdout), "");
    assert_eq!(fs::read_dir(cwd.path()).unwrap().count(), 0);

    let out = run(&["pack", "no-such-dir"], cwd.path());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(fs::read_dir(cwd.path()).unwrap().count(), 0);
}

#[test]
fn ignoring_a_referenced_file_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("svc");
    copy_tree(&fixture("valid/payments-api"), &dir);
    fs::write(dir.join(".pactoignore"), "# keep it small\n*.proto\n").unwrap();
    let out = run(&["pack", "svc"], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "  ERROR [FILE_IGNORED] interfaces[1].contract: \"interfaces/payments.proto\" is excluded from the bundle by the .pactoignore pattern \"*.proto\" (svc/pacto.yaml:"
        ),
        "{err}"
    );
    assert!(
        err.contains("contract validation failed with 1 error(s)"),
        "{err}"
    );
    // `pacto validate` reports it too (spec §11.4).
    let out = run(&["validate", "svc"], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(!tmp.path().join(ARCHIVE).exists());

    // A whole ignored directory counts too.
    fs::write(dir.join(".pactoignore"), "policy/\n").unwrap();
    let out = run(&["pack", "svc"], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains(
        "[FILE_IGNORED] policy.schema: \"policy/schema.json\" is excluded from the bundle by the .pactoignore pattern \"policy/\""
    ));
}

#[test]
fn pactoignore_and_git_are_honoured() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("svc");
    copy_tree(&fixture("valid/payments-api"), &dir);
    fs::create_dir_all(dir.join(".git/refs")).unwrap();
    fs::write(dir.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    fs::create_dir_all(dir.join("docs")).unwrap();
    fs::write(dir.join("docs/notes.md"), "# notes\n").unwrap();
    fs::write(dir.join("docs/draft.tmp"), "x").unwrap();
    fs::write(dir.join(".pactoignore"), "*.tmp\n/expected.json\n").unwrap();
    let out = run(&["pack", "svc", "-o", "svc.tgz"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let files = archived_files(&fs::read(tmp.path().join("svc.tgz")).unwrap());
    assert_eq!(
        files,
        [
            "configuration/schema.json",
            "docs/notes.md",
            "interfaces/events.yaml",
            "interfaces/openapi.yaml",
            "interfaces/payments.proto",
            "pacto.yaml",
            "policy/schema.json",
        ]
    );
}

#[test]
fn packing_inside_the_bundle_never_packs_the_archive() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("svc");
    copy_tree(&fixture("valid/payments-api"), &dir);
    let first = run(&["pack"], &dir);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let bytes = fs::read(dir.join(ARCHIVE)).unwrap();
    let second = run(&["pack"], &dir);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
    assert_eq!(fs::read(dir.join(ARCHIVE)).unwrap(), bytes);
    assert!(!archived_files(&bytes).contains(&ARCHIVE.to_string()));
}
