//! `CHANNEL(item)` for the channel's own fields (funcs/func_channel.c): what a new channel
//! reads, what the dialplan writes, what a Local channel's `;2` half starts with, and that
//! the channel is told of each write, on both engines.

use pbx_engine::vars::Variables;
use pbx_engine::{AppResult, Attributes, Call, Channel, SimulatedChannel};

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::{engines, get};

/// A simulated channel that keeps what it was told.
struct Told {
    inner: SimulatedChannel,
    attributes: Vec<Attributes>,
}

impl Channel for Told {
    fn name(&self) -> &[u8] {
        self.inner.name()
    }
    fn execute(&mut self, app: &str, data: &[u8], vars: &mut Variables) -> AppResult {
        self.inner.execute(app, data, vars)
    }
    fn attributes_set(&mut self, attributes: &Attributes) {
        self.attributes.push(attributes.clone());
    }
}

const DIALPLAN: &str = "\
[c]
exten => s,1,Set(new=${CHANNEL(language)}|${CHANNEL(musicclass)}|${CHANNEL(accountcode)}|${CHANNEL(amaflags)}|${CHANNEL(userfield)})
 same => n,Set(who=${CHANNEL(name)}|${CHANNEL(channame)}|${CHANNEL(channeltype)}|${CHANNEL(uniqueid)}|${CHANNEL(linkedid)})
 same => n,Set(where=${CHANNEL(context)}|${CHANNEL(exten)}|${CHANNEL(checkhangup)}|${CHANNEL(max_forwards)})
 same => n,Set(CHANNEL(Language)=fr_CA)
 same => n,Set(CHANNEL(musicclass)=jazz)
 same => n,Set(CHANNEL(accountcode)=acct7)
 same => n,Set(CHANNEL(peeraccount)=peer7)
 same => n,Set(CHANNEL(userfield)=note)
 same => n,Set(CHANNEL(amaflags)=BILLING)
 same => n,Set(set=${CHANNEL(LANGUAGE)}|${CHANNEL(musicclass)}|${CHANNEL(accountcode)}|${CHANNEL(peeraccount)}|${CHANNEL(amaflags)}|${CHANNEL(userfield)})
 same => n,Set(CHANNEL(amaflags)=7x)
 same => n,Set(numeric=${CHANNEL(amaflags)})
 same => n,Set(CHANNEL(amaflags)=nonsense)
 same => n,Set(named=${CHANNEL(amaflags)})
 same => n,Set(unmodelled=[${CHANNEL(audionativeformat)}])
 same => n,Set(CHANNEL(hangupsource)=first)
 same => n,Set(CHANNEL(hangupsource)=second)
 same => n,Set(CHANNEL(max_forwards)=5x)
 same => n,Set(CHANNEL(max_forwards)=many)
 same => n,Set(CHANNEL(tenantid)=t1)
 same => n,Set(more=${CHANNEL(hangupsource)}|${CHANNEL(max_forwards)}|${CHANNEL(tenantid)})
 same => n,Dial(Local/child@c)
exten => child,1,Set(GLOBAL(child)=${CHANNEL(language)}|${CHANNEL(musicclass)}|${CHANNEL(accountcode)}|${CHANNEL(peeraccount)}|${CHANNEL(amaflags)}|${CHANNEL(linkedid)}|${CHANNEL(channeltype)}|${CHANNEL(max_forwards)})
";

#[test]
fn channel_fields_are_read_written_told_and_handed_to_a_local_half_on_both_engines() {
    let (plan, findings) = pbxc_dialplan::lower_text(DIALPLAN.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    for (engine_name, mut engine, runs) in engines(&plan) {
        for _ in 0..runs {
            let mut call = Call::new(b"c", b"s", Some(b"100"));
            call.set_unique_id(b"1700000123.45");
            let mut chan = Told {
                inner: SimulatedChannel::new(b"PJSIP/alice-00000001"),
                attributes: Vec::new(),
            };
            engine.run(&mut call, &mut chan, &mut |_| {});
            // A new channel: the default language, DOCUMENTATION (3), nothing else.
            assert_eq!(get(&call, "new"), "en|||3|", "{engine_name}");
            assert_eq!(
                get(&call, "who"),
                "PJSIP/alice-00000001|PJSIP/alice-00000001|PJSIP|1700000123.45|1700000123.45"
            );
            assert_eq!(get(&call, "where"), "c|s|0|20");
            // Items are named in any case.
            assert_eq!(get(&call, "set"), "fr_CA|jazz|acct7|peer7|2|note");
            // A number's leading digits, else a name, else none (0).
            assert_eq!(get(&call, "numeric"), "7");
            assert_eq!(get(&call, "named"), "0");
            assert_eq!(get(&call, "unmodelled"), "[]");
            // The first hang-up source stays; Max-Forwards takes a number's digits.
            assert_eq!(get(&call, "more"), "first|5|t1");
            assert_eq!(
                call.log,
                [
                    "WARNING: Function CHANNEL needs a live channel; offline it is empty",
                    "WARNING: Unable to set max forwards to 'many'",
                ]
            );
            // The channel was told each write, with every field as it then stood.
            // (Not a second hang-up source, nor a Max-Forwards that is not a number.)
            assert_eq!(chan.attributes.len(), 11, "{engine_name}");
            assert_eq!(chan.attributes[0].language, b"fr_CA");
            assert_eq!(chan.attributes[0].musicclass, b"");
            assert_eq!(chan.attributes[5].amaflags, 2);
            assert_eq!(chan.attributes[5].userfield, b"note");
            assert_eq!(*call.attributes, chan.attributes[10]);
            // The `;2` half: the caller's music class and account codes (crossed over
            // twice), the default language and AMA flags, the caller's linked ID, one
            // forward less than the 5 the caller set.
            assert_eq!(
                engine.globals.get(b"child").as_deref(),
                Some(&b"en|jazz|acct7|peer7|3|1700000123.45|Local|4"[..]),
                "{engine_name}"
            );
        }
    }
}

#[test]
fn a_local_half_whose_caller_has_no_peer_account_gets_its_account_code_for_both() {
    let caller = Attributes {
        accountcode: b"acct".to_vec(),
        ..Attributes::default()
    };
    let child = Attributes::for_local_child(&caller, b"1.1");
    assert_eq!(child.accountcode, b"acct");
    assert_eq!(child.peeraccount, b"acct");
    assert_eq!(child.linkedid, b"1.1");
}

const CDR_DIALPLAN: &str = "\
[c]
exten => s,1,Set(who=${CDR(clid)}|${CDR(src)}|${CDR(channel)}|${CDR(uniqueid)}|${CDR(linkedid)})
 same => n,Set(codes=${CDR(accountcode)}|${CDR(amaflags)}|${CDR(amaflags,u)}|[${CDR(userfield)}])
 same => n,Set(CHANNEL(userfield)=from the channel)
 same => n,Set(u1=${CDR(userfield)}|${CHANNEL(userfield)})
 same => n,Set(CDR(userfield)=from the CDR)
 same => n,Set(u2=${CDR(userfield)}|${CHANNEL(userfield)})
 same => n,Set(CDR(recordingfile)=r-1.wav)
 same => n,Set(CDR(RECORDINGFILE)=r-2.wav)
 same => n,Set(own=${CDR(recordingfile)}|${CDR(RecordingFile)}|[${CDR(unset)}])
 same => n,Set(CDR(accountcode)=a1)
 same => n,Set(CDR(amaflags)=omit)
 same => n,Set(CDR(peeraccount)=p1)
 same => n,Set(CDR(src)=999)
 same => n,Set(CDR(tenantid)=t)
 same => n,Set(after=${CHANNEL(accountcode)}|${CDR(accountcode)}|${CDR(amaflags)}|${CDR(src)})
 same => n,Set(times=[${CDR(billsec)}])
 same => n,Set(empty=[${CDR()}])
";

#[test]
fn cdr_reads_the_call_and_its_codes_and_keeps_its_own_variables_on_both_engines() {
    let (plan, findings) = pbxc_dialplan::lower_text(CDR_DIALPLAN.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    for (engine_name, mut engine, runs) in engines(&plan) {
        for _ in 0..runs {
            let mut call = Call::new(b"c", b"s", Some(b"100"));
            call.callerid_name = Some(b"Al \"the\" Pal".to_vec());
            call.set_unique_id(b"1700000123.45");
            let mut chan = SimulatedChannel::new(b"PJSIP/alice-00000001");
            engine.run(&mut call, &mut chan, &mut |_| {});
            assert_eq!(
                get(&call, "who"),
                "\"Al \\\"the\\\" Pal\" <100>|100|PJSIP/alice-00000001|1700000123.45|1700000123.45",
                "{engine_name}"
            );
            assert_eq!(get(&call, "codes"), "|DOCUMENTATION|3|[]");
            // The channel's user field goes to CEL, not to the record.
            assert_eq!(get(&call, "u1"), "|from the channel");
            assert_eq!(get(&call, "u2"), "from the CDR|from the channel");
            // Names in any case, the last value set.
            assert_eq!(get(&call, "own"), "r-2.wav|r-2.wav|[]");
            assert_eq!(get(&call, "after"), "a1|a1|OMIT|100");
            // The simulated channel keeps a CDR too; nothing takes time offline.
            assert_eq!(get(&call, "times"), "[0]");
            assert_eq!(get(&call, "empty"), "[]");
            assert_eq!(
                call.log,
                [
                    "WARNING: Using the CDR function to set 'accountcode' is deprecated. Please use the CHANNEL function instead.",
                    "WARNING: Using the CDR function to set 'amaflags' is deprecated. Please use the CHANNEL function instead.",
                    "WARNING: The 'peeraccount' setting is not supported. Please set the 'accountcode' on the appropriate channel using the CHANNEL function.",
                    "ERROR: Attempt to set the 'src' read-only variable!",
                    "ERROR: Attempt to set the 'tenantid' read-only variable!",
                    "WARNING: CDR requires a variable (CDR(variable[,option]))\n)",
                ],
                "{engine_name}"
            );
        }
    }
}

#[test]
fn a_function_asterisk_22_removed_is_not_registered_rather_than_offline() {
    let dialplan = "[c]\nexten => s,1,Set(a=[${SIP_HEADER(X-Foo)}][${PJSIP_HEADER(read,X-Foo)}])\n";
    let (plan, findings) = pbxc_dialplan::lower_text(dialplan.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    for (engine_name, mut engine, runs) in engines(&plan) {
        for _ in 0..runs {
            let mut call = Call::new(b"c", b"s", None);
            engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
            assert_eq!(get(&call, "a"), "[][]", "{engine_name}");
            // chan_sip, and its SIP_HEADER, went in Asterisk 21; PJSIP_HEADER needs a
            // PJSIP channel, which only the runtime has.
            assert_eq!(
                call.log,
                [
                    "ERROR: Function SIP_HEADER not registered",
                    "WARNING: Function PJSIP_HEADER needs a live channel; offline it is empty",
                ],
                "{engine_name}"
            );
        }
    }
}
