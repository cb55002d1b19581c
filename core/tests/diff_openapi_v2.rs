//! The 2.0 OpenAPI diff against Go Pacto 3.3's (`pkg/diff/openapi.go`, `schema.go`): every
//! `fixtures/diff/v2/openapi/<case>/` holds `old.yaml`, `new.yaml` and an `expected.json` naming
//! the Go test (or rule) it comes from and the exact changes in Go's order: path, type,
//! classification, reason and values, and for some the line of each side. Adding a case adds no
//! code.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use pacto_core::diff::openapi::{self, OpenApiDoc};
use pacto_core::diff::{openapi_v2, Change};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/diff/v2/openapi")
}

fn cases() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.json").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn docs(dir: &Path) -> (OpenApiDoc, OpenApiDoc) {
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    (
        OpenApiDoc::parse("old.yaml", &read("old.yaml")).unwrap(),
        OpenApiDoc::parse("new.yaml", &read("new.yaml")).unwrap(),
    )
}

fn run(dir: &Path) -> Vec<Change> {
    let (old, new) = docs(dir);
    openapi_v2::diff(&old, &new)
}

/// What a case asserts of one change, read back from a computed one the same way.
fn view(c: &Change, want: &Value) -> Value {
    let mut v = serde_json::json!({
        "path": c.path,
        "type": c.change_type.as_str(),
        "classification": c.classification.as_str(),
        "reason": c.reason,
    });
    let m = v.as_object_mut().unwrap();
    if let Some(o) = &c.old_value {
        m.insert("oldValue".into(), o.clone());
    }
    if let Some(n) = &c.new_value {
        m.insert("newValue".into(), n.clone());
    }
    if want.get("oldLine").is_some() {
        m.insert(
            "oldLine".into(),
            c.old_source.as_ref().map(|s| s.line).into(),
        );
    }
    if want.get("newLine").is_some() {
        m.insert(
            "newLine".into(),
            c.new_source.as_ref().map(|s| s.line).into(),
        );
    }
    v
}

fn expected(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap()
}

#[test]
fn every_case_gives_gos_changes_in_gos_order() {
    let dirs: Vec<PathBuf> = cases().into_iter().collect();
    assert!(dirs.len() >= 50, "only {} cases", dirs.len());
    check(&dirs);
}

fn check(dirs: &[PathBuf]) {
    let mut failures = Vec::new();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let expected = expected(dir);
        let want = expected["changes"].as_array().unwrap();
        let got = run(dir);
        let got_views: Vec<Value> = got
            .iter()
            .enumerate()
            .map(|(i, c)| view(c, want.get(i).unwrap_or(&Value::Null)))
            .collect();
        if &got_views != want {
            failures.push(format!(
                "{name} ({}):\n  want {}\n  got  {}",
                expected["go"],
                serde_json::to_string_pretty(want).unwrap(),
                serde_json::to_string_pretty(&got_views).unwrap()
            ));
        }
        for c in &got {
            if c.old_source.is_none() || c.new_source.is_none() || c.explanation.is_none() {
                failures.push(format!(
                    "{name}: {} lacks a source line or an explanation: {c:?}",
                    c.path
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn output_is_byte_identical_across_runs() {
    for dir in cases() {
        let first = serde_json::to_string(&run(&dir)).unwrap();
        for _ in 0..3 {
            // Fresh parses each time, so nothing is shared between runs.
            assert_eq!(serde_json::to_string(&run(&dir)).unwrap(), first, "{dir:?}");
        }
    }
}

#[test]
fn sources_name_both_files() {
    let got = run(&root().join("parameter-added-required"));
    let c = &got[0];
    let (o, n) = (
        c.old_source.as_ref().unwrap(),
        c.new_source.as_ref().unwrap(),
    );
    assert_eq!((o.file.as_str(), o.line), ("old.yaml", 4)); // `get:`, where it would go
    assert_eq!((n.file.as_str(), n.line), ("new.yaml", 6)); // the parameter entry
    assert!(c.explanation.as_deref().unwrap().contains("required"));
}

/// The 1.x differ keeps Go v1's verdicts on the same pair: one shallow `request-body` change
/// where 2.0 reports the new required property, and this file pins its output.
#[test]
fn the_1x_diff_of_a_pair_is_unchanged() {
    let dir = root().join("request-body-new-required-field");
    let (old, new) = docs(&dir);
    let got: Vec<Value> = openapi::diff(&old, &new)
        .iter()
        .map(|c| {
            serde_json::json!({
                "path": c.path,
                "type": c.change_type.as_str(),
                "classification": c.classification.as_str(),
                "reason": c.reason,
                "oldLine": c.old_source.as_ref().map(|s| s.line),
                "newLine": c.new_source.as_ref().map(|s| s.line),
            })
        })
        .collect();
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("v1.json")).unwrap()).unwrap();
    assert_eq!(Value::Array(got), want);
    let v2 = openapi_v2::diff(&old, &new);
    assert!(v2.iter().any(|c| c.path.ends_with("schema.required")));
}
