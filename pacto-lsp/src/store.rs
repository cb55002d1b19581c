//! Open documents: a rope per URI, edited synchronously in notification order.

use crate::to_proto::Encoding;
use ropey::Rope;
use std::collections::HashMap;
use tower_lsp_server::ls_types::{Position, TextDocumentContentChangeEvent, Uri};

pub struct Document {
    pub rope: Rope,
    pub version: i32,
    /// Bumped on every edit; a diagnostics run publishes only if it is still the latest.
    pub seq: u64,
    /// The last parse, kept so the next diagnostics run can patch it instead of parsing again.
    pub cache: Option<Cached>,
    /// The edits since `cache`, in order, with the sequence number each belongs to.
    pub edits: Vec<(u64, ByteEdit)>,
}

/// A text edit in byte offsets of the text before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByteEdit {
    pub range: std::ops::Range<usize>,
    pub insert: String,
}

/// A parse of the document at `seq`.
pub struct Cached {
    pub seq: u64,
    pub text: String,
    pub parsed: pacto_core::syntax::Parsed,
}

/// What a diagnostics run gets: the latest text and, when there is one, the last parse and the
/// edits made since.
pub struct Latest {
    pub text: String,
    pub version: i32,
    pub seq: u64,
    pub prior: Option<(Cached, Vec<ByteEdit>)>,
}

/// Edits kept for patching; more than this many since the last parse means parsing again.
const MAX_EDITS: usize = 32;

#[derive(Default)]
pub struct Store {
    docs: HashMap<Uri, Document>,
    next_seq: u64,
}

impl Store {
    pub fn open(&mut self, uri: Uri, text: &str, version: i32) -> u64 {
        self.next_seq += 1;
        let seq = self.next_seq;
        self.docs.insert(
            uri,
            Document {
                rope: Rope::from_str(text),
                version,
                seq,
                cache: None,
                edits: Vec::new(),
            },
        );
        seq
    }

    /// Apply changes in order; returns the new sequence number, or `None` for an unknown document.
    pub fn change(
        &mut self,
        uri: &Uri,
        version: i32,
        changes: &[TextDocumentContentChangeEvent],
        enc: Encoding,
    ) -> Option<u64> {
        self.next_seq += 1;
        let seq = self.next_seq;
        let doc = self.docs.get_mut(uri)?;
        for change in changes {
            match change.range {
                None => {
                    doc.rope = Rope::from_str(&change.text);
                    doc.cache = None;
                    doc.edits.clear();
                }
                Some(range) => {
                    let a = char_at(&doc.rope, range.start, enc);
                    let b = char_at(&doc.rope, range.end, enc);
                    let (start, end) = (a.min(b), a.max(b));
                    if doc.cache.is_some() && doc.edits.len() < MAX_EDITS {
                        let bytes = doc.rope.char_to_byte(start)..doc.rope.char_to_byte(end);
                        doc.edits.push((
                            seq,
                            ByteEdit {
                                range: bytes,
                                insert: change.text.clone(),
                            },
                        ));
                    } else {
                        doc.cache = None;
                        doc.edits.clear();
                    }
                    doc.rope.remove(start..end);
                    doc.rope.insert(start, &change.text);
                }
            }
        }
        doc.version = version;
        doc.seq = seq;
        Some(seq)
    }

    pub fn close(&mut self, uri: &Uri) {
        self.docs.remove(uri);
    }

    /// The latest text of a document, taking its cached parse (a diagnostics run gives it back
    /// with [`Store::keep_parse`]).
    pub fn latest(&mut self, uri: &Uri) -> Option<Latest> {
        let doc = self.docs.get_mut(uri)?;
        let prior = doc.cache.take().map(|c| {
            let edits = doc
                .edits
                .iter()
                .filter(|(s, _)| *s > c.seq)
                .map(|(_, e)| e.clone())
                .collect();
            (c, edits)
        });
        doc.edits.clear();
        Some(Latest {
            text: doc.rope.to_string(),
            version: doc.version,
            seq: doc.seq,
            prior,
        })
    }

    /// Keep the parse of the document at `seq`, if no edit came since (edits that did are
    /// recorded against it from now on only if it is kept before them: otherwise the next run
    /// parses again).
    pub fn keep_parse(&mut self, uri: &Uri, cached: Cached) {
        if let Some(doc) = self.docs.get_mut(uri) {
            if doc.seq == cached.seq {
                doc.cache = Some(cached);
                doc.edits.clear();
            }
        }
    }

    /// The sequence number of a document's latest edit.
    pub fn seq(&self, uri: &Uri) -> Option<u64> {
        self.docs.get(uri).map(|d| d.seq)
    }

    pub fn text(&self, uri: &Uri) -> Option<String> {
        self.docs.get(uri).map(|d| d.rope.to_string())
    }
}

/// The char index of an LSP position in `rope`, in O(log n) (no whole-text line index per edit).
///
/// Same rules as `pacto_core::syntax::LineIndex::offset`: lines end at `\n`; a column past the
/// end of its line clamps to the line end; a line past the end clamps to the end of the text; a
/// column inside a character (a UTF-8 continuation byte, the second half of a surrogate pair)
/// snaps to that character's start.
fn char_at(rope: &Rope, pos: Position, enc: Encoding) -> usize {
    let line = pos.line as usize;
    if line >= rope.len_lines() {
        return rope.len_chars();
    }
    let start = rope.line_to_char(line);
    let end = if line + 1 < rope.len_lines() {
        rope.line_to_char(line + 1) - 1
    } else {
        rope.len_chars()
    };
    let col = pos.character as usize;
    let at = match enc {
        Encoding::Utf8 => {
            let first = rope.char_to_byte(start);
            let last = rope.char_to_byte(end);
            rope.byte_to_char(first.saturating_add(col).min(last))
        }
        Encoding::Utf16 => {
            let first = rope.char_to_utf16_cu(start);
            let last = rope.char_to_utf16_cu(end);
            rope.utf16_cu_to_char(first.saturating_add(col).min(last))
        }
    };
    at.clamp(start, end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::to_proto;
    use pacto_core::syntax::LineIndex;
    use proptest::prelude::*;
    use tower_lsp_server::ls_types::Range;

    fn edit(l0: u32, c0: u32, l1: u32, c1: u32, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(l0, c0), Position::new(l1, c1))),
            range_length: None,
            text: text.to_string(),
        }
    }

    #[test]
    fn incremental_edits_apply_in_order_in_utf16_and_utf8() {
        let uri: Uri = "file:///x/pacto.yaml".parse().expect("uri");
        let mut s = Store::default();
        s.open(uri.clone(), "a: \u{1F600}b\n", 1);
        // UTF-16: the emoji is 2 units, so col 5 is just after it.
        s.change(
            &uri,
            2,
            &[edit(0, 5, 0, 6, "c"), edit(0, 0, 0, 1, "zz")],
            Encoding::Utf16,
        );
        assert_eq!(s.text(&uri).as_deref(), Some("zz: \u{1F600}c\n"));
        // UTF-8: the emoji is 4 bytes, so col 8 is just after it.
        s.change(&uri, 3, &[edit(0, 8, 0, 9, "d")], Encoding::Utf8);
        assert_eq!(s.text(&uri).as_deref(), Some("zz: \u{1F600}d\n"));
        // Out-of-range positions clamp instead of panicking.
        s.change(&uri, 4, &[edit(7, 3, 99, 99, "!")], Encoding::Utf16);
        assert_eq!(s.text(&uri).as_deref(), Some("zz: \u{1F600}d\n!"));
        assert_eq!(s.docs.get(&uri).map(|d| d.version), Some(4));
    }

    proptest! {
        /// The rope conversion agrees with the core line index (the one every range is built from)
        /// on any text and any position, in both encodings.
        #[test]
        fn rope_positions_match_the_line_index(
            text in "(a|\u{e9}|\u{65E5}|\u{1F600}|\n|\r\n| ){0,40}",
            line in 0u32..12,
            col in 0u32..20,
        ) {
            let rope = Rope::from_str(&text);
            let index = LineIndex::new(&text);
            for enc in [Encoding::Utf8, Encoding::Utf16] {
                let pos = Position::new(line, col);
                let byte = to_proto::offset(&index, pos, enc) as usize;
                // The core may land inside a UTF-8 character; the rope snaps to its start.
                let mut expect = byte.min(text.len());
                while !text.is_char_boundary(expect) {
                    expect -= 1;
                }
                prop_assert_eq!(rope.char_to_byte(char_at(&rope, pos, enc)), expect);
            }
        }
    }
}
