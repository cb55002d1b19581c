//! `textDocument/completion`: keys valid in the mapping at the cursor (from the schema, minus the
//! keys already there), enum values for the current key, and declared interface names for
//! `runtime.health.interface` / `runtime.metrics.interface`, bundle file paths for `contract` /
//! `schema` values, and snippets for whole sections (see [`snippets`]).
//!
//! The context comes from indentation, not from the tree: a buffer being typed in rarely parses.

use crate::schema_nav::{generation_of, schema_at};
use crate::to_proto::{self, Encoding};
use pacto_core::schema::Generation;
use pacto_core::syntax::{parse, ColumnUnit, Limits, LineIndex, NodeRef};
use serde_json::Value;
use std::path::Path;
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, Documentation, MarkupContent, MarkupKind, Position, Range,
};

mod files;
mod snippets;

/// A line split into its key column, the column of its last `- ` marker, and its content.
struct Line<'a> {
    col: usize,
    dash: Option<usize>,
    rest: &'a str,
}

fn split(line: &str) -> Line<'_> {
    let mut col = 0;
    let mut dash = None;
    let mut rest = line;
    loop {
        let trimmed = rest.trim_start_matches(' ');
        col += rest.len() - trimmed.len();
        rest = trimmed;
        if rest == "-" || rest.starts_with("- ") {
            dash = Some(col);
            col += 1;
            rest = &rest[1..];
        } else {
            break;
        }
    }
    Line { col, dash, rest }
}

/// The key of a `key:` / `key: value` line.
fn key_of(rest: &str) -> Option<&str> {
    if rest.starts_with('#') {
        return None;
    }
    let (k, after) = rest.split_once(':')?;
    if !(after.is_empty() || after.starts_with(' ')) {
        return None;
    }
    let k = k.trim().trim_matches(|c| c == '"' || c == '\'');
    (!k.is_empty()).then_some(k)
}

fn is_blank(l: &Line<'_>) -> bool {
    l.rest.trim().is_empty() || l.rest.starts_with('#')
}

/// The instance path of the mapping whose keys sit at column `ind` on line `cur`.
fn parent_path(lines: &[&str], cur: usize, mut ind: usize, cur_dash: Option<usize>) -> Vec<String> {
    let mut rev: Vec<String> = Vec::new();
    if let Some(d) = cur_dash {
        rev.push("0".to_string());
        ind = d;
    }
    for line in lines[..cur].iter().rev() {
        if ind == 0 {
            break;
        }
        let l = split(line);
        if is_blank(&l) {
            continue;
        }
        if l.col >= ind {
            if let Some(d) = l.dash.filter(|&d| d < ind && l.col == ind) {
                rev.push("0".to_string());
                ind = d;
            }
            continue;
        }
        match key_of(l.rest) {
            Some(k) => rev.push(k.to_string()),
            None => break,
        }
        ind = l.col;
        if let Some(d) = l.dash {
            rev.push("0".to_string());
            ind = d;
        }
    }
    rev.reverse();
    rev
}

/// Keys already present in the mapping at column `ind` around line `cur`.
fn siblings(lines: &[&str], cur: usize, ind: usize, cur_dash: bool) -> Vec<String> {
    let mut out = Vec::new();
    if !cur_dash {
        for line in lines[..cur].iter().rev() {
            let l = split(line);
            if is_blank(&l) || l.col > ind {
                continue;
            }
            if l.col < ind {
                break;
            }
            out.extend(key_of(l.rest).map(str::to_string));
            if l.dash.is_some() {
                break;
            }
        }
    }
    for line in lines.iter().skip(cur + 1) {
        let l = split(line);
        if is_blank(&l) || l.col > ind {
            continue;
        }
        if l.col < ind || l.dash.is_some() {
            break;
        }
        out.extend(key_of(l.rest).map(str::to_string));
    }
    out
}

fn markdown(text: &str) -> Documentation {
    Documentation::MarkupContent(MarkupContent {
        kind: MarkupKind::Markdown,
        value: text.to_string(),
    })
}

/// Completions at `pos`. `dir` is the bundle directory, for file-path values.
pub fn complete(
    text: &str,
    pos: Position,
    enc: Encoding,
    dir: Option<&Path>,
) -> Vec<CompletionItem> {
    let index = LineIndex::new(text);
    let offset = crate::guard::offset(&index, text, pos, enc);
    let cur = index.line_col(offset as u32, ColumnUnit::Utf8).line as usize;
    let lines: Vec<&str> = text.split('\n').collect();
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let here = split(&text[line_start..offset]);
    let path = parent_path(&lines, cur, here.col, here.dash);
    let generation = generation_of(text);
    if let Some((key, partial)) = here.rest.split_once(':') {
        let mut full: Vec<&str> = path.iter().map(String::as_str).collect();
        full.push(key.trim());
        if is_file_field(generation, &full) {
            let Some(dir) = dir else {
                return Vec::new();
            };
            let trimmed = partial.trim_start();
            let quote = usize::from(trimmed.starts_with(['"', '\'']));
            let start = offset - trimmed.len() + quote;
            let range = Range::new(
                to_proto::position(&index, start as u32, enc),
                to_proto::position(&index, offset as u32, enc),
            );
            return files::complete(dir, range);
        }
        return values(generation, text, &full);
    }
    if !here
        .rest
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Vec::new();
    }
    let segs: Vec<&str> = path.iter().map(String::as_str).collect();
    let present = siblings(&lines, cur, here.col, here.dash.is_some());
    let word = Range::new(
        to_proto::position(&index, (offset - here.rest.len()) as u32, enc),
        to_proto::position(&index, offset as u32, enc),
    );
    let snippet_cx = snippets::Context {
        path: &segs,
        generation,
        indent: here.col,
        dash: here.dash.is_some(),
        present: &present,
        replace: word,
    };
    let mut items: Vec<CompletionItem> = schema_at(generation, &segs)
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .map(|props| {
            props
                .iter()
                .filter(|(k, _)| !present.iter().any(|p| p == *k))
                // Top-level sections that depend on the declared pactoVersion (1.x; the 2.0
                // schema holds only 2.0's keys).
                .filter(|(k, _)| {
                    !segs.is_empty()
                        || generation == Generation::V2
                        || pacto_core::schema::top_level_key_in_version(k, declared_version(&lines))
                })
                .map(|(k, v)| CompletionItem {
                    label: k.clone(),
                    kind: Some(CompletionItemKind::PROPERTY),
                    documentation: v.get("description").and_then(Value::as_str).map(markdown),
                    insert_text: Some(format!("{k}: ")),
                    ..Default::default()
                })
                .collect()
        })
        .unwrap_or_default();
    items.extend(snippets::complete(&snippet_cx));
    items
}

/// The `pactoVersion` the document declares (quoted either way), if any.
fn declared_version<'a>(lines: &[&'a str]) -> Option<&'a str> {
    lines.iter().find_map(|l| {
        let v = l.strip_prefix("pactoVersion:")?;
        let v = v.split(" #").next().unwrap_or_default().trim();
        v.strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
    })
}

/// Fields whose value is a bundle-relative file path (an interface's `contract` in 1.x, its
/// `ref` in 2.0).
fn is_file_field(generation: Generation, path: &[&str]) -> bool {
    let numeric = |s: &str| s.parse::<usize>().is_ok();
    match path {
        ["interfaces", i, "contract"] => numeric(i),
        ["interfaces", i, "ref"] => generation == Generation::V2 && numeric(i),
        ["configuration" | "policy", "schema"] => true,
        ["configurations" | "policies", i, "schema"] => numeric(i),
        _ => false,
    }
}

/// Whether the value at `path` names a declared interface: `runtime.health/metrics.interface`
/// in 1.x, `capabilities[].binding.interface` in 2.0.
fn names_interface(generation: Generation, path: &[&str]) -> bool {
    match generation {
        Generation::V1 => matches!(path, ["runtime", "health" | "metrics", "interface"]),
        Generation::V2 => {
            matches!(path, ["capabilities", i, "binding", "interface"] if i.parse::<usize>().is_ok())
        }
    }
}

fn values(generation: Generation, text: &str, path: &[&str]) -> Vec<CompletionItem> {
    if names_interface(generation, path) {
        let parsed = parse(text, &Limits::default());
        let Some(tree) = parsed.tree.as_ref() else {
            return Vec::new();
        };
        let Some(interfaces) = tree.root().get("interfaces") else {
            return Vec::new();
        };
        return interfaces
            .items()
            .filter_map(|i| i.get("name").and_then(NodeRef::as_str))
            .map(|name| CompletionItem {
                label: name.to_string(),
                kind: Some(CompletionItemKind::REFERENCE),
                detail: Some("declared interface".to_string()),
                ..Default::default()
            })
            .collect();
    }
    let Some(schema) = schema_at(generation, path) else {
        return Vec::new();
    };
    let docs = schema.get("x-enum-descriptions");
    schema
        .get("enum")
        .and_then(Value::as_array)
        .map(|values| {
            values
                .iter()
                .filter_map(Value::as_str)
                .map(|v| CompletionItem {
                    label: v.to_string(),
                    kind: Some(CompletionItemKind::ENUM_MEMBER),
                    documentation: docs
                        .and_then(|d| d.get(v))
                        .and_then(Value::as_str)
                        .map(markdown),
                    ..Default::default()
                })
                .collect()
        })
        .unwrap_or_default()
}
