//! AsyncAPI diff for Pacto 2.0 (Go Pacto 3.2.8+, `pkg/diff/asyncapi.go`): the `channels` and
//! (AsyncAPI 3.x) `operations` of two documents, YAML or JSON.
//!
//! Entries are keyed by name and visited in sorted order. An entry on one side only is
//! `asyncapi.channels[name]` removed (BREAKING) or added (NON_BREAKING), with the name as its
//! value; an entry on both sides is deep-diffed by [`walk::diff`] with [`Direction::Unknown`] (a
//! channel is published by one service and read by another, so a `required` entry added or
//! removed is breaking either way; anything else inside is POTENTIAL_BREAKING). `info`,
//! `servers`, `components` and everything else are not compared, as in Go. A 2.x document has no
//! `operations`, so that section is then empty.
//!
//! # Beyond Go Pacto
//!
//! | Situation | Go Pacto | Here |
//! |---|---|---|
//! | A document does not parse, its top level is not a mapping, or `channels`/`operations` is not a mapping | silently no changes | [`AsyncApiDoc::parse`] returns an [`AsyncApiError`] naming the file, line and column |
//! | Duplicate mapping keys | yaml.v3 refuses the file: no changes | an error |
//! | An empty document (or `null`) | no channels, no operations | the same |
//! | Where | — | every change has the line of the entry (or the walk's node) in each file; for an entry on one side only, the other side's `channels`/`operations` key |
//!
//! Bounds: documents over [`MAX_DOCUMENT_BYTES`] are refused; the YAML parser's depth, node and
//! alias-expansion limits apply.

use super::openapi::MAX_DOCUMENT_BYTES;
use super::walk::{self, At, Direction};
use super::{Change, ChangeType, Source};
use crate::syntax::{ColumnUnit, NodeRef, Resolved, Tree};
use serde_json::Value;
use std::collections::BTreeMap;

/// Why an AsyncAPI document cannot be diffed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AsyncApiError {
    #[error("{file}: the document is {size} bytes, more than the {limit} bytes Pacto reads")]
    TooLarge {
        file: String,
        size: usize,
        limit: usize,
    },
    #[error("{file}: not valid YAML/JSON at line {line}, column {column}: {message}")]
    Syntax {
        file: String,
        /// 1-based.
        line: u32,
        /// 1-based, in characters.
        column: u32,
        message: String,
    },
    #[error("{file}: refused at line {line}, column {column}: {message}")]
    LimitExceeded {
        file: String,
        line: u32,
        column: u32,
        message: String,
    },
    #[error("{file}: not an AsyncAPI document at line {line}, column {column}: {what} is {found}, not a mapping")]
    NotAMapping {
        file: String,
        line: u32,
        column: u32,
        /// `the top level`, `` `channels` `` or `` `operations` ``.
        what: String,
        /// `a sequence`, `a string`, ...
        found: String,
    },
}

impl AsyncApiError {
    /// The file the error is about.
    pub fn file(&self) -> &str {
        match self {
            AsyncApiError::TooLarge { file, .. }
            | AsyncApiError::Syntax { file, .. }
            | AsyncApiError::LimitExceeded { file, .. }
            | AsyncApiError::NotAMapping { file, .. } => file,
        }
    }

    /// The 1-based line the error points at, when it has one.
    pub fn line(&self) -> Option<u32> {
        match self {
            AsyncApiError::TooLarge { .. } => None,
            AsyncApiError::Syntax { line, .. }
            | AsyncApiError::LimitExceeded { line, .. }
            | AsyncApiError::NotAMapping { line, .. } => Some(*line),
        }
    }
}

/// A parsed AsyncAPI document: its span tree (none for an empty document) and its file name.
#[derive(Debug, Clone)]
pub struct AsyncApiDoc {
    file: String,
    tree: Option<Tree>,
}

/// The two sections compared, with the noun used in reasons.
const SECTIONS: [(&str, &str, &str); 2] = [
    ("channels", "asyncapi.channels", "channel"),
    ("operations", "asyncapi.operations", "operation"),
];

impl AsyncApiDoc {
    /// Parse `text` (YAML or JSON). `file` is the bundle-relative path used in errors and sources.
    pub fn parse(file: &str, text: &str) -> Result<AsyncApiDoc, AsyncApiError> {
        if text.len() > MAX_DOCUMENT_BYTES {
            return Err(AsyncApiError::TooLarge {
                file: file.to_string(),
                size: text.len(),
                limit: MAX_DOCUMENT_BYTES,
            });
        }
        let tree = match super::openapi::parse_spec(text) {
            Ok(Some(tree)) => tree,
            // yaml.v3 decodes an empty document into an empty struct: no channels, no operations.
            Ok(None) => {
                return Ok(AsyncApiDoc {
                    file: file.to_string(),
                    tree: None,
                })
            }
            Err(e) => {
                let file = file.to_string();
                let super::openapi::SpecSyntax {
                    line,
                    column,
                    message,
                    ..
                } = e;
                return Err(if e.limit {
                    AsyncApiError::LimitExceeded {
                        file,
                        line,
                        column,
                        message,
                    }
                } else {
                    AsyncApiError::Syntax {
                        file,
                        line,
                        column,
                        message,
                    }
                });
            }
        };
        let root = tree.root();
        let not_mapping = |what: &str, n: NodeRef<'_>| {
            let at = tree.line_index().line_col(n.span().start, ColumnUnit::Char);
            AsyncApiError::NotAMapping {
                file: file.to_string(),
                line: at.line + 1,
                column: at.col + 1,
                what: what.to_string(),
                found: describe(n).to_string(),
            }
        };
        if !root.is_mapping() && !root.is_null() {
            return Err(not_mapping("the top level", root));
        }
        for (key, _, _) in SECTIONS {
            if let Some(v) = root.get(key) {
                if !v.is_mapping() && !v.is_null() {
                    return Err(not_mapping(&format!("`{key}`"), v));
                }
            }
        }
        Ok(AsyncApiDoc {
            file: file.to_string(),
            tree: Some(tree),
        })
    }

    /// The bundle-relative file name given to [`AsyncApiDoc::parse`].
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The names of `channels` (or `operations`), sorted.
    pub fn names(&self, section: &str) -> Vec<String> {
        self.section(section).entries.into_keys().collect()
    }

    /// The key node of `section` and its entries by name: (key node, value node).
    fn section(&self, name: &str) -> Section<'_> {
        let Some(tree) = &self.tree else {
            return Section::default();
        };
        let root = tree.root();
        let Some((key, value)) = root.entry(name) else {
            return Section::default();
        };
        let mut entries = BTreeMap::new();
        for (k, v) in value.entries() {
            // A later duplicate wins, as in a decoded Go map (duplicates are refused anyway).
            entries.insert(key_text(k), (k, v));
        }
        Section {
            key: Some(key),
            entries,
        }
    }

    fn source(&self, node: NodeRef<'_>) -> Source {
        At::new(&self.file, node).source()
    }
}

#[derive(Default)]
struct Section<'t> {
    key: Option<NodeRef<'t>>,
    entries: BTreeMap<String, (NodeRef<'t>, NodeRef<'t>)>,
}

/// A key as yaml.v3 decodes it into a Go `map[string]any` key: its text (the walk's convention for
/// null keys).
fn key_text(k: NodeRef<'_>) -> String {
    match k.as_scalar() {
        Some(s) if s.resolved == Resolved::Null => "<nil>".to_string(),
        Some(s) => s.text.clone(),
        None => k.to_json().to_string(),
    }
}

fn describe(n: NodeRef<'_>) -> &'static str {
    if n.is_sequence() {
        return "a sequence";
    }
    match n.as_scalar().map(|s| s.resolved) {
        Some(Resolved::Str) => "a string",
        Some(Resolved::Bool(_)) => "a boolean",
        Some(Resolved::Int(_) | Resolved::UInt(_) | Resolved::Float(_)) => "a number",
        Some(Resolved::Null) => "null",
        None => "a mapping",
    }
}

/// Compare `channels`, then `operations`, in Go's order (per section: removed and deep-diffed
/// entries by name, then added ones; callers sort the whole diff).
pub fn diff(old: &AsyncApiDoc, new: &AsyncApiDoc) -> Vec<Change> {
    let mut out = Vec::new();
    for (key, prefix, noun) in SECTIONS {
        let (os, ns) = (old.section(key), new.section(key));
        let old_parent = os.key.map(|k| old.source(k));
        let new_parent = ns.key.map(|k| new.source(k));
        for (name, (ok, ov)) in &os.entries {
            let path = format!("{prefix}[{name}]");
            match ns.entries.get(name) {
                None => out.push(
                    Change::new_v2(
                        prefix,
                        path,
                        ChangeType::Removed,
                        Some(Value::String(name.clone())),
                        None,
                        format!("{noun} {name} removed"),
                    )
                    .with_explanation(removed(noun, name))
                    .with_sources(Some(old.source(*ok)), new_parent.clone()),
                ),
                Some((_, nv)) => out.extend(walk::diff(
                    Direction::Unknown,
                    &path,
                    At::new(&old.file, *ov),
                    At::new(&new.file, *nv),
                )),
            }
        }
        for (name, (nk, _)) in &ns.entries {
            if !os.entries.contains_key(name) {
                out.push(
                    Change::new_v2(
                        prefix,
                        format!("{prefix}[{name}]"),
                        ChangeType::Added,
                        None,
                        Some(Value::String(name.clone())),
                        format!("{noun} {name} added"),
                    )
                    .with_explanation(format!(
                        "A new {noun}: existing publishers and subscribers are unaffected."
                    ))
                    .with_sources(old_parent.clone(), Some(new.source(*nk))),
                );
            }
        }
    }
    out
}

fn removed(noun: &str, name: &str) -> String {
    if noun == "channel" {
        format!("Subscribers of channel {name} lose their feed and its publishers have nowhere to send.")
    } else {
        format!("Services relying on operation {name} lose it: what it sent or received is no longer part of the contract.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Classification;

    const V2: &str = r#"asyncapi: "2.6.0"
info:
  title: events
  version: 1.0.0
channels:
  order.created:
    publish:
      operationId: orderCreated
      message:
        payload:
          type: object
          properties:
            order_id:
              type: string
          required: ["order_id"]
  order.cancelled:
    publish:
      operationId: orderCancelled
      message:
        payload:
          type: object
          properties:
            order_id:
              type: string
"#;

    fn doc(s: &str) -> AsyncApiDoc {
        AsyncApiDoc::parse("events.yaml", s).expect("parses")
    }

    fn run(old: &str, new: &str) -> Vec<Change> {
        diff(&doc(old), &doc(new))
    }

    #[test]
    fn identical_is_empty_and_names_sorted() {
        assert!(run(V2, V2).is_empty());
        assert_eq!(
            doc(V2).names("channels"),
            vec!["order.cancelled", "order.created"]
        );
        assert!(doc(V2).names("operations").is_empty());
    }

    #[test]
    fn channel_removed_and_added_with_lines() {
        let cut = V2.split("  order.cancelled:").next().unwrap_or_default();
        let c = run(V2, cut);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].path, "asyncapi.channels[order.cancelled]");
        assert_eq!(c[0].change_type, ChangeType::Removed);
        assert_eq!(c[0].classification, Classification::Breaking);
        assert_eq!(c[0].reason, "channel order.cancelled removed");
        assert_eq!(c[0].old_value, Some(Value::from("order.cancelled")));
        assert_eq!(c[0].old_source.as_ref().map(|s| s.line), Some(16));
        assert_eq!(c[0].new_source.as_ref().map(|s| s.line), Some(5));
        let c = run(cut, V2);
        assert_eq!(c[0].change_type, ChangeType::Added);
        assert_eq!(c[0].classification, Classification::NonBreaking);
        assert_eq!(c[0].reason, "channel order.cancelled added");
        assert_eq!(c[0].new_value, Some(Value::from("order.cancelled")));
    }

    #[test]
    fn empty_and_null_documents_have_no_entries() {
        for empty in ["", "# only a comment\n", "null\n", "~"] {
            let c = run(empty, V2);
            assert_eq!(c.len(), 2, "{empty:?}");
            assert!(c.iter().all(|c| c.change_type == ChangeType::Added));
        }
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let e = AsyncApiDoc::parse("a.yaml", "channels: [unclosed\n  nope: :").unwrap_err();
        assert!(matches!(e, AsyncApiError::Syntax { .. }), "{e}");
        assert!(e
            .to_string()
            .starts_with("a.yaml: not valid YAML/JSON at line "));
        let e = AsyncApiDoc::parse("a.yaml", "- a\n- b\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "a.yaml: not an AsyncAPI document at line 1, column 1: the top level is a sequence, not a mapping"
        );
        let e = AsyncApiDoc::parse("a.json", "{\"asyncapi\": \"3.0.0\",\n \"operations\": [1]}")
            .unwrap_err();
        assert_eq!(e.line(), Some(2));
        assert!(e.to_string().contains("`operations` is a sequence"), "{e}");
        let e = AsyncApiDoc::parse("a.yaml", "channels: {a: 1}\nchannels: {b: 2}\n").unwrap_err();
        assert!(matches!(e, AsyncApiError::Syntax { line: 2, .. }), "{e}");
        let e = AsyncApiDoc::parse("a.yaml", "just text").unwrap_err();
        assert!(e.to_string().contains("the top level is a string"), "{e}");
    }

    #[test]
    fn too_large_is_refused() {
        let big = format!("a: \"{}\"", "x".repeat(MAX_DOCUMENT_BYTES));
        assert!(matches!(
            AsyncApiDoc::parse("big.yaml", &big),
            Err(AsyncApiError::TooLarge { .. })
        ));
    }
}
