//! Routing in calls: every lookup of sections 1, 2, 3 and 6 of
//! `shared/conformance/pattern-cases.md` (read by `pbxc_conformance::patterns`) as a call
//! that starts there, on both engines (the JIT three times on one engine, so that the later
//! calls run what the first ones compiled). `compiler/dialplan/tests/routing.rs` asks the
//! search itself the same questions.
//!
//! Sections 1–3: the first priority the call runs shows which extension answered (its
//! `NoOp`), or nothing runs when none does. Section 6 (caller-ID matching, real calls on
//! Asterisk): the call sets the `R_${CASE}` global to what answered, as on Asterisk.

use pbx_engine::{Call, Engine, SimulatedChannel};
use pbxc_conformance::patterns::{self, Case, Lookup};

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::engines;

/// What the first priority the call runs shows, with `:pN` after it for section 3.
fn first_shown(engine: &mut Engine, l: &Lookup, with_priority: bool) -> Option<String> {
    let mut call = Call::new(l.context.as_bytes(), l.exten.as_bytes(), None);
    call.priority = l.priority;
    let mut first = None;
    engine.run(&mut call, &mut SimulatedChannel::default(), &mut |e| {
        if first.is_none() {
            let shown = String::from_utf8_lossy(e.data).into_owned();
            first = Some(if with_priority {
                format!("{shown}:p{}", e.priority)
            } else {
                shown
            });
        }
    });
    first
}

fn differences(case: &Case, section_3: bool) -> Vec<String> {
    let (plan, _) = pbxc_dialplan::lower_text(case.dialplan.as_bytes());
    let mut out = Vec::new();
    for (name, mut engine, runs) in engines(&plan) {
        for l in &case.lookups {
            for run in 0..runs {
                let got = first_shown(&mut engine, l, section_3);
                if got != l.answer {
                    out.push(format!(
                        "{}: {}@{} p{} ({name}, run {run}): Asterisk {:?}, pbxc {got:?}",
                        case.name, l.exten, l.context, l.priority, l.answer
                    ));
                }
            }
        }
    }
    out
}

#[test]
fn calls_are_routed_as_asterisk_routes_them() {
    let mut failures = Vec::new();
    let section_3 = patterns::section_3();
    let lookups: usize = section_3.iter().map(|c| c.lookups.len()).sum();
    assert!(lookups >= 60, "{lookups} lookups");
    for case in &section_3 {
        failures.extend(differences(case, true));
    }
    for case in [patterns::section_1(), patterns::section_2()] {
        assert!(case.lookups.len() >= 4, "{}", case.name);
        failures.extend(differences(&case, false));
    }
    assert!(
        failures.is_empty(),
        "{} calls differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn caller_id_variants_answer_as_in_real_calls() {
    let case = patterns::section_6();
    assert!(case.lookups.len() >= 20, "{} rows", case.lookups.len());
    let (plan, _) = pbxc_dialplan::lower_text(case.dialplan.as_bytes());
    let mut failures = Vec::new();
    for (name, mut engine, runs) in engines(&plan) {
        for (i, l) in case.lookups.iter().enumerate() {
            for run in 0..runs {
                // A case of its own per call: the globals outlive the calls.
                let label = format!("{i}_{run}");
                let caller = l.caller.as_deref().map(str::as_bytes);
                let mut call = Call::new(l.context.as_bytes(), l.exten.as_bytes(), caller);
                call.vars.set(b"CASE", Some(label.as_bytes()));
                engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
                let got = engine
                    .globals
                    .get(format!("R_{label}").as_bytes())
                    .map(|v| String::from_utf8_lossy(&v).into_owned());
                if got != l.answer {
                    failures.push(format!(
                        "{} from {:?} ({name}, run {run}): Asterisk {:?}, pbxc {got:?}",
                        l.exten, l.caller, l.answer
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
