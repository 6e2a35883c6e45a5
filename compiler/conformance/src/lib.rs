//! The case tables of `../shared/conformance` (Asterisk's own answers), read the same way by
//! every data-driven test: the file, one `## X.` section of it, and the cells of a markdown
//! row.

use std::path::PathBuf;

pub mod expressions;
pub mod patterns;

/// Where the tables are: `shared/conformance` beside the checkout.
pub fn dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/conformance"
    ))
}

/// The text of table file `name` (`dialplan-cases.md`); panics with the path when it is
/// missing, since the tests cannot run without it.
pub fn read(name: &str) -> String {
    let path = dir().join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (../shared is required)", path.display()))
}

/// Section `## {id}.` of `text`, up to the next `## ` heading.
pub fn section<'t>(text: &'t str, id: &str) -> &'t str {
    let heading = format!("\n## {id}.");
    let start = text
        .find(&heading)
        .unwrap_or_else(|| panic!("no section {id}"));
    let body = &text[start + heading.len()..];
    let end = body.find("\n## ").unwrap_or(body.len());
    &body[..end]
}

/// The cells of a markdown table row, split at every `|` not written `\|` (which becomes a
/// literal `|`), each cell trimmed (code spans keep their inner blanks: see [`code`]).
pub fn cells(row: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = row.trim().trim_start_matches('|').chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek() == Some(&'|') {
            cur.push('|');
            chars.next();
        } else if c == '|' {
            out.push(std::mem::take(&mut cur).trim().to_string());
        } else {
            cur.push(c);
        }
    }
    out
}

/// The text between the first pair of backticks of a cell (`` `5` (differs) `` is `5`), or
/// the trimmed cell when it has none.
pub fn code(cell: &str) -> String {
    let cell = cell.trim();
    match cell.strip_prefix('`') {
        Some(rest) => rest.split('`').next().unwrap_or("").to_string(),
        None => cell.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_cells_and_code() {
        assert_eq!(cells("| `a\\|b` | 2 |"), ["`a|b`", "2"]);
        assert_eq!(code(" `x` (note) "), "x");
        assert_eq!(code(" plain "), "plain");
        assert_eq!(code("``"), "");
        let text = "# t\n## A. first\n| 1 |\n## B. second\nb\n";
        assert_eq!(section(text, "A"), " first\n| 1 |");
        assert_eq!(section(text, "B"), " second\nb\n");
    }
}
