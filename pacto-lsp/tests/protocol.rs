mod common;

use common::{file_uri, Client};
use serde_json::json;
use std::time::Duration;

const CONTRACT: &str = "pactoVersion: \"1.0\"
service:
  name: svc
  version: 1.0.0
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
  health:
    interface: nope
";

fn bundle(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pacto.yaml");
    std::fs::write(&path, text).expect("write");
    let uri = file_uri(&path);
    (dir, uri)
}

#[tokio::test]
async fn initialize_negotiates_utf8_when_offered() {
    let (_c, res) = Client::initialized(Some(&["utf-16", "utf-8"])).await;
    assert_eq!(res["capabilities"]["positionEncoding"], "utf-8");
    assert_eq!(res["capabilities"]["textDocumentSync"]["change"], 2);
    assert_eq!(res["capabilities"]["textDocumentSync"]["openClose"], true);
    assert_eq!(res["serverInfo"]["name"], "pacto-lsp");
}

#[tokio::test]
async fn initialize_falls_back_to_utf16() {
    let (_c, res) = Client::initialized(None).await;
    assert_eq!(res["capabilities"]["positionEncoding"], "utf-16");
    let (_c, res) = Client::initialized(Some(&["utf-32"])).await;
    assert_eq!(res["capabilities"]["positionEncoding"], "utf-16");
}

fn range(l0: u32, c0: u32, l1: u32, c1: u32) -> serde_json::Value {
    json!({"start": {"line": l0, "character": c0}, "end": {"line": l1, "character": c1}})
}

#[tokio::test]
async fn diagnostics_on_open_have_exact_range_code_and_source() {
    let (_dir, uri) = bundle(CONTRACT);
    let (mut c, _) = Client::initialized(None).await;
    c.open(&uri, CONTRACT).await;
    let p = c.notification("textDocument/publishDiagnostics").await;
    assert_eq!(
        p,
        json!({
            "uri": uri,
            "version": 1,
            "diagnostics": [{
                "range": range(17, 15, 17, 19),
                "severity": 1,
                "code": "HEALTH_INTERFACE_NOT_FOUND",
                "source": "pacto",
                "message": "health interface \"nope\" does not match any declared interface\nhelp: declared interfaces: api"
            }]
        })
    );
}

/// The same diagnostic on a line with an emoji and a CJK character before it.
const WIDE: &str = "  health: {path: /\u{1F600}\u{65E5}, interface: nope}\n";

#[tokio::test]
async fn diagnostic_ranges_follow_the_negotiated_encoding() {
    let text = CONTRACT.replace("  health:\n    interface: nope\n", WIDE);
    let (_dir, uri) = bundle(&text);
    for (enc, start) in [("utf-16", 34u32), ("utf-8", 38u32)] {
        let (mut c, _) = Client::initialized(Some(&[enc])).await;
        c.open(&uri, &text).await;
        let p = c.notification("textDocument/publishDiagnostics").await;
        let d = &p["diagnostics"][0];
        assert_eq!(d["code"], "HEALTH_INTERFACE_NOT_FOUND", "{p}");
        assert_eq!(d["range"], range(16, start, 16, start + 4), "{enc}");
    }
}

#[tokio::test]
async fn incremental_changes_revalidate_and_latest_wins() {
    let (_dir, uri) = bundle(CONTRACT);
    let (mut c, _) = Client::initialized(None).await;
    c.open(&uri, CONTRACT).await;
    let first = c.notification("textDocument/publishDiagnostics").await;
    assert_eq!(first["diagnostics"].as_array().map(Vec::len), Some(1));
    // Two quick edits: "nope" -> "nop", then "nop" -> "api". Only version 3 may be published.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2},
               "contentChanges": [{"range": range(17, 18, 17, 19), "text": ""}]}),
    )
    .await;
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3},
               "contentChanges": [{"range": range(17, 15, 17, 18), "text": "api"}]}),
    )
    .await;
    let p = c.notification("textDocument/publishDiagnostics").await;
    assert_eq!(p["version"], 3);
    // The interface now exists; an http health check needs a path.
    assert_eq!(
        p["diagnostics"],
        json!([{
            "range": range(16, 2, 16, 8),
            "severity": 1,
            "code": "HEALTH_PATH_REQUIRED",
            "source": "pacto",
            "message": "health check path is required when the health interface type is http"
        }])
    );
    assert!(
        c.no_notification(
            "textDocument/publishDiagnostics",
            Duration::from_millis(300)
        )
        .await
    );
    // Closing clears the diagnostics.
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    )
    .await;
    let p = c.notification("textDocument/publishDiagnostics").await;
    assert_eq!(p["diagnostics"], json!([]));
    assert_eq!(p.get("version"), None);
}

#[tokio::test]
async fn only_pacto_yaml_is_validated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let uri = file_uri(&dir.path().join("other.yaml"));
    let (mut c, _) = Client::initialized(None).await;
    c.open(&uri, "pactoVersion: 2\n").await;
    assert!(
        c.no_notification(
            "textDocument/publishDiagnostics",
            Duration::from_millis(300)
        )
        .await
    );
    // `*.pacto.yaml` is a contract too (the editor integrations activate on it).
    let named = file_uri(&dir.path().join("payments.pacto.yaml"));
    c.open(&named, CONTRACT).await;
    let p = c.notification("textDocument/publishDiagnostics").await;
    assert_eq!(p["uri"], named);
    assert_eq!(p["diagnostics"][0]["code"], "HEALTH_INTERFACE_NOT_FOUND");
}

#[tokio::test]
async fn hover_shows_schema_docs_for_key_and_value() {
    let (_dir, uri) = bundle(CONTRACT);
    let (mut c, _) = Client::initialized(None).await;
    c.open(&uri, CONTRACT).await;
    // On the key `workload` (line 9, col 4).
    let h = c
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 9, "character": 4}}),
        )
        .await;
    let desc = pacto_core::schema::description(&["runtime", "workload"]).expect("documented");
    assert_eq!(
        h,
        json!({
            "contents": {"kind": "markdown", "value": format!("**`runtime.workload`**\n\n{desc}")},
            "range": range(9, 2, 9, 10)
        })
    );
    // On a value inside a sequence item: `type: http` (line 6, col 11).
    let h = c
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 6, "character": 11}}),
        )
        .await;
    let desc = pacto_core::schema::description(&["interfaces", "0", "type"]).expect("documented");
    assert_eq!(
        h["contents"]["value"],
        format!("**`interfaces.type`**\n\n{desc}")
    );
    assert_eq!(h["range"], range(6, 10, 6, 14));
    // Nothing under the cursor past the end.
    let h = c
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 99, "character": 99}}),
        )
        .await;
    assert_eq!(h, json!(null));
}

#[tokio::test]
async fn document_symbols_outline_the_tree() {
    let text = "service:\n  name: svc\ninterfaces:\n  - name: api\n    port: 8080\n";
    let (_dir, uri) = bundle(text);
    let (mut c, _) = Client::initialized(None).await;
    c.open(&uri, text).await;
    let s = c
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(
        s,
        json!([
            {"name": "service", "kind": 19, "range": range(0, 0, 1, 11), "selectionRange": range(0, 0, 0, 7),
             "children": [
                {"name": "name", "detail": "svc", "kind": 15, "range": range(1, 2, 1, 11), "selectionRange": range(1, 2, 1, 6)}
             ]},
            {"name": "interfaces", "kind": 18, "range": range(2, 0, 4, 14), "selectionRange": range(2, 0, 2, 10),
             "children": [
                {"name": "api", "kind": 19, "range": range(3, 4, 4, 14), "selectionRange": range(3, 4, 4, 14),
                 "children": [
                    {"name": "name", "detail": "api", "kind": 15, "range": range(3, 4, 3, 13), "selectionRange": range(3, 4, 3, 8)},
                    {"name": "port", "detail": "8080", "kind": 16, "range": range(4, 4, 4, 14), "selectionRange": range(4, 4, 4, 8)}
                 ]}
             ]}
        ])
    );
}

const TYPING: &str = "pactoVersion: \"1.0\"
service:
  name: svc
  
interfaces:
  - name: api
    type: http
  - name: grpc-api
    
runtime:
  workload: 
  health:
    interface: 
";

async fn complete(c: &mut Client, uri: &str, line: u32, character: u32) -> serde_json::Value {
    c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
    )
    .await
}

/// The labels of the items that are not snippets (kind 15).
fn labels(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter(|i| i["kind"] != 15)
                .filter_map(|i| i["label"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn keys_except(pointer: &str, present: &[&str]) -> Vec<String> {
    pacto_core::schema::object_keys(pointer)
        .into_iter()
        .filter(|k| !present.contains(k))
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn completion_offers_missing_keys_with_docs() {
    let (_dir, uri) = bundle(TYPING);
    let (mut c, _) = Client::initialized(None).await;
    c.open(&uri, TYPING).await;
    let items = complete(&mut c, &uri, 3, 2).await;
    let expected = keys_except("/properties/service", &["name"]);
    assert!(!expected.is_empty());
    assert_eq!(labels(&items), expected);
    let version = &items.as_array().expect("array")[0];
    assert_eq!(version["label"], "version");
    assert_eq!(version["kind"], 10);
    assert_eq!(version["insertText"], "version: ");
    assert_eq!(
        version["documentation"],
        json!({"kind": "markdown",
               "value": pacto_core::schema::description(&["service", "version"]).expect("doc")})
    );
    // Inside the second sequence item: the item's keys minus `name`.
    let items = complete(&mut c, &uri, 8, 4).await;
    assert_eq!(
        labels(&items),
        keys_except("/properties/interfaces/items", &["name"])
    );
    // At the top level: everything not yet written.
    let items = complete(&mut c, &uri, 13, 0).await;
    // `readiness` only from pactoVersion "1.2" on: in this 1.0 contract it would be an error.
    assert_eq!(
        labels(&items),
        keys_except(
            "",
            &[
                "pactoVersion",
                "service",
                "interfaces",
                "runtime",
                "readiness"
            ]
        )
    );
    let v12 = TYPING.replacen("pactoVersion: \"1.0\"", "pactoVersion: \"1.2\"", 1);
    assert_ne!(v12, TYPING);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": v12}]}),
    )
    .await;
    let items = complete(&mut c, &uri, 13, 0).await;
    let got = labels(&items);
    assert!(got.contains(&"readiness".to_string()));
    // From 1.1 on, configurations and policies are lists only.
    assert!(got.contains(&"configurations".to_string()));
    assert!(!got.contains(&"configuration".to_string()));
    assert!(!got.contains(&"policy".to_string()));
}

#[tokio::test]
async fn completion_offers_enum_values_and_interface_names() {
    let (_dir, uri) = bundle(TYPING);
    let (mut c, _) = Client::initialized(None).await;
    c.open(&uri, TYPING).await;
    let items = complete(&mut c, &uri, 10, 12).await;
    assert_eq!(labels(&items), ["service", "job", "scheduled"]);
    assert_eq!(
        items[0],
        json!({"label": "service", "kind": 20,
               "documentation": {"kind": "markdown", "value": "Long-running process that serves requests continuously."}})
    );
    let items = complete(&mut c, &uri, 12, 15).await;
    assert_eq!(
        items,
        json!([
            {"label": "api", "kind": 18, "detail": "declared interface"},
            {"label": "grpc-api", "kind": 18, "detail": "declared interface"}
        ])
    );
}

#[tokio::test]
async fn half_typed_yaml_gets_diagnostics_for_what_parses() {
    let text = "pactoVersion: \"1.0\"\nservice:\n  name: svc\n  version: 1.0.0\ninterfaces:\n  - name: api\n    type: htp\n    port: 8080\nruntime:\n  workload: [service\n";
    let (_dir, uri) = bundle(text);
    let (mut c, _) = Client::initialized(None).await;
    c.open(&uri, text).await;
    let p = c.notification("textDocument/publishDiagnostics").await;
    let d = p["diagnostics"].as_array().expect("diagnostics");
    let codes: Vec<&str> = d.iter().map(|x| x["code"].as_str().unwrap_or("")).collect();
    assert_eq!(codes, ["PARSE_ERROR", "SCHEMA_VIOLATION"], "{p}");
    assert_eq!(d[1]["range"], range(6, 10, 6, 13));
}
