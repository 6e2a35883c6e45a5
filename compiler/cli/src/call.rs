//! `pbxc call`: one call through the reference interpreter, its trace printed.

use std::io::Write;

use pbx_engine::{Call, Engine, SimulatedChannel};
use pbxc_dialplan::Dialplan;

/// Where the call starts and what it carries.
pub struct Request<'a> {
    pub context: &'a [u8],
    pub exten: &'a [u8],
    pub callerid: Option<&'a [u8]>,
    /// Channel variables set before the first priority.
    pub vars: &'a [(Vec<u8>, Vec<u8>)],
    /// Keys the simulated caller presses.
    pub dtmf: &'a [u8],
    pub max_steps: Option<u64>,
    /// Run the extensions as native code (`--engine jit`).
    pub jit: bool,
    /// With `jit`, compile the whole dialplan before the call (`--engine jit-ahead`).
    pub ahead: bool,
    /// `${SYSTEMNAME}`, `${ASTETCDIR}` and the like (asterisk.conf's, else the defaults).
    pub system: std::sync::Arc<pbx_engine::system::System>,
    /// The AstDB the call reads and writes (`DB(family/key)`), in memory.
    pub database: std::sync::Arc<pbx_engine::AstDb>,
    /// cdr.conf's `[general]`: how the simulated channel keeps its CDR (`enable = no`: it
    /// keeps none).
    pub cdr: pbx_cdr::chain::Settings,
    /// voicemail.conf's mailboxes (`VoiceMail`, `VM_INFO`).
    pub voicemail: std::sync::Arc<pbx_voicemail::Voicemail>,
    /// The server's zone (`--zone`), if not this machine's.
    pub zone: Option<pbxc_dialplan::timing::ServerZone>,
    /// The time the call runs at, standing still (`--at`), if not now.
    pub at: Option<i64>,
}

/// voicemail.conf in `dir`, as app_voicemail.c reads it (no mailbox when there is none).
pub fn voicemail_config(
    provider: &dyn pbxc_config::SourceProvider,
    dir: &std::path::Path,
) -> pbx_voicemail::Config {
    let settings = pbxc_config::file_every_setting(provider, dir, "voicemail.conf");
    pbx_voicemail::Config::from_settings(
        settings
            .iter()
            .map(|(s, n, v)| (s.as_slice(), n.as_slice(), v.as_slice())),
    )
}

/// cdr.conf's `[general]` settings in `dir`, as main/cdr.c reads them (the defaults when
/// there is no cdr.conf).
pub fn cdr_settings(
    provider: &dyn pbxc_config::SourceProvider,
    dir: &std::path::Path,
) -> pbx_cdr::chain::Settings {
    let mut settings = pbx_cdr::chain::Settings::default();
    for (section, key, value) in pbxc_config::file_settings(provider, dir, "cdr.conf") {
        if section.eq_ignore_ascii_case(b"general") {
            let text = |b: &[u8]| String::from_utf8_lossy(b).to_ascii_lowercase();
            settings.set(&text(&key), String::from_utf8_lossy(&value).trim());
        }
    }
    settings
}

/// Runs the call and writes each executed priority to `out` (or only `steps=N` when
/// `quiet`), and what Asterisk would have logged to `log`.
pub fn run(
    plan: &Dialplan,
    request: &Request,
    quiet: bool,
    out: &mut dyn Write,
    log: &mut dyn Write,
) -> std::io::Result<()> {
    let mut engine = Engine::new(plan);
    engine.max_steps = request.max_steps;
    engine.system = request.system.clone();
    engine.share_database(request.database.clone());
    engine.voicemail = request.voicemail.clone();
    engine.traced = !quiet;
    if let Some(zone) = request.zone {
        engine.clock = engine.clock.in_zone(zone);
    }
    if let Some(at) = request.at {
        engine.clock = engine.clock.stopped_at(at);
    }
    if request.jit {
        engine
            .enable_jit()
            .map_err(|e| std::io::Error::other(format!("no JIT on this machine: {e}")))?;
        if request.ahead {
            engine.compile_all();
        }
    }
    let mut call = Call::new(request.context, request.exten, request.callerid);
    // The channel starts in asterisk.conf's `defaultlanguage`.
    call.attributes.language = request.system.default_language.clone();
    for (name, value) in request.vars {
        call.vars.set(name, Some(value));
    }
    let mut chan = SimulatedChannel::default()
        .dial(request.dtmf)
        .with_cdr_settings(request.cdr.clone());
    let mut written = Ok(());
    engine.run(&mut call, &mut chan, &mut |step| {
        if !quiet && written.is_ok() {
            written = writeln!(out, "{step}");
        }
    });
    written?;
    if quiet {
        writeln!(out, "steps={}", call.steps)?;
    }
    for line in &call.log {
        writeln!(log, "{line}")?;
    }
    Ok(())
}
