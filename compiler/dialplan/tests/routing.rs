//! Routing: the oracle lookups of sections 1–3 of `shared/conformance/pattern-cases.md`
//! (`EVAL_EXTEN(ctx,exten,prio)` on a real Asterisk, old matcher, empty caller ID), read at
//! test time by `pbxc_conformance::patterns`. Each extension's priorities show the answer as
//! the table writes it; the search's winner must be the extension that shows it.
//! `runtime/engine/tests/routing.rs` makes the same lookups as calls, on both engines.

use pbxc_conformance::patterns::{self, Case};
use pbxc_dialplan::route;

/// What the search answers for each lookup of `case`, against what Asterisk answered.
fn differences(case: &Case, section_3: bool) -> Vec<String> {
    let (plan, _) = pbxc_dialplan::lower_text(case.dialplan.as_bytes());
    let mut out = Vec::new();
    for l in &case.lookups {
        let search = route::find(
            &plan,
            l.context.as_bytes(),
            l.exten.as_bytes(),
            l.priority,
            None,
        );
        let got = search.winner().map(|w| {
            let e = &plan.contexts[w.context].extensions[w.extension];
            let shown = e.priority(l.priority).expect("the winner has the priority");
            let shown = String::from_utf8_lossy(&shown.data).into_owned();
            if section_3 {
                format!("{shown}:p{}", l.priority)
            } else {
                shown
            }
        });
        if got != l.answer {
            out.push(format!(
                "{}: {}@{} p{}: Asterisk {:?}, pbxc {got:?}\n{}",
                case.name, l.exten, l.context, l.priority, l.answer, case.dialplan
            ));
        }
    }
    out
}

#[test]
fn lookups_match_asterisk_old_matcher() {
    let mut cases = patterns::section_3();
    let rows: usize = cases.iter().map(|c| c.lookups.len()).sum();
    assert!(rows >= 60, "only {rows} rows");
    let mut failures: Vec<String> = cases.iter().flat_map(|c| differences(c, true)).collect();
    cases = vec![patterns::section_1(), patterns::section_2()];
    assert!(cases.iter().all(|c| c.lookups.len() >= 4));
    failures.extend(cases.iter().flat_map(|c| differences(c, false)));
    assert!(
        failures.is_empty(),
        "{} lookups differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Section 7 of `pattern-cases.md`: one pattern against one input in each match mode.
#[test]
fn match_modes_of_a_single_pattern() {
    use pbxc_dialplan::route::{Mode, extension_match};
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/conformance/pattern-cases.md"
    ))
    .unwrap();
    let section = text.split("\n## 7.").nth(1).expect("section 7");
    let mut rows = 0;
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let pattern = cells[0].trim_matches('`');
        let input = cells[1].trim_matches('`');
        for (mode, want) in [Mode::Match, Mode::CanMatch, Mode::MatchMore]
            .into_iter()
            .zip(&cells[2..5])
        {
            let got = extension_match(pattern.as_bytes(), input.as_bytes(), mode);
            assert_eq!(got.to_string(), *want, "{pattern} {input:?} {mode:?}");
        }
        rows += 1;
    }
    assert!(rows >= 23, "{rows} rows");
}
