//! The wire under the MCP session: a bounded stdio transport and the checks the HTTP
//! transport makes before a request reaches the SDK.
//!
//! A message larger than [`MAX_MESSAGE_BYTES`] is never buffered whole and never dropped
//! silently: its tail is discarded as it arrives and the client gets a JSON-RPC error for the
//! request (its `id` is read from the first bytes of the message), after which the server
//! keeps serving. The SDK's own stdio transport drops such a line without an answer, which
//! leaves a client waiting forever.

use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use rmcp::RoleServer;
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, Mutex};

/// Largest JSON-RPC message the server reads (a stdio line or an HTTP body).
pub const MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

/// How much of an oversized message is kept to find its `id`.
const PREFIX_BYTES: usize = 64 * 1024;

/// JSON-RPC "Invalid Request".
const INVALID_REQUEST: i64 = -32600;

/// The error answered for a message of `size` bytes (at least; the count stops at the limit
/// for a body that is not read to its end) whose first bytes are `prefix`.
pub fn oversized_error(prefix: &[u8], size: usize, limit: usize) -> Value {
    let id = request_id(prefix).unwrap_or(Value::Null);
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {
            "code": INVALID_REQUEST,
            "message": format!(
                "the request is too large ({size} bytes; this server reads at most {limit} \
                 bytes per message): send a bundle path instead of inline content, or smaller arguments"
            ),
            "data": {"size": size, "limit": limit},
        },
    })
}

/// The top-level `"id"` of a JSON-RPC message from its first bytes, when they hold it (a
/// string or an integer). Members before it are skipped; a member that does not end inside
/// `prefix` ends the search.
pub fn request_id(prefix: &[u8]) -> Option<Value> {
    let mut s = Scanner { b: prefix, i: 0 };
    s.ws();
    s.eat(b'{')?;
    loop {
        s.ws();
        let key = s.string()?;
        s.ws();
        s.eat(b':')?;
        s.ws();
        if key == "id" {
            return s.id();
        }
        s.skip_value()?;
        s.ws();
        match s.next()? {
            b',' => continue,
            _ => return None,
        }
    }
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    /// A JSON string, decoded by serde (escapes included).
    fn string(&mut self) -> Option<String> {
        let start = self.i;
        self.eat(b'"')?;
        loop {
            match self.next()? {
                b'\\' => {
                    self.next()?;
                }
                b'"' => break,
                _ => {}
            }
        }
        serde_json::from_slice(&self.b[start..self.i]).ok()
    }

    fn id(&mut self) -> Option<Value> {
        match self.peek()? {
            b'"' => self.string().map(Value::String),
            _ => {
                let start = self.i;
                while matches!(
                    self.peek(),
                    Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                ) {
                    self.i += 1;
                }
                // The number must end inside the prefix.
                self.peek()?;
                let n: Value = serde_json::from_slice(&self.b[start..self.i]).ok()?;
                n.is_i64().then_some(n)
            }
        }
    }

    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.i += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.i += 1;
                }
            }
            _ => {
                while !matches!(self.peek()?, b',' | b'}' | b' ' | b'\t' | b'\r' | b'\n') {
                    self.i += 1;
                }
                Some(())
            }
        }
    }
}

type SharedWriter<W> = Arc<Mutex<Option<W>>>;

/// Newline-delimited JSON-RPC over a reader and a writer (stdin/stdout), with every line
/// bounded by a limit. Messages are read by a task of their own, so [`Transport::receive`] is
/// a channel receive and stays cancellation-safe inside the session's `select!`.
pub struct LineTransport<W> {
    incoming: mpsc::Receiver<RxJsonRpcMessage<RoleServer>>,
    out: SharedWriter<W>,
    reader: tokio::task::JoinHandle<()>,
}

impl<W: AsyncWrite + Unpin + Send + 'static> LineTransport<W> {
    /// Read from `input` and write to `output`; lines longer than `limit` bytes are answered
    /// with [`oversized_error`].
    pub fn new<R: AsyncRead + Unpin + Send + 'static>(
        input: R,
        output: W,
        limit: usize,
    ) -> LineTransport<W> {
        let out: SharedWriter<W> = Arc::new(Mutex::new(Some(output)));
        let (tx, incoming) = mpsc::channel(16);
        let reader = tokio::spawn(read_lines(input, limit, tx, out.clone()));
        LineTransport {
            incoming,
            out,
            reader,
        }
    }
}

/// Write one JSON line; `false` when the writer is closed or failed.
async fn write_line<W: AsyncWrite + Unpin>(out: &SharedWriter<W>, mut bytes: Vec<u8>) -> bool {
    bytes.push(b'\n');
    let mut guard = out.lock().await;
    let Some(w) = guard.as_mut() else {
        return false;
    };
    w.write_all(&bytes).await.is_ok() && w.flush().await.is_ok()
}

async fn read_lines<R, W>(
    input: R,
    limit: usize,
    tx: mpsc::Sender<RxJsonRpcMessage<RoleServer>>,
    out: SharedWriter<W>,
) where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut input = BufReader::new(input);
    let mut line: Vec<u8> = Vec::new();
    // An oversized line being discarded: its first bytes and its size so far.
    let mut oversized: Option<(Vec<u8>, usize)> = None;
    loop {
        let (take, complete) = {
            let available = match input.fill_buf().await {
                Ok(a) => a,
                Err(e) => {
                    log!("pacto mcp: reading stdin failed: {e}");
                    return;
                }
            };
            if available.is_empty() {
                return;
            }
            let newline = available.iter().position(|b| *b == b'\n');
            let take = newline.map_or(available.len(), |i| i + 1);
            let chunk = &available[..take];
            match &mut oversized {
                Some((prefix, size)) => {
                    *size += take;
                    let room = PREFIX_BYTES.saturating_sub(prefix.len());
                    prefix.extend_from_slice(&chunk[..room.min(take)]);
                }
                None if line.len() + take > limit => {
                    let before = line.len();
                    let mut prefix = std::mem::take(&mut line);
                    prefix.truncate(PREFIX_BYTES);
                    let room = PREFIX_BYTES.saturating_sub(prefix.len());
                    prefix.extend_from_slice(&chunk[..room.min(take)]);
                    let size = before + take;
                    oversized = Some((prefix, size));
                }
                None => line.extend_from_slice(chunk),
            }
            (take, newline.is_some())
        };
        input.consume(take);
        if !complete {
            continue;
        }
        if let Some((prefix, size)) = oversized.take() {
            // The size counts the newline; the message does not include it.
            let answer = oversized_error(&prefix, size.saturating_sub(1), limit);
            log!(
                "pacto mcp: refused a message of {} bytes (limit {limit})",
                size.saturating_sub(1)
            );
            if answer["id"].is_null() && !looks_like_request(&prefix) {
                continue;
            }
            if !write_line(&out, answer.to_string().into_bytes()).await {
                return;
            }
            continue;
        }
        let text = std::mem::take(&mut line);
        if !handle_line(&text, &tx, &out).await {
            return;
        }
    }
}

/// Whether an oversized message without a readable `id` is more than a notification: a
/// message that starts with `{"jsonrpc":"2.0","method":…` and no id is one, and JSON-RPC
/// answers no notification. Anything else gets an error with a null id.
fn looks_like_request(prefix: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&prefix[..prefix.len().min(256)]).into_owned();
    !head.contains("\"notifications/")
}

/// Parse one line and hand it to the session; `false` when the session is gone.
async fn handle_line<W: AsyncWrite + Unpin>(
    line: &[u8],
    tx: &mpsc::Sender<RxJsonRpcMessage<RoleServer>>,
    out: &SharedWriter<W>,
) -> bool {
    let mut line = line.strip_suffix(b"\n").unwrap_or(line);
    line = line.strip_suffix(b"\r").unwrap_or(line);
    line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return true;
    }
    match serde_json::from_slice::<RxJsonRpcMessage<RoleServer>>(line) {
        Ok(msg) => tx.send(msg).await.is_ok(),
        Err(e) => {
            // Not JSON: no id to answer to, and answering garbage invites an error storm
            // (the official SDKs ignore it too). JSON of the wrong shape: answer a request,
            // ignore a notification (a client's extension the server does not know).
            let Ok(v) = serde_json::from_slice::<Value>(line) else {
                log!("pacto mcp: ignoring a line that is not JSON: {e}");
                return true;
            };
            let Some(id) = v.get("id").filter(|id| id.is_string() || id.is_i64()) else {
                return true;
            };
            let answer = json!({
                "jsonrpc": "2.0",
                "id": id,
                "error": {"code": INVALID_REQUEST, "message": format!("invalid request: {e}")},
            });
            write_line(out, answer.to_string().into_bytes()).await
        }
    }
}

/// Why the stdio transport failed.
#[derive(Debug, thiserror::Error)]
pub enum LineError {
    #[error("the output stream is closed")]
    Closed,
    #[error("cannot encode a message: {0}")]
    Encode(#[from] serde_json::Error),
}

impl<W: AsyncWrite + Unpin + Send + 'static> Transport<RoleServer> for LineTransport<W> {
    type Error = LineError;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl std::future::Future<Output = Result<(), LineError>> + Send + 'static {
        let out = self.out.clone();
        async move {
            let bytes = serde_json::to_vec(&item)?;
            if write_line(&out, bytes).await {
                Ok(())
            } else {
                Err(LineError::Closed)
            }
        }
    }

    fn receive(
        &mut self,
    ) -> impl std::future::Future<Output = Option<RxJsonRpcMessage<RoleServer>>> + Send {
        self.incoming.recv()
    }

    async fn close(&mut self) -> Result<(), LineError> {
        self.reader.abort();
        let mut guard = self.out.lock().await;
        if let Some(mut w) = guard.take() {
            let _ = w.shutdown().await;
        }
        Ok(())
    }
}

/// Whether a browser `Origin` header may call the HTTP transport: loopback origins
/// (`localhost`, `127.0.0.0/8`, `[::1]`, any scheme and port) and the `allowed` ones (exact
/// `scheme://host[:port]`, compared case-insensitively; `*` allows any).
pub fn origin_allowed(origin: &str, allowed: &[String]) -> bool {
    let origin = origin.trim();
    let lower = origin.to_ascii_lowercase();
    if allowed
        .iter()
        .any(|a| a == "*" || a.trim_end_matches('/').eq_ignore_ascii_case(&lower))
    {
        return true;
    }
    let Some((scheme, rest)) = lower.split_once("://") else {
        return false;
    };
    if !matches!(scheme, "http" | "https") || rest.contains(['/', '@', '?', '#']) {
        return false;
    }
    let host = if let Some(v6) = rest.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, port)) if port.is_empty() || port.starts_with(':') => h,
            _ => return false,
        }
    } else {
        rest.split(':').next().unwrap_or("")
    };
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_read_from_the_first_bytes() {
        let cases: &[(&str, Option<Value>)] = &[
            (
                r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"#,
                Some(json!(7)),
            ),
            (
                r#"{ "jsonrpc" : "2.0" , "id" : "a\"b", "method""#,
                Some(json!("a\"b")),
            ),
            (
                r#"{"method":"x","params":{"a":[1,{"id":3}],"s":"}"},"id":-2,"#,
                Some(json!(-2)),
            ),
            (
                r#"{"jsonrpc":"2.0","method":"tools/call","params":{"arguments":{"x":"aaaa"#,
                None,
            ),
            (r#"{"jsonrpc":"2.0","id":12"#, None),
            (r#"{"jsonrpc":"2.0","id":1.5,"#, None),
            (r#"[{"id":1}]"#, None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(&request_id(text.as_bytes()), want, "{text}");
        }
    }

    #[test]
    fn the_oversized_error_names_sizes_and_keeps_the_id() {
        let e = oversized_error(br#"{"jsonrpc":"2.0","id":"r1","method":"#, 5_000_000, 4096);
        assert_eq!(e["id"], "r1");
        assert_eq!(e["error"]["code"], -32600);
        assert_eq!(e["error"]["data"]["size"], 5_000_000);
        let m = e["error"]["message"].as_str().unwrap();
        assert!(m.contains("5000000 bytes") && m.contains("4096"), "{m}");
    }

    #[test]
    fn origins() {
        let none: Vec<String> = Vec::new();
        for ok in [
            "http://localhost",
            "http://localhost:6274",
            "https://127.0.0.1:8443",
            "http://127.1.2.3",
            "http://[::1]:3000",
            "http://app.localhost:80",
        ] {
            assert!(origin_allowed(ok, &none), "{ok}");
        }
        for bad in [
            "http://evil.example",
            "https://localhost.evil.example",
            "http://127.0.0.1.evil.example",
            "null",
            "file://",
            "http://localhost@evil.example",
            "http://[::2]:80",
            "",
        ] {
            assert!(!origin_allowed(bad, &none), "{bad}");
        }
        let allowed = vec!["https://app.example.com".to_string()];
        assert!(origin_allowed("https://APP.example.com", &allowed));
        assert!(!origin_allowed("https://app.example.com:444", &allowed));
        assert!(origin_allowed("http://x.example", &["*".to_string()]));
    }

    async fn roundtrip(input: Vec<u8>, limit: usize) -> (Vec<String>, Vec<Value>) {
        let (mut client_w, server_r) = tokio::io::duplex(1 << 16);
        let (server_w, mut client_r) = tokio::io::duplex(1 << 16);
        let mut t = LineTransport::new(server_r, server_w, limit);
        let writer = tokio::spawn(async move {
            client_w.write_all(&input).await.unwrap();
            drop(client_w);
        });
        let mut methods = Vec::new();
        while let Some(m) = t.receive().await {
            let v = serde_json::to_value(&m).unwrap();
            methods.push(v["method"].as_str().unwrap_or("").to_string());
        }
        writer.await.unwrap();
        t.close().await.unwrap();
        let mut out = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut client_r, &mut out)
            .await
            .unwrap();
        let answers = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (methods, answers)
    }

    #[tokio::test]
    async fn an_oversized_line_is_answered_and_the_next_one_served() {
        let big = format!(
            "{{\"jsonrpc\":\"2.0\",\"id\":41,\"method\":\"tools/call\",\"params\":{{\"name\":\"x\",\"arguments\":{{\"s\":\"{}\"}}}}}}\n",
            "a".repeat(300_000)
        );
        let ping = "{\"jsonrpc\":\"2.0\",\"id\":42,\"method\":\"ping\"}\n";
        let noise = "not json\n{\"jsonrpc\":\"2.0\",\"id\":43,\"method\":7}\n\n";
        let input = format!("{big}{ping}{noise}{ping}").into_bytes();
        let (methods, answers) = roundtrip(input, 1024).await;
        assert_eq!(methods, ["ping", "ping"]);
        assert_eq!(answers.len(), 2, "{answers:?}");
        assert_eq!(answers[0]["id"], 41);
        assert_eq!(answers[0]["error"]["data"]["size"], big.len() - 1);
        assert_eq!(answers[1]["id"], 43);
        assert!(answers[1]["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("invalid request"));
    }

    #[tokio::test]
    async fn an_oversized_notification_is_not_answered() {
        let big = format!(
            "{{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{{\"s\":\"{}\"}}}}\n",
            "a".repeat(5000)
        );
        let (methods, answers) = roundtrip(big.into_bytes(), 1024).await;
        assert!(methods.is_empty() && answers.is_empty(), "{answers:?}");
    }
}
