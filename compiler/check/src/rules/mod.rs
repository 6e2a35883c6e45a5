//! The rules, one concern per module, run in this order over the same steps.

mod applications;
mod expressions;
mod flow;
mod patterns;
mod pjsip;
mod taint;
mod targets;

use pbxc_diagnostics::Diagnostic;

use crate::step::steps;
use crate::{Cx, Reference};

/// Runs the rules; returns where the dialplan names its jump targets.
pub(crate) fn run(cx: &Cx, out: &mut Vec<Diagnostic>) -> Vec<Reference> {
    let mut steps = steps(cx, cx.memo.is_none());
    let mut memo = cx.memo.map(|m| m.run());
    for step in &mut steps {
        let Some(memo) = &mut memo else {
            applications::check(cx, step, out);
            expressions::check(cx, step, out);
            continue;
        };
        let local = memo.local(step, cx.target, |probe, found| {
            applications::check(cx, probe, found);
            expressions::check(cx, probe, found);
        });
        step.template = local.template.clone();
        local.diagnostics_for(step, out);
    }
    drop(memo);
    let jumps = targets::check(cx, &steps, out);
    flow::check(cx, &steps, &jumps, out);
    patterns::check(cx, out);
    patterns::shadowed(cx, out);
    pjsip::check(cx, &steps, out);
    taint::check(cx, &steps, out);
    jumps.references
}
