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

fn pos(line: u32, character: u32) -> Value {
    json!({"line": line, "character": character})
}

async fn at(c: &mut Client, method: &str, uri: &str, line: u32, character: u32) -> Value {
    c.request(
        method,
        json!({"textDocument": {"uri": uri}, "position": pos(line, character)}),
    )
    .await
}

fn labels(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] != 15) // snippets aside
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

/// A 2.0 document with a blank line at each place completion is asked (lines noted below).
const V2_DOC: &str = "pactoVersion: \"2.0\"
service:
  name: svc
  version: 1.0.0
  owner:
    team: payments
    contacts:
      - type: 
        purpose: 
interfaces:
  - name: rest-api
    type: 
    ref: interfaces/openapi.yaml
  - name: events
    type: asyncapi
    ref: interfaces/events.yaml
capabilities:
  - type: 
    binding:
      type: 
      interface: 
readiness:
  claims:
    - id: 
      status: 
      type: 
      category: 

";

const V1_DOC: &str = "pactoVersion: \"1.0\"
service:
  name: svc
  version: 1.0.0
interfaces:
  - name: api
    type: 
    port: 8080
runtime:
  workload: service
  health:
    interface: 

";

fn enum_of(path: &[&str]) -> Vec<String> {
    let mut node = pacto_core::schema::schema_v2();
    for seg in path {
        node = if *seg == "[]" {
            &node["items"]
        } else {
            &node["properties"][*seg]
        };
    }
    node["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Both documents open in one session (a mixed workspace): each gets its own generation.
async fn mixed() -> (Client, tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    for (sub, text) in [("v2", V2_DOC), ("v1", V1_DOC)] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join("pacto.yaml"), text).unwrap();
    }
    let (v2, v1) = (
        file_uri(&dir.path().join("v2/pacto.yaml")),
        file_uri(&dir.path().join("v1/pacto.yaml")),
    );
    let (mut c, _) = Client::initialized(None).await;
    c.open(&v2, V2_DOC).await;
    c.open(&v1, V1_DOC).await;
    (c, dir, v2, v1)
}

#[tokio::test]
async fn completion_in_a_v2_document_comes_from_the_v2_schema() {
    let (mut c, _dir, v2, v1) = mixed().await;
    // Top level, on the last (blank) line: 2.0's sections, never 1.x's.
    let top = labels(&at(&mut c, "textDocument/completion", &v2, 28, 0).await);
    for key in [
        "workload",
        "state",
        "configurations",
        "policies",
        "extensions",
        "dependencies",
        "metadata",
    ] {
        assert!(top.contains(&key.to_string()), "{key} missing: {top:?}");
    }
    for key in [
        "runtime",
        "scaling",
        "configuration",
        "policy",
        "capabilities",
    ] {
        assert!(!top.contains(&key.to_string()), "{key} offered: {top:?}");
    }
    // Enums, each from the 2.0 schema.
    let cases: [(u32, u32, &[&str]); 9] = [
        (7, 14, &["service", "owner", "contacts", "[]", "type"]),
        (8, 17, &["service", "owner", "contacts", "[]", "purpose"]),
        (11, 10, &["interfaces", "[]", "type"]),
        (17, 10, &["capabilities", "[]", "type"]),
        (19, 12, &["capabilities", "[]", "binding", "type"]),
        (24, 14, &["readiness", "claims", "[]", "status"]),
        (25, 12, &["readiness", "claims", "[]", "type"]),
        (26, 16, &["readiness", "claims", "[]", "category"]),
        (11, 10, &["interfaces", "[]", "type"]),
    ];
    for (line, ch, path) in cases {
        let got = labels(&at(&mut c, "textDocument/completion", &v2, line, ch).await);
        assert_eq!(got, enum_of(path), "line {line}");
    }
    let types = labels(&at(&mut c, "textDocument/completion", &v2, 11, 10).await);
    assert_eq!(types, ["openapi", "asyncapi", "grpc"]);
    // A binding's interface: the declared interface names.
    let names = labels(&at(&mut c, "textDocument/completion", &v2, 20, 17).await);
    assert_eq!(names, ["rest-api", "events"]);
    // A claim id: nothing invented.
    let ids = at(&mut c, "textDocument/completion", &v2, 23, 12).await;
    assert_eq!(labels(&ids), Vec::<String>::new());
    // Keys of a capability item come from 2.0 (binding, ref), with their 2.0 docs.
    let keys = at(&mut c, "textDocument/completion", &v2, 18, 4).await;
    let binding = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "ref")
        .expect("ref offered in a capability");
    let doc = pacto_core::schema::schema_v2()["properties"]["capabilities"]["items"]["properties"]
        ["ref"]["description"]
        .as_str()
        .unwrap();
    assert_eq!(binding["documentation"]["value"], doc);
    // The 1.x document open beside it keeps 1.x's completion.
    let v1_types = labels(&at(&mut c, "textDocument/completion", &v1, 6, 10).await);
    assert!(v1_types.contains(&"http".to_string()), "{v1_types:?}");
    assert!(!v1_types.contains(&"openapi".to_string()), "{v1_types:?}");
    let v1_names = labels(&at(&mut c, "textDocument/completion", &v1, 11, 15).await);
    assert_eq!(v1_names, ["api"]);
    let v1_top = labels(&at(&mut c, "textDocument/completion", &v1, 12, 0).await);
    assert!(v1_top.contains(&"scaling".to_string()), "{v1_top:?}");
    assert!(!v1_top.contains(&"capabilities".to_string()), "{v1_top:?}");
}

#[tokio::test]
async fn v2_snippets_are_2_0_sections() {
    let (mut c, _dir, v2, v1) = mixed().await;
    let items = at(&mut c, "textDocument/completion", &v2, 28, 0).await;
    let snippets: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == 15)
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    // Interfaces and capabilities exist already: the absent 2.0 sections.
    assert_eq!(snippets, ["stateful state", "dependency"]);
    for i in items.as_array().unwrap().iter().filter(|i| i["kind"] == 15) {
        let text = i["textEdit"]["newText"].as_str().unwrap();
        assert!(
            !text.contains("runtime") && !text.contains("port"),
            "{text}"
        );
    }
    let v1_items = at(&mut c, "textDocument/completion", &v1, 12, 0).await;
    let dep = |items: &Value| {
        items
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["label"] == "dependency")
            .unwrap()["textEdit"]["newText"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // 1.x dependencies have no name; 2.0's do.
    assert!(
        dep(&v1_items).starts_with("dependencies:\n  - ref: "),
        "{}",
        dep(&v1_items)
    );
    assert!(
        dep(&items).starts_with("dependencies:\n  - name: "),
        "{}",
        dep(&items)
    );
}

#[tokio::test]
async fn hover_reads_the_schema_of_the_document_generation() {
    let (mut c, _dir, v2, v1) = mixed().await;
    // `type` of an interface: 2.0's description, not 1.x's.
    let h = at(&mut c, "textDocument/hover", &v2, 11, 5).await;
    let want = pacto_core::schema::schema_v2()["properties"]["interfaces"]["items"]["properties"]
        ["type"]["description"]
        .as_str()
        .unwrap();
    assert_eq!(
        h["contents"]["value"],
        format!("**`interfaces.type`**\n\n{want}")
    );
    // `capabilities`: documented in 2.0 only.
    let h = at(&mut c, "textDocument/hover", &v2, 16, 3).await;
    assert!(h["contents"]["value"]
        .as_str()
        .unwrap()
        .starts_with("**`capabilities`**"));
    let h = at(&mut c, "textDocument/hover", &v1, 6, 5).await;
    let want_v1 = pacto_core::schema::description(&["interfaces", "0", "type"]).unwrap();
    assert_eq!(
        h["contents"]["value"],
        format!("**`interfaces.type`**\n\n{want_v1}")
    );
    assert_ne!(want, want_v1);
}

// ---------------------------------------------------------------------------------------------
// Quick fixes for the 2.0 codes

/// A copy of fixture bundle `name` (its files too), with `pacto.yaml` = `text` when given.
fn copy_fixture(name: &str, text: Option<&str>) -> (tempfile::TempDir, PathBuf, String) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            let target = to.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                copy(&e.path(), &target);
            } else {
                std::fs::copy(e.path(), &target).unwrap();
            }
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    copy(&fixtures().join(name), &dir);
    if let Some(t) = text {
        std::fs::write(dir.join("pacto.yaml"), t).unwrap();
    }
    let text = std::fs::read_to_string(dir.join("pacto.yaml")).unwrap();
    (tmp, dir, text)
}

fn codes(text: &str, dir: &Path) -> Vec<&'static str> {
    let bundle = pacto_core::bundle::DirBundle::new(dir.to_path_buf());
    let resolver = pacto_core::validate::LocalResolver::new(dir.to_path_buf());
    let options = pacto_core::validate::Options {
        offline: true,
        ..Default::default()
    };
    pacto_core::validate::validate(text, Some(&bundle), &resolver, &options)
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code)
        .collect()
}

/// Apply LSP text edits (UTF-16 positions) to `text`.
fn apply(text: &str, edits: &Value) -> String {
    use pacto_core::syntax::{ColumnUnit, LineCol, LineIndex};
    let index = LineIndex::new(text);
    let off = |p: &Value| {
        index.offset(
            LineCol {
                line: p["line"].as_u64().unwrap() as u32,
                col: p["character"].as_u64().unwrap() as u32,
            },
            ColumnUnit::Utf16,
        ) as usize
    };
    let mut edits: Vec<(usize, usize, String)> = edits
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                off(&e["range"]["start"]),
                off(&e["range"]["end"]),
                e["newText"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (s, e, t) in edits {
        out.replace_range(s..e, &t);
    }
    out
}

/// The quick fixes offered for the one error `code` of the bundle at `dir`.
async fn quick_fixes(dir: &Path, text: &str, code: &str, capabilities: Value) -> (String, Value) {
    let uri = file_uri(&dir.join("pacto.yaml"));
    let (mut c, _) = Client::initialized_with(capabilities, None).await;
    c.open(&uri, text).await;
    let p = c.notification("textDocument/publishDiagnostics").await;
    let errors: Vec<Value> = p["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == 1)
        .cloned()
        .collect();
    assert_eq!(errors.len(), 1, "{p}");
    let d = errors[0].clone();
    assert_eq!(d["code"], code, "{p}");
    let actions = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": d["range"],
                   "context": {"diagnostics": [d], "only": ["quickfix"]}}),
        )
        .await;
    (uri, actions)
}

/// Titles of `actions`, and each applied edit's text.
fn applied(uri: &str, text: &str, actions: &Value) -> Vec<(String, bool, String)> {
    actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let edits = &a["edit"]["changes"][uri];
            (
                a["title"].as_str().unwrap().to_string(),
                a["isPreferred"] == true,
                apply(text, edits),
            )
        })
        .collect()
}

#[tokio::test]
async fn quick_fix_binding_interface_did_you_mean() {
    let (_t, dir, text) = copy_fixture("invalid/capability-interface-unknown", None);
    let (uri, actions) = quick_fixes(&dir, &text, "CAPABILITY_INTERFACE_UNKNOWN", json!({})).await;
    let got = applied(&uri, &text, &actions);
    assert_eq!(got.len(), 1, "{actions}");
    assert_eq!(got[0].0, "Replace `apy` with `api`");
    assert!(got[0].1, "preferred");
    assert_eq!(codes(&got[0].2, &dir), Vec::<&str>::new(), "{}", got[0].2);
    // Nothing close: one fix per declared interface.
    let far = text.replace("interface: apy", "interface: zzzzzzzz");
    let (uri, actions) = quick_fixes(&dir, &far, "CAPABILITY_INTERFACE_UNKNOWN", json!({})).await;
    let got = applied(&uri, &far, &actions);
    assert_eq!(
        got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
        ["Use interface `api`"]
    );
    assert_eq!(codes(&got[0].2, &dir), Vec::<&str>::new());
}

#[tokio::test]
async fn quick_fix_capability_path_keeps_the_path_alone() {
    let (_t, dir, text) = copy_fixture("invalid/capability-interface-unknown", None);
    for (bad, want) in [
        ("healthz", "/healthz"),
        ("http://localhost:8080/health", "/health"),
    ] {
        let t = text
            .replace("interface: apy", "interface: api")
            .replace("path: /health", &format!("path: {bad}"));
        let (uri, actions) = quick_fixes(&dir, &t, "CAPABILITY_PATH_INVALID", json!({})).await;
        let got = applied(&uri, &t, &actions);
        assert_eq!(got.len(), 1, "{actions}");
        assert_eq!(got[0].0, format!("Use the path `{want}`"));
        assert!(
            got[0].2.contains(&format!("path: {want}\n")),
            "{}",
            got[0].2
        );
        assert_eq!(codes(&got[0].2, &dir), Vec::<&str>::new(), "{}", got[0].2);
    }
}

#[tokio::test]
async fn quick_fix_stateless_persistent_in_v2_state() {
    let (_t, dir, text) = copy_fixture("invalid/stateless-persistent", None);
    let (uri, actions) = quick_fixes(&dir, &text, "STATELESS_PERSISTENT_CONFLICT", json!({})).await;
    let got = applied(&uri, &text, &actions);
    assert_eq!(
        got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
        [
            "Use `durability: ephemeral`",
            "Make the service stateful (`type: stateful`)"
        ]
    );
    for g in &got {
        assert_eq!(codes(&g.2, &dir), Vec::<&str>::new(), "{}", g.2);
    }
}

#[tokio::test]
async fn quick_fix_creates_a_missing_interface_spec() {
    let caps = json!({"workspace": {"workspaceEdit": {"documentChanges": true, "resourceOperations": ["create"]}}});
    for (kind, file, starts) in [
        ("openapi", "interfaces/openapi.yaml", "openapi: "),
        ("asyncapi", "interfaces/events.yaml", "asyncapi: "),
        ("grpc", "interfaces/api.proto", "syntax = \"proto3\";"),
    ] {
        let (_t, dir, text) = copy_fixture("invalid/interface-ref-not-found", None);
        let text = text
            .replace("type: openapi", &format!("type: {kind}"))
            .replace("interfaces/openapi.yaml", file);
        let (_uri, actions) = quick_fixes(&dir, &text, "FILE_NOT_FOUND", caps.clone()).await;
        assert_eq!(actions.as_array().map(Vec::len), Some(1), "{actions}");
        let ops = &actions[0]["edit"]["documentChanges"];
        assert_eq!(ops[0]["uri"], file_uri(&dir.join(file)));
        let body = apply("", &ops[1]["edits"]);
        assert!(body.starts_with(starts), "{body}");
        std::fs::create_dir_all(dir.join("interfaces")).unwrap();
        std::fs::write(dir.join(file), &body).unwrap();
        assert_eq!(codes(&text, &dir), Vec::<&str>::new(), "{kind}: {body}");
    }
}

#[tokio::test]
async fn duplicates_get_no_quick_fix_and_unknown_keys_the_did_you_mean() {
    let (_t, dir, text) = copy_fixture("invalid/duplicate-interface-name", None);
    let (_uri, actions) = quick_fixes(&dir, &text, "DUPLICATE_INTERFACE_NAME", json!({})).await;
    assert_eq!(actions, json!([]));
    // An unknown 2.0 key: the schema layer's suggestion.
    let (_t, dir, text) = copy_fixture("valid/minimal", None);
    let typo = format!("{text}workloud: service\n");
    let (uri, actions) = quick_fixes(&dir, &typo, "UNKNOWN_FIELD", json!({})).await;
    let got = applied(&uri, &typo, &actions);
    assert_eq!(got.len(), 1, "{actions}");
    assert_eq!(got[0].2, format!("{text}workload: service\n"));
}

// ---------------------------------------------------------------------------------------------
// Outline, folding, references and rename

/// payments-api, opened from a copy of its bundle.
async fn payments() -> (Client, tempfile::TempDir, PathBuf, String, String) {
    let (t, dir, text) = copy_fixture("valid/payments-api", None);
    let uri = file_uri(&dir.join("pacto.yaml"));
    let (mut c, _) = Client::initialized(None).await;
    c.open(&uri, &text).await;
    (c, t, dir, uri, text)
}

fn line_of(text: &str, needle: &str, nth: usize) -> u32 {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .nth(nth)
        .unwrap_or_else(|| panic!("{needle}"))
        .0 as u32
}

fn range(l0: u32, c0: u32, l1: u32, c1: u32) -> Value {
    json!({"start": {"line": l0, "character": c0}, "end": {"line": l1, "character": c1}})
}

#[tokio::test]
async fn outline_and_folding_cover_the_v2_sections() {
    let (mut c, _t, _dir, uri, text) = payments().await;
    let symbols = c
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let top: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        top,
        [
            "pactoVersion",
            "service",
            "interfaces",
            "configurations",
            "policies",
            "dependencies",
            "workload",
            "state",
            "capabilities",
            "readiness",
            "metadata",
            "extensions"
        ]
    );
    let children = |name: &str, sub: Option<&str>| -> Vec<String> {
        let mut node = symbols
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap();
        if let Some(sub) = sub {
            node = node["children"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["name"] == sub)
                .unwrap();
        }
        node["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_string())
            .collect()
    };
    // Items without a name are named by what they are.
    assert_eq!(
        children("capabilities", None),
        ["health", "metrics", "extension example.com/tracing"]
    );
    assert_eq!(
        children("readiness", Some("claims")),
        ["dashboard", "runbook", "legacy-cleanup"]
    );
    assert_eq!(
        children("interfaces", None),
        ["rest-api", "grpc-api", "order-events"]
    );
    // Folding: each 2.0 section folds from its key's line.
    let folds = c
        .request(
            "textDocument/foldingRange",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let starts: Vec<u64> = folds
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["startLine"].as_u64().unwrap())
        .collect();
    for section in [
        "state:",
        "capabilities:",
        "readiness:",
        "extensions:",
        "  claims:",
    ] {
        let l = u64::from(line_of(&text, section, 0));
        assert!(starts.contains(&l), "{section} at {l}: {folds}");
    }
}

#[tokio::test]
async fn references_and_rename_follow_capability_bindings() {
    let (mut c, _t, _dir, uri, text) = payments().await;
    let decl = line_of(&text, "- name: rest-api", 0);
    let uses = [
        line_of(&text, "interface: rest-api", 0),
        line_of(&text, "interface: rest-api", 1),
    ];
    let all = json!([
        {"uri": uri, "range": range(decl, 10, decl, 18)},
        {"uri": uri, "range": range(uses[0], 17, uses[0], 25)},
        {"uri": uri, "range": range(uses[1], 17, uses[1], 25)}
    ]);
    for (l, ch) in [(decl, 12), (uses[0], 20), (uses[1], 17)] {
        let got = c
            .request(
                "textDocument/references",
                json!({"textDocument": {"uri": uri}, "position": pos(l, ch),
                       "context": {"includeDeclaration": true}}),
            )
            .await;
        assert_eq!(got, all, "from line {l}");
    }
    // Definition from a binding: the interface's name.
    let def = at(&mut c, "textDocument/definition", &uri, uses[1], 20).await;
    let def = if def.is_array() { def[0].clone() } else { def };
    assert_eq!(def["range"], range(decl, 10, decl, 18));
    // Rename from a binding renames the declaration and both bindings.
    let edit = c
        .request(
            "textDocument/rename",
            json!({"textDocument": {"uri": uri}, "position": pos(uses[0], 20), "newName": "http-api"}),
        )
        .await;
    let renamed = apply(&text, &edit["changes"][uri.as_str()]);
    assert_eq!(renamed, text.replace("rest-api", "http-api"));
    // An interface's `ref` is a bundle file: definition opens it.
    let l = line_of(&text, "ref: interfaces/openapi.yaml", 0);
    let def = at(&mut c, "textDocument/definition", &uri, l, 12).await;
    let def = if def.is_array() { def[0].clone() } else { def };
    assert!(
        def["uri"]
            .as_str()
            .unwrap()
            .ends_with("payments-api/interfaces/openapi.yaml"),
        "{def}"
    );
}

// ---------------------------------------------------------------------------------------------
// Against the published version (the loopback registry `scripts/test-infra` starts)

fn registry_or_skip(test: &str) -> Option<String> {
    match std::env::var("PACTO_TEST_REGISTRY") {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            if std::env::var_os("CI").is_some() {
                panic!("PACTO_TEST_REGISTRY is not set: run `eval \"$(scripts/test-infra start)\"` first");
            }
            eprintln!("skipping {test}: PACTO_TEST_REGISTRY is not set");
            None
        }
    }
}

/// Publish `text` (a bundle of that `pacto.yaml` alone) as `oci://{registry}/{repo}:{version}`.
fn publish(registry: &str, repo: &str, text: &str, version: &str, pacto_version: &str) {
    publish_with(registry, repo, text, &[], version, pacto_version);
}

/// [`publish`] with more files in the bundle (`(path, content)`).
fn publish_with(
    registry: &str,
    repo: &str,
    text: &str,
    files: &[(&str, &str)],
    version: &str,
    pacto_version: &str,
) {
    use pacto_core::registry::{BundleMeta, Registry, RegistryOptions};
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pacto.yaml"), text).unwrap();
    for (f, content) in files {
        let p = dir.path().join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    let cache = tempfile::tempdir().unwrap();
    let r = Registry::from_env(RegistryOptions {
        no_cache: true,
        cache_dir: Some(cache.path().to_path_buf()),
        ..Default::default()
    });
    let packed = pacto_core::bundle::archive::pack_dir(dir.path()).unwrap();
    let meta = BundleMeta {
        name: "svc".to_string(),
        version: version.to_string(),
        pacto_version: pacto_version.to_string(),
    };
    r.push(
        &format!("oci://{registry}/{repo}:{version}"),
        &packed,
        &meta,
        false,
    )
    .unwrap();
}

fn unique(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("lsp-v2/{test}-{}-{nanos}", std::process::id())
}

const PUBLISHED_V2: &str = "pactoVersion: \"2.0\"
service:
  name: svc
  version: 1.0.0
  owner:
    team: payments
dependencies:
  - name: auth
    ref: oci://example.com/acme/auth-pacto:1.0.0
    required: false
    compatibility: \"^1.0.0\"
workload: service
state:
  type: stateless
  persistence:
    scope: local
    durability: ephemeral
  dataCriticality: low
";

/// The 1.x contract published before the 2.0 one in the mixed case.
const PUBLISHED_V1: &str = "pactoVersion: \"1.0\"
service:
  name: svc
  version: 1.0.0
  owner: team/payments
interfaces:
  - name: api
    type: http
    port: 8080
runtime:
  workload: service
  state:
    type: stateless
    persistence:
      scope: local
      durability: ephemeral
    dataCriticality: low
";

async fn poll(c: &mut Client, method: &str, params: Value, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let r = c.request(method, params.clone()).await;
        if done(&r) || std::time::Instant::now() > deadline {
            return r;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The next diagnostics published for `uri` that satisfy `done` (within 15 s).
async fn diagnostics_until(c: &mut Client, uri: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        assert!(std::time::Instant::now() < deadline, "no such diagnostics");
        let n = c.notification("textDocument/publishDiagnostics").await;
        if n["uri"] == uri && done(&n["diagnostics"]) {
            return n["diagnostics"].clone();
        }
    }
}

fn from_diff(diags: &Value) -> Vec<Value> {
    diags
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["source"] == "pacto diff")
        .cloned()
        .collect()
}

#[tokio::test]
async fn v2_lens_and_breaking_changes_on_their_lines() {
    let Some(registry) = registry_or_skip("v2_lens") else {
        return;
    };
    let repo = unique("svc");
    publish(&registry, &repo, PUBLISHED_V2, "1.0.0", "2.0");
    // The buffer: 1.1.0, a job now, its dependency required, state stateful.
    let text = PUBLISHED_V2
        .replace("version: 1.0.0", "version: 1.1.0")
        .replace("workload: service", "workload: job")
        .replace("required: false", "required: true");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pacto.yaml");
    std::fs::write(&path, &text).unwrap();
    let uri = file_uri(&path);
    let cache = tempfile::tempdir().unwrap();
    let options = json!({"pacto": {"repository": format!("oci://{registry}/{repo}"),
        "plainHttp": true, "registryTimeoutMs": 5000, "cacheDir": cache.path()}});
    let (mut c, _) = Client::initialized_with(json!({}), Some(options)).await;
    c.open(&uri, &text).await;
    // The lens compares 2.0 with 2.0.
    let params = json!({"textDocument": {"uri": uri}});
    let lenses = poll(&mut c, "textDocument/codeLens", params.clone(), |r| {
        r.as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    let title = lenses[0]["command"]["title"].as_str().unwrap().to_string();
    assert!(title.starts_with("vs published 1.0.0: "), "{title}");
    assert!(!title.contains("cannot compare"), "{title}");
    assert!(
        !title.starts_with("vs published 1.0.0: 0 breaking · 0"),
        "{title}"
    );
    // The changes come as diagnostics on their lines once the published version is known,
    // next to the validation diagnostics (none here but kept).
    let diags = diagnostics_until(&mut c, &uri, |d| !from_diff(d).is_empty()).await;
    let found = from_diff(&diags);
    let r = c
        .request(
            "workspace/executeCommand",
            json!({"command": "pacto.showDiff", "arguments": [uri, {"show": false}]}),
        )
        .await;
    let changes: Vec<&Value> = r["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["classification"] != "NON_BREAKING")
        .collect();
    assert_eq!(found.len(), changes.len(), "{found:?} vs {changes:?}");
    let workload = line_of(&text, "workload: job", 0);
    let d = found
        .iter()
        .find(|d| d["code"] == "workload")
        .unwrap_or_else(|| panic!("{found:?}"));
    assert_eq!(d["range"]["start"]["line"], workload);
    let class = changes.iter().find(|c| c["path"] == "workload").unwrap()["classification"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        d["severity"],
        if class == "BREAKING" { 3 } else { 4 },
        "{d}"
    );
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{class}: ")),
        "{d}"
    );
    assert!(
        d["message"].as_str().unwrap().ends_with("(was service)"),
        "{d}"
    );
    // Typing refreshes them: back to a service, the workload change is gone; a validation
    // error typed at the same time is published beside the rest.
    let edited = text
        .replace("workload: job", "workload: service")
        .replace("dataCriticality: low", "dataCriticality: lowest");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": edited}]}),
    )
    .await;
    let diags = diagnostics_until(&mut c, &uri, |d| {
        d.as_array().unwrap().iter().any(|x| x["source"] == "pacto")
    })
    .await;
    assert!(
        !from_diff(&diags).iter().any(|d| d["code"] == "workload"),
        "{diags}"
    );
    // The other changes stay, and the new value typed is compared too.
    assert!(
        from_diff(&diags)
            .iter()
            .any(|d| d["code"] == "dependencies.required"),
        "{diags}"
    );
    let criticality = line_of(&edited, "dataCriticality: lowest", 0);
    assert!(
        from_diff(&diags)
            .iter()
            .any(|d| d["code"] == "state.dataCriticality"
                && d["range"]["start"]["line"] == criticality
                && d["message"].as_str().unwrap().ends_with("(was low)")),
        "{diags}"
    );
    // Turned off by the setting: the validation diagnostics alone.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"pacto": {"diffDiagnostics": false}}}),
    )
    .await;
    let diags = diagnostics_until(&mut c, &uri, |d| from_diff(d).is_empty()).await;
    assert!(diags
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["source"] == "pacto"));
}

#[tokio::test]
async fn a_v1_buffer_against_a_published_v1_gets_its_breaking_changes_too() {
    let Some(registry) = registry_or_skip("v1_lens") else {
        return;
    };
    let repo = unique("svc1");
    publish(&registry, &repo, PUBLISHED_V1, "1.0.0", "1.0");
    let text = PUBLISHED_V1
        .replace("version: 1.0.0", "version: 1.1.0")
        .replace("port: 8080", "port: 9090");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pacto.yaml");
    std::fs::write(&path, &text).unwrap();
    let uri = file_uri(&path);
    let cache = tempfile::tempdir().unwrap();
    let options = json!({"pacto": {"repository": format!("oci://{registry}/{repo}"),
        "plainHttp": true, "registryTimeoutMs": 5000, "cacheDir": cache.path()}});
    let (mut c, _) = Client::initialized_with(json!({}), Some(options)).await;
    c.open(&uri, &text).await;
    let diags = diagnostics_until(&mut c, &uri, |d| !from_diff(d).is_empty()).await;
    let found = from_diff(&diags);
    let port = found
        .iter()
        .find(|d| d["code"] == "interfaces.port")
        .unwrap_or_else(|| panic!("{found:?}"));
    assert_eq!(
        port["range"]["start"]["line"],
        line_of(&text, "port: 9090", 0)
    );
    assert_eq!(port["severity"], 3);
    assert_eq!(port["source"], "pacto diff");
    assert!(
        port["message"].as_str().unwrap().starts_with("BREAKING: ")
            && port["message"].as_str().unwrap().ends_with("(was 8080)"),
        "{port}"
    );
    // A registry setting changes: the published version is fetched again, and meanwhile the
    // last one known stands in, so the changes never blink off.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"pacto": {"registryTimeoutMs": 4000}}}),
    )
    .await;
    let n = loop {
        let n = c.notification("textDocument/publishDiagnostics").await;
        if n["uri"] == uri.as_str() {
            break n;
        }
    };
    assert_eq!(from_diff(&n["diagnostics"]).len(), found.len(), "{n}");
}

#[tokio::test]
async fn no_repository_no_diff_diagnostics() {
    let (mut c, _dir, v2, _v1) = mixed().await;
    let n = c.notification("textDocument/publishDiagnostics").await;
    assert!(from_diff(&n["diagnostics"]).is_empty());
    let lenses = c
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": v2}}),
        )
        .await;
    assert_eq!(lenses, json!([]));
}

#[tokio::test]
async fn a_breaking_change_in_an_interface_spec_shows_on_that_interface() {
    let Some(registry) = registry_or_skip("v2_spec_change") else {
        return;
    };
    let repo = unique("spec");
    let contract = "pactoVersion: \"2.0\"
service:
  name: svc
  version: 1.0.0
interfaces:
  - name: other-api
    type: openapi
    ref: interfaces/other.yaml
  - name: rest-api
    type: openapi
    ref: interfaces/openapi.yaml
";
    let spec = |paths: &str| {
        format!("openapi: 3.0.3\ninfo:\n  title: svc\n  version: 1.0.0\npaths:\n{paths}")
    };
    let op = |p: &str| {
        format!("  {p}:\n    get:\n      responses:\n        \"200\":\n          description: ok\n")
    };
    let both = spec(&format!("{}{}", op("/a"), op("/b")));
    let other = spec(&op("/x"));
    publish_with(
        &registry,
        &repo,
        contract,
        &[
            ("interfaces/openapi.yaml", &both),
            ("interfaces/other.yaml", &other),
        ],
        "1.0.0",
        "2.0",
    );
    let dir = tempfile::tempdir().unwrap();
    let text = contract.replace("version: 1.0.0", "version: 1.1.0");
    std::fs::write(dir.path().join("pacto.yaml"), &text).unwrap();
    std::fs::create_dir_all(dir.path().join("interfaces")).unwrap();
    // `/b` is gone from rest-api's spec.
    std::fs::write(dir.path().join("interfaces/openapi.yaml"), spec(&op("/a"))).unwrap();
    std::fs::write(dir.path().join("interfaces/other.yaml"), &other).unwrap();
    let uri = file_uri(&dir.path().join("pacto.yaml"));
    let cache = tempfile::tempdir().unwrap();
    let options = json!({"pacto": {"repository": format!("oci://{registry}/{repo}"),
        "plainHttp": true, "registryTimeoutMs": 5000, "cacheDir": cache.path()}});
    let (mut c, _) = Client::initialized_with(json!({}), Some(options)).await;
    c.open(&uri, &text).await;
    let diags = diagnostics_until(&mut c, &uri, |d| !from_diff(d).is_empty()).await;
    let found = from_diff(&diags);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["severity"], 3, "{found:?}");
    assert_eq!(
        found[0]["range"]["start"]["line"],
        line_of(&text, "- name: rest-api", 0),
        "{found:?}"
    );
}
