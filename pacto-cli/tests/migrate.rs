//! End-to-end tests of `pacto migrate`: in place, `-o OUT`, `--dry-run`, refusals, exit codes
//! and the JSON report. The migration itself is tested in `core/tests/migrate.rs`.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pacto"))
        .env_remove("PACTO_OUTPUT_FORMAT")
        .env_remove("PACTO_OFFLINE")
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run pacto")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A copy of `fixtures/migrate/<case>` in a temporary directory (as `<tmp>/bundle`), without
/// the expectation files.
fn copy_case(case: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dst = tmp.path().join("bundle");
    let src = root().join("fixtures/migrate").join(case);
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        std::fs::create_dir_all(dst.join(&rel)).unwrap();
        for e in std::fs::read_dir(src.join(&rel)).unwrap().flatten() {
            let r = rel.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                stack.push(r);
            } else if !["expected.yaml", "report.json", "refused.txt"]
                .contains(&e.file_name().to_str().unwrap())
            {
                std::fs::copy(e.path(), dst.join(&r)).unwrap();
            }
        }
    }
    (tmp, dst)
}

fn expected(case: &str) -> String {
    std::fs::read_to_string(
        root()
            .join("fixtures/migrate")
            .join(case)
            .join("expected.yaml"),
    )
    .unwrap()
}

/// Every file under `dir`, with its bytes, sorted.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.push((e.path(), std::fs::read(e.path()).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn migrates_in_place() {
    let (tmp, dir) = copy_case("full");
    let out = run(&["migrate", "bundle"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.join("pacto.yaml")).unwrap(),
        expected("full")
    );
    let err = text(&out.stderr);
    assert!(err.contains("dropped  interfaces.0.port"), "{err}");
    assert!(err.contains("the operator's interfaceBindings"), "{err}");
    assert!(err.contains("wrote bundle/pacto.yaml"), "{err}");
    // Migrating the result again is refused as already 2.0, and changes nothing.
    let before = snapshot(&dir);
    let again = run(&["migrate", "bundle"], tmp.path());
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("already pactoVersion \"2.0\""));
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn output_dir_gets_a_migrated_copy_and_the_source_stays() {
    let (tmp, dir) = copy_case("full");
    let before = snapshot(&dir);
    let out = run(&["migrate", "bundle", "-o", "out"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(snapshot(&dir), before, "the source is untouched");
    let o = tmp.path().join("out");
    assert_eq!(
        std::fs::read_to_string(o.join("pacto.yaml")).unwrap(),
        expected("full")
    );
    for f in [
        "interfaces/openapi.yaml",
        "interfaces/orders.proto",
        "interfaces/events.json",
        "configuration/schema.json",
    ] {
        assert_eq!(
            std::fs::read(o.join(f)).unwrap(),
            std::fs::read(dir.join(f)).unwrap(),
            "{f}"
        );
    }
    // A non-empty OUT is refused without --force, and nothing is written.
    std::fs::write(o.join("pacto.yaml"), "keep me").unwrap();
    let out = run(&["migrate", "bundle", "-o", "out"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("is not empty (use --force"));
    assert_eq!(
        std::fs::read_to_string(o.join("pacto.yaml")).unwrap(),
        "keep me"
    );
    let out = run(&["migrate", "bundle", "-o", "out", "--force"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(o.join("pacto.yaml")).unwrap(),
        expected("full")
    );
}

#[test]
fn dry_run_prints_and_writes_nothing() {
    let (tmp, dir) = copy_case("full");
    let before = snapshot(tmp.path());
    let out = run(&["migrate", "bundle", "--dry-run"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), expected("full"));
    assert!(text(&out.stderr).contains("dry run: nothing written"));
    assert_eq!(snapshot(tmp.path()), before);
    let out = run(
        &["migrate", "bundle", "--dry-run", "--output-format", "json"],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["migrated"], true);
    assert_eq!(v["written"], Value::Null);
    assert_eq!(v["text"], expected("full"));
    let report = v["report"].as_array().unwrap();
    assert!(report
        .iter()
        .any(|e| e["path"] == "scaling" && e["action"] == "dropped"));
    assert!(report.iter().any(|e| e["path"] == "runtime.workload"
        && e["action"] == "moved"
        && e["where_in_2_0"] == "workload"));
    assert_eq!(snapshot(tmp.path()), before);
    let _ = dir;
}

#[test]
fn refusal_writes_nothing_and_exits_1() {
    let (tmp, _dir) = copy_case("refused-http-without-contract");
    let before = snapshot(tmp.path());
    for args in [
        vec!["migrate", "bundle"],
        vec!["migrate", "bundle", "-o", "out"],
        vec!["migrate", "bundle", "--dry-run"],
    ] {
        let out = run(&args, tmp.path());
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains("interface \"http\" (interfaces[0])"), "{err}");
        assert!(err.contains("nothing was written"), "{err}");
        assert!(err.contains("--drop-http-without-contract"), "{err}");
        assert!(out.stdout.is_empty());
        assert_eq!(snapshot(tmp.path()), before, "{args:?}");
    }
    let out = run(
        &["migrate", "bundle", "--output-format", "json"],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["refused"], true);
    assert_eq!(snapshot(tmp.path()), before);
    // Asked to, the interface is dropped with a warning naming it.
    let out = run(
        &["migrate", "bundle", "--drop-http-without-contract"],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("warning: interface \"http\" (interfaces[0]) was dropped"),
        "{err}"
    );
    let migrated = std::fs::read_to_string(tmp.path().join("bundle/pacto.yaml")).unwrap();
    assert!(migrated.contains("interfaces: []"), "{migrated}");
}

#[test]
fn usage_and_io_errors_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(&["migrate", "missing"], tmp.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let out = run(&["migrate", "x", "--dry-run", "-o", "y"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["migrate", "x", "--output-format", "sarif"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
}

/// In place, the contract is replaced by a rename, never written through a symbolic link.
#[cfg(unix)]
#[test]
fn in_place_refuses_a_linked_contract() {
    let (tmp, dir) = copy_case("full");
    let real = tmp.path().join("real.yaml");
    std::fs::rename(dir.join("pacto.yaml"), &real).unwrap();
    std::os::unix::fs::symlink(&real, dir.join("pacto.yaml")).unwrap();
    let before = std::fs::read(&real).unwrap();
    let out = run(&["migrate", "bundle"], tmp.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&real).unwrap(), before);
}
