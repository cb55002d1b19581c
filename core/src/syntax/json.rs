//! The JSON fast path of [`super::parse`]: a span-preserving JSON reader that builds the same
//! [`Tree`] the YAML reader builds for the same text, 6–10 times faster (about 300 MB/s on
//! pretty-printed OpenAPI documents, where saphyr-parser reads about 35 MB/s; the cost is mostly
//! per node, so compact JSON reads at fewer MB/s).
//!
//! Same tree means: the same nodes in the same order (so the same [`NodeId`]s), the same byte
//! spans (a string from its opening through its closing quote, a container from its bracket
//! through its closing bracket), keys and strings as double-quoted [`Resolved::Str`] scalars with
//! their escapes processed, numbers, `true`, `false` and `null` as plain scalars resolved by
//! [`resolve`], the same non-fatal `DUPLICATE_KEY` errors in the same order, and the same
//! `YAML_LIMIT_EXCEEDED` errors for [`Limits::max_depth`], [`Limits::max_nodes`] and
//! [`Limits::max_expanded_nodes`] (JSON has no aliases, so a node's expanded size is the size of
//! its subtree).
//!
//! Anything that is not strict JSON (RFC 8259) is refused with a `PARSE_ERROR` at the offending
//! byte, and [`super::parse`] then reads the text as YAML: JSON-like YAML (comments, single
//! quotes, trailing commas, unquoted keys, a second document) parses exactly as before.
//!
//! Where the two readers differ, it is on valid JSON that the YAML reader refuses: surrogate
//! pairs (`"\ud83d\ude00"`, which saphyr-parser rejects as an invalid escape) and a tab right
//! after a `:` (which saphyr-parser rejects as "':' must be followed by a valid YAML
//! whitespace"). This reader accepts both, as JSON requires. A lone surrogate is refused (there
//! is no such character), so such a document gets the YAML reader's error. Nesting of 256 levels
//! or more within one line is refused by both with `YAML_LIMIT_EXCEEDED`, but saphyr-parser says
//! "recursion limit exceeded" at the 256th bracket where this reader reports the depth limit at
//! the first bracket past [`Limits::max_depth`].
//!
//! The reader is a loop over an explicit stack: no recursion, whatever the nesting.

use super::tree::{
    resolve, Entry, Limits, NodeData, NodeId, NodeKind, Parsed, Resolved, Scalar, Style,
    SyntaxError, Tree,
};
use super::{ColumnUnit, LineIndex, Span};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Whether the first byte after JSON whitespace opens an object or an array.
pub(super) fn starts_like_json(text: &str) -> bool {
    text.bytes()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .is_some_and(|b| b == b'{' || b == b'[')
}

/// Read `text` as one JSON value (an object or an array, optionally surrounded by whitespace).
///
/// `Err` is a JSON syntax error (`PARSE_ERROR`, an empty span at the offending byte): the text is
/// not strict JSON and should be read as YAML. `Ok` is what [`super::parse`] returns: a tree with
/// any duplicate-key errors, or no tree and a `YAML_LIMIT_EXCEEDED` error.
pub(super) fn parse(text: &str, limits: &Limits) -> Result<Parsed, SyntaxError> {
    let mut reader = Reader::new(text, limits);
    let outcome = reader.run();
    let mut errors = std::mem::take(&mut reader.errors);
    let line_index = match reader.line_index.take() {
        Some(index) => index,
        None => LineIndex::new(text),
    };
    match outcome {
        Ok(root) => {
            let tree = Tree::from_arena(reader.nodes, root, line_index.clone());
            Ok(Parsed {
                tree: Some(tree),
                errors,
                line_index,
            })
        }
        Err(Fail::Limit(e)) => {
            errors.push(e);
            Ok(Parsed {
                tree: None,
                errors,
                line_index,
            })
        }
        Err(Fail::Syntax(e)) => Err(e),
    }
}

enum Fail {
    /// Not JSON: read the text as YAML instead.
    Syntax(SyntaxError),
    /// A bound of [`Limits`] was passed: the document is refused.
    Limit(SyntaxError),
}

type Read<T> = Result<T, Fail>;

/// Mappings with more entries than this look for duplicate keys through a hash set of the keys'
/// hashes; smaller ones compare with each earlier key.
const LINEAR_KEYS: usize = 8;

/// The hash of a key's text is used as is by the per-mapping sets.
#[derive(Default)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only u64s are hashed; this is never reached, but stay correct if it is.
        self.0 = hash_text(bytes);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Key hash -> index (in the mapping) of the first key with that hash.
type KeySet = HashMap<u64, usize, BuildHasherDefault<IdentityHasher>>;

/// FxHash over 8-byte words, finished with a multiply-xorshift so the high bits (which the hash
/// table uses for its control bytes) are well mixed.
fn hash_text(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    let mut tail = 0u64;
    for (i, b) in chunks.remainder().iter().enumerate() {
        tail |= u64::from(*b) << (8 * i);
    }
    h = (h.rotate_left(5) ^ tail).wrapping_mul(K);
    h ^= h >> 29;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^ (h >> 32)
}

/// An open object or array.
struct Frame {
    id: NodeId,
    map: bool,
    /// Where this container's children start in [`Reader::items`] or [`Reader::entries`].
    start: usize,
    /// A key read, waiting for its value.
    key: Option<NodeId>,
    /// Hashes of the keys so far, once the mapping has more than [`LINEAR_KEYS`] entries.
    seen: Option<KeySet>,
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    limits: Limits,
    nodes: Vec<NodeData>,
    frames: Vec<Frame>,
    /// Children of the open arrays, innermost last (one buffer for all, so a container's
    /// children are copied once, into a vector of the right size, when it closes).
    items: Vec<NodeId>,
    /// Entries of the open objects, innermost last.
    entries: Vec<Entry>,
    errors: Vec<SyntaxError>,
    /// Built on the first duplicate key (for its message), then reused for the result.
    line_index: Option<LineIndex>,
    /// Emptied key sets, for reuse.
    set_pool: Vec<KeySet>,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str, limits: &Limits) -> Self {
        Reader {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            limits: *limits,
            // Generated and hand-written JSON both run at about one node per 10–20 bytes.
            nodes: Vec::with_capacity((text.len() / 16).min(limits.max_nodes) + 1),
            frames: Vec::new(),
            items: Vec::new(),
            entries: Vec::new(),
            errors: Vec::new(),
            line_index: None,
            set_pool: Vec::new(),
        }
    }

    fn syntax(&self, at: usize, what: &str) -> Fail {
        let at = at.min(self.bytes.len()) as u32;
        let message = match self.text.get(at as usize..).and_then(|s| s.chars().next()) {
            None => format!("invalid JSON: {what}, found the end of the text"),
            Some(found) => format!("invalid JSON: {what}, found {found:?}"),
        };
        Fail::Syntax(SyntaxError {
            code: "PARSE_ERROR",
            message,
            span: Span::new(at, at),
            fatal: true,
            path: Vec::new(),
            help: None,
        })
    }

    fn limit(&self, span: Span, message: String) -> Fail {
        Fail::Limit(SyntaxError {
            code: "YAML_LIMIT_EXCEEDED",
            message,
            span,
            fatal: true,
            path: Vec::new(),
            help: None,
        })
    }

    fn push_node(&mut self, kind: NodeKind, span: Span) -> Read<NodeId> {
        if self.nodes.len() >= self.limits.max_nodes {
            return Err(self.limit(
                span,
                format!("the document has more than {} nodes", self.limits.max_nodes),
            ));
        }
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(NodeData { kind, span });
        Ok(id)
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    /// Read the whole text; the root on success.
    fn run(&mut self) -> Read<NodeId> {
        'value: loop {
            self.skip_ws();
            let mut id = match self.bytes.get(self.pos) {
                Some(b'{') => {
                    self.open(true)?;
                    self.skip_ws();
                    if self.bytes.get(self.pos) == Some(&b'}') {
                        self.pos += 1;
                        self.close()?
                    } else {
                        self.key()?;
                        continue 'value;
                    }
                }
                Some(b'[') => {
                    self.open(false)?;
                    self.skip_ws();
                    if self.bytes.get(self.pos) == Some(&b']') {
                        self.pos += 1;
                        self.close()?
                    } else {
                        continue 'value;
                    }
                }
                Some(b'"') => {
                    let start = self.pos;
                    let text = self.string()?;
                    let span = Span::new(start as u32, self.pos as u32);
                    self.scalar(text, Style::DoubleQuoted, Resolved::Str, span)?
                }
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(b't') => self.literal("true", Resolved::Bool(true))?,
                Some(b'f') => self.literal("false", Resolved::Bool(false))?,
                Some(b'n') => self.literal("null", Resolved::Null)?,
                _ => return Err(self.syntax(self.pos, "expected a value")),
            };
            // A value is complete: attach it, then read on to the next value or closer.
            loop {
                if self.attach(id)? {
                    self.skip_ws();
                    if self.pos < self.bytes.len() {
                        return Err(self.syntax(self.pos, "expected the end of the document"));
                    }
                    return Ok(id);
                }
                self.skip_ws();
                let map = self.frames.last().is_some_and(|f| f.map);
                match (map, self.bytes.get(self.pos)) {
                    (_, Some(b',')) => {
                        self.pos += 1;
                        if map {
                            self.skip_ws();
                            self.key()?;
                        }
                        continue 'value;
                    }
                    (true, Some(b'}')) | (false, Some(b']')) => {
                        self.pos += 1;
                        id = self.close()?;
                    }
                    (true, _) => {
                        return Err(self.syntax(self.pos, "expected ',' or '}' after a member"))
                    }
                    (false, _) => {
                        return Err(self.syntax(self.pos, "expected ',' or ']' after an element"))
                    }
                }
            }
        }
    }

    /// Open the object or array whose bracket is at `pos`.
    fn open(&mut self, map: bool) -> Read<()> {
        let at = self.pos as u32;
        let bracket = Span::new(at, at + 1);
        if self.frames.len() >= self.limits.max_depth {
            return Err(self.limit(
                bracket,
                format!(
                    "the document nests deeper than {} levels",
                    self.limits.max_depth
                ),
            ));
        }
        let kind = if map {
            NodeKind::Mapping(Vec::new())
        } else {
            NodeKind::Sequence(Vec::new())
        };
        let id = self.push_node(kind, bracket)?;
        self.frames.push(Frame {
            id,
            map,
            start: if map {
                self.entries.len()
            } else {
                self.items.len()
            },
            key: None,
            seen: None,
        });
        self.pos += 1;
        Ok(())
    }

    /// Close the innermost container; `pos` is just past its closing bracket.
    fn close(&mut self) -> Read<NodeId> {
        let frame = self.frames.pop().expect("a container is open");
        let kind = if frame.map {
            let entries = self.entries[frame.start..].to_vec();
            self.entries.truncate(frame.start);
            NodeKind::Mapping(entries)
        } else {
            let items = self.items[frame.start..].to_vec();
            self.items.truncate(frame.start);
            NodeKind::Sequence(items)
        };
        if let Some(mut seen) = frame.seen {
            seen.clear();
            self.set_pool.push(seen);
        }
        let index = frame.id.0 as usize;
        let span = Span::new(self.nodes[index].span.start, self.pos as u32);
        self.nodes[index] = NodeData { kind, span };
        // Without aliases, the expanded size is the number of nodes in the subtree.
        let size = (self.nodes.len() - index) as u64;
        if size > self.limits.max_expanded_nodes {
            return Err(self.limit(span, self.expanded_message()));
        }
        Ok(frame.id)
    }

    fn expanded_message(&self) -> String {
        format!(
            "aliases expand this document to more than {} nodes; Pacto refuses it (possible alias bomb)",
            self.limits.max_expanded_nodes
        )
    }

    /// Attach a complete node (a key or a value) to the innermost container. True for the root.
    fn attach(&mut self, id: NodeId) -> Read<bool> {
        let Some(frame) = self.frames.last_mut() else {
            return Ok(true);
        };
        if !frame.map {
            self.items.push(id);
        } else if let Some(key) = frame.key.take() {
            self.check_duplicate(key);
            self.entries.push(Entry { key, value: id });
        } else {
            frame.key = Some(id);
        }
        // A container's size was checked when it closed; a scalar's is 1.
        if self.limits.max_expanded_nodes == 0 {
            let span = self.nodes[id.0 as usize].span;
            return Err(self.limit(span, self.expanded_message()));
        }
        Ok(false)
    }

    /// Report `key` when an earlier key of the innermost mapping has the same text (the value is
    /// complete, so nested duplicates come first, as in the YAML reader).
    fn check_duplicate(&mut self, key: NodeId) {
        let Some(frame) = self.frames.last_mut() else {
            return;
        };
        let nodes = &self.nodes;
        let text_of = |id: NodeId| match &nodes[id.0 as usize].kind {
            NodeKind::Scalar(s) => s.text.as_str(),
            _ => "",
        };
        let earlier = &self.entries[frame.start..];
        let text = text_of(key);
        let maybe = if earlier.len() < LINEAR_KEYS {
            None
        } else {
            let seen = frame.seen.get_or_insert_with(|| {
                let mut set = self.set_pool.pop().unwrap_or_default();
                for (i, e) in earlier.iter().enumerate() {
                    set.entry(hash_text(text_of(e.key).as_bytes())).or_insert(i);
                }
                set
            });
            match seen.entry(hash_text(text.as_bytes())) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(earlier.len());
                    return;
                }
                std::collections::hash_map::Entry::Occupied(o) => Some(*o.get()),
            }
        };
        // The first key with this text: where the hash points (one comparison), else (a hash
        // collision, or a small mapping) a scan. Many duplicate keys must not cost a scan each.
        let first = match maybe {
            Some(i) if earlier.get(i).is_some_and(|e| text_of(e.key) == text) => earlier.get(i),
            _ => earlier.iter().find(|e| text_of(e.key) == text),
        };
        let Some(first) = first else {
            return;
        };
        let first_start = nodes[first.key.0 as usize].span.start;
        let key_span = nodes[key.0 as usize].span;
        let source = self.text;
        let line = self
            .line_index
            .get_or_insert_with(|| LineIndex::new(source))
            .line_col(first_start, ColumnUnit::Utf8)
            .line
            + 1;
        let message = format!(
            "mapping key {} is already defined at line {line}",
            super::excerpt::quoted(text)
        );
        self.errors.push(SyntaxError {
            code: "DUPLICATE_KEY",
            message,
            span: key_span,
            fatal: false,
            path: Vec::new(),
            help: None,
        });
    }

    /// Read a member's key (at `pos`) and its `:`.
    fn key(&mut self) -> Read<()> {
        if self.bytes.get(self.pos) != Some(&b'"') {
            return Err(self.syntax(self.pos, "expected a string key"));
        }
        let start = self.pos;
        let text = self.string()?;
        let span = Span::new(start as u32, self.pos as u32);
        let id = self.scalar(text, Style::DoubleQuoted, Resolved::Str, span)?;
        self.attach(id)?;
        self.skip_ws();
        if self.bytes.get(self.pos) != Some(&b':') {
            return Err(self.syntax(self.pos, "expected ':' after a key"));
        }
        self.pos += 1;
        Ok(())
    }

    fn scalar(
        &mut self,
        text: String,
        style: Style,
        resolved: Resolved,
        span: Span,
    ) -> Read<NodeId> {
        self.push_node(
            NodeKind::Scalar(Scalar {
                text,
                style,
                resolved,
            }),
            span,
        )
    }

    /// `true`, `false` or `null` at `pos`.
    fn literal(&mut self, word: &'static str, resolved: Resolved) -> Read<NodeId> {
        let start = self.pos;
        if !self.bytes[start..].starts_with(word.as_bytes()) {
            return Err(self.syntax(start, "expected a value"));
        }
        self.pos += word.len();
        let span = Span::new(start as u32, self.pos as u32);
        self.scalar(word.to_string(), Style::Plain, resolved, span)
    }

    /// A number at `pos`: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Read<NodeId> {
        let b = self.bytes;
        let start = self.pos;
        let mut i = start;
        let negative = b[i] == b'-';
        if negative {
            i += 1;
        }
        let int_start = i;
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = b.get(i) {
                    i += 1;
                }
            }
            _ => return Err(self.syntax(i, "expected a digit")),
        }
        let int_end = i;
        let mut integer = true;
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !matches!(b.get(i), Some(b'0'..=b'9')) {
                return Err(self.syntax(i, "expected a digit after '.'"));
            }
            while let Some(b'0'..=b'9') = b.get(i) {
                i += 1;
            }
            integer = false;
        }
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            if !matches!(b.get(i), Some(b'0'..=b'9')) {
                return Err(self.syntax(i, "expected a digit in the exponent"));
            }
            while let Some(b'0'..=b'9') = b.get(i) {
                i += 1;
            }
            integer = false;
        }
        self.pos = i;
        let text = &self.text[start..i];
        let resolved = if integer && int_end - int_start <= 18 {
            // Fits an i64 whatever the digits: no overflow check needed.
            let magnitude = b[int_start..int_end]
                .iter()
                .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'));
            Resolved::Int(if negative { -magnitude } else { magnitude })
        } else if integer {
            // Large integers: i64, u64 or a float, exactly as a plain YAML scalar.
            resolve(text, Style::Plain, None)
        } else {
            match text.parse::<f64>() {
                Ok(f) => Resolved::Float(f),
                Err(_) => resolve(text, Style::Plain, None),
            }
        };
        let span = Span::new(start as u32, i as u32);
        self.scalar(text.to_string(), Style::Plain, resolved, span)
    }

    /// A string whose opening quote is at `pos`; leaves `pos` just past the closing quote.
    fn string(&mut self) -> Read<String> {
        let b = self.bytes;
        let start = self.pos + 1;
        let mut i = find_special(b, start);
        if b.get(i) == Some(&b'"') {
            // No escapes: the common case.
            self.pos = i + 1;
            return Ok(self.text[start..i].to_string());
        }
        let mut out = String::with_capacity(i - start + 16);
        let mut from = start;
        loop {
            match b.get(i) {
                Some(b'"') => {
                    out.push_str(&self.text[from..i]);
                    self.pos = i + 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    out.push_str(&self.text[from..i]);
                    i = self.escape(i, &mut out)?;
                    from = i;
                }
                Some(_) => {
                    return Err(self.syntax(i, "control characters must be escaped in a string"))
                }
                None => return Err(self.syntax(i, "unterminated string")),
            }
            i = find_special(b, i);
        }
    }

    /// The escape whose backslash is at `i`, appended to `out`; returns the index after it.
    fn escape(&self, i: usize, out: &mut String) -> Read<usize> {
        let c = match self.bytes.get(i + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let high = self.hex4(i + 2)?;
                let (code, next) = match high {
                    0xD800..=0xDBFF => {
                        if self.bytes.get(i + 6) != Some(&b'\\')
                            || self.bytes.get(i + 7) != Some(&b'u')
                        {
                            return Err(self.syntax(i, "a lone surrogate in a \\u escape"));
                        }
                        let low = self.hex4(i + 8)?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(self.syntax(i, "a lone surrogate in a \\u escape"));
                        }
                        (0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), i + 12)
                    }
                    0xDC00..=0xDFFF => {
                        return Err(self.syntax(i, "a lone surrogate in a \\u escape"))
                    }
                    _ => (high, i + 6),
                };
                let Some(c) = char::from_u32(code) else {
                    return Err(self.syntax(i, "an invalid \\u escape"));
                };
                out.push(c);
                return Ok(next);
            }
            _ => return Err(self.syntax(i + 1, "an invalid escape")),
        };
        out.push(c);
        Ok(i + 2)
    }

    /// Four hex digits at `i`.
    fn hex4(&self, i: usize) -> Read<u32> {
        let mut v = 0u32;
        for k in i..i + 4 {
            let d = match self.bytes.get(k) {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                _ => return Err(self.syntax(k, "expected four hex digits in a \\u escape")),
            };
            v = v * 16 + u32::from(d);
        }
        Ok(v)
    }
}

/// The index of the first `"`, `\` or control character (below U+0020) at or after `i`, or the
/// length of `b`. Eight bytes at a time: the lowest flagged byte of each word is exact.
#[inline]
fn find_special(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while i + 8 <= b.len() {
        let w = u64::from_le_bytes([
            b[i],
            b[i + 1],
            b[i + 2],
            b[i + 3],
            b[i + 4],
            b[i + 5],
            b[i + 6],
            b[i + 7],
        ]);
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        let flagged = (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (w.wrapping_sub(ONES * 0x20) & !w);
        let flagged = flagged & HIGH;
        if flagged != 0 {
            return i + (flagged.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && !matches!(b[i], b'"' | b'\\' | 0..=0x1f) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::super::tree::parse_yaml;
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    /// Every node reachable from the roots: same ids, kinds (children and scalars) and spans.
    fn tree_diff(a: &Tree, b: &Tree) -> Option<String> {
        if a.root().id() != b.root().id() {
            return Some(format!("roots {:?} / {:?}", a.root().id(), b.root().id()));
        }
        if a.line_index() != b.line_index() {
            return Some("line indexes differ".to_string());
        }
        let mut stack = vec![a.root().id()];
        while let Some(id) = stack.pop() {
            let (na, nb) = (a.node(id), b.node(id));
            if na.kind() != nb.kind() || a.written_span(id) != b.written_span(id) {
                return Some(format!(
                    "node {id:?}: {:?} {:?} / {:?} {:?}",
                    na.kind(),
                    a.written_span(id),
                    nb.kind(),
                    b.written_span(id)
                ));
            }
            match na.kind() {
                NodeKind::Sequence(items) => stack.extend(items.iter().copied()),
                NodeKind::Mapping(entries) => {
                    stack.extend(entries.iter().flat_map(|e| [e.key, e.value]))
                }
                _ => {}
            }
        }
        None
    }

    fn parsed_diff(json: &Parsed, yaml: &Parsed) -> Option<String> {
        if json.errors != yaml.errors {
            return Some(format!(
                "errors differ:\n json {:?}\n yaml {:?}",
                json.errors, yaml.errors
            ));
        }
        if json.line_index != yaml.line_index {
            return Some("line indexes differ".to_string());
        }
        match (&json.tree, &yaml.tree) {
            (Some(a), Some(b)) => tree_diff(a, b),
            (None, None) => None,
            _ => Some(format!(
                "tree: json {} / yaml {}",
                json.tree.is_some(),
                yaml.tree.is_some()
            )),
        }
    }

    /// The JSON reader accepts `text` and builds what the YAML reader builds.
    #[track_caller]
    fn assert_same_with(text: &str, limits: &Limits) -> Parsed {
        let json =
            parse(text, limits).unwrap_or_else(|e| panic!("not read as JSON: {e:?}\n{text}"));
        let yaml = parse_yaml(text, limits);
        if let Some(d) = parsed_diff(&json, &yaml) {
            panic!("{d}\n{text}");
        }
        json
    }

    #[track_caller]
    fn assert_same(text: &str) -> Parsed {
        assert_same_with(text, &Limits::default())
    }

    #[test]
    fn many_duplicate_keys_are_found_by_hash_and_read_as_yaml_does() {
        // 3,000 keys, each written twice, one per line: every duplicate names the first line.
        let mut text = String::from("{\n");
        for round in 0..2 {
            for i in 0..3_000 {
                text.push_str(&format!("\"k{i}\": {round},\n"));
            }
        }
        text.push_str("\"end\": 0\n}\n");
        let json = parse(&text, &Limits::default()).expect("read as JSON");
        assert_eq!(json.errors.len(), 3_000);
        assert!(
            json.errors[2_999].message.ends_with("at line 3001"),
            "{}",
            json.errors[2_999].message
        );
        assert!(
            json.errors[0].message.ends_with("at line 2"),
            "{}",
            json.errors[0].message
        );
        assert_eq!(
            parsed_diff(&json, &parse_yaml(&text, &Limits::default())),
            None
        );
    }

    #[test]
    fn json_documents_build_the_yaml_tree() {
        let docs = [
            "{}",
            "[]",
            "  {}  \n",
            "\n\r\n [ ] \r\n",
            r#"{"a":{},"b":[],"c":[{},[],[[]],{"d":{}}]}"#,
            r#"{"a":1,"b":{"c":[1,2,{"d":[true,false,null]}],"e":"x"},"f":[[["deep"]]]}"#,
            r#"[1,"two",3.0,[4],{"five":5},true,false,null,"",{"":""}]"#,
            // Escapes (saphyr-parser reads these the same way; surrogate pairs are below).
            r#"{"s":"\u00e9\u0041\u0000\u001f\u007f\u0085\u2028\ufeff\uFFFD\/\b\f\n\r\t\"\\"}"#,
            r#"{"\u00e9t\u00e9":"\\\"","k\ny":"a\u0020b"}"#,
            // Raw non-ASCII text: spans are byte offsets.
            "{\"日本\":\"😀 é\",\"x\":[\"名\",\"\u{85}\u{2028}\u{feff}\u{fffe}\u{7f}\"]}",
            // Numbers of every form.
            r#"[0,-0,1,-1,7,123,-123,100000,123456789012345678,-123456789012345678,
                1234567890123456789,-1234567890123456789,9223372036854775807,
                9223372036854775808,-9223372036854775808,-9223372036854775809,
                18446744073709551615,18446744073709551616,123456789012345678901234567890,
                0.0,-0.0,1.5,-1.5,0.1,3.14159,1e5,1E5,1e+5,1e-5,1E-5,-1e5,1.5e300,1e400,-1e400,
                1e-400,0e0,0.0e-0,2.5E+10,123456789012345678.5,9007199254740993,1.7976931348623157e308]"#,
            // Literals.
            r#"{"t":true,"f":false,"n":null,"l":[true,false,null]}"#,
            // Whitespace around every token, including line breaks before ':'.
            "{ \"a\" : 1 , \"b\"\n:\n[ 1 ,\n2 ] ,\"c\"\r\n:\r\n{ } }",
            "[\n1\n,\n2\n]",
            "{\"a\":\n[1,\n2]}",
            // Pretty-printed, CRLF.
            "{\r\n  \"openapi\": \"3.0.3\",\r\n  \"paths\": {\r\n    \"/a\": {\r\n      \"get\": {}\r\n    }\r\n  }\r\n}\r\n",
            // Tabs as indentation (not right after ':').
            "{\n\t\"a\": [\n\t\t1,\n\t\t2\n\t]\n}",
            // Strings that look like YAML.
            r##"{"#c":"# not a comment","k: v":"- item","&a":"*a","!t":"{[,]}","'":"'"}"##,
            // A key longer than YAML's 1024-character implicit key limit.
            &format!("{{\"{}\": 1}}", "k".repeat(1100)),
            // Many keys (the hashed duplicate check).
            &format!(
                "{{{}}}",
                (0..200)
                    .map(|i| format!("\"k{i}\": {i}"))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        ];
        for doc in docs {
            let p = assert_same(doc);
            assert!(p.errors.is_empty(), "{doc}: {:?}", p.errors);
            assert!(p.tree.is_some());
        }
    }

    #[test]
    fn numbers_resolve_like_plain_yaml_scalars() {
        let p = assert_same(
            r#"[0,-0,12,-9223372036854775808,18446744073709551615,18446744073709551616,1.5,-0.0,1e3]"#,
        );
        let tree = p.tree.unwrap();
        let got: Vec<Resolved> = tree
            .root()
            .items()
            .map(|n| n.as_scalar().unwrap().resolved)
            .collect();
        assert_eq!(
            got,
            [
                Resolved::Int(0),
                Resolved::Int(0),
                Resolved::Int(12),
                Resolved::Int(i64::MIN),
                Resolved::UInt(u64::MAX),
                Resolved::Float(18446744073709551616.0),
                Resolved::Float(1.5),
                Resolved::Float(-0.0),
                Resolved::Float(1000.0),
            ]
        );
    }

    #[test]
    fn duplicate_keys_are_reported_like_yaml() {
        let many: String = (0..40).map(|i| format!("\"k{i}\":{i},")).collect();
        let docs = [
            r#"{"a":1,"a":2}"#.to_string(),
            r#"{"a":1,"b":2,"a":3,"a":{"x":1,"x":{"y":1,"y":2}},"b":[{"c":1,"c":2}]}"#.to_string(),
            "{\n  \"a\": 1,\n  \"b\": {\n    \"a\": 2,\n    \"a\": 3\n  },\n  \"a\": 4\n}\n"
                .to_string(),
            // Escaped and unescaped forms of one key are the same key.
            r#"{"\u00e9":1,"é":2,"\u0041":3,"A":4}"#.to_string(),
            // Beyond the linear scan: the duplicate found through the hash set, first occurrence
            // far away.
            format!("{{{many}\"k3\":0,\"k39\":1,\"new\":2,\"new\":3}}"),
            format!("[{{{many}\"k0\":[{{\"z\":1,\"z\":2}}]}}]"),
        ];
        for doc in &docs {
            let p = assert_same(doc);
            assert!(
                !p.errors.is_empty() && p.errors.iter().all(|e| e.code == "DUPLICATE_KEY"),
                "{doc}: {:?}",
                p.errors
            );
            assert!(p.tree.is_some());
        }
        let p = assert_same(&docs[2]);
        assert_eq!(p.errors.len(), 2);
        assert!(p.errors[0].message.contains("line 4"), "{:?}", p.errors);
        assert!(p.errors[1].message.contains("line 2"), "{:?}", p.errors);
    }

    #[test]
    fn limits_are_the_yaml_limits() {
        // Depth: YAML's own scanner refuses 256 levels on one line with another message (see
        // the module documentation), so compare up to 255.
        for depth in [1, 2, 127, 128, 129, 130, 200, 255] {
            let seq = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            assert_same(&seq);
            let map = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
            assert_same(&map);
            let pretty: String = (0..depth)
                .map(|i| format!("{}{{\"k\": 1, \"k\":\n", " ".repeat(i)))
                .chain(std::iter::once("null".to_string()))
                .chain((0..depth).map(|_| "}".to_string()))
                .collect();
            assert_same(&pretty);
        }
        let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
        let json = parse(&deep, &Limits::default()).unwrap();
        let yaml = parse_yaml(&deep, &Limits::default());
        assert_eq!(json.errors[0].code, "YAML_LIMIT_EXCEEDED");
        assert_eq!(yaml.errors[0].code, "YAML_LIMIT_EXCEEDED");
        assert!(json.tree.is_none() && yaml.tree.is_none());

        let doc =
            r#"{"a": [1, {"b" : "x", "b": []}], "c": {"d": [true, null]}, "a": "é", "e": {}}"#;
        let nodes = 17;
        for n in 0..=nodes + 1 {
            for (max_nodes, max_expanded_nodes, max_depth) in [
                (n, 1_000, 128),
                (1_000, n as u64, 128),
                (1_000, 1_000, n.min(5)),
            ] {
                let limits = Limits {
                    max_nodes,
                    max_expanded_nodes,
                    max_depth,
                    ..Limits::default()
                };
                assert_same_with(doc, &limits);
            }
        }
        let p = assert_same_with(
            doc,
            &Limits {
                max_nodes: 5,
                ..Limits::default()
            },
        );
        assert!(p.tree.is_none());
        assert_eq!(p.errors.last().unwrap().code, "YAML_LIMIT_EXCEEDED");
    }

    #[test]
    fn surrogate_pairs_are_read_although_saphyr_refuses_them() {
        let text = r#"{"e":"\ud83d\ude00 \uD834\uDD1E","\ud83d\ude00":1}"#;
        let p = parse(text, &Limits::default()).unwrap();
        assert!(p.errors.is_empty());
        let tree = p.tree.unwrap();
        let (k, v) = tree.root().entries().next().unwrap();
        assert_eq!(&text[k.span().range()], "\"e\"");
        assert_eq!(v.as_str(), Some("😀 𝄞"));
        assert_eq!(&text[v.span().range()], r#""\ud83d\ude00 \uD834\uDD1E""#);
        assert_eq!(
            tree.root().to_json(),
            serde_json::from_str::<Value>(text).unwrap()
        );
        // The YAML reader refuses them; `parse` reads them.
        assert_eq!(
            parse_yaml(text, &Limits::default()).errors[0].code,
            "PARSE_ERROR"
        );
        assert!(super::super::parse(text, &Limits::default())
            .errors
            .is_empty());
        // The same document with the characters written out is the same tree but for spans.
        let literal = "{\"e\":\"😀 𝄞\",\"😀\":1}";
        let y = parse_yaml(literal, &Limits::default()).tree.unwrap();
        assert_eq!(y.root().to_json(), tree.root().to_json());

        // A lone surrogate is no character: not JSON, so the YAML reader's error.
        for lone in [
            r#"["\ud83d"]"#,
            r#"["\ude00"]"#,
            r#"["\ud83d\u0041"]"#,
            r#"["\ud83dx"]"#,
        ] {
            assert_eq!(
                parse(lone, &Limits::default()).unwrap_err().code,
                "PARSE_ERROR"
            );
            let p = super::super::parse(lone, &Limits::default());
            assert!(parsed_diff(&p, &parse_yaml(lone, &Limits::default())).is_none());
        }
    }

    #[test]
    fn a_tab_after_a_colon_is_json() {
        let text = "{\"a\":\t1}";
        assert_eq!(
            parse_yaml(text, &Limits::default()).errors[0].code,
            "PARSE_ERROR"
        );
        let p = super::super::parse(text, &Limits::default());
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.tree.unwrap().root().get("a").unwrap().as_i64(), Some(1));
    }

    #[test]
    fn json_like_yaml_falls_back_to_the_yaml_reader() {
        let docs = [
            "{\"a\": 1} # comment",
            "{\"a\": 1, # comment\n \"b\": 2}",
            "{'a': 'single'}",
            "{\"a\": 1,}",
            "[1, 2,]",
            "{a: 1, b: [x, y]}",
            "{\"a\": 1}\n---\n{\"b\": 2}\n",
            "{\"a\": 1}\n...\n",
            "[1, 2]   trailing",
            "{\"a\": 1}: {\"b\": 2}",
            "{\"a\": \"raw\ttab\"}",
            "{\"a\": \"line\n  folded\"}",
            "[.inf, -.inf, .nan, +1, 01, 0x1F, 1_000, 1., .5, -, ~, yes, True, NULL]",
            "[\"\\x41\", \"\\U0001F600\", \"\\e\", \"\\ \"]",
            "{\"a\": &x [1], \"b\": *x}",
            "{\"a\": !!str 1}",
            "{\"a\" 1}",
            "[1 2]",
            "{\"a\":1",
            "[",
            "[\"unterminated",
            "{\"a\": tru}",
            "{\"a\": nulls}",
            "[1]x",
            "{1: 2}",
        ];
        for doc in docs {
            let e = parse(doc, &Limits::default()).expect_err(doc);
            assert_eq!(e.code, "PARSE_ERROR", "{doc}");
            assert!(e.fatal && e.span.is_empty(), "{doc}: {e:?}");
            let p = super::super::parse(doc, &Limits::default());
            let yaml = parse_yaml(doc, &Limits::default());
            assert!(parsed_diff(&p, &yaml).is_none(), "{doc}");
        }
        // Some of them are good YAML.
        let p = super::super::parse("{'a': 'single', b: [x,],} # c", &Limits::default());
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(
            p.tree.unwrap().root().to_json(),
            serde_json::json!({"a": "single", "b": ["x"]})
        );
    }

    #[test]
    fn syntax_errors_point_at_the_offending_byte() {
        let cases = [
            ("{\"a\" 1}", 5),
            ("[1,]", 3),
            ("{\"a\":1,}", 7),
            ("[\"\\x\"]", 3),
            ("[1 2]", 3),
            ("{\"a\":tru}", 5),
            ("[", 1),
            ("[\"abc", 5),
            ("[01]", 2),
            ("[1.]", 3),
            ("[1e]", 3),
            ("[-]", 2),
            ("[\"\\u12G4\"]", 6),
            ("[\"a\tb\"]", 3),
            ("{} x", 3),
            ("[1] # c", 4),
        ];
        for (doc, at) in cases {
            let e = parse(doc, &Limits::default()).expect_err(doc);
            assert_eq!(e.code, "PARSE_ERROR", "{doc}");
            assert_eq!(e.span, Span::new(at, at), "{doc}: {}", e.message);
            assert!(e.message.starts_with("invalid JSON: "), "{}", e.message);
        }
    }

    #[test]
    fn only_objects_and_arrays_take_the_fast_path() {
        assert!(starts_like_json("{}"));
        assert!(starts_like_json(" \r\n\t[1]"));
        assert!(!starts_like_json(""));
        assert!(!starts_like_json("a: 1"));
        assert!(!starts_like_json("\u{feff}{}"));
        assert!(!starts_like_json("# c\n{}"));
        assert!(!starts_like_json("\"s\""));
    }

    #[test]
    fn special_characters_are_found_in_every_lane() {
        for len in 0..40 {
            for at in 0..len {
                for special in [b'"', b'\\', 0u8, 0x1f] {
                    let mut b = vec![b'a'; len];
                    b[at] = special;
                    if at + 1 < len {
                        b[at + 1] = b'"';
                    }
                    assert_eq!(find_special(&b, 0), at, "{len} {at} {special}");
                }
                let mut b = "é".repeat(len).into_bytes();
                b.push(b'"');
                assert_eq!(find_special(&b, 0), 2 * len);
            }
            assert_eq!(find_special(&vec![b' '; len], 0), len);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Properties.

    fn arb_string() -> impl Strategy<Value = String> {
        let special = prop::sample::select(vec![
            '"', '\\', '/', '\n', '\r', '\t', '\u{0}', '\u{1f}', '\u{7f}', '\u{85}', '\u{a0}',
            '\u{2028}', '\u{feff}', '\u{fffe}', 'é', '😀', '#', ':', ' ', '-', '\'', '{', '[',
        ]);
        let ch = prop_oneof![
            4 => prop::char::range('a', 'z'),
            2 => special,
            1 => any::<char>(),
        ];
        prop::collection::vec(ch, 0..12).prop_map(|v| v.into_iter().collect())
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1000i64..1000).prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            arb_string().prop_map(Value::String),
        ];
        let tree = leaf.prop_recursive(6, 96, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::vec((arb_string(), inner), 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        });
        // The fast path only takes objects and arrays.
        prop_oneof![
            prop::collection::vec(tree.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((arb_string(), tree), 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    }

    /// A JSON text with duplicate keys: members' keys come from a small alphabet.
    fn arb_duplicates() -> impl Strategy<Value = String> {
        let key = prop::sample::select(vec!["a", "b", "c", "\\u0061", "é"]);
        let leaf = prop_oneof![
            Just("1".to_string()),
            Just("\"s\"".to_string()),
            Just("[]".to_string()),
            Just("{}".to_string()),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            let key = key.clone();
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6)
                    .prop_map(|v| format!("[{}]", v.join(", "))),
                prop::collection::vec((key, inner), 0..8).prop_map(|m| {
                    let members: Vec<String> =
                        m.iter().map(|(k, v)| format!("\"{k}\":\n {v}")).collect();
                    format!("{{{}}}", members.join(",\n"))
                }),
            ]
        })
        .prop_filter("a container", |s| s.starts_with('{') || s.starts_with('['))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn serialised_values_read_the_same(value in arb_value()) {
            for text in [
                serde_json::to_string(&value).unwrap(),
                serde_json::to_string_pretty(&value).unwrap(),
            ] {
                let json = parse(&text, &Limits::default());
                prop_assert!(json.is_ok(), "not read as JSON: {:?}\n{}", json.err(), text);
                let json = json.unwrap();
                let yaml = parse_yaml(&text, &Limits::default());
                let diff = parsed_diff(&json, &yaml);
                prop_assert!(diff.is_none(), "{}\n{}", diff.unwrap_or_default(), text);
                let tree = json.tree.unwrap();
                prop_assert_eq!(tree.root().to_json(), value.clone());
            }
        }

        #[test]
        fn duplicate_keys_read_the_same(text in arb_duplicates()) {
            let json = parse(&text, &Limits::default());
            prop_assert!(json.is_ok(), "not read as JSON: {:?}\n{}", json.err(), text);
            let diff = parsed_diff(&json.unwrap(), &parse_yaml(&text, &Limits::default()));
            prop_assert!(diff.is_none(), "{}\n{}", diff.unwrap_or_default(), text);
        }

        /// Whatever the text, `parse` gives the YAML reader's result unless the JSON reader
        /// accepted it, and then it agrees with the YAML reader whenever that one reads it.
        #[test]
        fn mutated_documents_read_the_same(
            value in arb_value(),
            pretty in any::<bool>(),
            at in any::<prop::sample::Index>(),
            insert in prop::option::of(prop::sample::select(vec![
                "{", "}", "[", "]", ",", ":", "\"", "\\", " ", "\n", "0", "a", "-", ".", "e", "#",
                "'", "\\u", "1e", "tru",
            ])),
        ) {
            let mut text = if pretty {
                serde_json::to_string_pretty(&value).unwrap()
            } else {
                serde_json::to_string(&value).unwrap()
            };
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            match insert {
                Some(s) => text.insert_str(i, s),
                None if i < text.len() => {
                    text.remove(i);
                }
                None => {}
            }
            let limits = Limits::default();
            let yaml = parse_yaml(&text, &limits);
            let public = super::super::parse(&text, &limits);
            match parse(&text, &limits) {
                Err(e) => {
                    prop_assert_eq!(e.code, "PARSE_ERROR");
                    let diff = parsed_diff(&public, &yaml);
                    prop_assert!(diff.is_none(), "{}\n{}", diff.unwrap_or_default(), text);
                }
                Ok(json) => {
                    let diff = parsed_diff(&json, &public);
                    prop_assert!(diff.is_none(), "{}\n{}", diff.unwrap_or_default(), text);
                    if yaml.errors.iter().all(|e| !e.fatal) {
                        let diff = parsed_diff(&json, &yaml);
                        prop_assert!(diff.is_none(), "{}\n{}", diff.unwrap_or_default(), text);
                    }
                }
            }
        }
    }

    /// `cargo test --release -p pacto-core --lib json_throughput -- --ignored --nocapture`
    #[test]
    #[ignore = "a measurement, not a test"]
    fn json_throughput() {
        let mut paths = serde_json::Map::new();
        for i in 0..6000 {
            paths.insert(
                format!("/resource{i}/{{id}}/items"),
                serde_json::json!({
                    "get": {
                        "operationId": format!("get{i}"),
                        "summary": "Fetch the thing, with a description that is \"quoted\"",
                        "parameters": [
                            {"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}},
                            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}
                        ],
                        "responses": {
                            "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/Thing{}", i % 50)}}}},
                            "404": {"description": "Not found"}
                        }
                    }
                }),
            );
        }
        let doc = serde_json::json!({"openapi": "3.0.3", "paths": paths});
        for text in [
            serde_json::to_string(&doc).unwrap(),
            serde_json::to_string_pretty(&doc).unwrap(),
        ] {
            let mb = text.len() as f64 / 1e6;
            let time = |f: &dyn Fn() -> Parsed| {
                // The first run grows the heap; later runs reuse it, as a long-lived process would.
                drop(f());
                let mut best = f64::MAX;
                for _ in 0..7 {
                    let t = std::time::Instant::now();
                    let p = f();
                    best = best.min(t.elapsed().as_secs_f64());
                    assert!(p.tree.is_some() && p.errors.is_empty());
                }
                best
            };
            let json = time(&|| parse(&text, &Limits::default()).unwrap());
            let yaml = time(&|| parse_yaml(&text, &Limits::default()));
            println!(
                "{mb:.1} MB: JSON {:.1} ms ({:.0} MB/s), YAML {:.1} ms ({:.0} MB/s), serde_json::Value {:.1} ms",
                json * 1e3,
                mb / json,
                yaml * 1e3,
                mb / yaml,
                {
                    let t = std::time::Instant::now();
                    let v: Value = serde_json::from_str(&text).unwrap();
                    drop(v);
                    t.elapsed().as_secs_f64() * 1e3
                }
            );
        }
    }
}
