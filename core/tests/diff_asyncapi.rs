//! Golden AsyncAPI diffs (Go Pacto 3.2.8+ rules): every `fixtures/diff/v2/asyncapi/<case>/`
//! holds `old.yaml` or `old.json`, `new.yaml` or `new.json` and an `expected.json` listing every
//! change in Go's order with its path, type, classification, reason, values and the line on each
//! side, or the `error` a side that cannot be read gives (Go silently reports no changes there).
//! Adding a case adds no code. `PACTO_BLESS=1 cargo test -p pacto-core --test diff_asyncapi`
//! rewrites the expectations from the current output; review the diff before committing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use pacto_core::diff::asyncapi::{diff, AsyncApiDoc, AsyncApiError};
use pacto_core::diff::Change;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/diff/v2/asyncapi")
}

fn cases() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.json").is_file() || side(p, "old").is_some())
        .collect();
    dirs.sort();
    dirs
}

/// `old.yaml` or `old.json` (likewise `new`).
fn side(dir: &Path, stem: &str) -> Option<PathBuf> {
    ["yaml", "json"]
        .iter()
        .map(|ext| dir.join(format!("{stem}.{ext}")))
        .find(|p| p.is_file())
}

fn parse(dir: &Path, stem: &str) -> Result<AsyncApiDoc, AsyncApiError> {
    let path = side(dir, stem).unwrap();
    let name = format!("interfaces/{}", path.file_name().unwrap().to_string_lossy());
    AsyncApiDoc::parse(&name, &std::fs::read_to_string(&path).unwrap())
}

fn load(dir: &Path) -> Result<(AsyncApiDoc, AsyncApiDoc), AsyncApiError> {
    Ok((parse(dir, "old")?, parse(dir, "new")?))
}

/// The pinned form of a case: its changes, or the error of a side that cannot be read.
fn outcome(dir: &Path) -> Value {
    match load(dir) {
        Ok((old, new)) => {
            json!({ "changes": diff(&old, &new).iter().map(summary).collect::<Vec<_>>() })
        }
        Err(e) => json!({ "error": e.to_string() }),
    }
}

/// What a case pins of one change.
fn summary(c: &Change) -> Value {
    let mut m = Map::new();
    m.insert("path".into(), json!(c.path));
    m.insert("type".into(), json!(c.change_type.as_str()));
    m.insert("classification".into(), json!(c.classification.as_str()));
    m.insert("reason".into(), json!(c.reason));
    if let Some(v) = &c.old_value {
        m.insert("oldValue".into(), v.clone());
    }
    if let Some(v) = &c.new_value {
        m.insert("newValue".into(), v.clone());
    }
    if let Some(s) = &c.old_source {
        m.insert("oldLine".into(), json!(s.line));
    }
    if let Some(s) = &c.new_source {
        m.insert("newLine".into(), json!(s.line));
    }
    Value::Object(m)
}

#[test]
fn every_case_matches_its_expectation() {
    let dirs = cases();
    assert!(dirs.len() >= 20, "only {} cases", dirs.len());
    let bless = std::env::var_os("PACTO_BLESS").is_some();
    let mut failures = Vec::new();
    for dir in &dirs {
        let got = outcome(dir);
        let file = dir.join("expected.json");
        if bless {
            std::fs::write(&file, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
            continue;
        }
        let want: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        if got != want {
            failures.push(format!(
                "{}:\n  want {want}\n  got  {got}",
                dir.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every change has an explanation and the file of each side it names.
#[test]
fn changes_explain_themselves_and_name_their_files() {
    for dir in cases() {
        let Ok((old, new)) = load(&dir) else {
            continue;
        };
        for c in diff(&old, &new) {
            assert!(c.explanation.as_deref().is_some_and(|e| !e.is_empty()));
            if let Some(s) = &c.old_source {
                assert_eq!(s.file, old.file());
            }
            if let Some(s) = &c.new_source {
                assert_eq!(s.file, new.file());
            }
        }
    }
}

/// Byte-identical output across runs (Go 3.2.8 made `pacto diff` deterministic).
#[test]
fn output_is_deterministic() {
    for dir in cases() {
        let runs: Vec<String> = (0..3)
            .map(|_| match load(&dir) {
                Ok((old, new)) => serde_json::to_string(&diff(&old, &new)).unwrap(),
                Err(e) => e.to_string(),
            })
            .collect();
        assert_eq!(runs[0], runs[1], "{}", dir.display());
        assert_eq!(runs[1], runs[2], "{}", dir.display());
    }
}

/// Every row of Go's table for these rules is exercised by some case, and so is the walk's
/// classification of what changed inside an entry present on both sides.
#[test]
fn every_rule_row_is_covered() {
    let mut seen = std::collections::BTreeSet::new();
    for dir in cases() {
        let Ok((old, new)) = load(&dir) else {
            continue;
        };
        for c in diff(&old, &new) {
            let section = if c.path.starts_with("asyncapi.channels") {
                "asyncapi.channels"
            } else {
                "asyncapi.operations"
            };
            let inner = if c.path.ends_with(']') && c.path.matches('[').count() == 1 {
                ""
            } else if c.path.contains(".required") {
                " required"
            } else {
                " inner"
            };
            seen.insert(format!(
                "{section}{inner} {} {}",
                c.change_type.as_str(),
                c.classification.as_str()
            ));
        }
    }
    for want in [
        "asyncapi.channels added NON_BREAKING",
        "asyncapi.channels removed BREAKING",
        "asyncapi.operations added NON_BREAKING",
        "asyncapi.operations removed BREAKING",
        "asyncapi.channels required added BREAKING",
        "asyncapi.channels required removed BREAKING",
        "asyncapi.channels inner removed POTENTIAL_BREAKING",
        "asyncapi.channels inner added POTENTIAL_BREAKING",
        "asyncapi.channels inner modified POTENTIAL_BREAKING",
        "asyncapi.operations inner modified POTENTIAL_BREAKING",
    ] {
        assert!(seen.contains(want), "{want} not covered: {seen:?}");
    }
}

/// A channel or operation on both sides is never one opaque `modified` change: it is walked.
#[test]
fn entries_on_both_sides_are_deep_diffed() {
    for dir in cases() {
        let Ok((old, new)) = load(&dir) else {
            continue;
        };
        for c in diff(&old, &new) {
            if c.path.ends_with(']') && c.path.matches('[').count() == 1 {
                assert_ne!(c.change_type.as_str(), "modified", "{}", c.path);
            }
        }
    }
}

/// A 2.x document has no `operations`: nothing about them is reported.
#[test]
fn no_operations_in_2x() {
    let dir = root().join("v2-channel-renamed-no-operations");
    let (old, new) = load(&dir).unwrap();
    assert!(old.names("operations").is_empty());
    assert!(diff(&old, &new)
        .iter()
        .all(|c| !c.path.starts_with("asyncapi.operations")));
}

/// A side that cannot be read is an error naming the file and the line, in either position.
#[test]
fn unreadable_sides_are_located_errors() {
    let dir = root().join("error-unparseable");
    let bad = std::fs::read_to_string(dir.join("new.yaml")).unwrap();
    let e = AsyncApiDoc::parse("interfaces/events.yaml", &bad).unwrap_err();
    assert_eq!(e.file(), "interfaces/events.yaml");
    assert!(e.line().is_some());
    let e =
        AsyncApiDoc::parse("interfaces/events.json", "{\n  \"channels\": \"x\"\n}\n").unwrap_err();
    assert_eq!(e.line(), Some(2), "{e}");
}

/// Go Pacto's demo corpus (`PACTO_COMPAT_CORPUS`), when present.
fn corpus() -> Option<PathBuf> {
    let corpus = std::env::var_os("PACTO_COMPAT_CORPUS")
        .map(PathBuf::from)
        .or_else(|| {
            let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
            p.is_dir().then_some(p)
        });
    if corpus.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("CI must provide the compatibility corpus (PACTO_COMPAT_CORPUS)");
        }
        eprintln!("skipping: no compatibility corpus (set PACTO_COMPAT_CORPUS)");
    }
    corpus
}

/// Go's `TestDiffAsyncAPI_DemoFixtures`: the demo's payments-service events, 1.0.0 against
/// 2.0.0 (the corpus holds 2.0.0 where Go's test reads 2.0.1; the channels are the same).
#[test]
fn the_demo_payments_events_diff_as_in_go() {
    let Some(corpus) = corpus() else {
        return;
    };
    let base = corpus.join("pacto-demo/payments-service");
    let read = |v: &str| {
        let text = std::fs::read_to_string(base.join(v).join("interfaces/events.json")).unwrap();
        AsyncApiDoc::parse("interfaces/events.json", &text).unwrap()
    };
    let changes = diff(&read("v1.0.0"), &read("v2.0.0"));
    let find = |path: &str, t: &str| {
        changes
            .iter()
            .find(|c| c.path == path && c.change_type.as_str() == t)
            .unwrap_or_else(|| panic!("no {t} {path} in {changes:#?}"))
    };
    let c = find("asyncapi.channels[payment.completed]", "removed");
    assert_eq!(c.classification.as_str(), "BREAKING");
    assert_eq!(c.reason, "channel payment.completed removed");
    find("asyncapi.channels[payment.intent.created]", "added");
    let c = find(
        "asyncapi.channels[payment.refunded].publish.message.payload.required[charge_id]",
        "removed",
    );
    assert_eq!(c.classification.as_str(), "BREAKING");
    let again = diff(&read("v1.0.0"), &read("v2.0.0"));
    assert_eq!(
        serde_json::to_string(&changes).unwrap(),
        serde_json::to_string(&again).unwrap()
    );
}
