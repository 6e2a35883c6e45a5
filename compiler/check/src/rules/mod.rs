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
    let steps = steps(cx);
    for step in &steps {
        applications::check(cx, step, out);
        expressions::check(cx, step, out);
    }
    let jumps = targets::check(cx, &steps, out);
    flow::check(cx, &steps, &jumps, out);
    patterns::check(cx, out);
    patterns::shadowed(cx, out);
    pjsip::check(cx, &steps, out);
    taint::check(cx, &steps, out);
    jumps.references
}
