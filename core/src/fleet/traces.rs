//! Observed caller → callee edges from an OTLP/JSON trace export (`--traces FILE`).
//!
//! One `ExportTraceServiceRequest` object, or JSON Lines of them (the Collector's file
//! exporter). An edge goes from the resource's `service.name` to a span's `peer.service`, for
//! CLIENT (3) and PRODUCER (4) spans (`kind` as the number or `SPAN_KIND_CLIENT`). Self-calls
//! and spans without both names are skipped. Bounded: [`MAX_FILE_BYTES`], [`MAX_EDGES`].

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// The largest trace file read.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Most distinct edges kept.
pub const MAX_EDGES: usize = 10_000;
/// Longest service name taken from a trace.
pub const MAX_NAME_CHARS: usize = 255;

/// Calls per (caller, callee), sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObservedEdges {
    pub edges: BTreeMap<(String, String), u64>,
    /// Whether [`MAX_EDGES`] was reached (further edges were dropped).
    pub truncated: bool,
}

/// Why a trace file could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TraceError {
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
    #[error("{path} is more than the {max}-byte limit")]
    TooLarge { path: String, max: u64 },
    #[error("{path}:{line}:{column}: not OTLP/JSON trace data: {message}")]
    Malformed {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
}

/// Read and parse a trace file.
pub fn read_file(path: &Path) -> Result<ObservedEdges, TraceError> {
    use std::io::Read;
    let shown = path.display().to_string();
    let io = |e: std::io::Error| TraceError::Io {
        path: shown.clone(),
        message: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    if !file.metadata().map_err(io)?.is_file() {
        return Err(TraceError::Io {
            path: shown.clone(),
            message: "not a regular file".into(),
        });
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(TraceError::TooLarge {
            path: shown,
            max: MAX_FILE_BYTES,
        });
    }
    let text = String::from_utf8_lossy(&bytes);
    parse(&text).map_err(|(line, column, message)| TraceError::Malformed {
        path: shown,
        line,
        column,
        message,
    })
}

/// Parse OTLP/JSON text; the error is (line, column, message).
pub fn parse(text: &str) -> Result<ObservedEdges, (usize, usize, String)> {
    let mut out = ObservedEdges::default();
    for item in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        let req = item.map_err(|e| {
            let m = e.to_string();
            let m = m
                .rfind(" at line ")
                .map_or(m.clone(), |i| m[..i].to_string());
            (e.line(), e.column(), m)
        })?;
        let Some(resource_spans) = req
            .get("resourceSpans")
            .or_else(|| req.get("resource_spans"))
            .and_then(Value::as_array)
        else {
            continue;
        };
        for rs in resource_spans {
            let service = rs
                .get("resource")
                .and_then(|r| r.get("attributes"))
                .and_then(|a| attribute(a, "service.name"));
            let scopes = rs
                .get("scopeSpans")
                .or_else(|| rs.get("scope_spans"))
                .or_else(|| rs.get("instrumentationLibrarySpans"))
                .and_then(Value::as_array);
            for ss in scopes.into_iter().flatten() {
                let spans = ss.get("spans").and_then(Value::as_array);
                for span in spans.into_iter().flatten() {
                    let outgoing = match span.get("kind") {
                        Some(Value::Number(n)) => matches!(n.as_i64(), Some(3 | 4)),
                        Some(Value::String(s)) => {
                            s == "SPAN_KIND_CLIENT" || s == "SPAN_KIND_PRODUCER"
                        }
                        _ => false,
                    };
                    if !outgoing {
                        continue;
                    }
                    let peer = span
                        .get("attributes")
                        .and_then(|a| attribute(a, "peer.service"));
                    out.count(service, peer);
                }
            }
        }
    }
    Ok(out)
}

fn attribute<'v>(attrs: &'v Value, key: &str) -> Option<&'v str> {
    attrs
        .as_array()?
        .iter()
        .find(|kv| kv.get("key").and_then(Value::as_str) == Some(key))?
        .get("value")?
        .get("stringValue")?
        .as_str()
}

impl ObservedEdges {
    fn count(&mut self, caller: Option<&str>, callee: Option<&str>) {
        let (Some(a), Some(b)) = (caller, callee) else {
            return;
        };
        if a.is_empty()
            || b.is_empty()
            || a == b
            || a.chars().count() > MAX_NAME_CHARS
            || b.chars().count() > MAX_NAME_CHARS
        {
            return;
        }
        let key = (a.to_string(), b.to_string());
        if let Some(n) = self.edges.get_mut(&key) {
            *n += 1;
        } else if self.edges.len() >= MAX_EDGES {
            self.truncated = true;
        } else {
            self.edges.insert(key, 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_spans_make_edges() {
        let text = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"web"}}]},
          "scopeSpans":[{"spans":[
            {"kind":3,"attributes":[{"key":"peer.service","value":{"stringValue":"api"}}]},
            {"kind":"SPAN_KIND_CLIENT","attributes":[{"key":"peer.service","value":{"stringValue":"api"}}]},
            {"kind":2,"attributes":[{"key":"peer.service","value":{"stringValue":"x"}}]},
            {"kind":3,"attributes":[{"key":"peer.service","value":{"stringValue":"web"}}]}]}]}]}"#;
        let e = parse(text).unwrap();
        assert_eq!(e.edges.len(), 1);
        assert_eq!(e.edges[&("web".into(), "api".into())], 2);
        assert!(parse("{nope").is_err());
    }
}
