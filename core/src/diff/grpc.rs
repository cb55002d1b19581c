//! gRPC `.proto` diff for Pacto 2.0 (Go Pacto 3.2.8+, `pkg/diff/grpc.go`): top-level services
//! with their rpcs, and top-level messages with their direct fields.
//!
//! Like Go, this is a deterministic text scan, not a protobuf compiler: comments and string
//! literals are blanked first (one pass, same length, so every offset still points into the
//! source), then `service`/`message` blocks that start a line are read in source order, skipping
//! each body so nested messages are never taken for top-level ones. A file that does not scan
//! (unbalanced braces) is not an error: the blocks read before the problem count, the rest is
//! ignored, exactly as Go does.
//!
//! | What | Key | Value compared |
//! |---|---|---|
//! | service | `grpc.services[S]` | its name |
//! | rpc | `grpc.rpcs[S.M]` | `(Req) returns (Resp)`, whitespace collapsed, `stream` kept |
//! | message | `grpc.messages[M]` | its name |
//! | field | `grpc.messages[M].fields[f]` | `<type> = <number>` with a `repeated`/`optional` prefix; inline `[...]` options ignored |
//!
//! Nested message, enum and oneof bodies, `option`/`reserved`/`extensions` statements and
//! proto2 `required` fields are not fields (Go's pattern does not match them).
//!
//! # Beyond Go Pacto
//!
//! - Every change carries the line of the service, rpc, message or field in each file it exists
//!   in (for a member missing on one side, that side's owner), and an explanation.
//! - Go uses regular expressions; this scanner is hand-written with the same matches and runs in
//!   time linear in the file (Go's RE2 is linear too, but Go's comment and string pass rescans a
//!   line once per unclosed quote on it, which is quadratic on a line of escaped quotes).
//! - A quote with no closing quote before the line break is not a literal (the rule of Go's
//!   current scanner; its first one blanked to the line end and could lose the next field).
//! - Files over [`MAX_DOCUMENT_BYTES`] are not read ([`ProtoDoc::too_large`]); a diff with such a
//!   side yields no changes, as Go does for a file it cannot read.

use super::openapi::MAX_DOCUMENT_BYTES;
use super::{Change, ChangeType, Source};
use crate::syntax::{ColumnUnit, LineIndex, Span};
use serde_json::Value;
use std::collections::BTreeMap;

/// Statements that are never field declarations (Go's `protoStatementKeywords`).
const STATEMENT_KEYWORDS: [&str; 6] = [
    "option",
    "reserved",
    "extensions",
    "import",
    "package",
    "syntax",
];

/// One service or message: where its declaration sits and its members (rpcs or fields).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Owner {
    span: Span,
    line: u32,
    members: BTreeMap<String, Member>,
}

/// One rpc (value: its signature) or field (value: `<type> = <number>`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Member {
    value: String,
    span: Span,
    line: u32,
}

/// The contract surface of one `.proto` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtoDoc {
    file: String,
    too_large: Option<usize>,
    services: BTreeMap<String, Owner>,
    messages: BTreeMap<String, Owner>,
}

impl ProtoDoc {
    /// Scan `text`. Never fails: what does not scan yields no entries. `file` is the
    /// bundle-relative path used in sources.
    pub fn parse(file: &str, text: &str) -> ProtoDoc {
        let mut doc = ProtoDoc {
            file: file.to_string(),
            too_large: None,
            services: BTreeMap::new(),
            messages: BTreeMap::new(),
        };
        if text.len() > MAX_DOCUMENT_BYTES {
            doc.too_large = Some(text.len());
            return doc;
        }
        // Go reads names, signatures and fields from the blanked text too, so a comment inside
        // an rpc's parentheses or a field statement is not part of its value.
        let blanked = match String::from_utf8(blank_noise(text.as_bytes())) {
            Ok(s) => s,
            // Unreachable: blanking replaces whole UTF-8 sequences by spaces.
            Err(_) => return doc,
        };
        let (text, src) = (blanked.as_str(), blanked.as_bytes());
        let lines = LineIndex::new(text);
        let line = |offset: usize| {
            lines
                .line_col(offset.min(u32::MAX as usize) as u32, ColumnUnit::Char)
                .line
                + 1
        };
        let span = |start: usize, end: usize| {
            Span::new(
                start.min(u32::MAX as usize) as u32,
                end.min(u32::MAX as usize) as u32,
            )
        };
        let mut i = 0;
        while i < src.len() {
            let Some(block) = next_block(src, i) else {
                break;
            };
            let Some(end) = match_brace(src, block.open) else {
                break; // unbalanced braces: stop rather than guess, as Go does
            };
            let body = (block.open + 1, end - 1);
            let members: BTreeMap<String, Member> = if block.service {
                rpcs(text, src, body)
            } else {
                fields(text, src, body)
            }
            .into_iter()
            .map(|(name, value, (s, e))| {
                (
                    name,
                    Member {
                        value,
                        span: span(s, e),
                        line: line(s),
                    },
                )
            })
            .collect();
            let owner = Owner {
                span: span(block.start, block.name_end),
                line: line(block.start),
                members,
            };
            let name = text[block.name.0..block.name.1].to_string();
            if block.service {
                doc.services.insert(name, owner);
            } else {
                doc.messages.insert(name, owner);
            }
            i = end;
        }
        doc
    }

    /// [`ProtoDoc::parse`] on raw file bytes: Go scans bytes, so a file that is not valid UTF-8
    /// is still read (each invalid sequence becomes U+FFFD, which is neither a word nor a space
    /// byte to the scanner, as an invalid byte is to Go's).
    pub fn parse_bytes(file: &str, bytes: &[u8]) -> ProtoDoc {
        if bytes.len() > MAX_DOCUMENT_BYTES {
            let mut doc = ProtoDoc::parse(file, "");
            doc.too_large = Some(bytes.len());
            return doc;
        }
        ProtoDoc::parse(file, &String::from_utf8_lossy(bytes))
    }

    /// The bundle-relative file name given to [`ProtoDoc::parse`].
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The file's size when it was over [`MAX_DOCUMENT_BYTES`] and so not read.
    pub fn too_large(&self) -> Option<usize> {
        self.too_large
    }

    /// Top-level service names, sorted.
    pub fn services(&self) -> impl Iterator<Item = &str> {
        self.services.keys().map(String::as_str)
    }

    /// Top-level message names, sorted.
    pub fn messages(&self) -> impl Iterator<Item = &str> {
        self.messages.keys().map(String::as_str)
    }

    /// The rpcs of `service`, sorted by name, with their signatures.
    pub fn rpcs(&self, service: &str) -> Vec<(&str, &str)> {
        members_of(self.services.get(service))
    }

    /// The direct fields of `message`, sorted by name, with their `<type> = <number>`.
    pub fn fields(&self, message: &str) -> Vec<(&str, &str)> {
        members_of(self.messages.get(message))
    }

    fn source(&self, span: Span, line: u32) -> Source {
        Source {
            file: self.file.clone(),
            span,
            line,
        }
    }
}

fn members_of(owner: Option<&Owner>) -> Vec<(&str, &str)> {
    owner
        .map(|o| {
            o.members
                .iter()
                .map(|(k, m)| (k.as_str(), m.value.as_str()))
                .collect()
        })
        .unwrap_or_default()
}

/// Compare two `.proto` files: services and their rpcs, then messages and their fields, each in
/// name order (Go's order; callers sort the whole diff). No changes when either side was too large
/// to read.
pub fn diff(old: &ProtoDoc, new: &ProtoDoc) -> Vec<Change> {
    if old.too_large.is_some() || new.too_large.is_some() {
        return Vec::new();
    }
    let mut out = Vec::new();
    section(&SERVICES, old, new, &old.services, &new.services, &mut out);
    section(&MESSAGES, old, new, &old.messages, &new.messages, &mut out);
    out
}

/// How one kind of owner and its members are named (Go's `protoSection`).
struct Kind {
    owner_rule: &'static str,
    owner_noun: &'static str,
    owner_path: fn(&str) -> String,
    member_rule: &'static str,
    member_noun: &'static str,
    member_path: fn(&str, &str) -> String,
}

const SERVICES: Kind = Kind {
    owner_rule: "grpc.services",
    owner_noun: "service",
    owner_path: |s| format!("grpc.services[{s}]"),
    member_rule: "grpc.rpcs",
    member_noun: "rpc",
    member_path: |s, m| format!("grpc.rpcs[{s}.{m}]"),
};

const MESSAGES: Kind = Kind {
    owner_rule: "grpc.messages",
    owner_noun: "message",
    owner_path: |m| format!("grpc.messages[{m}]"),
    member_rule: "grpc.messages.fields",
    member_noun: "field",
    member_path: |m, f| format!("grpc.messages[{m}].fields[{f}]"),
};

fn section(
    kind: &Kind,
    old_doc: &ProtoDoc,
    new_doc: &ProtoDoc,
    old: &BTreeMap<String, Owner>,
    new: &BTreeMap<String, Owner>,
    out: &mut Vec<Change>,
) {
    for (name, o) in old {
        match new.get(name) {
            None => out.push(
                Change::new_v2(
                    kind.owner_rule,
                    (kind.owner_path)(name),
                    ChangeType::Removed,
                    Some(Value::String(name.clone())),
                    None,
                    format!("{} {name} removed", kind.owner_noun),
                )
                .with_explanation(explain(kind, ChangeType::Removed, name, None))
                .with_sources(Some(old_doc.source(o.span, o.line)), None),
            ),
            Some(n) => members(kind, old_doc, new_doc, name, o, n, out),
        }
    }
    for (name, n) in new {
        if !old.contains_key(name) {
            out.push(
                Change::new_v2(
                    kind.owner_rule,
                    (kind.owner_path)(name),
                    ChangeType::Added,
                    None,
                    Some(Value::String(name.clone())),
                    format!("{} {name} added", kind.owner_noun),
                )
                .with_explanation(explain(kind, ChangeType::Added, name, None))
                .with_sources(None, Some(new_doc.source(n.span, n.line))),
            );
        }
    }
}

fn members(
    kind: &Kind,
    old_doc: &ProtoDoc,
    new_doc: &ProtoDoc,
    owner: &str,
    old: &Owner,
    new: &Owner,
    out: &mut Vec<Change>,
) {
    let old_owner = old_doc.source(old.span, old.line);
    let new_owner = new_doc.source(new.span, new.line);
    for (name, o) in &old.members {
        let path = (kind.member_path)(owner, name);
        let label = format!("{} {owner}.{name}", kind.member_noun);
        let old_src = old_doc.source(o.span, o.line);
        match new.members.get(name) {
            None => out.push(
                Change::new_v2(
                    kind.member_rule,
                    path,
                    ChangeType::Removed,
                    Some(Value::String(o.value.clone())),
                    None,
                    format!("{label} removed"),
                )
                .with_explanation(explain(kind, ChangeType::Removed, owner, Some(name)))
                .with_sources(Some(old_src), Some(new_owner.clone())),
            ),
            Some(n) if n.value != o.value => out.push(
                Change::new_v2(
                    kind.member_rule,
                    path,
                    ChangeType::Modified,
                    Some(Value::String(o.value.clone())),
                    Some(Value::String(n.value.clone())),
                    format!("{label} modified"),
                )
                .with_explanation(explain(kind, ChangeType::Modified, owner, Some(name)))
                .with_sources(Some(old_src), Some(new_doc.source(n.span, n.line))),
            ),
            Some(_) => {}
        }
    }
    for (name, n) in &new.members {
        if !old.members.contains_key(name) {
            out.push(
                Change::new_v2(
                    kind.member_rule,
                    (kind.member_path)(owner, name),
                    ChangeType::Added,
                    None,
                    Some(Value::String(n.value.clone())),
                    format!("{} {owner}.{name} added", kind.member_noun),
                )
                .with_explanation(explain(kind, ChangeType::Added, owner, Some(name)))
                .with_sources(
                    Some(old_owner.clone()),
                    Some(new_doc.source(n.span, n.line)),
                ),
            );
        }
    }
}

/// Why the change has its classification, in words.
fn explain(kind: &Kind, t: ChangeType, owner: &str, member: Option<&str>) -> String {
    let service = kind.owner_noun == "service";
    match (service, member, t) {
        (true, None, ChangeType::Removed) => format!(
            "Clients built against the old descriptor fail: every call to service {owner} now returns UNIMPLEMENTED."
        ),
        (true, None, _) => "A new service: existing clients are unaffected.".to_string(),
        (true, Some(m), ChangeType::Removed) => format!(
            "Clients built against the old descriptor fail: calls to {owner}/{m} now return UNIMPLEMENTED."
        ),
        (true, Some(m), ChangeType::Modified) => format!(
            "Clients built against the old descriptor fail: {owner}/{m} takes or returns another message, or streams differently, so old stubs no longer match the wire."
        ),
        (true, Some(_), ChangeType::Added) => {
            "A new rpc: existing clients are unaffected.".to_string()
        }
        (false, None, ChangeType::Removed) => format!(
            "Clients built against the old descriptor fail: message {owner} no longer exists, so code generated from the new file lacks a type they use."
        ),
        (false, None, _) => "A new message: existing clients are unaffected.".to_string(),
        (false, Some(f), ChangeType::Removed) => format!(
            "Clients built against the old descriptor fail: field {owner}.{f} is no longer read or written, so what they send in it is dropped and what they expect in it never arrives."
        ),
        (false, Some(f), ChangeType::Modified) => format!(
            "Clients built against the old descriptor fail: field {owner}.{f} changed type, label or number, so old and new peers decode each other's bytes differently."
        ),
        (false, Some(_), ChangeType::Added) => {
            "proto3 has no required fields: old clients skip the new field and still decode the message."
                .to_string()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The scanner. Every function below works on the blanked bytes (`src`), which have the source's
// length, so offsets address the same declaration in the source text.

/// Go RE2's `\s`: `[\t\n\f\r ]`.
fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// Go RE2's `\w`: `[0-9A-Za-z_]`.
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn skip(src: &[u8], mut i: usize, pred: impl Fn(u8) -> bool) -> usize {
    while i < src.len() && pred(src[i]) {
        i += 1;
    }
    i
}

/// Overwrite every comment and the contents of every string literal with spaces, keeping
/// newlines (Go's `blankProtoNoise`). A quote with no closing quote before the line break is not a
/// literal: nothing is blanked and the scan resumes after it. Replacing whole UTF-8 sequences by
/// spaces keeps the text valid UTF-8.
fn blank_noise(text: &[u8]) -> Vec<u8> {
    let mut out = text.to_vec();
    let n = out.len();
    let mut failed = [0usize; 2];
    let mut i = 0;
    while i < n {
        let next = out.get(i + 1).copied();
        match (out[i], next) {
            (b'/', Some(b'/')) => {
                while i < n && out[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
            }
            (b'/', Some(b'*')) => {
                out[i] = b' ';
                out[i + 1] = b' ';
                i += 2;
                while i < n && !(out[i] == b'*' && out.get(i + 1) == Some(&b'/')) {
                    if out[i] != b'\n' {
                        out[i] = b' ';
                    }
                    i += 1;
                }
                if i < n {
                    out[i] = b' ';
                    out[i + 1] = b' ';
                    i += 2;
                }
            }
            (q @ (b'"' | b'\''), _) => {
                // A literal of this quote that found no end before the line break at
                // `failed[q]`: any later quote of the same kind before that break was escaped in
                // that scan, so a scan from it would rejoin the failed one and fail too. Knowing
                // that keeps the pass linear on a line of escaped quotes.
                let slot = usize::from(q == b'\'');
                if i < failed[slot] {
                    i += 1;
                    continue;
                }
                let mut end = None;
                let mut j = i + 1;
                while j < n && out[j] != b'\n' {
                    if out[j] == b'\\' && j + 1 < n && out[j + 1] != b'\n' {
                        j += 2; // an escaped quote does not close the literal
                        continue;
                    }
                    if out[j] == q {
                        end = Some(j);
                        break;
                    }
                    j += 1;
                }
                match end {
                    Some(e) => {
                        for b in &mut out[i + 1..e] {
                            *b = b' ';
                        }
                        i = e + 1;
                    }
                    None => {
                        failed[slot] = j;
                        i += 1;
                    }
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// A `service`/`message` block header found by [`next_block`].
struct Block {
    service: bool,
    /// Where the keyword starts.
    start: usize,
    name: (usize, usize),
    name_end: usize,
    /// The opening brace.
    open: usize,
}

/// The first match at or after `from` of Go's `(?m)^\s*(service|message)\s+(\w+)\s*\{`, where `^`
/// is `from` itself or any position after a `\n`. From a line start, `\s*` runs to the first
/// non-space byte, so the candidates are the first non-space bytes after `from` and after each
/// newline; each is tried once, so the scan is linear.
fn next_block(src: &[u8], from: usize) -> Option<Block> {
    let mut line_start = from;
    loop {
        let q = skip(src, line_start, is_space);
        if q >= src.len() {
            return None;
        }
        if let Some(b) = block_at(src, q) {
            return Some(b);
        }
        // The next line start after q (line starts between line_start and q all lead to q).
        let nl = src[q..].iter().position(|&b| b == b'\n')?;
        line_start = q + nl + 1;
    }
}

fn block_at(src: &[u8], q: usize) -> Option<Block> {
    let rest = &src[q..];
    let service = if rest.starts_with(b"service") {
        true
    } else if rest.starts_with(b"message") {
        false
    } else {
        return None;
    };
    let after = q + 7;
    let name_start = skip(src, after, is_space);
    if name_start == after {
        return None;
    }
    let name_end = skip(src, name_start, is_word);
    if name_end == name_start {
        return None;
    }
    let open = skip(src, name_end, is_space);
    (src.get(open) == Some(&b'{')).then_some(Block {
        service,
        start: q,
        name: (name_start, name_end),
        name_end,
        open,
    })
}

/// The index just past the brace matching the one at `open` (Go's `matchBrace`).
fn match_brace(src: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &b) in src.iter().enumerate().skip(open) {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Go's `strings.Join(strings.Fields(s), " ")`: Unicode whitespace runs become one space.
fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

type Found = Vec<(String, String, (usize, usize))>;

/// Every rpc of a service body (Go's `(?s)\brpc\s+(\w+)\s*\(([^)]*)\)\s*returns\s*\(([^)]*)\)`,
/// all non-overlapping matches): name, `(Req) returns (Resp)` and the rpc's byte range.
///
/// Linear: the first `)` after an attempt's `(` and what follows it are remembered, so attempts
/// starting inside one long parenthesis do not rescan it; when no `)` follows, no later attempt
/// can match either and the scan stops.
fn rpcs(text: &str, src: &[u8], (start, end): (usize, usize)) -> Found {
    let body = &src[..end];
    let mut out = Vec::new();
    // (first query position, the `)` found from it, where the response's `(` content starts or
    // None when `returns (` does not follow).
    let mut memo: Option<(usize, usize, Option<usize>)> = None;
    let mut i = start;
    while i + 3 <= end {
        let Some(off) = body[i..].windows(3).position(|w| w == b"rpc") else {
            break;
        };
        let p = i + off;
        i = p + 1;
        if p > start && is_word(body[p - 1]) {
            continue; // `\b`
        }
        let name_start = skip(body, p + 3, is_space);
        if name_start == p + 3 {
            continue;
        }
        let name_end = skip(body, name_start, is_word);
        if name_end == name_start {
            continue;
        }
        let open = skip(body, name_end, is_space);
        if body.get(open) != Some(&b'(') {
            continue;
        }
        let req = open + 1;
        let (close, resp) = match memo {
            Some((q0, c, r)) if q0 <= req && req <= c => (c, r),
            _ => {
                let Some(c) = body[req..].iter().position(|&b| b == b')') else {
                    break;
                };
                let c = req + c;
                let r = returns_open(body, c + 1);
                memo = Some((req, c, r));
                (c, r)
            }
        };
        let Some(resp) = resp else {
            continue;
        };
        let Some(rc) = body[resp..].iter().position(|&b| b == b')') else {
            break;
        };
        let rc = resp + rc;
        let name = text[name_start..name_end].to_string();
        let sig = format!(
            "({}) returns ({})",
            collapse(&text[req..close]),
            collapse(&text[resp..rc])
        );
        out.push((name, sig, (p, rc + 1)));
        i = rc + 1;
    }
    out
}

/// After an rpc's request `)`: `\s*returns\s*\(`; the index after that `(`.
fn returns_open(src: &[u8], from: usize) -> Option<usize> {
    let r = skip(src, from, is_space);
    if !src[r..].starts_with(b"returns") {
        return None;
    }
    let o = skip(src, r + 7, is_space);
    (src.get(o) == Some(&b'(')).then_some(o + 1)
}

/// The direct fields of a message body (Go's `extractFields`): statements ending in `;` at depth
/// 0, every nested block skipped whole (an opening or closing brace also ends the statement).
fn fields(text: &str, src: &[u8], (start, end): (usize, usize)) -> Found {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut stmt = start;
    for (i, &b) in src.iter().enumerate().take(end).skip(start) {
        match b {
            b'{' => {
                depth += 1;
                stmt = i + 1;
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                stmt = i + 1;
            }
            b';' => {
                if depth == 0 {
                    if let Some((name, value)) = field(&text[stmt..i]) {
                        let s = stmt + (text[stmt..i].len() - text[stmt..i].trim_start().len());
                        let e = stmt + text[stmt..i].trim_end().len();
                        out.push((name, value, (s, e)));
                    }
                }
                stmt = i + 1;
            }
            _ => {}
        }
    }
    out
}

/// One statement, if it is a field: Go's
/// `^(?:(repeated|optional)\s+)?(map\s*<[^>]*>|[.\w]+)\s+(\w+)\s*=\s*(\d+)\s*(?:\[.*\])?$` on the
/// whitespace-collapsed statement, with its alternatives tried in the same order. Returns the
/// field name and `<type> = <number>`.
fn field(stmt: &str) -> Option<(String, String)> {
    let s = collapse(stmt);
    let first = s.split(' ').next().unwrap_or("");
    if STATEMENT_KEYWORDS.contains(&first) {
        return None;
    }
    let b = s.as_bytes();
    for prefix in ["repeated", "optional"] {
        if b.starts_with(prefix.as_bytes()) {
            let after = prefix.len();
            let t = skip(b, after, is_space);
            if t > after {
                if let Some((ty, name, num)) = field_rest(&s, t) {
                    return Some((name, format!("{prefix} {ty} = {num}")));
                }
            }
        }
    }
    field_rest(&s, 0).map(|(ty, name, num)| (name, format!("{ty} = {num}")))
}

/// `(map\s*<[^>]*>|[.\w]+)\s+(\w+)\s*=\s*(\d+)\s*(?:\[.*\])?$` from `at`.
fn field_rest(s: &str, at: usize) -> Option<(&str, String, &str)> {
    let b = s.as_bytes();
    // The `map<...>` alternative first, as the regex prefers it.
    if b[at..].starts_with(b"map") {
        let lt = skip(b, at + 3, is_space);
        if b.get(lt) == Some(&b'<') {
            if let Some(gt) = b[lt + 1..].iter().position(|&c| c == b'>') {
                let ty_end = lt + 1 + gt + 1;
                if let Some((name, num)) = after_type(s, ty_end) {
                    return Some((&s[at..ty_end], name, num));
                }
            }
        }
    }
    let ty_end = skip(b, at, |c| is_word(c) || c == b'.');
    if ty_end == at {
        return None;
    }
    after_type(s, ty_end).map(|(name, num)| (&s[at..ty_end], name, num))
}

/// `\s+(\w+)\s*=\s*(\d+)\s*(?:\[.*\])?$` from `at`: the name and the number.
fn after_type(s: &str, at: usize) -> Option<(String, &str)> {
    let b = s.as_bytes();
    let name_start = skip(b, at, is_space);
    if name_start == at {
        return None;
    }
    let name_end = skip(b, name_start, is_word);
    if name_end == name_start {
        return None;
    }
    let eq = skip(b, name_end, is_space);
    if b.get(eq) != Some(&b'=') {
        return None;
    }
    let num_start = skip(b, eq + 1, is_space);
    let num_end = skip(b, num_start, |c| c.is_ascii_digit());
    if num_end == num_start {
        return None;
    }
    let tail = skip(b, num_end, is_space);
    // `.` does not match a newline, but the collapsed statement has none.
    let options = &b[tail..];
    let ok = options.is_empty()
        || (options.len() >= 2 && options[0] == b'[' && options[options.len() - 1] == b']');
    ok.then(|| (s[name_start..name_end].to_string(), &s[num_start..num_end]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Classification;

    const BASE: &str = r#"syntax = "proto3";

package orders.v1;

option go_package = "example.com/orders/v1";

// The order service.
service OrderService {
  rpc GetOrder(GetOrderRequest) returns (GetOrderResponse);
  /* Streaming feed of order events.
     Spans several lines. */
  rpc WatchOrders(WatchRequest) returns (stream OrderEvent);
}

message GetOrderRequest {
  string order_id = 1;
}

message GetOrderResponse {
  string order_id = 1;
  repeated string items = 2;
  map<string, string> labels = 3;
  optional string note = 4;

  message Nested {
    string ignored = 1;
  }

  oneof result {
    string ok = 5;
    string err = 6;
  }

  reserved 7, 8;
  option deprecated = 9;
  ;
}
"#;

    fn doc(s: &str) -> ProtoDoc {
        ProtoDoc::parse("api.proto", s)
    }

    fn f<'a>(d: &'a ProtoDoc, m: &str, name: &str) -> Option<&'a str> {
        d.fields(m)
            .into_iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    fn rpc<'a>(d: &'a ProtoDoc, s: &str, name: &str) -> Option<&'a str> {
        d.rpcs(s)
            .into_iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    fn run(old: &str, new: &str) -> Vec<Change> {
        diff(&doc(old), &doc(new))
    }

    #[test]
    fn base_surface() {
        let d = doc(BASE);
        assert_eq!(d.services().collect::<Vec<_>>(), ["OrderService"]);
        assert_eq!(
            d.messages().collect::<Vec<_>>(),
            ["GetOrderRequest", "GetOrderResponse"]
        );
        assert_eq!(
            d.rpcs("OrderService"),
            vec![
                ("GetOrder", "(GetOrderRequest) returns (GetOrderResponse)"),
                ("WatchOrders", "(WatchRequest) returns (stream OrderEvent)"),
            ]
        );
        assert_eq!(
            d.fields("GetOrderResponse"),
            vec![
                ("items", "repeated string = 2"),
                ("labels", "map<string, string> = 3"),
                ("note", "optional string = 4"),
                ("order_id", "string = 1"),
            ]
        );
        assert!(run(BASE, BASE).is_empty());
    }

    #[test]
    fn lines_point_at_declarations() {
        let d = doc(BASE);
        assert_eq!(d.services["OrderService"].line, 8);
        assert_eq!(d.services["OrderService"].members["WatchOrders"].line, 12);
        assert_eq!(d.messages["GetOrderResponse"].members["note"].line, 23);
    }

    #[test]
    fn comment_markers_inside_strings_and_strings_inside_comments() {
        let src = "message Order {\n  option (my.ext) = { doc: \"https://x/orders\" };\n  option (a) = \"he said \\\"} // still\\\" ok\";\n  option (b) = 'single } /* inert */';\n  string id = 1;\n}\n// TODO /* revisit\nmessage B {\n  string b = 1;\n}\n/* real */\nservice S { rpc G(Order) returns (Order); }\n";
        let d = doc(src);
        assert_eq!(d.fields("Order"), vec![("id", "string = 1")]);
        assert_eq!(f(&d, "B", "b"), Some("string = 1"));
        assert_eq!(rpc(&d, "S", "G"), Some("(Order) returns (Order)"));
    }

    #[test]
    fn unterminated_noise() {
        for src in [
            "message A {\n  string a = 1;\n}\n/* dangling",
            "message A {\n  string a = 1;\n}\n/",
            "message A {\n  string a = 1;\n}\n/* x *",
            "message A {\n  string a = 1;\n}\noption x = \"y\\",
        ] {
            assert_eq!(f(&doc(src), "A", "a"), Some("string = 1"), "{src:?}");
        }
        let d = doc("message A {\n  option x = \"dangling;\n  string a = 1;\n}\n\nmessage B {\n  string b = 1;\n}\n");
        assert_eq!(f(&d, "A", "a"), Some("string = 1"));
        assert_eq!(f(&d, "B", "b"), Some("string = 1"));
        let d = doc("message A {\n  option a = \"x;\n  string keep = 1;\n  option b = \"y;\n  string alsokeep = 2;\n}\n");
        assert_eq!(
            d.fields("A"),
            vec![("alsokeep", "string = 2"), ("keep", "string = 1")]
        );
        let closed = "message Account {\n  option (my.ext) = \"ok\";\n  string email = 1;\n  int32 balance = 2;\n}\n";
        let unclosed = "message Account {\n  option (my.ext) = \"ok;\n  string email = 1;\n  int32 balance = 2;\n}\n";
        assert!(run(closed, unclosed).is_empty());
    }

    #[test]
    fn inline_options_ignored_but_retype_seen() {
        let plain = "message Account {\n  string email = 1;\n  int32 amount = 3;\n}\n";
        let opt = "message Account {\n  string email = 1 [deprecated = true];\n  int32 amount = 3 [deprecated = true];\n}\n";
        let retyped = "message Account {\n  string email = 1 [deprecated = true];\n  string amount = 3 [deprecated = true];\n}\n";
        assert!(run(plain, opt).is_empty());
        assert!(run(opt, plain).is_empty());
        let c = run(opt, retyped);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].path, "grpc.messages[Account].fields[amount]");
        assert_eq!(c[0].old_value, Some(Value::from("int32 = 3")));
        assert_eq!(c[0].new_value, Some(Value::from("string = 3")));
        assert_eq!(c[0].classification, Classification::Breaking);
        assert_eq!(c[0].reason, "field Account.amount modified");
        let with_str =
            "message Account {\n  string email = 1 [(v.rules).string.pattern = \"^[a-z]+$\"];\n}\n";
        assert_eq!(f(&doc(with_str), "Account", "email"), Some("string = 1"));
    }

    #[test]
    fn regex_alternatives_in_go_order() {
        // A prefix that leaves no valid rest is retried as a type, as the regex backtracks.
        assert_eq!(
            field("optional string = 4"),
            Some(("string".into(), "optional = 4".into()))
        );
        assert_eq!(
            field("repeated  map < string , int32 >  m = 7"),
            Some(("m".into(), "repeated map < string , int32 > = 7".into()))
        );
        assert_eq!(field("required string x = 1"), None);
        assert_eq!(
            field("mapping x = 2"),
            Some(("x".into(), "mapping = 2".into()))
        );
        assert_eq!(
            field(".pkg.Type x = 02"),
            Some(("x".into(), ".pkg.Type = 02".into()))
        );
        assert_eq!(field("string x = 1 x"), None);
        assert_eq!(
            field("string x = 1[a]"),
            Some(("x".into(), "string = 1".into()))
        );
        assert_eq!(field("string x = 1 ["), None);
        assert_eq!(field("option x = 1"), None);
        assert_eq!(field("reserved 1, 2"), None);
        assert_eq!(field(""), None);
        assert_eq!(field("map<a, map<b, c>> x = 1"), None);
    }

    #[test]
    fn block_header_rules() {
        // `^` is the scan position after a block, so a block may follow `}` on the same line.
        let d = doc("message A { string a = 1; } message B { string b = 1; }\n  x message C { }\nmessage\nD\n{ }\n");
        assert_eq!(d.messages().collect::<Vec<_>>(), ["A", "B", "D"]);
        // Unbalanced: blocks before the problem count.
        let d = doc("service S { rpc A(X) returns (Y); }\nmessage Broken {\n  string a = 1;\n");
        assert_eq!(d.services().collect::<Vec<_>>(), ["S"]);
        assert_eq!(d.messages().count(), 0);
        // A duplicate block: the last one wins, as in a Go map.
        let d = doc("message A { string a = 1; }\nmessage A { int32 b = 2; }\n");
        assert_eq!(d.fields("A"), vec![("b", "int32 = 2")]);
    }

    #[test]
    fn rpc_matching() {
        let d = doc("service S {\n  rpc  A (\n  X\n ) returns (\n stream   Y\n );\n  xrpc B(X) returns (Y);\n  rpc C(X) returnz (Y);\n  rpc D(stream X) returns (stream Y) { option (z) = {}; }\n}\n");
        assert_eq!(
            d.rpcs("S"),
            vec![
                ("A", "(X) returns (stream Y)"),
                ("D", "(stream X) returns (stream Y)"),
            ]
        );
    }

    #[test]
    fn pathological_inputs_scan_in_linear_time() {
        let n = 200_000;
        let cases = [
            format!("service S {{\n{}}}\n", "rpc a(".repeat(n)),
            format!("service S {{\n{}) x }}\n", "rpc a(".repeat(n)),
            format!(
                "service S {{\n{}) {} x }}\n",
                "rpc a(".repeat(n / 10),
                " ".repeat(n)
            ),
            format!("{}\n", "message\n".repeat(n)),
            format!("message A {{\n{}}}\n", "a b = 1 ".repeat(n)),
            "\"".repeat(n),
            format!("{}\n", "\"\\".repeat(n)),
            format!("{}\n", "'\\\"\\".repeat(n)),
            "/*".repeat(n),
            format!("service{}", "\n".repeat(n)),
        ];
        let t = std::time::Instant::now();
        for c in &cases {
            let _ = doc(c);
        }
        assert!(t.elapsed().as_secs() < 10, "took {:?}", t.elapsed());
    }

    #[test]
    fn invalid_utf8_is_still_scanned() {
        let d = ProtoDoc::parse_bytes(
            "a.proto",
            b"// caf\xe9\nmessage A {\n  string a = 1; // \xff\n}\nservice S { rpc G(\xfeX) returns (Y); }\n",
        );
        assert_eq!(d.fields("A"), vec![("a", "string = 1")]);
        assert_eq!(d.rpcs("S"), vec![("G", "(\u{fffd}X) returns (Y)")]);
        assert_eq!(d.messages["A"].line, 2);
        let big = vec![b' '; MAX_DOCUMENT_BYTES + 1];
        assert!(ProtoDoc::parse_bytes("b.proto", &big).too_large().is_some());
    }

    #[test]
    fn too_large_is_not_read_and_gives_no_changes() {
        let big = " ".repeat(MAX_DOCUMENT_BYTES + 1);
        let d = doc(&big);
        assert_eq!(d.too_large(), Some(MAX_DOCUMENT_BYTES + 1));
        assert!(diff(&doc(BASE), &d).is_empty());
    }
}
