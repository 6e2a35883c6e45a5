//! The rules, one concern per module, run in this order over the same steps.

mod applications;
mod expressions;
mod flow;
mod patterns;
mod pjsip;
mod taint;
mod targets;
mod voicemail;

use pbxc_diagnostics::Diagnostic;

use crate::step::steps;
use crate::{Cx, Reference};

/// From this many priorities on, a check without a memo runs its rules on threads of their
/// own; below it a thread costs more than it saves.
const PARALLEL_FROM: usize = 4096;

/// Runs the rules; returns where the dialplan names its jump targets. The findings come in
/// the same order however the rules were scheduled: the per-priority rules, then targets and
/// flow, then patterns, pjsip and taint.
///
/// A check with a memo (the language server, after every edit) runs them one after the
/// other: the per-priority rules are then mostly lookups, and findings the server keeps
/// would be allocated on threads that exit at once, whose memory the allocator is slow to
/// take back (see `pbxc_syntax::parse_on_this_thread`).
pub(crate) fn run(cx: &Cx, out: &mut Vec<Diagnostic>) -> Vec<Reference> {
    let priorities = cx.plan.contexts.iter().flat_map(|c| &c.extensions);
    let large = priorities.map(|e| e.priorities.len()).sum::<usize>() >= PARALLEL_FROM;
    run_on_threads(cx, out, large && cx.memo.is_none())
}

fn run_on_threads(cx: &Cx, out: &mut Vec<Diagnostic>, parallel: bool) -> Vec<Reference> {
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
                found.reserve(locals.iter().map(|l| l.len()).sum());
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
    let targets = targets::Targets::new(cx, steps);
    let resolve = |part: &[crate::step::Step]| {
        let mut found = Vec::new();
        let jumps = targets.resolve(part, &mut found);
        (found, jumps)
    };
    let whole_plan = || {
        let mut found = Vec::new();
        let mut dialled = Vec::new();
        patterns::check(cx, &mut found);
        patterns::shadowed(cx, &mut found);
        pjsip::check(cx, steps, &mut found, &mut dialled);
        voicemail::check(cx, steps, &mut found);
        taint::check(cx, steps, &mut found);
        (found, dialled)
    };
    // Resolving jumps is the largest rule: its steps are cut in two, the second part going
    // to the thread that also runs the whole-plan rules (which take about half as long).
    let (local, parts, rest) = if parallel {
        let (first, second) = steps.split_at(steps.len() * 3 / 5);
        std::thread::scope(|s| {
            let first = s.spawn(|| resolve(first));
            let rest = s.spawn(|| (whole_plan(), resolve(second)));
            let local = per_priority();
            let (rest, second) = join(rest);
            (local, [join(first), second], rest)
        })
    } else {
        let all = resolve(steps);
        (per_priority(), [all, Default::default()], whole_plan())
    };
    let [(mut found, first), (found_second, second)] = parts;
    found.extend(found_second);
    let mut jumps = targets.finish(vec![first, second], &mut found);
    flow::check(cx, steps, &jumps, &mut found);
    let (rest, dialled) = rest;
    if out.is_empty() {
        *out = local;
    } else {
        out.extend(local);
    }
    out.reserve(found.len() + rest.len());
    out.extend(found);
    out.extend(rest);
    jumps.references.extend(dialled);
    jumps.references
}

/// A rule's thread's result; its panic, if it panicked, goes on in the caller.
fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use pbxc_config::{LoadOptions, Session};

    use crate::{Cx, Input, Target};

    /// The findings and references of `file` of the corpus, the rules run on threads or not.
    fn check(file: &str, parallel: bool) -> Vec<String> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/corpus")
            .join(file);
        let name = path.file_name().unwrap().to_str().unwrap();
        // The file among its neighbours, as in its repository (its #includes are there).
        let fs = pbxc_config::fixture::among_neighbours(
            path.parent().unwrap(),
            name,
            &std::fs::read(&path).unwrap(),
        );
        let mut session = Session::new(&fs, LoadOptions::etc_asterisk());
        let config = session.load(name).unwrap();
        let (plan, _) = pbxc_dialplan::lower(&config, session.sources());
        let input = Input {
            plan: &plan,
            sources: session.sources(),
            target: Target::Asterisk(22),
            endpoints: None,
            voicemail: None,
            complete: true,
        };
        let cx = Cx::new(&input);
        let mut found = Vec::new();
        let references = super::run_on_threads(&cx, &mut found, parallel);
        found
            .iter()
            .map(|d| format!("{d:?}"))
            .chain(references.iter().map(|r| format!("{r:?}")))
            .collect()
    }

    #[test]
    fn threads_change_neither_the_findings_nor_their_order() {
        for file in [
            "jbazanl__utp-issabel-asterisk/extensions_additional.conf",
            "asterisk__asterisk/configs/samples/extensions.conf.sample",
        ] {
            let alone = check(file, false);
            assert!(alone.len() > 50, "{file}: {} findings", alone.len());
            assert_eq!(check(file, true), alone, "{file}");
        }
    }
}
