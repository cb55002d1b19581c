//! The span-preserving YAML tree: an arena of nodes built from saphyr-parser events.
//!
//! Every node keeps its byte [`Span`]. Aliases stay aliases (a node pointing at its anchor) so an
//! alias bomb costs no memory; its expanded size is computed while building and refused past
//! [`Limits::max_expanded_nodes`]. Scalars are resolved the way Go's `gopkg.in/yaml.v3` resolves
//! them (YAML 1.2 core schema plus yaml.v3's integer forms), because Go Pacto's verdicts depend on it.

use super::{LineIndex, Span};
use saphyr_parser::{Event, Parser, ScalarStyle, Span as YSpan};
use std::collections::HashMap;

/// Bounds on what the parser accepts. Every bound is checked while reading, so a hostile document
/// is refused in time and memory proportional to the bound, not to its expansion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted input, in bytes.
    pub max_bytes: usize,
    /// Deepest nesting of sequences and mappings.
    pub max_depth: usize,
    /// Most nodes written in the document.
    pub max_nodes: usize,
    /// Most nodes the document would have with every alias expanded (billion-laughs guard).
    pub max_expanded_nodes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 16 * 1024 * 1024,
            max_depth: 128,
            max_nodes: 2_000_000,
            max_expanded_nodes: 4_000_000,
        }
    }
}

/// Index of a node in a [`Tree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub(super) u32);

/// How a scalar is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// A scalar's value after yaml.v3-style resolution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    /// Integers above `i64::MAX` that still fit a u64.
    UInt(u64),
    Float(f64),
    /// Anything else, including timestamps (kept as their source text).
    Str,
}

impl Resolved {
    /// The YAML type name, for messages.
    pub fn type_name(self) -> &'static str {
        match self {
            Resolved::Null => "null",
            Resolved::Bool(_) => "boolean",
            Resolved::Int(_) | Resolved::UInt(_) => "integer",
            Resolved::Float(_) => "number",
            Resolved::Str => "string",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// The scalar's content after escape processing and folding.
    pub text: String,
    pub style: Style,
    pub resolved: Resolved,
}

/// One key/value pair of a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub key: NodeId,
    pub value: NodeId,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Scalar(Scalar),
    Sequence(Vec<NodeId>),
    Mapping(Vec<Entry>),
    /// `*name`: the node the anchor was put on.
    Alias(NodeId),
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct NodeData {
    pub(super) kind: NodeKind,
    pub(super) span: Span,
}

/// A problem found while reading YAML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// `PARSE_ERROR` (YAML syntax, empty document), `DUPLICATE_KEY` or `YAML_LIMIT_EXCEEDED`.
    pub code: &'static str,
    pub message: String,
    pub span: Span,
    /// Whether the tree is unusable (syntax errors, limits) or merely suspicious (duplicate keys).
    pub fatal: bool,
    /// For a fatal syntax error, the keys (and sequence indexes) of the nodes being read when the
    /// error was found, outermost first: the nearest enclosing or preceding key, so that a
    /// message can say where the problem is even though there is no tree. Empty at the top level.
    pub path: Vec<String>,
    /// What to do about it, when the reader knows better than its message (a tab used as
    /// indentation).
    pub help: Option<&'static str>,
}

/// A parsed YAML document.
#[derive(Debug, Clone)]
pub struct Tree {
    nodes: Vec<NodeData>,
    root: NodeId,
    line_index: LineIndex,
    /// The root's [`NodeRef::to_json`], once asked for with [`Tree::json`]; kept current by
    /// [`Tree::patch_scalar`] so that typing in a large file does not rebuild it.
    json: Option<serde_json::Value>,
}

/// What [`parse`] returns: a tree when the document could be read, and every problem found.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub tree: Option<Tree>,
    pub errors: Vec<SyntaxError>,
    pub line_index: LineIndex,
}

/// Parse the first YAML document of `text` (later documents are ignored, as yaml.v3's `Decode`
/// does). An empty document is an error, as in Go Pacto.
///
/// A document that starts with `{` or `[` is first read by the JSON fast path
/// ([`super::json`]), which builds the same tree; anything it does not accept as JSON is read
/// as YAML.
pub fn parse(text: &str, limits: &Limits) -> Parsed {
    if text.len() <= limits.max_bytes && super::json::starts_like_json(text) {
        if let Ok(parsed) = super::json::parse(text, limits) {
            return parsed;
        }
    }
    parse_yaml(text, limits)
}

/// [`parse`] without the JSON fast path.
pub(crate) fn parse_yaml(text: &str, limits: &Limits) -> Parsed {
    let line_index = LineIndex::new(text);
    if text.len() > limits.max_bytes {
        return Parsed {
            tree: None,
            errors: vec![SyntaxError {
                code: "YAML_LIMIT_EXCEEDED",
                message: format!(
                    "the file is {} bytes, more than the {} bytes Pacto reads",
                    text.len(),
                    limits.max_bytes
                ),
                span: Span::new(0, 0),
                fatal: true,
                path: Vec::new(),
                help: None,
            }],
            line_index,
        };
    }
    let mut builder = Builder::new(text, limits, &line_index);
    let outcome = builder.run();
    let mut errors = std::mem::take(&mut builder.errors);
    let tree = match outcome {
        Ok(Some(root)) => Some(Tree {
            nodes: builder.nodes,
            root,
            line_index: line_index.clone(),
            json: None,
        }),
        Ok(None) => {
            errors.push(SyntaxError {
                code: "PARSE_ERROR",
                message:
                    "the document is empty: a contract needs at least `pactoVersion` and `service`"
                        .to_string(),
                span: Span::new(0, 0),
                fatal: true,
                path: Vec::new(),
                help: None,
            });
            None
        }
        Err(e) => {
            errors.push(e);
            None
        }
    };
    Parsed {
        tree,
        errors,
        line_index,
    }
}

/// Converts saphyr's character indices into byte offsets. Events arrive almost in order, so a
/// cursor that walks forward (and restarts from its line when it must go back) is linear overall.
struct Offsets<'a> {
    text: &'a str,
    ascii: bool,
    char_pos: usize,
    byte_pos: usize,
}

impl<'a> Offsets<'a> {
    fn new(text: &'a str) -> Self {
        Offsets {
            text,
            ascii: text.is_ascii(),
            char_pos: 0,
            byte_pos: 0,
        }
    }

    fn byte(&mut self, char_index: usize) -> u32 {
        if self.ascii {
            return char_index.min(self.text.len()) as u32;
        }
        if char_index < self.char_pos {
            self.char_pos = 0;
            self.byte_pos = 0;
        }
        let rest = &self.text[self.byte_pos..];
        for (b, _) in rest.char_indices() {
            if self.char_pos == char_index {
                self.byte_pos += b;
                return self.byte_pos as u32;
            }
            self.char_pos += 1;
        }
        // Reached the end of the text.
        self.byte_pos = self.text.len();
        self.char_pos = char_index.min(self.char_pos);
        self.text.len() as u32
    }

    fn span(&mut self, s: &YSpan) -> Span {
        let start = self.byte(s.start.index());
        let end = self.byte(s.end.index());
        Span::new(start, end)
    }
}

enum Frame {
    Seq {
        id: NodeId,
        items: Vec<NodeId>,
        anchor: usize,
    },
    Map {
        id: NodeId,
        entries: Vec<Entry>,
        pending_key: Option<NodeId>,
        seen: HashMap<String, Span>,
        anchor: usize,
    },
}

struct Builder<'a> {
    text: &'a str,
    limits: Limits,
    nodes: Vec<NodeData>,
    /// Expanded size of each node (aliases count their target's size).
    sizes: Vec<u64>,
    /// Whether a node is complete (an alias to an incomplete node is recursive).
    complete: Vec<bool>,
    anchors: HashMap<usize, NodeId>,
    stack: Vec<Frame>,
    offsets: Offsets<'a>,
    errors: Vec<SyntaxError>,
    /// Line numbers for duplicate-key messages (a scan from the start per duplicate would make
    /// a document with many duplicates quadratic).
    line_index: &'a LineIndex,
}

type BuildResult<T> = Result<T, SyntaxError>;

impl<'a> Builder<'a> {
    fn new(text: &'a str, limits: &Limits, line_index: &'a LineIndex) -> Self {
        Builder {
            text,
            limits: *limits,
            nodes: Vec::new(),
            sizes: Vec::new(),
            complete: Vec::new(),
            anchors: HashMap::new(),
            stack: Vec::new(),
            offsets: Offsets::new(text),
            errors: Vec::new(),
            line_index,
        }
    }

    fn limit_error(&self, span: Span, message: String) -> SyntaxError {
        SyntaxError {
            code: "YAML_LIMIT_EXCEEDED",
            message,
            span,
            fatal: true,
            // As the JSON reader's limit errors (both readers must agree).
            path: Vec::new(),
            help: None,
        }
    }

    /// The keys and indexes of the collections being read, outermost first, ending with the
    /// nearest key (or item) before the reader's position: where a fatal error is reported.
    fn open_path(&self) -> Vec<String> {
        let key_text = |id: NodeId| match &self.nodes[id.0 as usize].kind {
            NodeKind::Scalar(s) => s.text.clone(),
            _ => "?".to_string(),
        };
        let mut tokens = Vec::new();
        let last = self.stack.len().saturating_sub(1);
        for (depth, frame) in self.stack.iter().enumerate() {
            let innermost = depth == last;
            match frame {
                // An enclosing sequence is reading its next item; in the innermost one the
                // nearest key is the one the sequence is under.
                Frame::Seq { .. } if innermost => break,
                Frame::Seq { items, .. } => tokens.push(items.len().to_string()),
                Frame::Map {
                    entries,
                    pending_key,
                    ..
                } => match pending_key.or_else(|| entries.last().map(|e| e.key)) {
                    Some(key) => tokens.push(key_text(key)),
                    None => break,
                },
            }
        }
        tokens
    }

    fn push_node(&mut self, kind: NodeKind, span: Span, size: u64) -> BuildResult<NodeId> {
        if self.nodes.len() >= self.limits.max_nodes {
            return Err(self.limit_error(
                span,
                format!("the document has more than {} nodes", self.limits.max_nodes),
            ));
        }
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(NodeData { kind, span });
        self.sizes.push(size);
        self.complete.push(size > 0);
        Ok(id)
    }

    /// Run the event loop. `Ok(None)` means the stream held no document.
    fn run(&mut self) -> BuildResult<Option<NodeId>> {
        let mut parser = Parser::new_from_str(self.text);
        let mut in_document = false;
        loop {
            let (event, yspan) = match parser.next_event() {
                None => return Ok(None),
                Some(Ok(ev)) => ev,
                Some(Err(e)) => {
                    let at = self.offsets.byte(e.marker().index());
                    let code = if e.info().contains("recursion limit") {
                        "YAML_LIMIT_EXCEEDED"
                    } else {
                        "PARSE_ERROR"
                    };
                    // saphyr often reports a tab used as indentation at the end of the line
                    // before it: point at the tab itself.
                    let look_ahead = e.info().contains("tab");
                    let (span, help) = match indentation_tab(self.text, at as usize, look_ahead) {
                        Some(tab) => (
                            Span::new(tab as u32, tab as u32 + 1),
                            Some("YAML indentation uses spaces: replace the tab with spaces"),
                        ),
                        None => (Span::new(at, at), None),
                    };
                    return Err(SyntaxError {
                        code,
                        message: format!("invalid YAML: {}", e.info()),
                        span,
                        fatal: true,
                        path: self.open_path(),
                        help,
                    });
                }
            };
            let span = self.offsets.span(&yspan);
            match event {
                Event::StreamStart | Event::Nothing => {}
                Event::StreamEnd => return Ok(None),
                Event::DocumentStart(_) => in_document = true,
                Event::DocumentEnd => {
                    if in_document {
                        return Ok(None);
                    }
                }
                Event::Alias(anchor) => {
                    let Some(&target) = self.anchors.get(&anchor) else {
                        return Err(SyntaxError {
                            code: "PARSE_ERROR",
                            message: "invalid YAML: alias to an unknown anchor".to_string(),
                            span,
                            fatal: true,
                            path: self.open_path(),
                            help: None,
                        });
                    };
                    if !self.complete[target.0 as usize] {
                        return Err(SyntaxError {
                            code: "PARSE_ERROR",
                            message: "invalid YAML: an alias refers to a node that contains it"
                                .to_string(),
                            span,
                            fatal: true,
                            path: self.open_path(),
                            help: None,
                        });
                    }
                    let size = self.sizes[target.0 as usize];
                    let id = self.push_node(NodeKind::Alias(target), span, size)?;
                    if let Some(root) = self.attach(id)? {
                        return Ok(Some(root));
                    }
                }
                Event::Scalar(value, style, anchor, tag) => {
                    let style = match style {
                        ScalarStyle::Plain => Style::Plain,
                        ScalarStyle::SingleQuoted => Style::SingleQuoted,
                        ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                        ScalarStyle::Literal => Style::Literal,
                        ScalarStyle::Folded => Style::Folded,
                    };
                    let tag = tag.map(|t| {
                        if t.is_yaml_core_schema() {
                            format!("!!{}", t.suffix)
                        } else {
                            t.to_string()
                        }
                    });
                    let resolved = resolve(&value, style, tag.as_deref());
                    let span = match self.quoted_end(span.start, style) {
                        Some(end) => Span::new(span.start, end),
                        None => span,
                    };
                    let scalar = Scalar {
                        text: value.into_owned(),
                        style,
                        resolved,
                    };
                    let id = self.push_node(NodeKind::Scalar(scalar), span, 1)?;
                    if anchor != 0 {
                        self.anchors.insert(anchor, id);
                    }
                    if let Some(root) = self.attach(id)? {
                        return Ok(Some(root));
                    }
                }
                Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                    if self.stack.len() >= self.limits.max_depth {
                        return Err(self.limit_error(
                            span,
                            format!(
                                "the document nests deeper than {} levels",
                                self.limits.max_depth
                            ),
                        ));
                    }
                    let is_seq = matches!(event, Event::SequenceStart(..));
                    let kind = if is_seq {
                        NodeKind::Sequence(Vec::new())
                    } else {
                        NodeKind::Mapping(Vec::new())
                    };
                    let id = self.push_node(kind, span, 0)?;
                    if anchor != 0 {
                        self.anchors.insert(anchor, id);
                    }
                    self.stack.push(if is_seq {
                        Frame::Seq {
                            id,
                            items: Vec::new(),
                            anchor,
                        }
                    } else {
                        Frame::Map {
                            id,
                            entries: Vec::new(),
                            pending_key: None,
                            seen: HashMap::new(),
                            anchor,
                        }
                    });
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let Some(frame) = self.stack.pop() else {
                        continue;
                    };
                    let (id, kind, children_size, _anchor) = match frame {
                        Frame::Seq { id, items, anchor } => {
                            let size = items
                                .iter()
                                .fold(0u64, |acc, c| acc.saturating_add(self.sizes[c.0 as usize]));
                            (id, NodeKind::Sequence(items), size, anchor)
                        }
                        Frame::Map {
                            id,
                            entries,
                            anchor,
                            ..
                        } => {
                            let size = entries.iter().fold(0u64, |acc, e| {
                                acc.saturating_add(self.sizes[e.key.0 as usize])
                                    .saturating_add(self.sizes[e.value.0 as usize])
                            });
                            (id, NodeKind::Mapping(entries), size, anchor)
                        }
                    };
                    let size = children_size.saturating_add(1);
                    let idx = id.0 as usize;
                    let start = self.nodes[idx].span.start;
                    // Block collections end where their last child ends (saphyr reports the
                    // position of the next token).
                    let end = match &kind {
                        NodeKind::Sequence(items) => {
                            items.last().map(|c| self.nodes[c.0 as usize].span.end)
                        }
                        NodeKind::Mapping(entries) => entries
                            .last()
                            .map(|e| self.nodes[e.value.0 as usize].span.end),
                        _ => None,
                    };
                    let flow_end = self.flow_end(start, end);
                    let end = flow_end.or(end).unwrap_or(span.end).max(start);
                    self.nodes[idx].kind = kind;
                    self.nodes[idx].span = Span::new(start, end);
                    self.sizes[idx] = size;
                    self.complete[idx] = true;
                    if size > self.limits.max_expanded_nodes {
                        return Err(self.limit_error(
                            Span::new(start, end),
                            format!(
                                "aliases expand this document to more than {} nodes; Pacto refuses it (possible alias bomb)",
                                self.limits.max_expanded_nodes
                            ),
                        ));
                    }
                    if let Some(root) = self.attach(id)? {
                        return Ok(Some(root));
                    }
                }
            }
        }
    }

    /// Skip node properties (`&anchor`, `!tag`) and blanks from `i`.
    fn skip_props(&self, mut i: usize) -> usize {
        let b = self.text.as_bytes();
        loop {
            while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
                i += 1;
            }
            if i < b.len() && matches!(b[i], b'&' | b'!') {
                while i < b.len() && !matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
                    i += 1;
                }
            } else {
                return i;
            }
        }
    }

    /// For a flow collection (`[..]`, `{..}`, possibly after an anchor or tag), the end is just
    /// after its closing bracket: scan from its last child (or its opener) over blanks, commas,
    /// colons and comments.
    fn flow_end(&self, start: u32, last_child_end: Option<u32>) -> Option<u32> {
        let b = self.text.as_bytes();
        let open_at = self.skip_props(start as usize);
        let closer = match b.get(open_at)? {
            b'[' => b']',
            b'{' => b'}',
            _ => return None,
        };
        let mut i = last_child_end.map_or(open_at + 1, |e| (e as usize).max(open_at + 1));
        while i < b.len() {
            match b[i] {
                c if c == closer => return Some(i as u32 + 1),
                b' ' | b'\t' | b'\r' | b'\n' | b',' | b':' | b'?' => i += 1,
                b'#' => {
                    while i < b.len() && b[i] != b'\n' {
                        i += 1;
                    }
                }
                _ => return None,
            }
        }
        None
    }

    /// For a quoted scalar, the end is just after its closing quote (saphyr's span also covers
    /// trailing blanks and a comment).
    fn quoted_end(&self, start: u32, style: Style) -> Option<u32> {
        let b = self.text.as_bytes();
        let open_at = self.skip_props(start as usize);
        let quote = match (style, b.get(open_at)?) {
            (Style::DoubleQuoted, b'"') => b'"',
            (Style::SingleQuoted, b'\'') => b'\'',
            _ => return None,
        };
        let mut i = open_at + 1;
        while i < b.len() {
            if quote == b'"' && b[i] == b'\\' {
                i += 2;
                continue;
            }
            if b[i] == quote {
                if quote == b'\'' && b.get(i + 1) == Some(&b'\'') {
                    i += 2;
                    continue;
                }
                return Some(i as u32 + 1);
            }
            i += 1;
        }
        None
    }

    /// Attach a finished node to its parent. Returns the root when the document is complete.
    fn attach(&mut self, id: NodeId) -> BuildResult<Option<NodeId>> {
        let total = self.sizes[id.0 as usize];
        let line_index = self.line_index;
        let Some(frame) = self.stack.last_mut() else {
            return Ok(Some(id));
        };
        match frame {
            Frame::Seq { items, .. } => items.push(id),
            Frame::Map {
                entries,
                pending_key,
                seen,
                ..
            } => match pending_key.take() {
                None => *pending_key = Some(id),
                Some(key) => {
                    let key_data = &self.nodes[key.0 as usize];
                    if let NodeKind::Scalar(s) = &key_data.kind {
                        let key_span = key_data.span;
                        if let Some(first) = seen.get(&s.text) {
                            let line = line_index
                                .line_col(first.start, super::ColumnUnit::Utf8)
                                .line
                                + 1;
                            self.errors.push(SyntaxError {
                                code: "DUPLICATE_KEY",
                                message: format!(
                                    "mapping key {} is already defined at line {}",
                                    super::excerpt::quoted(&s.text),
                                    line
                                ),
                                span: key_span,
                                fatal: false,
                                path: Vec::new(),
                                help: None,
                            });
                        } else {
                            seen.insert(s.text.clone(), key_span);
                        }
                    }
                    entries.push(Entry { key, value: id });
                }
            },
        }
        if total > self.limits.max_expanded_nodes {
            let span = self.nodes[id.0 as usize].span;
            return Err(self.limit_error(
                span,
                format!(
                    "aliases expand this document to more than {} nodes; Pacto refuses it (possible alias bomb)",
                    self.limits.max_expanded_nodes
                ),
            ));
        }
        Ok(None)
    }
}

/// The first tab in the indentation of the line holding byte `at`, or of the line after it when
/// `at` ends its line or `look_ahead` (saphyr reports a tab that starts a line at the end of the
/// line before, or at the start of a plain scalar that it was continuing).
fn indentation_tab(text: &str, at: usize, look_ahead: bool) -> Option<usize> {
    let b = text.as_bytes();
    let at = at.min(b.len());
    let mut start = b[..at]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |i| i + 1);
    let at_line_end = b[at..]
        .iter()
        .take_while(|&&c| c != b'\n')
        .all(|&c| c == b' ' || c == b'\t' || c == b'\r');
    for _ in 0..if at_line_end || look_ahead { 2 } else { 1 } {
        let mut i = start;
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            if b[i] == b'\t' {
                return Some(i);
            }
            i += 1;
        }
        match b[start..].iter().position(|&c| c == b'\n') {
            Some(nl) => start += nl + 1,
            None => break,
        }
    }
    None
}

/// Resolve a scalar as yaml.v3 does when decoding into an untyped value.
pub fn resolve(text: &str, style: Style, tag: Option<&str>) -> Resolved {
    match tag {
        Some("!!str") | Some("!!binary") | Some("!!timestamp") => return Resolved::Str,
        Some("!!null") => return Resolved::Null,
        _ => {}
    }
    if style != Style::Plain && tag.is_none() {
        return Resolved::Str;
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "true" | "True" | "TRUE" => return Resolved::Bool(true),
        "false" | "False" | "FALSE" => return Resolved::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return Resolved::Str;
    }
    let plain: String = text.chars().filter(|c| *c != '_').collect();
    if let Some(v) = parse_go_int(&plain) {
        return v;
    }
    if is_yaml_float(&plain) {
        if let Ok(f) = plain.parse::<f64>() {
            return Resolved::Float(f);
        }
    }
    Resolved::Str
}

/// Go's `strconv.ParseInt(s, 0, 64)` then `ParseUint(s, 0, 64)`: optional sign, then `0x`, `0o`,
/// `0b` prefixes, a leading `0` for octal, or decimal.
fn parse_go_int(s: &str) -> Option<Resolved> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        if magnitude <= i64::MAX as u64 + 1 {
            Some(Resolved::Int((magnitude as i128).wrapping_neg() as i64))
        } else {
            None
        }
    } else if magnitude <= i64::MAX as u64 {
        Some(Resolved::Int(magnitude as i64))
    } else {
        Some(Resolved::UInt(magnitude))
    }
}

/// yaml.v3's float pattern: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-') | Some(b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e') | Some(b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-') | Some(b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// A node of a [`Tree`], with aliases followed.
#[derive(Clone, Copy)]
pub struct NodeRef<'t> {
    tree: &'t Tree,
    id: NodeId,
}

impl std::fmt::Debug for NodeRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NodeRef({:?} {:?})", self.id, self.span())
    }
}

/// Whether `t` reads back as one plain scalar with no YAML structure in it, in block or flow
/// context: conservative (a token that might be something else is refused, never misread).
fn is_simple_plain(t: &str) -> bool {
    let Some(first) = t.chars().next() else {
        return false;
    };
    if t.starts_with(char::is_whitespace) || t.ends_with(char::is_whitespace) || t.ends_with(':') {
        return false;
    }
    if "?:,[]{}#&*!|>'\"%@`".contains(first) {
        return false;
    }
    if first == '-' && !t[1..].starts_with(|c: char| !c.is_whitespace()) {
        return false;
    }
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        let ok = c.is_alphanumeric()
            || (!c.is_ascii() && !c.is_whitespace() && !c.is_control())
            || " ._/+=~^<>()-$@%".contains(c);
        let colon = c == ':' && chars.peek().is_some_and(|n| !n.is_whitespace());
        if !(ok || colon) || c == '\u{feff}' || c == '\u{85}' || c == '\u{2028}' || c == '\u{2029}'
        {
            return false;
        }
    }
    true
}

/// A scalar token as written, if it is one this module can re-read without the parser:
/// a simple plain scalar, or a quoted one with nothing to escape.
fn simple_token(t: &str) -> Option<(String, Style)> {
    for (q, style) in [('"', Style::DoubleQuoted), ('\'', Style::SingleQuoted)] {
        if let Some(inner) = t.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            if t.len() >= 2
                && !inner.contains([q, '\\', '\n', '\r'])
                && !inner.contains(char::is_control)
            {
                return Some((inner.to_string(), style));
            }
            return None;
        }
    }
    is_simple_plain(t).then(|| (t.to_string(), Style::Plain))
}

impl Tree {
    /// Apply a text edit that stays inside one value scalar without changing the document's
    /// structure: replace bytes `range` of `old_text` with `insert` (`new_text` is the result).
    /// Spans after the edit shift and the enclosing collections grow or shrink; the result is
    /// the tree a fresh parse of `new_text` gives. Returns `false`, leaving the tree as it was,
    /// whenever that cannot be guaranteed (a key, a tag or anchor, several lines, a token that
    /// needs the parser): the caller then parses again.
    pub fn patch_scalar(
        &mut self,
        old_text: &str,
        range: std::ops::Range<usize>,
        insert: &str,
        new_text: &str,
    ) -> bool {
        let (es, ee) = (range.start, range.end);
        if es > ee
            || ee > old_text.len()
            || new_text.len() != old_text.len() - (ee - es) + insert.len()
        {
            return false;
        }
        // The innermost scalar containing the edit, which must not be a mapping key.
        let mut keys = vec![false; self.nodes.len()];
        let mut target = None;
        for (i, n) in self.nodes.iter().enumerate() {
            match &n.kind {
                NodeKind::Mapping(entries) => {
                    for e in entries {
                        if let Some(k) = keys.get_mut(e.key.0 as usize) {
                            *k = true;
                        }
                    }
                }
                NodeKind::Alias(_) => return false,
                NodeKind::Scalar(_) => {
                    let sp = n.span;
                    if (sp.start as usize) <= es && ee <= sp.end as usize && sp.start < sp.end {
                        target = Some(i);
                    }
                }
                NodeKind::Sequence(_) => {}
            }
        }
        let Some(t) = target else {
            return false;
        };
        if keys[t] {
            return false;
        }
        let span = self.nodes[t].span;
        let (a, b) = (span.start as usize, span.end as usize);
        let Some(old_token) = old_text.get(a..b) else {
            return false;
        };
        if old_token.contains('\n') {
            return false;
        }
        // Only `key: value`, `- value` or a flow item: no tag or anchor in front.
        let before = old_text[..a].trim_end_matches([' ', '\t']);
        if !(before.ends_with(':')
            || before.ends_with('-')
            || before.ends_with(',')
            || before.ends_with('[')
            || before.ends_with('{'))
        {
            return false;
        }
        let (Some(head), Some(tail)) = (old_text.get(a..es), old_text.get(ee..b)) else {
            return false;
        };
        let token = format!("{head}{insert}{tail}");
        // What follows the token on its line must still end it: end of line, a comment, or a
        // flow separator, exactly as before.
        let after = &old_text[b..];
        if !(after.is_empty() || after.starts_with(['\n', '\r', ' ', ',', ']', '}'])) {
            return false;
        }
        let Some((text, style)) = simple_token(&token) else {
            return false;
        };
        // The old token must also have been simple, so its span was the whole token.
        let Some((old_value, _)) = simple_token(old_token) else {
            return false;
        };
        match &self.nodes[t].kind {
            NodeKind::Scalar(s) if s.text == old_value => {}
            _ => return false,
        }
        let delta = insert.len() as i64 - (ee - es) as i64;
        let shift = |x: u32| (x as i64 + delta) as u32;
        for (i, n) in self.nodes.iter_mut().enumerate() {
            let sp = &mut n.span;
            if i == t {
                sp.end = shift(sp.end);
            } else if sp.start as usize >= b {
                sp.start = shift(sp.start);
                sp.end = shift(sp.end);
            } else if sp.end as usize >= b && (sp.start as usize) <= a {
                sp.end = shift(sp.end);
            }
        }
        let resolved = resolve(&text, style, None);
        self.nodes[t].kind = NodeKind::Scalar(Scalar {
            text,
            style,
            resolved,
        });
        if !self.line_index.edit_within_line(es..ee, insert, new_text) {
            self.line_index = LineIndex::new(new_text);
        }
        self.patch_json(NodeId(t as u32));
        true
    }

    /// Same nodes, spans and root (tests of incremental updates).
    pub fn same_as(&self, other: &Tree) -> bool {
        self.root == other.root && self.nodes == other.nodes
    }
}

impl Tree {
    /// A tree from an arena built by another reader of this module (the JSON fast path).
    pub(super) fn from_arena(nodes: Vec<NodeData>, root: NodeId, line_index: LineIndex) -> Tree {
        Tree {
            nodes,
            root,
            line_index,
            json: None,
        }
    }

    /// The document as JSON (the root's [`NodeRef::to_json`]), computed on first use and kept.
    pub fn json(&mut self) -> &serde_json::Value {
        if self.json.is_none() {
            self.json = Some(self.root().to_json());
        }
        self.json.get_or_insert(serde_json::Value::Null)
    }

    /// The document as JSON: the kept one when [`Tree::json`] made it, else computed now.
    pub fn json_ref(&self) -> std::borrow::Cow<'_, serde_json::Value> {
        match &self.json {
            Some(v) => std::borrow::Cow::Borrowed(v),
            None => std::borrow::Cow::Owned(self.root().to_json()),
        }
    }

    /// The JSON location of node `target`: mapping keys and sequence indices from the root.
    /// `None` when the node is not reached through plain entries (a merge key, a duplicate key,
    /// a key that is not a scalar), so that a kept JSON document cannot be patched in place.
    fn json_path(&self, target: NodeId) -> Option<Vec<JsonStep>> {
        let want = self.nodes.get(target.0 as usize)?.span;
        let within = |id: NodeId| {
            let sp = self.nodes[id.0 as usize].span;
            sp.start <= want.start && want.end <= sp.end
        };
        let mut path = Vec::new();
        let mut cur = self.root;
        // Each step goes one level deeper, so the depth of the tree bounds the loop.
        for _ in 0..self.nodes.len() {
            if cur == target {
                return Some(path);
            }
            match &self.nodes[cur.0 as usize].kind {
                NodeKind::Mapping(entries) => {
                    let e = entries
                        .iter()
                        .find(|e| e.value == target || within(e.value))?;
                    if is_merge_key(self, e.key) {
                        return None;
                    }
                    let NodeKind::Scalar(k) = &self.nodes[e.key.0 as usize].kind else {
                        return None;
                    };
                    let key = key_string(k);
                    let same = entries
                        .iter()
                        .filter(|o| match &self.nodes[o.key.0 as usize].kind {
                            NodeKind::Scalar(ok) => key_string(ok) == key,
                            _ => false,
                        })
                        .count();
                    if same != 1 {
                        return None;
                    }
                    path.push(JsonStep::Key(key));
                    cur = e.value;
                }
                NodeKind::Sequence(items) => {
                    let i = items.iter().position(|&it| it == target || within(it))?;
                    path.push(JsonStep::Index(i));
                    cur = items[i];
                }
                NodeKind::Scalar(_) | NodeKind::Alias(_) => return None,
            }
        }
        None
    }

    /// After node `target` changed: update the kept JSON document in place, or drop it.
    fn patch_json(&mut self, target: NodeId) {
        let Some(mut json) = self.json.take() else {
            return;
        };
        let Some(path) = self.json_path(target) else {
            return;
        };
        let mut slot = &mut json;
        for step in &path {
            let next = match (step, slot) {
                (JsonStep::Key(k), serde_json::Value::Object(m)) => m.get_mut(k),
                (JsonStep::Index(i), serde_json::Value::Array(a)) => a.get_mut(*i),
                _ => None,
            };
            let Some(next) = next else {
                return;
            };
            slot = next;
        }
        *slot = self.node(target).to_json();
        self.json = Some(json);
    }

    pub fn root(&self) -> NodeRef<'_> {
        self.node(self.root)
    }

    /// The node `id`, following aliases to their anchors.
    pub fn node(&self, id: NodeId) -> NodeRef<'_> {
        let mut id = id;
        // Aliases always point at complete, earlier nodes, so this terminates.
        while let NodeKind::Alias(target) = self.nodes[id.0 as usize].kind {
            id = target;
        }
        NodeRef { tree: self, id }
    }

    pub fn line_index(&self) -> &LineIndex {
        &self.line_index
    }

    /// Span of the node as written, without following aliases (an alias's own `*name`).
    pub fn written_span(&self, id: NodeId) -> Span {
        self.nodes[id.0 as usize].span
    }

    /// Follow a path of mapping keys and sequence indices (JSON-pointer tokens, unescaped).
    /// Returns the deepest node reached and how many tokens were consumed.
    pub fn walk<'t, S: AsRef<str>>(&'t self, tokens: &[S]) -> (NodeRef<'t>, usize) {
        let mut node = self.root();
        for (i, tok) in tokens.iter().enumerate() {
            let next = match node.kind() {
                NodeKind::Mapping(_) => node.get(tok.as_ref()),
                NodeKind::Sequence(_) => tok
                    .as_ref()
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| node.item(i)),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => return (node, i),
            }
        }
        (node, tokens.len())
    }

    /// The span of the key under which the node at `tokens` sits (for a sequence item, the item
    /// itself; for the root, the first key of the document or an empty span at 0).
    pub fn key_span<S: AsRef<str>>(&self, tokens: &[S]) -> Span {
        let Some((last, parent_tokens)) = tokens.split_last() else {
            return self
                .root()
                .entries()
                .next()
                .map(|(k, _)| k.span())
                .unwrap_or_default();
        };
        let (parent, used) = self.walk(parent_tokens);
        if used < parent_tokens.len() {
            return parent.key_or_self_span();
        }
        match parent.kind() {
            NodeKind::Mapping(_) => match parent.entry(last.as_ref()) {
                Some((k, _)) => k.span(),
                None => parent.span(),
            },
            NodeKind::Sequence(_) => last
                .as_ref()
                .parse::<usize>()
                .ok()
                .and_then(|i| parent.item(i))
                .map_or(parent.span(), |n| n.span()),
            _ => parent.span(),
        }
    }
}

impl<'t> NodeRef<'t> {
    pub fn id(self) -> NodeId {
        self.id
    }

    pub fn tree(self) -> &'t Tree {
        self.tree
    }

    pub fn kind(self) -> &'t NodeKind {
        &self.tree.nodes[self.id.0 as usize].kind
    }

    pub fn span(self) -> Span {
        self.tree.nodes[self.id.0 as usize].span
    }

    /// This node's span, or for an empty mapping/sequence at the end of a key, still its own span.
    fn key_or_self_span(self) -> Span {
        self.span()
    }

    pub fn as_scalar(self) -> Option<&'t Scalar> {
        match self.kind() {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The scalar's text whatever its resolved type (Go decodes any scalar into a string field
    /// as its source text). `None` for collections and null.
    pub fn as_str(self) -> Option<&'t str> {
        match self.as_scalar() {
            Some(s) if s.resolved != Resolved::Null => Some(&s.text),
            _ => None,
        }
    }

    /// The scalar's text only when YAML reads it as a string.
    pub fn as_string_typed(self) -> Option<&'t str> {
        match self.as_scalar() {
            Some(s) if s.resolved == Resolved::Str => Some(&s.text),
            _ => None,
        }
    }

    pub fn as_i64(self) -> Option<i64> {
        match self.as_scalar()?.resolved {
            Resolved::Int(i) => Some(i),
            Resolved::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
            _ => None,
        }
    }

    pub fn as_bool(self) -> Option<bool> {
        match self.as_scalar()?.resolved {
            Resolved::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn is_null(self) -> bool {
        matches!(self.as_scalar(), Some(s) if s.resolved == Resolved::Null)
    }

    pub fn is_mapping(self) -> bool {
        matches!(self.kind(), NodeKind::Mapping(_))
    }

    pub fn is_sequence(self) -> bool {
        matches!(self.kind(), NodeKind::Sequence(_))
    }

    /// Key/value pairs of a mapping (empty for anything else), in document order. Keys are
    /// scalars in every contract we know; a key that is a collection is skipped by [`Self::get`].
    pub fn entries(self) -> Entries<'t> {
        let tree = self.tree;
        let entries: &'t [Entry] = match self.kind() {
            NodeKind::Mapping(e) => e,
            _ => &[],
        };
        if entries.iter().any(|e| is_merge_key(tree, e.key)) {
            Entries::Merged(self.merged_entries(0).into_iter())
        } else {
            Entries::Plain(tree, entries.iter())
        }
    }

    /// Entries with YAML merge keys (`<<: *base`, `<<: [*a, *b]`) applied as yaml.v3 does:
    /// explicit keys win, then earlier merged mappings over later ones.
    fn merged_entries(self, depth: usize) -> Vec<(NodeRef<'t>, NodeRef<'t>)> {
        let tree = self.tree;
        let NodeKind::Mapping(entries) = self.kind() else {
            return Vec::new();
        };
        let mut out: Vec<(NodeRef<'t>, NodeRef<'t>)> = Vec::new();
        let mut merged: Vec<(NodeRef<'t>, NodeRef<'t>)> = Vec::new();
        for e in entries {
            if is_merge_key(tree, e.key) {
                // Merge sources are aliases of earlier, complete mappings: the depth bound only
                // guards against pathological chains.
                if depth >= 32 {
                    continue;
                }
                let value = tree.node(e.value);
                let sources: Vec<NodeRef<'t>> = if value.is_sequence() {
                    value.items().collect()
                } else {
                    vec![value]
                };
                for src in sources {
                    merged.extend(src.merged_entries(depth + 1));
                }
            } else {
                out.push((tree.node(e.key), tree.node(e.value)));
            }
        }
        for (k, v) in merged {
            let text = k.as_scalar().map(|s| s.text.as_str());
            let taken = out
                .iter()
                .any(|(ok, _)| ok.as_scalar().map(|s| s.text.as_str()) == text);
            if !taken {
                out.push((k, v));
            }
        }
        out
    }

    /// Items of a sequence (empty for anything else).
    pub fn items(self) -> impl Iterator<Item = NodeRef<'t>> + 't {
        let tree = self.tree;
        let items: &'t [NodeId] = match self.kind() {
            NodeKind::Sequence(items) => items,
            _ => &[],
        };
        items.iter().map(move |id| tree.node(*id))
    }

    pub fn item(self, index: usize) -> Option<NodeRef<'t>> {
        match self.kind() {
            NodeKind::Sequence(items) => items.get(index).map(|id| self.tree.node(*id)),
            _ => None,
        }
    }

    /// The first entry whose key's text is `key`.
    pub fn entry(self, key: &str) -> Option<(NodeRef<'t>, NodeRef<'t>)> {
        self.entries()
            .find(|(k, _)| k.as_scalar().is_some_and(|s| s.text == key))
    }

    /// The value under `key` in a mapping.
    pub fn get(self, key: &str) -> Option<NodeRef<'t>> {
        self.entry(key).map(|(_, v)| v)
    }

    /// Convert to JSON the way Go Pacto's structural layer sees the document: mappings become
    /// string-keyed objects (other keys are stringified), aliases are expanded (bounded by the
    /// parse limits), timestamps stay strings. NaN and infinities have no JSON form and become
    /// their YAML text.
    pub fn to_json(self) -> serde_json::Value {
        use serde_json::Value;
        match self.kind() {
            NodeKind::Scalar(s) => match s.resolved {
                Resolved::Null => Value::Null,
                Resolved::Bool(b) => Value::Bool(b),
                Resolved::Int(i) => Value::from(i),
                Resolved::UInt(u) => Value::from(u),
                Resolved::Float(f) => serde_json::Number::from_f64(f)
                    .map_or_else(|| Value::String(s.text.clone()), Value::Number),
                Resolved::Str => Value::String(s.text.clone()),
            },
            NodeKind::Sequence(_) => Value::Array(self.items().map(|n| n.to_json()).collect()),
            NodeKind::Mapping(_) => {
                let mut map = serde_json::Map::new();
                for (k, v) in self.entries() {
                    let key = match k.as_scalar() {
                        Some(s) => key_string(s),
                        None => complex_key(k),
                    };
                    // Like a Go map, a later duplicate key overwrites (duplicates are reported).
                    map.insert(key, v.to_json());
                }
                Value::Object(map)
            }
            NodeKind::Alias(_) => Value::Null,
        }
    }
}

fn is_merge_key(tree: &Tree, key: NodeId) -> bool {
    matches!(
        &tree.nodes[key.0 as usize].kind,
        NodeKind::Scalar(s) if s.style == Style::Plain && s.text == "<<"
    )
}

/// One step of a node's JSON location.
#[derive(Debug)]
enum JsonStep {
    Key(String),
    Index(usize),
}

/// Iterator over a mapping's entries (see [`NodeRef::entries`]).
pub enum Entries<'t> {
    Plain(&'t Tree, std::slice::Iter<'t, Entry>),
    Merged(std::vec::IntoIter<(NodeRef<'t>, NodeRef<'t>)>),
}

impl<'t> Iterator for Entries<'t> {
    type Item = (NodeRef<'t>, NodeRef<'t>);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Entries::Plain(tree, it) => it.next().map(|e| (tree.node(e.key), tree.node(e.value))),
            Entries::Merged(it) => it.next(),
        }
    }
}

/// How Go's `fmt.Sprint` writes a scalar key that is not a string.
/// A collection used as a mapping key, as a JSON object key: its JSON text, cut to
/// [`MAX_COMPLEX_KEY`] characters. Unbounded, each level of keys nested in keys would escape the
/// level below again, doubling its length: 30 levels of `{{{…}}}` took minutes and gigabytes.
fn complex_key(k: NodeRef<'_>) -> String {
    let mut text = k.to_json().to_string();
    if let Some((cut, _)) = text.char_indices().nth(MAX_COMPLEX_KEY) {
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// See [`complex_key`].
const MAX_COMPLEX_KEY: usize = 256;

fn key_string(s: &Scalar) -> String {
    match s.resolved {
        Resolved::Null => "<nil>".to_string(),
        Resolved::Bool(b) => b.to_string(),
        Resolved::Int(i) => i.to_string(),
        Resolved::UInt(u) => u.to_string(),
        Resolved::Float(f) if f.fract() == 0.0 && f.abs() < 1e21 => format!("{}", f as i128),
        _ => s.text.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    mod patch {
        use super::*;
        use proptest::prelude::*;

        const DOCS: [&str; 4] = [
            "pactoVersion: \"1.0\"\nservice:\n  name: svc # the name\n  version: 1.2.3\n  owner: 'team a'\ninterfaces:\n  - name: api\n    type: http\n    port: 8080\n  - {name: grpc-api, type: grpc, port: 9090}\ndependencies:\n  - ref: oci://ghcr.io/acme/db:1.0.0\n    required: true\n    compatibility: \"^1.0.0\"\nmetadata:\n  tags: [a, b, \u{65E5}\u{672C}]\n  note: caf\u{e9} \u{1F600} ok\n",
            "a: 1\nb:\n  - x\n  - y: z\n    w: -5\nc: ~\n",
            "k: &anchor v\nl: *anchor\n",
            "base:\n  <<: {x: 1, y: two}\n  y: three\n  z: [1, 'a', \"b\"]\n1: one\ntrue: yes\n",
        ];

        fn apply(text: &str, r: std::ops::Range<usize>, insert: &str) -> String {
            format!("{}{insert}{}", &text[..r.start], &text[r.end..])
        }

        fn try_patch(text: &str, r: std::ops::Range<usize>, insert: &str) -> Option<Tree> {
            let mut tree = parse(text, &Limits::default()).tree?;
            tree.json(); // kept, so the patch must keep it current
            let new_text = apply(text, r.clone(), insert);
            tree.patch_scalar(text, r, insert, &new_text)
                .then_some(tree)
        }

        fn fresh(text: &str) -> Tree {
            let p = parse(text, &Limits::default());
            assert!(p.errors.is_empty(), "{:?}", p.errors);
            p.tree.unwrap()
        }

        #[test]
        fn value_edits_are_patched_like_a_fresh_parse() {
            let doc = DOCS[0];
            let cases: [(&str, &str, &str); 7] = [
                ("1.2.3", "1.2.3", "1.3.0"),
                ("8080", "80", "90"),
                ("true", "true", "\"yes\""),
                ("svc #", "svc", "payments"),
                ("db:1.0.0", "1.0.0", "2.0.0"),
                ("ok\n", "ok", "d\u{e9}j\u{e0}"),
                ("'team a'", "team a", "team b"),
            ];
            for (context, old, new) in cases {
                let at = doc.find(context).unwrap() + context.find(old).unwrap();
                let r = at..at + old.len();
                let patched = try_patch(doc, r.clone(), new)
                    .unwrap_or_else(|| panic!("{old} -> {new} was not patched"));
                let new_text = apply(doc, r, new);
                let f = fresh(&new_text);
                assert!(patched.same_as(&f), "{old} -> {new}");
                assert_eq!(patched.line_index(), f.line_index());
                assert_eq!(*patched.json_ref(), f.root().to_json());
                assert!(patched.json.is_some(), "{old} -> {new}: the JSON was kept");
            }
        }

        #[test]
        fn structural_edits_are_refused() {
            let doc = DOCS[0];
            let refuse = [
                ("name: svc", "svc", "a: b"),
                ("name: svc", "svc", "svc # c"),
                ("version: 1.2.3", "version", "versions"),
                ("port: 8080", "8080", "80\n"),
                ("type: grpc", "grpc", "grpc, x: y"),
                ("required: true", "true", "\"yes"),
                ("owner: 'team a'", "team a", "it's"),
            ];
            for (context, old, new) in refuse {
                let at = doc.find(context).unwrap() + context.find(old).unwrap();
                assert!(
                    try_patch(doc, at..at + old.len(), new).is_none(),
                    "{old} -> {new}"
                );
            }
            // Anchors and aliases: never patched.
            let at = DOCS[2].find(" v").unwrap() + 1;
            assert!(try_patch(DOCS[2], at..at + 1, "w").is_none());
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            /// Whenever a patch is accepted, it is exactly what parsing the new text gives.
            #[test]
            fn accepted_patches_equal_a_fresh_parse(
                doc in 0usize..DOCS.len(),
                at in 0usize..400,
                len in 0usize..6,
                insert in prop::sample::select(vec![
                    "", "1", "x", " ", ":", "# c", " #c", "\"", "'", "-", ",", "]", "}", "a b",
                    "\u{e9}", "\u{1F600}", "://", "\n", "true", "1.0", "null", "~", "&a ", "*a",
                    "!!str ", "\"q\"", "'q'", "-1", "- x", "? k", "|", ">", "%", "@x", "\t",
                ]),
            ) {
                let text = DOCS[doc];
                let start = (at % text.len()).min(text.len());
                let mut s = start;
                while !text.is_char_boundary(s) { s -= 1; }
                let mut e = (s + len).min(text.len());
                while !text.is_char_boundary(e) { e -= 1; }
                if let Some(patched) = try_patch(text, s..e, insert) {
                    let new_text = apply(text, s..e, insert);
                    let p = parse(&new_text, &Limits::default());
                    prop_assert!(p.errors.is_empty(), "{:?} -> {:?}", &text[s..e], insert);
                    let t = p.tree.unwrap();
                    prop_assert!(patched.same_as(&t), "{:?} -> {:?} in {:?}", &text[s..e], insert, new_text);
                    prop_assert_eq!(patched.line_index(), t.line_index());
                    prop_assert_eq!(&*patched.json_ref(), &t.root().to_json(), "{:?} -> {:?}", &text[s..e], insert);
                }
            }
        }
    }

    fn tree(text: &str) -> Tree {
        let p = parse(text, &Limits::default());
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        p.tree.unwrap()
    }

    fn slice(text: &str, span: Span) -> &str {
        &text[span.range()]
    }

    #[test]
    fn spans_are_byte_ranges_even_after_non_ascii() {
        let text = "name: \"日本😀\"\nservice:\n  version: 1.0.0\n  tags: [a, 名]\n";
        let t = tree(text);
        let root = t.root();
        let name = root.get("name").unwrap();
        assert_eq!(slice(text, name.span()), "\"日本😀\"");
        assert_eq!(name.as_str(), Some("日本😀"));
        let (k, v) = root.get("service").unwrap().entry("version").unwrap();
        assert_eq!(slice(text, k.span()), "version");
        assert_eq!(slice(text, v.span()), "1.0.0");
        let tags = root.get("service").unwrap().get("tags").unwrap();
        assert_eq!(slice(text, tags.span()), "[a, 名]");
        assert_eq!(slice(text, tags.item(1).unwrap().span()), "名");
        let lc = t
            .line_index()
            .line_col(v.span().start, super::super::ColumnUnit::Char);
        assert_eq!((lc.line, lc.col), (2, 11));
    }

    #[test]
    fn block_collections_end_at_their_last_child() {
        let text = "a:\n  b: 1\n  c:\n    - x\n    - y\nd: 2\n";
        let t = tree(text);
        let a = t.root().get("a").unwrap();
        assert_eq!(slice(text, a.span()), "b: 1\n  c:\n    - x\n    - y");
        let c = a.get("c").unwrap();
        assert_eq!(slice(text, c.span()), "- x\n    - y");
    }

    #[test]
    fn scalars_resolve_like_yaml_v3() {
        let cases = [
            ("1.0", Resolved::Float(1.0)),
            ("\"1.0\"", Resolved::Str),
            ("1.0.0", Resolved::Str),
            ("2024.01.01", Resolved::Str),
            ("16", Resolved::Int(16)),
            ("0x1F", Resolved::Int(31)),
            ("0o17", Resolved::Int(15)),
            ("017", Resolved::Int(15)),
            ("08", Resolved::Float(8.0)),
            ("1_000", Resolved::Int(1000)),
            ("-3", Resolved::Int(-3)),
            ("1e3", Resolved::Float(1000.0)),
            ("true", Resolved::Bool(true)),
            ("yes", Resolved::Str),
            ("~", Resolved::Null),
            ("", Resolved::Null),
            ("abc", Resolved::Str),
            ("2001-12-14", Resolved::Str),
            ("18446744073709551615", Resolved::UInt(u64::MAX)),
            ("!!str 12", Resolved::Str),
        ];
        for (src, want) in cases {
            let t = tree(&format!("k: {src}\n"));
            let got = t.root().get("k").unwrap().as_scalar().unwrap().resolved;
            assert_eq!(got, want, "{src}");
        }
    }

    #[test]
    fn duplicate_keys_are_reported_with_both_places() {
        let text = "a: 1\nb: 2\na: 3\n";
        let p = parse(text, &Limits::default());
        assert_eq!(p.errors.len(), 1);
        let e = &p.errors[0];
        assert_eq!(e.code, "DUPLICATE_KEY");
        assert!(!e.fatal);
        assert_eq!(e.span, Span::new(10, 11));
        assert!(e.message.contains("line 1"), "{}", e.message);
        assert!(p.tree.is_some());
    }

    #[test]
    fn a_tab_used_as_indentation_is_reported_at_the_tab() {
        for text in [
            "pactoVersion: \"1.0\"\nservice:\n\tname: x\n",
            "service:\n  name: x\n\tversion: 1.0.0\n",
            "service:\n  name: x\n  \tversion: 1.0.0\n",
        ] {
            let p = parse(text, &Limits::default());
            assert!(p.tree.is_none(), "{text:?}");
            let e = &p.errors[0];
            assert_eq!(e.code, "PARSE_ERROR", "{text:?}");
            let tab = text.find('\t').unwrap() as u32;
            assert_eq!(e.span, Span::new(tab, tab + 1), "{text:?}: {e:?}");
            assert!(
                e.help
                    .is_some_and(|h| h.contains("YAML indentation uses spaces")),
                "{text:?}: {e:?}"
            );
        }
        // A tab inside a value is no indentation problem.
        let p = parse("a: [1, 2\nb: \"x\ty\"\n", &Limits::default());
        assert!(p.errors[0].help.is_none());
    }

    #[test]
    fn a_fatal_error_names_the_nearest_key() {
        let p = parse(
            "pactoVersion: \"1.0\"\nservice:\n  name: x\n  version: [1, 2\nruntime: {}\n",
            &Limits::default(),
        );
        assert!(p.tree.is_none());
        assert_eq!(
            p.errors[0].path,
            ["service", "version"],
            "{:?}",
            p.errors[0]
        );
        let p = parse("a:\n  - x: 1\n  - y: \"unterminated\n", &Limits::default());
        assert_eq!(p.errors[0].path, ["a", "1", "y"], "{:?}", p.errors[0]);
        // Before any key, the path is the document's root.
        let p = parse("\"unterminated\n", &Limits::default());
        assert!(p.errors[0].path.is_empty());
    }

    #[test]
    fn many_duplicate_keys_are_reported_with_their_first_line() {
        let mut text = String::new();
        for i in 0..2000 {
            text.push_str(&format!("k{i}: 1\n"));
        }
        for i in 0..2000 {
            text.push_str(&format!("k{i}: 2\n"));
        }
        let p = parse(&text, &Limits::default());
        assert_eq!(p.errors.len(), 2000);
        assert!(
            p.errors[1999].message.ends_with("at line 2000"),
            "{}",
            p.errors[1999].message
        );
        // A long key is quoted by its first characters only.
        let long = "x".repeat(1000);
        let p = parse(&format!("{long}: 1\n{long}: 2\n"), &Limits::default());
        assert!(p.errors[0].message.len() < 200, "{}", p.errors[0].message);
    }

    #[test]
    fn empty_and_broken_documents_are_errors() {
        for text in ["", "# only a comment\n"] {
            let p = parse(text, &Limits::default());
            assert!(p.tree.is_none(), "{text:?}");
            assert_eq!(p.errors[0].code, "PARSE_ERROR");
        }
        let p = parse("a: [1, 2\nb: 3\n", &Limits::default());
        assert!(p.tree.is_none());
        assert_eq!(p.errors[0].code, "PARSE_ERROR");
        assert!(p.errors[0].message.starts_with("invalid YAML"));
    }

    #[test]
    fn an_explicit_empty_document_is_a_null_root() {
        let t = tree("---\n...\n");
        assert!(t.root().is_null());
    }

    #[test]
    fn aliases_resolve_and_expand_in_json() {
        let text = "base: &b {x: 1}\nuse: *b\n";
        let t = tree(text);
        assert_eq!(
            t.root().get("use").unwrap().get("x").unwrap().as_i64(),
            Some(1)
        );
        assert_eq!(
            t.root().to_json(),
            serde_json::json!({"base": {"x": 1}, "use": {"x": 1}})
        );
    }

    #[test]
    fn merge_keys_apply_like_yaml_v3() {
        let text = "base: &b {a: 1, b: 2}\nother: &o {b: 3, c: 4}\nx:\n  <<: [*b, *o]\n  a: 9\n";
        let t = tree(text);
        assert_eq!(
            t.root().get("x").unwrap().to_json(),
            serde_json::json!({"a": 9, "b": 2, "c": 4})
        );
    }

    #[test]
    fn billion_laughs_is_refused_quickly() {
        let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..10 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let start = std::time::Instant::now();
        let p = parse(&text, &Limits::default());
        assert!(p.tree.is_none());
        assert_eq!(p.errors[0].code, "YAML_LIMIT_EXCEEDED");
        assert!(p.errors[0].message.contains("alias"));
        // Generous bound: the point is that it does not expand 9^10 nodes.
        assert!(start.elapsed().as_secs() < 5);
    }

    #[test]
    fn deep_nesting_and_size_are_bounded() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let p = parse(&deep, &Limits::default());
        assert_eq!(p.errors[0].code, "YAML_LIMIT_EXCEEDED", "{:?}", p.errors);
        let deep_block: String = (0..500)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        let p = parse(&deep_block, &Limits::default());
        assert_eq!(p.errors[0].code, "YAML_LIMIT_EXCEEDED", "{:?}", p.errors);
        let limits = Limits {
            max_bytes: 10,
            ..Limits::default()
        };
        let p = parse("a: 123456789012\n", &limits);
        assert_eq!(p.errors[0].code, "YAML_LIMIT_EXCEEDED");
    }

    #[test]
    fn walk_and_key_span_follow_json_pointer_tokens() {
        let text = "interfaces:\n  - name: api\n    port: 80\nservice:\n  name: x\n";
        let t = tree(text);
        let (n, used) = t.walk(&["interfaces", "0", "port"]);
        assert_eq!(used, 3);
        assert_eq!(slice(text, n.span()), "80");
        assert_eq!(
            slice(text, t.key_span(&["interfaces", "0", "port"])),
            "port"
        );
        assert_eq!(slice(text, t.key_span(&["service"])), "service");
        assert_eq!(slice(text, t.key_span::<&str>(&[])), "interfaces");
        let (_, used) = t.walk(&["service", "missing"]);
        assert_eq!(used, 1);
    }

    #[test]
    fn only_the_first_document_is_read() {
        let t = tree("a: 1\n---\nb: 2\n");
        assert!(t.root().get("a").is_some());
        assert!(t.root().get("b").is_none());
    }
}
