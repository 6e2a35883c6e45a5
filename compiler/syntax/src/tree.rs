use std::sync::Arc;

use pbxc_diagnostics::TextRange;

use crate::stmt::Stmt;

/// What a run of bytes is, as Asterisk's reader sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PieceKind {
    /// UTF-8 byte order mark at the start of the file (removed by Asterisk).
    Bom,
    /// Text that is part of the line Asterisk processes (before stripping).
    Code,
    /// The backslash of `\;`, removed by Asterisk.
    Escape,
    /// `;` to the end of the line.
    LineComment,
    /// A `;--` … `--;` block comment, or the part of one on this line.
    BlockComment,
    /// Text Asterisk reads past: after a NUL byte, or while a stray `--;` has driven the
    /// comment counter below zero.
    Ignored,
    /// A line Asterisk skips because it is too long (or that such a line swallowed).
    Skipped,
    /// The `\n` ending the line.
    Newline,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    pub kind: PieceKind,
    pub range: TextRange,
}

/// One physical line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The whole line, newline included.
    pub range: TextRange,
    /// The pieces, placed from the line's start and shared: a line an edit moves (every line
    /// after it, in a reparse) keeps its pieces as they were.
    relative: Arc<[Piece]>,
    /// What Asterisk reads from this line, if the code left after comments is not blank.
    pub stmt: Option<Stmt>,
}

impl Line {
    /// A line of `pieces` (placed in the file) covering `range`.
    pub(crate) fn new(range: TextRange, pieces: &[Piece], stmt: Option<Stmt>) -> Line {
        let from = i64::from(range.start);
        Line {
            range,
            relative: pieces
                .iter()
                .map(|p| Piece {
                    kind: p.kind,
                    range: p.range.shifted(-from),
                })
                .collect(),
            stmt,
        }
    }

    /// The same line `delta` bytes later in the file (its statement's places moved alike by
    /// the caller).
    pub(crate) fn moved(&self, delta: i64, stmt: Option<Stmt>) -> Line {
        Line {
            range: self.range.shifted(delta),
            relative: self.relative.clone(),
            stmt,
        }
    }

    /// Pieces covering `range` exactly, in order, placed in the file.
    pub fn pieces(&self) -> impl Iterator<Item = Piece> + '_ {
        let from = i64::from(self.range.start);
        self.relative.iter().map(move |p| Piece {
            kind: p.kind,
            range: p.range.shifted(from),
        })
    }
}

/// A parsed configuration file. Lossless: `pieces` of all lines cover the text.
#[derive(Clone, Debug)]
pub struct SyntaxTree {
    pub text: Arc<[u8]>,
    pub lines: Vec<Line>,
    /// The lines that start with Asterisk's comment counter not at zero (inside a block
    /// comment, or after a stray `--;`), with the counter there; ascending. One past the last
    /// line stands for the end of the file, where a line added would start. Every other line
    /// is read as it would be at the start of a file (but for a BOM, which only the first
    /// line can have), which is what lets
    /// [`reparse`](crate::reparse) read only the lines an edit touched.
    pub(crate) unsettled: Vec<(u32, i32)>,
}

impl SyntaxTree {
    /// Asterisk's comment counter at the start of line `line` (`lines.len()`: at the end).
    pub(crate) fn comment_at(&self, line: usize) -> i32 {
        match self
            .unsettled
            .binary_search_by_key(&(line as u32), |&(l, _)| l)
        {
            Ok(i) => self.unsettled[i].1,
            Err(_) => 0,
        }
    }

    /// Rebuilds the source from the pieces; equals the input byte for byte.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.text.len());
        for line in &self.lines {
            for piece in line.pieces() {
                out.extend_from_slice(&self.text[piece.range.as_range()]);
            }
        }
        out
    }

    pub fn slice(&self, range: TextRange) -> &[u8] {
        &self.text[range.as_range()]
    }

    /// Statements in file order with their 0-based line numbers.
    pub fn stmts(&self) -> impl Iterator<Item = (usize, &Stmt)> + Clone {
        self.lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.stmt.as_ref().map(|s| (i, s)))
    }

    /// Comment pieces (line and block) with their 0-based line numbers.
    pub fn comments(&self) -> impl Iterator<Item = (usize, Piece)> + '_ {
        self.lines.iter().enumerate().flat_map(|(i, l)| {
            l.pieces()
                .filter(|p| matches!(p.kind, PieceKind::LineComment | PieceKind::BlockComment))
                .map(move |p| (i, p))
        })
    }
}
