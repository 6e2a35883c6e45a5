//! Checks across voicemail.conf and extensions.conf: the mailboxes `VoiceMail` and
//! `VoiceMailMain` name.

use pbxc_check::Target;

mod support;

/// Loads both files and returns `code file:line:col message` for each diagnostic.
fn run(extensions: &str, voicemail: &str) -> Vec<String> {
    support::run(extensions, None, Some(voicemail), Target::Asterisk(22))
}

const MAILBOXES: &str = "\
[default]
100 => 1234,Alice
101 => 1234,Bob
[sales]
200 => 1234,Sales
";

#[test]
fn mailboxes_voicemail_conf_does_not_define() {
    let extensions = "\
[c]
exten => 1,1,VoiceMail(100,u)
exten => 2,1,VoiceMail(10O,u)
exten => 3,1,VoiceMail(200@sales&101&102)
exten => 4,1,VoiceMail(200,b)
exten => 5,1,VoiceMail(200@Sales)
exten => 6,1,VoiceMail(${EXTEN}@default&${EXTEN})
exten => 7,1,Voicemail(100@default&200@sales)
";
    assert_eq!(
        run(extensions, MAILBOXES),
        [
            "DP352 extensions.conf:3:24 mailbox `10O@default` is not in voicemail.conf: no message is left and VMSTATUS is FAILED",
            "DP352 extensions.conf:4:38 mailbox `102@default` is not in voicemail.conf: its copy of the message is dropped",
            "DP352 extensions.conf:5:24 mailbox `200@default` is not in voicemail.conf: no message is left and VMSTATUS is FAILED",
        ]
    );
}

#[test]
fn with_searchcontexts_a_bare_mailbox_is_found_anywhere() {
    let extensions = "[c]\nexten => 1,1,VoiceMail(200&300)\n";
    let mailboxes = format!("[general]\nsearchcontexts=yes\n{MAILBOXES}");
    assert_eq!(
        run(extensions, &mailboxes),
        [
            "DP352 extensions.conf:2:28 mailbox `300 (in any context)` is not in voicemail.conf: its copy of the message is dropped"
        ]
    );
}

/// VoiceMailMain's mailbox: one not in voicemail.conf makes the caller log in to another.
/// With `p` the argument is a prefix, and in the old style the leading `s`/`p` are options.
#[test]
fn voicemailmain_mailboxes() {
    let extensions = "\
[c]
exten => 1,1,VoiceMailMain(100@default)
exten => 2,1,VoiceMailMain(102,s)
exten => 3,1,VoiceMailMain(s102)
exten => 4,1,VoiceMailMain(sp1)
exten => 5,1,VoiceMailMain(10,p)
exten => 6,1,VoiceMailMain(${CALLERID(num)}@default)
exten => 7,1,VoiceMailMain()
exten => 8,1,VoiceMailMain(s200@sales)
";
    assert_eq!(
        run(extensions, MAILBOXES),
        [
            "DP352 extensions.conf:3:28 mailbox `102@default` is not in voicemail.conf: VoiceMailMain asks the caller to log in to another",
            "DP352 extensions.conf:4:29 mailbox `102@default` is not in voicemail.conf: VoiceMailMain asks the caller to log in to another",
        ]
    );
}
