//! Whatever voicemail.conf and a caller give, reading the configuration and writing the
//! e-mail and the page never panic, and what goes into a header stays one header: nothing
//! the caller (or a template) gives starts a line of its own.

use proptest::prelude::*;

use pbx_voicemail::Config;
use pbx_voicemail::notify::{self, Attachment, Composed, NewMessage};

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..120)
}

/// A configuration value: a line of the file, so no line end in it.
fn value() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        any::<u8>().prop_filter("a line", |&c| c != b'\n' && c != b'\r'),
        0..120,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn configurations_and_mails_of_any_bytes(
        general in proptest::collection::vec((value(), value()), 0..8),
        line in value(),
        cidnum in proptest::option::of(bytes()),
        cidname in proptest::option::of(bytes()),
        subject in proptest::option::of(bytes()),
        from in proptest::option::of(bytes()),
        attachment in proptest::option::of(bytes()),
        number in prop_oneof![Just(u32::MAX), any::<u32>()],
        duration in any::<i64>(),
    ) {
        let mut settings: Vec<(&[u8], &[u8], &[u8])> = general
            .iter()
            .map(|(n, v)| (&b"general"[..], n.as_slice(), v.as_slice()))
            .collect();
        settings.push((b"default", b"100", &line));
        settings.push((b"zonemessages", b"z", &line));
        let config = Config::from_settings(settings);
        let Some(mailbox) = config.find(None, b"100") else {
            return Ok(());
        };
        let message = NewMessage {
            number,
            duration,
            cidnum: cidnum.as_deref(),
            cidname: cidname.as_deref(),
            flag: b"",
            category: None,
        };
        let composed = Composed {
            subject: subject.clone(),
            from: from.clone(),
            host: b"host".to_vec(),
            ..Default::default()
        };
        let mut file = attachment.as_deref().unwrap_or_default();
        let mut mail = Vec::new();
        notify::email(
            &config,
            mailbox,
            &message,
            &composed,
            attachment.is_some().then_some(Attachment {
                format: "wav",
                file: Some(&mut file),
            }),
            &mut mail,
        )
        .unwrap();
        let page = notify::page(&config, mailbox, &message, &composed);
        // The caller's number and name, the subject and the sender are encoded or
        // stripped: each header line is a header or a folded continuation.
        for text in [&mail, &page] {
            let head = text.split(|&c| c == b'\n').take_while(|l| !l.is_empty());
            for line in head {
                prop_assert!(
                    line.starts_with(b" ") || line.contains(&b':'),
                    "{:?}",
                    String::from_utf8_lossy(line)
                );
            }
        }
        prop_assert!(notify::encode_mime(&line, b"UTF-8", 9, 0)
            .split(|&c| c == b' ')
            .all(|w| w.is_empty() || (w.starts_with(b"=?UTF-8?Q?") && w.ends_with(b"?="))));
    }
}
