//! Walking the embedded schema and the syntax tree by instance path.

use pacto_core::syntax::{NodeKind, NodeRef, Span};
use serde_json::Value;

fn deref(mut node: &'static Value) -> &'static Value {
    for _ in 0..8 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) if r.starts_with("#/") => match pacto_core::schema::at_pointer(&r[1..]) {
                Some(n) => node = n,
                None => break,
            },
            _ => break,
        }
    }
    node
}

/// The sub-schema for an instance path (numeric segments step into `items`).
pub fn schema_at(path: &[&str]) -> Option<&'static Value> {
    let mut node = deref(pacto_core::schema::schema());
    for seg in path {
        if seg.parse::<usize>().is_ok() {
            node = deref(node.get("items")?);
        } else {
            node = deref(node.get("properties")?.get(*seg)?);
        }
    }
    Some(node)
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
