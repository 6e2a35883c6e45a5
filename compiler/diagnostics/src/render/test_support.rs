//! Shared fixtures for the renderer tests.
//!
//! File A (`path_a`) is `b"[c]\n\xe9a=1\nfoo\n"`: its second line starts with a Latin-1 `é`
//! that is not valid UTF-8. Byte offsets:
//!
//! ```text
//! [ c ] \n  é  a  =  1 \n  f  o  o  \n
//! 0 1 2 3   4  5  6  7 8   9 10 11 12     (len 13)
//! ```
//!
//! File B (`sip.conf`) is `"[general]\nbar=baz\n"`: line 2 starts at 10, `bar` is 10..13,
//! the length is 18.

use std::sync::Arc;

use crate::{Code, Diagnostic, Edit, FileId, Label, Severity, SourceSet, TextRange};

pub const DUPLICATE_KEY: Code = Code {
    id: "CFG101",
    name: "duplicate-key",
    severity: Severity::Error,
    summary: "A key is set twice in one section",
};

pub const NO_EQUALS: Code = Code {
    id: "CFG204",
    name: "no-equals",
    severity: Severity::Warning,
    summary: "A line has no `=`",
};

pub const LATIN1: Code = Code {
    id: "CFG300",
    name: "latin1-text",
    severity: Severity::Info,
    summary: "The file is not UTF-8",
};

/// Every rule, in an order where `CFG101` has index 2.
pub fn rules() -> Vec<Code> {
    vec![NO_EQUALS, LATIN1, DUPLICATE_KEY]
}

pub const TEXT_A: &[u8] = b"[c]\n\xe9a=1\nfoo\n";
pub const TEXT_B: &[u8] = b"[general]\nbar=baz\n";

/// The two files; `path_a` names the Latin-1 one.
pub fn sources(path_a: &str) -> (SourceSet, FileId, FileId) {
    let mut sources = SourceSet::new();
    let a = sources.add(path_a, Arc::from(TEXT_A));
    let b = sources.add("sip.conf", Arc::from(TEXT_B));
    (sources, a, b)
}

/// An error in A (`a=1`, 5..8, after the Latin-1 byte) with a secondary label in B (`bar`,
/// 10..13), help and a fix deleting A's second line (4..9).
pub fn duplicate_key(a: FileId, b: FileId) -> Diagnostic {
    Diagnostic::new(
        DUPLICATE_KEY,
        "key `a` set twice: 100%, really",
        a,
        TextRange::new(5, 8),
    )
    .with_label("set again here")
    .with_secondary(Label::new(b, TextRange::new(10, 13)).with_message("first set here"))
    .with_help("remove one of them\nor rename it")
    .with_fix(
        "delete the second assignment",
        vec![Edit {
            file: a,
            range: TextRange::new(4, 9),
            replacement: String::new(),
        }],
    )
}

/// A warning with an empty range at the very end of B (18..18).
pub fn at_eof(b: FileId) -> Diagnostic {
    Diagnostic::new(
        NO_EQUALS,
        "line has no `=`",
        b,
        TextRange::empty(TEXT_B.len()),
    )
}

/// An info whose range lies past the end of A (40..50).
pub fn past_end(a: FileId) -> Diagnostic {
    Diagnostic::new(LATIN1, "file is not UTF-8", a, TextRange::new(40, 50))
}
