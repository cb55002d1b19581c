//! `pacto lsp` over real stdio with Content-Length framing.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn frame(msg: &Value) -> Vec<u8> {
    let body = msg.to_string();
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length: ") {
            len = v.parse().ok()?;
        }
    }
    let mut buf = vec![0u8; len];
    r.read_exact(&mut buf).ok()?;
    serde_json::from_slice(&buf).ok()
}

#[test]
fn lsp_publishes_diagnostics_over_stdio() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pacto.yaml");
    let text = "pactoVersion: \"1.0\"\nservice:\n  name: svc\n  version: 1.0.0\nruntime:\n  workload: service\n  state:\n    type: stateless\n    persistence:\n      scope: local\n      durability: ephemeral\n    dataCriticality: low\n  health:\n    interface: nope\n";
    std::fs::write(&path, text).expect("write");
    let uri = format!("file://{}", path.display());

    let mut child = Command::new(env!("CARGO_BIN_EXE_pacto"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn pacto lsp");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        while let Some(m) = read_message(&mut r) {
            if tx.send(m).is_err() {
                break;
            }
        }
    });
    let next = |method: Option<&str>, id: Option<i64>| -> Value {
        loop {
            let m = rx
                .recv_timeout(Duration::from_secs(20))
                .expect("message in time");
            if method.is_some_and(|x| m["method"] == x) || id.is_some_and(|i| m["id"] == i) {
                return m;
            }
        }
    };

    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                      "params": {"processId": null, "rootUri": null, "capabilities": {}}});
    stdin.write_all(&frame(&init)).expect("write");
    stdin.flush().expect("flush");
    let res = next(None, Some(1));
    assert_eq!(res["result"]["capabilities"]["positionEncoding"], "utf-16");

    for m in [
        json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
        json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument":
            {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}}),
    ] {
        stdin.write_all(&frame(&m)).expect("write");
    }
    stdin.flush().expect("flush");
    let p = next(Some("textDocument/publishDiagnostics"), None);
    assert_eq!(p["params"]["uri"], uri);
    let d = &p["params"]["diagnostics"][0];
    assert_eq!(d["code"], "HEALTH_INTERFACE_NOT_FOUND");
    assert_eq!(
        d["range"],
        json!({"start": {"line": 13, "character": 15}, "end": {"line": 13, "character": 19}})
    );

    for m in [
        json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}),
        json!({"jsonrpc": "2.0", "method": "exit"}),
    ] {
        stdin.write_all(&frame(&m)).expect("write");
    }
    stdin.flush().expect("flush");
    drop(stdin);
    let _ = next(None, Some(2));
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status}");
}

#[test]
fn lsp_help_prints_usage() {
    let out = Command::new(env!("CARGO_BIN_EXE_pacto"))
        .args(["lsp", "--help"])
        .output()
        .expect("run pacto lsp --help");
    assert!(out.status.success(), "{out:?}");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("Usage:") && help.contains("--stdio"),
        "{help}"
    );
}

/// `pacto lsp` shares the forgiving transport: a lone surrogate and a non-JSON body are answered
/// or decoded, a later request is still answered, and `exit` without `shutdown` is status 1.
#[test]
fn lsp_survives_undecodable_messages_and_exits_1_without_shutdown() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pacto"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn pacto lsp");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                      "params": {"processId": null, "rootUri": null, "capabilities": {}}});
    stdin.write_all(&frame(&init)).expect("write");
    // A notification holding a lone surrogate (what JSON.stringify writes), then a body that is
    // not JSON, then a request.
    let lone = r#"{"jsonrpc":"2.0","method":"workspace/didChangeConfiguration","params":{"settings":{"x":"\ud800"}}}"#;
    stdin
        .write_all(format!("Content-Length: {}\r\n\r\n{lone}", lone.len()).as_bytes())
        .expect("write");
    stdin
        .write_all(b"Content-Length: 5\r\n\r\nnope!")
        .expect("write");
    let req = json!({"jsonrpc": "2.0", "id": 2, "method": "textDocument/documentSymbol",
                     "params": {"textDocument": {"uri": "file:///nowhere/pacto.yaml"}}});
    stdin.write_all(&frame(&req)).expect("write");
    stdin.flush().expect("flush");
    let mut seen = Vec::new();
    while !seen.iter().any(|m: &Value| m["id"] == 2) {
        seen.push(read_message(&mut out).expect("the server is alive"));
    }
    let parse_errors: Vec<&Value> = seen
        .iter()
        .filter(|m| m["id"].is_null() && m.get("error").is_some())
        .collect();
    assert_eq!(parse_errors.len(), 1, "{seen:?}");
    assert_eq!(parse_errors[0]["error"]["code"], -32700);
    stdin
        .write_all(&frame(&json!({"jsonrpc": "2.0", "method": "exit"})))
        .expect("write");
    stdin.flush().expect("flush");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(1), "exit without shutdown");
}
