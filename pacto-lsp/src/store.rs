//! Open documents: a rope per URI, edited synchronously in notification order.

use crate::to_proto::{self, Encoding};
use pacto_core::syntax::LineIndex;
use ropey::Rope;
use std::collections::HashMap;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

pub struct Document {
    pub rope: Rope,
    pub version: i32,
    /// Bumped on every edit; a diagnostics run publishes only if it is still the latest.
    pub seq: u64,
}

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
                None => doc.rope = Rope::from_str(&change.text),
                Some(range) => {
                    let text = doc.rope.to_string();
                    let index = LineIndex::new(&text);
                    let bytes = to_proto::byte_range(&index, range, enc);
                    let start = doc.rope.byte_to_char(bytes.start);
                    let end = doc.rope.byte_to_char(bytes.end);
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

    /// The text and version of a document if `seq` is still its latest edit.
    pub fn snapshot_if_latest(&self, uri: &Uri, seq: u64) -> Option<(String, i32)> {
        let doc = self.docs.get(uri)?;
        (doc.seq == seq).then(|| (doc.rope.to_string(), doc.version))
    }

    pub fn text(&self, uri: &Uri) -> Option<String> {
        self.docs.get(uri).map(|d| d.rope.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::ls_types::{Position, Range};

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
}
