//! `AST_PBX_MAX_STACK` (spec §3.3): a search enters at most 512 contexts. Once that many are
//! marked searched, each include it would still follow fails with `Maximum PBX stack (512)
//! exceeded. Too many includes?`, whether its context was searched already or exists at all;
//! a closed time-conditioned include is passed over before the limit is looked at. The
//! reference search and the routing index answer alike, and the index knows when a search
//! that finds nothing met the limit.

use pbxc_dialplan::route::{self, MAX_STACK, Note};
use pbxc_dialplan::route_index::RouteIndex;
use pbxc_dialplan::timing::Moment;

/// `c0` includes `c1`, which includes `c2`, … up to `c{last}`, which has extension `s`;
/// each context also has extension `N` for its own number.
fn chain(last: usize, extra: &str) -> pbxc_dialplan::Dialplan {
    let mut text = String::new();
    for i in 0..=last {
        text += &format!("[c{i}]\nexten => {i},1,NoOp()\n");
        if i < last {
            text += &format!("include => c{}\n", i + 1);
        }
    }
    text += &format!("exten => s,1,NoOp()\n{extra}");
    let (plan, findings) = pbxc_dialplan::lower_text(text.as_bytes());
    // A missing include is warned of, and lowers all the same.
    assert!(
        findings
            .iter()
            .all(|f| f.code.name == "include-missing-context"),
        "{findings:?}"
    );
    plan
}

fn exceeded(search: &route::Search) -> usize {
    search
        .notes
        .iter()
        .filter(|n| matches!(n, Note::StackExceeded { .. }))
        .count()
}

/// Routing as a call would ask, by both searches; the index's warning flag beside.
fn answers(plan: &pbxc_dialplan::Dialplan, exten: &str) -> (Option<usize>, bool) {
    let reference = route::find_at(plan, b"c0", exten.as_bytes(), 1, None, Moment::utc(0));
    let index = RouteIndex::new(plan);
    let found = index.find(b"c0", exten.as_bytes(), 1, None, Moment::utc(0));
    assert_eq!(
        found.map(|f| f.context),
        reference.winner().map(|w| w.context),
        "{exten}"
    );
    (
        found.map(|f| f.context),
        index.exceeds_stack(b"c0", Moment::utc(0)),
    )
}

#[test]
fn the_512th_context_is_searched_and_the_513th_is_not() {
    // c0 … c511: 512 contexts, the last holding `s`.
    let plan = chain(MAX_STACK - 1, "");
    assert_eq!(answers(&plan, "s"), (Some(511), false));
    // c0 … c512: `s` in the 513th is out of reach; numbers in the first 512 are found.
    let plan = chain(MAX_STACK, "");
    let (found, _) = answers(&plan, "s");
    assert_eq!(found, None);
    assert_eq!(answers(&plan, "511").0, Some(511));
    assert_eq!(answers(&plan, "512").0, None);
    // The search that found nothing met the one include it could not follow: c511's.
    let search = route::find_at(&plan, b"c0", b"s", 1, None, Moment::utc(0));
    assert_eq!(search.searched.len(), MAX_STACK);
    assert_eq!(
        search.notes,
        [Note::StackExceeded {
            from: 511,
            include: 0
        }]
    );
    assert!(RouteIndex::new(&plan).exceeds_stack(b"c0", Moment::utc(0)));
}

/// Breadth counts as depth does: the visited list is one for the whole search.
#[test]
fn a_context_with_600_includes_reaches_its_first_511() {
    let mut text = String::from("[top]\n");
    for i in 0..600 {
        text += &format!("include => i{i}\n");
    }
    for i in 0..600 {
        text += &format!("[i{i}]\nexten => {i},1,NoOp()\n");
    }
    let (plan, _) = pbxc_dialplan::lower_text(text.as_bytes());
    let index = RouteIndex::new(&plan);
    let found = |n: &str| {
        index
            .find(b"top", n.as_bytes(), 1, None, Moment::utc(0))
            .is_some()
    };
    assert!(found("0") && found("510"));
    assert!(!found("511") && !found("599"));
    let search = route::find_at(&plan, b"top", b"599", 1, None, Moment::utc(0));
    assert_eq!(
        exceeded(&search),
        600 - 511,
        "one warning per include not followed"
    );
}

/// The limit is looked at before whether the include's context was searched already or
/// exists; a closed time-conditioned include is passed over first, with no warning.
#[test]
fn the_limit_comes_after_the_time_condition_and_before_the_rest() {
    // c511 includes c0 again (searched already) and a context that does not exist.
    let plan = chain(MAX_STACK - 1, "include => c0\ninclude => nosuch\n");
    let search = route::find_at(&plan, b"c0", b"none", 1, None, Moment::utc(0));
    assert_eq!(exceeded(&search), 2);
    assert!(RouteIndex::new(&plan).exceeds_stack(b"c0", Moment::utc(0)));
    // Closed at the time asked (1970-01-01 was a Thursday): no warning, nothing exceeded.
    let plan = chain(MAX_STACK - 1, "include => c0,*,mon,*,*\n");
    let search = route::find_at(&plan, b"c0", b"none", 1, None, Moment::utc(0));
    assert_eq!(exceeded(&search), 0);
    assert!(!RouteIndex::new(&plan).exceeds_stack(b"c0", Moment::utc(0)));
    let plan = chain(MAX_STACK - 1, "include => c0,*,thu,*,*\n");
    assert!(RouteIndex::new(&plan).exceeds_stack(b"c0", Moment::utc(0)));
}

/// A long chain costs what 512 contexts cost: each include's context is found by name once,
/// and the search stops at the limit.
#[test]
fn a_chain_of_100000_contexts_routes_within_the_limit() {
    let plan = chain(100_000, "");
    let index = RouteIndex::new(&plan);
    assert_eq!(
        index
            .find(b"c0", b"7", 1, None, Moment::utc(0))
            .map(|f| f.context),
        Some(7)
    );
    assert_eq!(index.find(b"c0", b"s", 1, None, Moment::utc(0)), None);
    assert!(index.exceeds_stack(b"c0", Moment::utc(0)));
    assert!(!index.exceeds_stack(b"c99999", Moment::utc(0)));
}

/// A time-conditioned include past the limit that leads nowhere (its context is missing)
/// changes nothing in the order: the flattening stands, and whether a search warns is
/// answered by the reference search at that time.
#[test]
fn a_timed_include_past_the_limit_keeps_the_flattening() {
    let plan = chain(MAX_STACK - 1, "include => nosuch,*,mon,*,*\n");
    let index = RouteIndex::new(&plan);
    let monday = 4 * 86_400;
    for now in [0, monday] {
        let now = Moment::utc(now);
        assert!(index.flattened(0, now), "at {now:?}");
        assert_eq!(
            index.find(b"c0", b"s", 1, None, now).map(|f| f.context),
            Some(511)
        );
    }
    // 1970-01-01 was a Thursday: closed, no warning; open on the Monday after.
    assert!(!index.exceeds_stack(b"c0", Moment::utc(0)));
    assert!(index.exceeds_stack(b"c0", Moment::utc(monday)));
}
