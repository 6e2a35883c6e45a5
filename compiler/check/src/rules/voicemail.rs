//! Across voicemail.conf and the dialplan: the mailboxes `VoiceMail` leaves messages in, and
//! the one `VoiceMailMain` logs into.

use pbxc_diagnostics::Diagnostic;

use crate::Cx;
use crate::codes;
use crate::step::{Step, show};

pub(super) fn check(cx: &Cx, steps: &[Step], out: &mut Vec<Diagnostic>) {
    let Some(voicemail) = cx.voicemail else {
        return;
    };
    for step in steps {
        let Some(entry) = step.entry else { continue };
        if entry.name == "VoiceMailMain" {
            main(voicemail, step, out);
            continue;
        }
        if entry.name != "VoiceMail" {
            continue;
        }
        let args = step.args();
        let Some(arg) = args.first() else { continue };
        let range = arg.range.clone();
        let text = step.text(range.clone());
        // leave_voicemail: the first mailbox takes the `@context` after the first `@` (up
        // to the next `&`); each copy after it has its own, else `find_user`'s (`default`,
        // or any with `searchcontexts`).
        let mut boxes: Vec<(&[u8], Option<&[u8]>)> = Vec::new();
        match text.iter().position(|&c| c == b'@') {
            Some(at) => {
                let after = &text[at + 1..];
                let end = after.iter().position(|&c| c == b'&').unwrap_or(after.len());
                boxes.push((&text[..at], Some(&after[..end])));
                if end < after.len() {
                    for copy in after[end + 1..].split(|&c| c == b'&') {
                        boxes.push(split_at(copy));
                    }
                }
            }
            None => {
                let mut parts = text.split(|&c| c == b'&');
                if let Some(first) = parts.next() {
                    boxes.push((first, None));
                }
                boxes.extend(parts.map(split_at));
            }
        }
        for (k, (mailbox, context)) in boxes.into_iter().enumerate() {
            let written = [mailbox, context.unwrap_or_default()].concat();
            if mailbox.is_empty() || written.contains(&b'$') {
                continue;
            }
            if voicemail.find(context, mailbox).is_some() {
                continue;
            }
            // The mailbox is a slice of the data: its offset is where it sits.
            let start = mailbox.as_ptr() as usize - step.data.as_ptr() as usize;
            let named = match context {
                Some(c) => format!("{}@{}", show(mailbox), show(c)),
                None if voicemail.general.searchcontexts => {
                    format!("{} (in any context)", show(mailbox))
                }
                None => format!("{}@default", show(mailbox)),
            };
            let what = if k == 0 {
                "no message is left and VMSTATUS is FAILED"
            } else {
                "its copy of the message is dropped"
            };
            out.push(step.diag(
                codes::VOICEMAIL_UNKNOWN_MAILBOX,
                format!("mailbox `{named}` is not in voicemail.conf: {what}"),
                start..start + mailbox.len(),
            ));
        }
    }
}

/// `VoiceMailMain(box[@context][,options])` (`vm_execmain`): a mailbox not in voicemail.conf
/// is asked for again at the login. Not with `p` (the argument is then a prefix), nor in the
/// old style's leading `s`/`p` letters, which are options.
fn main(voicemail: &pbxc_config::voicemail::Config, step: &Step, out: &mut Vec<Diagnostic>) {
    let args = step.args();
    let Some(arg) = args.first() else { return };
    let text = step.text(arg.range.clone());
    let options = args.get(1).map(|a| step.text(a.range.clone()));
    let (flags, text) = match options {
        Some(options) => (options, text),
        None => {
            let n = text.iter().take_while(|&&c| c == b's' || c == b'p').count();
            (&text[..n], &text[n..])
        }
    };
    if flags.contains(&b'p') || text.contains(&b'$') {
        return;
    }
    let (mailbox, context) = split_at(text);
    if mailbox.is_empty() || voicemail.find(context, mailbox).is_some() {
        return;
    }
    let start = mailbox.as_ptr() as usize - step.data.as_ptr() as usize;
    let named = match context {
        Some(c) => format!("{}@{}", show(mailbox), show(c)),
        None if voicemail.general.searchcontexts => format!("{} (in any context)", show(mailbox)),
        None => format!("{}@default", show(mailbox)),
    };
    out.push(step.diag(
        codes::VOICEMAIL_UNKNOWN_MAILBOX,
        format!(
            "mailbox `{named}` is not in voicemail.conf: VoiceMailMain asks the caller to log in to another"
        ),
        start..start + mailbox.len(),
    ));
}

/// `box[@context]`.
fn split_at(text: &[u8]) -> (&[u8], Option<&[u8]>) {
    match text.iter().position(|&c| c == b'@') {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    }
}
