//! `textDocument/hover`: the schema documentation of the field under the cursor.

use crate::schema_nav;
use crate::to_proto::{self, Encoding};
use pacto_core::syntax::{parse, Limits};
use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

pub fn hover(text: &str, pos: Position, enc: Encoding) -> Option<Hover> {
    let parsed = parse(text, &Limits::default());
    let tree = parsed.tree.as_ref()?;
    let offset = to_proto::offset(&parsed.line_index, pos, enc);
    let at = schema_nav::path_at(tree.root(), offset)?;
    let segs: Vec<&str> = at.path.iter().map(String::as_str).collect();
    let description = schema_nav::description(schema_nav::generation_of(text), &segs)?;
    let dotted = segs
        .iter()
        .filter(|s| s.parse::<usize>().is_err())
        .copied()
        .collect::<Vec<_>>()
        .join(".");
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: format!("**`{dotted}`**\n\n{description}"),
        }),
        range: Some(to_proto::range(&parsed.line_index, at.span, enc)),
    })
}
