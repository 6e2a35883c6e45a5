//! ResetCDR, ForkCDR and `CDR_PROP()` (apps/app_cdr.c, apps/app_forkcdr.c, funcs/func_cdr.c)
//! as the engine hands them to the channel's CDR engine, on both engines: the options read,
//! the record's variables kept or cleared, and the warnings Asterisk logs — including those
//! of a channel that keeps no CDR (offline, or with CDRs off).

use pbx_cdr::chain::{Fork, Property};
use pbx_engine::vars::Variables;
use pbx_engine::{AppResult, CdrCommand, Channel, SimulatedChannel};

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::{get, runs_of};

/// A simulated channel whose CDR engine takes every command (`keeps`) or has no CDR.
struct Recording {
    inner: SimulatedChannel,
    keeps: bool,
    commands: Vec<CdrCommand>,
}

impl Channel for Recording {
    fn name(&self) -> &[u8] {
        self.inner.name()
    }
    fn execute(&mut self, app: &str, data: &[u8], vars: &mut Variables) -> AppResult {
        self.inner.execute(app, data, vars)
    }
    fn cdr_command(&mut self, command: CdrCommand) -> bool {
        self.commands.push(command);
        self.keeps
    }
}

/// Runs `s` of `[c]` (with `body` as its priorities) on a channel that `keeps` a CDR or not:
/// the commands it got, the call's log, and variable `r`.
fn run(body: &str, keeps: bool) -> Vec<(Vec<CdrCommand>, Vec<String>, String)> {
    let text = format!("[c]\nexten => s,1,NoOp()\n{body}");
    let recording = || Recording {
        inner: SimulatedChannel::default(),
        keeps,
        commands: Vec::new(),
    };
    runs_of(&text, recording)
        .into_iter()
        .map(|(_, call, chan)| (chan.commands, call.log.clone(), get(&call, "r")))
        .collect()
}

fn fork(set_answer: bool, finalize: bool, reset: bool, keep_vars: bool) -> CdrCommand {
    CdrCommand::Fork(Fork {
        set_answer,
        finalize,
        reset,
        keep_vars,
    })
}

#[test]
fn reset_clears_the_records_variables_unless_v() {
    let body = " same => n,Set(CDR(a)=1)\n same => n,ResetCDR()\n\
                same => n,Set(CDR(b)=2)\n same => n,ResetCDR(v)\n\
                same => n,Set(r=${CDR(a)}|${CDR(b)})\n";
    for (commands, log, r) in run(body, true) {
        assert_eq!(commands, [CdrCommand::Reset, CdrCommand::Reset]);
        assert_eq!(r, "|2");
        assert!(log.is_empty(), "{log:?}");
    }
}

#[test]
fn fork_reads_its_options_and_keeps_the_variables_only_with_v() {
    let body = " same => n,Set(CDR(a)=1)\n same => n,ForkCDR(aerv)\n\
                same => n,Set(r=${CDR(a)})\n same => n,ForkCDR(e,ignored)\n\
                same => n,Set(r=${r}|${CDR(a)})\n\
                same => n,ForkCDR(ra(x)\n";
    for (commands, log, r) in run(body, true) {
        assert_eq!(
            commands,
            [
                fork(true, true, true, true),
                // One argument takes the whole data: `,ignored` is option letters too,
                // and its `r` resets.
                fork(false, true, true, false),
                // `a(x` has no `)`: the parse stops there, and `r` before it still counts.
                fork(false, false, true, false),
            ]
        );
        assert_eq!(r, "1|");
        // Every letter ast_app_parse_options does not know is named, in order.
        let unknown =
            [',', 'i', 'g', 'n', 'o', 'd'].map(|c| format!("WARNING: Unrecognized option: '{c}'"));
        let mut expected = unknown.to_vec();
        expected.push("WARNING: Missing closing parenthesis for argument 'a' in string 'x'".into());
        assert_eq!(log, expected);
    }
}

#[test]
fn cdr_prop_sets_and_clears_party_a_and_disable() {
    let body = " same => n,Set(CDR_PROP(Party_A)=yes)\n same => n,Set(CDR_PROP(disable)=1)\n\
                same => n,Set(CDR_PROP(DISABLE)=no)\n same => n,Set(CDR_PROP(party_a)=0)\n\
                same => n,Set(CDR_PROP(userfield)=1)\n same => n,Set(CDR_PROP(disable)=)\n\
                same => n,Set(CDR_PROP()=1)\n";
    for (commands, log, _) in run(body, true) {
        assert_eq!(
            commands,
            [
                CdrCommand::Property(Property::PartyA, true),
                CdrCommand::Property(Property::Disable, true),
                CdrCommand::Property(Property::Disable, false),
                CdrCommand::Property(Property::PartyA, false),
            ]
        );
        assert_eq!(
            log,
            [
                "WARNING: Unknown option userfield used with CDR_PROP",
                "WARNING: CDR_PROP requires a value (CDR_PROP(variable)=value)\n)",
                "WARNING: CDR_PROP requires a variable (CDR_PROP(variable)=value)\n)",
            ]
        );
    }
}

#[test]
fn a_channel_without_a_cdr_warns_for_the_applications_and_keeps_the_variables() {
    let body = " same => n,Set(CDR(a)=1)\n same => n,ResetCDR()\n same => n,ForkCDR()\n\
                same => n,Set(CDR_PROP(disable)=1)\n same => n,Set(r=${CDR(a)})\n";
    for (commands, log, r) in run(body, false) {
        assert_eq!(commands.len(), 3);
        assert_eq!(r, "1");
        // CDR_PROP's failure is silent, as ast_cdr_set_property's is.
        assert_eq!(
            log,
            [
                "WARNING: Failed to reset CDRs on channel Simulated/pbxc-00000001",
                "WARNING: Failed to fork CDR for channel Simulated/pbxc-00000001",
            ]
        );
    }
}
