//! The corpus's voicemail.conf files, read as the runtime reads them (each section browsed
//! once, `#include`s followed): their mailboxes and settings as app_voicemail.c takes them.

use std::path::{Path, PathBuf};

use pbx_voicemail::Config;

fn corpus(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(dir)
}

fn read(dir: &str, file: &str) -> Config {
    let dir = corpus(dir);
    let settings = pbxc_config::file_every_setting(
        &pbxc_project::disk::DiskFs { allow_exec: false },
        &dir,
        file,
    );
    Config::from_settings(
        settings
            .iter()
            .map(|(s, n, v)| (s.as_slice(), n.as_slice(), v.as_slice())),
    )
}

#[test]
fn asteriks_sample_file() {
    let config = read(
        "asterisk__asterisk/configs/samples",
        "voicemail.conf.sample",
    );
    let general = &config.general;
    assert_eq!(general.formats, ["wav49", "gsm", "wav"]);
    assert_eq!(
        (general.maxsilence_ms, general.silence_threshold),
        (10_000, 128)
    );
    // Not given: the code's defaults.
    assert_eq!(
        (general.maxmsg, general.maxsecs, general.minsecs),
        (100, 0, 0)
    );
    let example = config.find(None, b"1234").unwrap();
    assert_eq!(example.context, b"default");
    assert_eq!(example.password, b"4242");
    assert_eq!(example.fullname, b"Example Mailbox");
    assert_eq!(example.email.as_deref(), Some(&b"root@localhost"[..]));
    // The same number in another context is another mailbox.
    let other = config.find(Some(b"other"), b"1234").unwrap();
    assert_eq!(other.fullname, b"Company2 User");
    // No `aliasescontext` is set, so `[myaliases]` is read as mailboxes too.
    assert!(config.find(Some(b"myaliases"), b"1234@devices").is_some());
    assert_eq!(config.mailboxes().len(), 3);
    assert!(config.log.is_empty(), "{:?}", config.log);
}

#[test]
fn basic_pbx_mailboxes_with_plain_equals() {
    let config = read("asterisk__asterisk/configs/basic-pbx", "voicemail.conf");
    assert_eq!(config.mailboxes().len(), 15);
    let maria = config.find(Some(b"example"), b"1101").unwrap();
    assert_eq!(
        (&maria.password[..], &maria.fullname[..]),
        (&b"0717"[..], &b"Maria Berny"[..])
    );
    assert_eq!(maria.email, None);
    assert!(config.find(None, b"1101").is_none(), "not in `default`");
}

#[test]
fn every_corpus_file_reads_without_a_complaint() {
    for (dir, mailboxes) in [
        ("leifmadsen__atdg-configs/etc/asterisk", 4),
        // These three #include files their repositories do not hold (the mailboxes a
        // provisioning system writes, `voicemail.d/*.conf` matching nothing). A missing
        // #include makes the whole file unreadable to Asterisk (config.c), so even the
        // `[other]` mailbox written out in futel's is not there; `pbxc check` reports it.
        ("futel__asteriskserver/src/etc/asterisk", 0),
        ("jbazanl__utp-issabel-asterisk", 0),
        ("wazo-platform__wazo-asterisk-config/etc/asterisk", 0),
    ] {
        let config = read(dir, "voicemail.conf");
        assert_eq!(config.mailboxes().len(), mailboxes, "{dir}");
        assert!(config.log.is_empty(), "{dir}: {:?}", config.log);
    }
}
