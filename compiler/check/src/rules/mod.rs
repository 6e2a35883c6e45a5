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

/// From this many priorities on, the three groups of rules run on threads of their own; below
/// it a thread costs more than it saves.
const PARALLEL_FROM: usize = 4096;

/// Runs the rules; returns where the dialplan names its jump targets. The findings come in
/// the same order however the rules were scheduled: the per-priority rules, then targets and
/// flow, then patterns, pjsip and taint.
pub(crate) fn run(cx: &Cx, out: &mut Vec<Diagnostic>) -> Vec<Reference> {
    let mut steps = steps(cx, cx.memo.is_none());
    // The memo first, sequentially: it supplies the scans every rule below reads.
    let locals: Option<Vec<_>> = cx.memo.map(|memo| {
        let mut run = memo.run();
        steps
            .iter_mut()
            .map(|step| {
                let local = run.local(step, cx.target, |probe, found| {
                    applications::check(cx, probe, found);
                    expressions::check(cx, probe, found);
                });
                step.template = local.template.clone();
                local
            })
            .collect()
    });
    let steps = &steps;
    let per_priority = || {
        let mut found = Vec::new();
        match &locals {
            Some(locals) => {
                for (step, local) in steps.iter().zip(locals) {
                    local.diagnostics_for(step, &mut found);
                }
            }
            None => {
                for step in steps {
                    applications::check(cx, step, &mut found);
                    expressions::check(cx, step, &mut found);
                }
            }
        }
        found
    };
    let jumps_and_flow = || {
        let mut found = Vec::new();
        let jumps = targets::check(cx, steps, &mut found);
        flow::check(cx, steps, &jumps, &mut found);
        (found, jumps.references)
    };
    let whole_plan = || {
        let mut found = Vec::new();
        patterns::check(cx, &mut found);
        patterns::shadowed(cx, &mut found);
        pjsip::check(cx, steps, &mut found);
        taint::check(cx, steps, &mut found);
        found
    };
    let (local, (jumps, references), rest) = if steps.len() >= PARALLEL_FROM {
        std::thread::scope(|s| {
            let jumps = s.spawn(jumps_and_flow);
            let rest = s.spawn(whole_plan);
            let local = per_priority();
            (local, join(jumps), join(rest))
        })
    } else {
        (per_priority(), jumps_and_flow(), whole_plan())
    };
    out.extend(local);
    out.extend(jumps);
    out.extend(rest);
    references
}

/// A rule's thread's result; its panic, if it panicked, goes on in the caller.
fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
