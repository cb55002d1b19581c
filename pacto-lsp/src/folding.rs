//! `textDocument/foldingRange`: every mapping, sequence or block scalar spanning more than one
//! line (folded from its key's line, or from the item's first line), and runs of two or more
//! comment lines.

use pacto_core::syntax::{parse, ColumnUnit, Limits, LineIndex, NodeKind, NodeRef, Span};
use std::collections::BTreeMap;
use tower_lsp_server::ls_types::{FoldingRange, FoldingRangeKind};

/// At most this many ranges are returned (the outermost ones win, like yamlls's cap).
pub const MAX_RANGES: usize = 5_000;

pub fn folding_ranges(text: &str) -> Vec<FoldingRange> {
    let parsed = parse(text, &Limits::default());
    let index = &parsed.line_index;
    // start line -> (end line, kind); the longest range per start line wins.
    let mut ranges: BTreeMap<u32, (u32, Option<FoldingRangeKind>)> = BTreeMap::new();
    if let Some(tree) = parsed.tree.as_ref() {
        let mut budget = MAX_RANGES;
        let cx = Cx { text, index };
        walk(tree.root(), &cx, &mut ranges, &mut budget, 0);
    }
    comments(text, &mut ranges);
    ranges
        .into_iter()
        .take(MAX_RANGES)
        .map(|(start_line, (end_line, kind))| FoldingRange {
            start_line,
            end_line,
            kind,
            ..Default::default()
        })
        .collect()
}

fn line(index: &LineIndex, offset: u32) -> u32 {
    index.line_col(offset, ColumnUnit::Utf8).line
}

struct Cx<'a> {
    text: &'a str,
    index: &'a LineIndex,
}

/// The line of the last non-blank character of `span` (a block scalar's span runs on over the
/// blank lines and indentation after it).
fn end_line(cx: &Cx<'_>, span: Span) -> u32 {
    let start = span.start as usize;
    let end = (span.end as usize).min(cx.text.len()).max(start);
    let body = cx.text.get(start..end).unwrap_or_default();
    let last = start + body.trim_end().len();
    line(cx.index, last.saturating_sub(1).max(start) as u32)
}

fn add(
    ranges: &mut BTreeMap<u32, (u32, Option<FoldingRangeKind>)>,
    start: u32,
    end: u32,
    kind: Option<FoldingRangeKind>,
) {
    if end <= start {
        return;
    }
    let slot = ranges.entry(start).or_insert((end, kind.clone()));
    if end > slot.0 {
        *slot = (end, kind);
    }
}

fn foldable(node: NodeRef<'_>) -> bool {
    match node.kind() {
        NodeKind::Mapping(_) | NodeKind::Sequence(_) => true,
        NodeKind::Scalar(s) => matches!(
            s.style,
            pacto_core::syntax::Style::Literal | pacto_core::syntax::Style::Folded
        ),
        NodeKind::Alias(_) => false,
    }
}

fn walk(
    node: NodeRef<'_>,
    cx: &Cx<'_>,
    ranges: &mut BTreeMap<u32, (u32, Option<FoldingRangeKind>)>,
    budget: &mut usize,
    depth: usize,
) {
    if depth > 64 || *budget == 0 {
        return;
    }
    // Aliases point back at their anchors: only fold what is written here.
    let written =
        |child: NodeRef<'_>, parent_span_start: u32| child.span().start >= parent_span_start;
    match node.kind() {
        NodeKind::Mapping(_) => {
            for (k, v) in node.entries() {
                if !written(v, node.span().start) {
                    continue;
                }
                if foldable(v) {
                    let start = line(cx.index, k.span().start);
                    add(ranges, start, end_line(cx, v.span()), None);
                    *budget = budget.saturating_sub(1);
                }
                walk(v, cx, ranges, budget, depth + 1);
            }
        }
        NodeKind::Sequence(_) => {
            for item in node.items() {
                if !written(item, node.span().start) {
                    continue;
                }
                if foldable(item) {
                    let start = line(cx.index, item.span().start);
                    add(ranges, start, end_line(cx, item.span()), None);
                    *budget = budget.saturating_sub(1);
                }
                walk(item, cx, ranges, budget, depth + 1);
            }
        }
        _ => {}
    }
}

fn comments(text: &str, ranges: &mut BTreeMap<u32, (u32, Option<FoldingRangeKind>)>) {
    let mut run: Option<(u32, u32)> = None;
    for (i, l) in text.split('\n').enumerate() {
        let i = i as u32;
        if l.trim_start().starts_with('#') {
            run = Some(match run {
                Some((s, _)) => (s, i),
                None => (i, i),
            });
        } else if let Some((s, e)) = run.take() {
            add(ranges, s, e, Some(FoldingRangeKind::Comment));
        }
    }
    if let Some((s, e)) = run {
        add(ranges, s, e, Some(FoldingRangeKind::Comment));
    }
}
