//! Applications against the catalog: the name, the version, the number of arguments, option
//! letters, numbers and fixed choices where they are constant, and the legacy `|` separator.

use std::ops::Range;

use pbxc_diagnostics::{Diagnostic, Edit, suggest};
use pbxc_stdlib::{ArgKind, Entry, Split};

use crate::Cx;
use crate::codes;
use crate::step::{Step, show};
use pbxc_dialplan::{Arg, split_args};

pub(super) fn check(cx: &Cx, step: &Step, out: &mut Vec<Diagnostic>) {
    let app = step.app;
    // A computed application name (`${APP}(x)`) or an empty one is not ours to judge; the
    // lowering already reported `App,args` (DP206).
    if app.is_empty() || app.contains(&b'$') || app.contains(&b',') {
        return;
    }
    let Some(entry) = step.entry else {
        unknown(cx, step, out);
        return;
    };
    let version = cx.target.catalog_version();
    if !entry.in_version(version) {
        let (file, at) = step.app_span();
        let mut d = pbxc_diagnostics::Diagnostic::new(
            codes::NOT_IN_TARGET,
            format!(
                "application `{}` does not exist in {}",
                entry.name,
                cx.target.describe()
            ),
            file,
            at,
        );
        if let Some(removed) = &entry.removed {
            d = d.with_help(format!("removed: {removed}"));
        }
        if let Some(r) = &entry.replacement {
            d = d.with_help(format!("instead: {r}"));
        }
        out.push(d);
    }
    arguments(step, entry, out);
}

fn unknown(cx: &Cx, step: &Step, out: &mut Vec<Diagnostic>) {
    let name = show(step.app);
    let (file, at) = step.app_span();
    let mut d = Diagnostic::new(
        codes::UNKNOWN_APPLICATION,
        format!(
            "no Asterisk version has an application `{name}`: the call hangs up here unless a module outside Asterisk provides it"
        ),
        file,
        at,
    );
    let lower = name.to_ascii_lowercase();
    let similar = cx
        .catalog
        .applications()
        .filter_map(|e| {
            suggest::edit_distance(
                lower.as_bytes(),
                e.name.to_ascii_lowercase().as_bytes(),
                2,
                false,
            )
            .map(|dist| (dist, e))
        })
        .min_by_key(|(dist, e)| (*dist, e.name.len()));
    if let Some((_, e)) = similar {
        d = d.with_help(format!("did you mean `{}`?", e.name));
        if step.priority.app_origin.is_some() {
            d = d.with_fix(
                format!("write `{}`", e.name),
                vec![Edit {
                    file,
                    range: at,
                    replacement: e.name.clone(),
                }],
            );
        }
    }
    out.push(d);
}

fn arguments(step: &Step, entry: &Entry, out: &mut Vec<Diagnostic>) {
    if entry.params.is_none() {
        return;
    }
    let args = split_args(step.data, &step.template, entry.split, None);
    if entry.split == Split::Standard || entry.split == Split::Raw {
        pipe_separator(step, entry, &args, out);
    }
    parameters(step, entry, &args, 0..step.data.len(), out);
}

/// `args` (ranges in the step's data) against the parameters of `entry`, an application or a
/// function called inside `within`: how many there are, and the constant numbers, choices and
/// option letters among them.
pub(super) fn parameters(
    step: &Step,
    entry: &Entry,
    args: &[Arg],
    within: Range<usize>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(params) = &entry.params else { return };
    let data = step.data;
    let repeats = params.last().is_some_and(|p| p.repeat);

    // Optional parameters before a required one are filled last: `Verbose(text)` is the
    // message alone. Skip as many of them as there are arguments missing.
    let required_count = params.iter().filter(|p| !p.optional).count();
    let leading = params.iter().position(|p| !p.optional).unwrap_or(0);
    let skip = leading.min(params.len().saturating_sub(args.len()));
    let fitted = &params[skip..];
    if args.len() < required_count {
        let Some(missing) = fitted.iter().skip(args.len()).find(|p| !p.optional) else {
            return;
        };
        let at = within.end..within.end;
        out.push(step.diag(
            codes::MISSING_ARGUMENT,
            format!(
                "`{}` needs its `{}` argument: {}",
                entry.name,
                missing.name,
                entry.signature()
            ),
            if step.exact() { at } else { within.clone() },
        ));
    }
    // The last slot takes the raw rest, which is what free text and destinations want
    // (`Verbose(1,a, b)`, `ChannelRedirect(chan,ctx,ext,1)`); for a typed last parameter the
    // extra commas are a mistake.
    let takes_rest = params.last().is_some_and(|p| {
        matches!(
            p.kind,
            ArgKind::Text
                | ArgKind::Goto
                | ArgKind::Gosub
                | ArgKind::App
                | ArgKind::Cond
                | ArgKind::Expr
        )
    });
    if !repeats && !takes_rest && args.len() > params.len() && entry.split != Split::Whole {
        let first_extra = &args[params.len()];
        let last = params.last().map_or("", |p| p.name.as_str());
        out.push(step.diag(
            codes::EXTRA_ARGUMENTS,
            format!(
                "`{}` takes {} argument{}; the rest is read as part of `{last}`: {}",
                entry.name,
                params.len(),
                if params.len() == 1 { "" } else { "s" },
                entry.signature()
            ),
            first_extra.range.start..within.end,
        ));
    }

    for (i, arg) in args.iter().enumerate() {
        let Some(param) = fitted.get(i).or(if repeats { params.last() } else { None }) else {
            break;
        };
        let text = &data[arg.range.clone()];
        // Only constant arguments can be judged.
        if text.contains(&b'$') {
            continue;
        }
        let value = unquote(text.trim_ascii());
        match &param.kind {
            ArgKind::Int | ArgKind::Number | ArgKind::Duration | ArgKind::DurationMs => {
                // Dial's timeout may be `answer^progress`.
                let numeric = value
                    .split(|&c| c == b'^')
                    .all(|v| v.is_empty() || is_number(v, param.kind == ArgKind::Int));
                if !value.is_empty() && !numeric {
                    out.push(step.diag(
                        codes::INVALID_NUMBER,
                        format!(
                            "`{}` of `{}` must be {}, not `{}`",
                            param.name,
                            entry.name,
                            if param.kind == ArgKind::Int {
                                "an integer"
                            } else {
                                "a number"
                            },
                            show(value)
                        ),
                        arg.range.clone(),
                    ));
                }
            }
            ArgKind::Timelen | ArgKind::TimelenMs if !value.is_empty() && !is_timelen(value) => {
                out.push(step.diag(
                    codes::INVALID_NUMBER,
                    format!(
                        "`{}` of `{}` must be a time length (a number, optionally followed by `h`, `m`, `s` or `ms`), not `{}`: Asterisk cannot read it and {}",
                        param.name,
                        entry.name,
                        show(value),
                        if param.kind == ArgKind::Timelen {
                            "the wait is skipped"
                        } else {
                            "the default is used"
                        }
                    ),
                    arg.range.clone(),
                ));
            }
            ArgKind::Enum(words)
                if !value.is_empty()
                    && !words
                        .iter()
                        .any(|w| w.as_bytes().eq_ignore_ascii_case(value)) =>
            {
                out.push(step.diag(
                    codes::INVALID_CHOICE,
                    format!(
                        "`{}` of `{}` is `{}`, which is none of {}",
                        param.name,
                        entry.name,
                        show(value),
                        words
                            .iter()
                            .map(|w| format!("`{w}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    arg.range.clone(),
                ));
            }
            // BackGround and Playback also take the words `skip`, `noanswer`, `say`, `mix`.
            ArgKind::Options
                if !entry.word_options()
                    && !matches!(value, b"skip" | b"noanswer" | b"say" | b"mix") =>
            {
                options(step, entry, arg, out)
            }
            _ => {}
        }
    }
}

/// Option letters in `range` of `data`, each with the range inside its `(...)` if it has one.
pub(super) fn option_args(data: &[u8], range: Range<usize>) -> Vec<(u8, Option<Range<usize>>)> {
    let mut out = Vec::new();
    let mut i = range.start;
    let end = range.end;
    while i < end {
        let c = data[i];
        i += 1;
        let mut inner = None;
        if i < end && data[i] == b'(' {
            let open = i;
            let mut depth = 0;
            while i < end {
                match data[i] {
                    b'(' => depth += 1,
                    b')' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            // Unclosed: the argument runs to the end.
            inner = Some(open + 1..i.min(end));
            i = (i + 1).min(end);
        }
        if c.is_ascii_whitespace() || c == b'"' {
            continue;
        }
        out.push((c, inner));
    }
    out
}

/// Option letters, each optionally followed by `(argument)`.
fn options(step: &Step, entry: &Entry, arg: &Arg, out: &mut Vec<Diagnostic>) {
    // Offsets of letters: recomputed from the inner ranges.
    let mut at = arg.range.start;
    for (c, inner) in option_args(step.data, arg.range.clone()) {
        // The letter sits right before its `(`, or is the next non-blank byte.
        let start = match &inner {
            Some(r) => r.start - 2,
            None => (at..arg.range.end)
                .find(|&k| step.data[k] == c)
                .unwrap_or(at),
        };
        at = inner.as_ref().map_or(start + 1, |r| r.end + 1);
        let letter = (c as char).to_string();
        match entry.option(&letter) {
            None => {
                let flipped = if c.is_ascii_uppercase() {
                    c.to_ascii_lowercase()
                } else {
                    c.to_ascii_uppercase()
                };
                let flipped = (flipped as char).to_string();
                let mut d = step.diag(
                    codes::UNKNOWN_OPTION,
                    format!("`{}` has no option `{}`", entry.name, show(&[c])),
                    start..start + 1,
                );
                if flipped != letter && entry.option(&flipped).is_some() {
                    d = d.with_help(format!(
                        "option letters are case-sensitive; `{flipped}` exists"
                    ));
                }
                out.push(d);
            }
            Some(spec) => {
                if let Some((_, true)) = spec.arg
                    && inner.is_none()
                {
                    out.push(step.diag(
                        codes::MISSING_ARGUMENT,
                        format!(
                            "option `{letter}` of `{}` needs an argument in parentheses",
                            entry.name
                        ),
                        start..start + 1,
                    ));
                }
            }
        }
    }
}

/// `App(a|b)`: the data has no `,` but `|` where the application takes several arguments.
fn pipe_separator(step: &Step, entry: &Entry, args: &[Arg], out: &mut Vec<Diagnostic>) {
    let params = entry.params.as_deref().unwrap_or_default();
    if params.len() < 2 || args.len() != 1 {
        return;
    }
    let text = &step.data[args[0].range.clone()];
    // Top-level pipes only: those inside `${...}`/`$[...]` belong to expressions.
    let pipes: Vec<usize> = top_level(step).filter(|&i| step.data[i] == b'|').collect();
    if pipes.is_empty() || text.starts_with(b"\"") {
        return;
    }
    let mut d = step.diag(
        codes::PIPE_SEPARATOR,
        format!(
            "`|` does not separate arguments since Asterisk 1.6: `{}` gets all of this as its first argument",
            entry.name
        ),
        pipes[0]..pipes[0] + 1,
    );
    if step.exact() {
        let edits = pipes
            .iter()
            .map(|&p| {
                let (file, range) = step.span(p..p + 1);
                Edit {
                    file,
                    range,
                    replacement: ",".into(),
                }
            })
            .collect();
        d = d.with_fix("separate the arguments with `,`", edits);
    }
    out.push(d);
}

/// Offsets of data bytes outside any `${...}`/`$[...]`.
fn top_level<'s>(step: &'s Step) -> impl Iterator<Item = usize> + 's {
    use pbxc_expr::template::Piece;
    step.template.pieces.iter().flat_map(|p| match p {
        Piece::Text(r) => r.clone(),
        _ => 0..0,
    })
}

fn unquote(s: &[u8]) -> &[u8] {
    if s.len() >= 2 && s.starts_with(b"\"") && s.ends_with(b"\"") {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

/// What `ast_app_parse_timelen` accepts: `sscanf("%Lf%9s")`, a number then, after optional
/// blanks, nothing or a unit word that is exactly `h`, `m`, `s` or `ms` (any case); whatever
/// follows the unit word is ignored.
fn is_timelen(s: &[u8]) -> bool {
    let s = s.trim_ascii_start();
    let Some(rest) = scan_float(s) else {
        return false;
    };
    let rest = rest.trim_ascii_start();
    let unit_len = rest
        .iter()
        .position(|c| c.is_ascii_whitespace())
        .unwrap_or(rest.len());
    let unit = &rest[..unit_len.min(9)];
    unit.is_empty()
        || [&b"h"[..], b"m", b"s", b"ms"]
            .iter()
            .any(|u| u.eq_ignore_ascii_case(unit))
}

/// The rest of `s` after the longest prefix `strtold` reads as a decimal number (with
/// optional sign, fraction and exponent), or `None` when there is none.
fn scan_float(s: &[u8]) -> Option<&[u8]> {
    let mut i = usize::from(matches!(s.first(), Some(b'+' | b'-')));
    let int_digits = s[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if s.get(i) == Some(&b'.') {
        frac_digits = s[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if int_digits + frac_digits > 0 {
            i += 1 + frac_digits;
        }
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        j += usize::from(matches!(s.get(j), Some(b'+' | b'-')));
        let exp_digits = s[j..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp_digits > 0 {
            i = j + exp_digits;
        }
    }
    Some(&s[i..])
}

fn is_number(s: &[u8], integer: bool) -> bool {
    let s = s.strip_prefix(b"-").or(s.strip_prefix(b"+")).unwrap_or(s);
    if s.is_empty() {
        return false;
    }
    let dots = s.iter().filter(|&&c| c == b'.').count();
    s.iter().all(|&c| c.is_ascii_digit() || c == b'.') && dots <= usize::from(!integer)
}
