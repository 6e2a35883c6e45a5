//! The GitHub Actions format: one workflow command per diagnostic, which GitHub turns into an
//! annotation on the file.
//!
//! ```text
//! ::error file=PATH,line=L,col=C,endLine=EL,endColumn=EC,title=CODE::MESSAGE
//! ```
//!
//! Warnings use `::warning` and infos `::notice`. Positions are those of the JSON format (the
//! end column is exclusive). Help, when present, follows the message after a newline. Escaping
//! follows GitHub's runner: in the message `%`, `\r` and `\n` become `%25`, `%0D` and `%0A`; in
//! property values `:` and `,` also become `%3A` and `%2C`.

use std::io;

use super::locate;
use crate::{Diagnostic, Severity, SourceSet};

pub(super) fn render(
    diagnostics: &[Diagnostic],
    sources: &SourceSet,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    for d in diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let location = locate(sources, d.primary.file, d.primary.range);
        let mut message = d.message.to_string();
        if let Some(help) = &d.help {
            message.push('\n');
            message.push_str(help);
        }
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&location.display_path()),
            location.start.line,
            location.start.column,
            location.end.line,
            location.end.column,
            escape_property(d.code.id),
            escape_data(&message),
        )?;
    }
    Ok(())
}

/// Escapes a command's message.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::test_support::{
        DUPLICATE_KEY, at_eof, duplicate_key, past_end, rules, sources,
    };
    use crate::render::{Format, render as render_any};
    use crate::{FileId, TextRange};

    fn github(diagnostics: &[Diagnostic], sources: &SourceSet) -> String {
        let mut out = Vec::new();
        render_any(&Format::Github, diagnostics, sources, &rules(), &mut out)
            .expect("writing to a Vec cannot fail");
        String::from_utf8(out).expect("commands are UTF-8")
    }

    #[test]
    fn one_escaped_command_per_diagnostic() {
        let (sources, a, b) = sources("dir,x/a:b%.conf");
        let out = github(&[duplicate_key(a, b), at_eof(b), past_end(a)], &sources);
        assert_eq!(
            out,
            "::error file=dir%2Cx/a%3Ab%25.conf,line=2,col=2,endLine=2,endColumn=5,title=CFG101\
             ::key `a` set twice: 100%25, really%0Aremove one of them%0Aor rename it\n\
             ::warning file=sip.conf,line=3,col=1,endLine=3,endColumn=1,title=CFG204\
             ::line has no `=`\n\
             ::notice file=dir%2Cx/a%3Ab%25.conf,line=4,col=1,endLine=4,endColumn=1,title=CFG300\
             ::file is not UTF-8\n"
        );
    }

    #[test]
    fn carriage_returns_and_unknown_files() {
        let (sources, _, _) = sources("a.conf");
        let d = Diagnostic::new(DUPLICATE_KEY, "a\r\nb", FileId(7), TextRange::new(1, 2));
        assert_eq!(
            github(&[d], &sources),
            "::error file=<unknown>,line=1,col=1,endLine=1,endColumn=1,title=CFG101::a%0D%0Ab\n"
        );
    }
}
