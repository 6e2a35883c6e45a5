//! The routing index answers exactly what the reference search answers, on random dialplans
//! (literals with dashes, every pattern element, caller-ID variants, include cycles, includes
//! that differ only in case or do not exist) and random numbers.

use pbxc_dialplan::route;
use pbxc_dialplan::route_index::{Found, RouteIndex};
use pbxc_dialplan::timing::{Moment, ServerZone};
use proptest::prelude::*;

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,4}",
        "[0-9*#]{1,3}",
        "[0-9]-[0-9]{1,2}",
        "_[0-9NXZ]{1,4}",
        "_[0-9NXZ*#]{0,3}[.!]",
        "_[0-9NXZ.!]{1,5}",
        Just("_[12][2-4,7]X".to_string()),
        Just("_1[]2".to_string()),
        Just("_[3-5".to_string()),
        Just("_1-2X".to_string()),
        Just("s".to_string()),
        Just("_.".to_string()),
        Just("_".to_string()),
    ]
}

fn dialplan() -> impl Strategy<Value = String> {
    let context = (
        proptest::collection::vec(
            (
                name(),
                prop::option::of("[0-9]{0,2}"),
                // 0 stands for a hint (priority -1).
                0..4i32,
                proptest::bool::ANY,
            ),
            0..8,
        ),
        proptest::collection::vec(
            prop_oneof![
                Just("c0"),
                Just("c1"),
                Just("C1"),
                Just("c2"),
                Just("nosuch"),
                // Time-conditioned: which contexts a search visits, and in which order,
                // depends on the clock.
                Just("c1,09:00-17:00,*,*,*"),
                Just("c2,*,mon-fri,*,*"),
                Just("c0,*,*,1-15,*"),
                Just("c2,garbage"),
                // An empty condition does not parse: the include stays open.
                Just("c2,"),
            ],
            0..3,
        ),
    );
    proptest::collection::vec(context, 1..4).prop_map(|contexts| {
        let mut text = String::new();
        for (i, (extens, includes)) in contexts.iter().enumerate() {
            text.push_str(&format!("[c{i}]\n"));
            for inc in includes {
                text.push_str(&format!("include => {inc}\n"));
            }
            for (n, cid, prio, labelled) in extens {
                let cid = cid.as_ref().map(|c| format!("/{c}")).unwrap_or_default();
                let line = if *prio == 0 {
                    format!("exten => {n}{cid},hint,SIP/{n}\n")
                } else if *labelled {
                    format!("exten => {n}{cid},{prio}(l{prio}),NoOp()\n")
                } else {
                    format!("exten => {n}{cid},{prio},NoOp()\n")
                };
                text.push_str(&line);
            }
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]
    #[test]
    fn the_index_agrees_with_the_search(
        text in dialplan(),
        numbers in proptest::collection::vec("[0-9]{0,5}|[0-9*#]{0,7}|[0-9]-[0-9]|s|_X", 1..12),
        cid in prop::option::of("[0-9]{0,2}"),
    ) {
        let (plan, _) = pbxc_dialplan::lower_text(text.as_bytes());
        let index = RouteIndex::new(&plan);
        // Mon 2024-01-01 10:00 and 20:00 UTC, Sat 2024-01-20 10:00 UTC, and the first
        // again: one index asked at each in turn.
        for now in [1_704_103_200i64, 1_704_139_200, 1_705_744_800, 1_704_103_200] {
            let now = Moment::utc(now);
        // At most six time-conditioned includes here, and three times: every context is
        // flattened.
        for c in 0..plan.contexts.len() {
            prop_assert!(index.flattened(c, now));
            // The order a search tries extensions in at `now` (no extension has priority 99,
            // so it tries them all) starts with what no clock changes, which holds the
            // context's own extensions at least.
            let visited = route::find_at(&plan, &plan.contexts[c].name, b"1", 99, None, now).searched;
            let order: Vec<(u32, u32)> = visited
                .iter()
                .flat_map(|&v| (0..plan.contexts[v].extensions.len()).map(move |e| (v as u32, e as u32)))
                .collect();
            let fixed = index.fixed_order(c);
            prop_assert!(order.starts_with(fixed), "{:?} {:?}\n{}", fixed, order, text);
            prop_assert!(fixed.len() >= plan.contexts[c].extensions.len());
            match (index.order(c), index.timed_order(c, now)) {
                (Some(untimed), None) => {
                    prop_assert_eq!(fixed, untimed);
                    prop_assert_eq!(&order[..], untimed);
                    prop_assert_eq!(index.open_set(c, now), None);
                }
                // Every context is flattened here (above).
                (None, Some((open, timed))) => {
                    prop_assert_eq!(timed, &order[..]);
                    prop_assert_eq!(index.open_set(c, now), Some(open));
                }
                (untimed, timed) => prop_assert!(false, "{:?} {:?}", untimed, timed),
            }
        }
        for context in ["c0", "c1", "c2", "nosuch"] {
            for number in &numbers {
                for priority in -1..4 {
                    let cid = cid.as_deref().map(str::as_bytes);
                    let expected = route::find_at(&plan, context.as_bytes(), number.as_bytes(), priority, cid, now)
                        .winner()
                        .map(|w| Found { context: w.context, extension: w.extension });
                    let got = index.find(context.as_bytes(), number.as_bytes(), priority, cid, now);
                    prop_assert_eq!(got, expected, "{} {} prio {} cid {:?}\n{}", context, number, priority, cid, text);
                    // The lookup answers the same, and the first extension that matches at
                    // all answers every priority it has, as the search does.
                    let lookup = index.lookup(context.as_bytes(), number.as_bytes(), priority, cid, now);
                    prop_assert_eq!(lookup.found, expected);
                    let untimed = index.context(context.as_bytes()).is_some_and(|c| index.order(c).is_some());
                    if expected.is_some() && untimed && !number.starts_with('_') {
                        prop_assert!(lookup.first.is_some(), "{} {}\n{}", context, number, text);
                    }
                    if !untimed {
                        prop_assert_eq!(lookup.first, None);
                    }
                    if let Some(first) = lookup.first {
                        let ext = &plan.contexts[first.context].extensions[first.extension];
                        for p in &ext.priorities {
                            let searched = route::find_at(&plan, context.as_bytes(), number.as_bytes(), p.number, cid, now)
                                .winner()
                                .map(|w| Found { context: w.context, extension: w.extension });
                            prop_assert_eq!(searched, Some(first), "{} {} prio {}\n{}", context, number, p.number, text);
                        }
                    }
                    if priority < 1 {
                        continue;
                    }
                    let label = format!("l{priority}");
                    prop_assert_eq!(
                        index.find_label(context.as_bytes(), number.as_bytes(), label.as_bytes(), cid, now),
                        route::find_label(&plan, context.as_bytes(), number.as_bytes(), label.as_bytes(), cid, Some(now)),
                        "label {} of {} in {}\n{}", label, number, context, text
                    );
                }
            }
        }
        }
    }
}

/// What a search tries before its first time-conditioned include is the same at any time:
/// the context's own extensions, then the includes before that one, depth first.
#[test]
fn the_fixed_order_stops_at_the_first_timed_include() {
    let (plan, _) = pbxc_dialplan::lower_text(
        b"[in]\ninclude => early\ninclude => day,09:00-17:00,*,*,*\ninclude => late\n\
          exten => 1,1,NoOp()\nexten => 2,1,NoOp()\n\
          [early]\ninclude => earlier\nexten => 3,1,NoOp()\n\
          [earlier]\nexten => 4,1,NoOp()\n\
          [day]\nexten => 5,1,NoOp()\n[late]\nexten => 6,1,NoOp()\n",
    );
    let index = RouteIndex::new(&plan);
    let names = |order: &[(u32, u32)]| -> Vec<String> {
        order
            .iter()
            .map(|&(c, e)| {
                let name = &plan.contexts[c as usize].extensions[e as usize].name;
                String::from_utf8_lossy(name).into_owned()
            })
            .collect()
    };
    assert_eq!(index.order(0), None);
    assert_eq!(names(index.fixed_order(0)), ["1", "2", "3", "4"]);
    // `early` depends on no clock: all of it.
    assert_eq!(names(index.fixed_order(1)), ["3", "4"]);
    assert_eq!(index.fixed_order(1), index.order(1).unwrap());
    assert!(index.fixed_order(99).is_empty());
}

#[test]
fn time_conditioned_includes_follow_the_clock() {
    let (plan, _) = pbxc_dialplan::lower_text(
        b"[in]\ninclude => day,09:00-17:00,*,*,*\ninclude => night\n[day]\nexten => 1,1,NoOp(day)\n[night]\nexten => 1,1,NoOp(night)\n",
    );
    let index = RouteIndex::new(&plan);
    // 2024-01-01 10:00 and 20:00 UTC.
    for now in [1_704_103_200, 1_704_139_200] {
        let now = Moment::utc(now);
        assert!(index.flattened(0, now));
        let want = route::find_at(&plan, b"in", b"1", 1, None, now)
            .winner()
            .map(|w| w.context);
        assert_eq!(
            index.find(b"in", b"1", 1, None, now).map(|f| f.context),
            want
        );
    }
    assert_ne!(
        index.find(b"in", b"1", 1, None, Moment::utc(1_704_103_200)),
        index.find(b"in", b"1", 1, None, Moment::utc(1_704_139_200))
    );
}

/// Past `TIMED_INCLUDES` time-conditioned includes a context is not flattened (one
/// flattening per combination would be too many): lookups walk, with the same answers.
#[test]
fn too_many_time_conditions_walk() {
    let mut text = String::from("[in]\n");
    for k in 0..=pbxc_dialplan::route_index::TIMED_INCLUDES {
        text.push_str(&format!("include => t{k},{:02}:00-{:02}:59,*,*,*\n", k, k));
    }
    for k in 0..=pbxc_dialplan::route_index::TIMED_INCLUDES {
        text.push_str(&format!("[t{k}]\nexten => 1,1,NoOp({k})\n"));
    }
    let (plan, _) = pbxc_dialplan::lower_text(text.as_bytes());
    let index = RouteIndex::new(&plan);
    for hour in 0..10 {
        // 2024-01-01 at that hour, UTC.
        let now = Moment::utc(1_704_067_200 + hour * 3600);
        assert!(!index.flattened(0, now));
        let want = route::find_at(&plan, b"in", b"1", 1, None, now)
            .winner()
            .map(|w| Found {
                context: w.context,
                extension: w.extension,
            });
        assert_eq!(index.find(b"in", b"1", 1, None, now), want);
        assert!(want.is_some() == (hour <= 8), "hour {hour}");
    }
}

/// A context keeps at most `TIMED_FLATTENINGS` flattenings: a combination of open
/// includes met after those is walked, with the same answers.
#[test]
fn flattenings_per_context_are_bounded() {
    use pbxc_dialplan::route_index::TIMED_FLATTENINGS;
    // Include k is open from k:00 to k:59: every hour up to 5:00 is a combination of its own.
    let mut text = String::from("[in]\n");
    for k in 0..5 {
        text.push_str(&format!("include => t{k},{k:02}:00-{k:02}:59,*,*,*\n"));
    }
    for k in 0..5 {
        text.push_str(&format!("[t{k}]\nexten => 1,1,NoOp({k})\n"));
    }
    let (plan, _) = pbxc_dialplan::lower_text(text.as_bytes());
    let index = RouteIndex::new(&plan);
    for hour in 0..6 {
        let now = Moment::utc(1_704_067_200 + hour * 3600);
        assert_eq!(
            index.flattened(0, now),
            hour < TIMED_FLATTENINGS as i64,
            "hour {hour}"
        );
        let want = route::find_at(&plan, b"in", b"1", 1, None, now)
            .winner()
            .map(|w| Found {
                context: w.context,
                extension: w.extension,
            });
        assert_eq!(index.find(b"in", b"1", 1, None, now), want, "hour {hour}");
    }
    // A combination met before is still flattened.
    assert!(index.flattened(0, Moment::utc(1_704_067_200)));
}

/// Before the epoch's first minute too (no answer is remembered for it).
#[test]
fn times_before_the_epoch_are_asked() {
    let (plan, _) = pbxc_dialplan::lower_text(
        b"[in]\ninclude => t,*,*,*,*\ninclude => u,\n[t]\nexten => 1,1,NoOp()\n[u]\nexten => 2,1,NoOp()\n",
    );
    let index = RouteIndex::new(&plan);
    for now in [-1, -60, -61, 0, 59, 60] {
        let now = Moment::utc(now);
        for number in [&b"1"[..], b"2"] {
            let want = route::find_at(&plan, b"in", number, 1, None, now)
                .winner()
                .map(|w| Found {
                    context: w.context,
                    extension: w.extension,
                });
            assert!(want.is_some());
            assert_eq!(index.find(b"in", number, 1, None, now), want, "at {now:?}");
        }
    }
    assert!(!index.flattened(7, Moment::utc(0)), "no such context");
}

/// The set of open includes remembered for a minute is the server zone's: the same index
/// asked in the same minute on servers in two zones answers for each zone.
#[test]
fn a_remembered_minute_is_the_zones() {
    let (plan, _) = pbxc_dialplan::lower_text(
        b"[in]\ninclude => day,09:00-17:00,mon-fri,*,*\ninclude => night\n\
          [day]\nexten => 1,1,NoOp(day)\n[night]\nexten => 1,1,NoOp(night)\n",
    );
    let index = RouteIndex::new(&plan);
    let new_york = ServerZone::named("America/New_York").expect("zoneinfo has America/New_York");
    // Monday 2026-11-30 21:00 UTC, 16:00 in New York.
    let epoch = 1_796_072_400;
    for _ in 0..3 {
        for (zone, context) in [(ServerZone::UTC, "night"), (new_york, "day")] {
            let now = Moment::new(epoch, zone);
            let want = route::find_at(&plan, b"in", b"1", 1, None, now)
                .winner()
                .map(|w| plan.contexts[w.context].name.clone());
            assert_eq!(want.as_deref(), Some(context.as_bytes()));
            let got = index.find(b"in", b"1", 1, None, now);
            assert_eq!(got.map(|f| plan.contexts[f.context].name.clone()), want);
        }
    }
}
