//! Every conversion between core byte offsets/spans and LSP positions/ranges, in the negotiated
//! position encoding. Nothing else in the server computes a line or a column.

use pacto_core::syntax::{ColumnUnit, LineCol, LineIndex, Span};
use tower_lsp_server::ls_types::{Position, PositionEncodingKind, Range};

/// The position encoding agreed on in `initialize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    Utf8,
    #[default]
    Utf16,
}

impl Encoding {
    /// UTF-8 when the client offers it, else the LSP default UTF-16.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }

    fn unit(self) -> ColumnUnit {
        match self {
            Encoding::Utf8 => ColumnUnit::Utf8,
            Encoding::Utf16 => ColumnUnit::Utf16,
        }
    }
}

/// The LSP position of a byte offset (clamped to the text).
pub fn position(index: &LineIndex, offset: u32, enc: Encoding) -> Position {
    let lc = index.line_col(offset, enc.unit());
    Position::new(lc.line, lc.col)
}

/// The LSP range of a byte span.
pub fn range(index: &LineIndex, span: Span, enc: Encoding) -> Range {
    Range::new(
        position(index, span.start, enc),
        position(index, span.end, enc),
    )
}

/// The byte offset of an LSP position; positions past a line's end or the text's end clamp.
pub fn offset(index: &LineIndex, pos: Position, enc: Encoding) -> u32 {
    index.offset(
        LineCol {
            line: pos.line,
            col: pos.character,
        },
        enc.unit(),
    )
}

/// The byte range of an LSP range, clamped and ordered.
pub fn byte_range(index: &LineIndex, range: Range, enc: Encoding) -> std::ops::Range<usize> {
    let a = offset(index, range.start, enc) as usize;
    let b = offset(index, range.end, enc) as usize;
    a.min(b)..a.max(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoji_and_cjk_ranges_differ_by_encoding() {
        // "a: 😀日x" — 😀 is 4 bytes / 2 UTF-16 units, 日 is 3 bytes / 1 unit.
        let text = "k: v\na: \u{1F600}\u{65E5}x\n";
        let idx = LineIndex::new(text);
        let x = text.find('x').unwrap_or_default() as u32;
        let span = Span::new(x, x + 1);
        assert_eq!(
            range(&idx, span, Encoding::Utf16),
            Range::new(Position::new(1, 6), Position::new(1, 7))
        );
        assert_eq!(
            range(&idx, span, Encoding::Utf8),
            Range::new(Position::new(1, 10), Position::new(1, 11))
        );
        assert_eq!(offset(&idx, Position::new(1, 6), Encoding::Utf16), x);
        assert_eq!(offset(&idx, Position::new(1, 10), Encoding::Utf8), x);
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let text = "ab\ncd";
        let idx = LineIndex::new(text);
        assert_eq!(offset(&idx, Position::new(0, 99), Encoding::Utf16), 2);
        assert_eq!(offset(&idx, Position::new(99, 0), Encoding::Utf16), 5);
        assert_eq!(position(&idx, 999, Encoding::Utf8), Position::new(1, 2));
        assert_eq!(
            byte_range(
                &idx,
                Range::new(Position::new(1, 1), Position::new(0, 1)),
                Encoding::Utf8
            ),
            1..4
        );
    }

    #[test]
    fn negotiation_prefers_utf8_when_offered() {
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
        assert_eq!(
            Encoding::negotiate(Some(&[PositionEncodingKind::UTF16])),
            Encoding::Utf16
        );
        assert_eq!(
            Encoding::negotiate(Some(&[
                PositionEncodingKind::UTF16,
                PositionEncodingKind::UTF8
            ])),
            Encoding::Utf8
        );
    }
}
