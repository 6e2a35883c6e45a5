//! Reading a file again after an edit, as the language server does after every keystroke:
//! only the lines the edit touched are read. The lines before them are kept as they were, and
//! the lines after them are kept moved by the change in length.
//!
//! This is sound because a line is read the same wherever it starts, as long as Asterisk's
//! comment counter is zero there (the same fact that lets [`parse`](crate::parse) read a large
//! file in two halves). So reading starts at the first line the edit changed, provided that
//! line started with the counter at zero, and stops at the first line start past the edit
//! where the counter is zero again and was zero in the old tree too: from there on, the bytes
//! are the old ones and are read alike. (The old first line is never taken over to a later
//! place, as a BOM counts only at the start of the file: lines pasted at the very top make
//! the whole file read again.) The result equals [`parse`](crate::parse) of the new text
//! (property-tested below, fuzzed in `fuzz/`), so a caller can use either.
//!
//! The lines kept are copies (their places are absolute, and the old tree stays shared):
//! an edit near the top copies nearly the whole tree, which costs a fraction of reading it.

use std::sync::Arc;

use pbxc_diagnostics::{Diagnostic, FileId};

use crate::scan::Reader;
use crate::stmt::{Stmt, StmtKind, Text};
use crate::tree::{Line, SyntaxTree};

/// A file read again: the tree and diagnostics [`parse`](crate::parse) would give, and how
/// many lines were actually read.
pub struct Reparsed {
    pub tree: SyntaxTree,
    pub diagnostics: Vec<Diagnostic>,
    /// Lines read afresh; every other line was copied from the old tree.
    pub read: usize,
}

/// Reads `text` as [`parse`](crate::parse) would, reusing `old` (the tree of an earlier
/// version of the same file, with the diagnostics its parse gave, all in `file`) wherever the
/// two texts agree.
pub fn reparse(
    old: &SyntaxTree,
    old_diagnostics: &[Diagnostic],
    file: FileId,
    text: Arc<[u8]>,
) -> Reparsed {
    let (old_text, new) = (&old.text[..], &text[..]);
    let prefix = common_prefix(old_text, new);
    let suffix = common_suffix(&old_text[prefix..], &new[prefix..]);
    // The edit replaced old `prefix..old_end` by new `prefix..new_end`.
    let (old_end, new_end) = (old_text.len() - suffix, new.len() - suffix);

    // The first line the edit touched: the one holding the first changed byte, or, when the
    // text only grew at the end, the last line if it had no newline yet.
    let mut first = old
        .lines
        .partition_point(|l| l.range.end as usize <= prefix);
    if first == old.lines.len()
        && let Some(last) = old.lines.last()
        && !old_text[..last.range.end as usize].ends_with(b"\n")
    {
        first -= 1;
    }
    if old.comment_at(first) != 0 {
        // The edit is inside a block comment (or after a stray `--;`): read it all.
        let (tree, diagnostics) = crate::scan::parse_on_this_thread(file, text);
        let read = tree.lines.len();
        return Reparsed {
            tree,
            diagnostics,
            read,
        };
    }
    let start = old
        .lines
        .get(first)
        .map_or(old_text.len(), |l| l.range.start as usize);

    let mut reader = Reader::new(file, new);
    let mut lines = Vec::with_capacity(old.lines.len() + 1);
    lines.extend_from_slice(&old.lines[..first]);
    reader.unsettled = old.unsettled[..old
        .unsettled
        .partition_point(|&(l, _)| (l as usize) < first)]
        .to_vec();
    reader.diagnostics = old_diagnostics
        .iter()
        .filter(|d| (d.primary.range.start as usize) < start)
        .cloned()
        .collect();

    // Read until the lines are the old ones again.
    let mut at = start;
    let mut kept = None;
    while at < new.len() {
        at = reader.read_next(at, new.len(), &mut lines);
        if at >= new_end && reader.settled() {
            let old_at = at - new_end + old_end;
            let j = old
                .lines
                .partition_point(|l| (l.range.start as usize) < old_at);
            // Line 0 is never kept past an edit before it: only there is a BOM read as one.
            if j > 0
                && j < old.lines.len()
                && old.lines[j].range.start as usize == old_at
                && old.comment_at(j) == 0
            {
                kept = Some((j, old_at));
                break;
            }
        }
    }
    let read = lines.len() - first;
    match kept {
        Some((j, old_at)) => {
            let delta = new.len() as i64 - old_text.len() as i64;
            let offset = lines.len() as u32;
            reader.unsettled.extend(
                old.unsettled[old.unsettled.partition_point(|&(l, _)| (l as usize) < j)..]
                    .iter()
                    .map(|&(l, comment)| (l - j as u32 + offset, comment)),
            );
            lines.extend(old.lines[j..].iter().map(|l| moved_line(l, delta)));
            reader.diagnostics.extend(
                old_diagnostics
                    .iter()
                    .filter(|d| (d.primary.range.start as usize) >= old_at)
                    .map(|d| d.shifted(delta)),
            );
        }
        None => reader.finish(lines.len()),
    }
    let diagnostics = std::mem::take(&mut reader.diagnostics);
    let unsettled = std::mem::take(&mut reader.unsettled);
    Reparsed {
        tree: SyntaxTree {
            text,
            lines,
            unsettled,
        },
        diagnostics,
        read,
    }
}

/// How many bytes `a` and `b` start with alike. Compared a block at a time (a `memcmp`), then
/// byte by byte in the first block that differs.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 4096;
    let n = a.len().min(b.len());
    let mut at = 0;
    while at + BLOCK <= n && a[at..at + BLOCK] == b[at..at + BLOCK] {
        at += BLOCK;
    }
    at + a[at..n]
        .iter()
        .zip(&b[at..n])
        .take_while(|(x, y)| x == y)
        .count()
}

/// How many bytes `a` and `b` end with alike.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 4096;
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut len = 0;
    while len + BLOCK <= n && a[n - len - BLOCK..n - len] == b[n - len - BLOCK..n - len] {
        len += BLOCK;
    }
    len + a[..n - len]
        .iter()
        .rev()
        .zip(b[..n - len].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

fn moved_text(text: &Text, delta: i64) -> Text {
    Text {
        bytes: text.bytes.clone(),
        range: text.range.shifted(delta),
    }
}

fn moved_line(line: &Line, delta: i64) -> Line {
    line.moved(delta, line.stmt.as_ref().map(|s| moved_stmt(s, delta)))
}

fn moved_stmt(stmt: &Stmt, delta: i64) -> Stmt {
    let text = |t: &Text| moved_text(t, delta);
    let kind = match &stmt.kind {
        StmtKind::Section {
            name,
            options,
            trailing,
        } => StmtKind::Section {
            name: text(name),
            options: options.as_ref().map(|o| o.iter().map(text).collect()),
            trailing: trailing.as_ref().map(text),
        },
        StmtKind::UnclosedSection { name } => StmtKind::UnclosedSection { name: text(name) },
        StmtKind::UnclosedOptions { name, options } => StmtKind::UnclosedOptions {
            name: text(name),
            options: text(options),
        },
        StmtKind::Assign {
            name,
            escaped,
            op,
            op_range,
            value,
            raw_value,
        } => StmtKind::Assign {
            name: text(name),
            escaped: *escaped,
            op: *op,
            op_range: op_range.shifted(delta),
            value: text(value),
            raw_value: raw_value.as_ref().map(text),
        },
        StmtKind::InvalidEscape { text: t } => StmtKind::InvalidEscape { text: text(t) },
        StmtKind::MissingEquals { text: t } => StmtKind::MissingEquals { text: text(t) },
        StmtKind::Directive { kind, word, arg } => StmtKind::Directive {
            kind: *kind,
            word: text(word),
            arg: arg.as_ref().map(text),
        },
    };
    Stmt {
        range: stmt.range.shifted(delta),
        kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::text;
    use proptest::prelude::*;

    fn parse(text: &[u8]) -> (SyntaxTree, Vec<Diagnostic>) {
        crate::parse_on_this_thread(FileId(0), Arc::from(text))
    }

    /// `old` edited by replacing `old[at..at + removed]` with `inserted`, read again from its
    /// tree: it must equal reading the new text from scratch. Returns how many lines were read.
    fn assert_reads_as_new(old: &[u8], at: usize, removed: usize, inserted: &[u8]) -> usize {
        let (tree, diagnostics) = parse(old);
        let mut new = old[..at].to_vec();
        new.extend_from_slice(inserted);
        new.extend_from_slice(&old[at + removed..]);
        let again = reparse(&tree, &diagnostics, FileId(0), Arc::from(&new[..]));
        let (fresh, fresh_diagnostics) = parse(&new);
        assert_eq!(
            again.tree.lines,
            fresh.lines,
            "lines of {:?}",
            String::from_utf8_lossy(&new)
        );
        assert_eq!(again.tree.unsettled, fresh.unsettled);
        assert_eq!(again.diagnostics, fresh_diagnostics);
        assert_eq!(again.tree.to_bytes(), new);
        again.read
    }

    #[test]
    fn a_one_line_edit_reads_that_line_only() {
        let old =
            b"[ctx]\nexten => 1,1,NoOp(a)\nexten => 1,n,Wait(1)\n\0x\nexten => 1,n,Hangup()\n";
        let at = old.windows(4).position(|w| w == b"Wait").unwrap();
        // `Wait` → `WaitExten`: the lines after it move by 5 bytes, the NUL's diagnostic too.
        assert_eq!(assert_reads_as_new(old, at, 4, b"WaitExten"), 1);
        // Joining two lines reads the joined one.
        let newline = old.iter().position(|&b| b == b'\n').unwrap();
        assert_eq!(assert_reads_as_new(old, newline, 1, b""), 1);
        // Splitting one reads both halves.
        assert_eq!(assert_reads_as_new(old, at, 0, b"\n"), 2);
    }

    #[test]
    fn opening_a_block_comment_reads_to_where_it_closes() {
        // Outside a block, `; --;` is a line comment; inside one, its `--;` closes the block.
        let old = b"a=1\nb=2\nc=3 ; --;\nd=4\ne=5\n";
        // `;--` on line 1 comments out lines 1 and 2 up to the `--;`; line 3 on is kept.
        assert_eq!(assert_reads_as_new(old, 4, 0, b";--"), 2);
        // Never closed: to the end of the file, which says so.
        let old = b"a=1\nb=2\nc=3\n";
        assert_eq!(assert_reads_as_new(old, 4, 0, b";--"), 2);
    }

    #[test]
    fn an_edit_inside_a_block_comment_reads_the_file_again() {
        let old = b"a=1\n;-- open\nb=2\n--;\nc=3\n";
        let at = old.windows(3).position(|w| w == b"b=2").unwrap();
        assert_eq!(assert_reads_as_new(old, at, 1, b"x"), 5);
    }

    #[test]
    fn text_before_a_bom_makes_it_text() {
        // Line 0 holds the BOM; once text is inserted before it, it is no BOM.
        let old = b"\xEF\xBB\xBF[a]\nx=1\n";
        assert_eq!(assert_reads_as_new(old, 0, 0, b"[b]\n"), 2);
        assert_eq!(assert_reads_as_new(old, 0, 0, b"y"), 1);
    }

    #[test]
    fn lines_too_long_carriage_returns_and_nul_bytes_move_or_are_read_again() {
        let long = "x".repeat(9000);
        let old = format!("a=1\r\nb={long}\r\nc=\0z\r\nd=4\r\n");
        let old = old.as_bytes();
        // Before them: they move, their diagnostics too.
        assert_eq!(assert_reads_as_new(old, 2, 1, b"22"), 1);
        // Inside the long line: read again; made short, it is read as a statement.
        assert_eq!(assert_reads_as_new(old, 10, 1, b"yy"), 1);
        assert_eq!(assert_reads_as_new(old, 6, 8500, b""), 1);
        // A short line grown past the limit.
        let short = b"a=1\nb=2\nc=3\n";
        assert_eq!(assert_reads_as_new(short, 6, 0, long.as_bytes()), 1);
    }

    #[test]
    fn growing_the_last_line_and_adding_lines_at_the_end() {
        assert_eq!(assert_reads_as_new(b"a=1\nb=2", 7, 0, b"2"), 1);
        assert_eq!(assert_reads_as_new(b"a=1\n", 4, 0, b"b=2\n"), 1);
        assert_eq!(assert_reads_as_new(b"", 0, 0, b"b=2\nc"), 2);
        assert_eq!(assert_reads_as_new(b"a=1\nb=2\n", 0, 8, b""), 0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// Any edit of any text, read again from the old tree, reads as the new text does.
        #[test]
        fn an_edited_file_reads_as_if_read_whole(
            old in text(),
            inserted in text(),
            at in any::<prop::sample::Index>(),
            len in any::<prop::sample::Index>(),
        ) {
            let at = at.index(old.len() + 1);
            let removed = len.index(old.len() - at + 1);
            assert_reads_as_new(&old, at, removed, &inserted);
        }

        /// Edits one after another, each read from the tree the one before made.
        #[test]
        fn edits_read_one_after_another_read_as_the_last_text(
            start in text(),
            edits in proptest::collection::vec(
                (any::<prop::sample::Index>(), any::<prop::sample::Index>(), text()),
                1..6,
            ),
        ) {
            let (mut tree, mut diagnostics) = parse(&start);
            for (at, len, inserted) in edits {
                let old = tree.text.clone();
                let at = at.index(old.len() + 1);
                let removed = len.index(old.len() - at + 1);
                let mut new = old[..at].to_vec();
                new.extend_from_slice(&inserted);
                new.extend_from_slice(&old[at + removed..]);
                let again = reparse(&tree, &diagnostics, FileId(0), Arc::from(&new[..]));
                (tree, diagnostics) = (again.tree, again.diagnostics);
            }
            let (fresh, fresh_diagnostics) = parse(&tree.text);
            prop_assert_eq!(&tree.lines, &fresh.lines);
            prop_assert_eq!(&tree.unsettled, &fresh.unsettled);
            prop_assert_eq!(diagnostics, fresh_diagnostics);
        }
    }

    #[test]
    fn common_ends_are_found_across_blocks() {
        let a: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let mut b = a.clone();
        b[5_000] ^= 1;
        assert_eq!(common_prefix(&a, &b), 5_000);
        assert_eq!(common_suffix(&a, &b), 4_999);
        assert_eq!(common_prefix(&a, &a), a.len());
        assert_eq!(common_suffix(&a, &a), a.len());
        // The shorter text bounds both.
        assert_eq!(common_suffix(&a[9_000..], &a), 1_000);
        assert_eq!(common_prefix(&a[..9_000], &a), 9_000);
    }
}
