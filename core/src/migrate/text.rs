//! Span-level text operations the migration needs beyond [`crate::edit`]: rename a key, remove
//! an entry with the comments attached to it, cut an entry's lines out (to move them), insert a
//! key into a mapping. Each takes the document text, re-reads it, and returns the new text;
//! every byte outside the lines an operation touches is kept.

use crate::syntax::{parse, Limits, NodeKind, NodeRef, Tree};

use super::MigrateError;

pub(super) fn tree_of(text: &str) -> Result<Tree, MigrateError> {
    let parsed = parse(text, &Limits::default());
    if let Some(e) = parsed.errors.iter().find(|e| e.fatal) {
        return Err(MigrateError::Unreadable(e.message.clone()));
    }
    parsed
        .tree
        .ok_or_else(|| MigrateError::Unreadable("the document is empty".to_string()))
}

use crate::edit::content_end;
pub(super) use crate::edit::{after_line, line_start};

pub(super) fn column(text: &str, off: usize) -> usize {
    off - line_start(text, off)
}

/// The start of the line after the last line `node` is written on.
pub(super) fn end_of_node(text: &str, node: NodeRef<'_>) -> usize {
    let end = content_end(node);
    let last = if end > 0 && text.as_bytes().get(end - 1) == Some(&b'\n') {
        end - 1
    } else {
        end
    };
    after_line(text, last)
}

pub(super) fn splice(text: &str, start: usize, end: usize, with: &str) -> String {
    let mut out = String::with_capacity(text.len() + with.len());
    out.push_str(&text[..start]);
    out.push_str(with);
    out.push_str(&text[end..]);
    out
}

fn dotted(path: &[&str]) -> String {
    path.join(".")
}

/// The (key, value) of the entry at `path`.
pub(super) fn entry<'t>(
    tree: &'t Tree,
    path: &[&str],
) -> Result<(NodeRef<'t>, NodeRef<'t>), MigrateError> {
    let Some((last, parent_path)) = path.split_last() else {
        return Err(MigrateError::Edit("the document".into(), "no entry".into()));
    };
    let (parent, used) = tree.walk(parent_path);
    if used != parent_path.len() {
        return Err(MigrateError::Edit(dotted(path), "does not exist".into()));
    }
    parent
        .entry(last)
        .ok_or_else(|| MigrateError::Edit(dotted(path), "does not exist".into()))
}

/// The lines of the comments directly above `line_at` (no blank line between) written at
/// column `col`: their start offset.
pub(super) fn attached_comments_start(text: &str, line_at: usize, col: usize) -> usize {
    let mut start = line_at;
    while start > 0 {
        let prev = line_start(text, start - 1);
        let line = &text[prev..start - 1];
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') && line.len() - trimmed.len() == col {
            start = prev;
        } else {
            break;
        }
    }
    start
}

/// Where an entry's lines are: `(start, key_line, end)`: `start` includes the comment lines
/// attached above it (when `with_comments`), `key_line` is the start of the key's line.
pub(super) fn entry_lines(
    text: &str,
    tree: &Tree,
    path: &[&str],
    with_comments: bool,
) -> Result<(usize, usize, usize), MigrateError> {
    let (k, v) = entry(tree, path)?;
    let key_start = k.span().start as usize;
    let key_line = line_start(text, key_start);
    if !text[key_line..key_start].trim().is_empty() {
        return Err(MigrateError::Edit(
            dotted(path),
            "shares its line with other content (the first key of a list item, or flow style)"
                .into(),
        ));
    }
    let end = end_of_node(text, v).max(after_line(text, key_start));
    let start = if with_comments {
        attached_comments_start(text, key_line, column(text, key_start))
    } else {
        key_line
    };
    Ok((start, key_line, end))
}

/// Rename the key at `path` to `new` (the key's text only; its value and comments stay).
pub(super) fn rename_key(text: &str, path: &[&str], new: &str) -> Result<String, MigrateError> {
    let tree = tree_of(text)?;
    let (k, _) = entry(&tree, path)?;
    let s = k.span();
    Ok(splice(text, s.start as usize, s.end as usize, new))
}

/// Remove the entry at `path`, with the comment lines attached above it. The first key of a
/// list item (`- port: 80`) is removed by pulling the next key up. Returns the new text and
/// the comment lines removed with it.
pub(super) fn remove_entry(
    text: &str,
    path: &[&str],
) -> Result<(String, Vec<String>), MigrateError> {
    let tree = tree_of(text)?;
    let (k, v) = entry(&tree, path)?;
    let key_start = k.span().start as usize;
    let key_line = line_start(text, key_start);
    if !text[key_line..key_start].trim().is_empty() {
        // `- key: value` followed by more keys of the same item: remove up to the next key.
        let (parent, _) = tree.walk(&path[..path.len() - 1]);
        let next = parent
            .entries()
            .map(|(nk, _)| nk.span().start as usize)
            .find(|&s| s > key_start);
        let Some(next) = next else {
            return Err(MigrateError::Edit(
                dotted(path),
                "is the only key of its list item".into(),
            ));
        };
        if text[key_line..key_start].trim() != "-" {
            return Err(MigrateError::Edit(
                dotted(path),
                "is written in flow style".into(),
            ));
        }
        return Ok((splice(text, key_start, next, ""), Vec::new()));
    }
    let (start, key_line, mut end) = entry_lines(text, &tree, path, true)?;
    let mut comments: Vec<String> = text[start..key_line]
        .lines()
        .map(|l| l.trim().to_string())
        .collect();
    // A comment after a one-line value (`port: 80  # the container port`) goes too: name it.
    if v.as_scalar().is_some() {
        let vend = (v.span().end as usize).max(k.span().end as usize);
        let tail = text[vend..after_line(text, vend)].trim();
        let tail = tail.strip_prefix(':').map_or(tail, str::trim);
        if tail.starts_with('#') {
            comments.push(tail.to_string());
        }
    }
    // Between two blank lines, take one of them too.
    let blank_before = start >= 2 && text.as_bytes().get(start - 2..start) == Some(b"\n\n");
    if blank_before && (end == text.len() || text[end..].starts_with('\n')) {
        end = (end + 1).min(text.len());
    }
    let removed = splice(text, start, end, "");
    // A mapping left empty would read as null: write `{}`.
    let parent_path = &path[..path.len() - 1];
    let (parent, _) = tree.walk(parent_path);
    if !parent_path.is_empty() && matches!(parent.kind(), NodeKind::Mapping(e) if e.len() == 1) {
        let t = tree_of(&removed)?;
        let (pk, _) = entry(&t, parent_path)?;
        let key_end = pk.span().end as usize;
        let colon = removed[key_end..]
            .find(':')
            .map_or(key_end, |i| key_end + i + 1);
        return Ok((splice(&removed, colon, colon, " {}"), comments));
    }
    Ok((removed, comments))
}

/// The non-empty block mapping at `path` and the offset of its first key.
fn block_mapping<'t>(
    tree: &'t Tree,
    text: &str,
    path: &[&str],
) -> Result<(NodeRef<'t>, usize), MigrateError> {
    let (node, used) = tree.walk(path);
    if used != path.len() {
        return Err(MigrateError::Edit(dotted(path), "does not exist".into()));
    }
    let NodeKind::Mapping(entries) = node.kind() else {
        return Err(MigrateError::Edit(dotted(path), "is not a mapping".into()));
    };
    let Some(first) = entries.first() else {
        return Err(MigrateError::Edit(dotted(path), "is empty".into()));
    };
    if matches!(text.as_bytes().get(node.span().start as usize), Some(b'{')) {
        return Err(MigrateError::Edit(
            dotted(path),
            "is written in flow style".into(),
        ));
    }
    Ok((node, tree.node(first.key).span().start as usize))
}

/// Insert `line` (one `key: value` line, unindented) into the block mapping at `path`, after
/// its last entry and at the column of its keys.
pub(super) fn append_key(text: &str, path: &[&str], line: &str) -> Result<String, MigrateError> {
    let tree = tree_of(text)?;
    let (node, first_key) = block_mapping(&tree, text, path)?;
    let col = column(text, first_key);
    let at = end_of_node(text, node);
    let mut out = String::new();
    if at == text.len() && !text.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&" ".repeat(col));
    out.push_str(line);
    out.push('\n');
    Ok(splice(text, at, at, &out))
}

/// Insert `line` as the first key of the block mapping at `path` (a list item: `- line` then
/// the old first key on the next line, aligned).
pub(super) fn prepend_key(text: &str, path: &[&str], line: &str) -> Result<String, MigrateError> {
    let tree = tree_of(text)?;
    let (_, at) = block_mapping(&tree, text, path)?;
    let col = column(text, at);
    Ok(splice(
        text,
        at,
        at,
        &format!("{line}\n{}", " ".repeat(col)),
    ))
}

/// Re-indent complete lines: remove `remove` leading spaces (as many as there are) and add
/// `add`.
pub(super) fn reindent(lines: &str, remove: usize, add: usize) -> String {
    let pad = " ".repeat(add);
    let mut out = String::new();
    for line in lines.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        if body.trim().is_empty() {
            out.push_str(line);
            continue;
        }
        let lead = body.len() - body.trim_start_matches(' ').len();
        out.push_str(&pad);
        out.push_str(&line[lead.min(remove)..]);
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// The written text of a scalar's value (quotes included).
pub(super) fn written(text: &str, node: NodeRef<'_>) -> String {
    let s = node.span();
    text.get(s.start as usize..s.end as usize)
        .unwrap_or_default()
        .to_string()
}

/// Replace the scalar at `path` with `value`, keeping the quote style it was written in.
pub(super) fn set_scalar_styled(
    text: &str,
    path: &[&str],
    value: &str,
) -> Result<String, MigrateError> {
    let tree = tree_of(text)?;
    let (node, used) = tree.walk(path);
    if used != path.len() || node.as_scalar().is_none() || node.span().is_empty() {
        return Err(MigrateError::Edit(dotted(path), "is not a value".into()));
    }
    let old = written(text, node);
    let new = if old.starts_with('"') {
        format!("\"{value}\"")
    } else if old.starts_with('\'') {
        format!("'{value}'")
    } else {
        crate::scaffold::yaml_scalar(value)
    };
    let s = node.span();
    Ok(splice(text, s.start as usize, s.end as usize, &new))
}

/// Remove the comment lines attached above item `index` of the block sequence at `path` (at the
/// column of its dash); returns the new text and the comments removed.
pub(super) fn remove_item_comments(
    text: &str,
    path: &[&str],
    index: usize,
) -> Result<(String, Vec<String>), MigrateError> {
    let tree = tree_of(text)?;
    let (list, used) = tree.walk(path);
    let item = list
        .item(index)
        .filter(|_| used == path.len())
        .ok_or_else(|| {
            MigrateError::Edit(
                format!("{}[{index}]", dotted(path)),
                "does not exist".into(),
            )
        })?;
    let item_start = item.span().start as usize;
    let ls = line_start(text, item_start);
    let dash = text[ls..item_start]
        .rfind('-')
        .map_or(item_start, |i| ls + i);
    let start = attached_comments_start(text, ls, column(text, dash));
    let comments = text[start..ls]
        .lines()
        .map(|l| l.trim().to_string())
        .collect();
    Ok((splice(text, start, ls, ""), comments))
}
