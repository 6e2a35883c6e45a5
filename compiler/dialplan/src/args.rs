//! A priority's data as typed arguments: cut the way the application (per the catalog) will
//! cut the substituted data (spec §2.5), each argument a template of text, `${...}` and
//! `$[...]`. `${...}` and `$[...]` are opaque while cutting: what they produce is unknown, and
//! a `,` inside them is not a separator.

use std::ops::Range;

use pbxc_expr::template::{Piece, Template};
use pbxc_stdlib::Split;

/// One argument: its raw bytes in the data (quotes and backslashes not removed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    pub range: Range<usize>,
}

/// A step of the dialplan: the application (from the catalog when known) and its arguments.
#[derive(Clone, Debug)]
pub struct Step {
    pub app: Option<&'static pbxc_stdlib::Entry>,
    /// The whole data scanned; ranges are offsets in the data (see `Priority::data_origin`).
    pub template: Template,
    pub args: Vec<Argument>,
}

#[derive(Clone, Debug)]
pub struct Argument {
    pub range: Range<usize>,
    /// The catalog's parameter it fills, when the application is known.
    pub param: Option<&'static pbxc_stdlib::Param>,
    /// Its own `${...}`/`$[...]`, with ranges in the data.
    pub template: Template,
}

impl crate::Priority {
    /// The application and its typed arguments.
    pub fn step(&self) -> Step {
        let name = self.app.trim_ascii_end();
        let app = std::str::from_utf8(name)
            .ok()
            .and_then(|a| pbxc_stdlib::catalog().application(a));
        let template = pbxc_expr::template::scan(&self.data);
        let (split, slots) = match app.and_then(|e| e.params.as_ref().map(|p| (e, p))) {
            Some((e, p)) if !p.last().is_some_and(|l| l.repeat) => (e.split, Some(p.len())),
            Some((e, _)) => (e.split, None),
            None => (Split::Standard, None),
        };
        let params = app.and_then(|e| e.params.as_ref());
        let args = split_args(&self.data, &template, split, slots)
            .into_iter()
            .enumerate()
            .map(|(i, a)| Argument {
                param: params.and_then(|p| p.get(i).or_else(|| p.last().filter(|l| l.repeat))),
                template: shift(
                    pbxc_expr::template::scan(&self.data[a.range.clone()]),
                    a.range.start,
                ),
                range: a.range,
            })
            .collect();
        Step {
            app,
            template,
            args,
        }
    }
}

/// Moves a template's ranges by `by` bytes.
fn shift(t: Template, by: usize) -> Template {
    use pbxc_expr::template::Embedded;
    fn emb(e: Embedded, by: usize) -> Embedded {
        Embedded {
            range: e.range.start + by..e.range.end + by,
            body: e.body.start + by..e.body.end + by,
            closed: e.closed,
            inner: shift(e.inner, by),
        }
    }
    Template {
        pieces: t
            .pieces
            .into_iter()
            .map(|p| match p {
                Piece::Text(r) => Piece::Text(r.start + by..r.end + by),
                Piece::Substitution(e) => Piece::Substitution(emb(e, by)),
                Piece::Expression(e) => Piece::Expression(emb(e, by)),
            })
            .collect(),
    }
}

/// Ranges of the top-level `${...}`/`$[...]`, to skip over.
fn opaque(template: &Template) -> Vec<Range<usize>> {
    template
        .pieces
        .iter()
        .filter_map(|p| match p {
            Piece::Text(_) => None,
            Piece::Substitution(e) | Piece::Expression(e) => Some(e.range.clone()),
        })
        .collect()
}

/// Splits `data` as `split` says. `max` is the number of argument slots (the last takes the
/// rest); `None` splits at every separator, to count what would not fit.
pub fn split_args(data: &[u8], template: &Template, split: Split, max: Option<usize>) -> Vec<Arg> {
    let skip = opaque(template);
    match split {
        Split::Whole => {
            if data.is_empty() {
                Vec::new()
            } else {
                vec![Arg {
                    range: 0..data.len(),
                }]
            }
        }
        Split::Set => match find_top(data, &skip, 0, |c| c == b'=', false) {
            Some(eq) => vec![
                Arg { range: 0..eq },
                Arg {
                    range: eq + 1..data.len(),
                },
            ],
            None if data.is_empty() => Vec::new(),
            None => vec![Arg {
                range: 0..data.len(),
            }],
        },
        Split::Condition => {
            if data.is_empty() {
                return Vec::new();
            }
            let Some(q) = find_top(data, &skip, 0, |c| c == b'?', false) else {
                return vec![Arg {
                    range: 0..data.len(),
                }];
            };
            let mut out = vec![Arg { range: 0..q }];
            match find_top(data, &skip, q + 1, |c| c == b':', true) {
                Some(colon) => {
                    out.push(Arg {
                        range: q + 1..colon,
                    });
                    out.push(Arg {
                        range: colon + 1..data.len(),
                    });
                }
                None => out.push(Arg {
                    range: q + 1..data.len(),
                }),
            }
            out
        }
        Split::Standard | Split::Raw => standard(data, &skip, max),
    }
}

/// `__ast_app_separate_args` with `,`: `()` and `[]` nest, `"` toggles quoting, `\` takes the
/// next byte literally; the last slot gets the raw rest; a trailing `,` adds an empty argument.
fn standard(data: &[u8], skip: &[Range<usize>], max: Option<usize>) -> Vec<Arg> {
    let mut out = Vec::new();
    if data.is_empty() {
        return out;
    }
    let (mut paren, mut bracket, mut quote) = (0usize, 0usize, false);
    let mut start = 0;
    let mut i = 0;
    while i < data.len() {
        if let Some(r) = skip.iter().find(|r| r.start == i) {
            i = r.end;
            continue;
        }
        if max.is_some_and(|m| out.len() + 1 >= m) {
            break;
        }
        match data[i] {
            b'(' => paren += 1,
            b')' => paren = paren.saturating_sub(1),
            b'[' => bracket += 1,
            b']' => bracket = bracket.saturating_sub(1),
            b'"' => quote = !quote,
            b'\\' => i += 1,
            b',' if paren == 0 && bracket == 0 && !quote => {
                out.push(Arg { range: start..i });
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(Arg {
        range: start..data.len(),
    });
    out
}

/// The first byte from `from` on that `is` accepts, outside the opaque ranges (and outside
/// parentheses when `nest`).
fn find_top(
    data: &[u8],
    skip: &[Range<usize>],
    from: usize,
    is: impl Fn(u8) -> bool,
    nest: bool,
) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = from;
    while i < data.len() {
        if let Some(r) = skip.iter().find(|r| r.start == i) {
            i = r.end;
            continue;
        }
        match data[i] {
            b'(' if nest => depth += 1,
            b')' if nest => depth = depth.saturating_sub(1),
            c if depth == 0 && is(c) => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use pbxc_expr::template::scan;

    fn args(data: &str, split: Split, max: Option<usize>) -> Vec<&str> {
        split_args(data.as_bytes(), &scan(data.as_bytes()), split, max)
            .into_iter()
            .map(|a| &data[a.range])
            .collect()
    }

    #[test]
    fn standard_nests_and_skips_substitutions() {
        assert_eq!(args("a,b", Split::Standard, None), ["a", "b"]);
        assert_eq!(args("a,", Split::Standard, None), ["a", ""]);
        assert_eq!(args("", Split::Standard, None), Vec::<&str>::new());
        assert_eq!(
            args("f(a,b),[c,d],\"e,f\",g\\,h", Split::Standard, None),
            ["f(a,b)", "[c,d]", "\"e,f\"", "g\\,h"]
        );
        assert_eq!(
            args("${CUT(x,-,1)},$[1,2],z", Split::Standard, None),
            ["${CUT(x,-,1)}", "$[1,2]", "z"]
        );
        assert_eq!(args("a,b,c,d", Split::Standard, Some(2)), ["a", "b,c,d"]);
    }

    #[test]
    fn conditions_split_on_the_first_question_mark_then_colon() {
        assert_eq!(
            args("$[${X} ? 1 :: 0]?yes:no", Split::Condition, None),
            ["$[${X} ? 1 :: 0]", "yes", "no"]
        );
        assert_eq!(args("c?a,b,1", Split::Condition, None), ["c", "a,b,1"]);
        assert_eq!(
            args("c ? yes : no", Split::Condition, None),
            ["c ", " yes ", " no"]
        );
        assert_eq!(
            args("c?App(a:b):Other(x)", Split::Condition, None),
            ["c", "App(a:b)", "Other(x)"]
        );
    }

    #[test]
    fn set_splits_at_the_first_equals_sign() {
        assert_eq!(args("a=b=c", Split::Set, None), ["a", "b=c"]);
        assert_eq!(args("${X}=1", Split::Set, None), ["${X}", "1"]);
        assert_eq!(
            args("CALLERID(num)=100", Split::Set, None),
            ["CALLERID(num)", "100"]
        );
    }
}
