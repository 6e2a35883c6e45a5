/// 1-based line and column. Columns count characters: a valid UTF-8 sequence is one column,
/// every byte that is not part of one (Latin-1 files) is one column too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// Start offsets of every line of a file, for offset → line/column conversion.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &[u8]) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 40 + 1);
        starts.push(0);
        // memchr finds the newlines many bytes at a time: a 1.7 MB file is indexed on every
        // edit the language server checks.
        starts.extend(memchr::memchr_iter(b'\n', text).map(|i| i as u32 + 1));
        LineIndex { starts }
    }

    /// 0-based line containing `offset` (an offset equal to the text length is on the last line).
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    pub fn line_start(&self, line0: usize) -> usize {
        self.starts[line0] as usize
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    pub fn line_col(&self, text: &[u8], offset: usize) -> LineCol {
        let offset = offset.min(text.len());
        let line0 = self.line_of(offset);
        let start = self.starts[line0] as usize;
        LineCol {
            line: line0 as u32 + 1,
            column: count_chars(&text[start..offset]) as u32 + 1,
        }
    }
}

/// Number of display characters in `bytes` (invalid UTF-8 counts one per byte).
pub fn count_chars(bytes: &[u8]) -> usize {
    bytes
        .utf8_chunks()
        .map(|c| c.valid().chars().count() + c.invalid().len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_one_based_lines_and_character_columns() {
        let text = "ab\nçd\n\nx".as_bytes();
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 0), LineCol { line: 1, column: 1 });
        assert_eq!(idx.line_col(text, 2), LineCol { line: 1, column: 3 });
        assert_eq!(idx.line_col(text, 3), LineCol { line: 2, column: 1 });
        // "ç" is two bytes but one column.
        assert_eq!(idx.line_col(text, 5), LineCol { line: 2, column: 2 });
        assert_eq!(idx.line_col(text, 7), LineCol { line: 3, column: 1 });
        assert_eq!(idx.line_col(text, 8), LineCol { line: 4, column: 1 });
        // The end of the text is a position too; past it clamps there.
        assert_eq!(idx.line_col(text, 9), LineCol { line: 4, column: 2 });
        assert_eq!(idx.line_col(text, 10), LineCol { line: 4, column: 2 });
    }

    #[test]
    fn latin1_bytes_count_one_column_each() {
        let text = b"a\xe9\xe9b";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 3), LineCol { line: 1, column: 4 });
    }
}
