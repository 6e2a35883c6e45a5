//! A configuration directory checked as a whole, for the rules that cross files: its
//! extensions.conf with pjsip.conf's endpoints and voicemail.conf's mailboxes when given.

use pbxc_check::{Input, Target, check};
use pbxc_config::{LoadOptions, MemoryFs, Session};

/// `code file:line:col message` for each diagnostic of the checks, sorted.
pub fn run(
    extensions: &str,
    pjsip: Option<&str>,
    voicemail: Option<&str>,
    target: Target,
) -> Vec<String> {
    let mut fs = MemoryFs::new();
    for (name, text) in [
        ("extensions.conf", Some(extensions)),
        ("pjsip.conf", pjsip),
        ("voicemail.conf", voicemail),
    ] {
        if let Some(text) = text {
            fs.insert(format!("/etc/asterisk/{name}"), text.as_bytes().to_vec());
        }
    }
    let mut session = Session::new(&fs, LoadOptions::etc_asterisk());
    let dialplan = session.load("extensions.conf").unwrap();
    let endpoints = pjsip.map(|_| pbxc_check::endpoints(&session.load("pjsip.conf").unwrap()));
    let mailboxes = voicemail.map(|_| {
        let settings = pbxc_config::every_setting(&session.load("voicemail.conf").unwrap());
        pbxc_config::voicemail::Config::from_settings(
            settings
                .iter()
                .map(|(s, n, v)| (s.as_slice(), n.as_slice(), v.as_slice())),
        )
    });
    let (plan, _) = pbxc_dialplan::lower(&dialplan, session.sources());
    let sources = session.sources();
    let mut out: Vec<String> = check(&Input {
        plan: &plan,
        sources,
        target,
        endpoints: endpoints.as_deref(),
        voicemail: mailboxes.as_ref(),
        complete: true,
    })
    .into_iter()
    .map(|d| {
        let file = sources.get(d.file());
        let lc = file
            .lines
            .line_col(&file.text, d.primary.range.start as usize);
        let name = sources
            .path(d.file())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        format!(
            "{} {name}:{}:{} {}",
            d.code.id, lc.line, lc.column, d.message
        )
    })
    .collect();
    out.sort();
    out
}
