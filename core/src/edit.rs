//! Span-preserving edits of a YAML document: set a scalar at a path, append or remove a
//! sequence item, remove a mapping key. Only the lines an edit touches change; comments, blank
//! lines, quoting and key order everywhere else are kept byte for byte.
//!
//! Each function takes the document text and returns the new text. Edits work on block-style
//! collections (what people write in `pacto.yaml`); a flow-style collection (`{a: 1}`,
//! `[x]`) on the way is refused with [`EditError::Flow`], except an empty `{}`/`[]` or a null
//! value, which is replaced by a block.
//!
//! Values are YAML text the caller renders (see [`crate::scaffold::yaml_scalar`]); items are
//! unindented YAML blocks, indented here to fit.

use crate::syntax::{parse, Limits, NodeKind, NodeRef, Tree};

/// Why an edit was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("the document is not readable YAML: {0}")]
    Parse(String),
    #[error("{0} is not a mapping")]
    NotMapping(String),
    #[error("{0} is not a sequence")]
    NotSequence(String),
    #[error(
        "{0} is written in flow style ({{...}} or [...]); rewrite it in block style to edit it"
    )]
    Flow(String),
    #[error("{0} does not exist")]
    NotFound(String),
    #[error("{0} holds a mapping or sequence, not a single value")]
    NotScalar(String),
}

fn tree_of(text: &str) -> Result<Tree, EditError> {
    let parsed = parse(text, &Limits::default());
    if let Some(e) = parsed.errors.iter().find(|e| e.fatal) {
        return Err(EditError::Parse(e.message.clone()));
    }
    parsed
        .tree
        .ok_or_else(|| EditError::Parse("empty document".to_string()))
}

fn dotted(path: &[&str]) -> String {
    if path.is_empty() {
        "the document".to_string()
    } else {
        path.join(".")
    }
}

pub(crate) fn line_start(text: &str, off: usize) -> usize {
    text[..off.min(text.len())].rfind('\n').map_or(0, |i| i + 1)
}

/// The offset just after the newline ending the line that holds `off` (or the text's end).
pub(crate) fn after_line(text: &str, off: usize) -> usize {
    let off = off.min(text.len());
    text[off..].find('\n').map_or(text.len(), |i| off + i + 1)
}

/// The end of the last character written for `node` (children included).
pub(crate) fn content_end(node: NodeRef<'_>) -> usize {
    let own = node.span().end as usize;
    let child = match node.kind() {
        NodeKind::Mapping(entries) => entries.last().map(|e| {
            let tree = node.tree();
            let key_end = tree.node(e.key).span().end as usize;
            key_end.max(content_end(tree.node(e.value)))
        }),
        NodeKind::Sequence(items) => items.last().map(|i| content_end(node.tree().node(*i))),
        _ => None,
    };
    match (node.kind(), child) {
        (NodeKind::Mapping(_) | NodeKind::Sequence(_), Some(c)) => c,
        _ => own,
    }
}

/// Where to insert lines after `node`: the start of the line after its last content line.
fn insertion_after(text: &str, node: NodeRef<'_>) -> usize {
    let end = content_end(node);
    // A block scalar's span may end after its final newline.
    let last = if end > 0 && text.as_bytes().get(end - 1) == Some(&b'\n') {
        end - 1
    } else {
        end
    };
    after_line(text, last)
}

fn column(text: &str, off: usize) -> usize {
    off - line_start(text, off)
}

fn is_flow(text: &str, node: NodeRef<'_>) -> bool {
    matches!(
        text.as_bytes().get(node.span().start as usize),
        Some(b'{' | b'[')
    )
}

fn is_empty_flow_or_null(text: &str, node: NodeRef<'_>) -> bool {
    match node.kind() {
        NodeKind::Mapping(e) => e.is_empty() && is_flow(text, node),
        NodeKind::Sequence(i) => i.is_empty() && is_flow(text, node),
        NodeKind::Scalar(_) => node.is_null(),
        NodeKind::Alias(_) => false,
    }
}

/// Indent every line of `block` by `n` spaces, the first line by `first` instead.
fn indent(block: &str, first: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    let mut out = String::new();
    for (i, line) in block.trim_end_matches('\n').lines().enumerate() {
        if i == 0 {
            out.push_str(first);
        } else if line.is_empty() {
            // keep blank lines blank
        } else {
            out.push_str(&pad);
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn splice(text: &str, start: usize, end: usize, with: &str) -> String {
    let mut out = String::with_capacity(text.len() + with.len());
    out.push_str(&text[..start]);
    out.push_str(with);
    out.push_str(&text[end..]);
    out
}

/// Insert `lines` (complete lines) at `at`, adding a newline first when the text does not end
/// with one.
fn insert_lines(text: &str, at: usize, lines: &str) -> String {
    if at == text.len() && !text.is_empty() && !text.ends_with('\n') {
        return format!("{text}\n{lines}");
    }
    splice(text, at, at, lines)
}

/// Replace the value of the entry whose key span is `key_end`-terminated (an empty `{}`, `[]`
/// or a null) with a block: ` ` + nothing on the key line, then `block` indented by `n`.
fn replace_value_with_block(
    text: &str,
    key: NodeRef<'_>,
    value: NodeRef<'_>,
    block: &str,
    n: usize,
) -> String {
    let key_end = key.span().end as usize;
    // From the key's end: skip to the colon, then replace the rest of the value.
    let colon = text[key_end..]
        .find(':')
        .map_or(key_end, |i| key_end + i + 1);
    let vspan = value.span();
    let value_end = if vspan.is_empty() {
        colon
    } else {
        (vspan.end as usize).max(colon)
    };
    let rest_of_line_end = after_line(text, value_end);
    // Keep a trailing comment on the key line.
    let tail = &text[value_end..rest_of_line_end];
    let comment = tail.trim_end_matches('\n').trim();
    let mut with = String::new();
    if comment.starts_with('#') {
        with.push(' ');
        with.push_str(comment);
    }
    with.push('\n');
    with.push_str(&indent(block, &" ".repeat(n), n));
    splice(text, colon, rest_of_line_end, &with)
}

/// Nested `k1:\n  k2: value` lines for the missing keys `rest`, unindented.
fn chain(rest: &[&str], value: &str) -> String {
    let mut out = String::new();
    for (depth, k) in rest.iter().enumerate() {
        let key = crate::scaffold::yaml_scalar(k);
        out.push_str(&" ".repeat(depth * 2));
        if depth + 1 == rest.len() {
            out.push_str(&format!("{key}: {value}\n"));
        } else {
            out.push_str(&format!("{key}:\n"));
        }
    }
    out
}

/// The entry (key, value) at `path` under the root, with the key's node.
fn entry_at<'t>(tree: &'t Tree, path: &[&str]) -> Option<(NodeRef<'t>, NodeRef<'t>)> {
    let (parent_path, last) = path.split_last().map(|(l, p)| (p, *l))?;
    let (parent, used) = tree.walk(parent_path);
    if used != parent_path.len() {
        return None;
    }
    parent.entry(last)
}

/// Set the scalar at `path` (mapping keys) to `value` (YAML text, e.g. `1.2.0` or `"a b"`),
/// creating missing mappings on the way.
pub fn set_scalar(text: &str, path: &[&str], value: &str) -> Result<String, EditError> {
    let tree = tree_of(text)?;
    let (node, used) = tree.walk(path);
    if used == path.len() {
        return match node.kind() {
            NodeKind::Scalar(_) if !node.span().is_empty() => {
                let s = node.span();
                Ok(splice(text, s.start as usize, s.end as usize, value))
            }
            NodeKind::Scalar(_) => {
                // `key:` with nothing after it.
                let (k, _) =
                    entry_at(&tree, path).ok_or_else(|| EditError::NotFound(dotted(path)))?;
                let key_end = k.span().end as usize;
                let colon = text[key_end..]
                    .find(':')
                    .map_or(key_end, |i| key_end + i + 1);
                Ok(splice(text, colon, colon, &format!(" {value}")))
            }
            NodeKind::Mapping(e) if e.is_empty() && is_flow(text, node) => {
                let s = node.span();
                Ok(splice(text, s.start as usize, s.end as usize, value))
            }
            _ => Err(EditError::NotScalar(dotted(path))),
        };
    }
    let parent_path = &path[..used];
    let rest = &path[used..];
    let block = chain(rest, value);
    insert_into_mapping(text, &tree, parent_path, node, &block)
}

/// Insert `block` (unindented complete lines of entries) into the mapping `parent` at
/// `parent_path`.
fn insert_into_mapping(
    text: &str,
    tree: &Tree,
    parent_path: &[&str],
    parent: NodeRef<'_>,
    block: &str,
) -> Result<String, EditError> {
    match parent.kind() {
        NodeKind::Mapping(entries) if !entries.is_empty() => {
            if is_flow(text, parent) {
                return Err(EditError::Flow(dotted(parent_path)));
            }
            let first_key = tree.node(entries[0].key);
            let n = column(text, first_key.span().start as usize);
            let at = insertion_after(text, parent);
            Ok(insert_lines(text, at, &indent(block, &" ".repeat(n), n)))
        }
        _ if is_empty_flow_or_null(text, parent) || parent.is_mapping() => {
            if parent_path.is_empty() {
                // An empty document or `{}`: the block is the document.
                return Ok(block.to_string());
            }
            let (k, v) = entry_at(tree, parent_path)
                .ok_or_else(|| EditError::NotFound(dotted(parent_path)))?;
            let n = column(text, k.span().start as usize) + 2;
            Ok(replace_value_with_block(text, k, v, block, n))
        }
        _ => Err(EditError::NotMapping(dotted(parent_path))),
    }
}

/// Append `item` (an unindented YAML block, e.g. `name: api\ntype: http`) to the sequence at
/// `path`, creating it when missing.
pub fn append_item(text: &str, path: &[&str], item: &str) -> Result<String, EditError> {
    let tree = tree_of(text)?;
    let (node, used) = tree.walk(path);
    if used < path.len() {
        // Create `key:` with the item under the deepest existing mapping.
        let parent_path = &path[..used];
        let rest = &path[used..];
        let mut block = String::new();
        for (depth, k) in rest.iter().enumerate() {
            block.push_str(&" ".repeat(depth * 2));
            block.push_str(&format!("{}:\n", crate::scaffold::yaml_scalar(k)));
        }
        let pad = rest.len() * 2;
        block.push_str(&indent(item, &format!("{}- ", " ".repeat(pad)), pad + 2));
        return insert_into_mapping(text, &tree, parent_path, node, &block);
    }
    match node.kind() {
        NodeKind::Sequence(items) if !items.is_empty() => {
            if is_flow(text, node) {
                return Err(EditError::Flow(dotted(path)));
            }
            let first = tree.node(items[0]).span().start as usize;
            let ls = line_start(text, first);
            let dash = text[ls..first].rfind('-').map_or(first, |i| ls + i);
            let n = column(text, dash);
            let at = insertion_after(text, node);
            Ok(insert_lines(
                text,
                at,
                &indent(item, &format!("{}- ", " ".repeat(n)), n + 2),
            ))
        }
        _ if is_empty_flow_or_null(text, node) => {
            let (k, v) = entry_at(&tree, path).ok_or_else(|| EditError::NotFound(dotted(path)))?;
            let n = column(text, k.span().start as usize) + 2;
            let block = indent(item, "- ", 2);
            Ok(replace_value_with_block(text, k, v, &block, n))
        }
        _ => Err(EditError::NotSequence(dotted(path))),
    }
}

/// Remove item `index` of the block sequence at `path`. Removing the last item leaves `[]`.
pub fn remove_item(text: &str, path: &[&str], index: usize) -> Result<String, EditError> {
    let tree = tree_of(text)?;
    let (node, used) = tree.walk(path);
    if used < path.len() {
        return Err(EditError::NotFound(dotted(path)));
    }
    let NodeKind::Sequence(items) = node.kind() else {
        return Err(EditError::NotSequence(dotted(path)));
    };
    if is_flow(text, node) {
        return Err(EditError::Flow(dotted(path)));
    }
    let Some(&id) = items.get(index) else {
        return Err(EditError::NotFound(format!("{}[{index}]", dotted(path))));
    };
    let item = tree.node(id);
    let start = line_start(text, item.span().start as usize);
    let end = insertion_after(text, item);
    let removed = splice(text, start, end, "");
    if items.len() == 1 {
        // `key:` with nothing under it would read as null: write `key: []`.
        let tree = tree_of(&removed)?;
        if let Some((k, _)) = entry_at(&tree, path) {
            let key_end = k.span().end as usize;
            let colon = removed[key_end..]
                .find(':')
                .map_or(key_end, |i| key_end + i + 1);
            return Ok(splice(&removed, colon, colon, " []"));
        }
    }
    Ok(removed)
}

/// Remove the key at `path` and its value. A mapping left empty becomes `{}`.
pub fn remove_key(text: &str, path: &[&str]) -> Result<String, EditError> {
    let tree = tree_of(text)?;
    let Some((parent_path, _)) = path.split_last().map(|(l, p)| (p, l)) else {
        return Err(EditError::NotFound(dotted(path)));
    };
    let (parent, used) = tree.walk(parent_path);
    if used < parent_path.len() {
        return Err(EditError::NotFound(dotted(path)));
    }
    if is_flow(text, parent) {
        return Err(EditError::Flow(dotted(parent_path)));
    }
    let (k, v) = entry_at(&tree, path).ok_or_else(|| EditError::NotFound(dotted(path)))?;
    let start = line_start(text, k.span().start as usize);
    let end_of_value = content_end(v).max(k.span().end as usize);
    let last = if end_of_value > 0 && text.as_bytes().get(end_of_value - 1) == Some(&b'\n') {
        end_of_value - 1
    } else {
        end_of_value
    };
    let end = after_line(text, last);
    // The key may follow `- ` on its line (first key of a sequence item): keep the dash.
    let prefix = &text[start..k.span().start as usize];
    let removed = if prefix.trim().is_empty() {
        splice(text, start, end, "")
    } else {
        return Err(EditError::NotFound(format!(
            "{} (the first key of a sequence item cannot be removed alone)",
            dotted(path)
        )));
    };
    let single = matches!(parent.kind(), NodeKind::Mapping(e) if e.len() == 1);
    if single && !parent_path.is_empty() {
        let tree = tree_of(&removed)?;
        if let Some((pk, _)) = entry_at(&tree, parent_path) {
            let key_end = pk.span().end as usize;
            let colon = removed[key_end..]
                .find(':')
                .map_or(key_end, |i| key_end + i + 1);
            return Ok(splice(&removed, colon, colon, " {}"));
        }
    }
    Ok(removed)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const DOC: &str = "\
# top comment
pactoVersion: \"1.0\"
service:
  name: svc   # the name
  version: 1.0.0
interfaces:
  # the API
  - name: api
    type: http
    port: 8080
  - name: rpc
    type: grpc
    port: 9090
    contract: x.proto
metadata:
  team: a
  tier: 'gold'
";

    fn json(text: &str) -> serde_json::Value {
        let p = parse(text, &Limits::default());
        assert!(p.errors.is_empty(), "{text}\n{:?}", p.errors);
        p.tree.unwrap().root().to_json()
    }

    /// Lines of `after` not in `before`, and the reverse: the edit's footprint.
    fn changed_lines(before: &str, after: &str) -> (Vec<String>, Vec<String>) {
        let b: Vec<&str> = before.lines().collect();
        let a: Vec<&str> = after.lines().collect();
        let added = a
            .iter()
            .filter(|l| !b.contains(l))
            .map(|s| s.to_string())
            .collect();
        let removed = b
            .iter()
            .filter(|l| !a.contains(l))
            .map(|s| s.to_string())
            .collect();
        (added, removed)
    }

    #[test]
    fn set_existing_scalar_keeps_comments_and_quotes() {
        let out = set_scalar(DOC, &["service", "version"], "1.1.0").unwrap();
        assert_eq!(json(&out)["service"]["version"], "1.1.0");
        let (added, removed) = changed_lines(DOC, &out);
        assert_eq!(added, vec!["  version: 1.1.0"]);
        assert_eq!(removed, vec!["  version: 1.0.0"]);
        let out = set_scalar(DOC, &["service", "name"], "other").unwrap();
        assert!(out.contains("  name: other   # the name\n"));
    }

    #[test]
    fn set_missing_keys_creates_the_chain() {
        let out = set_scalar(DOC, &["runtime", "state", "type"], "stateless").unwrap();
        assert_eq!(json(&out)["runtime"]["state"]["type"], "stateless");
        assert!(out.starts_with(DOC), "existing text untouched:\n{out}");
        let out = set_scalar(&out, &["runtime", "workload"], "service").unwrap();
        let v = json(&out);
        assert_eq!(v["runtime"]["workload"], "service");
        assert_eq!(v["runtime"]["state"]["type"], "stateless");
        let out = set_scalar(DOC, &["service", "owner"], "team/x").unwrap();
        assert_eq!(json(&out)["service"]["owner"], "team/x");
        assert_eq!(json(&out)["service"]["version"], "1.0.0");
        assert!(
            out.contains("  version: 1.0.0\n  owner: team/x\ninterfaces:"),
            "{out}"
        );
    }

    #[test]
    fn set_under_null_and_empty_flow_mapping() {
        let out = set_scalar("a: 1\nmetadata:\nb: 2\n", &["metadata", "k"], "v").unwrap();
        let v = json(&out);
        assert_eq!(v["metadata"]["k"], "v");
        assert_eq!(v["b"], 2);
        let out = set_scalar("metadata: {}  # none yet\n", &["metadata", "k"], "v").unwrap();
        assert_eq!(json(&out)["metadata"]["k"], "v");
        assert!(out.contains("# none yet"));
        let out = set_scalar("k:\n", &["k"], "v").unwrap();
        assert_eq!(json(&out)["k"], "v");
    }

    #[test]
    fn refuses_flow_and_collections() {
        assert!(matches!(
            set_scalar("m: {a: 1}\n", &["m", "b"], "2"),
            Err(EditError::Flow(_))
        ));
        assert!(matches!(
            set_scalar(DOC, &["service"], "x"),
            Err(EditError::NotScalar(_))
        ));
        assert!(matches!(
            set_scalar(DOC, &["service", "name", "x"], "y"),
            Err(EditError::NotMapping(_))
        ));
        assert!(matches!(
            set_scalar("a: [", &["a"], "1"),
            Err(EditError::Parse(_))
        ));
    }

    #[test]
    fn append_and_remove_items() {
        let out = append_item(
            DOC,
            &["interfaces"],
            "name: events\ntype: event\ncontract: e.yaml",
        )
        .unwrap();
        let v = json(&out);
        assert_eq!(v["interfaces"].as_array().unwrap().len(), 3);
        assert_eq!(v["interfaces"][2]["name"], "events");
        assert_eq!(v["metadata"]["team"], "a");
        assert!(out.contains("  - name: events\n    type: event\n"));
        let out = remove_item(&out, &["interfaces"], 0).unwrap();
        let v = json(&out);
        assert_eq!(v["interfaces"][0]["name"], "rpc");
        assert_eq!(v["interfaces"][1]["name"], "events");
        assert!(out.contains("  # the API\n"), "comments stay");
        let out = remove_item(&out, &["interfaces"], 1).unwrap();
        let out = remove_item(&out, &["interfaces"], 0).unwrap();
        assert_eq!(json(&out)["interfaces"], serde_json::json!([]));
        let out = append_item(&out, &["interfaces"], "name: z\ntype: http").unwrap();
        assert_eq!(json(&out)["interfaces"][0]["name"], "z");
        assert!(remove_item(&out, &["interfaces"], 5).is_err());
    }

    #[test]
    fn append_creates_missing_sequence() {
        let out = append_item(
            DOC,
            &["dependencies"],
            "ref: oci://r/x:1.0.0\nrequired: true",
        )
        .unwrap();
        let v = json(&out);
        assert_eq!(v["dependencies"][0]["ref"], "oci://r/x:1.0.0");
        assert_eq!(v["dependencies"][0]["required"], true);
        assert!(out.starts_with(DOC));
    }

    #[test]
    fn remove_keys() {
        let out = remove_key(DOC, &["metadata", "team"]).unwrap();
        let v = json(&out);
        assert_eq!(v["metadata"], serde_json::json!({"tier": "gold"}));
        assert!(out.contains("tier: 'gold'"));
        let out = remove_key(&out, &["metadata", "tier"]).unwrap();
        assert_eq!(json(&out)["metadata"], serde_json::json!({}));
        assert!(matches!(
            remove_key(DOC, &["nope", "x"]),
            Err(EditError::NotFound(_))
        ));
        let out = remove_key(DOC, &["service", "name"]).unwrap();
        assert_eq!(
            json(&out)["service"],
            serde_json::json!({"version": "1.0.0"})
        );
    }

    #[test]
    fn text_without_final_newline() {
        let out = set_scalar("a: 1", &["b"], "2").unwrap();
        assert_eq!(json(&out), serde_json::json!({"a": 1, "b": 2}));
    }
}
