//! Observed traffic (`pacto dashboard --traces <file>`): the caller → callee edges of an
//! OpenTelemetry trace export, next to the dependencies the contracts declare.
//!
//! The input is OTLP/JSON: one `ExportTraceServiceRequest` object, or JSON Lines of them (what
//! the OpenTelemetry Collector's file exporter writes). An edge goes from the resource's
//! `service.name` to a span's `peer.service`, for CLIENT (3) and PRODUCER (4) spans; `kind` may
//! be the number or the proto enum name (`"SPAN_KIND_CLIENT"`). Calls are counted per edge.
//! Self-calls and spans without both names are skipped. Everything is bounded: the file size
//! ([`MAX_FILE_BYTES`]), the distinct edges kept ([`MAX_EDGES`]) and the length of a name
//! ([`MAX_NAME_CHARS`]); a malformed file is an error located by line and column.

use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// The largest trace file read.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Most distinct caller → callee edges kept; spans of further edges are counted as dropped.
pub const MAX_EDGES: usize = 10_000;
/// Longest service name taken from a trace (longer ones skip the span).
pub const MAX_NAME_CHARS: usize = 255;

/// The traffic a trace file shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Traffic {
    /// Calls per (caller, callee), sorted.
    #[serde(skip)]
    pub edges: BTreeMap<(String, String), u64>,
    /// Every span read, of any kind.
    pub spans: u64,
    /// CLIENT and PRODUCER spans counted on an edge.
    pub edge_spans: u64,
    /// CLIENT and PRODUCER spans skipped: no `service.name` or `peer.service`, a self-call,
    /// or a name longer than [`MAX_NAME_CHARS`].
    pub skipped_spans: u64,
    /// Spans of new edges dropped once [`MAX_EDGES`] edges were kept.
    pub dropped_spans: u64,
    /// Whether [`MAX_EDGES`] was reached.
    pub truncated: bool,
}

impl Traffic {
    /// The distinct service names on either end of an edge.
    pub fn services(&self) -> BTreeSet<&str> {
        self.edges
            .keys()
            .flat_map(|(a, b)| [a.as_str(), b.as_str()])
            .collect()
    }

    fn count(&mut self, caller: Option<&str>, callee: Option<&str>) {
        let (Some(caller), Some(callee)) = (caller, callee) else {
            self.skipped_spans += 1;
            return;
        };
        if caller.is_empty()
            || callee.is_empty()
            || caller == callee
            || caller.chars().count() > MAX_NAME_CHARS
            || callee.chars().count() > MAX_NAME_CHARS
        {
            self.skipped_spans += 1;
            return;
        }
        let key = (caller.to_string(), callee.to_string());
        if let Some(n) = self.edges.get_mut(&key) {
            *n += 1;
        } else if self.edges.len() >= MAX_EDGES {
            self.truncated = true;
            self.dropped_spans += 1;
            return;
        } else {
            self.edges.insert(key, 1);
        }
        self.edge_spans += 1;
    }
}

/// Why a trace file could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TraceError {
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
    #[error("{path} is {size} bytes, more than the {max}-byte limit")]
    TooLarge { path: String, size: u64, max: u64 },
    #[error("{path}:{line}:{column}: not OTLP/JSON trace data: {message}")]
    Malformed {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
}

/// Where a text failed to parse (1-based line and column, as serde_json counts them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

// ------------------------------------------------------------------ the OTLP/JSON shape
// Only what the edges need is kept; every other field is skipped without being stored.

#[derive(Deserialize)]
struct Request {
    #[serde(default, rename = "resourceSpans", alias = "resource_spans")]
    resource_spans: Vec<ResourceSpans>,
}

#[derive(Deserialize)]
struct ResourceSpans {
    #[serde(default)]
    resource: Option<Resource>,
    #[serde(
        default,
        rename = "scopeSpans",
        alias = "scope_spans",
        alias = "instrumentationLibrarySpans"
    )]
    scope_spans: Vec<ScopeSpans>,
}

#[derive(Deserialize)]
struct Resource {
    #[serde(default)]
    attributes: Names,
}

#[derive(Deserialize)]
struct ScopeSpans {
    #[serde(default)]
    spans: Vec<Span>,
}

#[derive(Deserialize)]
struct Span {
    #[serde(default)]
    kind: Option<Kind>,
    #[serde(default)]
    attributes: Names,
}

/// A span kind as the number or the proto enum name.
#[derive(Deserialize)]
#[serde(untagged)]
enum Kind {
    Number(i64),
    Name(String),
}

impl Kind {
    /// CLIENT or PRODUCER: the span calls another service.
    fn is_outgoing(&self) -> bool {
        match self {
            Kind::Number(n) => *n == 3 || *n == 4,
            Kind::Name(s) => s == "SPAN_KIND_CLIENT" || s == "SPAN_KIND_PRODUCER",
        }
    }
}

/// The `service.name` and `peer.service` string attributes of a key/value list (the others
/// are read and dropped one by one).
#[derive(Default)]
struct Names {
    service: Option<String>,
    peer: Option<String>,
}

#[derive(Deserialize)]
struct KeyValue {
    #[serde(default)]
    key: String,
    #[serde(default)]
    value: Option<AnyValue>,
}

#[derive(Deserialize)]
struct AnyValue {
    #[serde(default, rename = "stringValue", alias = "string_value")]
    string_value: Option<String>,
}

impl<'de> Deserialize<'de> for Names {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Names;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of key/value attributes")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Names, A::Error> {
                let mut n = Names::default();
                while let Some(kv) = seq.next_element::<KeyValue>()? {
                    let slot = match kv.key.as_str() {
                        "service.name" => &mut n.service,
                        "peer.service" => &mut n.peer,
                        _ => continue,
                    };
                    if let Some(s) = kv.value.and_then(|v| v.string_value) {
                        *slot = Some(s);
                    }
                }
                Ok(n)
            }
            fn visit_unit<E>(self) -> Result<Names, E> {
                Ok(Names::default())
            }
        }
        d.deserialize_any(V)
    }
}

/// Parse OTLP/JSON text: one request object or a stream (JSON Lines) of them. Empty text is no
/// traffic.
pub fn parse(text: &str) -> Result<Traffic, ParseError> {
    let mut traffic = Traffic::default();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Request>();
    for item in stream.by_ref() {
        let req = item.map_err(|e| ParseError {
            line: e.line(),
            column: e.column(),
            message: strip_location(&e.to_string()),
        })?;
        for rs in req.resource_spans {
            let service = rs.resource.and_then(|r| r.attributes.service);
            for ss in rs.scope_spans {
                for span in ss.spans {
                    traffic.spans += 1;
                    if span.kind.as_ref().is_some_and(Kind::is_outgoing) {
                        traffic.count(service.as_deref(), span.attributes.peer.as_deref());
                    }
                }
            }
        }
    }
    Ok(traffic)
}

/// serde_json ends its messages with ` at line L column C`; the error carries them apart.
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Read and parse a trace file (at most [`MAX_FILE_BYTES`]).
pub fn read_file(path: &Path) -> Result<Traffic, TraceError> {
    let shown = path.display().to_string();
    let io = |e: std::io::Error| TraceError::Io {
        path: shown.clone(),
        message: e.to_string(),
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        // A directory fails to read; a FIFO or device could block or never end.
        return Err(TraceError::Io {
            path: shown,
            message: "not a regular file".into(),
        });
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(TraceError::TooLarge {
            path: shown,
            size: meta.len(),
            max: MAX_FILE_BYTES,
        });
    }
    let mut bytes = Vec::new();
    {
        use std::io::Read;
        std::fs::File::open(path)
            .map_err(io)?
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
    }
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(TraceError::TooLarge {
            path: shown,
            size: bytes.len() as u64,
            max: MAX_FILE_BYTES,
        });
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        let column = valid.len() - valid.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) + 1;
        TraceError::Malformed {
            path: shown.clone(),
            line,
            column,
            message: "invalid UTF-8".into(),
        }
    })?;
    parse(&text).map_err(|e| TraceError::Malformed {
        path: shown,
        line: e.line,
        column: e.column,
        message: e.message,
    })
}

/// What identifies a version of a file on disk: its size and modification time.
type Stamp = (u64, Option<SystemTime>);

/// A trace file, re-read only when its size or modification time changes.
#[derive(Debug)]
pub struct TraceFile {
    path: PathBuf,
    last: Mutex<Option<(Stamp, Arc<Traffic>)>>,
}

impl TraceFile {
    pub fn new(path: PathBuf) -> TraceFile {
        TraceFile {
            path,
            last: Mutex::new(None),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The traffic of the file as it is now.
    pub fn read(&self) -> Result<Arc<Traffic>, TraceError> {
        let stamp = std::fs::metadata(&self.path)
            .map(|m| (m.len(), m.modified().ok()))
            .map_err(|e| TraceError::Io {
                path: self.path.display().to_string(),
                message: e.to_string(),
            })?;
        if let Some((s, t)) = crate::source::lock(&self.last).as_ref() {
            if *s == stamp && stamp.1.is_some() {
                return Ok(t.clone());
            }
        }
        let parsed = read_file(&self.path);
        let mut last = crate::source::lock(&self.last);
        match parsed {
            Ok(t) => {
                let t = Arc::new(t);
                *last = Some((stamp, t.clone()));
                Ok(t)
            }
            Err(e) => {
                *last = None;
                Err(e)
            }
        }
    }

    /// Forget the remembered read (the next [`TraceFile::read`] parses the file again).
    pub fn invalidate(&self) {
        *crate::source::lock(&self.last) = None;
    }
}

/// What the startup line says of a trace read.
pub fn describe(t: &Traffic) -> String {
    format!(
        "{} observed edges between {} services from {} spans{}",
        t.edges.len(),
        t.services().len(),
        t.spans,
        if t.truncated {
            format!(" (capped at {MAX_EDGES} edges)")
        } else {
            String::new()
        }
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn span(kind: &str, peer: Option<&str>) -> String {
        let attrs = peer
            .map(|p| format!(r#"[{{"key":"peer.service","value":{{"stringValue":"{p}"}}}}]"#))
            .unwrap_or_else(|| "[]".into());
        format!(r#"{{"name":"op","kind":{kind},"attributes":{attrs}}}"#)
    }

    fn request(service: &str, spans: &[String]) -> String {
        format!(
            r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"{service}"}}}}]}},"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
            spans.join(",")
        )
    }

    fn edges(t: &Traffic) -> Vec<(&str, &str, u64)> {
        t.edges
            .iter()
            .map(|((a, b), n)| (a.as_str(), b.as_str(), *n))
            .collect()
    }

    #[test]
    fn one_request_object_as_in_the_go_example() {
        let text = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"orders-service"}}]},
"scopeSpans":[{"spans":[{"name":"POST /charges","kind":3,"attributes":[{"key":"peer.service","value":{"stringValue":"payments-service"}}]}]}]}]}"#;
        let t = parse(text).unwrap();
        assert_eq!(edges(&t), vec![("orders-service", "payments-service", 1)]);
        assert_eq!((t.spans, t.edge_spans, t.skipped_spans), (1, 1, 0));
    }

    #[test]
    fn json_lines_are_summed_and_sorted() {
        let text = [
            request(
                "web",
                &[span("3", Some("gateway")), span("3", Some("gateway"))],
            ),
            request("gateway", &[span("4", Some("billing"))]),
            request("web", &[span("3", Some("cdn"))]),
            String::new(),
        ]
        .join("\n");
        let t = parse(&text).unwrap();
        assert_eq!(
            edges(&t),
            vec![
                ("gateway", "billing", 1),
                ("web", "cdn", 1),
                ("web", "gateway", 2)
            ]
        );
        assert_eq!(
            t.services().into_iter().collect::<Vec<_>>(),
            ["billing", "cdn", "gateway", "web"]
        );
    }

    #[test]
    fn enum_name_kinds_are_accepted() {
        let text = request(
            "a",
            &[
                span(r#""SPAN_KIND_CLIENT""#, Some("b")),
                span(r#""SPAN_KIND_PRODUCER""#, Some("c")),
                span(r#""SPAN_KIND_SERVER""#, Some("d")),
            ],
        );
        assert_eq!(
            edges(&parse(&text).unwrap()),
            vec![("a", "b", 1), ("a", "c", 1)]
        );
    }

    #[test]
    fn server_internal_consumer_and_unkinded_spans_are_not_edges() {
        let mut spans: Vec<String> = ["0", "1", "2", "5", r#""SPAN_KIND_INTERNAL""#]
            .iter()
            .map(|k| span(k, Some("b")))
            .collect();
        spans.push(r#"{"name":"no kind","attributes":[{"key":"peer.service","value":{"stringValue":"b"}}]}"#.into());
        let t = parse(&request("a", &spans)).unwrap();
        assert!(t.edges.is_empty());
        assert_eq!((t.spans, t.edge_spans, t.skipped_spans), (6, 0, 0));
    }

    #[test]
    fn spans_without_names_and_self_calls_are_skipped() {
        let no_service = r#"{"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"spans":[{"kind":3,"attributes":[{"key":"peer.service","value":{"stringValue":"b"}}]}]}]}]}"#;
        let text = [
            no_service.to_string(),
            request(
                "a",
                &[span("3", None), span("3", Some("a")), span("3", Some("b"))],
            ),
        ]
        .join("\n");
        let t = parse(&text).unwrap();
        assert_eq!(edges(&t), vec![("a", "b", 1)]);
        assert_eq!((t.spans, t.edge_spans, t.skipped_spans), (4, 1, 3));
    }

    #[test]
    fn other_attributes_and_value_types_are_ignored() {
        let text = r#"{"resourceSpans":[{"resource":{"attributes":[
            {"key":"host.name","value":{"stringValue":"h1"}},
            {"key":"service.name","value":{"stringValue":"a"}},
            {"key":"process.pid","value":{"intValue":"42"}}]},
          "scopeSpans":[{"scope":{"name":"lib"},"spans":[{"traceId":"00","kind":3,"attributes":[
            {"key":"http.status_code","value":{"intValue":200}},
            {"key":"peer.service","value":{"stringValue":"b"}}]}]}]}]}"#;
        assert_eq!(edges(&parse(text).unwrap()), vec![("a", "b", 1)]);
    }

    #[test]
    fn empty_text_is_no_traffic() {
        assert_eq!(parse("").unwrap(), Traffic::default());
        assert_eq!(parse(" \n\n").unwrap(), Traffic::default());
    }

    #[test]
    fn overlong_names_are_skipped() {
        let long = "x".repeat(MAX_NAME_CHARS + 1);
        let t = parse(&request(
            "a",
            &[span("3", Some(&long)), span("3", Some("b"))],
        ))
        .unwrap();
        assert_eq!(edges(&t), vec![("a", "b", 1)]);
        assert_eq!(t.skipped_spans, 1);
        let ok = "y".repeat(MAX_NAME_CHARS);
        assert_eq!(
            parse(&request("a", &[span("3", Some(&ok))]))
                .unwrap()
                .edges
                .len(),
            1
        );
    }

    #[test]
    fn edges_are_capped() {
        let spans: Vec<String> = (0..MAX_EDGES + 5)
            .map(|i| span("3", Some(&format!("s{i:05}"))))
            .collect();
        let mut text = request("a", &spans);
        // A span on a kept edge still counts after the cap.
        text.push('\n');
        text.push_str(&request("a", &[span("3", Some("s00000"))]));
        let t = parse(&text).unwrap();
        assert_eq!(t.edges.len(), MAX_EDGES);
        assert!(t.truncated);
        assert_eq!(t.dropped_spans, 5);
        assert_eq!(t.edges[&("a".to_string(), "s00000".to_string())], 2);
        assert_eq!(t.edge_spans, MAX_EDGES as u64 + 1);
    }

    #[test]
    fn malformed_text_is_located() {
        let good = request("a", &[span("3", Some("b"))]);
        let e = parse(&format!("{good}\n{{\"resourceSpans\": [ oops ]}}")).unwrap_err();
        assert_eq!((e.line, e.column), (2, 21), "{e}");
        assert!(e.message.starts_with("expected value"), "{e}");
        let e =
            parse(r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":true}]}]}]}"#).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("did not match any variant"), "{e}");
        let e = parse("[1, 2]").unwrap_err();
        assert_eq!((e.line, e.column), (1, 2), "{e}");
        assert!(e.message.contains("invalid type"), "{e}");
        let e = parse("{\"resourceSpans\":\n  {}}").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("invalid type: map"), "{e}");
    }

    #[test]
    fn files_are_size_capped_and_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("traces.jsonl");
        std::fs::write(&path, "{}\n{\"resourceSpans\": 5}\n").unwrap();
        let e = read_file(&path).unwrap_err();
        match &e {
            TraceError::Malformed { line, column, .. } => assert_eq!((*line, *column), (2, 19)),
            other => panic!("{other:?}"),
        }
        assert!(
            e.to_string()
                .starts_with(&format!("{}:2:19: ", path.display())),
            "{e}"
        );
        std::fs::write(&path, b"{\"a\": \"\xff\"}").unwrap();
        assert!(matches!(
            read_file(&path),
            Err(TraceError::Malformed {
                line: 1,
                column: 8,
                ..
            })
        ));
        let big = std::fs::File::create(&path).unwrap();
        big.set_len(MAX_FILE_BYTES + 1).unwrap();
        assert!(matches!(read_file(&path), Err(TraceError::TooLarge { .. })));
        assert!(matches!(
            read_file(&dir.path().join("missing.json")),
            Err(TraceError::Io { .. })
        ));
        let e = read_file(dir.path()).unwrap_err();
        assert!(e.to_string().ends_with("not a regular file"), "{e}");
    }

    #[test]
    fn a_trace_file_is_re_read_only_when_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        std::fs::write(&path, request("a", &[span("3", Some("b"))])).unwrap();
        let f = TraceFile::new(path.clone());
        let first = f.read().unwrap();
        assert!(Arc::ptr_eq(&first, &f.read().unwrap()), "unchanged: reused");
        std::fs::write(
            &path,
            request("a", &[span("3", Some("b")), span("3", Some("c"))]),
        )
        .unwrap();
        let second = f.read().unwrap();
        assert_eq!(edges(&second), vec![("a", "b", 1), ("a", "c", 1)]);
        std::fs::write(&path, "{ broken").unwrap();
        assert!(matches!(f.read(), Err(TraceError::Malformed { .. })));
        std::fs::write(&path, request("a", &[span("3", Some("b"))])).unwrap();
        assert_eq!(edges(&f.read().unwrap()), vec![("a", "b", 1)]);
        f.invalidate();
        assert_eq!(f.read().unwrap().edges.len(), 1);
    }
}
