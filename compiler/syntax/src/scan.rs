//! The line reader: `config_text_file_load`'s loop, one physical line at a time.

use std::sync::Arc;

use pbxc_diagnostics::{Diagnostic, Edit, FileId, TextRange};

use crate::codes;
use crate::stmt::{Logical, parse_stmt};
use crate::tree::{Line, Piece, PieceKind, SyntaxTree};
use crate::{LINE_BUFFER, MAX_NESTED_COMMENTS};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Parses one configuration file. Never fails: problems come back as diagnostics.
pub fn parse(file: FileId, text: Arc<[u8]>) -> (SyntaxTree, Vec<Diagnostic>) {
    let split = (text.len() >= PARALLEL_FROM)
        .then(|| memchr::memchr(b'\n', &text[text.len() / 2..]).map(|i| text.len() / 2 + i + 1))
        .flatten();
    parse_split(file, text, split)
}

/// [`parse`] on the calling thread only. For a long-running process that parses large files
/// and keeps their trees (the language server, when it opens a file and whenever it cannot
/// [`reparse`](crate::reparse) from the last tree): a tree it keeps is
/// then not allocated on a thread that has since exited, whose memory the allocator is slow
/// to take back (on the corpus's 1.7 MB dialplan the server peaked at 187–190 MB with
/// threads per edit, 165–171 MB without, for at most a millisecond an edit).
pub fn parse_on_this_thread(file: FileId, text: Arc<[u8]>) -> (SyntaxTree, Vec<Diagnostic>) {
    parse_split(file, text, None)
}

/// Files from this size on are read in two halves at once (`pbxc check` of a 1.7 MB
/// dialplan).
const PARALLEL_FROM: usize = 256 * 1024;

/// [`parse`], reading the lines from `split` (the start of a line) on in another thread.
/// Each line is read alike wherever it starts, except inside a block comment or after a
/// stray `--;`: when the first half ends in either, the second is read again after it.
fn parse_split(
    file: FileId,
    text: Arc<[u8]>,
    split: Option<usize>,
) -> (SyntaxTree, Vec<Diagnostic>) {
    let mut reader = Reader::new(file, &text);
    let mut lines = Vec::with_capacity(text.len() / 32 + 1);
    let whole = text.len();
    match split.filter(|&at| at > 0 && at < whole) {
        None => reader.read_lines(0, whole, &mut lines),
        Some(at) => {
            let second = std::thread::scope(|scope| {
                let later = std::thread::Builder::new()
                    .name("pbxc-parse".into())
                    .spawn_scoped(scope, || {
                        let mut reader = Reader::new(file, &text);
                        let mut lines = Vec::with_capacity((whole - at) / 32 + 1);
                        reader.read_lines(at, whole, &mut lines);
                        (reader, lines)
                    });
                reader.read_lines(0, at, &mut lines);
                // No thread (the system refused one): the second half is read below.
                let later = later.ok()?;
                Some(
                    later
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                )
            });
            match second {
                Some((second, second_lines)) if reader.comment == 0 => {
                    let offset = lines.len() as u32;
                    reader.unsettled.extend(
                        second
                            .unsettled
                            .iter()
                            .map(|&(line, comment)| (line + offset, comment)),
                    );
                    lines.extend(second_lines);
                    reader.diagnostics.extend(second.diagnostics);
                    reader.comment = second.comment;
                    reader.open_blocks = second.open_blocks;
                }
                _ => reader.read_lines(at, whole, &mut lines),
            }
        }
    }
    reader.finish(lines.len());
    let diagnostics = reader.diagnostics;
    let unsettled = reader.unsettled;
    (
        SyntaxTree {
            text,
            lines,
            unsettled,
        },
        diagnostics,
    )
}

pub(crate) struct Reader<'a> {
    file: FileId,
    /// Reused for every line's logical text, to spare an allocation per line.
    logical: Logical,
    text: &'a [u8],
    /// Asterisk's `comment` counter: nesting depth of `;--` blocks. It can go negative.
    comment: i32,
    /// Offsets of the `;--` that opened each block still open.
    open_blocks: Vec<usize>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// The lines read so far that started with `comment` not zero, and its value there
    /// ([`SyntaxTree::unsettled`]).
    pub(crate) unsettled: Vec<(u32, i32)>,
}

/// Per-line scanning state: Asterisk's `process_buf` as runs of source bytes.
struct LineScan<'a> {
    text: &'a [u8],
    pieces: Vec<Piece>,
    logical: &'a mut Logical,
    /// `process_buf != NULL`.
    has_buf: bool,
    /// Start of the run currently being added to `process_buf` (none once a NUL was written).
    open_run: Option<usize>,
}

impl LineScan<'_> {
    fn close_run(&mut self, end: usize) {
        if let Some(start) = self.open_run.take() {
            self.push_code(start, end);
        }
    }

    fn push_code(&mut self, start: usize, end: usize) {
        if start < end {
            self.logical
                .segs
                .push((self.logical.bytes.len() as u32, start as u32));
            self.logical.bytes.extend_from_slice(&self.text[start..end]);
            self.pieces.push(piece(PieceKind::Code, start, end));
        }
    }
}

fn piece(kind: PieceKind, start: usize, end: usize) -> Piece {
    Piece {
        kind,
        range: TextRange::new(start, end),
    }
}

impl<'a> Reader<'a> {
    pub(crate) fn new(file: FileId, text: &'a [u8]) -> Reader<'a> {
        Reader {
            file,
            logical: Logical {
                bytes: Vec::new(),
                segs: Vec::new(),
            },
            text,
            comment: 0,
            open_blocks: Vec::new(),
            diagnostics: Vec::new(),
            unsettled: Vec::new(),
        }
    }

    /// Asterisk's comment counter where the reader is: zero between lines means the next
    /// line is read as if the file started there.
    pub(crate) fn settled(&self) -> bool {
        self.comment == 0
    }

    /// Reads the lines of `text[from..to]` (`from` starts a line, `to` ends one or the
    /// file) onto `lines`.
    fn read_lines(&mut self, from: usize, to: usize, lines: &mut Vec<Line>) {
        let mut start = from;
        while start < to {
            start = self.read_next(start, to, lines);
        }
    }

    /// Reads the line of `text[..to]` that starts at `start` onto `lines`; returns where the
    /// next one starts.
    pub(crate) fn read_next(&mut self, start: usize, to: usize, lines: &mut Vec<Line>) -> usize {
        let text = &self.text[..to];
        if self.comment != 0 {
            self.unsettled.push((lines.len() as u32, self.comment));
        }
        let newline = memchr::memchr(b'\n', &text[start..]).map(|i| i + start);
        let end = newline.map_or(text.len(), |n| n + 1);
        let content_end = newline.unwrap_or(text.len());

        // `fgets` into 8192 bytes: too long when the first chunk fills 8191 bytes and its
        // last byte is not the newline. The skip loop then reads up to the end of the line.
        if content_end - start >= LINE_BUFFER {
            self.too_long(start, content_end, content_end - start);
            let mut pieces = vec![piece(PieceKind::Skipped, start, content_end)];
            if let Some(n) = newline {
                pieces.push(piece(PieceKind::Newline, n, n + 1));
            }
            lines.push(Line::new(TextRange::new(start, end), &pieces, None));
            return end;
        }

        lines.push(self.read_line(start, content_end, newline));
        end
    }

    /// What the end of the file says, after `lines` lines: block comments still open.
    pub(crate) fn finish(&mut self, lines: usize) {
        if self.comment != 0 {
            self.unsettled.push((lines as u32, self.comment));
        }
        if self.comment > 0
            && let Some(&first) = self.open_blocks.first()
        {
            let depth = self.open_blocks.len();
            let mut d = Diagnostic::new(
                codes::UNTERMINATED_BLOCK_COMMENT,
                "block comment is never closed; Asterisk ignores the rest of the file",
                self.file,
                TextRange::new(first, first + 3),
            )
            .with_label("this `;--` has no matching `--;`")
            .with_help("close it with `--;`, or write `;---` for an ordinary comment");
            if depth > 1 {
                d.message = format!(
                    "{depth} nested block comments are never closed; Asterisk ignores the rest of the file"
                ).into();
            }
            self.diagnostics.push(d);
        }
    }

    fn too_long(&mut self, start: usize, content_end: usize, len: usize) {
        let shown = (start + 3).min(content_end);
        self.diagnostics.push(
            Diagnostic::new(
                codes::LINE_TOO_LONG,
                format!(
                    "line of {len} bytes is too long; Asterisk skips it (the limit is {} bytes)",
                    LINE_BUFFER - 1
                ),
                self.file,
                TextRange::new(start, shown),
            )
            .with_help("split the value; Asterisk's configuration format has no line continuation"),
        );
    }

    fn read_line(&mut self, start: usize, content_end: usize, newline: Option<usize>) -> Line {
        let text = self.text;
        let mut logical = std::mem::take(&mut self.logical);
        logical.bytes.clear();
        logical.segs.clear();
        let comment_at_start = self.comment;
        let mut scan = LineScan {
            text,
            pieces: Vec::with_capacity(4),
            logical: &mut logical,
            has_buf: comment_at_start == 0,
            open_run: None,
        };

        let mut from = start;
        if start == 0 && text.starts_with(BOM) {
            scan.pieces.push(piece(PieceKind::Bom, 0, 3));
            from = 3;
        }
        // Asterisk's strings end at a NUL byte.
        let end = match memchr::memchr(0, &text[from..content_end]) {
            Some(i) => {
                let nul = from + i;
                scan.pieces
                    .push(piece(PieceKind::Ignored, nul, content_end));
                self.diagnostics.push(
                    Diagnostic::new(
                        codes::NUL_BYTE,
                        "NUL byte: Asterisk ignores the rest of this line",
                        self.file,
                        TextRange::new(nul, nul + 1),
                    )
                    .with_help("is this a binary file? configuration files are text"),
                );
                nul
            }
            None => content_end,
        };
        let at = |i: usize| if i < end { text[i] } else { 0 };

        if scan.has_buf {
            scan.open_run = Some(from);
        }
        // Where the block comment being scanned began on this line.
        let mut block_from = (self.comment > 0).then_some(from);
        let mut nest_reported = false;
        let mut new_buf = from;
        while let Some(p) = memchr::memchr(b';', &text[new_buf..end]).map(|i| i + new_buf) {
            if p > new_buf && text[p - 1] == b'\\' {
                // `\;`: the backslash is removed, the `;` kept.
                if scan.open_run.is_some() {
                    scan.close_run(p - 1);
                    scan.pieces.push(piece(PieceKind::Escape, p - 1, p));
                    scan.open_run = Some(p);
                }
                new_buf = p + 1;
            } else if at(p + 1) == b'-' && at(p + 2) == b'-' && at(p + 3) != b'-' {
                if self.comment < MAX_NESTED_COMMENTS {
                    scan.close_run(p);
                    if self.comment == 0 {
                        block_from = Some(p);
                    }
                    self.comment += 1;
                    if self.comment > 0 {
                        self.open_blocks.push(p);
                    }
                    new_buf = p + 3;
                } else {
                    if !nest_reported {
                        nest_reported = true;
                        self.diagnostics.push(
                            Diagnostic::new(
                                codes::COMMENT_NEST_LIMIT,
                                format!(
                                    "more than {MAX_NESTED_COMMENTS} nested block comments; Asterisk never finishes reading this line"
                                ),
                                self.file,
                                TextRange::new(p, p + 3),
                            )
                            .with_help("close the block comments before opening new ones"),
                        );
                    }
                    new_buf = p + 1;
                }
            } else if p >= new_buf + 2 && text[p - 1] == b'-' && text[p - 2] == b'-' {
                self.comment -= 1;
                new_buf = p + 1;
                if self.comment >= 0 {
                    self.open_blocks.pop();
                }
                if self.comment == 0 {
                    let block_start = block_from.take().unwrap_or(from);
                    scan.pieces
                        .push(piece(PieceKind::BlockComment, block_start, p + 1));
                    // The rest of the line is appended to what came before the block.
                    scan.has_buf = true;
                    if scan.open_run.is_none() {
                        scan.open_run = Some(p + 1);
                    }
                } else if self.comment == -1 {
                    self.stray_end(p);
                }
            } else if self.comment == 0 {
                // A plain comment: the line ends here.
                scan.close_run(p);
                scan.pieces.push(piece(PieceKind::LineComment, p, end));
                break;
            } else {
                new_buf = p + 1;
            }
        }
        scan.close_run(end);
        if self.comment > 0 {
            let block_start = block_from.unwrap_or(from);
            if block_start < end {
                scan.pieces
                    .push(piece(PieceKind::BlockComment, block_start, end));
            }
        }
        if let Some(n) = newline {
            scan.pieces.push(piece(PieceKind::Newline, n, n + 1));
        }

        let stmt = if scan.has_buf {
            parse_stmt(scan.logical)
        } else {
            None
        };

        let line_end = newline.map_or(content_end, |n| n + 1);
        let pieces = fill_gaps(scan.pieces, start, line_end);
        self.logical = logical;
        Line::new(TextRange::new(start, line_end), &pieces, stmt)
    }

    fn stray_end(&mut self, p: usize) {
        self.diagnostics.push(
            Diagnostic::new(
                codes::STRAY_BLOCK_COMMENT_END,
                "`--;` closes no block comment; Asterisk ignores the lines after this one until a `;--` brings its comment counter back to zero",
                self.file,
                TextRange::new(p - 2, p + 1),
            )
            .with_label("the comment counter goes below zero here")
            .with_help("if the `;` is meant literally, escape it as `\\;`")
            .with_fix(
                "escape the semicolon",
                vec![Edit {
                    file: self.file,
                    range: TextRange::empty(p),
                    replacement: "\\".into(),
                }],
            ),
        );
    }
}

/// Sorts pieces and covers any byte no piece claims with `Ignored`.
fn fill_gaps(mut pieces: Vec<Piece>, start: usize, end: usize) -> Vec<Piece> {
    pieces.retain(|p| !p.range.is_empty());
    if !pieces.is_sorted_by_key(|p| p.range.start) {
        pieces.sort_by_key(|p| p.range.start);
    }
    let mut cursor = start;
    let mut gaps = false;
    for p in &pieces {
        let s = p.range.start as usize;
        debug_assert!(s >= cursor, "overlapping pieces at {s}");
        gaps |= s > cursor;
        cursor = p.range.end as usize;
    }
    if !gaps && cursor == end {
        return pieces;
    }
    let mut out = Vec::with_capacity(pieces.len() + 2);
    let mut cursor = start;
    for p in pieces {
        let s = p.range.start as usize;
        if s > cursor {
            out.push(piece(PieceKind::Ignored, cursor, s));
        }
        cursor = p.range.end as usize;
        out.push(p);
    }
    if cursor < end {
        out.push(piece(PieceKind::Ignored, cursor, end));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::text;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Read in two halves from any line start, a file gives the tree and diagnostics
        /// it gives read in one go.
        #[test]
        fn two_halves_read_as_one(text in text(), pick in any::<prop::sample::Index>()) {
            let text: Arc<[u8]> = Arc::from(text);
            let starts: Vec<usize> = std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', &text).map(|i| i + 1))
                .collect();
            let at = starts[pick.index(starts.len())];
            let (whole, whole_diagnostics) = parse_split(FileId(0), text.clone(), None);
            let (halves, halves_diagnostics) = parse_split(FileId(0), text, Some(at));
            prop_assert_eq!(halves.lines, whole.lines);
            prop_assert_eq!(halves.unsettled, whole.unsettled);
            prop_assert_eq!(halves_diagnostics, whole_diagnostics);
        }
    }

    #[test]
    fn a_large_file_is_split_at_a_line_start() {
        let line = b"exten => 1,1,NoOp(x) ; a comment\n";
        let text: Vec<u8> = line.repeat(PARALLEL_FROM / line.len() + 2);
        let (tree, diagnostics) = parse(FileId(0), Arc::from(text.clone()));
        assert!(diagnostics.is_empty());
        assert_eq!(tree.lines.len(), PARALLEL_FROM / line.len() + 2);
        assert_eq!(tree.to_bytes(), text);
    }
}
