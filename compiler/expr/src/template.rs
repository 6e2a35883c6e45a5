//! Text with `${...}` and `$[...]` in it, scanned as `pbx_substitute_variables_helper_full`
//! (main/pbx_variables.c) does: a `$` followed by anything else is literal, the end of `${` is
//! found by counting braces (every `{` opens, every `}` closes), the end of `$[` by counting
//! square brackets, and there is no escape character. An unterminated one runs to the end of
//! the text (Asterisk warns "missing '}'" and uses the rest).

use std::ops::Range;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Text(Range<usize>),
    /// `${body}`: a variable, a substring of one, or a function call.
    Substitution(Embedded),
    /// `$[body]`: an expression.
    Expression(Embedded),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Embedded {
    /// From the `$` to the closing bracket (or the end of the text).
    pub range: Range<usize>,
    /// Between the brackets.
    pub body: Range<usize>,
    /// Whether the closing bracket was found.
    pub closed: bool,
    /// The body's own substitutions, substituted before it is used.
    pub inner: Template,
}

/// Scanned text; every range is a byte offset in the text given to [`scan`].
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Template {
    pub pieces: Vec<Piece>,
}

impl Template {
    /// Whether running it needs a substitution pass (Asterisk substitutes only data that
    /// contains `${` or `$[`).
    pub fn is_literal(&self) -> bool {
        self.pieces.iter().all(|p| matches!(p, Piece::Text(_)))
    }

    /// Every `${...}`/`$[...]` at any depth, outermost first.
    pub fn embedded(&self) -> Vec<(&Embedded, bool)> {
        let mut out = Vec::new();
        fn walk<'a>(t: &'a Template, out: &mut Vec<(&'a Embedded, bool)>) {
            for p in &t.pieces {
                match p {
                    Piece::Text(_) => {}
                    Piece::Substitution(e) => {
                        out.push((e, false));
                        walk(&e.inner, out);
                    }
                    Piece::Expression(e) => {
                        out.push((e, true));
                        walk(&e.inner, out);
                    }
                }
            }
        }
        walk(self, &mut out);
        out
    }
}

/// Scans `text`.
pub fn scan(text: &[u8]) -> Template {
    scan_range(text, 0..text.len())
}

fn scan_range(text: &[u8], range: Range<usize>) -> Template {
    let mut pieces = Vec::new();
    let mut literal_start = range.start;
    let mut i = range.start;
    let end = range.end;
    while i < end {
        if text[i] == b'$' && i + 1 < end && (text[i + 1] == b'{' || text[i + 1] == b'[') {
            let (open, close) = if text[i + 1] == b'{' {
                (b'{', b'}')
            } else {
                (b'[', b']')
            };
            if literal_start < i {
                pieces.push(Piece::Text(literal_start..i));
            }
            let body_start = i + 2;
            let mut depth = 1;
            let mut j = body_start;
            while j < end {
                if text[j] == open {
                    depth += 1;
                } else if text[j] == close {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                j += 1;
            }
            let closed = j < end;
            let body = body_start..j;
            let whole_end = if closed { j + 1 } else { end };
            let e = Embedded {
                range: i..whole_end,
                inner: scan_range(text, body.clone()),
                body,
                closed,
            };
            pieces.push(if open == b'{' {
                Piece::Substitution(e)
            } else {
                Piece::Expression(e)
            });
            i = whole_end;
            literal_start = i;
        } else {
            i += 1;
        }
    }
    if literal_start < end {
        pieces.push(Piece::Text(literal_start..end));
    }
    Template { pieces }
}

/// What a literal `${...}` body names (`parse_variable_name`): a variable or a function call,
/// with an optional `:offset[:length]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reference {
    Variable {
        name: Range<usize>,
        substring: Option<Range<usize>>,
    },
    Function {
        name: Range<usize>,
        /// Between the first `(` and the last `)`.
        args: Range<usize>,
        substring: Option<Range<usize>>,
    },
}

/// Reads a `${...}` body (`body` is its range in `text`). A body containing `(` anywhere is a
/// function call: the name runs to the first `(`, the arguments to the last `)`; a `:` outside
/// parentheses starts the substring.
pub fn reference(text: &[u8], body: Range<usize>) -> Reference {
    let b = &text[body.clone()];
    let mut depth = 0i32;
    let mut colon = None;
    for (k, &c) in b.iter().enumerate() {
        match c {
            b'(' => depth += 1,
            b')' => depth -= 1,
            b':' if depth == 0 => {
                colon = Some(k);
                break;
            }
            _ => {}
        }
    }
    let head_end = colon.unwrap_or(b.len());
    let substring = colon.map(|k| body.start + k + 1..body.end);
    let head = &b[..head_end];
    match head.iter().position(|&c| c == b'(') {
        Some(open) => {
            let close = head.iter().rposition(|&c| c == b')').filter(|&c| c > open);
            Reference::Function {
                name: body.start..body.start + open,
                args: body.start + open + 1..body.start + close.unwrap_or(head_end),
                substring,
            }
        }
        None => Reference::Variable {
            name: body.start..body.start + head_end,
            substring,
        },
    }
}
