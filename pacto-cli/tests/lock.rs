//! `pacto lock` and the lock check of `validate`, `graph`, `diff`, `pack` and `push`, end to end
//! on `fixtures/lock/` (Go Pacto 3.x's codes), and one `oci://` case against the loopback
//! registry of `scripts/test-infra start` (`PACTO_TEST_REGISTRY`; skipped without it unless `CI`).

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/lock")
}

/// The binary with its own home and cache, run in `cwd`.
fn pacto(home: &Path, cwd: &Path, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pacto"));
    for k in [
        "PACTO_OUTPUT_FORMAT",
        "PACTO_OFFLINE",
        "PACTO_NO_CACHE",
        "PACTO_PLAIN_HTTP",
        "PACTO_REGISTRY_TOKEN",
        "PACTO_REGISTRY_USERNAME",
        "PACTO_REGISTRY_PASSWORD",
    ] {
        c.env_remove(k);
    }
    for (k, sub) in [
        ("HOME", "home"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_CONFIG_HOME", "config"),
        ("DOCKER_CONFIG", "docker"),
    ] {
        c.env(k, home.join(sub));
    }
    c.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The codes `pacto validate --output-format json` reports for a fixture case.
fn validate_codes(case: &str) -> (Option<i32>, Vec<String>) {
    let home = tempfile::tempdir().unwrap();
    let o = pacto(
        home.path(),
        &fixtures(),
        &["--output-format", "json", "validate", case],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{case}: {e}: {}", text(&o.stdout)));
    let codes = v["Errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["Code"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    (o.status.code(), codes)
}

fn check(case: &str) -> Output {
    let home = tempfile::tempdir().unwrap();
    pacto(home.path(), &fixtures(), &["lock", "--check", case])
}

#[test]
fn validate_and_check_give_go_codes_on_the_fixtures() {
    let cases: [(&str, Option<&str>, Option<&str>); 7] = [
        ("matching", None, None),
        (
            "drifted",
            Some("LOCK_LOCAL_DRIFT"),
            Some("LOCK_LOCAL_DRIFT"),
        ),
        ("stale", Some("LOCK_STALE"), Some("LOCK_STALE")),
        ("missing", None, Some("LOCK_MISSING")),
        (
            "duplicated",
            Some("LOCK_DUPLICATE_DECLARATION"),
            Some("LOCK_DUPLICATE_DECLARATION"),
        ),
        ("new-dep", Some("LOCK_STALE"), Some("LOCK_STALE")),
        ("v1", None, None),
    ];
    for (case, validate, lock_check) in cases {
        let (code, codes) = validate_codes(case);
        match validate {
            None => assert_eq!((code, codes.len()), (Some(0), 0), "{case}: {codes:?}"),
            Some(want) => {
                assert_eq!(code, Some(1), "{case}");
                // The lock error is the only one, as in Go's ValidateResult.
                assert_eq!(codes, [want], "{case}");
            }
        }
        let o = check(case);
        let err = text(&o.stderr);
        match lock_check {
            None => {
                assert!(o.status.success(), "{case}: {err}");
                assert!(text(&o.stdout).contains("is up to date"), "{case}");
            }
            Some(want) => {
                assert_eq!(o.status.code(), Some(1), "{case}: {err}");
                assert!(
                    err.starts_with(&format!("Error: {want}: ")),
                    "{case}: {err}"
                );
            }
        }
    }
    assert!(
        !fixtures().join("missing/pacto.lock").exists(),
        "--check wrote a lock"
    );
}

#[test]
fn validate_verifies_the_lock_of_the_overridden_contract() {
    // Repointing the dependency at `base` changes the closure the lock must match.
    let home = tempfile::tempdir().unwrap();
    let o = pacto(
        home.path(),
        &fixtures(),
        &[
            "--output-format",
            "json",
            "validate",
            "--set",
            "dependencies[0].ref=../base",
            "--set",
            "dependencies[0].compatibility=^1.0.0",
            "matching",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["Errors"][0]["Code"], "LOCK_STALE", "{v}");
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn check_points_at_both_files() {
    let o = check("drifted");
    let err = text(&o.stderr);
    assert!(err.contains("--> drifted/pacto.yaml:7:10"), "{err}");
    assert!(err.contains("--> drifted/pacto.lock:19:20"), "{err}");
    let o = check("stale");
    assert!(text(&o.stderr).contains("--> stale/pacto.lock:1:14"));
}

#[test]
fn graph_and_diff_refuse_a_drifted_lock() {
    let home = tempfile::tempdir().unwrap();
    let o = pacto(home.path(), &fixtures(), &["graph", "drifted"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("Error: LOCK_LOCAL_DRIFT: "));
    assert!(o.stdout.is_empty(), "a graph was printed");
    let o = pacto(home.path(), &fixtures(), &["graph", "matching"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = pacto(home.path(), &fixtures(), &["diff", "matching", "stale"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("Error: new contract: LOCK_STALE: "),
        "{}",
        text(&o.stderr)
    );
    let o = pacto(home.path(), &fixtures(), &["diff", "matching", "v1"]);
    assert!(!text(&o.stderr).contains("LOCK_"), "{}", text(&o.stderr));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn lock_writes_a_file_check_accepts_and_a_rerun_keeps_its_bytes() {
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    copy_dir(&fixtures(), work.path());
    let o = pacto(home.path(), work.path(), &["lock", "missing"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).starts_with("wrote missing/pacto.lock (2 dependencies, 2 references)"));
    let lock = work.path().join("missing/pacto.lock");
    let first = std::fs::read(&lock).unwrap();
    // What it wrote is the committed lock of the same contract.
    assert_eq!(
        first,
        std::fs::read(fixtures().join("matching/pacto.lock")).unwrap()
    );
    let o = pacto(home.path(), work.path(), &["lock", "--check", "missing"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = pacto(home.path(), work.path(), &["lock", "missing"]);
    assert!(text(&o.stdout).contains("is up to date"));
    let o = pacto(home.path(), work.path(), &["lock", "--update", "missing"]);
    assert!(o.status.success());
    assert_eq!(std::fs::read(&lock).unwrap(), first);
    // JSON: Go's LockResult keys.
    let o = pacto(
        home.path(),
        work.path(),
        &["--output-format", "json", "lock", "--check", "missing"],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["upToDate"], true);
    assert_eq!(v["dependencies"], 2);
    assert_eq!(v["lock"]["lockVersion"], 3);
    assert_eq!(v["lock"]["dependencies"][1]["dependsOn"][0], "base");
    // Overrides apply before locking, as in Go: the lock records the overridden contract.
    let o = pacto(
        home.path(),
        work.path(),
        &[
            "lock",
            "--update",
            "--set",
            "service.version=1.2.3",
            "missing",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("overridden: service.version"),
        "{}",
        text(&o.stderr)
    );
    let overridden = std::fs::read_to_string(&lock).unwrap();
    assert!(
        overridden.contains("root:\n    name: orders\n    version: 1.2.3\n"),
        "{overridden}"
    );
    std::fs::write(&lock, &first).unwrap();
    // A stale lock is rewritten by plain `pacto lock`, then checks.
    let stale = work.path().join("stale");
    let o = pacto(home.path(), work.path(), &["lock", "stale"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(std::fs::read(stale.join("pacto.lock")).unwrap(), first);
}

#[test]
fn pack_ships_the_lock() {
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    copy_dir(&fixtures(), work.path());
    let out = work.path().join("orders.tar.gz");
    let o = pacto(
        home.path(),
        work.path(),
        &["pack", "matching", "-o", &out.to_string_lossy()],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let list = Command::new("tar")
        .args(["-tzf", &out.to_string_lossy()])
        .output()
        .unwrap();
    let names = text(&list.stdout);
    assert!(
        names
            .lines()
            .any(|l| l.trim_start_matches("./") == "pacto.lock"),
        "{names}"
    );
}

fn registry_or_skip(test: &str) -> Option<String> {
    match std::env::var("PACTO_TEST_REGISTRY") {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            if std::env::var_os("CI").is_some() {
                panic!("PACTO_TEST_REGISTRY is not set: run `eval \"$(scripts/test-infra start)\"` first");
            }
            eprintln!("skipping {test}: PACTO_TEST_REGISTRY is not set");
            None
        }
    }
}

fn write_bundle(dir: &Path, yaml: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("pacto.yaml"), yaml).unwrap();
}

#[test]
fn oci_dependencies_are_pinned_by_manifest_digest_and_push_enforces_the_lock() {
    let Some(reg) = registry_or_skip("oci lock") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let repo = format!("{reg}/pacto-cli-test/lock-{}-{}", std::process::id(), nanos);
    let run = |args: &[&str]| pacto(home.path(), work.path(), args);

    // Publish auth 1.0.0, and lock a root that depends on it (untagged: the constraint picks).
    write_bundle(
        &work.path().join("auth"),
        "pactoVersion: \"2.0\"\nservice:\n  name: auth\n  version: 1.0.0\n",
    );
    let o = run(&[
        "--output-format",
        "json",
        "push",
        &format!("oci://{repo}/auth"),
        "-p",
        "auth",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let pushed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let digest = pushed["Digest"].as_str().unwrap().to_string();
    write_bundle(
        &work.path().join("app"),
        &format!("pactoVersion: \"2.0\"\nservice:\n  name: app\n  version: 2.0.0\ndependencies:\n  - name: auth\n    ref: oci://{repo}/auth\n    required: true\n    compatibility: \"^1.0.0\"\n"),
    );
    let o = run(&["lock", "app"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let lock = std::fs::read_to_string(work.path().join("app/pacto.lock")).unwrap();
    assert!(
        lock.contains(&format!(
            "    - name: auth\n      source: oci\n      ref: oci://{repo}/auth\n      constraint: ^1.0.0\n      version: 1.0.0\n      digest: {digest}\n"
        )),
        "{lock}"
    );
    assert!(run(&["lock", "--check", "app"]).status.success());
    assert!(run(&["validate", "app"]).status.success());

    // Push ships the lock: pull it back.
    let o = run(&["push", &format!("oci://{repo}/app"), "-p", "app"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = run(&["pull", &format!("oci://{repo}/app:2.0.0"), "-o", "pulled"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(work.path().join("pulled/pacto.lock")).unwrap(),
        lock
    );

    // auth 1.1.0 is published: the untagged ref now resolves elsewhere, so the lock is stale
    // for every verifying command, and push refuses to publish.
    write_bundle(
        &work.path().join("auth"),
        "pactoVersion: \"2.0\"\nservice:\n  name: auth\n  version: 1.1.0\n",
    );
    assert!(run(&["push", &format!("oci://{repo}/auth"), "-p", "auth"])
        .status
        .success());
    let o = run(&["--no-cache", "lock", "--check", "app"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).starts_with(&format!(
            "Error: LOCK_DIGEST_MISMATCH: auth locked at {digest} but resolves to sha256:"
        )),
        "{}",
        text(&o.stderr)
    );
    let o = run(&["--no-cache", "--output-format", "json", "validate", "app"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["Errors"][0]["Code"], "LOCK_DIGEST_MISMATCH");
    let o = run(&[
        "--no-cache",
        "push",
        &format!("oci://{repo}/app:2.0.1"),
        "-p",
        "app",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("LOCK_DIGEST_MISMATCH"),
        "{}",
        text(&o.stderr)
    );
    // `--update-name auth` re-pins it.
    assert!(run(&["--no-cache", "lock", "--update-name", "auth", "app"])
        .status
        .success());
    assert!(run(&["--no-cache", "lock", "--check", "app"])
        .status
        .success());
}
