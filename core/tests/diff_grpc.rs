//! Golden gRPC `.proto` diffs (Go Pacto 3.2.8+ rules): every `fixtures/diff/v2/grpc/<case>/`
//! holds `old.proto`, `new.proto` and an `expected.json` listing every change in Go's order with
//! its path, type, classification, reason, values and the line on each side. Adding a case adds
//! no code. `PACTO_BLESS=1 cargo test -p pacto-core --test diff_grpc` rewrites the expectations
//! from the current output; review the diff before committing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

use pacto_core::diff::grpc::{diff, ProtoDoc};
use pacto_core::diff::Change;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/diff/v2/grpc")
}

fn cases() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("old.proto").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn load(dir: &Path) -> (ProtoDoc, ProtoDoc) {
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    (
        ProtoDoc::parse("interfaces/old.proto", &read("old.proto")),
        ProtoDoc::parse("interfaces/new.proto", &read("new.proto")),
    )
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
        let (old, new) = load(dir);
        let got = json!({ "changes": diff(&old, &new).iter().map(summary).collect::<Vec<_>>() });
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
        let (old, new) = load(&dir);
        for c in diff(&old, &new) {
            assert!(c.explanation.as_deref().is_some_and(|e| !e.is_empty()));
            if let Some(s) = &c.old_source {
                assert_eq!(s.file, "interfaces/old.proto");
            }
            if let Some(s) = &c.new_source {
                assert_eq!(s.file, "interfaces/new.proto");
            }
        }
    }
}

/// Byte-identical output across runs (Go 3.2.8 made `pacto diff` deterministic).
#[test]
fn output_is_deterministic() {
    for dir in cases() {
        let runs: Vec<String> = (0..3)
            .map(|_| {
                let (old, new) = load(&dir);
                serde_json::to_string(&diff(&old, &new)).unwrap()
            })
            .collect();
        assert_eq!(runs[0], runs[1], "{}", dir.display());
        assert_eq!(runs[1], runs[2], "{}", dir.display());
    }
}

/// Every row of Go's table for these rules is exercised by some case.
#[test]
fn every_rule_row_is_covered() {
    let mut seen = std::collections::BTreeSet::new();
    for dir in cases() {
        let (old, new) = load(&dir);
        for c in diff(&old, &new) {
            let rule = if c.path.starts_with("grpc.services") {
                "grpc.services"
            } else if c.path.starts_with("grpc.rpcs") {
                "grpc.rpcs"
            } else if c.path.contains(".fields[") {
                "grpc.messages.fields"
            } else {
                "grpc.messages"
            };
            seen.insert(format!(
                "{rule} {} {}",
                c.change_type.as_str(),
                c.classification.as_str()
            ));
        }
    }
    let want = [
        "grpc.messages added NON_BREAKING",
        "grpc.messages removed BREAKING",
        "grpc.messages.fields added NON_BREAKING",
        "grpc.messages.fields modified BREAKING",
        "grpc.messages.fields removed BREAKING",
        "grpc.rpcs added NON_BREAKING",
        "grpc.rpcs modified BREAKING",
        "grpc.rpcs removed BREAKING",
        "grpc.services added NON_BREAKING",
        "grpc.services removed BREAKING",
    ];
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), want);
}

/// A file too large to read is not diffed: no fabricated removals.
#[test]
fn an_oversized_side_gives_no_changes() {
    let base = std::fs::read_to_string(root().join("identical/old.proto")).unwrap();
    let mut big = base.clone();
    big.push_str(&" ".repeat(pacto_core::diff::openapi::MAX_DOCUMENT_BYTES));
    let (old, new) = (
        ProtoDoc::parse("a.proto", &base),
        ProtoDoc::parse("b.proto", &big),
    );
    assert!(new.too_large().is_some());
    assert!(diff(&old, &new).is_empty());
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

/// Go's `TestExtractProto_DemoFixture`: the real proto3 file of the demo's fraud-service.
#[test]
fn the_demo_fraud_proto_scans_as_go_scans_it() {
    let Some(corpus) = corpus() else {
        return;
    };
    let path = corpus.join("pacto-demo/fraud-service/interfaces/fraud.proto");
    let doc = ProtoDoc::parse_bytes("interfaces/fraud.proto", &std::fs::read(path).unwrap());
    assert_eq!(doc.services().collect::<Vec<_>>(), ["FraudService"]);
    assert_eq!(
        doc.rpcs("FraudService"),
        vec![
            (
                "EvaluateTransaction",
                "(EvaluateTransactionRequest) returns (EvaluateTransactionResponse)"
            ),
            (
                "ReportFraud",
                "(ReportFraudRequest) returns (ReportFraudResponse)"
            ),
        ]
    );
    assert_eq!(doc.messages().count(), 4);
    for m in doc.messages() {
        assert!(!doc.fields(m).is_empty(), "{m} has no fields");
    }
    let field = |m: &str, f: &str| {
        doc.fields(m)
            .into_iter()
            .find(|(k, _)| *k == f)
            .map(|(_, v)| v.to_string())
    };
    assert_eq!(
        field("EvaluateTransactionRequest", "metadata").as_deref(),
        Some("map<string, string> = 7")
    );
    assert_eq!(
        field("EvaluateTransactionResponse", "risk_signals").as_deref(),
        Some("repeated string = 4")
    );
    assert_eq!(
        field("ReportFraudResponse", "acknowledged").as_deref(),
        Some("bool = 1")
    );
    assert!(diff(&doc, &doc).is_empty());
}
