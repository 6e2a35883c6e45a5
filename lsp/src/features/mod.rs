//! One module per editor feature, each answering from a [`World`](crate::world::World).

pub mod actions;
pub mod completion;
pub mod diagnostics;
pub mod format;
pub mod hover;
pub mod navigation;
mod pjsip_options;
pub mod symbols;
pub mod tokens;

/// Bytes for a message or a hover.
pub(crate) fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Where a comment starts in `line`: the first `;` not right after a backslash (Asterisk's
/// only escape: `\\;` is an escaped `;` after a backslash, not a comment).
pub(crate) fn comment_start(line: &[u8]) -> Option<usize> {
    (0..line.len()).find(|&i| line[i] == b';' && (i == 0 || line[i - 1] != b'\\'))
}

#[cfg(test)]
mod tests {
    /// Only a backslash right before `;` escapes it (spec §2, config escapes).
    #[test]
    fn comments_start_at_an_unescaped_semicolon() {
        assert_eq!(super::comment_start(b"NoOp(a) ; note"), Some(8));
        assert_eq!(super::comment_start(b"NoOp(a\\;b)"), None);
        assert_eq!(super::comment_start(b"NoOp(a\\\\;b)"), None);
        assert_eq!(super::comment_start(b"; all"), Some(0));
        assert_eq!(super::comment_start(b"x\\;y;z"), Some(4));
    }
}
