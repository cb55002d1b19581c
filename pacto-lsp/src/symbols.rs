//! `textDocument/documentSymbol`: the outline of the contract's mappings and sequences, capped at
//! [`MAX_SYMBOLS`] symbols (in document order) so a huge document still answers quickly.

use crate::to_proto::{self, Encoding};
use pacto_core::syntax::{parse, Limits, LineIndex, NodeKind, NodeRef, Resolved, Span};
use std::cell::Cell;
use tower_lsp_server::ls_types::{DocumentSymbol, SymbolKind};

/// Most symbols returned (yaml-language-server's `maxItemsComputed` default).
pub const MAX_SYMBOLS: usize = 5_000;

pub fn symbols(text: &str, enc: Encoding) -> Vec<DocumentSymbol> {
    let parsed = parse(text, &Limits::default());
    match parsed.tree.as_ref() {
        Some(tree) => {
            let cx = Cx {
                index: &parsed.line_index,
                enc,
                budget: Cell::new(MAX_SYMBOLS),
            };
            children(tree.root(), &cx, 0)
        }
        None => Vec::new(),
    }
}

struct Cx<'a> {
    index: &'a LineIndex,
    enc: Encoding,
    /// Symbols still allowed.
    budget: Cell<usize>,
}

impl Cx<'_> {
    /// Take one symbol from the budget; `false` when it is spent.
    fn take(&self) -> bool {
        let left = self.budget.get();
        self.budget.set(left.saturating_sub(1));
        left > 0
    }
}

fn kind_of(node: NodeRef<'_>) -> SymbolKind {
    match node.kind() {
        NodeKind::Mapping(_) => SymbolKind::OBJECT,
        NodeKind::Sequence(_) => SymbolKind::ARRAY,
        NodeKind::Scalar(s) => match s.resolved {
            Resolved::Null => SymbolKind::NULL,
            Resolved::Bool(_) => SymbolKind::BOOLEAN,
            Resolved::Int(_) | Resolved::UInt(_) | Resolved::Float(_) => SymbolKind::NUMBER,
            Resolved::Str => SymbolKind::STRING,
        },
        NodeKind::Alias(_) => SymbolKind::VARIABLE,
    }
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must still be set.
fn symbol(
    name: String,
    detail: Option<String>,
    full: Span,
    selection: Span,
    value: NodeRef<'_>,
    cx: &Cx<'_>,
    depth: usize,
) -> DocumentSymbol {
    let kids = children(value, cx, depth + 1);
    DocumentSymbol {
        name,
        detail,
        kind: kind_of(value),
        tags: None,
        deprecated: None,
        range: to_proto::range(cx.index, full, cx.enc),
        selection_range: to_proto::range(cx.index, selection, cx.enc),
        children: (!kids.is_empty()).then_some(kids),
    }
}

/// The name of a 2.0 list item that has no `name`: a readiness claim by its `id`, a capability
/// by its `type` (and an extension's `ref`): `health`, `extension example.com/tracing`.
fn unnamed_item(item: NodeRef<'_>) -> Option<String> {
    if let Some(id) = item.get("id").and_then(NodeRef::as_str) {
        // A claim: `id` next to `status`/`evidence`.
        if item.get("status").is_some() || item.get("evidence").is_some() {
            return Some(id.to_string());
        }
    }
    let kind = item.get("type").and_then(NodeRef::as_str)?;
    match item.get("binding").map(|b| b.is_mapping()) {
        Some(true) => Some(kind.to_string()),
        _ => match item.get("ref").and_then(NodeRef::as_str) {
            Some(r) if kind == "extension" => Some(format!("{kind} {r}")),
            _ if matches!(kind, "health" | "metrics") && item.entries().count() == 1 => {
                Some(kind.to_string())
            }
            _ => None,
        },
    }
}

fn children(node: NodeRef<'_>, cx: &Cx<'_>, depth: usize) -> Vec<DocumentSymbol> {
    if depth > 32 {
        return Vec::new();
    }
    match node.kind() {
        NodeKind::Mapping(_) => node
            .entries()
            .take_while(|_| cx.take())
            .filter_map(|(k, v)| {
                let name = k.as_scalar()?.text.clone();
                let detail = v.as_str().map(str::to_string);
                let full = Span::new(k.span().start, v.span().end.max(k.span().end));
                Some(symbol(name, detail, full, k.span(), v, cx, depth))
            })
            .collect(),
        NodeKind::Sequence(_) => node
            .items()
            .take_while(|_| cx.take())
            .enumerate()
            .map(|(i, item)| {
                let name = item
                    .get("name")
                    .and_then(NodeRef::as_str)
                    .map(str::to_string)
                    .or_else(|| unnamed_item(item))
                    .or_else(|| item.as_str().map(str::to_string))
                    .unwrap_or_else(|| format!("[{i}]"));
                symbol(name, None, item.span(), item.span(), item, cx, depth)
            })
            .collect(),
        _ => Vec::new(),
    }
}
