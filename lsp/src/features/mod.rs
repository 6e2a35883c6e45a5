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

/// Where a comment starts in `line`: the first `;` not escaped by a backslash.
pub(crate) fn comment_start(line: &[u8]) -> Option<usize> {
    let mut escaped = false;
    for (i, &c) in line.iter().enumerate() {
        match c {
            b';' if !escaped => return Some(i),
            b'\\' => escaped = !escaped,
            _ => escaped = false,
        }
    }
    None
}
