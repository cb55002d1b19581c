//! Data-driven fixture tests: every bundle under `fixtures/{valid,invalid,warnings}/` is validated
//! and compared with the `expected.json` beside its `pacto.yaml`. Adding a case adds no code.
//!
//! `expected.json` either lists warning codes of a valid bundle
//! (`{"valid": true, "warnings": ["TAG_NOT_DIGEST"]}`) or every diagnostic with its place
//! (`{"valid": false, "offline": false, "diagnostics": [{"code", "severity", "path", "line", "column"}]}`).
//! Run with `PACTO_BLESS=1` to rewrite the second form from the current output, then review the diff.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use pacto_core::syntax::ColumnUnit;
use pacto_core::validate::{validate_dir, Options};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn cases(group: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_root().join(group))
        .unwrap_or_else(|e| panic!("fixtures/{group}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("pacto.yaml").is_file())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no cases in fixtures/{group}");
    dirs
}

fn actual(dir: &Path, offline: bool) -> (bool, Vec<Value>) {
    let options = Options {
        offline,
        ..Options::default()
    };
    let report = validate_dir(dir.to_str().unwrap(), None, &options);
    let index = report.line_index.clone();
    let diags = report
        .diagnostics
        .iter()
        .map(|d| {
            let mut v = json!({
                "code": d.code,
                "severity": d.severity.as_str(),
                "path": d.path,
            });
            if let (Some(span), Some(index)) = (d.span, index.as_ref()) {
                let lc = index.line_col(span.start, ColumnUnit::Char);
                v["line"] = json!(lc.line + 1);
                v["column"] = json!(lc.col + 1);
            }
            v
        })
        .collect();
    (report.valid(), diags)
}

fn check_group(group: &str) {
    let bless = std::env::var_os("PACTO_BLESS").is_some();
    let mut failures = Vec::new();
    for dir in cases(group) {
        let expected_path = dir.join("expected.json");
        let name = format!("{group}/{}", dir.file_name().unwrap().to_string_lossy());
        let expected: Value = match std::fs::read_to_string(&expected_path) {
            Ok(s) => serde_json::from_str(&s).unwrap_or_else(|e| panic!("{name}: {e}")),
            Err(_) if bless => json!({"valid": false, "diagnostics": []}),
            Err(e) => panic!("{name}: missing expected.json: {e}"),
        };
        let offline = expected["offline"].as_bool().unwrap_or(false);
        let (valid, diags) = actual(&dir, offline);
        if let Some(codes) = expected.get("warnings").and_then(Value::as_array) {
            let mut want: Vec<&str> = codes.iter().filter_map(Value::as_str).collect();
            want.sort_unstable();
            let mut got: Vec<&str> = diags
                .iter()
                .filter(|d| d["severity"] == "warning")
                .filter_map(|d| d["code"].as_str())
                .collect();
            got.sort_unstable();
            if !valid || want != got {
                failures.push(format!(
                    "{name}: valid={valid} warnings={got:?}, want {want:?}; all: {diags:?}"
                ));
            }
            continue;
        }
        let got = json!({"valid": valid, "offline": offline, "diagnostics": diags});
        let want = json!({
            "valid": expected["valid"],
            "offline": offline,
            "diagnostics": expected["diagnostics"],
        });
        if got != want {
            if bless {
                let text = serde_json::to_string_pretty(&got).unwrap() + "\n";
                std::fs::write(&expected_path, text).unwrap();
            } else {
                failures.push(format!(
                    "{name}:\n  got  {}\n  want {}",
                    serde_json::to_string(&got).unwrap(),
                    serde_json::to_string(&want).unwrap()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn valid_bundles_are_valid() {
    check_group("valid");
}

#[test]
fn each_rule_has_an_invalid_bundle_with_its_diagnostics() {
    check_group("invalid");
    // Every invalid case must be invalid (a blessed file cannot turn a case valid unnoticed).
    for dir in cases("invalid") {
        let (valid, _) = actual(&dir, false);
        assert!(!valid, "{} should be invalid", dir.display());
    }
}

#[test]
fn warning_cases_are_valid_with_their_warnings() {
    check_group("warnings");
    for dir in cases("warnings") {
        let offline = dir.ends_with("policy-not-enforced-offline");
        let (valid, diags) = actual(&dir, offline);
        assert!(valid, "{} should be valid: {diags:?}", dir.display());
        assert!(!diags.is_empty(), "{} should warn", dir.display());
    }
}

// `pactoVersion: "2.0"` (Go Pacto 3.x): the same two forms of `expected.json`, under
// `fixtures/v2/valid/` (Go's examples, with the files their refs name) and
// `fixtures/v2/invalid/<rule>/` (one bundle per rule, with Go 3.x's code and path).

#[test]
fn v2_valid_bundles_are_valid() {
    check_group("v2/valid");
}

#[test]
fn v2_each_rule_has_an_invalid_bundle_with_its_diagnostics() {
    check_group("v2/invalid");
    for dir in cases("v2/invalid") {
        let (valid, _) = actual(&dir, false);
        assert!(!valid, "{} should be invalid", dir.display());
    }
}
