//! What the language server's benches share: the file they edit, and the edit.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The corpus's largest dialplan (1.7 MB, FreePBX-generated).
pub const FILE: &str = "jbazanl__utp-issabel-asterisk/extensions_additional.conf";

/// The file's path, resolved.
pub fn file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus")
        .join(FILE)
        .canonicalize()
        .expect("the corpus beside the project")
}

/// After the timed edits, this many more, each after a pause longer than the second after
/// which an allocator may give memory back to the system (as when the user stops typing).
pub const PAUSES: usize = 3;
pub const PAUSE: Duration = Duration::from_millis(1500);

/// A one-line edit in the second half of the file: a line's application misspelt (`Set` →
/// `Sett`, so DP301 appears), and put back (it goes).
pub struct Edit {
    /// The line's number (0-based).
    pub line: u32,
    pub original: String,
    pub misspelt: String,
}

impl Edit {
    pub fn in_text(text: &str) -> Edit {
        let lines: Vec<&str> = text.lines().collect();
        let line = (lines.len() / 2..lines.len())
            .find(|&i| lines[i].starts_with("exten => ") && lines[i].contains(",Set("))
            .expect("a Set line");
        let original = lines[line].to_string();
        Edit {
            line: line as u32,
            misspelt: original.replacen(",Set(", ",Sett(", 1),
            original,
        }
    }

    /// Edit number `i`: the line's text before it, and after it (misspelt on even `i`).
    pub fn nth(&self, i: usize) -> (&str, &str) {
        if i.is_multiple_of(2) {
            (&self.original, &self.misspelt)
        } else {
            (&self.misspelt, &self.original)
        }
    }
}
