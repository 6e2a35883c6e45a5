//! Codes for what Asterisk's line reader (`config_text_file_load`) reports.

use pbxc_diagnostics::{Code, Severity};

pub const LINE_TOO_LONG: Code = Code {
    id: "CFG001",
    name: "line-too-long",
    severity: Severity::Warning,
    summary: "A line of 8191 bytes or more (newline not counted) is skipped by Asterisk.",
};

pub const UNTERMINATED_BLOCK_COMMENT: Code = Code {
    id: "CFG002",
    name: "unterminated-block-comment",
    severity: Severity::Warning,
    summary: "A `;--` block comment is never closed: the rest of the file is ignored.",
};

pub const COMMENT_NEST_LIMIT: Code = Code {
    id: "CFG003",
    name: "comment-nest-limit",
    severity: Severity::Error,
    summary: "More than 128 nested `;--` block comments; Asterisk's reader loops forever on this line.",
};

pub const STRAY_BLOCK_COMMENT_END: Code = Code {
    id: "CFG004",
    name: "stray-block-comment-end",
    severity: Severity::Warning,
    summary: "A `--;` outside any block comment drives Asterisk's comment counter negative: the rest of the file is ignored.",
};

pub const NUL_BYTE: Code = Code {
    id: "CFG005",
    name: "nul-byte",
    severity: Severity::Warning,
    summary: "A NUL byte ends the line for Asterisk; the rest of it is ignored.",
};

pub const ALL: &[Code] = &[
    LINE_TOO_LONG,
    UNTERMINATED_BLOCK_COMMENT,
    COMMENT_NEST_LIMIT,
    STRAY_BLOCK_COMMENT_END,
    NUL_BYTE,
];
