//! Inline suppression comments.
//!
//! `; pbxc: ignore[CFG204]` silences that code on its own line and on the line below it (so it
//! works both at the end of the offending line and on a line of its own above it).
//! `; pbxc: ignore-file[CFG204, no-equals]` silences codes for the whole file. Codes may be
//! given by id or by rule name, separated by commas.

use std::collections::HashMap;

use crate::{Diagnostic, FileId, SourceSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The comment's line and the next one.
    Line,
    File,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    pub scope: Scope,
    pub codes: Vec<String>,
}

/// Parses the text of one comment (everything after the `;`). Returns `None` when the comment
/// is not a pbxc directive.
pub fn parse_directive(comment: &[u8]) -> Option<Directive> {
    let text = std::str::from_utf8(comment).ok()?.trim_start();
    let rest = text.strip_prefix("pbxc:")?.trim_start();
    let (scope, rest) = if let Some(r) = rest.strip_prefix("ignore-file") {
        (Scope::File, r)
    } else if let Some(r) = rest.strip_prefix("ignore") {
        (Scope::Line, r)
    } else {
        return None;
    };
    let rest = rest.trim_start().strip_prefix('[')?;
    let (list, _) = rest.split_once(']')?;
    let codes: Vec<String> = list
        .split(',')
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    if codes.is_empty() {
        return None;
    }
    Some(Directive { scope, codes })
}

/// Every suppression directive seen, per file.
#[derive(Debug, Default)]
pub struct Suppressions {
    /// (file, 0-based line) → codes silenced on that line.
    lines: HashMap<(FileId, u32), Vec<String>>,
    files: HashMap<FileId, Vec<String>>,
}

impl Suppressions {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a directive found in a comment on 0-based `line` of `file`.
    pub fn add(&mut self, file: FileId, line: u32, directive: Directive) {
        match directive.scope {
            Scope::File => self.files.entry(file).or_default().extend(directive.codes),
            Scope::Line => {
                for l in [line, line + 1] {
                    self.lines
                        .entry((file, l))
                        .or_default()
                        .extend(directive.codes.iter().cloned());
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.files.is_empty()
    }

    pub fn is_suppressed(&self, diagnostic: &Diagnostic, sources: &SourceSet) -> bool {
        let matches = |codes: &Vec<String>| {
            codes
                .iter()
                .any(|c| c == diagnostic.code.id || c == diagnostic.code.name)
        };
        let file = diagnostic.primary.file;
        if self.files.get(&file).is_some_and(matches) {
            return true;
        }
        let source = sources.get(file);
        let line = source
            .lines
            .line_of(diagnostic.primary.range.start as usize) as u32;
        self.lines.get(&(file, line)).is_some_and(matches)
    }

    /// Drops the suppressed diagnostics.
    pub fn apply(&self, diagnostics: &mut Vec<Diagnostic>, sources: &SourceSet) {
        if !self.is_empty() {
            diagnostics.retain(|d| !self.is_suppressed(d, sources));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_parse_with_ids_names_and_spacing() {
        assert_eq!(
            parse_directive(b" pbxc: ignore[CFG204]"),
            Some(Directive {
                scope: Scope::Line,
                codes: vec!["CFG204".into()]
            })
        );
        assert_eq!(
            parse_directive(b"pbxc:ignore-file[ CFG204 , no-equals ]"),
            Some(Directive {
                scope: Scope::File,
                codes: vec!["CFG204".into(), "no-equals".into()]
            })
        );
    }

    #[test]
    fn ordinary_comments_and_malformed_directives_are_not_directives() {
        for text in [
            &b" just a comment"[..],
            b" pbxc: ignore",
            b" pbxc: ignore[]",
            b" pbxc: ignore[CFG1",
            b" pbxc: silence[CFG1]",
            b" \xff pbxc: ignore[CFG1]",
        ] {
            assert_eq!(
                parse_directive(text),
                None,
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }
}
