//! Renderers for the output formats of `pbxc check --format`.
//!
//! * [`Format::Human`]: terminal reports drawn with `ariadne`, optionally coloured.
//! * [`Format::Json`]: a JSON array with one flat object per diagnostic.
//! * [`Format::Sarif`]: a SARIF 2.1.0 log for code-scanning tools.
//! * [`Format::Github`]: GitHub Actions workflow commands (`::error file=…::…`).
//!
//! Every machine-readable format reports positions the same way: lines and columns are 1-based,
//! columns count characters (a valid UTF-8 sequence is one column, and so is every byte that is
//! not part of one, see [`LineIndex::line_col`](crate::LineIndex::line_col)), and the end
//! position is the position of the range's end offset, i.e. exclusive, as in LSP and SARIF.

mod github;
mod human;
mod json;
mod sarif;
#[cfg(test)]
mod test_support;

use std::fmt;
use std::io;
use std::path::Path;
use std::str::FromStr;

use crate::{Code, Diagnostic, FileId, LineCol, SourceFile, SourceSet, TextRange};

/// An output format of `pbxc check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Reports for people; `color` adds ANSI colours (the CLI decides, usually by tty).
    Human { color: bool },
    /// A JSON array of diagnostics.
    Json,
    /// A SARIF 2.1.0 log.
    Sarif,
    /// GitHub Actions workflow commands.
    Github,
}

impl Format {
    /// The names [`Format::from_str`] accepts.
    pub const NAMES: [&'static str; 4] = ["human", "json", "sarif", "github"];
}

/// The error of [`Format::from_str`]: the name is not one of [`Format::NAMES`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownFormat(pub String);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown output format `{}` (expected one of: {})",
            self.0,
            Format::NAMES.join(", ")
        )
    }
}

impl std::error::Error for UnknownFormat {}

impl FromStr for Format {
    type Err = UnknownFormat;

    /// Parses a format name (ASCII case-insensitive). `human` means no colour.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim();
        if name.eq_ignore_ascii_case("human") {
            Ok(Format::Human { color: false })
        } else if name.eq_ignore_ascii_case("json") {
            Ok(Format::Json)
        } else if name.eq_ignore_ascii_case("sarif") {
            Ok(Format::Sarif)
        } else if name.eq_ignore_ascii_case("github") {
            Ok(Format::Github)
        } else {
            Err(UnknownFormat(s.to_owned()))
        }
    }
}

/// Writes `diagnostics`, in the given order, to `out` in `format`.
///
/// `rules` is every [`Code`] the tool knows; SARIF lists them as the run's rules and points each
/// result at its rule by index. Labels whose file is not in `sources` are rendered with the
/// path `<unknown>` at 1:1 (machine formats) or left out (human format); ranges past the end of
/// a file are clamped to it.
pub fn render(
    format: &Format,
    diagnostics: &[Diagnostic],
    sources: &SourceSet,
    rules: &[Code],
    out: &mut dyn io::Write,
) -> io::Result<()> {
    match *format {
        // Messages quote file content; on a terminal or in a CI log a control character
        // (ESC, BEL, …) would act instead of being shown. JSON and SARIF escape them anyway.
        Format::Human { color } => human::render(&defang(diagnostics), sources, color, out),
        Format::Json => json::render(diagnostics, sources, out),
        Format::Sarif => sarif::render(diagnostics, sources, rules, out),
        Format::Github => github::render(&defang(diagnostics), sources, out),
    }
}

/// Control characters other than newline and tab, shown as `\u{1b}` and the like.
fn defang_text(text: &str) -> String {
    if !text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn defang(diagnostics: &[Diagnostic]) -> Vec<Diagnostic> {
    diagnostics
        .iter()
        .map(|d| {
            let mut d = d.clone();
            d.message = defang_text(&d.message).into();
            d.help = d.help.as_deref().map(|h| defang_text(h).into());
            for label in std::iter::once(&mut d.primary).chain(d.secondary.iter_mut()) {
                label.message = label.message.as_deref().map(defang_text);
            }
            if let Some(fix) = &mut d.fix {
                fix.description = defang_text(&fix.description);
            }
            d
        })
        .collect()
}

/// Shown instead of a path when a [`FileId`] is not in the [`SourceSet`].
const UNKNOWN_PATH: &str = "<unknown>";

/// The file `id` names, if the set has it (ids from another set must not panic a renderer).
fn source_file(sources: &SourceSet, id: FileId) -> Option<&SourceFile> {
    ((id.0 as usize) < sources.len()).then(|| sources.get(id))
}

/// A range resolved to a path and 1-based start and (exclusive) end positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Location<'a> {
    /// `None` when the file is not in the set.
    path: Option<&'a Path>,
    start: LineCol,
    end: LineCol,
}

impl Location<'_> {
    /// The path as the user should see it.
    fn display_path(&self) -> String {
        match self.path {
            Some(path) => path.display().to_string(),
            None => UNKNOWN_PATH.to_owned(),
        }
    }
}

/// Resolves `range` in `file`, clamping it to the text (a reversed range becomes empty).
fn locate(sources: &SourceSet, file: FileId, range: TextRange) -> Location<'_> {
    let Some(source) = source_file(sources, file) else {
        let origin = LineCol { line: 1, column: 1 };
        return Location {
            path: None,
            start: origin,
            end: origin,
        };
    };
    let len = source.text.len();
    let start = (range.start as usize).min(len);
    let end = (range.end as usize).clamp(start, len);
    Location {
        path: Some(&source.path),
        start: source.lines.line_col(&source.text, start),
        end: source.lines.line_col(&source.text, end),
    }
}
