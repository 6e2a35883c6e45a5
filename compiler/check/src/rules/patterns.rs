//! Extension patterns: a `,` inside `[...]`.

use pbxc_diagnostics::{Diagnostic, Edit};

use crate::codes;
use crate::step::show;
use crate::Cx;

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    for c in &cx.plan.contexts {
        for e in &c.extensions {
            if !e.is_pattern() {
                continue;
            }
            let Some((open, close)) = set_with_comma(&e.name) else { continue };
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
