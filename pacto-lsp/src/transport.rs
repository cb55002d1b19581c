//! The stdio transport: a forgiving frame reader in front of tower-lsp-server.
//!
//! tower-lsp-server's own reader ends the session on the first message it cannot decode (its
//! framed stream stops after an error), which made one bad message a silent exit. Here every
//! message is framed and decoded first, by [`Framer`]:
//!
//! - a body that is not JSON, or a header without a usable `Content-Length` (missing,
//!   non-numeric, above [`MAX_MESSAGE_BYTES`]) is answered with `-32700` (Parse error, id null)
//!   and reading goes on at the next `Content-Length` header; a declared length is never
//!   allocated before its bytes arrive, and never above the bound;
//! - a body shorter than its declared length is detected when the next header shows up inside it
//!   (a JSON text can never hold a raw newline followed by `Content-Length`), so one wrong length
//!   costs that one message, not the rest of the session;
//! - strings are decoded lossily: invalid UTF-8 and lone UTF-16 surrogate escapes (`"\ud800"`,
//!   which `JSON.stringify` produces) become U+FFFD;
//! - JSON that is not a JSON-RPC message is answered with `-32600` (Invalid Request).
//!
//! Only well-formed messages reach tower-lsp-server, re-encoded. Its output is copied to stdout
//! frame by frame, interleaved with the error answers. `exit` ends the session with status 0
//! after `shutdown`, 1 without (as LSP requires); so does the end of input.

use serde::Deserialize;
use serde_json::{json, Value};
use std::borrow::Cow;
use std::io::Read;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Request, Response};

/// The largest message body accepted (64 MiB: four times the largest bundle file, room for
/// JSON escaping). A larger declared length is refused before anything is allocated.
pub const MAX_MESSAGE_BYTES: usize = 64 << 20;

/// The largest header block (they are a few dozen bytes in practice).
const MAX_HEADER_BYTES: usize = 8 << 10;

const READ_CHUNK: usize = 64 << 10;

/// One framed input message.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// A well-formed JSON-RPC message (request, notification or response).
    Message(Value),
    /// Input that could not be used, with the error response to send back.
    Invalid { response: Value, reason: String },
}

impl Frame {
    fn parse_error(reason: String) -> Frame {
        Frame::Invalid {
            response: error_response(Value::Null, -32700, &format!("Parse error: {reason}")),
            reason,
        }
    }
}

fn error_response(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// Splits a byte stream into LSP messages; never fails on content, only on I/O.
pub struct Framer<R> {
    input: R,
    buf: Vec<u8>,
    /// Start of the unconsumed part of `buf`.
    pos: usize,
    eof: bool,
}

enum Header {
    /// Body length and where the body starts (absolute index in `buf`).
    Ok { len: usize, body: usize },
    /// Unusable header; `end` is where its block ends.
    Bad { reason: String, end: usize },
}

impl<R: Read> Framer<R> {
    pub fn new(input: R) -> Framer<R> {
        Framer {
            input,
            buf: Vec::new(),
            pos: 0,
            eof: false,
        }
    }

    /// Read more input; false at the end of input.
    fn fill(&mut self) -> std::io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 && self.pos * 2 >= self.buf.len() {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let old = self.buf.len();
        self.buf.resize(old + READ_CHUNK, 0);
        let n = loop {
            match self.input.read(&mut self.buf[old..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(e);
                }
            }
        };
        self.buf.truncate(old + n);
        if n == 0 {
            self.eof = true;
        }
        Ok(n > 0)
    }

    /// The next message, or `None` at the end of input.
    pub fn next_frame(&mut self) -> std::io::Result<Option<Frame>> {
        // Blank lines between messages are tolerated (also inside the header block, below).
        while self.pos < self.buf.len() && matches!(self.buf[self.pos], b'\r' | b'\n') {
            self.pos += 1;
        }
        match self.header()? {
            None => Ok(None),
            Some(Header::Bad { reason, end }) => {
                self.pos = end;
                self.resync()?;
                Ok(Some(Frame::parse_error(reason)))
            }
            Some(Header::Ok { len, body }) => self.body(len, body).map(Some),
        }
    }

    /// Parse the header block at `pos`, reading as needed.
    fn header(&mut self) -> std::io::Result<Option<Header>> {
        // Relative to `pos`: `fill` may move the unconsumed bytes to the front.
        let mut searched = 0;
        let (lines_end, body) = loop {
            // Line ends before a header (also when they arrive in separate reads).
            while self.pos < self.buf.len() && matches!(self.buf[self.pos], b'\r' | b'\n') {
                self.pos += 1;
                searched = 0;
            }
            if let Some((end, body)) = blank_line(&self.buf, self.pos + searched) {
                break (end, body);
            }
            searched = (self.buf.len() - self.pos).saturating_sub(3);
            if self.buf.len() - self.pos > MAX_HEADER_BYTES {
                return Ok(Some(Header::Bad {
                    reason: format!("header longer than {MAX_HEADER_BYTES} bytes"),
                    end: self.pos + 1,
                }));
            }
            if !self.fill()? {
                if self.buf[self.pos..].iter().all(u8::is_ascii_whitespace) {
                    self.pos = self.buf.len();
                    return Ok(None);
                }
                let end = self.buf.len();
                return Ok(Some(Header::Bad {
                    reason: "input ended inside a message header".to_string(),
                    end,
                }));
            }
        };
        let block = String::from_utf8_lossy(&self.buf[self.pos..lines_end]).into_owned();
        let mut len = None;
        for line in block.lines() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            let header = line
                .split_once(':')
                .filter(|(name, _)| is_token(name.trim_end()));
            let Some((name, value)) = header else {
                return Ok(Some(Header::Bad {
                    reason: format!("malformed header line {:?}", clip(line)),
                    end: self.pos + 1,
                }));
            };
            if !name.trim().eq_ignore_ascii_case("content-length") {
                continue; // Content-Type and unknown headers: the body is read as UTF-8 anyway.
            }
            let value = value.trim();
            let n = match value.parse::<u64>() {
                Ok(n) => n,
                Err(_) if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                    u64::MAX
                }
                Err(_) => {
                    return Ok(Some(Header::Bad {
                        reason: format!("Content-Length {:?} is not a number", clip(value)),
                        end: body,
                    }))
                }
            };
            if n > MAX_MESSAGE_BYTES as u64 {
                return Ok(Some(Header::Bad {
                    reason: format!(
                        "Content-Length {} exceeds the {MAX_MESSAGE_BYTES}-byte limit",
                        clip(value)
                    ),
                    end: body,
                }));
            }
            len = Some(n as usize);
        }
        Ok(Some(match len {
            Some(len) => Header::Ok { len, body },
            None => Header::Bad {
                reason: "missing Content-Length header".to_string(),
                end: body,
            },
        }))
    }

    /// Read the body of `len` bytes starting at `start`, or stop early where the next header
    /// begins inside it.
    fn body(&mut self, len: usize, mut start: usize) -> std::io::Result<Frame> {
        let mut scan = BodyScan::default();
        loop {
            let have = (self.buf.len() - start).min(len);
            if let Some(at) = scan.next_header(&self.buf[start..start + have], have == len) {
                self.pos = start + at;
                return Ok(Frame::parse_error(format!(
                    "the message body ended after {at} of its {len} declared bytes \
                     (the next header starts there)"
                )));
            }
            if have == len {
                break;
            }
            // `fill` only compacts what lies before `pos`: the body moves with it.
            self.pos = start;
            if !self.fill()? {
                let got = self.buf.len() - start;
                self.pos = self.buf.len();
                return Ok(Frame::parse_error(format!(
                    "input ended after {got} of {len} declared body bytes"
                )));
            }
            start = self.pos;
        }
        let bytes = &self.buf[start..start + len];
        self.pos = start + len;
        Ok(decode(bytes))
    }

    /// Skip to the next `Content-Length` header after an unusable message.
    fn resync(&mut self) -> std::io::Result<()> {
        loop {
            if let Some(at) = find_ci(&self.buf[self.pos..], b"content-length") {
                self.pos += at;
                return Ok(());
            }
            // Keep a tail that might hold the start of the name.
            self.pos = self.buf.len().saturating_sub(13).max(self.pos);
            if !self.fill()? {
                self.pos = self.buf.len();
                return Ok(());
            }
        }
    }
}

/// The end of the header lines and the start of the body: the first blank line at or after
/// `from` (`\r\n\r\n` or `\n\n`).
fn blank_line(buf: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut i = from;
    while i < buf.len() {
        if buf[i] == b'\n' {
            if buf.get(i + 1) == Some(&b'\n') {
                return Some((i, i + 2));
            }
            if buf.get(i + 1) == Some(&b'\r') && buf.get(i + 2) == Some(&b'\n') {
                return Some((i, i + 3));
            }
        }
        i += 1;
    }
    None
}

/// Looks for the next message's header inside a body, across reads: `Content-Length` outside
/// a JSON string. A JSON text never holds that (no JSON token starts with `C`), so a body
/// declared longer than it is costs only itself, not the message after it.
#[derive(Default)]
struct BodyScan {
    /// Bytes of the body looked at so far.
    at: usize,
    in_string: bool,
    escaped: bool,
}

impl BodyScan {
    fn next_header(&mut self, body: &[u8], complete: bool) -> Option<usize> {
        const NAME: &[u8] = b"content-length";
        while self.at < body.len() {
            let b = body[self.at];
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                }
            } else if b == b'"' {
                self.in_string = true;
            } else if b.eq_ignore_ascii_case(&b'c') {
                match body.get(self.at..self.at + NAME.len()) {
                    Some(w) if w.eq_ignore_ascii_case(NAME) => return Some(self.at),
                    None if !complete => return None, // look again when more has arrived
                    _ => {}
                }
            }
            self.at += 1;
        }
        None
    }
}

/// An HTTP header name.
fn is_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// At most 40 characters of client input, for a log line or an error message.
fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// Decode one body: lossy UTF-8, lone surrogate escapes replaced, JSON, JSON-RPC shape.
pub fn decode(bytes: &[u8]) -> Frame {
    let text = String::from_utf8_lossy(bytes);
    let text = replace_lone_surrogates(&text);
    let mut value: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return Frame::parse_error(format!("the body is not JSON: {e}")),
    };
    if is_message(&mut value) {
        return Frame::Message(value);
    }
    let id = match value.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    };
    let reason = "not a JSON-RPC 2.0 request, notification or response".to_string();
    Frame::Invalid {
        response: error_response(id, -32600, &format!("Invalid Request: {reason}")),
        reason,
    }
}

/// Whether `value` is a message tower-lsp-server decodes (its own types decide). `params` and
/// `result` may be any JSON, so they are set aside while checking: a 5 MB `didOpen` is not copied.
fn is_message(value: &mut Value) -> bool {
    let Some(obj) = value.as_object_mut() else {
        return false;
    };
    // Swapped for `null` (the keys stay: a response's `result` may be `null` but not absent).
    let params = obj.get_mut("params").map(std::mem::take);
    let result = obj.get_mut("result").map(std::mem::take);
    let probe: &Value = value;
    let ok = Response::deserialize(probe).is_ok() || Request::deserialize(probe).is_ok();
    if let Some(obj) = value.as_object_mut() {
        if let (Some(p), Some(slot)) = (params, obj.get_mut("params")) {
            *slot = p;
        }
        if let (Some(r), Some(slot)) = (result, obj.get_mut("result")) {
            *slot = r;
        }
    }
    ok
}

/// Replace `\uXXXX` escapes of unpaired UTF-16 surrogates with `\uFFFD`, the way a lossy
/// UTF-16 decoder would; serde_json refuses them.
pub fn replace_lone_surrogates(text: &str) -> Cow<'_, str> {
    fn escape(b: &[u8], i: usize) -> Option<u16> {
        if b.get(i) != Some(&b'\\') || b.get(i + 1) != Some(&b'u') {
            return None;
        }
        let hex = std::str::from_utf8(b.get(i + 2..i + 6)?).ok()?;
        u16::from_str_radix(hex, 16).ok()
    }
    let b = text.as_bytes();
    if !text.contains("\\u") {
        return Cow::Borrowed(text);
    }
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut changed = false;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        match escape(b, i) {
            Some(0xD800..=0xDBFF) if matches!(escape(b, i + 6), Some(0xDC00..=0xDFFF)) => {
                out.extend_from_slice(&b[i..i + 12]);
                i += 12;
            }
            Some(0xD800..=0xDFFF) => {
                out.extend_from_slice(b"\\uFFFD");
                changed = true;
                i += 6;
            }
            _ => {
                // Any other escape: copy the backslash and the escaped byte together, so `\\u`
                // (an escaped backslash followed by `u`) is never read as an escape.
                out.extend_from_slice(&b[i..(i + 2).min(b.len())]);
                i += 2;
            }
        }
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    // Only ASCII was replaced by ASCII, at escape boundaries: still UTF-8.
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ended {
    /// `shutdown` was requested before the end.
    pub shutdown: bool,
    /// `exit` was received (otherwise the input ended).
    pub exited: bool,
}

impl Ended {
    /// The process status LSP asks for: 0 after `shutdown`, 1 otherwise.
    pub fn status(self) -> u8 {
        if self.shutdown {
            0
        } else {
            1
        }
    }
}

/// Serve one session: `frames` from a [`Framer`], answers written to `out`.
pub async fn serve<W>(mut frames: mpsc::Receiver<Frame>, out: W) -> Ended
where
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (mut to_server, server_in) = tokio::io::duplex(1 << 16);
    let (server_out, from_server) = tokio::io::duplex(1 << 16);
    let (service, socket) = crate::service();
    let server =
        tokio::spawn(tower_lsp_server::Server::new(server_in, server_out, socket).serve(service));
    let (out_tx, out_rx) = mpsc::channel::<Vec<u8>>(64);
    let writer = tokio::spawn(write_frames(out_rx, out));
    let copier = tokio::spawn(copy_frames(from_server, out_tx.clone()));

    let mut ended = Ended {
        shutdown: false,
        exited: false,
    };
    while let Some(frame) = frames.recv().await {
        match frame {
            Frame::Message(msg) => {
                let method = msg.get("method").and_then(Value::as_str);
                if method == Some("shutdown") && msg.get("id").is_some() {
                    ended.shutdown = true;
                }
                let exit = method == Some("exit");
                if to_server.write_all(&framed(&msg)).await.is_err() {
                    break;
                }
                if exit {
                    ended.exited = true;
                    break;
                }
            }
            Frame::Invalid { response, reason } => {
                crate::log(&format!("ignored an unusable message: {reason}"));
                if out_tx.send(framed(&response)).await.is_err() {
                    break;
                }
            }
        }
    }
    drop(to_server);
    drop(out_tx);
    let _ = server.await;
    let _ = copier.await;
    let _ = writer.await;
    if !ended.exited {
        crate::log("input ended without an exit notification");
    } else if !ended.shutdown {
        crate::log("exit without shutdown: status 1");
    }
    ended
}

fn framed(msg: &Value) -> Vec<u8> {
    let body = msg.to_string();
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// Copy tower-lsp-server's output (well-formed frames) to `out`, one whole frame at a time.
async fn copy_frames<R: AsyncRead + Unpin>(from: R, out: mpsc::Sender<Vec<u8>>) {
    let mut r = BufReader::new(from);
    loop {
        let mut frame = Vec::new();
        let mut len = None;
        loop {
            let start = frame.len();
            match r.read_until(b'\n', &mut frame).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let line = String::from_utf8_lossy(&frame[start..]);
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Length:") {
                len = v.trim().parse::<usize>().ok();
            }
        }
        let Some(len) = len else { return };
        let start = frame.len();
        frame.resize(start + len, 0);
        if r.read_exact(&mut frame[start..]).await.is_err() {
            return;
        }
        if out.send(frame).await.is_err() {
            return;
        }
    }
}

async fn write_frames<W: AsyncWrite + Unpin>(mut frames: mpsc::Receiver<Vec<u8>>, mut out: W) {
    while let Some(frame) = frames.recv().await {
        if out.write_all(&frame).await.is_err() || out.flush().await.is_err() {
            crate::log("stdout closed");
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<Frame> {
        let mut f = Framer::new(input);
        let mut out = Vec::new();
        while let Some(x) = f.next_frame().expect("read") {
            out.push(x);
        }
        out
    }

    fn msg(body: &str) -> Vec<u8> {
        format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
    }

    const PING: &str = r#"{"jsonrpc":"2.0","id":7,"method":"x"}"#;

    fn ok() -> Frame {
        Frame::Message(serde_json::from_str(PING).expect("json"))
    }

    fn is_parse_error(f: &Frame) -> bool {
        matches!(f, Frame::Invalid { response, .. } if response["error"]["code"] == -32700 && response["id"].is_null())
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        assert_eq!(replace_lone_surrogates(r#""a\ud800b""#), r#""a\uFFFDb""#);
        assert_eq!(replace_lone_surrogates(r#""\udc00""#), r#""\uFFFD""#);
        assert_eq!(
            replace_lone_surrogates(r#""\ud83d\ude00""#),
            r#""\ud83d\ude00""#
        );
        assert_eq!(replace_lone_surrogates(r#""\\ud800""#), r#""\\ud800""#);
        assert_eq!(
            replace_lone_surrogates(r#""\ud800\ud800""#),
            r#""\uFFFD\uFFFD""#
        );
        let body = r#"{"jsonrpc":"2.0","method":"m","params":{"t":"x\ud800"}}"#;
        let Frame::Message(v) = decode(body.as_bytes()) else {
            panic!("not decoded")
        };
        assert_eq!(v["params"]["t"], "x\u{FFFD}");
    }

    #[test]
    fn bad_messages_are_answered_and_reading_goes_on() {
        let mut input = Vec::new();
        input.extend(msg("not json"));
        input.extend(b"Content-Length: abc\r\n\r\n{}");
        input.extend(msg(PING));
        input.extend(b"Content-Type: application/vscode-jsonrpc\r\n\r\n{}");
        input.extend(msg(PING));
        input.extend(b"Content-Length: 99999999999999999999999\r\n\r\n{}");
        input.extend(msg(PING));
        input.extend(b"Content-Length: 1000000000\r\n\r\n{}");
        input.extend(msg(PING));
        input.extend(b"Content-Length: 500\r\n\r\n{\"jsonrpc\":");
        input.extend(msg(PING));
        input.extend(msg(r#"[1,2]"#));
        input.extend(b"{\"raw\": true}");
        input.extend(msg(PING));
        input.extend(b"\xff\xfe garbage");
        let got = frames(&input);
        let shape: Vec<&str> = got
            .iter()
            .map(|f| match f {
                f if *f == ok() => "ok",
                f if is_parse_error(f) => "parse",
                Frame::Invalid { response, .. } if response["error"]["code"] == -32600 => "invalid",
                _ => "other",
            })
            .collect();
        assert_eq!(
            shape,
            [
                "parse", "parse", "ok", "parse", "ok", "parse", "ok", "parse", "ok", "parse", "ok",
                "invalid", "parse", "ok", "parse"
            ],
            "{got:#?}"
        );
    }

    #[test]
    fn client_responses_and_requests_pass_unchanged() {
        for body in [
            r#"{"jsonrpc":"2.0","id":3,"result":null}"#,
            r#"{"jsonrpc":"2.0","id":"a","result":[{"pacto":{"offline":true}}]}"#,
            r#"{"jsonrpc":"2.0","id":4,"error":{"code":-32601,"message":"no"}}"#,
            r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#,
        ] {
            let want: Value = serde_json::from_str(body).expect("json");
            assert_eq!(decode(body.as_bytes()), Frame::Message(want), "{body}");
        }
        for body in [r#"{"id":1,"method":"x"}"#, "[]", "3"] {
            assert!(
                matches!(decode(body.as_bytes()), Frame::Invalid { ref response, .. } if response["error"]["code"] == -32600),
                "{body}"
            );
        }
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily() {
        let body = b"{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"params\":{\"t\":\"a\xffb\"}}";
        let Frame::Message(v) = decode(body) else {
            panic!("not decoded")
        };
        assert_eq!(v["params"]["t"], "a\u{FFFD}b");
    }

    /// A reader that hands out one byte at a time: frames split anywhere still decode.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let Some((&b, rest)) = self.0.split_first() else {
                return Ok(0);
            };
            buf[0] = b;
            self.0 = rest;
            Ok(1)
        }
    }

    #[test]
    fn frames_split_across_reads() {
        let mut input = msg(PING);
        input.extend(b"Content-Length: 400\r\n\r\n{");
        input.extend(msg(PING));
        // Stray line ends between messages, split across reads too.
        input.extend(b"\r\n\r\n");
        input.extend(msg(PING));
        let mut f = Framer::new(Trickle(&input));
        let mut got = Vec::new();
        while let Some(x) = f.next_frame().expect("read") {
            got.push(x);
        }
        assert_eq!(got.len(), 4, "{got:#?}");
        assert_eq!(got[0], ok());
        assert!(is_parse_error(&got[1]));
        assert_eq!(got[2], ok());
        assert_eq!(got[3], ok());
    }
}
