#![allow(clippy::unwrap_used)]
//! Protocol-level tests of the local features: robustness, folding, navigation, rename, code
//! actions, file-path and snippet completion, settings and watched files.

mod common;

use common::{file_uri, Client};
use pacto_core::syntax::{ColumnUnit, LineCol, LineIndex};
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};

fn range(l0: u32, c0: u32, l1: u32, c1: u32) -> Value {
    json!({"start": {"line": l0, "character": c0}, "end": {"line": l1, "character": c1}})
}

fn pos(line: u32, character: u32) -> Value {
    json!({"line": line, "character": character})
}

/// A bundle directory with `pacto.yaml` = `text` and the given extra files.
fn bundle(text: &str, files: &[&str]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pacto.yaml"), text).unwrap();
    for f in files {
        let p = dir.path().join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, "x").unwrap();
    }
    let uri = file_uri(&dir.path().join("pacto.yaml"));
    (dir, uri)
}

async fn at(c: &mut Client, method: &str, uri: &str, line: u32, character: u32) -> Value {
    c.request(
        method,
        json!({"textDocument": {"uri": uri}, "position": pos(line, character)}),
    )
    .await
}

/// Apply LSP text edits (UTF-16 positions) to `text`.
fn apply(text: &str, edits: &Value) -> String {
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
        .map(|d| d.code)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Capabilities, panics, robustness

#[tokio::test]
async fn initialize_advertises_every_capability() {
    let (_c, res) = Client::initialized(None).await;
    assert_eq!(
        res["capabilities"],
        json!({
            "positionEncoding": "utf-16",
            "textDocumentSync": {"openClose": true, "change": 2},
            "hoverProvider": true,
            "completionProvider": {"triggerCharacters": [":", " ", "/"]},
            "documentSymbolProvider": true,
            "foldingRangeProvider": true,
            "definitionProvider": true,
            "referencesProvider": true,
            "renameProvider": {"prepareProvider": true},
            "codeActionProvider": {"codeActionKinds": ["quickfix", "refactor.rewrite"]},
            "inlayHintProvider": true,
            "codeLensProvider": {"resolveProvider": false},
            "executeCommandProvider": {"commands": ["pacto.showDiff", "pacto.migrateReport"]}
        })
    );
}

#[tokio::test]
async fn a_panicking_handler_answers_an_internal_error_and_the_server_lives_on() {
    if !cfg!(debug_assertions) {
        eprintln!("skipped: pacto/debug/panic exists in debug builds only");
        return;
    }
    let (_dir, uri) = bundle(NAV, &[]);
    let (mut c, _) = Client::initialized(None).await;
    c.open(&uri, NAV).await;
    let r = c.request_raw("pacto/debug/panic", json!(null)).await;
    assert_eq!(r["error"]["code"], -32603, "{r}");
    assert!(r.get("result").is_none());
    // Still serving.
    let h = at(&mut c, "textDocument/hover", &uri, 14, 4).await;
    assert_eq!(h["range"], range(14, 2, 14, 10));
}

/// Every position-taking request, with its params at `p`.
fn position_requests(uri: &str, p: Value) -> Vec<(&'static str, Value)> {
    let td = json!({"uri": uri});
    vec![
        (
            "textDocument/hover",
            json!({"textDocument": td, "position": p}),
        ),
        (
            "textDocument/completion",
            json!({"textDocument": td, "position": p}),
        ),
        (
            "textDocument/definition",
            json!({"textDocument": td, "position": p}),
        ),
        (
            "textDocument/references",
            json!({"textDocument": td, "position": p, "context": {"includeDeclaration": true}}),
        ),
        (
            "textDocument/prepareRename",
            json!({"textDocument": td, "position": p}),
        ),
        (
            "textDocument/rename",
            json!({"textDocument": td, "position": p, "newName": "x"}),
        ),
        (
            "textDocument/codeAction",
            json!({"textDocument": td, "range": {"start": p, "end": p},
                   "context": {"diagnostics": [{"range": {"start": p, "end": p},
                       "message": "did you mean \"x\"?", "code": "UNKNOWN_FIELD", "source": "pacto"}]}}),
        ),
    ]
}

fn document_requests(uri: &str) -> Vec<(&'static str, Value)> {
    let td = json!({"textDocument": {"uri": uri}});
    vec![
        ("textDocument/documentSymbol", td.clone()),
        ("textDocument/foldingRange", td),
    ]
}

#[tokio::test]
async fn requests_on_unknown_documents_answer_null() {
    let (mut c, _) = Client::initialized(None).await;
    let uri = "file:///nowhere/pacto.yaml";
    let mut all = position_requests(uri, pos(0, 0));
    all.extend(document_requests(uri));
    for (method, params) in all {
        let r = c.request_raw(method, params).await;
        assert_eq!(r["result"], Value::Null, "{method}: {r}");
        assert!(r.get("error").is_none(), "{method}: {r}");
    }
    // didChange before didOpen is ignored; the document then opens normally.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2},
               "contentChanges": [{"range": range(0, 0, 0, 0), "text": "x"}]}),
    )
    .await;
    c.open(uri, NAV).await;
    let h = at(&mut c, "textDocument/hover", uri, 14, 4).await;
    assert_eq!(h["range"], range(14, 2, 14, 10));
    // Closed again: null again.
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    )
    .await;
    for (method, params) in document_requests(uri) {
        let r = c.request_raw(method, params).await;
        assert_eq!(r["result"], Value::Null, "{method}: {r}");
    }
    assert_eq!(
        at(&mut c, "textDocument/hover", uri, 14, 4).await,
        Value::Null
    );
}

#[tokio::test]
async fn out_of_range_and_mid_character_positions_never_error() {
    let text = "pactoVersion: \"1.0\"\nservice:\n  name: \u{1F600}svc\n  version: 1.0.0\n";
    for enc in ["utf-16", "utf-8"] {
        let (_dir, uri) = bundle(text, &[]);
        let (mut c, _) = Client::initialized(Some(&[enc])).await;
        c.open(&uri, text).await;
        // Past the end, past a line's end, and inside the emoji in both encodings
        // (UTF-16 column 9 is between its surrogates; UTF-8 columns 9..11 are inside its bytes).
        let positions = [
            pos(9999, 9999),
            pos(0, 9999),
            pos(2, 9),
            pos(2, 10),
            pos(2, 11),
            pos(u32::MAX, u32::MAX),
        ];
        for p in positions {
            for (method, params) in position_requests(&uri, p.clone()) {
                let r = c.request_raw(method, params).await;
                assert!(r.get("error").is_none(), "{enc} {method} at {p}: {r}");
            }
        }
        for (method, params) in document_requests(&uri) {
            let r = c.request_raw(method, params).await;
            assert!(r.get("error").is_none(), "{enc} {method}: {r}");
        }
        // Hovering inside the emoji still finds the `name` value.
        let h = at(&mut c, "textDocument/hover", &uri, 2, 9).await;
        assert!(
            h["contents"]["value"]
                .as_str()
                .unwrap()
                .contains("service.name"),
            "{h}"
        );
    }
}

#[tokio::test]
async fn a_five_megabyte_document_still_answers() {
    let mut text = String::from(
        "pactoVersion: \"1.0\"\nservice:\n  name: big\n  version: 1.0.0\ninterfaces:\n",
    );
    let mut i = 0;
    while text.len() < 5 * 1024 * 1024 {
        text.push_str(&format!(
            "  - name: interface-number-{i}\n    type: http\n    port: 8080\n    visibility: internal\n"
        ));
        i += 1;
    }
    let lines = text.lines().count() as u32;
    let (_dir, uri) = bundle(&text, &[]);
    let (mut c, _) = Client::initialized(None).await;
    // Debug builds parse 5 MB in seconds, and validation runs alongside.
    c.timeout = Duration::from_secs(60);
    c.open(&uri, &text).await;
    let t = Instant::now();
    let h = at(&mut c, "textDocument/hover", &uri, lines - 2, 5).await;
    assert_eq!(h["range"], range(lines - 2, 4, lines - 2, 8));
    let items = at(&mut c, "textDocument/completion", &uri, lines - 1, 16).await;
    assert_eq!(labels(&items), ["public", "internal"]);
    let s = c
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(s[0]["name"], "pactoVersion");
    eprintln!(
        "5 MB ({} lines): hover + completion + symbols in {:?}",
        lines,
        t.elapsed()
    );
}

// ---------------------------------------------------------------------------------------------
// Folding

const FOLD: &str = "# Payments service
# owned by team pay
pactoVersion: \"1.0\"
service:
  name: svc
  version: 1.0.0
interfaces:
  - name: api
    type: http
    port: 8080
  - {name: rpc, type: grpc,
     port: 9090, contract: a.proto}
metadata:
  notes: |
    line one
    line two
  single: # one comment
    k: v
";

#[tokio::test]
async fn folding_ranges_cover_collections_block_scalars_and_comment_runs() {
    let (_dir, uri) = bundle(FOLD, &[]);
    let (mut c, _) = Client::initialized(None).await;
    c.open(&uri, FOLD).await;
    let f = c
        .request(
            "textDocument/foldingRange",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(
        f,
        json!([
            {"startLine": 0, "endLine": 1, "kind": "comment"},
            {"startLine": 3, "endLine": 5},
            {"startLine": 6, "endLine": 11},
            {"startLine": 7, "endLine": 9},
            {"startLine": 10, "endLine": 11},
            {"startLine": 12, "endLine": 17},
            {"startLine": 13, "endLine": 15},
            {"startLine": 16, "endLine": 17}
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// Navigation, references, rename

const NAV: &str = "pactoVersion: \"1.0\"
service:
  name: svc
  version: 1.0.0
interfaces:
  - name: api
    type: http
    port: 8080
    contract: interfaces/openapi.yaml
  - name: 'rpc'
    type: grpc
    port: 9090
    contract: missing.proto
runtime:
  workload: service
  state:
    type: stateless
    persistence:
      scope: local
      durability: ephemeral
    dataCriticality: low
  health:
    interface: api
    path: /health
  metrics:
    interface: \"api\"
    path: /metrics
configuration:
  schema: ../outside.json
";

#[tokio::test]
async fn definition_jumps_to_the_interface_and_to_bundle_files() {
    let (dir, uri) = bundle(NAV, &["interfaces/openapi.yaml"]);
    let (mut c, _) = Client::initialized(None).await;
    c.open(&uri, NAV).await;
    let decl = json!({"uri": uri, "range": range(5, 10, 5, 13)});
    assert_eq!(
        at(&mut c, "textDocument/definition", &uri, 22, 16).await,
        decl
    );
    assert_eq!(
        at(&mut c, "textDocument/definition", &uri, 25, 17).await,
        decl
    );
    let file = file_uri(&dir.path().join("interfaces/openapi.yaml"));
    assert_eq!(
        at(&mut c, "textDocument/definition", &uri, 8, 20).await,
        json!({"uri": file, "range": range(0, 0, 0, 0)})
    );
    // A missing file, a path leaving the bundle, and a plain key: nothing.
    assert_eq!(
        at(&mut c, "textDocument/definition", &uri, 12, 16).await,
        json!(null)
    );
    std::fs::write(dir.path().parent().unwrap().join("outside.json"), "{}").ok();
    assert_eq!(
        at(&mut c, "textDocument/definition", &uri, 28, 12).await,
        json!(null)
    );
    assert_eq!(
        at(&mut c, "textDocument/definition", &uri, 2, 8).await,
        json!(null)
    );
}

async fn references(c: &mut Client, uri: &str, line: u32, ch: u32, decl: bool) -> Value {
    c.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri}, "position": pos(line, ch),
               "context": {"includeDeclaration": decl}}),
    )
    .await
}

#[tokio::test]
async fn references_list_the_declaration_and_every_use() {
    let (_dir, uri) = bundle(NAV, &[]);
    let (mut c, _) = Client::initialized(None).await;
    c.open(&uri, NAV).await;
    let all = json!([
        {"uri": uri, "range": range(5, 10, 5, 13)},
        {"uri": uri, "range": range(22, 15, 22, 18)},
        {"uri": uri, "range": range(25, 16, 25, 19)}
    ]);
    assert_eq!(references(&mut c, &uri, 5, 11, true).await, all);
    assert_eq!(references(&mut c, &uri, 25, 19, true).await, all);
    assert_eq!(
        references(&mut c, &uri, 22, 15, false).await,
        json!([
            {"uri": uri, "range": range(22, 15, 22, 18)},
            {"uri": uri, "range": range(25, 16, 25, 19)}
        ])
    );
    assert_eq!(
        references(&mut c, &uri, 9, 12, true).await,
        json!([{"uri": uri, "range": range(9, 11, 9, 14)}])
    );
    assert_eq!(references(&mut c, &uri, 2, 8, true).await, json!(null));
}

async fn rename(c: &mut Client, uri: &str, line: u32, ch: u32, name: &str) -> Value {
    c.request_raw(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri}, "position": pos(line, ch), "newName": name}),
    )
    .await
}

#[tokio::test]
async fn rename_updates_every_reference_keeping_quotes() {
    let (dir, uri) = bundle(NAV, &["interfaces/openapi.yaml", "missing.proto"]);
    let (mut c, _) = Client::initialized(None).await;
    c.open(&uri, NAV).await;
    assert_eq!(
        at(&mut c, "textDocument/prepareRename", &uri, 25, 17).await,
        json!({"range": range(25, 16, 25, 19), "placeholder": "api"})
    );
    assert_eq!(
        at(&mut c, "textDocument/prepareRename", &uri, 9, 14).await,
        json!({"range": range(9, 11, 9, 14), "placeholder": "rpc"})
    );
    assert_eq!(
        at(&mut c, "textDocument/prepareRename", &uri, 2, 8).await,
        json!(null)
    );

    let r = rename(&mut c, &uri, 22, 16, "web").await;
    let edits = &r["result"]["changes"][&uri];
    assert_eq!(
        *edits,
        json!([
            {"range": range(5, 10, 5, 13), "newText": "web"},
            {"range": range(22, 15, 22, 18), "newText": "web"},
            {"range": range(25, 16, 25, 19), "newText": "web"}
        ])
    );
    let renamed = apply(NAV, edits);
    assert!(renamed.contains("  - name: web\n") && renamed.contains("interface: \"web\"\n"));
    let before = codes(NAV, dir.path());
    assert_eq!(codes(&renamed, dir.path()), before);

    // A name YAML would not read back as a string gets quotes where the value was plain.
    let r = rename(&mut c, &uri, 5, 11, "true").await;
    let edits = &r["result"]["changes"][&uri];
    assert_eq!(
        *edits,
        json!([
            {"range": range(5, 10, 5, 13), "newText": "\"true\""},
            {"range": range(22, 15, 22, 18), "newText": "\"true\""},
            {"range": range(25, 16, 25, 19), "newText": "true"}
        ])
    );
    assert_eq!(codes(&apply(NAV, edits), dir.path()), before);

    // Single quotes stay single quotes, with YAML's escaping.
    let r = rename(&mut c, &uri, 9, 12, "it's").await;
    assert_eq!(
        r["result"]["changes"][&uri],
        json!([{"range": range(9, 11, 9, 14), "newText": "it''s"}])
    );
}

#[tokio::test]
async fn rename_refuses_invalid_and_taken_names() {
    let (_dir, uri) = bundle(NAV, &[]);
    let (mut c, _) = Client::initialized(None).await;
    c.open(&uri, NAV).await;
    let r = rename(&mut c, &uri, 5, 11, "rpc").await;
    assert_eq!(r["error"]["code"], -32803, "{r}");
    assert_eq!(
        r["error"]["message"],
        "an interface named \"rpc\" is already declared"
    );
    for bad in ["", " api", "a\nb"] {
        let r = rename(&mut c, &uri, 22, 16, bad).await;
        assert_eq!(r["error"]["code"], -32803, "{bad:?}: {r}");
        assert!(
            r["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("invalid interface name"),
            "{r}"
        );
    }
    // Nothing renameable under the cursor: null, not an error.
    let r = rename(&mut c, &uri, 2, 8, "x").await;
    assert_eq!(r["result"], json!(null));
}

// ---------------------------------------------------------------------------------------------
// Code actions

/// Open `text`, take its single diagnostic, ask for code actions on it, check the one fix,
/// apply it and re-validate.
async fn fix(text: &str, code: &str, title: &str, edit: Value) {
    fix_with(text, &[], code, title, edit).await;
}

async fn fix_with(text: &str, files: &[&str], code: &str, title: &str, edit: Value) {
    let (dir, uri) = bundle(text, files);
    let (mut c, _) = Client::initialized(None).await;
    c.open(&uri, text).await;
    let p = c.notification("textDocument/publishDiagnostics").await;
    let diags = p["diagnostics"].as_array().unwrap().clone();
    assert_eq!(diags.len(), 1, "{p}");
    let d = diags[0].clone();
    assert_eq!(d["code"], code, "{p}");
    let actions = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": d["range"],
                   "context": {"diagnostics": [d], "only": ["quickfix"]}}),
        )
        .await;
    assert_eq!(
        actions,
        json!([{
            "title": title,
            "kind": "quickfix",
            "diagnostics": [d],
            "edit": {"changes": {uri.clone(): [edit]}},
            "isPreferred": true
        }])
    );
    let fixed = apply(text, &json!([edit]));
    assert_eq!(codes(text, dir.path()), [code]);
    assert_eq!(codes(&fixed, dir.path()), Vec::<&str>::new(), "{fixed}");
}

const HEADER: &str = "pactoVersion: \"1.0\"\nservice:\n  name: svc\n  version: 1.0.0\n";

#[tokio::test]
async fn quick_fix_adds_the_missing_port() {
    let text = format!("{HEADER}interfaces:\n  - name: api\n    type: http\n");
    fix(
        &text,
        "PORT_REQUIRED",
        "Add `port: 8080`",
        json!({"range": range(6, 14, 6, 14), "newText": "\n    port: 8080"}),
    )
    .await;
    // The flow form, with gRPC's default port.
    let text = format!("{HEADER}interfaces:\n  - {{name: rpc, type: grpc, contract: rpc.proto}}\n");
    fix_with(
        &text,
        &["rpc.proto"],
        "PORT_REQUIRED",
        "Add `port: 9090`",
        json!({"range": range(5, 47, 5, 47), "newText": ", port: 9090"}),
    )
    .await;
}

#[tokio::test]
async fn quick_fix_quotes_pacto_version() {
    let text = HEADER.replace("\"1.0\"", "1.0");
    fix(
        &text,
        "SCHEMA_VIOLATION",
        "Quote as \"1.0\"",
        json!({"range": range(0, 14, 0, 17), "newText": "\"1.0\""}),
    )
    .await;
}

#[tokio::test]
async fn quick_fix_replaces_an_unknown_key_with_the_suggestion() {
    let text = format!("{HEADER}interface:\n  - name: api\n    type: http\n    port: 8080\n");
    fix(
        &text,
        "UNKNOWN_FIELD",
        "Replace `interface` with `interfaces`",
        json!({"range": range(4, 0, 4, 9), "newText": "interfaces"}),
    )
    .await;
    // A quoted key keeps its quotes.
    let text = format!(
        "{HEADER}interfaces:\n  - name: api\n    type: http\n    port: 8080\n    'visibilty': internal\n"
    );
    fix(
        &text,
        "UNKNOWN_FIELD",
        "Replace `visibilty` with `visibility`",
        json!({"range": range(8, 5, 8, 14), "newText": "visibility"}),
    )
    .await;
}

const RUNTIME: &str = "interfaces:
  - name: api
    type: http
    port: 8080
runtime:
  workload: service
  state:
    type: stateless
    persistence: {scope: local, durability: ephemeral}
    dataCriticality: low
";

#[tokio::test]
async fn quick_fix_adds_the_missing_health_and_metrics_path() {
    let text = format!("{HEADER}{RUNTIME}  health:\n    interface: api\n");
    fix(
        &text,
        "HEALTH_PATH_REQUIRED",
        "Add `path: /health`",
        json!({"range": range(15, 18, 15, 18), "newText": "\n    path: /health"}),
    )
    .await;
    // An empty quoted path gets its value.
    let text = format!("{HEADER}{RUNTIME}  health:\n    interface: api\n    path: \"\"\n");
    fix(
        &text,
        "HEALTH_PATH_REQUIRED",
        "Add `path: /health`",
        json!({"range": range(16, 11, 16, 11), "newText": "/health"}),
    )
    .await;
    let text = format!("{HEADER}{RUNTIME}  metrics: {{interface: api}}\n");
    fix(
        &text,
        "METRICS_PATH_REQUIRED",
        "Add `path: /metrics`",
        json!({"range": range(14, 26, 14, 26), "newText": ", path: /metrics"}),
    )
    .await;
}

#[tokio::test]
async fn code_actions_ignore_foreign_and_unfixable_diagnostics() {
    let (_dir, uri) = bundle(NAV, &[]);
    let (mut c, _) = Client::initialized(None).await;
    c.open(&uri, NAV).await;
    let foreign = json!({"range": range(0, 0, 0, 5), "message": "did you mean \"x\"?",
                         "code": "UNKNOWN_FIELD", "source": "yaml"});
    let unfixable = json!({"range": range(2, 8, 2, 11), "message": "m",
                           "code": "INVALID_SEMVER", "source": "pacto"});
    let actions = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": range(0, 0, 3, 0),
                   "context": {"diagnostics": [foreign, unfixable], "only": ["quickfix"]}}),
        )
        .await;
    assert_eq!(actions, json!([]));
}

// ---------------------------------------------------------------------------------------------
// Completion: file paths and snippets

const PATHS: &str = "pactoVersion: \"1.0\"
service:
  name: svc
  version: 1.0.0
interfaces:
  - name: api
    type: http
    port: 8080
    contract: interfaces/o
configuration:
  schema: \"sch
";

fn labels(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn completion_offers_bundle_files_for_contract_and_schema() {
    let files = [
        "interfaces/rpc.proto",
        "interfaces/openapi.yaml",
        "schemas/config.json",
        ".git/HEAD",
        "target/debug/out",
        ".env",
    ];
    let (_dir, uri) = bundle(PATHS, &files);
    let (mut c, _) = Client::initialized(None).await;
    c.open(&uri, PATHS).await;
    let items = at(&mut c, "textDocument/completion", &uri, 8, 26).await;
    assert_eq!(
        labels(&items),
        [
            "interfaces/openapi.yaml",
            "interfaces/rpc.proto",
            "schemas/config.json"
        ]
    );
    assert_eq!(
        items[0],
        json!({"label": "interfaces/openapi.yaml", "kind": 17, "detail": "bundle file",
               "filterText": "interfaces/openapi.yaml",
               "textEdit": {"range": range(8, 14, 8, 26), "newText": "interfaces/openapi.yaml"}})
    );
    // Inside a quoted value, the edit starts after the quote.
    let items = at(&mut c, "textDocument/completion", &uri, 10, 14).await;
    assert_eq!(items[2]["textEdit"]["range"], range(10, 11, 10, 14));
    assert_eq!(items[2]["label"], "schemas/config.json");
}

const SNIP: &str = "pactoVersion: \"1.0\"
service:
  name: svc
  version: 1.0.0
interfaces:
  - name: api
    type: http
    port: 8080
  
  - 

";

fn snippets(v: &Value) -> Vec<Value> {
    v.as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == 15)
        .cloned()
        .collect()
}

/// A snippet with every placeholder replaced by its default (the first choice).
fn expand(snippet: &str) -> String {
    let mut out = String::new();
    let mut rest = snippet;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find('}').unwrap() + i;
        let body = &rest[i + 2..end];
        let value = match body.split_once(':') {
            Some((_, default)) => default.to_string(),
            None => {
                let choices = body.split_once('|').unwrap().1;
                choices.split(['|', ',']).next().unwrap().to_string()
            }
        };
        out.push_str(&value);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn completion_offers_section_snippets() {
    let (dir, uri) = bundle(SNIP, &[]);
    let (mut c, _) = Client::initialized(None).await;
    c.open(&uri, SNIP).await;
    // A blank line of the interfaces list: whole items.
    let items = snippets(&at(&mut c, "textDocument/completion", &uri, 8, 2).await);
    assert_eq!(
        items[0],
        json!({"label": "http interface", "kind": 15, "detail": "an HTTP interface with its port",
               "filterText": "http interface", "insertTextFormat": 2, "insertTextMode": 1,
               "textEdit": {"range": range(8, 2, 8, 2),
                            "newText": "- name: ${1:api}\n    type: http\n    port: ${2:8080}"}})
    );
    assert_eq!(items[1]["label"], "grpc interface");
    assert_eq!(items.len(), 2);
    // After an empty `- `: the item body.
    let items = snippets(&at(&mut c, "textDocument/completion", &uri, 9, 4).await);
    assert_eq!(
        items[0]["textEdit"],
        json!({"range": range(9, 4, 9, 4),
               "newText": "name: ${1:api}\n    type: http\n    port: ${2:8080}"})
    );
    // The top level: absent sections only (interfaces is there).
    let top = at(&mut c, "textDocument/completion", &uri, 10, 0).await;
    let items = snippets(&top);
    assert_eq!(
        items
            .iter()
            .map(|i| i["label"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["stateful runtime", "dependency"]
    );
    // Keys are still offered next to the snippets.
    assert!(labels(&top).contains(&"runtime"));
    // Expanded with their defaults, the snippets make a valid contract.
    let base = SNIP.replace("  \n  - \n", "");
    let mut text = base.clone();
    for i in &items {
        text.push_str(&expand(i["textEdit"]["newText"].as_str().unwrap()));
        text.push('\n');
    }
    let item = expand(
        snippets(&at(&mut c, "textDocument/completion", &uri, 8, 2).await)[1]["textEdit"]
            ["newText"]
            .as_str()
            .unwrap(),
    );
    let text = text.replace("    port: 8080\n", &format!("    port: 8080\n  {item}\n"));
    std::fs::create_dir_all(dir.path().join("interfaces")).unwrap();
    std::fs::write(dir.path().join("interfaces/service.proto"), "x").unwrap();
    let found = codes(&text, dir.path());
    // The dependency points at a registry we do not reach offline: only that may be reported.
    assert!(
        found.iter().all(|c| *c == "TAG_NOT_DIGEST"),
        "{found:?}\n{text}"
    );
    assert!(text.contains("  - name: grpc-api\n    type: grpc\n    port: 9090\n"));
}

// ---------------------------------------------------------------------------------------------
// Settings

async fn settings(c: &mut Client) -> Value {
    c.request("pacto/debug/settings", json!(null)).await
}

#[tokio::test]
async fn settings_come_from_initialization_options() {
    if !cfg!(debug_assertions) {
        eprintln!("skipped: pacto/debug/settings exists in debug builds only");
        return;
    }
    let (mut c, _) = Client::initialized_with(
        json!({}),
        Some(json!({"pacto": {"repository": "oci://localhost:5000/acme/svc", "offline": true}})),
    )
    .await;
    assert_eq!(
        settings(&mut c).await,
        json!({"repository": "oci://localhost:5000/acme/svc", "offline": true,
               "plainHttp": false, "registryTimeoutMs": 5000, "cacheDir": null, "diffDiagnostics": true})
    );
    // Pushed configuration overrides key by key.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"pacto": {"offline": false, "registryTimeoutMs": 250}}}),
    )
    .await;
    assert_eq!(
        settings(&mut c).await,
        json!({"repository": "oci://localhost:5000/acme/svc", "offline": false,
               "plainHttp": false, "registryTimeoutMs": 250, "cacheDir": null, "diffDiagnostics": true})
    );
    // The unwrapped object works too.
    let (mut c, _) = Client::initialized_with(json!({}), Some(json!({"plainHttp": true}))).await;
    assert_eq!(settings(&mut c).await["plainHttp"], true);
}

async fn settings_until(c: &mut Client, want: &Value) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let s = settings(c).await;
        if &s == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "settings stayed {s}, want {want}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn settings_are_pulled_with_workspace_configuration() {
    if !cfg!(debug_assertions) {
        eprintln!("skipped: pacto/debug/settings exists in debug builds only");
        return;
    }
    let (mut c, _) = Client::initialized_with(
        json!({"workspace": {"configuration": true}}),
        Some(json!({"pacto": {"offline": true}})),
    )
    .await;
    let req = c.server_request("workspace/configuration").await;
    assert_eq!(req["params"], json!({"items": [{"section": "pacto"}]}));
    c.respond(
        req["id"].clone(),
        json!([{"repository": "oci://r.example/a/b", "plainHttp": true}]),
    )
    .await;
    settings_until(
        &mut c,
        &json!({"repository": "oci://r.example/a/b", "offline": true,
                "plainHttp": true, "registryTimeoutMs": 5000, "cacheDir": null, "diffDiagnostics": true}),
    )
    .await;
    // A change notification without settings makes the server pull again.
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": null}),
    )
    .await;
    let req = c.server_request("workspace/configuration").await;
    c.respond(req["id"].clone(), json!([{"registryTimeoutMs": 1000}]))
        .await;
    settings_until(
        &mut c,
        &json!({"repository": null, "offline": true,
                "plainHttp": false, "registryTimeoutMs": 1000, "cacheDir": null, "diffDiagnostics": true}),
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// Watched files

#[tokio::test]
async fn a_file_watcher_is_registered_when_the_client_allows_it() {
    let (mut c, _) = Client::initialized_with(
        json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}),
        None,
    )
    .await;
    let req = c.server_request("client/registerCapability").await;
    assert_eq!(
        req["params"],
        json!({"registrations": [{
            "id": "pacto-watched-files",
            "method": "workspace/didChangeWatchedFiles",
            "registerOptions": {"watchers": [{"globPattern": "**/*"}]}
        }]})
    );
    c.respond(req["id"].clone(), json!(null)).await;
    // Without the capability: no registration.
    let (mut c, _) = Client::initialized(None).await;
    assert!(
        c.no_notification("client/registerCapability", Duration::from_millis(200))
            .await
    );
}

#[tokio::test]
async fn changed_bundle_files_recheck_open_contracts() {
    let text = format!(
        "{HEADER}interfaces:\n  - name: api\n    type: http\n    port: 8080\n    contract: openapi.yaml\n"
    );
    let (dir, uri) = bundle(&text, &[]);
    let (mut c, _) = Client::initialized(None).await;
    c.open(&uri, &text).await;
    let p = c.notification("textDocument/publishDiagnostics").await;
    assert_eq!(p["diagnostics"][0]["code"], "FILE_NOT_FOUND");
    assert_eq!(p["diagnostics"][0]["range"], range(8, 14, 8, 26));
    // A change elsewhere does not re-check.
    let other = tempfile::tempdir().unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&other.path().join("x")), "type": 1}]}),
    )
    .await;
    assert!(
        c.no_notification(
            "textDocument/publishDiagnostics",
            Duration::from_millis(300)
        )
        .await
    );
    let file = dir.path().join("openapi.yaml");
    std::fs::write(&file, "openapi: 3.0.0\n").unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&file), "type": 1}]}),
    )
    .await;
    let p = c.notification("textDocument/publishDiagnostics").await;
    assert_eq!(p["diagnostics"], json!([]), "{p}");
    assert_eq!(p["version"], 1);
}

// ---------------------------------------------------------------------------------------------
// Quick fixes with choices: quoted integers, enum typos, interfaces, state, missing files

/// Open `text` (client `capabilities`), take its single diagnostic (`code`) and the code
/// actions offered for it.
async fn offered(
    text: &str,
    files: &[&str],
    code: &str,
    capabilities: Value,
) -> (tempfile::TempDir, String, Value, Value) {
    let (dir, uri) = bundle(text, files);
    let (mut c, _) = Client::initialized_with(capabilities, None).await;
    c.open(&uri, text).await;
    let p = c.notification("textDocument/publishDiagnostics").await;
    let diags = p["diagnostics"].as_array().unwrap().clone();
    assert_eq!(diags.len(), 1, "{p}");
    let d = diags[0].clone();
    assert_eq!(d["code"], code, "{p}");
    let actions = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": d["range"],
                   "context": {"diagnostics": [d], "only": ["quickfix"]}}),
        )
        .await;
    (dir, uri, d, actions)
}

/// The fixes offered for the single `code` diagnostic of `text` are exactly `expected` (title,
/// edit), preferred only when alone, and each one, applied, leaves a valid contract.
async fn fixes(text: &str, code: &str, expected: &[(&str, Value)]) {
    let (dir, uri, d, actions) = offered(text, &[], code, json!({})).await;
    let want: Vec<Value> = expected
        .iter()
        .map(|(title, edit)| {
            json!({
                "title": title,
                "kind": "quickfix",
                "diagnostics": [d],
                "edit": {"changes": {uri.clone(): [edit]}},
                "isPreferred": expected.len() == 1
            })
        })
        .collect();
    assert_eq!(actions, json!(want));
    assert_eq!(codes(text, dir.path()), [code]);
    for (_, edit) in expected {
        let fixed = apply(text, &json!([edit]));
        assert_eq!(codes(&fixed, dir.path()), Vec::<&str>::new(), "{fixed}");
    }
}

#[tokio::test]
async fn quick_fix_unquotes_a_quoted_port() {
    let text = format!("{HEADER}interfaces:\n  - name: api\n    type: http\n    port: \"8080\"\n");
    fixes(
        &text,
        "SCHEMA_VIOLATION",
        &[(
            "Write 8080 as a number, without quotes",
            json!({"range": range(7, 10, 7, 16), "newText": "8080"}),
        )],
    )
    .await;
}

#[tokio::test]
async fn quick_fix_corrects_an_enum_typo() {
    let text = format!("{HEADER}{RUNTIME}").replace("type: stateless", "type: statless");
    fixes(
        &text,
        "SCHEMA_VIOLATION",
        &[(
            "Replace `statless` with `stateless`",
            json!({"range": range(11, 10, 11, 18), "newText": "stateless"}),
        )],
    )
    .await;
    // Quotes are kept; a value close to nothing gets no fix.
    let text = format!("{HEADER}{RUNTIME}").replace("workload: service", "workload: 'servce'");
    fixes(
        &text,
        "SCHEMA_VIOLATION",
        &[(
            "Replace `servce` with `service`",
            json!({"range": range(9, 13, 9, 19), "newText": "service"}),
        )],
    )
    .await;
    let text = format!("{HEADER}{RUNTIME}").replace("workload: service", "workload: zzzzzzzz");
    let (_d, _u, _, actions) = offered(&text, &[], "SCHEMA_VIOLATION", json!({})).await;
    assert_eq!(actions, json!([]));
}

#[tokio::test]
async fn quick_fix_offers_each_declared_interface_for_health_and_metrics() {
    let two = RUNTIME.replace(
        "    port: 8080\n",
        "    port: 8080\n  - name: admin\n    type: http\n    port: 9000\n",
    );
    let text = format!("{HEADER}{two}  health:\n    interface: nope\n    path: /health\n");
    fixes(
        &text,
        "HEALTH_INTERFACE_NOT_FOUND",
        &[
            (
                "Use interface `api`",
                json!({"range": range(18, 15, 18, 19), "newText": "api"}),
            ),
            (
                "Use interface `admin`",
                json!({"range": range(18, 15, 18, 19), "newText": "admin"}),
            ),
        ],
    )
    .await;
    let text = format!("{HEADER}{two}  metrics: {{interface: \"nope\", path: /metrics}}\n");
    fixes(
        &text,
        "METRICS_INTERFACE_NOT_FOUND",
        &[
            (
                "Use interface `api`",
                json!({"range": range(17, 24, 17, 28), "newText": "api"}),
            ),
            (
                "Use interface `admin`",
                json!({"range": range(17, 24, 17, 28), "newText": "admin"}),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn quick_fix_resolves_stateless_with_persistent_durability() {
    let text =
        format!("{HEADER}{RUNTIME}").replace("durability: ephemeral", "durability: persistent");
    fixes(
        &text,
        "STATELESS_PERSISTENT_CONFLICT",
        &[
            (
                "Use `durability: ephemeral`",
                json!({"range": range(12, 44, 12, 54), "newText": "ephemeral"}),
            ),
            (
                "Make the service stateful (`type: stateful`)",
                json!({"range": range(11, 10, 11, 19), "newText": "stateful"}),
            ),
        ],
    )
    .await;
}

const CAN_CREATE: &str = r#"{"workspace": {"workspaceEdit": {"documentChanges": true, "resourceOperations": ["create"]}}}"#;

/// The create-file fix for the single FILE_NOT_FOUND of `text`: checks the workspace edit,
/// applies it (create, then insert the template) and re-validates.
async fn create_fix(text: &str, rel: &str, title: &str, starts: &str) {
    let caps: Value = serde_json::from_str(CAN_CREATE).unwrap();
    let (dir, _uri, d, actions) = offered(text, &[], "FILE_NOT_FOUND", caps).await;
    let target = file_uri(&dir.path().join(rel));
    assert_eq!(actions.as_array().map(Vec::len), Some(1), "{actions}");
    let a = &actions[0];
    assert_eq!(a["title"], title);
    assert_eq!(a["diagnostics"], json!([d]));
    assert_eq!(a["isPreferred"], true);
    let ops = &a["edit"]["documentChanges"];
    assert_eq!(
        ops[0],
        json!({"kind": "create", "uri": target,
               "options": {"overwrite": false, "ignoreIfExists": true}})
    );
    assert_eq!(
        ops[1]["textDocument"],
        json!({"uri": target, "version": null})
    );
    let edits = &ops[1]["edits"];
    assert_eq!(edits[0]["range"], range(0, 0, 0, 0));
    let body = apply("", edits);
    assert!(body.starts_with(starts), "{body}");
    let path = dir.path().join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, &body).unwrap();
    assert_eq!(codes(text, dir.path()), Vec::<&str>::new(), "{body}");
}

#[tokio::test]
async fn quick_fix_creates_a_missing_referenced_file_from_a_template() {
    let http = format!(
        "{HEADER}interfaces:\n  - name: api\n    type: http\n    port: 8080\n    contract: api/openapi.yaml\n"
    );
    create_fix(
        &http,
        "api/openapi.yaml",
        "Create `api/openapi.yaml` (an OpenAPI document)",
        "openapi: 3.0.3\ninfo:\n  title: \"svc\"\n",
    )
    .await;
    let json_api = http.replace("api/openapi.yaml", "openapi.json");
    create_fix(
        &json_api,
        "openapi.json",
        "Create `openapi.json` (an OpenAPI document)",
        "{\n  \"openapi\": \"3.0.3\"",
    )
    .await;
    let event = format!(
        "{HEADER}interfaces:\n  - name: events\n    type: event\n    contract: asyncapi.yaml\n"
    );
    create_fix(
        &event,
        "asyncapi.yaml",
        "Create `asyncapi.yaml` (an AsyncAPI document)",
        "asyncapi: 2.6.0\n",
    )
    .await;
    let grpc = format!(
        "{HEADER}interfaces:\n  - name: rpc\n    type: grpc\n    port: 9090\n    contract: rpc.proto\n"
    );
    create_fix(
        &grpc,
        "rpc.proto",
        "Create `rpc.proto` (a proto file)",
        "syntax = \"proto3\";\n\npackage svc;\n\nservice Svc {\n}\n",
    )
    .await;
    let config = format!("{HEADER}configuration:\n  schema: config.schema.json\n");
    create_fix(
        &config,
        "config.schema.json",
        "Create `config.schema.json` (a JSON Schema)",
        "{\n  \"$schema\": \"https://json-schema.org/draft/2020-12/schema\"",
    )
    .await;
    // A client that cannot create files is offered nothing.
    let (_d, _u, _, actions) = offered(&event, &[], "FILE_NOT_FOUND", json!({})).await;
    assert_eq!(actions, json!([]));
}

#[cfg(unix)]
#[tokio::test]
async fn no_file_is_created_through_a_link_leaving_the_bundle() {
    let outside = tempfile::tempdir().unwrap();
    let text = format!(
        "{HEADER}interfaces:\n  - name: events\n    type: event\n    contract: out/asyncapi.yaml\n"
    );
    let (dir, uri) = bundle(&text, &[]);
    std::os::unix::fs::symlink(outside.path(), dir.path().join("out")).unwrap();
    let caps: Value = serde_json::from_str(CAN_CREATE).unwrap();
    let (mut c, _) = Client::initialized_with(caps, None).await;
    c.open(&uri, &text).await;
    let p = c.notification("textDocument/publishDiagnostics").await;
    let d = p["diagnostics"][0].clone();
    assert_eq!(d["code"], "FILE_NOT_FOUND", "{p}");
    let actions = c
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": d["range"],
                   "context": {"diagnostics": [d], "only": ["quickfix"]}}),
        )
        .await;
    assert_eq!(actions, json!([]));
}

// ---------------------------------------------------------------------------------------------
// Issue 17: "Migrate to Pacto 2.0"

/// A copy of `fixtures/migrate/<case>` (without its expectation files); its pacto.yaml's URI.
fn migrate_case(case: &str) -> (tempfile::TempDir, String, String) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/migrate")
        .join(case);
    let dir = tempfile::tempdir().unwrap();
    let mut stack = vec![std::path::PathBuf::new()];
    while let Some(rel) = stack.pop() {
        std::fs::create_dir_all(dir.path().join(&rel)).unwrap();
        for e in std::fs::read_dir(src.join(&rel)).unwrap().flatten() {
            let r = rel.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                stack.push(r);
            } else if !["expected.yaml", "report.json", "refused.txt", "options.txt"]
                .contains(&e.file_name().to_str().unwrap())
            {
                std::fs::copy(e.path(), dir.path().join(&r)).unwrap();
            }
        }
    }
    let text = std::fs::read_to_string(dir.path().join("pacto.yaml")).unwrap();
    let uri = file_uri(&dir.path().join("pacto.yaml"));
    (dir, uri, text)
}

fn migrate_actions(actions: &Value) -> Vec<Value> {
    actions
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["title"] == "Migrate to Pacto 2.0")
        .cloned()
        .collect()
}

async fn actions_at(c: &mut Client, uri: &str, line: u32, only: Option<&[&str]>) -> Value {
    let mut context = json!({"diagnostics": []});
    if let Some(only) = only {
        context["only"] = json!(only);
    }
    c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range(line, 0, line, 0), "context": context}),
    )
    .await
}

#[tokio::test]
async fn migrate_action_applies_the_cli_migration_as_line_edits() {
    for case in ["full", "lists-and-owner", "minimal"] {
        let (dir, uri, text) = migrate_case(case);
        let expected = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../fixtures/migrate")
                .join(case)
                .join("expected.yaml"),
        )
        .unwrap();
        // The CLI's text is the engine's; the fixture pins it.
        let bundle = pacto_core::bundle::DirBundle::new(dir.path().to_path_buf());
        assert_eq!(
            pacto_core::migrate::migrate(&text, &bundle).unwrap().text,
            expected
        );
        let (mut c, _) = Client::initialized(None).await;
        c.open(&uri, &text).await;
        // Offered anywhere in the document, and to a refactor request.
        let last = text.lines().count() as u32 - 1;
        for (line, only) in [(0, None), (last, Some(&["refactor"][..]))] {
            let found = migrate_actions(&actions_at(&mut c, &uri, line, only).await);
            assert_eq!(found.len(), 1, "{case} line {line}");
            assert_eq!(found[0]["kind"], "refactor.rewrite");
        }
        // Not to a quick-fix request.
        let quick = actions_at(&mut c, &uri, 0, Some(&["quickfix"])).await;
        assert!(migrate_actions(&quick).is_empty(), "{quick}");
        let action = migrate_actions(&actions_at(&mut c, &uri, 0, None).await).remove(0);
        let edits = &action["edit"]["changes"][&uri];
        let migrated = apply(&text, edits);
        assert_eq!(migrated, expected, "{case}");
        // Per-line edits: each starts at a line start and no edit touches an unchanged line
        // at the top of the file (its leading comment stays outside every edit).
        for e in edits.as_array().unwrap() {
            assert_eq!(e["range"]["start"]["character"], 0, "{e}");
            assert_eq!(e["range"]["end"]["character"], 0, "{e}");
        }
        if case == "full" {
            assert!(edits.as_array().unwrap().len() > 1, "{edits}");
            assert!(text.starts_with('#'), "the full case opens with a comment");
            assert!(edits
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["range"]["start"]["line"].as_u64().unwrap() > 0));
            let report = action["data"]["report"].as_array().unwrap();
            assert!(report
                .iter()
                .any(|e| e["path"] == "service.image" && e["action"] == "dropped"));
        }
        // The client applies the edit, then runs the command: the report as a message.
        let cmd = &action["command"];
        assert_eq!(cmd["command"], "pacto.migrateReport");
        c.request(
            "workspace/executeCommand",
            json!({"command": cmd["command"], "arguments": cmd["arguments"]}),
        )
        .await;
        let m = c.notification("window/showMessage").await;
        assert_eq!(m["type"], 3, "{m}");
        let shown = m["message"].as_str().unwrap();
        assert!(shown.starts_with("Migrated to Pacto 2.0"), "{shown}");
        assert!(shown.contains("renamed  pactoVersion"), "{shown}");
        // Applied, the document is 2.0: no more migrate action.
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": 2},
                   "contentChanges": [{"text": migrated}]}),
        )
        .await;
        let after = actions_at(&mut c, &uri, 0, None).await;
        assert!(migrate_actions(&after).is_empty(), "{case}: {after}");
    }
}

#[tokio::test]
async fn a_refused_migration_is_a_disabled_action_or_none() {
    let (_dir, uri, text) = migrate_case("refused-http-without-contract");
    let (mut c, _) = Client::initialized(None).await;
    c.open(&uri, &text).await;
    let actions = actions_at(&mut c, &uri, 0, None).await;
    assert!(migrate_actions(&actions).is_empty(), "{actions}");
    let caps = json!({"textDocument": {"codeAction": {"disabledSupport": true}}});
    let (mut c, _) = Client::initialized_with(caps, None).await;
    c.open(&uri, &text).await;
    let found = migrate_actions(&actions_at(&mut c, &uri, 0, None).await);
    assert_eq!(found.len(), 1);
    assert!(found[0].get("edit").is_none(), "{}", found[0]);
    let reason = found[0]["disabled"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("interface \"http\" (interfaces[0])") && reason.contains("2.0"),
        "{reason}"
    );
}
