//! Walking the embedded schemas and the syntax tree by instance path.
//!
//! Every document is read with the schema of its generation (`pactoVersion` "2.0": the 2.0 schema;
//! any other value, or none, the 1.x schema, as before 2.0 existed).

use pacto_core::schema::Generation;
use pacto_core::syntax::{NodeKind, NodeRef, Span};
use serde_json::Value;

fn deref(doc: &'static Value, mut node: &'static Value) -> &'static Value {
    for _ in 0..8 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) if r.starts_with("#/") => match doc.pointer(&r[1..]) {
                Some(n) => node = n,
                None => break,
            },
            _ => break,
        }
    }
    node
}

/// The generation of a document text, from its top-level `pactoVersion` line (quoted or not);
/// 1.x when it declares none or one this build does not know.
pub fn generation_of(text: &str) -> Generation {
    text.lines()
        .find_map(|l| {
            let v = l.strip_prefix("pactoVersion:")?;
            let v = v.split(" #").next().unwrap_or_default().trim();
            Some(v.trim_matches(|c| c == '"' || c == '\''))
        })
        .and_then(Generation::of)
        .unwrap_or(Generation::V1)
}

/// The sub-schema for an instance path (numeric segments step into `items`) in the schema of
/// `generation`.
pub fn schema_at(generation: Generation, path: &[&str]) -> Option<&'static Value> {
    let doc = generation.schema();
    let mut node = deref(doc, doc);
    for seg in path {
        if seg.parse::<usize>().is_ok() {
            node = deref(doc, node.get("items")?);
        } else {
            node = deref(doc, node.get("properties")?.get(*seg)?);
        }
    }
    Some(node)
}

/// The `description` of the field at `path` in the schema of `generation`.
pub fn description(generation: Generation, path: &[&str]) -> Option<&'static str> {
    schema_at(generation, path)?
        .get("description")
        .and_then(Value::as_str)
}

/// What the cursor is on: the instance path of the innermost key or value, and that token's span.
pub struct PathAt {
    pub path: Vec<String>,
    pub span: Span,
}

/// The innermost mapping key (or value under a key) containing `offset`.
pub fn path_at(node: NodeRef<'_>, offset: u32) -> Option<PathAt> {
    let mut path = Vec::new();
    let mut found = None;
    walk(node, offset, &mut path, &mut found);
    found
}

fn touches(span: Span, offset: u32) -> bool {
    span.start <= offset && offset <= span.end
}

fn walk(node: NodeRef<'_>, offset: u32, path: &mut Vec<String>, found: &mut Option<PathAt>) {
    match node.kind() {
        NodeKind::Mapping(_) => {
            for (k, v) in node.entries() {
                let Some(key) = k.as_scalar().map(|s| s.text.clone()) else {
                    continue;
                };
                if touches(k.span(), offset) {
                    path.push(key);
                    *found = Some(PathAt {
                        path: path.clone(),
                        span: k.span(),
                    });
                    path.pop();
                    return;
                }
                if touches(v.span(), offset) && !v.span().is_empty() {
                    path.push(key);
                    *found = Some(PathAt {
                        path: path.clone(),
                        span: v.span(),
                    });
                    walk(v, offset, path, found);
                    path.pop();
                    return;
                }
            }
        }
        NodeKind::Sequence(_) => {
            for (i, item) in node.items().enumerate() {
                if touches(item.span(), offset) {
                    path.push(i.to_string());
                    walk(item, offset, path, found);
                    path.pop();
                    return;
                }
            }
        }
        _ => {}
    }
}
