//! `textDocument/codeAction`: quick fixes for our own diagnostics, keyed on their codes. Each
//! fix is attached to the diagnostic it fixes and carries exact text edits.
//!
//! | code | fix |
//! |---|---|
//! | `PORT_REQUIRED` | add `port: 8080` (http) / `port: 9090` (grpc) to the interface |
//! | `SCHEMA_VIOLATION` with a "quote it" help | quote the scalar: `pactoVersion: 1.0` -> `"1.0"` |
//! | `UNKNOWN_FIELD` with a "did you mean" help | replace the key with the suggestion |
//! | `HEALTH_PATH_REQUIRED` / `METRICS_PATH_REQUIRED` | add `path: /health` / `path: /metrics` |
//! | `SCHEMA_VIOLATION` on a quoted integer | unquote it: `port: "8080"` -> `8080` |
//! | `SCHEMA_VIOLATION` on an enum value | replace a typo with the nearest allowed value |
//! | `HEALTH_INTERFACE_NOT_FOUND` / `METRICS_INTERFACE_NOT_FOUND` | one fix per declared interface |
//! | `STATELESS_PERSISTENT_CONFLICT` | `durability: ephemeral`, or `type: stateful` |
//! | `FILE_NOT_FOUND` | create the file from a template (OpenAPI, AsyncAPI, proto, JSON Schema) |
//! | `CAPABILITY_INTERFACE_UNKNOWN` (2.0) | the declared interface nearest the name, else one per declared interface |
//! | `CAPABILITY_PATH_INVALID` (2.0) | the path alone: `health` -> `/health`, `http://h/x` -> `/x` |
//!
//! 2.0's `STATELESS_PERSISTENT_CONFLICT` and `FILE_NOT_FOUND` (an interface's `ref`) get the same
//! fixes as 1.x's; `DUPLICATE_*` have no obvious fix and get none.

use crate::to_proto::{self, Encoding};
use pacto_core::syntax::{parse, Limits, NodeKind, NodeRef, Span, Style, Tree};
use std::collections::HashMap;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CreateFile, CreateFileOptions, Diagnostic,
    DocumentChangeOperation, DocumentChanges, NumberOrString, OneOf,
    OptionalVersionedTextDocumentIdentifier, Range, ResourceOp, TextDocumentEdit, TextEdit, Uri,
    WorkspaceEdit,
};

/// Default ports offered by the "add port" fix.
pub const HTTP_PORT: u16 = 8080;
pub const GRPC_PORT: u16 = 9090;

/// Quick fixes for `diagnostics`; `create_files`: the client applies `CreateFile` operations.
pub fn code_actions(
    uri: &Uri,
    text: &str,
    enc: Encoding,
    diagnostics: &[Diagnostic],
    create_files: bool,
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
        let fixes: Vec<Fix> = match code.as_str() {
            "PORT_REQUIRED" => add_port(text, tree, span).into_iter().collect(),
            "SCHEMA_VIOLATION" if d.message.contains("quote it") => {
                quote(text, tree, span).into_iter().collect()
            }
            "SCHEMA_VIOLATION" => unquote_integer(text, tree, span)
                .or_else(|| enum_typo(text, tree, span))
                .into_iter()
                .collect(),
            "UNKNOWN_FIELD" => suggestion(&d.message)
                .and_then(|s| rename_key(text, span, s))
                .into_iter()
                .collect(),
            "HEALTH_PATH_REQUIRED" => add_path(text, tree, "health").into_iter().collect(),
            "METRICS_PATH_REQUIRED" => add_path(text, tree, "metrics").into_iter().collect(),
            "HEALTH_INTERFACE_NOT_FOUND" | "METRICS_INTERFACE_NOT_FOUND" => {
                use_interface(text, tree, span)
            }
            "STATELESS_PERSISTENT_CONFLICT" => stateless_fixes(text, tree, span),
            "CAPABILITY_INTERFACE_UNKNOWN" => binding_interface(text, tree, span),
            "CAPABILITY_PATH_INVALID" => capability_path(text, tree, span).into_iter().collect(),
            "FILE_NOT_FOUND" if create_files => {
                if let Some(action) = create_file(uri, tree, span, d) {
                    out.push(CodeActionOrCommand::CodeAction(action));
                }
                Vec::new()
            }
            _ => Vec::new(),
        };
        let preferred = fixes.len() == 1;
        for (title, span, new_text) in fixes {
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
                is_preferred: Some(preferred),
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

/// The scalar node written exactly at `span`, with its instance path.
fn value_at<'t>(tree: &'t Tree, span: Span) -> Option<(NodeRef<'t>, Vec<String>)> {
    let node = scalar_at(tree.root(), span, 0)?;
    let at = crate::schema_nav::path_at(tree.root(), span.start)?;
    (at.span == span).then_some((node, at.path))
}

/// Replace the value of the scalar `node` with `to` (a plain word), keeping its quotes.
fn replace_value(text: &str, node: NodeRef<'_>, to: &str) -> Option<(Span, String)> {
    let span = node.span();
    let raw = text.get(span.range())?;
    if raw.contains('\n')
        || !to
            .chars()
            .all(|c| c.is_alphanumeric() || "-_./".contains(c))
    {
        return None;
    }
    match node.as_scalar()?.style {
        Style::SingleQuoted | Style::DoubleQuoted if span.len() >= 2 => {
            Some((Span::new(span.start + 1, span.end - 1), to.to_string()))
        }
        Style::Plain => Some((span, to.to_string())),
        _ => None,
    }
}

/// `port: "8080"` where the schema wants an integer: write the number.
fn unquote_integer(text: &str, tree: &Tree, span: Span) -> Option<Fix> {
    let (node, path) = value_at(tree, span)?;
    let scalar = node.as_scalar()?;
    if !matches!(scalar.style, Style::SingleQuoted | Style::DoubleQuoted) {
        return None;
    }
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    let schema = crate::schema_nav::schema_at(crate::schema_nav::generation_of(text), &path)?;
    let wants_integer = match schema.get("type")? {
        serde_json::Value::String(t) => t == "integer",
        serde_json::Value::Array(ts) => ts.iter().any(|t| t == "integer"),
        _ => false,
    };
    let number = scalar.text.trim();
    if !wants_integer || number.parse::<i64>().is_err() || text.get(span.range()).is_none() {
        return None;
    }
    Some((
        format!("Write {number} as a number, without quotes"),
        span,
        number.to_string(),
    ))
}

/// A value that is not one of the schema's `enum` values but close to one: the nearest.
fn enum_typo(text: &str, tree: &Tree, span: Span) -> Option<Fix> {
    let (node, path) = value_at(tree, span)?;
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    let options: Vec<&str> =
        crate::schema_nav::schema_at(crate::schema_nav::generation_of(text), &path)?
            .get("enum")?
            .as_array()?
            .iter()
            .filter_map(serde_json::Value::as_str)
            .collect();
    let value = &node.as_scalar()?.text;
    if options.contains(&value.as_str()) {
        return None;
    }
    let best = pacto_core::validate::nearest(value, &options)?;
    let (span, new_text) = replace_value(text, node, best)?;
    Some((format!("Replace `{value}` with `{best}`"), span, new_text))
}

/// The names of the declared interfaces, in order.
fn interface_names(tree: &Tree) -> Vec<String> {
    let Some(list) = tree.root().get("interfaces") else {
        return Vec::new();
    };
    let mut names: Vec<String> = Vec::new();
    for item in list.items() {
        if let Some(name) = item.get("name").and_then(NodeRef::as_str) {
            if !name.is_empty() && !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// An unknown health/metrics interface: one fix per declared interface.
fn use_interface(text: &str, tree: &Tree, span: Span) -> Vec<Fix> {
    let Some(node) = scalar_at(tree.root(), span, 0) else {
        return Vec::new();
    };
    interface_names(tree)
        .iter()
        .filter_map(|name| {
            let (span, new_text) = replace_value(text, node, name)?;
            Some((format!("Use interface `{name}`"), span, new_text))
        })
        .collect()
}

/// A capability binding naming an undeclared interface: the nearest declared name (the core's
/// did-you-mean) as the one preferred fix, else one fix per declared interface.
fn binding_interface(text: &str, tree: &Tree, span: Span) -> Vec<Fix> {
    let Some(node) = scalar_at(tree.root(), span, 0) else {
        return Vec::new();
    };
    let Some(value) = node.as_str() else {
        return Vec::new();
    };
    let names = interface_names(tree);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    if let Some(best) = pacto_core::validate::nearest(value, &refs) {
        return replace_value(text, node, best)
            .map(|(span, t)| (format!("Replace `{value}` with `{best}`"), span, t))
            .into_iter()
            .collect();
    }
    use_interface(text, tree, span)
}

/// A capability binding path with a scheme, host or no leading `/`: the path alone.
fn capability_path(text: &str, tree: &Tree, span: Span) -> Option<Fix> {
    let node = scalar_at(tree.root(), span, 0)?;
    let value = node.as_str()?.trim();
    let path = match value.split_once("://") {
        // `http://host:8080/health#x` -> `/health`
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => value,
    };
    let path = path.split('#').next().unwrap_or_default();
    let fixed = format!("/{}", path.trim_start_matches('/'));
    if fixed == value || fixed == "/" && value.is_empty() {
        return None;
    }
    let (span, t) = replace_value(text, node, &fixed)?;
    Some((format!("Use the path `{fixed}`"), span, t))
}

/// `type: stateless` with `durability: persistent`: make the durability ephemeral, or the
/// service stateful.
fn stateless_fixes(text: &str, tree: &Tree, span: Span) -> Vec<Fix> {
    let mut out = Vec::new();
    if let Some((span, t)) =
        scalar_at(tree.root(), span, 0).and_then(|n| replace_value(text, n, "ephemeral"))
    {
        out.push(("Use `durability: ephemeral`".to_string(), span, t));
    }
    let kind = tree
        .root()
        .get("runtime")
        .and_then(|r| r.get("state"))
        // 2.0: `state` is a top-level section.
        .or_else(|| tree.root().get("state"))
        .and_then(|s| s.get("type"))
        .filter(|t| t.as_str() == Some("stateless"));
    if let Some((span, t)) = kind.and_then(|k| replace_value(text, k, "stateful")) {
        out.push((
            "Make the service stateful (`type: stateful`)".to_string(),
            span,
            t,
        ));
    }
    out
}

/// What a missing referenced file is, by the field that names it and its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Template {
    OpenApi,
    AsyncApi,
    Proto,
    JsonSchema,
}

/// A missing `contract:`/`schema:` file: create it from a template, inside the bundle only.
fn create_file(uri: &Uri, tree: &Tree, span: Span, d: &Diagnostic) -> Option<CodeAction> {
    let (node, path) = value_at(tree, span)?;
    let rel = node.as_str()?;
    let root = crate::navigation::bundle_dir(uri)?;
    // Create only what is missing and stays inside the bundle (no `..`, no link leading out).
    match pacto_core::bundle::resolve_inside(&root, rel) {
        Err(pacto_core::bundle::BundleError::NotFound(_)) => {}
        _ => return None,
    }
    let ext = rel.rsplit_once('.').map_or("", |(_, e)| e);
    let template = match path
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        // 2.0: the interface's `ref`, its kind says the format.
        ["interfaces", i, "ref"] => {
            let kind = tree
                .root()
                .get("interfaces")
                .and_then(|l| l.items().nth(i.parse().ok()?))
                .and_then(|item| item.get("type"))
                .and_then(NodeRef::as_str);
            match (kind, ext) {
                (Some("grpc"), _) | (_, "proto") => Template::Proto,
                (Some("asyncapi"), _) => Template::AsyncApi,
                _ => Template::OpenApi,
            }
        }
        ["interfaces", i, "contract"] => {
            let kind = tree
                .root()
                .get("interfaces")
                .and_then(|l| l.items().nth(i.parse().ok()?))
                .and_then(|item| item.get("type"))
                .and_then(NodeRef::as_str);
            match (kind, ext) {
                (_, "proto") | (Some("grpc"), _) => Template::Proto,
                (Some("event"), _) => Template::AsyncApi,
                _ => Template::OpenApi,
            }
        }
        [.., "schema"] => Template::JsonSchema,
        _ => return None,
    };
    let service = tree.root().get("service");
    let name = service
        .and_then(|s| s.get("name"))
        .and_then(NodeRef::as_str)
        .unwrap_or("service");
    let version = service
        .and_then(|s| s.get("version"))
        .and_then(NodeRef::as_str)
        .unwrap_or("1.0.0");
    let body = template_text(template, ext == "json", name, version);
    let target = Uri::from_file_path(root.join(rel))?;
    let at_start = Range::default();
    let ops = vec![
        DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
            uri: target.clone(),
            options: Some(CreateFileOptions {
                overwrite: Some(false),
                ignore_if_exists: Some(true),
            }),
            annotation_id: None,
        })),
        DocumentChangeOperation::Edit(TextDocumentEdit {
            text_document: OptionalVersionedTextDocumentIdentifier {
                uri: target,
                version: None,
            },
            edits: vec![OneOf::Left(TextEdit {
                range: at_start,
                new_text: body,
            })],
        }),
    ];
    let what = match template {
        Template::OpenApi => "an OpenAPI document",
        Template::AsyncApi => "an AsyncAPI document",
        Template::Proto => "a proto file",
        Template::JsonSchema => "a JSON Schema",
    };
    Some(CodeAction {
        title: format!("Create `{rel}` ({what})"),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![d.clone()]),
        edit: Some(WorkspaceEdit {
            document_changes: Some(DocumentChanges::Operations(ops)),
            ..Default::default()
        }),
        is_preferred: Some(true),
        ..Default::default()
    })
}

/// The skeleton of a new referenced file.
fn template_text(template: Template, json: bool, name: &str, version: &str) -> String {
    let title = serde_json::Value::from(name).to_string();
    let version = serde_json::Value::from(version).to_string();
    match (template, json) {
        (Template::OpenApi, false) => format!(
            "openapi: 3.0.3\ninfo:\n  title: {title}\n  version: {version}\npaths: {{}}\n"
        ),
        (Template::OpenApi, true) => format!(
            "{{\n  \"openapi\": \"3.0.3\",\n  \"info\": {{\"title\": {title}, \"version\": {version}}},\n  \"paths\": {{}}\n}}\n"
        ),
        (Template::AsyncApi, false) => format!(
            "asyncapi: 2.6.0\ninfo:\n  title: {title}\n  version: {version}\nchannels: {{}}\n"
        ),
        (Template::AsyncApi, true) => format!(
            "{{\n  \"asyncapi\": \"2.6.0\",\n  \"info\": {{\"title\": {title}, \"version\": {version}}},\n  \"channels\": {{}}\n}}\n"
        ),
        (Template::Proto, _) => {
            let package: String = name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
                .collect();
            let package = if package.starts_with(|c: char| c.is_ascii_alphabetic()) {
                package
            } else {
                format!("pkg_{package}")
            };
            let mut service = String::new();
            for word in name.split(|c: char| !c.is_ascii_alphanumeric()) {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    service.push(first.to_ascii_uppercase());
                    service.extend(chars);
                }
            }
            if !service.starts_with(|c: char| c.is_ascii_alphabetic()) {
                service.insert_str(0, "Service");
            }
            format!("syntax = \"proto3\";\n\npackage {package};\n\nservice {service} {{\n}}\n")
        }
        (Template::JsonSchema, false) => {
            "$schema: https://json-schema.org/draft/2020-12/schema\ntype: object\nproperties: {}\n"
                .to_string()
        }
        (Template::JsonSchema, true) => "{\n  \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n  \"type\": \"object\",\n  \"properties\": {}\n}\n".to_string(),
    }
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
