//! Codes for what Asterisk's line reader (`config_text_file_load`) reports.

pbxc_diagnostics::define_codes! {
    LINE_TOO_LONG = "CFG001" "line-too-long" Warning
        "A line of 8191 bytes or more (newline not counted) is skipped by Asterisk.";
    UNTERMINATED_BLOCK_COMMENT = "CFG002" "unterminated-block-comment" Warning
        "A `;--` block comment is never closed: the rest of the file is ignored.";
    COMMENT_NEST_LIMIT = "CFG003" "comment-nest-limit" Error
        "More than 128 nested `;--` block comments; Asterisk's reader loops forever on this line.";
    STRAY_BLOCK_COMMENT_END = "CFG004" "stray-block-comment-end" Warning
        "A `--;` outside any block comment drives Asterisk's comment counter negative: the following lines are ignored until a `;--` brings it back to zero.";
    NUL_BYTE = "CFG005" "nul-byte" Warning
        "A NUL byte ends the line for Asterisk; the rest of it is ignored.";
}
