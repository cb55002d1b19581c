//! The registry-backed features: dependency hover, inlay hints with resolved versions, tag,
//! repository and compatibility completion, the breaking-change code lens on `service.version`,
//! go-to-definition of a dependency, and the "pin to digest" quick fix.
//!
//! Everything reads [`Remote`]; nothing here blocks on the network except hover and completion,
//! which wait a bounded moment (they are requests the user just made, not typing).

use crate::remote::{compatibility_suggestions, DepInfo, Lookup, Published, Remote};
use crate::to_proto::{self, Encoding};
use pacto_core::bundle::DirBundle;
use pacto_core::diff::{compare, Change, Classification, Side};
use pacto_core::model::{Contract, Dependency, Spanned};
use pacto_core::registry::Target;
use pacto_core::syntax::{parse, Limits, LineIndex, Span, Tree};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tower_lsp_server::ls_types::*;

/// The command a code lens runs to show the diff against the published version.
pub const SHOW_DIFF: &str = "pacto.showDiff";

/// How long hover waits for a dependency to resolve.
pub const HOVER_WAIT: Duration = Duration::from_millis(1500);
/// How long completion waits for a tag listing.
pub const COMPLETION_WAIT: Duration = Duration::from_millis(800);

/// A parsed buffer: tree, model and line index.
pub struct Parsed {
    pub tree: Tree,
    pub contract: Contract,
    pub index: LineIndex,
}

pub fn parse_buffer(text: &str) -> Option<Parsed> {
    let p = parse(text, &Limits::default());
    let tree = p.tree?;
    let contract = Contract::from_tree(&tree);
    Some(Parsed {
        tree,
        contract,
        index: p.line_index,
    })
}

fn is_oci(reference: &str) -> bool {
    reference.starts_with("oci://")
}

/// The dependencies with an `oci://` ref that touches `range`, with that ref.
fn oci_refs_in(
    p: &Parsed,
    range: Range,
    enc: Encoding,
) -> impl Iterator<Item = (&Dependency, &Spanned<String>)> {
    let (lo, hi) = (
        to_proto::offset(&p.index, range.start, enc),
        to_proto::offset(&p.index, range.end, enc),
    );
    p.contract.dependencies.iter().filter_map(move |d| {
        let r = d.reference.as_ref().filter(|r| is_oci(r.as_str()))?;
        (r.span.end >= lo && r.span.start <= hi).then_some((d, r))
    })
}

/// The dependency whose `ref` value contains `offset`.
pub fn dependency_at(contract: &Contract, offset: u32) -> Option<&Dependency> {
    contract.dependencies.iter().find(|d| {
        d.reference
            .as_ref()
            .is_some_and(|r| r.span.start <= offset && offset <= r.span.end)
    })
}

fn compat(d: &Dependency) -> Option<&str> {
    d.compatibility.as_ref().map(|c| c.as_str())
}

/// Markdown for a resolved dependency.
pub fn dependency_markdown(info: &DepInfo, compatibility: Option<&str>) -> String {
    let mut s = format!(
        "**{}** `{}`\n\nresolved `oci://{}`  \ndigest `{}`",
        info.name, info.version, info.resolved_ref, info.digest
    );
    if let Some(owner) = &info.owner {
        s.push_str(&format!("  \nowner: {owner}"));
    }
    if let Some(c) = compatibility.filter(|c| !c.trim().is_empty()) {
        match pacto_core::graph::unsatisfied(c, &info.version) {
            None => s.push_str(&format!("\n\ncompatibility `{c}`: satisfied")),
            Some(why) => s.push_str(&format!(
                "\n\ncompatibility `{c}`: **not satisfied** ({why})"
            )),
        }
    }
    if !info.interfaces.is_empty() {
        s.push_str("\n\n| interface | type | port |\n|---|---|---|\n");
        for (name, kind, port) in &info.interfaces {
            let port = port.map(|p| p.to_string()).unwrap_or_default();
            s.push_str(&format!("| {name} | {kind} | {port} |\n"));
        }
    }
    s
}

/// Hover on a dependency `ref` value: what the registry resolved it to.
pub async fn hover(
    remote: &Arc<Remote>,
    text: &str,
    pos: Position,
    enc: Encoding,
) -> Option<Hover> {
    let (reference, compatibility, range) = {
        let p = parse_buffer(text)?;
        let offset = to_proto::offset(&p.index, pos, enc);
        let d = dependency_at(&p.contract, offset)?;
        let r = d.reference.as_ref()?;
        if !is_oci(r.as_str()) {
            return None;
        }
        (
            r.value.clone(),
            compat(d).map(str::to_string),
            to_proto::range(&p.index, r.span, enc),
        )
    };
    let lookup = remote
        .settle(HOVER_WAIT, || {
            remote.dependency(&reference, compatibility.as_deref())
        })
        .await;
    let value = match lookup {
        Lookup::Ready(info) => dependency_markdown(&info, compatibility.as_deref()),
        Lookup::Pending => format!("`{reference}`: still resolving; hover again in a moment"),
        Lookup::Failed(why) => format!("`{reference}` could not be resolved: {why}"),
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(range),
    })
}

/// Inlay hints after each `oci://` dependency ref: the version it resolves to.
pub fn inlay_hints(
    remote: &Arc<Remote>,
    text: &str,
    range: Range,
    enc: Encoding,
) -> Vec<InlayHint> {
    let Some(p) = parse_buffer(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (d, r) in oci_refs_in(&p, range, enc) {
        let Lookup::Ready(info) = remote.dependency(r.as_str(), compat(d)) else {
            continue;
        };
        let satisfied = compat(d)
            .and_then(|c| pacto_core::graph::unsatisfied(c, &info.version))
            .is_none();
        out.push(InlayHint {
            position: to_proto::position(&p.index, r.span.end, enc),
            label: InlayHintLabel::String(format!(
                "→ {}{}",
                info.version,
                if satisfied { "" } else { " (incompatible)" }
            )),
            kind: Some(InlayHintKind::TYPE),
            text_edits: None,
            tooltip: Some(InlayHintTooltip::String(format!(
                "oci://{} ({})",
                info.resolved_ref, info.digest
            ))),
            padding_left: Some(true),
            padding_right: None,
            data: None,
        });
    }
    out
}

/// The span of a scalar's content, without its quotes.
fn unquoted(text: &str, span: Span) -> Span {
    let s = &text[span.start as usize..(span.end as usize).min(text.len())];
    if s.len() >= 2
        && (s.starts_with('"') && s.ends_with('"') || s.starts_with('\'') && s.ends_with('\''))
    {
        Span::new(span.start + 1, span.end - 1)
    } else {
        span
    }
}

/// Go-to-definition on a dependency ref: the resolved `pacto.yaml` in the cache.
pub async fn definition(
    remote: &Arc<Remote>,
    text: &str,
    pos: Position,
    enc: Encoding,
) -> Option<Location> {
    let (reference, compatibility) = {
        let p = parse_buffer(text)?;
        let offset = to_proto::offset(&p.index, pos, enc);
        let d = dependency_at(&p.contract, offset)?;
        let r = d.reference.as_ref()?;
        if !is_oci(r.as_str()) {
            return None;
        }
        (r.value.clone(), compat(d).map(str::to_string))
    };
    let lookup = remote
        .settle(HOVER_WAIT, || {
            remote.dependency(&reference, compatibility.as_deref())
        })
        .await;
    let file = lookup.ready()?.contract_file.clone()?;
    let uri = Uri::from_file_path(&file)?;
    Some(Location::new(uri, Range::default()))
}

/// "Pin to digest" for a tagged `oci://` dependency whose digest is known.
pub fn pin_actions(
    remote: &Arc<Remote>,
    uri: &Uri,
    text: &str,
    range: Range,
    enc: Encoding,
) -> Vec<CodeActionOrCommand> {
    let Some(p) = parse_buffer(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (d, r) in oci_refs_in(&p, range, enc) {
        let Ok(target) = Target::parse(r.as_str()) else {
            continue;
        };
        if target.tag.is_none() || target.digest.is_some() {
            continue;
        }
        let Lookup::Ready(info) = remote.dependency(r.as_str(), compat(d)) else {
            continue;
        };
        let pinned = format!("{}@{}", r.as_str(), info.digest);
        let span = unquoted(text, r.span);
        let edit = TextEdit::new(to_proto::range(&p.index, span, enc), pinned);
        let short = info.digest.get(..19).unwrap_or(&info.digest);
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("Pin {} to its digest {short}…", r.as_str()),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: None,
            edit: Some(WorkspaceEdit {
                changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                ..Default::default()
            }),
            is_preferred: Some(true),
            ..Default::default()
        }));
    }
    out
}

/// The diff of the buffer against the published contract; `Err` says why they cannot be
/// compared (either side not loadable as a contract), never an empty diff.
pub fn diff_against(published: &Published, uri: &Uri, text: &str) -> Result<Vec<Change>, String> {
    let p = parse_buffer(text).ok_or("this pacto.yaml does not parse")?;
    diff_parsed(published, uri, &p)
}

/// [`diff_against`] on a buffer already parsed.
fn diff_parsed(published: &Published, uri: &Uri, p: &Parsed) -> Result<Vec<Change>, String> {
    let old = published
        .resolved
        .as_ref()
        .map_err(|e| format!("the published contract {}: {e}", published.reference))?;
    pacto_core::diff::check_comparable(&p.tree, "this pacto.yaml")?;
    let dir = uri
        .to_file_path()
        .and_then(|f| f.parent().map(std::path::Path::to_path_buf))
        .ok_or("the contract is not a file")?;
    let bundle = DirBundle::new(dir);
    let file = uri.path().as_str().to_string();
    let new = Side {
        contract: &p.contract,
        tree: &p.tree,
        bundle: &bundle,
        file: &file,
    };
    let d = compare(&old.side(), &new).map_err(|e| e.to_string())?;
    Ok(d.changes)
}

/// The `source` of the per-line breaking-change diagnostics.
pub const DIFF_SOURCE: &str = "pacto diff";

/// Each BREAKING (severity Information) and POTENTIAL_BREAKING (Hint) change of the buffer
/// against the published contract, on the line of the buffer that made it (the change's
/// `new_source`); a change with no place in this file sits on the entry it is about (a change
/// inside an interface's spec file: on that interface), else (a removed entry) on
/// `service.version`, where the lens is. Code: the change's rule path;
/// message: `<classification>: <reason> (was <old value>)`. Nothing when the sides cannot be
/// compared (the lens says why).
pub fn diff_diagnostics(
    published: &Published,
    uri: &Uri,
    text: &str,
    enc: Encoding,
) -> Vec<Diagnostic> {
    let Some(p) = parse_buffer(text) else {
        return Vec::new();
    };
    let Ok(changes) = diff_parsed(published, uri, &p) else {
        return Vec::new();
    };
    let file = uri.path().as_str();
    let fallback = p
        .contract
        .service
        .as_ref()
        .and_then(|s| s.version.as_ref())
        .map(|v| v.span)
        .unwrap_or_default();
    changes
        .iter()
        .filter_map(|c| {
            let severity = match c.classification {
                Classification::Breaking => DiagnosticSeverity::INFORMATION,
                Classification::PotentialBreaking => DiagnosticSeverity::HINT,
                Classification::NonBreaking => return None,
            };
            let span = c
                .new_source
                .as_ref()
                .filter(|s| s.file == file && !(s.span.start == 0 && s.span.end == 0))
                .map(|s| s.span)
                .or_else(|| c.item.as_deref().and_then(|i| item_span(&p.tree, i)))
                .unwrap_or(fallback);
            let was = match &c.old_value {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(v)) => format!(" (was {v})"),
                Some(v) => format!(" (was {v})"),
            };
            Some(Diagnostic {
                range: to_proto::range(&p.index, span, enc),
                severity: Some(severity),
                code: Some(NumberOrString::String(c.path.clone())),
                source: Some(DIFF_SOURCE.to_string()),
                message: format!("{}: {}{was}", c.classification.as_str(), c.reason),
                ..Default::default()
            })
        })
        .collect()
}

/// The entry a change's `item` names (`interfaces[rest-api]`, `dependencies[auth]`,
/// `capabilities[health]`) in the buffer: its `name` (`ref`, `id`, `type`) value. A change inside
/// an interface's spec file, for one, is shown on the interface it belongs to.
fn item_span(tree: &Tree, item: &str) -> Option<Span> {
    let (section, key) = item.strip_suffix(']')?.split_once('[')?;
    let list = tree.root().get(section)?;
    let fields: &[&str] = match section {
        "capabilities" => &["type", "ref"],
        _ => &["name", "ref", "id"],
    };
    list.items().find_map(|entry| {
        fields.iter().find_map(|f| {
            entry
                .get(f)
                .filter(|v| v.as_str() == Some(key))
                .map(|v| v.span())
        })
    })
}

/// `N breaking · M potential` for a list of changes.
pub fn summary(changes: &[Change]) -> String {
    let count = |c: Classification| changes.iter().filter(|x| x.classification == c).count();
    let (b, p) = (
        count(Classification::Breaking),
        count(Classification::PotentialBreaking),
    );
    let n = changes.len() - b - p;
    let mut s = format!("{b} breaking · {p} potential");
    if n > 0 {
        s.push_str(&format!(" · {n} compatible"));
    }
    s
}

/// The code lens on `service.version`, when a repository is configured and its highest
/// published version is known. Offline or unreachable: no lens.
pub fn code_lens(
    remote: &Arc<Remote>,
    repository: Option<&str>,
    uri: &Uri,
    text: &str,
    enc: Encoding,
) -> Vec<CodeLens> {
    let Some(repo) = repository.map(str::trim).filter(|r| !r.is_empty()) else {
        return Vec::new();
    };
    let Lookup::Ready(published) = remote.published(repo) else {
        return Vec::new();
    };
    // On `service.version`; a buffer without one (or that does not parse) gets it on line 1,
    // still saying why it cannot be compared.
    let parsed = parse_buffer(text);
    let range = parsed
        .as_ref()
        .and_then(|p| {
            let version = p.contract.service.as_ref()?.version.as_ref()?;
            Some(to_proto::range(&p.index, version.span, enc))
        })
        .unwrap_or_default();
    let title = match diff_against(&published, uri, text) {
        Ok(changes) => format!("vs published {}: {}", published.version, summary(&changes)),
        Err(e) => format!("vs published {}: cannot compare: {e}", published.version),
    };
    vec![CodeLens {
        range,
        command: Some(Command {
            title,
            command: SHOW_DIFF.to_string(),
            arguments: Some(vec![json!(uri.as_str())]),
        }),
        data: None,
    }]
}

/// The classified diff for the `pacto.showDiff` command: JSON (for clients that render it) and
/// Markdown (for the document we show).
pub fn show_diff(published: &Published, uri: &Uri, text: &str) -> Result<(Value, String), String> {
    let changes = diff_against(published, uri, text)?;
    let classification = changes
        .iter()
        .map(|c| c.classification)
        .max()
        .unwrap_or(Classification::NonBreaking);
    let mut md = format!(
        "# {} vs published {}\n\n`oci://{}`: **{}** ({})\n\n",
        uri.path()
            .as_str()
            .rsplit('/')
            .next()
            .unwrap_or("pacto.yaml"),
        published.version,
        published.reference,
        classification.as_str(),
        summary(&changes)
    );
    if changes.is_empty() {
        md.push_str("No changes.\n");
    }
    for c in &changes {
        md.push_str(&format!(
            "- **{}** `{}` ({}): {}\n",
            c.classification.as_str(),
            c.path,
            c.change_type,
            c.reason
        ));
        if let Some(e) = &c.explanation {
            md.push_str(&format!("  - why: {e}\n"));
        }
    }
    let value = json!({
        "published": format!("oci://{}", published.reference),
        "publishedVersion": published.version,
        "classification": classification.as_str(),
        "changes": changes,
        "markdown": md,
    });
    Ok((value, md))
}

/// What the value being typed on the cursor's line is.
enum ValueContext {
    /// A `ref:` value, typed so far.
    Ref(String),
    /// A `compatibility:` value, typed so far.
    Compatibility(String),
}

fn value_context(line_before_cursor: &str) -> Option<ValueContext> {
    let mut rest = line_before_cursor.trim_start();
    if let Some(r) = rest.strip_prefix("- ") {
        rest = r.trim_start();
    }
    let (key, value) = rest.split_once(':')?;
    let value = value.trim_start().trim_start_matches(['"', '\'']);
    if value.contains(char::is_whitespace) {
        return None;
    }
    match key.trim() {
        "ref" => Some(ValueContext::Ref(value.to_string())),
        "compatibility" => Some(ValueContext::Compatibility(value.to_string())),
        _ => None,
    }
}

/// The `ref:` of the sequence item around line `line`: the nearest `ref:` within the item
/// (searching up to the item's `- ` line and down to the next item).
fn sibling_ref(lines: &[&str], line: usize) -> Option<String> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let here = indent(lines.get(line)?);
    let mut found = None;
    let mut start = line;
    // Up to the `- ` that opens this item.
    for i in (0..=line).rev() {
        let l = lines[i];
        let t = l.trim_start();
        if t.is_empty() {
            continue;
        }
        if indent(l) < here.saturating_sub(2) && !t.starts_with("- ") {
            break;
        }
        start = i;
        if t.starts_with("- ") {
            break;
        }
    }
    for (i, l) in lines.iter().enumerate().skip(start) {
        let t = l.trim_start().trim_start_matches("- ");
        if i > start && (l.trim_start().starts_with("- ") || indent(l) < here.saturating_sub(2)) {
            break;
        }
        if let Some(v) = t.strip_prefix("ref:") {
            found = Some(v.trim().trim_matches(['"', '\'']).to_string());
            break;
        }
    }
    found.filter(|r| is_oci(r))
}

/// Registry-backed completions at `pos`: repositories from the cache after `ref: oci://`, tags
/// after `ref: oci://…:` (newest first), compatibility ranges from the published versions.
pub async fn completion(
    remote: &Arc<Remote>,
    text: &str,
    pos: Position,
    enc: Encoding,
) -> Vec<CompletionItem> {
    let index = LineIndex::new(text);
    let offset = crate::guard::offset(&index, text, pos, enc);
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let Some(before) = text.get(line_start..offset) else {
        return Vec::new();
    };
    let Some(ctx) = value_context(before) else {
        return Vec::new();
    };
    let edit_range = |typed: &str| {
        let start = offset - typed.len();
        to_proto::range(&index, Span::new(start as u32, offset as u32), enc)
    };
    match ctx {
        ValueContext::Ref(typed) => {
            if let Some((repo, tag_typed)) = typed
                .strip_prefix("oci://")
                .and_then(|r| r.rsplit_once(':'))
                .filter(|(repo, _)| repo.contains('/') && !repo.ends_with('/'))
                .filter(|(_, t)| !t.contains('/'))
            {
                let reference = format!("oci://{repo}");
                let tags = remote
                    .settle(COMPLETION_WAIT, || remote.tags(&reference))
                    .await;
                let Lookup::Ready(tags) = tags else {
                    return Vec::new();
                };
                let range = edit_range(tag_typed);
                tags.iter()
                    .enumerate()
                    .take(200)
                    .map(|(i, t)| CompletionItem {
                        label: t.clone(),
                        kind: Some(CompletionItemKind::CONSTANT),
                        detail: Some(format!("tag of oci://{repo}")),
                        sort_text: Some(format!("{i:04}")),
                        filter_text: Some(t.clone()),
                        text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(range, t.clone()))),
                        ..Default::default()
                    })
                    .collect()
            } else if "oci://".starts_with(typed.as_str()) || typed.starts_with("oci://") {
                let range = edit_range(&typed);
                remote
                    .cached_repositories(200)
                    .into_iter()
                    .filter(|r| r.starts_with(typed.as_str()))
                    .enumerate()
                    .map(|(i, r)| CompletionItem {
                        label: r.clone(),
                        kind: Some(CompletionItemKind::MODULE),
                        detail: Some("repository in the pacto cache".to_string()),
                        sort_text: Some(format!("{i:04}")),
                        text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(range, r))),
                        ..Default::default()
                    })
                    .collect()
            } else {
                Vec::new()
            }
        }
        ValueContext::Compatibility(typed) => {
            let lines: Vec<&str> = text.split('\n').collect();
            let Some(reference) = sibling_ref(&lines, pos.line as usize) else {
                return Vec::new();
            };
            let tags = remote
                .settle(COMPLETION_WAIT, || remote.tags(&reference))
                .await;
            let Lookup::Ready(tags) = tags else {
                return Vec::new();
            };
            let range = edit_range(&typed);
            compatibility_suggestions(&tags)
                .into_iter()
                .enumerate()
                .map(|(i, (range_text, doc))| CompletionItem {
                    label: range_text.clone(),
                    kind: Some(CompletionItemKind::VALUE),
                    detail: Some(doc),
                    sort_text: Some(format!("{i:04}")),
                    text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                        range,
                        format!("\"{range_text}\""),
                    ))),
                    filter_text: Some(range_text),
                    ..Default::default()
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_contexts() {
        assert!(
            matches!(value_context("    ref: oci://a/b:1"), Some(ValueContext::Ref(v)) if v == "oci://a/b:1")
        );
        assert!(
            matches!(value_context("  - ref: \"oci://"), Some(ValueContext::Ref(v)) if v == "oci://")
        );
        assert!(
            matches!(value_context("    compatibility: ^1"), Some(ValueContext::Compatibility(v)) if v == "^1")
        );
        assert!(value_context("    name: x").is_none());
        assert!(value_context("    ref: a b").is_none());
    }

    #[test]
    fn sibling_ref_finds_the_items_ref_in_either_direction() {
        let text = "dependencies:\n  - name: a\n    ref: oci://r/a\n    compatibility: ^1\n  - compatibility: ^2\n    ref: \"oci://r/b:1\"\n";
        let lines: Vec<&str> = text.split('\n').collect();
        assert_eq!(sibling_ref(&lines, 3).as_deref(), Some("oci://r/a"));
        assert_eq!(sibling_ref(&lines, 4).as_deref(), Some("oci://r/b:1"));
    }

    #[test]
    fn unquoted_spans_drop_the_quotes() {
        let t = "ref: \"oci://a/b:1\"";
        let s = unquoted(t, Span::new(5, t.len() as u32));
        assert_eq!(&t[s.start as usize..s.end as usize], "oci://a/b:1");
    }
}
