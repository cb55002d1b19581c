//! Golden diff tests for `pactoVersion: "2.0"`: every `fixtures/diff/v2/contract/<case>/` holds
//! `old/` and `new/` bundles and an `expected.json` written from Go Pacto 3.x's rules
//! (`pkg/diff/classification.go`, `contract.go`, `dependency.go`, `interfaces.go`, `readiness.go`,
//! `schema.go`): the overall classification and the exact set of changes (path, type,
//! classification). Also: byte-identical output across runs, and the cross-generation diff.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use pacto_core::bundle::load_dir;
use pacto_core::diff::{compare, ContractDiff, Side};
use pacto_core::model::Contract;
use pacto_core::syntax::{parse, Limits};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn diff_dirs(old: &Path, new: &Path) -> ContractDiff {
    let old = load_dir(old.to_str().unwrap()).unwrap();
    let new = load_dir(new.to_str().unwrap()).unwrap();
    let (ot, nt) = (
        parse(&old.text, &Limits::default()).tree.unwrap(),
        parse(&new.text, &Limits::default()).tree.unwrap(),
    );
    let (oc, nc) = (Contract::from_tree(&ot), Contract::from_tree(&nt));
    compare(
        &Side {
            contract: &oc,
            tree: &ot,
            bundle: &old.bundle,
            file: &old.contract_path,
        },
        &Side {
            contract: &nc,
            tree: &nt,
            bundle: &new.bundle,
            file: &new.contract_path,
        },
    )
    .unwrap()
}

type Row = (String, String, String);

fn rows(diff: &ContractDiff) -> Vec<Row> {
    let mut got: Vec<Row> = diff
        .changes
        .iter()
        .map(|c| {
            (
                c.path.clone(),
                c.change_type.as_str().to_string(),
                c.classification.as_str().to_string(),
            )
        })
        .collect();
    got.sort();
    got
}

#[test]
fn every_v2_rule_agrees_with_go() {
    let root = fixtures().join("diff/v2/contract");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.json").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 45, "only {} cases", dirs.len());
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        let diff = diff_dirs(&dir.join("old"), &dir.join("new"));
        let got = rows(&diff);
        let mut want: Vec<Row> = expected["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["path"].as_str().unwrap().to_string(),
                    c["type"].as_str().unwrap().to_string(),
                    c["classification"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        want.sort();
        if got != want || diff.classification.as_str() != expected["classification"] {
            failures.push(format!(
                "{name}: {} {got:?}\n   want {} {want:?}",
                diff.classification, expected["classification"]
            ));
        }
        assert!(diff.warnings.is_empty(), "{name}: {:?}", diff.warnings);
        for c in &diff.changes {
            assert!(
                c.explanation.is_some(),
                "{name}: {} has no explanation",
                c.path
            );
            assert!(
                c.old_source.is_some() || c.new_source.is_some(),
                "{name}: {} has no source line",
                c.path
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_change_is_placed_on_its_lines() {
    let dir = fixtures().join("diff/v2/contract/dependencies-required-modified");
    let d = diff_dirs(&dir.join("old"), &dir.join("new"));
    let c = &d.changes[0];
    assert_eq!(c.reason, "dependencies[notifications].required modified");
    assert_eq!(c.item.as_deref(), Some("dependencies[notifications]"));
    let text = std::fs::read_to_string(dir.join("new/pacto.yaml")).unwrap();
    let line = c.new_source.as_ref().unwrap().line as usize;
    assert_eq!(text.lines().nth(line - 1).unwrap().trim(), "required: true");
    assert_eq!(
        c.old_value,
        Some(Value::String("notifications: required=false".into()))
    );
}

#[test]
fn output_is_byte_identical_across_runs() {
    let dir = fixtures().join("diff/v2/contract/configurations-schema-to-ref");
    let render = || {
        let d = diff_dirs(&dir.join("old"), &dir.join("new"));
        serde_json::to_string(&d.changes).unwrap()
    };
    let first = render();
    for _ in 0..5 {
        assert_eq!(render(), first);
    }
}
