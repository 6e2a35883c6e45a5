//! Terminal reports drawn with `ariadne`.
//!
//! Files are bytes that need not be UTF-8, while ariadne wants `str` sources and character
//! offsets. Each file is therefore decoded once into a display string in which every
//! character of the original maps to exactly one character: a byte that is not part of a valid
//! UTF-8 sequence becomes U+FFFD (so columns agree with [`LineIndex`](crate::LineIndex)), and
//! so does every control character except tab, newline and the `\r` of a CRLF — this keeps file
//! content from driving the terminal, and keeps ariadne (which also breaks lines at `\r`, form
//! feed, vertical tab, NEL, U+2028 and U+2029) on the same line numbers as the rest of pbxc.
//! Byte offsets are converted to character offsets of that string through per-line character
//! starts, and ariadne runs with [`IndexType::Char`].
//!
//! Ranges are clamped to the text. An empty range at the very end of a file that ends with a
//! newline is shown at the end of the last line, since ariadne has no line after it.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::ops::Range;

use ariadne::{Cache, Color, Config, IndexType, Label, Report, ReportKind, Source};

use super::source_file;
use crate::{Diagnostic, FileId, Severity, SourceFile, SourceSet, TextRange};

/// An ariadne span: a file and a range of character offsets in its display string.
type Span = (FileId, Range<usize>);

/// Colour of the `Info` header (ariadne's own advice colour).
const INFO_COLOR: Color = Color::Fixed(147);
/// Colour of secondary labels.
const SECONDARY_COLOR: Color = Color::Fixed(75);

pub(super) fn render(
    diagnostics: &[Diagnostic],
    sources: &SourceSet,
    color: bool,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    let mut files = Files {
        sources,
        decoded: HashMap::new(),
    };
    for (i, diagnostic) in diagnostics.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let report = files.report(diagnostic, color);
        let mut buf = Vec::new();
        report.write(&mut files, &mut buf)?;
        if color {
            out.write_all(&buf)?;
        } else {
            // ariadne has no uncoloured custom report kind (used for `Info`); drop its escapes.
            out.write_all(&strip_sgr(&buf))?;
        }
    }
    Ok(())
}

/// One file prepared for ariadne.
struct Decoded {
    /// The path as displayed.
    name: String,
    source: Source<String>,
    /// Character offset (in the display string) of the start of every line of the file's
    /// [`LineIndex`](crate::LineIndex).
    line_chars: Vec<usize>,
}

/// The files of a [`SourceSet`], decoded on first use; ariadne's cache.
struct Files<'a> {
    sources: &'a SourceSet,
    decoded: HashMap<FileId, Decoded>,
}

impl Files<'_> {
    fn load(&mut self, id: FileId) -> Option<(&SourceFile, &Decoded)> {
        let file = source_file(self.sources, id)?;
        let decoded = self.decoded.entry(id).or_insert_with(|| decode(file));
        Some((file, decoded))
    }

    /// The ariadne span of `range` in `id`, or `None` when the file is unknown.
    fn span(&mut self, id: FileId, range: TextRange) -> Option<Span> {
        let (file, decoded) = self.load(id)?;
        let text = &file.text[..];
        let len = text.len();
        let mut start = (range.start as usize).min(len);
        let mut end = (range.end as usize).clamp(start, len);
        if start == len {
            // Nothing follows the final line break, so point at the end of the last line.
            start = len - line_break_len(text);
            end = start;
        }
        let char_start = char_offset(file, &decoded.line_chars, start, false);
        let char_end = char_offset(file, &decoded.line_chars, end, true).max(char_start);
        Some((id, char_start..char_end))
    }

    fn report(&mut self, diagnostic: &Diagnostic, color: bool) -> Report<'static, Span> {
        let (kind, kind_color) = match diagnostic.severity {
            Severity::Error => (ReportKind::Error, Color::Red),
            Severity::Warning => (ReportKind::Warning, Color::Yellow),
            Severity::Info => (ReportKind::Custom("Info", INFO_COLOR), INFO_COLOR),
        };
        let primary_label = &diagnostic.primary;
        let primary = self.span(primary_label.file, primary_label.range);
        let anchor = primary.clone().unwrap_or((primary_label.file, 0..0));

        // The config goes first: ariadne filters label colours through it as they are added.
        let mut builder = Report::build(kind, anchor)
            .with_config(
                Config::new()
                    .with_color(color)
                    .with_index_type(IndexType::Char),
            )
            .with_code(diagnostic.code.id)
            .with_message(&diagnostic.message);
        if let Some(span) = primary {
            builder.add_label(
                Label::new(span)
                    .with_color(kind_color)
                    .with_priority(1)
                    .with_message(label_message(&primary_label.message)),
            );
        }
        for secondary in &diagnostic.secondary {
            if let Some(span) = self.span(secondary.file, secondary.range) {
                builder.add_label(
                    Label::new(span)
                        .with_color(SECONDARY_COLOR)
                        .with_message(label_message(&secondary.message)),
                );
            }
        }
        if let Some(help) = &diagnostic.help {
            builder.add_help(help);
        }
        if let Some(fix) = &diagnostic.fix {
            builder.add_note(format!("fix: {}", fix.description));
        }
        builder.finish()
    }
}

/// A label's ariadne message. ariadne draws no underline for a label without a message, so a
/// label without one gets an empty message.
fn label_message(message: &Option<String>) -> &str {
    message.as_deref().unwrap_or_default()
}

impl Cache<FileId> for Files<'_> {
    type Storage = String;

    fn fetch(&mut self, id: &FileId) -> Result<&Source<String>, impl fmt::Debug> {
        match self.load(*id) {
            Some((_, decoded)) => Ok(&decoded.source),
            None => Err(format!("file #{} is not in the source set", id.0)),
        }
    }

    fn display<'a>(&self, id: &'a FileId) -> Option<impl fmt::Display + 'a> {
        self.decoded.get(id).map(|decoded| decoded.name.clone())
    }
}

fn decode(file: &SourceFile) -> Decoded {
    let text = &file.text[..];
    let line_count = file.lines.line_count();
    let mut display = String::with_capacity(text.len());
    let mut line_chars = Vec::with_capacity(line_count);
    let mut chars = 0;
    for line in 0..line_count {
        let start = file.lines.line_start(line);
        let end = if line + 1 < line_count {
            file.lines.line_start(line + 1)
        } else {
            text.len()
        };
        line_chars.push(chars);
        chars += push_display(&mut display, &text[start..end]);
    }
    Decoded {
        name: file.path.display().to_string(),
        source: Source::from(display),
        line_chars,
    }
}

/// Appends the display form of `bytes` (one character per original character, see the module
/// docs) and returns how many characters that is.
fn push_display(out: &mut String, bytes: &[u8]) -> usize {
    let mut count = 0;
    for chunk in bytes.utf8_chunks() {
        let mut chars = chunk.valid().chars().peekable();
        while let Some(c) = chars.next() {
            let shown = match c {
                '\n' | '\t' => c,
                '\r' if chars.peek() == Some(&'\n') => c,
                '\u{2028}' | '\u{2029}' => char::REPLACEMENT_CHARACTER,
                c if c.is_control() => char::REPLACEMENT_CHARACTER,
                c => c,
            };
            out.push(shown);
            count += 1;
        }
        for _ in chunk.invalid() {
            out.push(char::REPLACEMENT_CHARACTER);
            count += 1;
        }
    }
    count
}

/// Length of the line break ending `text` (`\r\n`, `\n` or none).
fn line_break_len(text: &[u8]) -> usize {
    if text.ends_with(b"\r\n") {
        2
    } else if text.ends_with(b"\n") {
        1
    } else {
        0
    }
}

/// The display-string character offset of byte `offset` (at most the text length). An offset
/// inside a character rounds down to its start, or up to its end when `round_up`.
fn char_offset(file: &SourceFile, line_chars: &[usize], offset: usize, round_up: bool) -> usize {
    let line = file.lines.line_of(offset);
    let start = file.lines.line_start(line);
    let base = line_chars.get(line).copied().unwrap_or(0);
    // Only the bytes up to the character holding `offset` matter; handing `utf8_chunks` the
    // rest of the file would validate all of it for every label.
    let end = (offset + 4).min(file.text.len());
    base + chars_before(&file.text[start..end], offset - start, round_up)
}

/// Characters (invalid bytes counting one each) of `bytes` that start before byte `at`.
fn chars_before(bytes: &[u8], at: usize, round_up: bool) -> usize {
    let mut pos = 0;
    let mut count = 0;
    for chunk in bytes.utf8_chunks() {
        let widths = chunk
            .valid()
            .chars()
            .map(char::len_utf8)
            .chain(chunk.invalid().iter().map(|_| 1));
        for width in widths {
            if pos >= at {
                return count;
            }
            if pos + width > at {
                return count + usize::from(round_up);
            }
            pos += width;
            count += 1;
        }
    }
    count
}

/// `bytes` without ANSI SGR sequences (`ESC [ digits-and-semicolons m`).
fn strip_sgr(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some((&first, tail)) = rest.split_first() {
        if first == 0x1b
            && let Some(params) = tail.strip_prefix(b"[")
        {
            let digits = params
                .iter()
                .take_while(|b| b.is_ascii_digit() || **b == b';')
                .count();
            if params.get(digits) == Some(&b'm') {
                rest = &params[digits + 1..];
                continue;
            }
        }
        out.push(first);
        rest = tail;
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::render::test_support::{at_eof, duplicate_key, past_end, rules, sources};
    use crate::render::{Format, render as render_any};

    fn human(diagnostics: &[Diagnostic], sources: &SourceSet, color: bool) -> String {
        let mut out = Vec::new();
        render_any(
            &Format::Human { color },
            diagnostics,
            sources,
            &rules(),
            &mut out,
        )
        .expect("writing to a Vec cannot fail");
        String::from_utf8(out).expect("ariadne writes UTF-8")
    }

    #[test]
    fn shows_code_message_paths_labels_help_and_fix() {
        let (sources, a, b) = sources("extensions.conf");
        let out = human(&[duplicate_key(a, b)], &sources, false);
        assert!(
            out.contains("[CFG101] Error: key `a` set twice: 100%, really"),
            "{out}"
        );
        // 5 is after one Latin-1 byte: line 2, column 2 (not shifted by the 3-byte U+FFFD).
        assert!(out.contains("extensions.conf:2:2"), "{out}");
        assert!(out.contains("\u{FFFD}a=1"), "{out}");
        assert!(out.contains("set again here"), "{out}");
        assert!(out.contains("sip.conf:2:1"), "{out}");
        assert!(out.contains("bar=baz"), "{out}");
        assert!(out.contains("first set here"), "{out}");
        assert!(out.contains("remove one of them"), "{out}");
        assert!(out.contains("fix: delete the second assignment"), "{out}");
        assert!(!out.contains('\x1b'), "{out}");
    }

    #[test]
    fn underline_covers_exactly_the_span_after_latin1_bytes() {
        let (sources, a, _) = sources("extensions.conf");
        let diagnostic = Diagnostic::new(
            crate::render::test_support::DUPLICATE_KEY,
            "m",
            a,
            TextRange::new(5, 8),
        );
        let out = human(&[diagnostic], &sources, false);
        // The source line is ` 2 │ �a=1`; the underline row has a blank under `�` and a
        // three-character underline under `a=1`.
        let lines: Vec<&str> = out.lines().collect();
        let row = lines
            .iter()
            .position(|l| l.contains("\u{FFFD}a=1"))
            .expect("source line shown");
        let text_col = lines[row]
            .chars()
            .position(|c| c == '\u{FFFD}')
            .expect("replacement shown");
        let marks: String = lines[row + 1].chars().skip(text_col).collect();
        assert_eq!(marks.trim_end(), " ─┬─", "{out}");
    }

    #[test]
    fn severities_map_to_report_kinds() {
        let (sources, a, b) = sources("extensions.conf");
        let out = human(&[at_eof(b), past_end(a)], &sources, false);
        assert!(out.contains("[CFG204] Warning: line has no `=`"), "{out}");
        assert!(out.contains("[CFG300] Info: file is not UTF-8"), "{out}");
        assert!(!out.contains('\x1b'), "{out}");
    }

    #[test]
    fn colour_only_when_asked() {
        let (sources, a, b) = sources("extensions.conf");
        let out = human(&[duplicate_key(a, b), past_end(a)], &sources, true);
        assert!(out.contains('\x1b'), "{out}");
    }

    #[test]
    fn empty_range_at_eof_and_range_past_eof_are_shown_at_the_end() {
        let (sources, a, b) = sources("extensions.conf");
        let out = human(&[at_eof(b), past_end(a)], &sources, false);
        // Both files end with a newline: shown just after the last character of the last line.
        assert!(out.contains("sip.conf:2:8"), "{out}");
        assert!(out.contains("extensions.conf:3:4"), "{out}");
    }

    #[test]
    fn odd_texts_and_ranges_do_not_panic() {
        let mut sources = SourceSet::new();
        let texts: [&[u8]; 6] = [
            b"",
            b"no newline",
            "é mid-char".as_bytes(),
            b"\xc3",
            b"a\rb\x0cc\x1b[31mred\r\nlast\n",
            b"\xe9\xe9\xe9\n\xff\n",
        ];
        let ids: Vec<FileId> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| sources.add(format!("f{i}.conf"), Arc::from(*t)))
            .collect();
        let code = crate::render::test_support::LATIN1;
        let mut diagnostics = Vec::new();
        for &id in &ids {
            for (start, end) in [(0, 0), (0, 1), (1, 2), (0, 100), (50, 60), (3, 3)] {
                diagnostics.push(
                    Diagnostic::new(code, "m", id, TextRange { start, end })
                        .with_secondary(crate::Label::new(ids[0], TextRange::new(0, 9))),
                );
            }
            // Reversed ranges are constructible through the public fields.
            diagnostics.push(Diagnostic::new(
                code,
                "m",
                id,
                TextRange { start: 5, end: 1 },
            ));
        }
        // A file id from another source set.
        diagnostics.push(
            Diagnostic::new(code, "m", FileId(99), TextRange::new(0, 1))
                .with_secondary(crate::Label::new(FileId(98), TextRange::new(0, 1))),
        );
        let out = human(&diagnostics, &sources, false);
        // Control characters from the file never reach the terminal, and do not split lines.
        assert!(out.contains("a\u{FFFD}b\u{FFFD}c\u{FFFD}[31mred"), "{out}");
        assert!(!out.contains('\x1b'), "{out}");
        assert!(!out.contains('\x0c'), "{out}");
        let coloured = human(&diagnostics, &sources, true);
        // ariadne colours character by character with 256-colour codes; the file's own
        // `ESC[31m` must not be among them.
        assert!(!coloured.contains("\x1b[31m"), "{coloured}");
        assert!(out.contains("f4.conf:1:1"), "{out}");
        assert!(out.contains("f4.conf:2:"), "{out}");
        assert!(!out.contains("f4.conf:3:"), "{out}");
    }

    #[test]
    fn offsets_inside_a_character_round_outwards() {
        let text = "é mid-char".as_bytes();
        assert_eq!(chars_before(text, 0, false), 0);
        assert_eq!(chars_before(text, 1, false), 0);
        assert_eq!(chars_before(text, 1, true), 1);
        assert_eq!(chars_before(text, 2, false), 1);
        assert_eq!(chars_before(text, 2, true), 1);
        assert_eq!(chars_before(b"\xe9\xe9a", 2, false), 2);
    }

    #[test]
    fn strips_sgr_sequences_only() {
        assert_eq!(
            strip_sgr(b"\x1b[38;5;147mInfo:\x1b[0m x\x1b[y"),
            b"Info: x\x1b[y"
        );
    }
}
