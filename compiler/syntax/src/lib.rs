//! Lossless syntax of Asterisk's configuration file format (`main/config.c`).
//!
//! [`parse`] turns the bytes of one file into a [`SyntaxTree`]: one [`Line`] per physical
//! line, each split into [`Piece`]s that cover every byte (code, removed escapes, comments,
//! skipped text, the newline), and the [`Stmt`] that Asterisk reads from the line's code once
//! comments are cut out. Printing the pieces back gives the input byte for byte.
//!
//! Comment handling reproduces Asterisk's scanner exactly, quirks included: `;--` opens a
//! block comment only when not followed by a fourth `-`, a `--;` outside any block drives the
//! nesting counter negative (after which Asterisk ignores the rest of the file), `\;` is an
//! escaped semicolon, text on both sides of an inline block comment is joined, lines of 8191
//! bytes or more are skipped, and so on. The scanner works on byte positions of the original
//! file, which is equivalent to Asterisk's in-place `memmove`s because every test it makes
//! looks only at bytes not yet moved.
//!
//! Nothing here does I/O or fails: broken input produces a tree plus diagnostics.

pub mod codes;
mod reparse;
mod scan;
mod stmt;
#[cfg(test)]
mod testing;
mod tree;

pub use reparse::{Reparsed, reparse};
pub use scan::{parse, parse_on_this_thread};
pub use stmt::{AssignOp, DirectiveKind, Stmt, StmtKind, Text};
pub use tree::{Line, Piece, PieceKind, SyntaxTree};

/// Asterisk reads lines with `fgets` into an 8192-byte buffer; a line of 8191 bytes or more
/// before its newline is skipped.
pub const LINE_BUFFER: usize = 8191;
/// `MAX_NESTED_COMMENTS` in `main/config.c`.
pub const MAX_NESTED_COMMENTS: i32 = 128;
/// A category name is stored in `char name[80]`.
pub const MAX_SECTION_NAME: usize = 79;

/// Asterisk's `ast_strip`: removes bytes below 33 (space, tab, CR, LF, control bytes) from
/// both ends.
pub fn strip(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b > 32).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|&b| b > 32).map_or(start, |i| i + 1);
    &bytes[start..end.max(start)]
}

/// The offsets `strip` would keep, as `start..end` inside `bytes`.
pub fn strip_range(bytes: &[u8]) -> (usize, usize) {
    let start = bytes.iter().position(|&b| b > 32).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|&b| b > 32).map_or(start, |i| i + 1);
    (start, end.max(start))
}
