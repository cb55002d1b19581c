#![allow(clippy::unwrap_used)]
//! Pacto 2.0 through the language server (issue 18): diagnostics equal to `pacto validate`'s,
//! completion and hover by generation, quick fixes, outline, folding, references and rename across
//! capability bindings, the code lens and per-line breaking-change diagnostics against the
//! published version; a 1.x and a 2.0 document open at once each keep their own generation.

mod common;

use common::{file_uri, Client};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/v2")
}

/// `(code, 0-based line, 0-based UTF-16 column, severity)` of published LSP diagnostics.
fn lsp_found(diags: &Value) -> Vec<(String, u64, u64, u64)> {
    diags
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["range"]["start"]["line"].as_u64().unwrap(),
                d["range"]["start"]["character"].as_u64().unwrap(),
                d["severity"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The same, from `pacto validate DIR`'s core call on the bundle at `dir`, offline as the editor
/// validates.
fn core_found(dir: &Path) -> Vec<(String, u64, u64, u64)> {
    let text = std::fs::read_to_string(dir.join("pacto.yaml")).unwrap();
    let options = pacto_core::validate::Options {
        offline: true,
        ..Default::default()
    };
    let v = pacto_core::validate::validate_dir(dir.to_str().unwrap(), None, &options);
    let index = pacto_core::syntax::LineIndex::new(&text);
    v.diagnostics
        .iter()
        .map(|d| {
            let lc = d
                .span
                .map_or(pacto_core::syntax::LineCol { line: 0, col: 0 }, |s| {
                    index.line_col(s.start, pacto_core::syntax::ColumnUnit::Utf16)
                });
            let sev = match d.severity {
                pacto_core::Severity::Error => 1,
                pacto_core::Severity::Warning => 2,
            };
            (
                d.code.to_string(),
                u64::from(lc.line),
                u64::from(lc.col),
                sev,
            )
        })
        .collect()
}

/// The diagnostics the server publishes for the bundle at `dir` on open.
async fn open_and_diagnose(c: &mut Client, dir: &Path) -> Value {
    let path = dir.join("pacto.yaml");
    let uri = file_uri(&path);
    let text = std::fs::read_to_string(&path).unwrap();
    c.open(&uri, &text).await;
    loop {
        let n = c.notification("textDocument/publishDiagnostics").await;
        if n["uri"] == uri.as_str() {
            return n["diagnostics"].clone();
        }
    }
}

#[tokio::test]
async fn v2_fixtures_get_the_diagnostics_pacto_validate_gives() {
    let (mut c, _) = Client::initialized(None).await;
    let valid = fixtures().join("valid/payments-api");
    let diags = open_and_diagnose(&mut c, &valid).await;
    let got = lsp_found(&diags);
    assert_eq!(got, core_found(&valid));
    // Valid: only the warnings an offline check gives (a tag, a policy not fetched).
    assert!(got.iter().all(|d| d.3 == 2), "{got:?}");
    assert!(got.iter().any(|d| d.0 == "TAG_NOT_DIGEST"), "{got:?}");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures().join("invalid"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 30, "{dirs:?}");
    for dir in dirs {
        let diags = open_and_diagnose(&mut c, &dir).await;
        let got = lsp_found(&diags);
        let want = core_found(&dir);
        assert_eq!(got, want, "{}", dir.display());
        assert!(!got.is_empty(), "{}: no diagnostics", dir.display());
        // And the codes and 1-based positions the CLI golden file records.
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        let golden: Vec<(String, u64, u64)> = expected["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_string(),
                    d["line"].as_u64().unwrap_or(1) - 1,
                    d["column"].as_u64().unwrap_or(1) - 1,
                )
            })
            .collect();
        let got3: Vec<(String, u64, u64)> = got.iter().map(|g| (g.0.clone(), g.1, g.2)).collect();
        assert_eq!(got3, golden, "{}", dir.display());
    }
}
