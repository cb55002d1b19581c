//! A client-side harness: the server runs in-process behind `tokio::io::duplex`, messages use
//! Content-Length framing, notifications are buffered while waiting for responses.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::collections::VecDeque;
use std::time::Duration;
use tokio::io::{
    AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream, ReadHalf, WriteHalf,
};

pub struct Client {
    reader: BufReader<ReadHalf<DuplexStream>>,
    writer: WriteHalf<DuplexStream>,
    next_id: i64,
    pending: VecDeque<Value>,
    /// How long to wait for a response or notification (10 s unless changed).
    pub timeout: Duration,
}

impl Client {
    pub fn start() -> Client {
        let (client_io, server_io) = tokio::io::duplex(1 << 20);
        let (sr, sw) = tokio::io::split(server_io);
        let (service, socket) = pacto_lsp::service();
        tokio::spawn(tower_lsp_server::Server::new(sr, sw, socket).serve(service));
        let (cr, cw) = tokio::io::split(client_io);
        Client {
            reader: BufReader::new(cr),
            writer: cw,
            next_id: 1,
            pending: VecDeque::new(),
            timeout: Duration::from_secs(10),
        }
    }

    /// Start and initialize, offering `encodings` in `general.positionEncodings`.
    pub async fn initialized(encodings: Option<&[&str]>) -> (Client, Value) {
        let mut c = Client::start();
        let mut caps = json!({});
        if let Some(e) = encodings {
            caps = json!({"general": {"positionEncodings": e}});
        }
        let res = c
            .request(
                "initialize",
                json!({"processId": null, "rootUri": null, "capabilities": caps}),
            )
            .await;
        c.notify("initialized", json!({})).await;
        (c, res)
    }

    /// Start and initialize with explicit client `capabilities` and `initializationOptions`.
    pub async fn initialized_with(capabilities: Value, options: Option<Value>) -> (Client, Value) {
        let mut c = Client::start();
        let mut params = json!({"processId": null, "rootUri": null, "capabilities": capabilities});
        if let Some(o) = options {
            params["initializationOptions"] = o;
        }
        let res = c.request("initialize", params).await;
        c.notify("initialized", json!({})).await;
        (c, res)
    }

    /// Send a request and return the whole response message (`result` or `error`).
    pub async fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        loop {
            let msg = tokio::time::timeout(self.timeout, self.recv())
                .await
                .expect("response in time");
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                return msg;
            }
            self.pending.push_back(msg);
        }
    }

    /// The next request the server sends to the client with `method` (waiting up to 10 s).
    pub async fn server_request(&mut self, method: &str) -> Value {
        let is_it = |m: &Value| m["method"] == method && m.get("id").is_some();
        if let Some(i) = self.pending.iter().position(is_it) {
            return self.pending.remove(i).expect("present");
        }
        loop {
            let msg = tokio::time::timeout(self.timeout, self.recv())
                .await
                .expect("server request in time");
            if is_it(&msg) {
                return msg;
            }
            self.pending.push_back(msg);
        }
    }

    /// Answer a server-to-client request.
    pub async fn respond(&mut self, id: Value, result: Value) {
        self.send(json!({"jsonrpc": "2.0", "id": id, "result": result}))
            .await;
    }

    async fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.writer
            .write_all(frame.as_bytes())
            .await
            .expect("write");
        self.writer.flush().await.expect("flush");
    }

    async fn recv(&mut self) -> Value {
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            let n = self.reader.read_line(&mut line).await.expect("read header");
            assert!(n > 0, "server closed the stream");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length: ") {
                len = v.parse().expect("length");
            }
        }
        let mut buf = vec![0u8; len];
        self.reader.read_exact(&mut buf).await.expect("read body");
        serde_json::from_slice(&buf).expect("json")
    }

    pub async fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    /// Send a request and return its `result` (panics on an error response).
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        loop {
            let msg = tokio::time::timeout(self.timeout, self.recv())
                .await
                .expect("response in time");
            if msg.get("id") == Some(&json!(id)) && msg.get("method").is_none() {
                assert!(msg.get("error").is_none(), "error response: {msg}");
                return msg["result"].clone();
            }
            self.pending.push_back(msg);
        }
    }

    /// The next notification with `method` (waiting up to 10 s).
    pub async fn notification(&mut self, method: &str) -> Value {
        if let Some(i) = self.pending.iter().position(|m| m["method"] == method) {
            return self.pending.remove(i).expect("present")["params"].clone();
        }
        loop {
            let msg = tokio::time::timeout(self.timeout, self.recv())
                .await
                .expect("notification in time");
            if msg["method"] == method {
                return msg["params"].clone();
            }
            self.pending.push_back(msg);
        }
    }

    /// Whether a notification with `method` arrives within `wait`.
    pub async fn no_notification(&mut self, method: &str, wait: Duration) -> bool {
        if self.pending.iter().any(|m| m["method"] == method) {
            return false;
        }
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.recv()).await {
                Err(_) => return true,
                Ok(msg) if msg["method"] == method => {
                    self.pending.push_back(msg);
                    return false;
                }
                Ok(msg) => self.pending.push_back(msg),
            }
        }
    }

    pub async fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
        )
        .await;
    }
}

pub fn file_uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}
