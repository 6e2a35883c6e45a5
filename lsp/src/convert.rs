//! Byte offsets ↔ LSP positions. Columns count UTF-16 code units unless the client agreed to
//! UTF-8 at initialisation. A byte that is not valid UTF-8 (a Latin-1 file) counts as one
//! unit, as the replacement character an editor shows for it.

use pbxc_diagnostics::{LineIndex, TextRange};
use tower_lsp_server::ls_types::{Position, Range};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

/// A text with its line starts, for conversions.
pub struct Lines<'a> {
    pub text: &'a [u8],
    pub index: &'a LineIndex,
    pub encoding: Encoding,
}

impl Lines<'_> {
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.index.line_of(offset);
        let start = self.index.line_start(line);
        let character = match self.encoding {
            Encoding::Utf8 => offset - start,
            Encoding::Utf16 => utf16_len(&self.text[start..offset]),
        };
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, range: TextRange) -> Range {
        let start = self.position(range.start as usize);
        // Most ranges end on the line they start on: the end's column is then the start's
        // plus what lies between, without a second search of the line starts. Where those
        // bytes are ASCII (or columns are bytes) the count adds up exactly.
        let (from, to) = (
            (range.start as usize).min(self.text.len()),
            (range.end as usize).min(self.text.len()),
        );
        let line = start.line as usize;
        let next = match line + 1 < self.index.line_count() {
            true => self.index.line_start(line + 1),
            false => usize::MAX,
        };
        if from <= to && to < next {
            let between = &self.text[from..to];
            let units = match self.encoding {
                Encoding::Utf8 => Some(between.len()),
                Encoding::Utf16 => between.is_ascii().then_some(between.len()),
            };
            if let Some(units) = units {
                return Range::new(
                    start,
                    Position::new(start.line, start.character + units as u32),
                );
            }
        }
        Range::new(start, self.position(range.end as usize))
    }

    /// The byte offset of `position`; past the end of a line is its end (before the newline),
    /// past the last line is the end of the text.
    pub fn offset(&self, position: Position) -> usize {
        let line = position.line as usize;
        if line >= self.index.line_count() {
            return self.text.len();
        }
        let start = self.index.line_start(line);
        let end = if line + 1 < self.index.line_count() {
            self.index.line_start(line + 1)
        } else {
            self.text.len()
        };
        let body = &self.text[start..end];
        let body = body.strip_suffix(b"\n").unwrap_or(body);
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        start + byte_of_column(body, position.character as usize, self.encoding)
    }
}

/// UTF-16 units in `bytes`.
pub fn utf16_len(bytes: &[u8]) -> usize {
    if bytes.is_ascii() {
        return bytes.len();
    }
    let mut n = 0;
    for chunk in bytes.utf8_chunks() {
        n += chunk.valid().chars().map(char::len_utf16).sum::<usize>();
        n += chunk.invalid().len();
    }
    n
}

/// The byte offset within `line` of column `column`.
fn byte_of_column(line: &[u8], column: usize, encoding: Encoding) -> usize {
    if encoding == Encoding::Utf8 {
        return column.min(line.len());
    }
    let mut units = 0;
    let mut at = 0;
    for chunk in line.utf8_chunks() {
        for c in chunk.valid().chars() {
            if units >= column {
                return at;
            }
            units += c.len_utf16();
            at += c.len_utf8();
        }
        for _ in chunk.invalid() {
            if units >= column {
                return at;
            }
            units += 1;
            at += 1;
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[u8], encoding: Encoding) -> (LineIndex, Vec<u8>, Encoding) {
        (LineIndex::new(text), text.to_vec(), encoding)
    }

    #[test]
    fn utf16_columns_count_surrogate_pairs_and_latin1_bytes_as_one() {
        // "é" is 2 bytes, 1 unit; "𝄞" 4 bytes, 2 units; 0xE9 alone (Latin-1) 1 byte, 1 unit.
        let (index, text, enc) = lines(b"a\xc3\xa9\xf0\x9d\x84\x9ex\n\xe9y", Encoding::Utf16);
        let l = Lines {
            text: &text,
            index: &index,
            encoding: enc,
        };
        assert_eq!(l.position(7), Position::new(0, 4)); // before "x"
        assert_eq!(l.offset(Position::new(0, 4)), 7);
        assert_eq!(l.offset(Position::new(1, 1)), 10); // after the Latin-1 byte
        assert_eq!(l.position(11), Position::new(1, 2));
        // Past the end of a line clamps to the line; past the last line to the text.
        assert_eq!(l.offset(Position::new(0, 99)), 8);
        assert_eq!(l.offset(Position::new(9, 0)), text.len());
    }

    /// A range's end is where `position` puts it, on its own line or the next, after
    /// multi-byte characters, Latin-1 bytes and at the end of the text.
    #[test]
    fn a_range_ends_where_its_end_is() {
        let text = b"a\xc3\xa9 x \xe9 yz\n\xf0\x9d\x84\x9e bc\nlast";
        let index = LineIndex::new(text);
        for encoding in [Encoding::Utf8, Encoding::Utf16] {
            let l = Lines {
                text,
                index: &index,
                encoding,
            };
            for start in 0..=text.len() + 1 {
                for end in start..=text.len() + 2 {
                    let range = l.range(TextRange::new(start, end));
                    assert_eq!(range.start, l.position(start), "{start}..{end}");
                    assert_eq!(range.end, l.position(end), "{start}..{end} {encoding:?}");
                }
            }
        }
    }

    #[test]
    fn utf8_columns_are_bytes() {
        let (index, text, enc) = lines("aé\nb".as_bytes(), Encoding::Utf8);
        let l = Lines {
            text: &text,
            index: &index,
            encoding: enc,
        };
        assert_eq!(l.position(3), Position::new(0, 3));
        assert_eq!(l.offset(Position::new(1, 1)), 5);
    }
}
