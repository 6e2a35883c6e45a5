//! `ast_matchmore_extension` with `!` patterns, as `pbx_find_extension` (main/pbx.c, the
//! default matcher) answers: a `!` pattern that matches the number for this caller "is final
//! and is NULL" for the context it is in. Searched first, that ends the whole search with no;
//! in an included context, the including context goes on with its next include. A `!`
//! pattern whose caller ID does not match is passed over like any other.

use pbxc_dialplan::route::matchmore;
use pbxc_dialplan::timing::Moment;

fn plan(text: &str) -> pbxc_dialplan::Dialplan {
    let (plan, findings) = pbxc_dialplan::lower_text(text.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    plan
}

#[test]
fn a_bang_pattern_ends_only_its_own_context() {
    let plan = plan(
        "[top]\ninclude => a\ninclude => b\n\
         [a]\nexten => _1!,1,NoOp()\n\
         [b]\nexten => _12,1,NoOp()\n",
    );
    // `a` answers no for itself; `b`, included after it, could take a 2.
    assert!(matchmore(&plan, b"top", b"1", None, Moment::utc(0)));
    // Searched first, the same pattern is the final answer: no.
    let plan = self::plan(
        "[top]\nexten => _1!,1,NoOp()\ninclude => b\n\
         [b]\nexten => _12,1,NoOp()\n",
    );
    assert!(!matchmore(&plan, b"top", b"1", None, Moment::utc(0)));
}

#[test]
fn a_bang_pattern_for_other_callers_is_passed_over() {
    // (In one context `_12` would sort before `_1!`: a `!` sorts last.)
    let plan = plan("[top]\nexten => _1!/555,1,NoOp()\ninclude => b\n[b]\nexten => _12,1,NoOp()\n");
    assert!(matchmore(&plan, b"top", b"1", Some(b"100"), Moment::utc(0)));
    assert!(!matchmore(
        &plan,
        b"top",
        b"1",
        Some(b"555"),
        Moment::utc(0)
    ));
}
