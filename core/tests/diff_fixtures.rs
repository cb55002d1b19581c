//! Golden diff tests: every `fixtures/diff/contract/<case>/` holds `old/` and `new/` bundles and an
//! `expected.json` with the overall classification and the exact set of changes
//! (path, type, classification). One case per rule of spec §4.2, plus the README example.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use pacto_core::bundle::load_dir;
use pacto_core::diff::{compare, Side};
use pacto_core::model::Contract;
use pacto_core::syntax::{parse, Limits};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/diff/contract")
}

#[test]
fn every_rule_has_a_golden_pair() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.json").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 60, "only {} cases", dirs.len());
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        let old = load_dir(dir.join("old").to_str().unwrap()).unwrap();
        let new = load_dir(dir.join("new").to_str().unwrap()).unwrap();
        let (ot, nt) = (
            parse(&old.text, &Limits::default()).tree.unwrap(),
            parse(&new.text, &Limits::default()).tree.unwrap(),
        );
        let (oc, nc) = (Contract::from_tree(&ot), Contract::from_tree(&nt));
        let diff = compare(
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
        .unwrap();
        let mut got: Vec<(String, String, String)> = diff
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
        let mut want: Vec<(String, String, String)> = expected["changes"]
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
        // Every change explains itself and knows where it sits.
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
