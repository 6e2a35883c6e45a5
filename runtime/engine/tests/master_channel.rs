//! `MASTER_CHANNEL()` (funcs/func_channel.c): `${expr}` read, or a variable (or a function)
//! written, on the channel whose unique ID is the call's linked ID — the call that started
//! the chain of channels. Offline that is the call itself, or, from a Local channel's `;2`
//! half at any depth, the call that dialed first. And `IMPORT(channel,variable)`
//! (funcs/func_logic.c), which reads any channel by name or unique ID. On both engines.

use pbx_engine::{Call, SimulatedChannel};

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::{get, runs_of};

/// Each run of `s@c` of `dialplan`, on each engine: the engine's name and the call.
fn calls(dialplan: &str) -> Vec<(&'static str, Call)> {
    runs_of(dialplan, SimulatedChannel::default)
        .into_iter()
        .map(|(engine_name, call, _)| (engine_name, call))
        .collect()
}

const DIALPLAN: &str = "\
[c]
exten => s,1,Set(lang=fr)
 same => n,Set(MASTER_CHANNEL(own)=on the caller)
 same => n,Set(r1=${MASTER_CHANNEL(own)}|${MASTER_CHANNEL(CHANNEL(name))}|${MASTER_CHANNEL(UNIQUEID)})
 same => n,Dial(Local/200@inside,,g)
 same => n,Set(r2=${FROM_CALLEE}|${CONNECTEDLINE(num)}|${CHILD_ID}|${SEEN}|${DEEP})
[inside]
exten => 200,1,Set(MASTER_CHANNEL(FROM_CALLEE)=${CHANNEL(name)})
 same => n,Set(MASTER_CHANNEL(CONNECTEDLINE(num))=200)
 same => n,Set(MASTER_CHANNEL(CHILD_ID)=${UNIQUEID})
 same => n,Set(MASTER_CHANNEL(SEEN)=${MASTER_CHANNEL(lang)})
 same => n,Set(lang=de)
 same => n,Dial(Local/300@deeper,,g)
 same => n,Answer()
[deeper]
exten => 300,1,Set(MASTER_CHANNEL(DEEP)=${MASTER_CHANNEL(lang)}/${UNIQUEID})
";

#[test]
fn master_channel_reads_and_writes_the_call_that_dialed_first() {
    for (engine_name, call) in calls(DIALPLAN) {
        // The call is its own master.
        assert_eq!(
            get(&call, "r1"),
            "on the caller|Simulated/pbxc-00000001|1700000000.1",
            "{engine_name}"
        );
        // From the `;2` half: variables and functions of the caller written; its
        // variables read; from a nested Local too, the first caller's (`fr`, not the
        // middle channel's `de`). Channels are numbered as Asterisk makes them: the
        // caller .1, the first pair .2 and .3, the nested pair .4 and .5.
        assert_eq!(
            get(&call, "r2"),
            "Local/200@inside-00000000;2|200|1700000000.3|fr|fr/1700000000.5",
            "{engine_name}"
        );
        assert!(call.log.is_empty(), "{:?}", call.log);
    }
}

const IMPORTS: &str = "\
[c]
exten => s,1,Set(mine=caller's)
 same => n,Set(r1=[${IMPORT(${CHANNEL},mine)}][${IMPORT(${UNIQUEID},mine)}][${IMPORT(nobody,mine)}][${IMPORT(${CHANNEL})}][${IMPORT(,mine)}])
 same => n,Set(__CALLER=${CHANNEL})
 same => n,Dial(Local/200@inside,,g)
 same => n,Set(r2=${GOT})
[inside]
exten => 200,1,Set(MASTER_CHANNEL(GOT)=${IMPORT(${CALLER},mine)}|${IMPORT(simulated/PBXC-00000001,CHANNEL(name))}|[${IMPORT(${CALLER},nothing)}])
";

#[test]
fn import_reads_a_channel_by_name_or_unique_id_in_any_case() {
    for (engine_name, call) in calls(IMPORTS) {
        // Its own channel by name and unique ID; no such channel, no variable, or no
        // channel name (which ast_channel_get_by_name reports): empty.
        assert_eq!(
            get(&call, "r1"),
            "[caller's][caller's][][][]",
            "{engine_name}"
        );
        // From the Local `;2` half: the caller, by its name in any case; a function too.
        assert_eq!(
            get(&call, "r2"),
            "caller's|Simulated/pbxc-00000001|[]",
            "{engine_name}"
        );
        assert_eq!(call.log, ["ERROR: name must be provided"]);
    }
}
