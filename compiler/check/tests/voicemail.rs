//! Checks across voicemail.conf and extensions.conf: the mailboxes `VoiceMail` names.

use pbxc_check::{Input, Target, check};
use pbxc_config::{LoadOptions, MemoryFs, Session};

/// Loads both files and returns `code line:col message` for each diagnostic of the checks.
fn run(extensions: &str, voicemail: &str) -> Vec<String> {
    let mut fs = MemoryFs::new();
    fs.insert(
        "/etc/asterisk/extensions.conf",
        extensions.as_bytes().to_vec(),
    );
    fs.insert(
        "/etc/asterisk/voicemail.conf",
        voicemail.as_bytes().to_vec(),
    );
    let mut session = Session::new(&fs, LoadOptions::etc_asterisk());
    let dialplan = session.load("extensions.conf").unwrap();
    let settings = pbxc_config::every_setting(&session.load("voicemail.conf").unwrap());
    let mailboxes = pbxc_config::voicemail::Config::from_settings(
        settings
            .iter()
            .map(|(s, n, v)| (s.as_slice(), n.as_slice(), v.as_slice())),
    );
    let (plan, _) = pbxc_dialplan::lower(&dialplan, session.sources());
    let sources = session.sources();
    check(&Input {
        plan: &plan,
        sources,
        target: Target::Asterisk(22),
        endpoints: None,
        voicemail: Some(&mailboxes),
        complete: true,
    })
    .into_iter()
    .map(|d| {
        let file = sources.get(d.file());
        let lc = file
            .lines
            .line_col(&file.text, d.primary.range.start as usize);
        format!("{} {}:{} {}", d.code.id, lc.line, lc.column, d.message)
    })
    .collect()
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
            "DP352 3:24 mailbox `10O@default` is not in voicemail.conf: no message is left and VMSTATUS is FAILED",
            "DP352 4:38 mailbox `102@default` is not in voicemail.conf: its copy of the message is dropped",
            "DP352 5:24 mailbox `200@default` is not in voicemail.conf: no message is left and VMSTATUS is FAILED",
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
            "DP352 2:28 mailbox `300 (in any context)` is not in voicemail.conf: its copy of the message is dropped"
        ]
    );
}
