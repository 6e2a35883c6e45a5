//! Voicemail as app_voicemail.c keeps it with file storage: the mailboxes voicemail.conf
//! declares ([`config`], read by the configuration front end) and the spool directory that holds their greetings and messages
//! ([`spool`]). The engine runs `VoiceMail`'s decisions and `VM_INFO` over these; the
//! runtime plays, records and saves through them.

pub mod notify;
pub mod spool;

/// voicemail.conf, read by the configuration front end (the checker reads it too).
pub use pbxc_config::voicemail as config;
pub use pbxc_config::voicemail::{Config, General, Mailbox};
pub use spool::{MessageInfo, Spool};

/// What a dialplan's voicemail sees: the configuration, and the spool when there is one (in
/// the PBX; offline nothing is stored and every folder is empty).
#[derive(Debug, Default)]
pub struct Voicemail {
    pub config: Config,
    pub spool: Option<Spool>,
}
