//! The JSON format: a pretty-printed array with one object per diagnostic, then a newline.
//!
//! ```json
//! {
//!   "severity": "error",            // "error" | "warning" | "info"
//!   "code": "CFG101",
//!   "name": "duplicate-key",        // the rule name
//!   "message": "…",
//!   "file": "extensions.conf",      // the path as displayed
//!   "line": 2, "column": 2,         // start of the primary range
//!   "end_line": 2, "end_column": 5, // position of the range's end offset (exclusive)
//!   "label": "…",                   // primary label message; omitted when there is none
//!   "help": "…",                    // omitted when there is none
//!   "fix": {"description": "…", "edits": [{"file", "line", "column", "end_line",
//!           "end_column", "replacement"}]},                  // omitted when there is none
//!   "related": [{"file", "line", "column", "end_line", "end_column", "message"}]
//! }
//! ```
//!
//! Lines and columns are 1-based and count characters (see the [module docs](super)); the end
//! is exclusive like LSP's: `a=1` at the start of line 2 is `2:1` to `2:4`. `related` lists the
//! secondary labels (possibly empty); their `message` is `null` when the label has none.

use std::io;

use serde::Serialize;

use super::{Location, locate};
use crate::{Diagnostic, FileId, SourceSet, TextRange};

pub(super) fn render(
    diagnostics: &[Diagnostic],
    sources: &SourceSet,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let items: Vec<JsonDiagnostic<'_>> = diagnostics
        .iter()
        .map(|d| JsonDiagnostic::new(d, sources))
        .collect();
    serde_json::to_writer_pretty(&mut *out, &items)?;
    writeln!(out)
}

#[derive(Serialize)]
struct JsonSpan {
    file: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
}

impl JsonSpan {
    fn new(sources: &SourceSet, file: FileId, range: TextRange) -> Self {
        let location: Location<'_> = locate(sources, file, range);
        JsonSpan {
            file: location.display_path(),
            line: location.start.line,
            column: location.start.column,
            end_line: location.end.line,
            end_column: location.end.column,
        }
    }
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: &'static str,
    code: &'static str,
    name: &'static str,
    message: &'a str,
    #[serde(flatten)]
    span: JsonSpan,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<JsonFix<'a>>,
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    description: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    #[serde(flatten)]
    span: JsonSpan,
    replacement: &'a str,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    #[serde(flatten)]
    span: JsonSpan,
    message: Option<&'a str>,
}

impl<'a> JsonDiagnostic<'a> {
    fn new(d: &'a Diagnostic, sources: &SourceSet) -> Self {
        JsonDiagnostic {
            severity: d.severity.as_str(),
            code: d.code.id,
            name: d.code.name,
            message: &d.message,
            span: JsonSpan::new(sources, d.primary.file, d.primary.range),
            label: d.primary.message.as_deref(),
            help: d.help.as_deref(),
            fix: d.fix.as_ref().map(|fix| JsonFix {
                description: &fix.description,
                edits: fix
                    .edits
                    .iter()
                    .map(|edit| JsonEdit {
                        span: JsonSpan::new(sources, edit.file, edit.range),
                        replacement: &edit.replacement,
                    })
                    .collect(),
            }),
            related: d
                .secondary
                .iter()
                .map(|label| JsonRelated {
                    span: JsonSpan::new(sources, label.file, label.range),
                    message: label.message.as_deref(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::render::test_support::{at_eof, duplicate_key, past_end, rules, sources};
    use crate::render::{Format, render};

    #[test]
    fn positions_names_help_fix_and_related() {
        let (sources, a, b) = sources("conf/extensions.conf");
        let diagnostics = [duplicate_key(a, b), at_eof(b), past_end(a)];
        let mut out = Vec::new();
        render(&Format::Json, &diagnostics, &sources, &rules(), &mut out)
            .expect("writing to a Vec cannot fail");
        assert_eq!(out.last(), Some(&b'\n'));
        let value: Value = serde_json::from_slice(&out).expect("valid JSON");
        let expected = json!([
            {
                "severity": "error",
                "code": "CFG101",
                "name": "duplicate-key",
                "message": "key `a` set twice: 100%, really",
                "file": "conf/extensions.conf",
                // 5..8 is `a=1` after the Latin-1 byte at 4: columns 2 to 5.
                "line": 2, "column": 2, "end_line": 2, "end_column": 5,
                "label": "set again here",
                "help": "remove one of them\nor rename it",
                "fix": {
                    "description": "delete the second assignment",
                    // 4..9 is the whole second line including its newline.
                    "edits": [{
                        "file": "conf/extensions.conf",
                        "line": 2, "column": 1, "end_line": 3, "end_column": 1,
                        "replacement": ""
                    }]
                },
                "related": [{
                    "file": "sip.conf",
                    "line": 2, "column": 1, "end_line": 2, "end_column": 4,
                    "message": "first set here"
                }]
            },
            {
                "severity": "warning",
                "code": "CFG204",
                "name": "no-equals",
                "message": "line has no `=`",
                "file": "sip.conf",
                // 18 is the end of a file ending in a newline: the start of an empty line 3.
                "line": 3, "column": 1, "end_line": 3, "end_column": 1,
                "related": []
            },
            {
                "severity": "info",
                "code": "CFG300",
                "name": "latin1-text",
                "message": "file is not UTF-8",
                "file": "conf/extensions.conf",
                // 40..50 is clamped to 13..13.
                "line": 4, "column": 1, "end_line": 4, "end_column": 1,
                "related": []
            }
        ]);
        assert_eq!(value, expected);
    }

    #[test]
    fn no_diagnostics_is_an_empty_array() {
        let (sources, _, _) = sources("a.conf");
        let mut out = Vec::new();
        render(&Format::Json, &[], &sources, &rules(), &mut out)
            .expect("writing to a Vec cannot fail");
        assert_eq!(out, b"[]\n");
    }
}
