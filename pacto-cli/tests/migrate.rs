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

/// `cmd --version` runs: the tool is installed.
fn have(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Issue 17: `--dry-run --diff` prints a unified diff of the old `pacto.yaml` against the
/// migrated one, then the report (stderr), and writes nothing. The diff is what GNU `diff -u`
/// prints for the same texts, and `patch` turns the old file into the migrated one.
#[test]
fn dry_run_diff_prints_a_unified_diff_that_patch_applies() {
    let (tmp, dir) = copy_case("minimal");
    let before = snapshot(tmp.path());
    let out = run(&["migrate", "bundle", "--dry-run", "--diff"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "--- a/pacto.yaml\n+++ b/pacto.yaml\n@@ -1,4 +1,4 @@\n-pactoVersion: \"1.1\"\n+pactoVersion: \"2.0\"\n service:\n   name: my-library   # nothing else to migrate\n   version: 1.0.0\n"
    );
    let err = text(&out.stderr);
    assert!(err.contains("renamed  pactoVersion"), "{err}");
    assert!(err.contains("dry run: nothing written"), "{err}");
    assert_eq!(snapshot(tmp.path()), before);
    let _ = dir;

    for (case, extra) in [
        ("full", None),
        ("lists-and-owner", None),
        (
            "drop-http-without-contract",
            Some("--drop-http-without-contract"),
        ),
    ] {
        let (tmp, dir) = copy_case(case);
        let before = snapshot(tmp.path());
        let mut args = vec!["migrate", "bundle", "--dry-run", "--diff"];
        args.extend(extra);
        let out = run(&args, tmp.path());
        assert_eq!(out.status.code(), Some(0), "{case}: {}", text(&out.stderr));
        let diff = text(&out.stdout);
        assert!(
            diff.starts_with("--- a/pacto.yaml\n+++ b/pacto.yaml\n@@ -"),
            "{case}: {diff}"
        );
        assert_eq!(snapshot(tmp.path()), before, "{case}: nothing written");
        let old = std::fs::read_to_string(dir.join("pacto.yaml")).unwrap();
        let new = expected(case);
        if have("diff") {
            let n = tmp.path().join("new.yaml");
            std::fs::write(&n, &new).unwrap();
            let gnu = Command::new("diff")
                .arg("-u")
                .arg(dir.join("pacto.yaml"))
                .arg(&n)
                .output()
                .unwrap();
            let gnu = text(&gnu.stdout);
            // Past GNU's two header lines (they carry paths and times).
            let body = |d: &str| d.splitn(3, '\n').nth(2).unwrap_or_default().to_string();
            assert_eq!(body(&diff), body(&gnu), "{case}");
        }
        if have("patch") {
            let work = tmp.path().join("patched.yaml");
            std::fs::write(&work, &old).unwrap();
            let patch = tmp.path().join("m.diff");
            std::fs::write(&patch, &diff).unwrap();
            let out = Command::new("patch")
                .arg("--quiet")
                .arg(&work)
                .arg(&patch)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{case}: {}{}",
                text(&out.stdout),
                text(&out.stderr)
            );
            assert_eq!(std::fs::read_to_string(&work).unwrap(), new, "{case}");
        } else {
            assert!(std::env::var_os("CI").is_none(), "patch is not installed");
        }
    }
}

/// A contract whose last line has no newline: the diff says so, as GNU diff does.
#[test]
fn dry_run_diff_marks_a_missing_final_newline() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bundle");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("pacto.yaml"),
        "pactoVersion: \"1.0\"\nservice:\n  name: s\n  version: 1.0.0\nscaling: {min: 1, max: 2}",
    )
    .unwrap();
    let out = run(&["migrate", "bundle", "--dry-run", "--diff"], tmp.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "--- a/pacto.yaml\n+++ b/pacto.yaml\n@@ -1,5 +1,4 @@\n-pactoVersion: \"1.0\"\n+pactoVersion: \"2.0\"\n service:\n   name: s\n   version: 1.0.0\n-scaling: {min: 1, max: 2}\n\\ No newline at end of file\n"
    );
}

/// `--diff` without `--dry-run` is a usage error (exit 2) that says what to run, and nothing is
/// migrated; with `--output-format json` the diff is a `"diff"` field beside `"text"`.
#[test]
fn diff_needs_dry_run_and_json_carries_it() {
    let (tmp, dir) = copy_case("full");
    let before = snapshot(tmp.path());
    for args in [
        vec!["migrate", "bundle", "--diff"],
        vec!["migrate", "bundle", "--diff", "-o", "out"],
    ] {
        let out = run(&args, tmp.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(
            err.contains("--diff") && err.contains("--dry-run"),
            "{args:?}: {err}"
        );
        assert_eq!(snapshot(tmp.path()), before, "{args:?}");
    }
    let out = run(
        &["--output-format", "json", "migrate", "bundle", "--diff"],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["migrated"], false);
    assert!(v["error"].as_str().unwrap().contains("--dry-run"), "{v}");

    let text_out = run(&["migrate", "bundle", "--dry-run", "--diff"], tmp.path());
    let out = run(
        &[
            "--output-format",
            "json",
            "migrate",
            "bundle",
            "--dry-run",
            "--diff",
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["diff"], text(&text_out.stdout));
    assert_eq!(v["text"], expected("full"));
    assert!(v["diff"].as_str().unwrap().contains("\n-scaling:\n"), "{v}");
    // Without --diff there is no "diff" field.
    let out = run(
        &["--output-format", "json", "migrate", "bundle", "--dry-run"],
        tmp.path(),
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.get("diff").is_none(), "{v}");
    assert_eq!(snapshot(tmp.path()), before);
    let _ = dir;
}

/// A bundle whose own policy was written for 1.x (it requires `runtime` and `scaling`) migrates
/// faithfully, but the result does not validate under 2.0: the command says so, naming each
/// error, instead of leaving it to the next CI run.
#[test]
fn a_result_that_does_not_validate_under_2_0_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = root().join("fixtures/valid/payments-api");
    let out = run(&["migrate", dir.to_str().unwrap(), "--dry-run"], tmp.path());
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("does not validate under Pacto 2.0 (2 error(s))"),
        "{err}"
    );
    assert!(
        err.contains("ERROR [POLICY_VIOLATION] (root): policy policy/schema.json: \"runtime\" is a required property"),
        "{err}"
    );
    let json = run(
        &[
            "migrate",
            dir.to_str().unwrap(),
            "--dry-run",
            "--output-format",
            "json",
        ],
        tmp.path(),
    );
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    let codes: Vec<&str> = v["invalidUnder2_0"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["POLICY_VIOLATION", "POLICY_VIOLATION"]);
    // A bundle that migrates to a valid 2.0 contract says nothing of the kind.
    let clean = run(
        &[
            "migrate",
            root().join("fixtures/migrate/full").to_str().unwrap(),
            "--dry-run",
            "--output-format",
            "json",
        ],
        tmp.path(),
    );
    let v: Value = serde_json::from_slice(&clean.stdout).unwrap();
    assert_eq!(v["invalidUnder2_0"], serde_json::json!([]));
}
