//! Checks across pjsip.conf and extensions.conf, and the target version.

use pbxc_check::Target;

mod support;

/// Loads both files and returns `code file:line:col message` for each diagnostic.
fn run(extensions: &str, pjsip: &str, target: Target) -> Vec<String> {
    support::run(extensions, Some(pjsip), None, target)
}

const PJSIP: &str = "\
[alice]
type=endpoint
context=from-internal

[bob]
type=endpoint
context=from-intrenal

[carol]
type=endpoint

[tmpl](!)
type=endpoint
context=nowhere
";

const EXTENSIONS: &str = "\
[from-internal]
exten => _X.,1,Dial(PJSIP/alice&PJSIP/${EXTEN}@bob&PJSIP/dave,30)
 same => n,System(echo ${CALLERID(num)} >> /tmp/log)
 same => n,System(echo ${FILTER(0-9,${CALLERID(num)})} >> /tmp/log)
 same => n,Hangup()

[unreached]
exten => _X.,1,System(echo ${EXTEN})
";

#[test]
fn endpoint_contexts_dial_targets_and_injection() {
    assert_eq!(
        run(EXTENSIONS, PJSIP, Target::Asterisk(22)),
        [
            "DP350 pjsip.conf:7:9 endpoint `bob` sends its calls to context `from-intrenal`, which the dialplan does not have: Asterisk rejects them",
            "DP350 pjsip.conf:9:2 endpoint `carol` sends its calls to context `default`, which the dialplan does not have: Asterisk rejects them",
            "DP351 extensions.conf:2:58 `Dial` dials endpoint `dave`, which pjsip.conf does not define",
            "DP360 extensions.conf:2:39 `${EXTEN}` is controlled by the caller and goes unfiltered into the channels to dial (an `&` adds another)",
            "DP360 extensions.conf:3:24 `${CALLERID(num)}` is controlled by the caller and goes unfiltered into a shell command",
        ]
    );
}

#[test]
fn the_target_version_decides_what_exists() {
    let dialplan = "[c]\nexten => 1,1,Macro(dial,100)\n same => n,NoOp(${SIP_HEADER(X-Foo)})\n";
    let codes = |target| -> Vec<String> {
        run(dialplan, "", target)
            .into_iter()
            .map(|d| d.split(' ').take(2).collect::<Vec<_>>().join(" "))
            .collect()
    };
    assert_eq!(codes(Target::Asterisk(20)), Vec::<String>::new());
    assert_eq!(
        codes(Target::Asterisk(21)),
        ["DP302 extensions.conf:2:14", "DP302 extensions.conf:3:19"]
    );
    assert_eq!(codes(Target::Pbx), codes(Target::Asterisk(22)));
    let macro_help = run(dialplan, "", Target::Asterisk(22));
    assert!(
        macro_help[0].contains("`Macro` does not exist in Asterisk 22"),
        "{macro_help:?}"
    );
}
