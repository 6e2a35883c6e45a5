//! `${...}` and `$[...]` in application data: unbalanced brackets, expression syntax,
//! function names (case-sensitive, by version) and variable-name arguments.

use std::ops::Range;

use pbxc_diagnostics::{Diagnostic, Edit};
use pbxc_expr::template::{self, Embedded, Reference, reference};
use pbxc_stdlib::{ArgKind, Entry, Split};

use crate::Cx;
use crate::codes;
use crate::step::{Step, show};
use pbxc_dialplan::{Arg, split_args};

pub(super) fn check(cx: &Cx, step: &Step, out: &mut Vec<Diagnostic>) {
    for (e, is_expr) in step.template.embedded() {
        if !e.closed {
            out.push(
                step.diag(
                    codes::UNBALANCED_SUBSTITUTION,
                    format!(
                        "`{}` never closes: Asterisk warns \"missing '{}'\" and takes the rest of the data as its body",
                        if is_expr { "$[" } else { "${" },
                        if is_expr { "]" } else { "}" }
                    ),
                    e.range.start..e.range.start + 2,
                )
                .with_help("a `;` in the data starts a comment; write it `\\;`"),
            );
            continue;
        }
        if is_expr {
            expression(step, e, out);
        } else {
            substitution(cx, step, e, out);
        }
    }
    // `Set(FUNC(args)=value)` writes a function.
    if let Some(entry) = step.entry
        && entry.split == Split::Set
    {
        let args = split_args(step.data, &step.template, Split::Set, None);
        if let Some(name) = args.first() {
            let text = step.text(name.range.clone());
            if text.ends_with(b")")
                && let Some(open) = text.iter().position(|&c| c == b'(')
                && !text[..open].contains(&b'$')
            {
                let start = name.range.start;
                function_name(cx, step, start..start + open, out);
            }
        }
    }
}

fn expression(step: &Step, e: &Embedded, out: &mut Vec<Diagnostic>) {
    // Asterisk substitutes the body before it lexes it, so each `${...}`/`$[...]` inside is
    // one value by then (the quotes and brackets of its own arguments are gone). A run of a
    // word character of the same length stands for it and keeps the offsets.
    let mut body = step.data[e.body.clone()].to_vec();
    for p in &e.inner.pieces {
        if let template::Piece::Substitution(inner) | template::Piece::Expression(inner) = p {
            for b in &mut body[inner.range.start - e.body.start..inner.range.end - e.body.start] {
                *b = b'v';
            }
        }
    }
    let parsed = pbxc_expr::parse_expr(&body);
    let at = |r: Range<usize>| e.body.start + r.start..e.body.start + r.end;
    if let Some(err) = parsed.error {
        let mut range = at(err.range.clone());
        if range.is_empty() {
            // The end of the body: point at the closing `]`.
            range = e.body.end..e.range.end;
        }
        out.push(
            step.diag(
                codes::EXPRESSION_SYNTAX,
                format!("syntax error in `$[...]`: {}", err.message),
                range,
            )
            .with_help("Asterisk logs the error and goes on with whatever it had computed so far (often 0 or empty)"),
        );
    }
    if let Some(first) = parsed.dropped.first() {
        let mut what: Vec<String> = Vec::new();
        for r in &parsed.dropped {
            let shown = format!("`{}`", show(&body[r.clone()]));
            if !what.contains(&shown) {
                what.push(shown);
            }
        }
        out.push(
            step.diag(
                codes::EXPRESSION_DROPPED,
                format!(
                    "the expression lexer drops {} without a word",
                    what.join(", ")
                ),
                at(first.clone()),
            )
            .with_help("quote a string that contains it: `\"...\"`"),
        );
    }
}

fn substitution(cx: &Cx, step: &Step, e: &Embedded, out: &mut Vec<Diagnostic>) {
    // A body built from other substitutions names something only known at run time.
    if !e.inner.is_literal()
        && e.inner
            .pieces
            .first()
            .is_some_and(|p| !matches!(p, template::Piece::Text(_)))
    {
        return;
    }
    let Reference::Function { name, args, .. } = reference(step.data, e.body.clone()) else {
        return;
    };
    if step.text(name.clone()).contains(&b'$') {
        return;
    }
    let Some(entry) = function_name(cx, step, name, out) else {
        return;
    };
    variable_name_arguments(step, entry, args.clone(), out);
    function_arguments(step, entry, args, out);
}

/// Checks a function name; returns its entry when it exists.
fn function_name(
    cx: &Cx,
    step: &Step,
    name: Range<usize>,
    out: &mut Vec<Diagnostic>,
) -> Option<&'static Entry> {
    let text = step.text(name.clone());
    let shown = show(text);
    let Ok(s) = std::str::from_utf8(text) else {
        return None;
    };
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    if let Some(entry) = cx.catalog.function(s) {
        if !entry.in_version(cx.target.catalog_version()) {
            let mut d = step.diag(
                codes::NOT_IN_TARGET,
                format!("function `{s}` does not exist in {}", cx.target.describe()),
                name,
            );
            if let Some(removed) = &entry.removed {
                d = d.with_help(format!("removed: {removed}"));
            }
            if let Some(r) = &entry.replacement {
                d = d.with_help(format!("instead: {r}"));
            }
            out.push(d);
        }
        return Some(entry);
    }
    // func_odbc.conf defines ODBC_<name> functions; the config is not part of the dialplan.
    if s.starts_with("ODBC_") {
        return None;
    }
    if let Some(entry) = cx
        .catalog
        .functions()
        .find(|f| f.name.eq_ignore_ascii_case(s))
    {
        let mut d = step.diag(
            codes::FUNCTION_CASE,
            format!(
                "no function `{shown}`: function names are case-sensitive, this one is `{}`; the substitution is empty",
                entry.name
            ),
            name.clone(),
        );
        if step.exact() {
            let (file, range) = step.span(name);
            d = d.with_fix(
                format!("write `{}`", entry.name),
                vec![Edit {
                    file,
                    range,
                    replacement: entry.name.clone(),
                }],
            );
        }
        out.push(d);
        return None;
    }
    out.push(step.diag(
        codes::UNKNOWN_FUNCTION,
        format!("no Asterisk version has a function `{shown}`: the substitution is empty unless a module outside Asterisk provides it"),
        name,
    ));
    None
}

/// Count, constant numbers and choices of a function's arguments, as for applications.
fn function_arguments(step: &Step, entry: &Entry, args: Range<usize>, out: &mut Vec<Diagnostic>) {
    if entry.params.is_none() || matches!(entry.split, Split::Condition | Split::Set) {
        return;
    }
    let text = &step.data[args.clone()];
    let scanned = template::scan(text);
    let shifted: Vec<Arg> = split_args(text, &scanned, entry.split, None)
        .into_iter()
        .map(|a| Arg {
            range: args.start + a.range.start..args.start + a.range.end,
        })
        .collect();
    super::applications::parameters(step, entry, &shifted, args, out);
}

/// `${CUT(${X},-,1)}`: a parameter that takes a variable NAME given a value.
fn variable_name_arguments(
    step: &Step,
    entry: &Entry,
    args: Range<usize>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(params) = &entry.params else { return };
    let text = &step.data[args.clone()];
    let scanned = template::scan(text);
    let split = match entry.split {
        Split::Condition | Split::Set | Split::Whole => return,
        s => s,
    };
    for (i, arg) in split_args(text, &scanned, split, Some(params.len()))
        .iter()
        .enumerate()
    {
        let Some(param) = params.get(i) else { break };
        if !matches!(param.kind, ArgKind::Var | ArgKind::VarWrite) {
            continue;
        }
        let a = &text[arg.range.clone()];
        let trimmed = a.trim_ascii();
        // Exactly `${NAME}`: almost always meant `NAME`. (`${PREFIX}_x` builds a name on purpose.)
        if trimmed.starts_with(b"${")
            && trimmed.ends_with(b"}")
            && trimmed[2..trimmed.len() - 1]
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || c == b'_')
        {
            let inner = &trimmed[2..trimmed.len() - 1];
            let start = args.start + arg.range.start;
            let range = start..start + a.len();
            let mut d = step
                .diag(
                    codes::VARIABLE_NAME_EXPECTED,
                    format!(
                        "`{}` of `{}` is the name of a variable: `{}` passes its value, so `{}` reads the variable named by that value",
                        param.name,
                        entry.name,
                        show(trimmed),
                        entry.name
                    ),
                    range.clone(),
                );
            if step.exact() && a == trimmed {
                let (file, r) = step.span(range);
                d = d.with_fix(
                    format!("pass the name `{}`", show(inner)),
                    vec![Edit {
                        file,
                        range: r,
                        replacement: show(inner),
                    }],
                );
            }
            out.push(d);
        }
    }
}
