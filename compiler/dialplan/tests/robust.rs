//! Lowering and routing never panic, whatever the dialplan text: generated from the pieces
//! that matter to pbx_config (keys, commas, brackets, priorities, labels, patterns, `/cid`).

use pbxc_dialplan::route;
use proptest::prelude::*;

fn dialplan_like() -> impl Strategy<Value = Vec<u8>> {
    let atoms = prop::sample::select(vec![
        &b"\n[c]\n"[..],
        b"\n[d](+)\n",
        b"\n[globals]\nA=${A}1\n",
        b"\nexten => ",
        b"\nsame => ",
        b"\ninclude => ",
        b"\nswitch => ",
        b"\nignorepat => ",
        b"_",
        b"X",
        b"N",
        b"Z",
        b".",
        b"!",
        b"[",
        b"]",
        b"-",
        b"/",
        b",",
        b"1",
        // The largest priority, and beyond: `n` after it must not overflow.
        b"2147483647",
        b"99999999999",
        b"n",
        b"s",
        b"hint",
        b"(",
        b")",
        b"+",
        b"NoOp",
        b" ",
        b"${A}",
        b"$[",
        b"\\",
        b"d",
        b"c",
        b"\n",
    ]);
    prop::collection::vec(atoms, 0..80).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn lowering_and_routing_never_panic(text in dialplan_like(), number in "[0-9a-z_.!-]{0,6}", cid in proptest::option::of("[0-9]{0,4}")) {
        let (plan, diagnostics) = pbxc_dialplan::lower_text(&text);
        for d in &diagnostics {
            prop_assert!(d.primary.range.end as usize <= text.len());
        }
        let _ = pbxc_dialplan::dump(&plan);
        for c in &plan.contexts {
            for prio in [1, 2, -1, i32::MAX] {
                let search = route::find(&plan, &c.name, number.as_bytes(), prio, cid.as_deref().map(str::as_bytes));
                if let Some(w) = search.winner() {
                    prop_assert!(plan.contexts[w.context].extensions[w.extension].priority(prio).is_some());
                }
            }
        }
    }
}

/// `n` after the largest priority stays at the largest, which is then taken: nothing wraps
/// into a priority that was never written, and nothing panics.
#[test]
fn next_after_the_largest_priority_is_the_largest() {
    let (plan, _) = pbxc_dialplan::lower_text(
        b"[c]\nexten => s,2147483647,NoOp(last)\n same => n,NoOp(after)\n same => n,NoOp(more)\n",
    );
    let numbers: Vec<i32> = plan.contexts[0].extensions[0]
        .priorities
        .iter()
        .map(|p| p.number)
        .collect();
    assert_eq!(numbers, [i32::MAX]);
}
