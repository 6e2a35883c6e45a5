//! Control flow inside an extension: While/EndWhile pairs, and priorities nothing reaches.

use pbxc_diagnostics::{Diagnostic, Label};

use super::targets::Jumps;
use crate::Cx;
use crate::codes;
use crate::step::Step;

pub(super) fn check(_cx: &Cx, steps: &[Step], jumps: &Jumps, out: &mut Vec<Diagnostic>) {
    // Steps come extension by extension, priorities ascending.
    let mut i = 0;
    while i < steps.len() {
        let mut j = i;
        while j < steps.len() && std::ptr::eq(steps[j].extension, steps[i].extension) {
            j += 1;
        }
        let ext = &steps[i..j];
        while_pairs(ext, out);
        unreachable(ext, jumps, out);
        i = j;
    }
}

fn is(step: &Step, name: &str) -> bool {
    step.entry.is_some_and(|e| e.name == name)
}

/// app_while finds its EndWhile by scanning forward in the extension; an EndWhile jumps back
/// to the While it closes.
fn while_pairs(ext: &[Step], out: &mut Vec<Diagnostic>) {
    let mut open: Vec<&Step> = Vec::new();
    for step in ext {
        if is(step, "While") {
            open.push(step);
        } else if is(step, "EndWhile") && open.pop().is_none() {
            let (file, at) = step.app_span();
            out.push(Diagnostic::new(
                codes::WHILE_UNBALANCED,
                "`EndWhile` with no `While` before it in this extension: Asterisk finds no loop to close",
                file,
                at,
            ));
        }
    }
    for step in open {
        let (file, at) = step.app_span();
        out.push(
            Diagnostic::new(
                codes::WHILE_UNBALANCED,
                "`While` with no `EndWhile` after it in this extension: when the condition is false, Asterisk finds nowhere to go and the call ends",
                file,
                at,
            )
            .with_help("close the loop with `same => n,EndWhile()`"),
        );
    }
}

/// A priority right after an unconditional Goto, Hangup or Return, with no label and no
/// constant jump to it.
fn unreachable(ext: &[Step], jumps: &Jumps, out: &mut Vec<Diagnostic>) {
    for pair in ext.windows(2) {
        let (before, after) = (&pair[0], &pair[1]);
        let ends = is(before, "Hangup")
            || is(before, "Return")
            || (is(before, "Goto") && !before.data.contains(&b'$'));
        if !ends
            || before.priority.number.checked_add(1) != Some(after.priority.number)
            || after.priority.label.is_some()
        {
            continue;
        }
        let ext_index = after
            .context
            .extensions
            .iter()
            .position(|e| std::ptr::eq(e, after.extension));
        if ext_index.is_some_and(|e| {
            jumps
                .reached
                .contains(&(after.ctx, e, after.priority.number))
        }) {
            continue;
        }
        let o = after.priority.origin;
        let b = before.priority.origin;
        out.push(
            Diagnostic::new(
                codes::UNREACHABLE,
                format!(
                    "priority {} is never reached: the one before it always leaves the extension",
                    after.priority.number
                ),
                o.file,
                o.range,
            )
            .with_secondary(Label::new(b.file, b.range).with_message("this step never continues"))
            .with_help("give it a label and jump to it, or remove it"),
        );
    }
}
