//! `pacto validate --readiness` (Go Pacto 3.x's opt-in readiness gate), end to end through the
//! binary: a 2.0 contract below its gate or with an expired assessment fails with
//! `READINESS_GATE_UNMET` (Go's path and message) placed on the key to change, one that passes
//! or declares no readiness is untouched, a 1.2 contract gets the same gate over its `checks`,
//! and without the flag nothing changes.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixture(p: &str) -> String {
    format!("fixtures/v2/{p}")
}

fn pacto(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pacto"))
        .env_remove("PACTO_OUTPUT_FORMAT")
        .env_remove("PACTO_OFFLINE")
        .args(args)
        .current_dir(root())
        .output()
        .expect("run pacto")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The JSON report (one object for one path, an array for several, as Go Pacto).
fn json(args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["validate", "--output-format", "json"];
    all.extend_from_slice(args);
    let out = pacto(&all);
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr));
    });
    (out.status.code(), v)
}

#[test]
fn below_gate_fails_with_go_s_code_and_message_on_min_score() {
    let dir = fixture("readiness/below-gate");
    let out = pacto(&["validate", "--readiness", &dir]);
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert_eq!(stdout, format!("{dir} is invalid\n"));
    assert!(
        stderr.contains(&format!(
            "  ERROR [READINESS_GATE_UNMET] readiness: score below gate: score 70, minScore 80 (1 done, 0 partial, 1 not-done, 0 deferred) ({dir}/pacto.yaml:11:3)\n"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("help: "), "{stderr}");
    assert!(
        stderr.ends_with("validation failed with 1 error(s)\n"),
        "{stderr}"
    );

    let (code, v) = json(&["--readiness", &dir]);
    assert_eq!(code, Some(1));
    let report = &v;
    assert_eq!(report["Valid"], false, "{v}");
    let e = &report["Errors"][0];
    assert_eq!(e["Code"], "READINESS_GATE_UNMET");
    assert_eq!(e["Path"], "readiness");
    assert_eq!(e["Severity"], "error");
    assert_eq!(
        e["Message"],
        "score below gate: score 70, minScore 80 (1 done, 0 partial, 1 not-done, 0 deferred)"
    );
    // `minScore:` on line 11, columns 3..11.
    assert_eq!(
        (e["Line"].as_u64(), e["Column"].as_u64()),
        (Some(11), Some(3))
    );
    assert_eq!(e["EndColumn"].as_u64(), Some(11));
}

#[test]
fn expired_assessment_scores_zero_and_points_at_expires() {
    let dir = fixture("readiness/expired");
    let (code, v) = json(&["--readiness", &dir]);
    assert_eq!(code, Some(1), "{v}");
    let e = &v["Errors"][0];
    assert_eq!(e["Code"], "READINESS_GATE_UNMET");
    assert_eq!(
        e["Message"],
        "assessment expired: score 0, minScore 100 (2 done, 0 partial, 0 not-done, 0 deferred)"
    );
    assert_eq!(e["Line"].as_u64(), Some(11), "{e}");
    assert!(e["Help"].as_str().unwrap().contains("2020-01-31"), "{e}");
}

#[test]
fn passing_and_readiness_free_contracts_are_unaffected() {
    for dir in [
        fixture("readiness/passing"),
        fixture("valid/minimal"),
        fixture("valid/checkout"),
        "fixtures/valid/payments-api".to_string(),
    ] {
        let out = pacto(&["validate", "--readiness", &dir]);
        assert_eq!(out.status.code(), Some(0), "{dir}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), format!("{dir} is valid\n"));
        assert!(!text(&out.stderr).contains("READINESS_GATE_UNMET"));
    }
    let (code, v) = json(&["--readiness", &fixture("readiness/passing")]);
    assert_eq!(code, Some(0));
    assert_eq!(v["Valid"], true);
    assert_eq!(v["Errors"], Value::Null);
}

#[test]
fn without_the_flag_the_gate_is_not_enforced() {
    for name in ["below-gate", "expired", "v1.2-below-gate"] {
        let dir = fixture(&format!("readiness/{name}"));
        let out = pacto(&["validate", &dir]);
        assert_eq!(out.status.code(), Some(0), "{dir}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), format!("{dir} is valid\n"));
    }
}

#[test]
fn a_1_2_contract_gets_the_same_gate_over_its_checks() {
    let dir = fixture("readiness/v1.2-below-gate");
    let (code, v) = json(&["--readiness", &dir]);
    assert_eq!(code, Some(1), "{v}");
    let e = &v["Errors"][0];
    assert_eq!(e["Code"], "READINESS_GATE_UNMET");
    assert_eq!(e["Path"], "readiness");
    assert_eq!(
        e["Message"],
        "score below gate: score 80, minScore 90 (1 done, 1 partial, 0 not-done, 0 deferred)"
    );
    assert_eq!(e["Line"].as_u64(), Some(14), "{e}");
}

/// Several paths: each gets its own verdict, and one failing gate fails the run.
#[test]
fn the_gate_is_per_bundle() {
    let pass = fixture("readiness/passing");
    let fail = fixture("readiness/below-gate");
    let (code, v) = json(&["--readiness", &pass, &fail]);
    assert_eq!(code, Some(1));
    assert_eq!(v[0]["Valid"], true, "{v}");
    assert_eq!(v[1]["Valid"], false, "{v}");
    // A bundle that cannot be read keeps its one load error, with no gate on top.
    let (code, v) = json(&["--readiness", "fixtures/v2/readiness/does-not-exist"]);
    assert_eq!(code, Some(1));
    let errors = v["Errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{v}");
    assert_ne!(errors[0]["Code"], "READINESS_GATE_UNMET");
}

/// `oci://` refs get the gate too: the bundle below its gate, pushed to the loopback registry
/// of `scripts/test-infra start` (`PACTO_TEST_REGISTRY`; skipped without it unless `CI` is
/// set), fails with the same error placed in the pulled `pacto.yaml`.
#[test]
fn an_oci_bundle_is_gated() {
    let reg = match std::env::var("PACTO_TEST_REGISTRY") {
        Ok(v) if !v.is_empty() => v,
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "PACTO_TEST_REGISTRY is not set: run `eval \"$(scripts/test-infra start)\"` first"
            );
            eprintln!("skipping: PACTO_TEST_REGISTRY is not set");
            return;
        }
    };
    let tmp = tempfile::tempdir().unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let repo = format!(
        "{reg}/pacto-cli-test/readiness-{}-{}",
        std::process::id(),
        nanos % 1_000_000_000
    );
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_pacto"))
            .env_remove("PACTO_OUTPUT_FORMAT")
            .env_remove("PACTO_OFFLINE")
            .env("XDG_CACHE_HOME", tmp.path().join("cache"))
            .env("HOME", tmp.path().join("home"))
            .env("DOCKER_CONFIG", tmp.path().join("home"))
            .args(args)
            .current_dir(root())
            .output()
            .unwrap()
    };
    let out = run(&[
        "push",
        &format!("oci://{repo}"),
        "-p",
        &fixture("readiness/below-gate"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let reference = format!("oci://{repo}:2.1.1");
    let out = run(&["validate", &reference]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(&[
        "validate",
        "--readiness",
        "--output-format",
        "json",
        &reference,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let e = &v["Errors"][0];
    assert_eq!(e["Code"], "READINESS_GATE_UNMET", "{v}");
    assert_eq!(
        e["Message"],
        "score below gate: score 70, minScore 80 (1 done, 0 partial, 1 not-done, 0 deferred)"
    );
    assert_eq!(e["Line"].as_u64(), Some(11), "{e}");
    assert!(e["File"].as_str().unwrap().starts_with("oci://"), "{e}");
}
