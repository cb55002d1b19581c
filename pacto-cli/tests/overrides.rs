//! Go Pacto's overrides (issue 19): `-f/--values FILE` and `--set key=value` on validate,
//! explain, doc, graph, generate, pack; `push --values/--set`; `diff --old-*/--new-*`. Precedence
//! base < files in order < --set; Go's typing; each problem placed on the override that wrote it.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn pacto(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pacto"))
        .env_remove("PACTO_OUTPUT_FORMAT")
        .env("PACTO_OFFLINE", "1")
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run pacto")
}

fn bundle() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("svc");
    let out = pacto(&["init", "svc"], tmp.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (tmp, dir)
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn validate_places_a_problem_on_the_override_that_wrote_it() {
    let (tmp, dir) = bundle();
    let d = dir.to_str().unwrap();
    // Clean without overrides.
    assert!(pacto(&["validate", d], tmp.path()).status.success());
    let out = pacto(
        &[
            "validate",
            d,
            "--set",
            "workload=banana",
            "--output-format",
            "json",
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    let errors = v["Errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{v}");
    assert_eq!(errors[0]["Code"], "SCHEMA_VIOLATION");
    let msg = errors[0]["Message"].as_str().unwrap();
    assert!(msg.ends_with("(set by --set workload=banana)"), "{msg}");
    // No place in pacto.yaml: the override wrote it.
    assert!(errors[0].get("Line").is_none_or(Value::is_null), "{v}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("overridden:"),
        "validate reports through its diagnostics: {err}"
    );
}

#[test]
fn values_files_merge_in_order_and_set_wins() {
    let (tmp, dir) = bundle();
    let d = dir.to_str().unwrap();
    let a = tmp.path().join("a.yaml");
    let b = tmp.path().join("b.yaml");
    std::fs::write(&a, "service:\n  version: 2.0.0\nworkload: job\n").unwrap();
    std::fs::write(&b, "service:\n  version: 3.0.0\n").unwrap();
    let out = pacto(
        &[
            "explain",
            d,
            "-f",
            a.to_str().unwrap(),
            "--values",
            b.to_str().unwrap(),
            "--output-format",
            "json",
        ],
        tmp.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("3.0.0"), "{text}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("overridden: service.version (by values file"),
        "{err}"
    );
    assert!(
        err.contains("overridden: workload (by values file"),
        "{err}"
    );
    let out = pacto(
        &[
            "explain",
            d,
            "-f",
            a.to_str().unwrap(),
            "--set",
            "service.version=4.0.0",
        ],
        tmp.path(),
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("svc@4.0.0"));
    // The files on disk are untouched.
    let text = std::fs::read_to_string(dir.join("pacto.yaml")).unwrap();
    assert!(!text.contains("4.0.0") && !text.contains("job"));
}

#[test]
fn bad_overrides_fail_with_the_reason() {
    let (tmp, dir) = bundle();
    let d = dir.to_str().unwrap();
    for (args, want) in [
        (
            vec!["--set", "novalue"],
            "invalid --set format \"novalue\": expected key=value",
        ),
        (
            vec!["--set", "interfaces[7].ref=x"],
            "index 7 out of bounds at \"interfaces[7]\" (length 1)",
        ),
        (
            vec!["-f", "missing.yaml"],
            "failed to read values file \"missing.yaml\"",
        ),
    ] {
        let mut all = vec!["validate", d];
        all.extend(args);
        let out = pacto(&all, tmp.path());
        assert_eq!(out.status.code(), Some(1), "{all:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{all:?}: {err}");
    }
}

#[test]
fn diff_takes_overrides_per_side() {
    let (tmp, dir) = bundle();
    let d = dir.to_str().unwrap();
    let same = pacto(&["diff", d, d, "--output-format", "json"], tmp.path());
    assert_eq!(json(&same)["classification"], "NON_BREAKING");
    let out = pacto(
        &[
            "diff",
            d,
            d,
            "--new-set",
            "workload=job",
            "--old-set",
            "service.version=0.9.0",
            "--output-format",
            "json",
        ],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["classification"], "BREAKING");
    let paths: Vec<&str> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["service.version", "workload"]);
}

#[test]
fn pack_ships_the_contract_as_the_overrides_made_it() {
    let (tmp, dir) = bundle();
    let out_file = tmp.path().join("svc.tar.gz");
    let out = pacto(
        &[
            "pack",
            dir.to_str().unwrap(),
            "-o",
            out_file.to_str().unwrap(),
            "--set",
            "service.version=5.0.0",
        ],
        tmp.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("svc@5.0.0"));
    let listing = Command::new("tar")
        .args(["-xzOf", out_file.to_str().unwrap(), "pacto.yaml"])
        .output()
        .unwrap();
    let packed = String::from_utf8_lossy(&listing.stdout);
    assert!(packed.contains("version: 5.0.0"), "{packed}");
    // A failing override stops the pack.
    let bad = pacto(
        &[
            "pack",
            dir.to_str().unwrap(),
            "-o",
            out_file.to_str().unwrap(),
            "--set",
            "workload=x",
        ],
        tmp.path(),
    );
    assert_eq!(bad.status.code(), Some(1));
    let _ = root();
}
