#![allow(clippy::unwrap_used)]
//! The real `pacto-lsp` binary over its stdin/stdout: unusable input is answered (`-32700`, id
//! null) and skipped, never the end of the session; exit statuses follow LSP; `--version` and
//! `--help` print and exit.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_pacto-lsp");

fn frame(msg: &Value) -> Vec<u8> {
    let body = msg.to_string();
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// Reads stdout strictly: every byte must belong to a well-formed frame.
fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.strip_suffix("\r\n").expect("CRLF header line");
        if line.is_empty() {
            break;
        }
        let v = line
            .strip_prefix("Content-Length: ")
            .expect("only Content-Length");
        len = Some(v.parse::<usize>().expect("numeric length"));
    }
    let mut buf = vec![0u8; len.expect("Content-Length")];
    r.read_exact(&mut buf).ok()?;
    Some(serde_json::from_slice(&buf).expect("stdout holds JSON only"))
}

struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    rx: mpsc::Receiver<Value>,
    pending: Vec<Value>,
    next_id: i64,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(BIN)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn pacto-lsp");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(m) = read_message(&mut r) {
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        let mut s = Server {
            child,
            stdin,
            rx,
            pending: Vec::new(),
            next_id: 1,
        };
        let res = s.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}}),
        );
        assert!(res["result"]["capabilities"].is_object(), "{res}");
        s.notify("initialized", json!({}));
        s
    }

    fn raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.raw(&frame(
            &json!({"jsonrpc": "2.0", "method": method, "params": params}),
        ));
    }

    fn next(&mut self, want: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.pending.iter().position(&want) {
            return self.pending.remove(i);
        }
        loop {
            let m = self
                .rx
                .recv_timeout(Duration::from_secs(20))
                .expect("a message in time (is the server alive?)");
            if want(&m) {
                return m;
            }
            self.pending.push(m);
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.raw(&frame(
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
        ));
        self.next(|m| m["id"] == id && m.get("method").is_none())
    }

    /// The next error answer with id null.
    fn parse_error(&mut self) -> Value {
        self.next(|m| m["id"].is_null() && m.get("error").is_some())
    }

    /// A normal request is still answered.
    fn alive(&mut self, uri: &str) {
        let res = self.request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        );
        assert!(res.get("error").is_none(), "{res}");
        assert!(res["result"].is_array(), "{res}");
    }

    /// Close stdin, wait, return (status code, stderr).
    fn finish(mut self) -> (Option<i32>, String) {
        drop(self.stdin.take());
        let status = self.child.wait().unwrap();
        let mut err = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        (status.code(), err)
    }
}

const TEXT: &str = "pactoVersion: \"1.0\"\nservice:\n  name: svc\n  version: 1.0.0\n";

fn open(s: &mut Server) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pacto.yaml");
    std::fs::write(&path, TEXT).unwrap();
    let uri = format!("file://{}", path.display());
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": TEXT}}),
    );
    let p = s.next(|m| m["method"] == "textDocument/publishDiagnostics");
    assert_eq!(p["params"]["version"], 1);
    (dir, uri)
}

#[test]
fn a_lone_surrogate_in_did_change_is_decoded_lossily() {
    let mut s = Server::start();
    let (_dir, uri) = open(&mut s);
    // What `JSON.stringify` sends for a string holding half of a surrogate pair.
    let body = format!(
        r#"{{"jsonrpc":"2.0","method":"textDocument/didChange","params":{{"textDocument":{{"uri":"{uri}","version":2}},"contentChanges":[{{"range":{{"start":{{"line":2,"character":11}},"end":{{"line":2,"character":11}}}},"text":"\ud800"}}]}}}}"#
    );
    s.raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    let p = s.next(|m| m["method"] == "textDocument/publishDiagnostics");
    assert_eq!(p["params"]["version"], 2, "{p}");
    // The surrogate became U+FFFD: the service name is now "svc\u{FFFD}".
    let symbols = s.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    assert!(
        symbols.to_string().contains("svc\u{FFFD}"),
        "U+FFFD in the outline: {symbols}"
    );
    s.alive(&uri);
    let (code, _) = s.finish();
    assert_eq!(code, Some(1), "end of input without shutdown");
}

#[test]
fn unusable_messages_get_a_parse_error_and_the_session_goes_on() {
    let mut s = Server::start();
    let (_dir, uri) = open(&mut s);
    let bad: &[(&str, &[u8])] = &[
        (
            "a body that is not JSON",
            b"Content-Length: 8\r\n\r\nnot json",
        ),
        (
            "invalid UTF-8 and not JSON",
            b"Content-Length: 3\r\n\r\n\xff\xfe{",
        ),
        (
            "a non-numeric Content-Length",
            b"Content-Length: ten\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"x\"}",
        ),
        (
            "no Content-Length",
            b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}",
        ),
        (
            "a huge Content-Length",
            b"Content-Length: 1000000000000\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"x\"}",
        ),
        (
            "a Content-Length beyond u64",
            b"Content-Length: 99999999999999999999999999\r\n\r\n{}",
        ),
        (
            "a Content-Length longer than the body",
            b"Content-Length: 4000\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"x\"}",
        ),
        (
            "a body with no header",
            b"{\"jsonrpc\":\"2.0\",\"method\":\"x\"}",
        ),
    ];
    for (what, bytes) in bad {
        s.raw(bytes);
        // The next message (a normal request) right behind it must be answered.
        s.alive(&uri);
        let e = s.parse_error();
        assert_eq!(e["error"]["code"], -32700, "{what}: {e}");
    }
    // JSON that is not a JSON-RPC message: Invalid Request.
    s.raw(&frame(&json!([1, 2])));
    s.alive(&uri);
    assert_eq!(s.parse_error()["error"]["code"], -32600);
    assert!(
        s.pending.iter().all(|m| m.get("error").is_none()),
        "{:?}",
        s.pending
    );

    s.request("shutdown", Value::Null);
    s.notify("exit", Value::Null);
    let (code, stderr) = s.finish();
    assert_eq!(code, Some(0), "exit after shutdown");
    for needle in [
        "not JSON",
        "is not a number",
        "missing Content-Length",
        "limit",
    ] {
        assert!(stderr.contains(needle), "stderr names {needle:?}: {stderr}");
    }
}

#[test]
fn exit_without_shutdown_is_status_1() {
    let mut s = Server::start();
    s.notify("exit", Value::Null);
    let status = s.child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
}

#[test]
fn version_help_and_unknown_flags() {
    let out = Command::new(BIN).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("pacto-lsp {}\n", env!("CARGO_PKG_VERSION"))
    );
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("Usage: pacto-lsp") && help.contains("--version"),
        "{help}"
    );
    let out = Command::new(BIN).arg("--bogus").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bogus"));
    // `--stdio` (what editors pass) still serves: end of input at once is status 1.
    let out = Command::new(BIN)
        .arg("--stdio")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}
