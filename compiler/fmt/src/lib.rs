//! `pbxc fmt`: one canonical layout for dialplans and configuration files, written through the
//! lossless tree so that every comment stays and Asterisk reads exactly what it read before.
//!
//! The layout:
//! - `name = value` and `name => value`: one space either side of the operator, no blanks
//!   at the start of the line, except `same =>` lines, indented by one space under their
//!   `exten`; the value as Asterisk reads it (stripped).
//! - A comment after code is separated from it by one space.
//! - No blanks at the end of a line; one blank line at most between two lines; no blank
//!   lines at the end; a newline at the end; `\n` line ends.
//!
//! A line whose meaning depends on its exact bytes is left as it is, but for blanks at its
//! end: one with an escaped `\;`, a block comment, text Asterisk skips or ignores, a `+=`
//! (whose value keeps its leading blanks), or anything that is not a plain assignment or a
//! section header. Formatting twice changes nothing (property-tested over the corpus, along
//! with "the formatted dialplan is the same dialplan").

use std::sync::Arc;

use pbxc_diagnostics::FileId;
use pbxc_syntax::{AssignOp, Line, PieceKind, StmtKind, SyntaxTree};

/// The canonical layout of one file.
pub fn format(text: &[u8]) -> Vec<u8> {
    let (tree, _) = pbxc_syntax::parse(FileId(0), Arc::from(text));
    let mut lines: Vec<Vec<u8>> = tree.lines.iter().map(|l| format_line(&tree, l)).collect();
    // Blank runs collapse to one; none at the start or the end.
    let mut out = Vec::with_capacity(text.len());
    let mut blank_run = 0;
    let mut written = 0;
    for line in lines.drain(..) {
        if line.is_empty() {
            blank_run += 1;
            continue;
        }
        if written > 0 && blank_run > 0 {
            out.push(b'\n');
        }
        blank_run = 0;
        out.extend_from_slice(&line);
        out.push(b'\n');
        written += 1;
    }
    out
}

/// Whether `text` is already in the canonical layout.
pub fn is_formatted(text: &[u8]) -> bool {
    format(text) == text
}

/// One line without its newline, in the canonical layout.
fn format_line(tree: &SyntaxTree, line: &Line) -> Vec<u8> {
    let bytes = |kind_filter: &dyn Fn(PieceKind) -> bool| -> Vec<u8> {
        line.pieces()
            .filter(|p| kind_filter(p.kind))
            .flat_map(|p| tree.slice(p.range).iter().copied())
            .collect()
    };
    let verbatim = || trim_end(&bytes(&|k| k != PieceKind::Newline)).to_vec();
    let plain = line.pieces().all(|p| {
        matches!(
            p.kind,
            PieceKind::Code | PieceKind::LineComment | PieceKind::Newline
        )
    });
    if !plain {
        return verbatim();
    }
    let comment = bytes(&|k| k == PieceKind::LineComment);
    let code = bytes(&|k| k == PieceKind::Code);
    let formatted_code = match &line.stmt {
        None => Vec::new(),
        Some(stmt) => match &stmt.kind {
            StmtKind::Assign {
                name,
                escaped: false,
                op: op @ (AssignOp::Set | AssignOp::Object),
                value,
                ..
            } => {
                let mut out = Vec::new();
                if name.bytes.eq_ignore_ascii_case(b"same") {
                    out.push(b' ');
                }
                out.extend_from_slice(&name.bytes);
                let operator: &[u8] = if *op == AssignOp::Set { b"= " } else { b"=> " };
                // `=value` (an empty name) keeps the line's first column.
                if !name.bytes.is_empty() {
                    out.push(b' ');
                }
                out.extend_from_slice(operator);
                out.extend_from_slice(&value.bytes);
                trim_end(&out).to_vec()
            }
            StmtKind::Section { .. } => trim(&code).to_vec(),
            _ => trim_end(&code).to_vec(),
        },
    };
    let formatted = match (formatted_code.is_empty(), comment.is_empty()) {
        (true, true) => Vec::new(),
        (true, false) => trim_end(&comment).to_vec(),
        (false, true) => formatted_code,
        (false, false) => {
            let mut out = formatted_code;
            out.push(b' ');
            out.extend_from_slice(trim_end(&comment));
            out
        }
    };
    // Asterisk skips a line of 8191 bytes or more: spaces added around an operator must not
    // push a line over.
    if formatted.len() >= pbxc_syntax::LINE_BUFFER {
        return verbatim();
    }
    formatted
}

fn trim_end(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|&b| !matches!(b, b' ' | b'\t' | b'\r'))
        .map_or(0, |i| i + 1);
    &bytes[..end]
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(bytes.len());
    trim_end(&bytes[start..])
}
