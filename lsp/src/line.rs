//! Where the parts of a dialplan line's value are, cut as pbx_config cuts them: the
//! extension with `pbx_strsep` (commas inside `[...]` do not cut), the priority and the
//! application with plain commas, the label between the priority's `(` and the first `)`
//! after it. The index, the semantic tokens and completion all read a line through this.

use std::ops::Range;

/// Byte ranges of a value's parts.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct LineParts {
    /// `exten =>` only: the extension as written, blanks around it and `/cid` left out.
    pub extension: Option<Range<usize>>,
    pub label: Option<Range<usize>>,
    /// The application name, blanks around it left out.
    pub app: Option<Range<usize>>,
    /// Where the application (and its data) starts.
    pub app_field: Option<usize>,
}

/// The parts of the value of an `exten` or `same` line (`key` lowercase); `None` for other
/// keys.
pub fn parts(key: &[u8], v: &[u8]) -> Option<LineParts> {
    let mut out = LineParts::default();
    let priority_from = match key {
        b"exten" => {
            let field = pbxc_dialplan::pbx_strsep(v).0;
            let end = field.iter().position(|&c| c == b'/').unwrap_or(field.len());
            out.extension = Some(trimmed(v, 0..end));
            (field.len() + 1).min(v.len())
        }
        b"same" => 0,
        _ => return None,
    };
    let priority_end = v[priority_from..]
        .iter()
        .position(|&c| c == b',')
        .map_or(v.len(), |i| priority_from + i);
    let priority = &v[priority_from..priority_end];
    if let Some(open) = priority.iter().position(|&c| c == b'(')
        && let Some(close) = priority[open + 1..].iter().position(|&c| c == b')')
    {
        let start = priority_from + open + 1;
        out.label = Some(start..start + close);
    }
    if priority_end < v.len() {
        let from = priority_end + 1;
        let name_end = v[from..]
            .iter()
            .position(|&c| c == b'(')
            .map_or(v.len(), |i| from + i);
        out.app = Some(trimmed(v, from..name_end)).filter(|r| !r.is_empty());
        out.app_field = Some(from);
    }
    Some(out)
}

/// `range` of `v` without the blanks at either end.
fn trimmed(v: &[u8], range: Range<usize>) -> Range<usize> {
    let text = &v[range.clone()];
    let lead = text.len() - text.trim_ascii_start().len();
    let body = text.trim_ascii().len();
    range.start + lead..range.start + lead + body
}

/// The extension's name as pbx_config stores it: blanks outside `[...]` removed.
pub fn stored_extension(written: &[u8]) -> Vec<u8> {
    written.iter().copied().filter(|&c| c != b' ').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each part as text.
    fn cut(key: &str, value: &str) -> [Option<String>; 3] {
        let p = parts(key.as_bytes(), value.as_bytes()).unwrap();
        [p.extension, p.label, p.app].map(|r| r.map(|r| value[r].to_string()))
    }

    #[test]
    fn lines_are_cut_as_pbx_config_cuts_them() {
        let s = |t: &str| Some(t.to_string());
        assert_eq!(
            cut("exten", " 100 ,1,Dial(PJSIP/100)"),
            [s("100"), None, s("Dial")]
        );
        assert_eq!(
            cut("exten", "_[2,3]XX/555,n(top),NoOp (x)"),
            [s("_[2,3]XX"), s("top"), s("NoOp")]
        );
        assert_eq!(cut("same", "n(a)b),Goto(a)"), [None, s("a"), s("Goto")]);
        assert_eq!(cut("exten", "s,1"), [s("s"), None, None]);
        assert_eq!(cut("same", ""), [None, None, None]);
        assert_eq!(parts(b"include", b"x"), None);
    }
}
