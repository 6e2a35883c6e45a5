//! One module per editor feature, each answering from a [`World`](crate::world::World).

pub mod actions;
pub mod completion;
pub mod diagnostics;
pub mod format;
pub mod hover;
pub mod navigation;
pub mod symbols;
pub mod tokens;

/// Bytes for a message or a hover.
pub(crate) fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
