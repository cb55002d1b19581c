//! One line index for every face: byte offsets <-> line/column in UTF-8 bytes, UTF-16 code units
//! and Unicode scalar values (chars).
//!
//! Like rust-analyzer's `line-index`, it stores the byte offset of each line start plus, for each
//! line that is not pure ASCII, the multi-byte characters on it. Conversions on ASCII lines are O(1);
//! on other lines they are linear in the number of wide characters, not in the line length.

/// Which unit a column is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnUnit {
    /// UTF-8 bytes (Vim, Go, byte offsets).
    Utf8,
    /// UTF-16 code units (LSP default, SARIF default, JavaScript).
    Utf16,
    /// Unicode scalar values (what a person counts; yaml-rust/saphyr markers).
    Char,
}

/// A 0-based line and column, the column counted in some [`ColumnUnit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct WideChar {
    /// Byte offset of the character from the start of its line.
    start: u32,
    /// Length in UTF-8 bytes (2..=4).
    len_utf8: u8,
}

impl WideChar {
    fn len_utf16(self) -> u32 {
        if self.len_utf8 == 4 {
            2
        } else {
            1
        }
    }
}

/// Line starts and wide characters of one text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LineIndex {
    /// Byte offset of the start of every line; `line_starts[0] == 0`.
    line_starts: Vec<u32>,
    /// Wide characters per line, only for lines that have any: `(line, chars)`, sorted by line.
    wide: Vec<(u32, Vec<WideChar>)>,
    len: u32,
}

impl LineIndex {
    /// Index `text`. Lines end at `\n`; a `\r` before it belongs to the line it ends.
    /// Texts larger than `u32::MAX` bytes are indexed up to that length (the syntax layer refuses
    /// such input long before).
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0u32];
        let mut wide: Vec<(u32, Vec<WideChar>)> = Vec::new();
        let mut line = 0u32;
        let mut line_start = 0usize;
        let bytes = text.as_bytes();
        let limit = bytes.len().min(u32::MAX as usize);
        let mut i = 0usize;
        while i < limit {
            let b = bytes[i];
            if b == b'\n' {
                line += 1;
                line_start = i + 1;
                line_starts.push(line_start as u32);
                i += 1;
            } else if b < 0x80 {
                i += 1;
            } else {
                let len = utf8_len(b);
                let wc = WideChar {
                    start: (i - line_start) as u32,
                    len_utf8: len as u8,
                };
                match wide.last_mut() {
                    Some((l, chars)) if *l == line => chars.push(wc),
                    _ => wide.push((line, vec![wc])),
                }
                i += len;
            }
        }
        LineIndex {
            line_starts,
            wide,
            len: limit as u32,
        }
    }

    /// Length of the indexed text in bytes.
    pub fn len(&self) -> u32 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of lines (a text without a newline has one).
    pub fn line_count(&self) -> u32 {
        self.line_starts.len() as u32
    }

    /// Byte offset where `line` (0-based) starts, if the line exists.
    pub fn line_start(&self, line: u32) -> Option<u32> {
        self.line_starts.get(line as usize).copied()
    }

    fn wide_chars(&self, line: u32) -> &[WideChar] {
        match self.wide.binary_search_by_key(&line, |(l, _)| *l) {
            Ok(i) => &self.wide[i].1,
            Err(_) => &[],
        }
    }

    /// The 0-based line and column of a byte offset. Offsets past the end clamp to the end; an
    /// offset inside a multi-byte character counts as that character's start.
    pub fn line_col(&self, offset: u32, unit: ColumnUnit) -> LineCol {
        let offset = offset.min(self.len);
        let line = match self.line_starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l - 1,
        } as u32;
        let byte_col = offset - self.line_starts[line as usize];
        let col = match unit {
            ColumnUnit::Utf8 => byte_col,
            ColumnUnit::Utf16 | ColumnUnit::Char => {
                let mut col = byte_col;
                for wc in self.wide_chars(line) {
                    if wc.start >= byte_col {
                        break;
                    }
                    if wc.start + u32::from(wc.len_utf8) > byte_col {
                        // Inside the character: snap to its start.
                        col -= byte_col - wc.start;
                        break;
                    }
                    let units = match unit {
                        ColumnUnit::Utf16 => wc.len_utf16(),
                        _ => 1,
                    };
                    col -= u32::from(wc.len_utf8) - units;
                }
                col
            }
        };
        LineCol { line, col }
    }

    /// The byte offset of a 0-based line and column. A column past the end of the line clamps to
    /// the line end (before its newline); a line past the end clamps to the end of the text.
    pub fn offset(&self, pos: LineCol, unit: ColumnUnit) -> u32 {
        let Some(&start) = self.line_starts.get(pos.line as usize) else {
            return self.len;
        };
        let end = self
            .line_starts
            .get(pos.line as usize + 1)
            .map_or(self.len, |next| next - 1);
        let line_len = end - start;
        let byte_col = match unit {
            ColumnUnit::Utf8 => pos.col,
            ColumnUnit::Utf16 | ColumnUnit::Char => {
                let mut col = pos.col; // remaining units to walk, converted to bytes
                let mut bytes = 0u32; // byte position reached
                let mut consumed = 0u32; // units consumed
                for wc in self.wide_chars(pos.line) {
                    let ascii_run = wc.start - bytes;
                    if consumed + ascii_run >= col {
                        break;
                    }
                    consumed += ascii_run;
                    bytes = wc.start;
                    let units = match unit {
                        ColumnUnit::Utf16 => wc.len_utf16(),
                        _ => 1,
                    };
                    if consumed + units > col {
                        // The column points inside a surrogate pair: snap to the character start.
                        col = consumed;
                        break;
                    }
                    consumed += units;
                    bytes += u32::from(wc.len_utf8);
                }
                bytes + (col - consumed)
            }
        };
        start + byte_col.min(line_len)
    }

    /// Update the index for an edit inside one line: bytes `range` of the old text replaced by
    /// `insert`, giving `new_text`. Later line starts shift and only the edited line is scanned
    /// again, so typing in a large file costs O(lines), not O(bytes). Returns `false`, leaving
    /// the index as it was, when the edit removes or inserts a line break (the caller indexes the
    /// new text afresh).
    pub fn edit_within_line(
        &mut self,
        range: std::ops::Range<usize>,
        insert: &str,
        new_text: &str,
    ) -> bool {
        let old_len = self.len as usize;
        if range.start > range.end
            || range.end > old_len
            || insert.contains('\n')
            || new_text.len() != old_len - (range.end - range.start) + insert.len()
            || new_text.len() > u32::MAX as usize
        {
            return false;
        }
        let line = self
            .line_starts
            .partition_point(|&s| s as usize <= range.start)
            - 1;
        // The line's newline (the byte before the next line start) must survive the edit.
        if let Some(&next) = self.line_starts.get(line + 1) {
            if range.end >= next as usize {
                return false;
            }
        }
        let delta = insert.len() as i64 - (range.end - range.start) as i64;
        for s in &mut self.line_starts[line + 1..] {
            *s = (i64::from(*s) + delta) as u32;
        }
        self.len = new_text.len() as u32;
        let start = self.line_starts[line] as usize;
        let end = self
            .line_starts
            .get(line + 1)
            .map_or(new_text.len(), |&n| n as usize);
        let Some(bytes) = new_text.as_bytes().get(start..end) else {
            // Cannot happen for a consistent `new_text`; rebuild rather than keep a wrong index.
            *self = LineIndex::new(new_text);
            return true;
        };
        let mut chars = Vec::new();
        let mut i = 0usize;
        while i < bytes.len() {
            if bytes[i] < 0x80 {
                i += 1;
            } else {
                let len = utf8_len(bytes[i]);
                chars.push(WideChar {
                    start: i as u32,
                    len_utf8: len as u8,
                });
                i += len;
            }
        }
        let line = line as u32;
        match (
            self.wide.binary_search_by_key(&line, |(l, _)| *l),
            chars.is_empty(),
        ) {
            (Ok(i), true) => {
                self.wide.remove(i);
            }
            (Ok(i), false) => self.wide[i].1 = chars,
            (Err(_), true) => {}
            (Err(i), false) => self.wide.insert(i, (line, chars)),
        }
        true
    }

    /// Convert a byte offset to a character (Unicode scalar) index into the whole text.
    pub fn char_index(&self, offset: u32) -> u32 {
        let lc = self.line_col(offset, ColumnUnit::Char);
        let mut chars = lc.col;
        // Chars before this line: bytes minus the extra bytes of wide chars on earlier lines.
        let start = self.line_starts[lc.line as usize];
        let mut extra = 0u32;
        for (l, wcs) in &self.wide {
            if *l >= lc.line {
                break;
            }
            extra += wcs.iter().map(|w| u32::from(w.len_utf8) - 1).sum::<u32>();
        }
        chars += start - extra;
        chars
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lc(line: u32, col: u32) -> LineCol {
        LineCol { line, col }
    }

    proptest::proptest! {
        #[test]
        fn edit_within_line_matches_a_fresh_index(
            lines in proptest::collection::vec("[a-zé€😀: \r]{0,12}", 1..8),
            at in 0usize..200,
            cut in 0usize..6,
            insert in "[a-zé€😀 ]{0,5}",
        ) {
            let text = lines.join("\n");
            let mut start = at.min(text.len());
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + cut).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            let new_text = format!("{}{insert}{}", &text[..start], &text[end..]);
            let mut idx = LineIndex::new(&text);
            if idx.edit_within_line(start..end, &insert, &new_text) {
                proptest::prop_assert!(!text[start..end].contains('\n'));
                proptest::prop_assert_eq!(idx, LineIndex::new(&new_text));
            } else {
                proptest::prop_assert!(text[start..end].contains('\n'));
                proptest::prop_assert_eq!(idx, LineIndex::new(&text));
            }
        }
    }

    #[test]
    fn ascii_round_trip() {
        let text = "a: 1\nbb: 2\r\n\nccc";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_count(), 4);
        assert_eq!(idx.line_col(0, ColumnUnit::Utf16), lc(0, 0));
        assert_eq!(idx.line_col(5, ColumnUnit::Char), lc(1, 0));
        assert_eq!(idx.line_col(9, ColumnUnit::Utf8), lc(1, 4));
        assert_eq!(idx.line_col(12, ColumnUnit::Utf8), lc(2, 0));
        assert_eq!(idx.line_col(15, ColumnUnit::Utf8), lc(3, 2));
        assert_eq!(idx.line_col(999, ColumnUnit::Utf8), lc(3, 3));
        for off in 0..text.len() as u32 {
            for unit in [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Char] {
                assert_eq!(
                    idx.offset(idx.line_col(off, unit), unit),
                    off,
                    "offset {off}"
                );
            }
        }
    }

    #[test]
    fn emoji_and_cjk() {
        // "名" is 3 bytes / 1 UTF-16 unit; "😀" is 4 bytes / 2 UTF-16 units.
        let text = "k: 名😀x\nname: \"漢字\" # ok\n😀😀: v";
        let idx = LineIndex::new(text);
        let x = text.find('x').unwrap() as u32;
        assert_eq!(idx.line_col(x, ColumnUnit::Utf8), lc(0, 10));
        assert_eq!(idx.line_col(x, ColumnUnit::Utf16), lc(0, 6));
        assert_eq!(idx.line_col(x, ColumnUnit::Char), lc(0, 5));
        let hash = text.find('#').unwrap() as u32;
        assert_eq!(idx.line_col(hash, ColumnUnit::Char), lc(1, 11));
        assert_eq!(idx.line_col(hash, ColumnUnit::Utf16), lc(1, 11));
        assert_eq!(idx.line_col(hash, ColumnUnit::Utf8), lc(1, 15));
        let v = text.rfind('v').unwrap() as u32;
        assert_eq!(idx.line_col(v, ColumnUnit::Utf16), lc(2, 6));
        assert_eq!(idx.line_col(v, ColumnUnit::Char), lc(2, 4));
        // Round trip at every character boundary, in every unit.
        for (off, _) in text.char_indices() {
            let off = off as u32;
            for unit in [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Char] {
                assert_eq!(
                    idx.offset(idx.line_col(off, unit), unit),
                    off,
                    "{off} {unit:?}"
                );
            }
        }
        // Char index agrees with std's count.
        for (off, _) in text.char_indices() {
            assert_eq!(
                idx.char_index(off as u32) as usize,
                text[..off].chars().count()
            );
        }
    }

    #[test]
    fn inside_a_character_snaps_to_its_start() {
        let text = "😀a";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(2, ColumnUnit::Utf16), lc(0, 0));
        // UTF-16 column 1 is the middle of the surrogate pair.
        assert_eq!(idx.offset(lc(0, 1), ColumnUnit::Utf16), 0);
        assert_eq!(idx.offset(lc(0, 2), ColumnUnit::Utf16), 4);
        // Past the end of a line clamps before the newline.
        let idx = LineIndex::new("ab\ncd");
        assert_eq!(idx.offset(lc(0, 40), ColumnUnit::Char), 2);
        assert_eq!(idx.offset(lc(9, 0), ColumnUnit::Char), 5);
    }
}
