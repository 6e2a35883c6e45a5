//! Invariant 6 under load: 200 calls in progress through 50 reloads, one of them a
//! configuration that does not check. A reload replaces the dialplan whole; each call goes
//! on at its next priority, by name, on the newest dialplan; a rejected one changes nothing.

mod common;

use std::time::Duration;

use pbx::scripted::Script;

/// Version `v` of the dialplan: a 25-turn loop that names its version at every turn.
fn version(v: &str) -> String {
    format!(
        "[loop]\n\
         exten => s,1,Set(i=0)\n\
         same => n(top),Set(i=$[${{i}}+1])\n\
         same => n,NoOp(v{v})\n\
         same => n,Wait(0.04)\n\
         same => n,GotoIf($[${{i}}<25]?top)\n\
         same => n,NoOp(done ${{i}})\n"
    )
}

#[test]
fn two_hundred_calls_survive_fifty_reloads_one_of_them_rejected() {
    let f = common::fixture("reload", &version("0"));
    let calls: Vec<_> = (0..200)
        .map(|_| f.call("loop", "s", Script::default()).0)
        .collect();
    let mut rejected = 0;
    for n in 1..=50 {
        std::thread::sleep(Duration::from_millis(15));
        let text = if n == 25 {
            // `${broken` never closes: `pbxc check` reports DP310, so the PBX refuses it.
            version("BAD").replace("NoOp(vBAD)", "NoOp(vBAD ${broken)")
        } else {
            version(&n.to_string())
        };
        std::fs::write(f.dir.join("extensions.conf"), text).unwrap();
        match f.pbx.reload() {
            Ok(()) => assert_ne!(n, 25, "the broken configuration was accepted"),
            Err(reason) => {
                assert_eq!(n, 25, "reload {n} rejected: {reason}");
                assert!(reason.contains("DP310"), "{reason}");
                rejected += 1;
            }
        }
    }
    assert_eq!(rejected, 1);
    assert_eq!(f.pbx.generation(), 49);
    f.settle();

    let mut moved = 0;
    for chan in &calls {
        let trace = chan.trace();
        // Every call finished its 25 turns: the loop counter survived every swap.
        assert_eq!(
            trace.last().unwrap(),
            "loop,s,6,NoOp(done 25)",
            "{trace:#?}"
        );
        let versions: Vec<u32> = trace
            .iter()
            .filter_map(|l| l.strip_prefix("loop,s,3,NoOp(v"))
            .map(|v| {
                v.trim_end_matches(')')
                    .parse()
                    .unwrap_or_else(|_| panic!("a step of a rejected dialplan ran: {v}"))
            })
            .collect();
        assert_eq!(versions.len(), 25);
        // Versions only move forward, and never to the rejected one.
        assert!(versions.windows(2).all(|w| w[0] <= w[1]), "{versions:?}");
        moved += usize::from(versions.first() != versions.last());
    }
    // The reloads happened while the calls ran, not before or after them.
    assert!(moved >= 150, "only {moved} calls saw a reload");
}

/// A loop the JIT has compiled still takes a reload at its next priority.
#[test]
fn a_compiled_loop_moves_to_the_new_dialplan() {
    let version = |v: u32| {
        format!(
            "[loop]\nexten => s,1,NoOp(start)\n same => n(top),NoOp(v{v})\n\
             same => n,GotoIf($[\"${{STOP}}\" = \"yes\"]?done:top)\n same => n(done),NoOp(end v{v})\n"
        )
    };
    let f = common::fixture("compiled", &version(1));
    let (chan, _) = f.call("loop", "s", Script::default());
    // Long enough for thousands of turns: the loop is native code by now.
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(f.dir.join("extensions.conf"), version(2)).unwrap();
    f.pbx.reload().unwrap();
    std::thread::sleep(Duration::from_millis(100));
    f.pbx.globals.lock().unwrap().set(b"STOP", Some(b"yes"));
    f.settle();
    assert_eq!(chan.trace().last().unwrap(), "loop,s,4,NoOp(end v2)");
}
