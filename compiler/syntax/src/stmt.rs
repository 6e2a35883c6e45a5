//! What `process_text_line` reads from one logical line (the code left after comments, with
//! escapes applied, stripped).

use pbxc_diagnostics::TextRange;

use crate::strip_range;

/// Bytes as Asterisk sees them plus the source range they came from. The range covers any
/// block comment cut out of the middle, and escapes' backslashes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    /// Shared: a reparse copies the lines an edit did not touch, and the configuration
    /// loaded from the tree keeps these same bytes as its names and values.
    pub bytes: std::sync::Arc<[u8]>,
    pub range: TextRange,
}

impl Text {
    pub fn as_str_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignOp {
    /// `name = value`
    Set,
    /// `name => value` (an "object" variable; same value semantics)
    Object,
    /// `name += value`: appended to the last variable of that name, no separator.
    Append,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirectiveKind {
    Include,
    TryInclude,
    Exec,
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stmt {
    /// Source range of the stripped logical line.
    pub range: TextRange,
    pub kind: StmtKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StmtKind {
    /// `[name]`, `[name](opts)`, `[name] trailing`.
    Section {
        /// Everything between `[` and the first `]`, untrimmed.
        name: Text,
        /// The comma-separated words inside `(...)`, untrimmed, when `(` follows `]` directly.
        options: Option<Vec<Text>>,
        /// Text after `]` (or after `)`) that Asterisk ignores.
        trailing: Option<Text>,
    },
    /// `[name` with no `]` on the line (fatal).
    UnclosedSection { name: Text },
    /// `[name](opts` with no `)` (fatal).
    UnclosedOptions { name: Text, options: Text },
    /// `name = value` and friends.
    Assign {
        name: Text,
        /// True when the name was written with a leading `\` escape.
        escaped: bool,
        op: AssignOp,
        op_range: TextRange,
        /// The value, stripped.
        value: Text,
        /// For `+=`: the text after `=`, unstripped on the left, which Asterisk appends.
        raw_value: Option<Text>,
    },
    /// A line starting with `\` followed by a blank or nothing (fatal).
    InvalidEscape { text: Text },
    /// A line with no `=`.
    MissingEquals { text: Text },
    /// `#word argument`.
    Directive {
        kind: DirectiveKind,
        /// The word after `#` (may be empty).
        word: Text,
        /// The argument, stripped, with surrounding `"…"` or `<…>` removed; `None` if empty.
        arg: Option<Text>,
    },
}

/// A logical line: bytes plus a map back to source offsets.
#[derive(Default)]
pub(crate) struct Logical {
    pub bytes: Vec<u8>,
    /// (logical start, source start) of each contiguous run, ascending.
    pub segs: Vec<(u32, u32)>,
}

impl Logical {
    fn src(&self, at: usize) -> usize {
        let i = match self.segs.binary_search_by_key(&(at as u32), |s| s.0) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let (l, s) = self.segs[i];
        s as usize + (at - l as usize)
    }

    /// Source range of logical `start..end`.
    fn range(&self, start: usize, end: usize) -> TextRange {
        if start >= end {
            let at = self.src(start);
            return TextRange::new(at, at);
        }
        TextRange::new(self.src(start), self.src(end - 1) + 1)
    }

    fn text(&self, start: usize, end: usize) -> Text {
        Text {
            bytes: self.bytes[start..end].into(),
            range: self.range(start, end),
        }
    }
}

fn find(hay: &[u8], from: usize, needle: u8) -> Option<usize> {
    memchr::memchr(needle, &hay[from..]).map(|i| i + from)
}

/// Parses one logical line; `None` when it is blank.
pub(crate) fn parse_stmt(line: &Logical) -> Option<Stmt> {
    let (s, e) = strip_range(&line.bytes);
    if s == e {
        return None;
    }
    let b = &line.bytes[..e];
    let kind = match b[s] {
        b'[' => parse_section(line, s, e),
        b'#' => parse_directive(line, s, e),
        _ => parse_assign(line, s, e),
    };
    Some(Stmt {
        range: line.range(s, e),
        kind,
    })
}

fn parse_section(line: &Logical, s: usize, e: usize) -> StmtKind {
    let b = &line.bytes[..e];
    let Some(close) = find(b, s + 1, b']') else {
        return StmtKind::UnclosedSection {
            name: line.text(s + 1, e),
        };
    };
    let name = line.text(s + 1, close);
    let after = close + 1;
    if after < e && b[after] == b'(' {
        let Some(paren) = find(b, after + 1, b')') else {
            return StmtKind::UnclosedOptions {
                name,
                options: line.text(after + 1, e),
            };
        };
        let mut options = Vec::new();
        let mut start = after + 1;
        loop {
            let end = find(&b[..paren], start, b',').unwrap_or(paren);
            options.push(line.text(start, end));
            if end == paren {
                break;
            }
            start = end + 1;
        }
        let trailing = (paren + 1 < e).then(|| line.text(paren + 1, e));
        StmtKind::Section {
            name,
            options: Some(options),
            trailing,
        }
    } else {
        let trailing = (after < e).then(|| line.text(after, e));
        StmtKind::Section {
            name,
            options: None,
            trailing,
        }
    }
}

fn parse_directive(line: &Logical, s: usize, e: usize) -> StmtKind {
    let b = &line.bytes[..e];
    let word_start = s + 1;
    let word_end = b[word_start..]
        .iter()
        // `while (*c && (*c > 32))` on a signed `char`: bytes >= 0x80 end the word too.
        .position(|&c| c <= 32 || c >= 0x80)
        .map_or(e, |i| i + word_start);
    let word = line.text(word_start, word_end);
    let kind = match word.bytes.to_ascii_lowercase().as_slice() {
        b"include" => DirectiveKind::Include,
        b"tryinclude" => DirectiveKind::TryInclude,
        b"exec" => DirectiveKind::Exec,
        _ => DirectiveKind::Unknown,
    };
    let arg = if word_end < e {
        let (a, z) = strip_range(&b[word_end + 1..]);
        let (mut a, mut z) = (a + word_end + 1, z + word_end + 1);
        if a < z {
            let close = match b[a] {
                b'"' => Some(b'"'),
                b'<' => Some(b'>'),
                _ => None,
            };
            // Asterisk removes the quotes when the last character matches; `"` alone loses
            // both "ends" (the same byte), leaving an empty name.
            if let Some(close) = close
                && b[z - 1] == close
            {
                a += 1;
                z = (z - 1).max(a);
            }
            Some(line.text(a, z))
        } else {
            None
        }
    } else {
        None
    };
    StmtKind::Directive { kind, word, arg }
}

fn parse_assign(line: &Logical, s: usize, e: usize) -> StmtKind {
    let b = &line.bytes[..e];
    let escaped = b[s] == b'\\';
    let cur = if escaped { s + 1 } else { s };
    // `cur[0] < 33` on a signed `char`: bytes >= 0x80 are negative, so invalid too.
    if escaped && (cur >= e || b[cur] < 33 || b[cur] >= 0x80) {
        return StmtKind::InvalidEscape {
            text: line.text(s, e),
        };
    }
    let search_from = cur + usize::from(escaped);
    let Some(eq) = find(b, search_from.min(e), b'=') else {
        return StmtKind::MissingEquals {
            text: line.text(s, e),
        };
    };
    let (op, name_end, value_start) = if eq > search_from && b[eq - 1] == b'+' {
        (AssignOp::Append, eq - 1, eq + 1)
    } else if eq + 1 < e && b[eq + 1] == b'>' {
        (AssignOp::Object, eq, eq + 2)
    } else {
        (AssignOp::Set, eq, eq + 1)
    };
    let (na, nz) = strip_range(&b[cur..name_end]);
    let name = line.text(cur + na, cur + nz);
    let (va, vz) = strip_range(&b[value_start.min(e)..]);
    let value_start = value_start.min(e);
    StmtKind::Assign {
        name,
        escaped,
        op,
        op_range: line.range(name_end, value_start),
        value: line.text(value_start + va, value_start + vz),
        raw_value: (op == AssignOp::Append).then(|| line.text(value_start, e)),
    }
}
