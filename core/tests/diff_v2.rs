//! Golden diff tests for `pactoVersion: "2.0"`: every `fixtures/diff/v2/contract/<case>/` holds
//! `old/` and `new/` and an `expected.json` written from Go Pacto 3.x's rules
//! (`pkg/diff/classification.go`, `contract.go`, `dependency.go`, `interfaces.go`, `readiness.go`,
//! `schema.go`): the overall classification and the exact set of changes (path, type,
//! classification). A side holds only the files that differ from the base bundle
//! `fixtures/v2/valid/payments-api`, laid over a copy of it. Also: byte-identical output across
//! runs, and the cross-generation diff.

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

/// A case side: the base bundle with the side's own files laid over it.
fn side(case_side: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy(&fixtures().join("v2/valid/payments-api"), tmp.path());
    std::fs::remove_file(tmp.path().join("expected.json")).ok();
    copy(case_side, tmp.path());
    std::fs::remove_file(tmp.path().join(".keep")).ok();
    tmp
}

fn diff_case(dir: &Path) -> ContractDiff {
    let (o, n) = (side(&dir.join("old")), side(&dir.join("new")));
    diff_dirs(o.path(), n.path())
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
        let diff = diff_case(dir);
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
    let d = diff_case(&dir);
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
    let (o, n) = (side(&dir.join("old")), side(&dir.join("new")));
    let render = || {
        let d = diff_dirs(o.path(), n.path());
        serde_json::to_string(&d.changes).unwrap()
    };
    let first = render();
    for _ in 0..5 {
        assert_eq!(render(), first);
    }
}

/// Issue 17's acceptance: Go Pacto's demo corpus payments-service 1.2.0 (1.x) against its 2.0.0
/// migrated to 2.0 reports the same business changes as the 1.x-to-1.x diff, and nothing that
/// only the change of format made.
#[test]
fn cross_generation_diff_reports_the_business_changes_only() {
    let corpus = std::env::var_os("PACTO_COMPAT_CORPUS")
        .map(PathBuf::from)
        .or_else(|| {
            let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
            p.is_dir().then_some(p)
        });
    let Some(corpus) = corpus else {
        if std::env::var_os("CI").is_some() {
            panic!("CI must provide the compatibility corpus (PACTO_COMPAT_CORPUS)");
        }
        eprintln!("skipping: no compatibility corpus (set PACTO_COMPAT_CORPUS)");
        return;
    };
    let service = corpus.join("pacto-demo/payments-service");
    let tmp = std::env::temp_dir().join(format!("pacto-xgen-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    copy(&service.join("v2.0.0"), &tmp);
    let text = std::fs::read_to_string(tmp.join("pacto.yaml")).unwrap();
    let m = pacto_core::migrate::migrate(&text, &pacto_core::bundle::DirBundle::new(tmp.clone()))
        .unwrap();
    std::fs::write(tmp.join("pacto.yaml"), &m.text).unwrap();

    let old = service.join("v1.2.0");
    let same_gen = diff_dirs(&old, &service.join("v2.0.0"));
    let across = diff_dirs(&old, &tmp);
    std::fs::remove_dir_all(&tmp).unwrap();

    assert_eq!(same_gen.classification, across.classification);
    assert!(
        across.warnings[0].contains("migrated in memory"),
        "{:?}",
        across.warnings
    );
    // Nothing from the format: no version, interface kind, port, capability or dropped field.
    for c in &across.changes {
        for format_only in [
            "pactoVersion",
            "interfaces",
            "capabilities",
            "runtime.",
            "service.image",
            "scaling",
            "workload",
            "state.",
        ] {
            assert!(
                !c.path.starts_with(format_only),
                "spurious change from the format: {} {} ({})",
                c.path,
                c.change_type,
                c.reason
            );
        }
        // The migrated side's lines are not the user's: none are shown for it.
        assert!(c
            .old_source
            .as_ref()
            .is_none_or(|s| !s.file.ends_with("pacto.yaml")));
    }
    // Every business change of the 1.x diff is there with the same verdict: API paths, methods
    // and responses added or removed, the dependency made required, the version.
    let key = |c: &pacto_core::diff::Change| {
        (
            c.path.clone(),
            c.change_type.as_str(),
            c.classification.as_str(),
        )
    };
    let across_keys: Vec<_> = across.changes.iter().map(key).collect();
    let mut checked = 0;
    for c in &same_gen.changes {
        let business = (c.path.starts_with("openapi.paths")
            && c.change_type != pacto_core::diff::ChangeType::Modified)
            || c.path == "service.version";
        if business {
            checked += 1;
            assert!(
                across_keys.contains(&key(c)),
                "missing across generations: {:?}",
                key(c)
            );
        }
    }
    assert!(checked >= 6, "only {checked} business changes compared");
    let dep = across
        .changes
        .iter()
        .find(|c| c.path == "dependencies.required")
        .expect("the dependency made required");
    assert_eq!(dep.item.as_deref(), Some("dependencies[fraud-service]"));
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}
