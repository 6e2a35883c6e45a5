//! The names `pbx_retrieve_variable` answers itself, before the channel's variables and the
//! globals (spec §4.4): the call's own (caller presentation, hint, hang-up cause…) and the
//! system's (name, directories, entity ID), on both engines.

use std::sync::Arc;

use pbx_engine::system::System;
use pbx_engine::{Call, SimulatedChannel};

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::{engines, get};

const DIALPLAN: &str = "\
[c]
exten => s,1,Set(HANGUPCAUSE=99)
 same => n,Set(cause=${HANGUPCAUSE})
 same => n,Set(SYSTEMNAME=mine)
 same => n,Set(name=[${SYSTEMNAME}])
 same => n,Set(etc=${ASTETCDIR})
 same => n,Set(db=${ASTDBDIR})
 same => n,Set(pres=${CALLINGPRES})
 same => n,Set(zeros=${CALLINGTON}${CALLINGANI2}${CALLINGTNS})
 same => n,Set(HINT=mine)
 same => n,Set(nohint=[${HINT}|${HINTNAME}])
 same => n,Set(next=$[${HANGUPCAUSE} + 1])
 same => n,Goto(100,1)
exten => 100,hint,PJSIP/100&Custom:dnd(Alice)
exten => 100,1,Set(hint=${HINT}|${HINTNAME})
 same => n,Set(eid=${ENTITYID})
";

fn run(system: &Arc<System>, callerid: Option<&[u8]>) -> Vec<Call> {
    let (plan, findings) = pbxc_dialplan::lower_text(DIALPLAN.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    let mut calls = Vec::new();
    for (_, mut engine, runs) in engines(&plan) {
        engine.system = system.clone();
        for _ in 0..runs {
            let mut call = Call::new(b"c", b"s", callerid);
            engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
            calls.push(call);
        }
    }
    calls
}

#[test]
fn built_in_names_shadow_variables_and_read_the_call_and_the_system_on_both_engines() {
    let defaults = System::shared_default();
    for call in run(&defaults, Some(b"555")) {
        // A channel variable of a built-in name is set, but never read.
        assert_eq!(get(&call, "cause"), "0");
        assert_eq!(get(&call, "next"), "1");
        assert_eq!(get(&call, "name"), "[]");
        assert_eq!(get(&call, "etc"), "/etc/asterisk");
        assert_eq!(get(&call, "db"), "/var/lib/asterisk/astdb");
        // Allowed, not screened: the caller's number is valid.
        assert_eq!(get(&call, "pres"), "0");
        assert_eq!(get(&call, "zeros"), "000");
        // `s` has no hint (and a channel variable of that name is not read instead); `100`
        // has one, read with an empty caller ID: its device, and what pbx_config took for
        // its data.
        assert_eq!(get(&call, "nohint"), "[|]");
        assert_eq!(get(&call, "hint"), "PJSIP/100&Custom:dnd|Alice");
        assert_eq!(
            get(&call, "eid").as_bytes(),
            pbx_engine::system::machine_entity_id()
        );
    }
    // Neither a number nor a name: `AST_PRES_NUMBER_NOT_AVAILABLE`.
    for call in run(&defaults, None) {
        assert_eq!(get(&call, "pres"), "67");
    }
    let conf: [(&[u8], &[u8], &[u8]); 4] = [
        (b"options", b"systemname", b"pbx1"),
        (b"options", b"entityid", b"00:11:22:33:44:55"),
        (b"directories", b"astetcdir", b"/srv/etc"),
        (b"directories", b"astvarlibdir", b"/srv/lib"),
    ];
    let (configured, log) = System::from_asterisk_conf(conf);
    assert!(log.is_empty(), "{log:?}");
    let configured = Arc::new(configured);
    for call in run(&configured, Some(b"555")) {
        assert_eq!(get(&call, "name"), "[pbx1]");
        assert_eq!(get(&call, "etc"), "/srv/etc");
        assert_eq!(get(&call, "db"), "/srv/lib/astdb");
        assert_eq!(get(&call, "eid"), "00:11:22:33:44:55");
    }
}

/// (Hangup's data, `${HANGUPCAUSE}` in `h`, whether the cause is reported invalid).
const HANGUPS: &[(&str, &str, bool)] = &[
    ("", "16", false),
    ("17", "17", false),
    // `ast_str2cause`: a name, in any case, that the data starts with.
    ("user_busy", "17", false),
    ("NORMAL_CLEARING_and_more", "16", false),
    ("bogus", "16", true),
    ("-3", "16", true),
];

#[test]
fn hangup_gives_the_cause_h_reads_on_both_engines() {
    let mut text = String::from("[c]\nexten => h,1,Set(cause=${HANGUPCAUSE})\n");
    for (i, (data, _, _)) in HANGUPS.iter().enumerate() {
        text += &format!("exten => {i},1,Hangup({data})\n");
    }
    let (plan, findings) = pbxc_dialplan::lower_text(text.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    for (name, mut engine, runs) in engines(&plan) {
        for run in 0..runs {
            for (i, (data, cause, invalid)) in HANGUPS.iter().enumerate() {
                let mut call = Call::new(b"c", i.to_string().as_bytes(), None);
                engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
                let what = format!("Hangup({data}) ({name}, run {run})");
                assert_eq!(get(&call, "cause"), *cause, "{what}");
                let warned = format!("WARNING: Invalid cause given to Hangup(): \"{data}\"");
                assert_eq!(call.log == [warned], *invalid, "{what}: {:?}", call.log);
            }
        }
    }
}
