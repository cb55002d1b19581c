//! `textDocument/codeAction`: quick fixes for our own diagnostics, keyed on their codes. Each
//! fix is attached to the diagnostic it fixes and carries exact text edits.
//!
//! | code | fix |
//! |---|---|
//! | `PORT_REQUIRED` | add `port: 8080` (http) / `port: 9090` (grpc) to the interface |
//! | `SCHEMA_VIOLATION` with a "quote it" help | quote the scalar: `pactoVersion: 1.0` -> `"1.0"` |
//! | `UNKNOWN_FIELD` with a "did you mean" help | replace the key with the suggestion |
//! | `HEALTH_PATH_REQUIRED` / `METRICS_PATH_REQUIRED` | add `path: /health` / `path: /metrics` |

use crate::to_proto::{self, Encoding};
use pacto_core::syntax::{parse, Limits, NodeKind, NodeRef, Span, Style, Tree};
use std::collections::HashMap;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Diagnostic, NumberOrString, TextEdit, Uri,
    WorkspaceEdit,
};

/// Default ports offered by the "add port" fix.
pub const HTTP_PORT: u16 = 8080;
pub const GRPC_PORT: u16 = 9090;

pub fn code_actions(
    uri: &Uri,
    text: &str,
    enc: Encoding,
    diagnostics: &[Diagnostic],
) -> Vec<CodeActionOrCommand> {
    let ours: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.source.as_deref().is_none_or(|s| s == "pacto"))
        .collect();
    if ours.is_empty() {
        return Vec::new();
    }
    let parsed = parse(text, &Limits::default());
    let Some(tree) = parsed.tree.as_ref() else {
        return Vec::new();
    };
    let index = &parsed.line_index;
    let mut out = Vec::new();
    for d in ours {
        let Some(NumberOrString::String(code)) = &d.code else {
            continue;
        };
        let bytes = to_proto::byte_range(index, d.range, enc);
        let span = Span::new(
            crate::guard::floor_boundary(text, bytes.start) as u32,
            crate::guard::floor_boundary(text, bytes.end) as u32,
        );
        let fix = match code.as_str() {
            "PORT_REQUIRED" => add_port(text, tree, span),
            "SCHEMA_VIOLATION" if d.message.contains("quote it") => quote(text, tree, span),
            "UNKNOWN_FIELD" => suggestion(&d.message).and_then(|s| rename_key(text, span, s)),
            "HEALTH_PATH_REQUIRED" => add_path(text, tree, "health"),
            "METRICS_PATH_REQUIRED" => add_path(text, tree, "metrics"),
            _ => None,
        };
        if let Some((title, span, new_text)) = fix {
            let edit = TextEdit {
                range: to_proto::range(index, span, enc),
                new_text,
            };
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![d.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                    ..Default::default()
                }),
                is_preferred: Some(true),
                ..Default::default()
            }));
        }
    }
    out
}

/// A fix: title, the span to replace (empty to insert) and the replacement.
type Fix = (String, Span, String);

/// The suggestion in an `UNKNOWN_FIELD` message's `did you mean "x"?` help.
fn suggestion(message: &str) -> Option<&str> {
    let rest = message.split("did you mean \"").nth(1)?;
    let end = rest.find("\"?")?;
    Some(&rest[..end]).filter(|s| !s.is_empty() && !s.contains(['\n', '"']))
}

fn contains(span: Span, offset: u32) -> bool {
    span.start <= offset && offset <= span.end
}

fn add_port(text: &str, tree: &Tree, at: Span) -> Option<Fix> {
    let item = tree
        .root()
        .get("interfaces")?
        .items()
        .find(|i| i.is_mapping() && contains(i.span(), at.start))?;
    if item.get("port").is_some() {
        return None;
    }
    let port = match item.get("type").and_then(NodeRef::as_str)? {
        "grpc" => GRPC_PORT,
        _ => HTTP_PORT,
    };
    let entry = format!("port: {port}");
    let (span, new_text) = add_entry(text, item, &entry)?;
    Some((format!("Add `{entry}`"), span, new_text))
}

fn add_path(text: &str, tree: &Tree, section: &str) -> Option<Fix> {
    let mapping = tree.root().get("runtime")?.get(section)?;
    if !mapping.is_mapping() {
        return None;
    }
    let entry = format!("path: /{section}");
    let (span, new_text) = match mapping.entry("path") {
        // `path: ""`: fill in the value, keeping its quotes.
        Some((_, v)) if v.as_str() == Some("") => match v.as_scalar().map(|s| s.style) {
            Some(Style::SingleQuoted | Style::DoubleQuoted) if v.span().len() >= 2 => (
                Span::new(v.span().start + 1, v.span().end - 1),
                format!("/{section}"),
            ),
            _ => return None,
        },
        Some((_, v)) if !v.is_null() => return None,
        // `path:` written without a value: fill it in.
        Some((k, v)) => (
            Span::new(k.span().start, v.span().end.max(k.span().end + 1)),
            entry.clone(),
        ),
        None => add_entry(text, mapping, &entry)?,
    };
    Some((format!("Add `{entry}`"), span, new_text))
}

/// Insert `entry` (`key: value`) as the last entry of `mapping`, block or flow style.
fn add_entry(text: &str, mapping: NodeRef<'_>, entry: &str) -> Option<(Span, String)> {
    let start = mapping.span().start as usize;
    if text.as_bytes().get(start) == Some(&b'{') {
        let last_end = mapping
            .entries()
            .map(|(k, v)| k.span().end.max(v.span().end))
            .max();
        return Some(match last_end {
            Some(end) => (Span::new(end, end), format!(", {entry}")),
            None => (
                Span::new(start as u32 + 1, start as u32 + 1),
                entry.to_string(),
            ),
        });
    }
    let (first, _) = mapping.entries().next()?;
    let key_start = first.span().start as usize;
    let line_start = text[..key_start].rfind('\n').map_or(0, |i| i + 1);
    let indent = " ".repeat(text[line_start..key_start].chars().count());
    let end = mapping
        .entries()
        .map(|(k, v)| k.span().end.max(v.span().end))
        .max()? as usize;
    let end = end.min(text.len());
    // The end of the line holding the last value (a block scalar's span ends after its newline).
    let mut at = if end > 0 && text.as_bytes()[end - 1] == b'\n' {
        end - 1
    } else {
        text[end..].find('\n').map_or(text.len(), |i| end + i)
    };
    let mut newline = "\n";
    if at > 0 && text.as_bytes()[at - 1] == b'\r' {
        at -= 1;
        newline = "\r\n";
    }
    Some((
        Span::new(at as u32, at as u32),
        format!("{newline}{indent}{entry}"),
    ))
}

/// The plain scalar written exactly at `span`.
fn scalar_at(node: NodeRef<'_>, span: Span, depth: usize) -> Option<NodeRef<'_>> {
    if depth > 128 || !contains(node.span(), span.start) {
        return None;
    }
    match node.kind() {
        NodeKind::Scalar(_) => (node.span() == span).then_some(node),
        NodeKind::Mapping(_) => node.entries().find_map(|(k, v)| {
            scalar_at(k, span, depth + 1).or_else(|| scalar_at(v, span, depth + 1))
        }),
        NodeKind::Sequence(_) => node.items().find_map(|i| scalar_at(i, span, depth + 1)),
        NodeKind::Alias(_) => None,
    }
}

fn quote(text: &str, tree: &Tree, span: Span) -> Option<Fix> {
    let node = scalar_at(tree.root(), span, 0)?;
    if node.as_scalar()?.style != Style::Plain {
        return None;
    }
    let raw = text.get(span.range())?;
    if raw.contains('\n') {
        return None;
    }
    let quoted = format!("\"{}\"", raw.replace('\\', "\\\\").replace('"', "\\\""));
    Some((format!("Quote as {quoted}"), span, quoted))
}

fn rename_key(text: &str, span: Span, to: &str) -> Option<Fix> {
    let raw = text.get(span.range())?;
    if raw.is_empty() || raw.contains('\n') {
        return None;
    }
    let inner = match raw.as_bytes()[0] {
        b'"' | b'\'' if raw.len() >= 2 => Span::new(span.start + 1, span.end - 1),
        _ => span,
    };
    let from = text.get(inner.range())?;
    Some((
        format!("Replace `{from}` with `{to}`"),
        inner,
        to.to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_read_from_the_help() {
        assert_eq!(
            suggestion(
                "unknown field \"interface\" in the contract\nhelp: did you mean \"interfaces\"?"
            ),
            Some("interfaces")
        );
        assert_eq!(
            suggestion("unknown field \"x\"\nhelp: valid fields here: a, b"),
            None
        );
    }

    #[test]
    fn entries_are_added_in_block_and_flow_style() {
        let text = "a:\n  - name: x\n    type: http\nb: 1\n";
        let parsed = parse(text, &Limits::default());
        let tree = parsed.tree.expect("tree");
        let item = tree.root().get("a").and_then(|a| a.item(0)).expect("item");
        let (span, t) = add_entry(text, item, "port: 1").expect("edit");
        assert_eq!((span.start, t.as_str()), (29, "\n    port: 1"));
        let text = "a: [{name: x, type: http}]\n";
        let parsed = parse(text, &Limits::default());
        let tree = parsed.tree.expect("tree");
        let item = tree.root().get("a").and_then(|a| a.item(0)).expect("item");
        let (span, t) = add_entry(text, item, "port: 1").expect("edit");
        assert_eq!((span.start, t.as_str()), (24, ", port: 1"));
    }
}
