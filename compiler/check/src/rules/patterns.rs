//! Extension patterns: a `,` inside `[...]`.

use pbxc_diagnostics::{Diagnostic, Edit};

use crate::Cx;
use crate::codes;
use crate::step::show;

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for c in &cx.plan.contexts {
        for e in &c.extensions {
            if !e.is_pattern() {
                continue;
            }
            let Some((open, close)) = set_with_comma(&e.name) else {
                continue;
            };
            let fixed: Vec<u8> = e.name[open..=close]
                .iter()
                .copied()
                .filter(|&b| b != b',')
                .collect();
            let mut d = Diagnostic::new(
                codes::COMMA_IN_SET,
                format!(
                    "`{}` in pattern `{}` also matches a `,`: inside `[...]` every character is a member",
                    show(&e.name[open..=close]),
                    show(&e.name)
                ),
                e.origin.file,
                e.origin.range,
            )
            .with_help(format!("write `{}`", show(&fixed)));
            // The fix needs the set's exact place in the line.
            let text = &cx.sources.get(e.origin.file).text[e.origin.range.as_range()];
            let set = &e.name[open..=close];
            if let Some(at) = text.windows(set.len()).position(|w| w == set) {
                let start = e.origin.range.start as usize + at;
                d = d.with_fix(
                    format!("write `{}`", show(&fixed)),
                    vec![Edit {
                        file: e.origin.file,
                        range: pbxc_diagnostics::TextRange::new(start, start + set.len()),
                        replacement: show(&fixed),
                    }],
                );
            }
            out.push(d);
        }
    }
}

/// The first `[...]` holding a `,`.
fn set_with_comma(name: &[u8]) -> Option<(usize, usize)> {
    let mut i = 0;
    while i < name.len() {
        if name[i] == b'[' {
            let close = i + name[i..].iter().position(|&c| c == b']')?;
            if name[i..close].contains(&b',') {
                return Some((i, close));
            }
            i = close;
        }
        i += 1;
    }
    None
}

/// Extensions of included contexts that a pattern searched before them always answers first
/// (own context before includes, includes depth-first in order): one report per include.
pub(super) fn shadowed(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for (c, context) in cx.plan.contexts.iter().enumerate() {
        if context.includes.is_empty() {
            continue;
        }
        // Patterns that answer priority 1 for every caller, in search order.
        let mut catchers: Vec<(usize, &pbxc_dialplan::Extension, Vec<Elem>)> = Vec::new();
        let mut seen = vec![c];
        add_catchers(cx, c, &mut catchers);
        for inc in &context.includes {
            let Some(t) = cx.context(&inc.context) else {
                continue;
            };
            if seen
                .iter()
                .any(|&s| cx.plan.contexts[s].name.eq_ignore_ascii_case(&inc.context))
            {
                continue;
            }
            let before = seen.len();
            walk(cx, t, &mut seen);
            // Each hidden extension with the pattern that answers for it.
            let mut hidden: Vec<(&[u8], &[u8])> = Vec::new();
            let mut by = None;
            for &ctx in &seen[before..] {
                if catchers.is_empty() {
                    break;
                }
                for e in &cx.plan.contexts[ctx].extensions {
                    if !e.priorities.iter().any(|p| p.number >= 1) {
                        continue;
                    }
                    let mine = elems(&e.name);
                    if let Some(hit) = catchers.iter().find(|(_, _, s)| covers(s, &mine)) {
                        hidden.push((&e.name, &hit.1.name));
                        by.get_or_insert((hit.0, hit.1));
                    }
                }
            }
            if let Some((sctx, s)) = by {
                let examples: Vec<String> = hidden
                    .iter()
                    .take(3)
                    .map(|(n, catcher)| {
                        if *catcher == &s.name[..] {
                            format!("`{}`", show(n))
                        } else {
                            format!("`{}` by `{}`", show(n), show(catcher))
                        }
                    })
                    .collect();
                let so = s.origin;
                out.push(
                    Diagnostic::new(
                        codes::SHADOWED_EXTENSION,
                        format!(
                            "{} extension{} reached through this include {} never answered in `{}`: `{}` of `{}` is searched first and matches {} ({}{})",
                            hidden.len(),
                            if hidden.len() == 1 { "" } else { "s" },
                            if hidden.len() == 1 { "is" } else { "are" },
                            show(&context.name),
                            show(&s.name),
                            show(&cx.plan.contexts[sctx].name),
                            if hidden.len() == 1 { "it" } else { "them" },
                            examples.join(", "),
                            if hidden.len() > 3 { ", …" } else { "" }
                        ),
                        inc.origin.file,
                        inc.origin.range,
                    )
                    .with_secondary(
                        pbxc_diagnostics::Label::new(so.file, so.range)
                            .with_message("this pattern answers first"),
                    )
                    .with_help("Asterisk searches a context's own extensions before its includes, and includes in order; narrow the pattern or reorder"),
                );
            }
            for &ctx in &seen[before..] {
                add_catchers(cx, ctx, &mut catchers);
            }
        }
    }
}

fn add_catchers<'a>(
    cx: &Cx<'a>,
    ctx: usize,
    catchers: &mut Vec<(usize, &'a pbxc_dialplan::Extension, Vec<Elem>)>,
) {
    for e in &cx.plan.contexts[ctx].extensions {
        if e.is_pattern() && e.cid.is_none() && e.priority(1).is_some() {
            catchers.push((ctx, e, elems(&e.name)));
        }
    }
}

/// Depth-first from `c`, skipping contexts already searched (case-insensitively).
fn walk(cx: &Cx, c: usize, out: &mut Vec<usize>) {
    out.push(c);
    for inc in &cx.plan.contexts[c].includes {
        let Some(t) = cx.context(&inc.context) else {
            continue;
        };
        if out
            .iter()
            .any(|&s| cx.plan.contexts[s].name.eq_ignore_ascii_case(&inc.context))
        {
            continue;
        }
        walk(cx, t, out);
    }
}

/// One position of an extension name.
#[derive(Clone, PartialEq, Eq)]
enum Elem {
    /// The bytes this position accepts, as a 256-bit set.
    Set([u64; 4]),
    /// `.`: one or more of anything.
    OneOrMore,
    /// `!`: zero or more of anything.
    ZeroOrMore,
}

/// The set of the bytes in `range`.
fn set(range: std::ops::RangeInclusive<u8>) -> Elem {
    let mut s = [0u64; 4];
    for b in range {
        s[usize::from(b >> 6)] |= 1 << (b & 63);
    }
    Elem::Set(s)
}

fn one(b: u8) -> Elem {
    set(b..=b)
}

/// The positions of a name as `_extension_match_core` reads them (dashes ignored).
fn elems(name: &[u8]) -> Vec<Elem> {
    let mut out = Vec::new();
    let Some(p) = name.strip_prefix(b"_") else {
        return name
            .iter()
            .filter(|&&c| c != b'-')
            .map(|&c| one(c))
            .collect();
    };
    let mut i = 0;
    while i < p.len() {
        let c = p[i];
        match c {
            b'-' => {}
            b'/' => break,
            b'.' => {
                out.push(Elem::OneOrMore);
                break;
            }
            b'!' => {
                out.push(Elem::ZeroOrMore);
                break;
            }
            b'n' | b'N' => out.push(set(b'2'..=b'9')),
            b'x' | b'X' => out.push(set(b'0'..=b'9')),
            b'z' | b'Z' => out.push(set(b'1'..=b'9')),
            b'[' => {
                let Some(end) = p[i..].iter().position(|&c| c == b']').map(|e| e + i) else {
                    break;
                };
                let body = &p[i + 1..end];
                let mut members = [0u64; 4];
                let mut k = 0;
                while k < body.len() {
                    let range = if k + 2 < body.len() && body[k + 1] == b'-' {
                        k += 3;
                        body[k - 3]..=body[k - 1]
                    } else {
                        k += 1;
                        body[k - 1]..=body[k - 1]
                    };
                    if let Elem::Set(more) = set(range) {
                        members.iter_mut().zip(more).for_each(|(m, b)| *m |= b);
                    }
                }
                out.push(Elem::Set(members));
                i = end;
            }
            _ => out.push(one(c)),
        }
        i += 1;
    }
    out
}

/// Whether every number `b` matches, `a` matches too.
fn covers(a: &[Elem], b: &[Elem]) -> bool {
    for (i, ea) in a.iter().enumerate() {
        match ea {
            Elem::ZeroOrMore => return true,
            Elem::OneOrMore => return matches!(b.get(i), Some(Elem::Set(_) | Elem::OneOrMore)),
            Elem::Set(sa) => match b.get(i) {
                Some(Elem::Set(sb)) => {
                    if sb.iter().zip(sa).any(|(b, a)| b & !a != 0) {
                        return false;
                    }
                }
                _ => return false,
            },
        }
    }
    a.len() == b.len()
}
