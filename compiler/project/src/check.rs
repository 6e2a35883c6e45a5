//! `pbxc check`: load what Asterisk would load and report what is wrong with it.

use std::path::{Path, PathBuf};

use pbxc_config::known::{ASTERISK_CONF, KNOWN_FILES};
use pbxc_config::{LoadOptions, Session, SourceProvider};
use pbxc_diagnostics::{Diagnostic, SourceSet};

/// What one run found.
pub struct Report {
    pub sources: SourceSet,
    pub diagnostics: Vec<Diagnostic>,
    /// Root files loaded (as Asterisk's modules would ask for them).
    pub roots: Vec<PathBuf>,
    /// Whether Asterisk would reject any of the roots whole.
    pub rejected: bool,
    /// Files of a checked directory that could not be read at all, with the reason.
    pub skipped: Vec<String>,
    /// Each dialplan checked, with where it names its jump targets.
    pub dialplans: Vec<Checked>,
    /// pjsip.conf's endpoints, when pjsip.conf was checked.
    pub endpoints: Vec<pbxc_check::Endpoint>,
}

/// One dialplan as the check saw it.
pub struct Checked {
    pub plan: std::sync::Arc<pbxc_dialplan::Dialplan>,
    /// Whether it is the whole dialplan (the root extensions.conf).
    pub complete: bool,
    pub references: Vec<pbxc_check::Reference>,
}

/// A problem that stops the check from running at all (exit code 2).
#[derive(Debug)]
pub struct CannotRun(pub String);

impl std::fmt::Display for CannotRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether a file is a dialplan: extensions.conf, or a file named like one
/// (`extensions_custom.conf`, `extensions.conf.sample`) checked on its own.
fn is_dialplan(name: &str) -> bool {
    name.starts_with("extensions")
        && name.contains(".conf")
        && !name.ends_with(".ael")
        && !name.ends_with(".lua")
}

/// Lowers a dialplan; with a memo, reusing what the last lowering of it made.
fn lower_dialplan(
    session: &mut Session,
    config: pbxc_config::Config,
    memo: Option<&pbxc_check::StepMemo>,
) -> std::sync::Arc<pbxc_dialplan::Dialplan> {
    let (plan, diagnostics) = match memo {
        Some(memo) => memo.lowering().lower(config, session.sources()),
        None => {
            let (plan, diagnostics) = pbxc_dialplan::lower(&config, session.sources());
            (std::sync::Arc::new(plan), diagnostics)
        }
    };
    session.add_diagnostics(diagnostics);
    plan
}

/// What the checks across files need, gathered while loading.
#[derive(Default)]
struct Loaded {
    /// Each with whether it is the whole dialplan (the root extensions.conf).
    dialplans: Vec<(std::sync::Arc<pbxc_dialplan::Dialplan>, bool)>,
    /// pjsip.conf endpoints, when pjsip.conf is part of the check.
    endpoints: Option<Vec<pbxc_check::Endpoint>>,
    /// voicemail.conf's mailboxes, when it is part of the check and Asterisk would load
    /// it (a file rejected whole is reported as such, not mailbox by mailbox).
    voicemail: Option<pbxc_config::voicemail::Config>,
}

impl Loaded {
    fn add(
        &mut self,
        session: &mut Session,
        name: &str,
        config: pbxc_config::Config,
        memo: Option<&pbxc_check::StepMemo>,
    ) {
        if is_dialplan(name) {
            let plan = lower_dialplan(session, config, memo);
            self.dialplans.push((plan, name == "extensions.conf"));
        } else if name == "pjsip.conf" {
            self.endpoints
                .get_or_insert_with(Vec::new)
                .extend(pbxc_check::endpoints(&config));
        } else if name == "voicemail.conf" && !config.rejected {
            let settings = pbxc_config::every_setting(&config);
            self.voicemail = Some(pbxc_config::voicemail::Config::from_settings(
                settings
                    .iter()
                    .map(|(s, n, v)| (s.as_slice(), n.as_slice(), v.as_slice())),
            ));
        }
    }

    fn check(
        self,
        session: &mut Session,
        target: pbxc_check::Target,
        memo: Option<&pbxc_check::StepMemo>,
    ) -> Vec<Checked> {
        let mut checked = Vec::new();
        for (plan, complete) in self.dialplans {
            let input = pbxc_check::Input {
                plan: &plan,
                sources: session.sources(),
                target,
                endpoints: self.endpoints.as_deref(),
                voicemail: self.voicemail.as_ref(),
                complete,
            };
            let (diagnostics, references) = pbxc_check::check_with_memo(&input, memo);
            session.add_diagnostics(diagnostics);
            checked.push(Checked {
                plan,
                complete,
                references,
            });
        }
        checked
    }
}

/// Every code `pbxc check` can report.
pub fn all_codes() -> Vec<pbxc_diagnostics::Code> {
    let mut codes = pbxc_config::all_codes();
    codes.extend_from_slice(pbxc_dialplan::codes::ALL);
    codes.extend_from_slice(pbxc_check::codes::ALL);
    codes
}

/// Checks each path: a configuration directory (as /etc/asterisk) or one file.
pub fn check(
    provider: &dyn SourceProvider,
    paths: &[PathBuf],
    target: pbxc_check::Target,
) -> Result<Report, CannotRun> {
    check_with_memo(provider, paths, target, None)
}

/// [`check`], reusing (and refreshing) what `memo` remembers of the priorities of an earlier
/// check of the same paths: what the language server does after each edit.
pub fn check_with_memo(
    provider: &dyn SourceProvider,
    paths: &[PathBuf],
    target: pbxc_check::Target,
    memo: Option<&pbxc_check::StepMemo>,
) -> Result<Report, CannotRun> {
    let mut session = Session::new(provider, LoadOptions::default());
    let mut loaded = Loaded::default();
    let mut roots = Vec::new();
    let mut rejected = false;
    let mut skipped = Vec::new();
    for path in paths {
        if let Ok(listing) = provider.list_dir(path) {
            let mut present: Vec<&str> = KNOWN_FILES
                .iter()
                .copied()
                .filter(|k| listing.iter().any(|e| !e.is_dir && e.name == *k))
                .collect();
            if present.is_empty() {
                return Err(CannotRun(format!(
                    "{}: no Asterisk configuration here (looked for extensions.conf, pjsip.conf, sip.conf and {} other files Asterisk loads by name)",
                    path.display(),
                    KNOWN_FILES.len() - 3
                )));
            }
            // asterisk.conf first: its options govern how the others are read.
            present.sort_by_key(|k| *k != ASTERISK_CONF);
            session.set_config_dir(path.clone());
            session.set_exec_includes(pbxc_config::exec_includes(provider, path));
            for name in present {
                match session.load(name) {
                    Ok(config) => {
                        rejected |= config.rejected;
                        loaded.add(&mut session, name, config, memo);
                        roots.push(path.join(name));
                    }
                    // A dangling link or unreadable file: Asterisk finds no such file and goes
                    // on with the others, and so does the check.
                    Err(e) => skipped.push(format!("{e}; Asterisk would not load it")),
                }
            }
        } else {
            // `pbxc check pjsip.conf` resolves and shows paths as `pjsip.conf`, not `./pjsip.conf`.
            let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
            session.set_config_dir(dir.clone());
            session.set_exec_includes(pbxc_config::exec_includes(provider, &dir));
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let Some(name) = name else {
                return Err(CannotRun(format!("{}: not a file name", path.display())));
            };
            let config = session.load(&name).map_err(|e| {
                if e.error == pbxc_config::LoadError::NotFound {
                    CannotRun(format!("{}: no such file or directory", path.display()))
                } else {
                    CannotRun(e.to_string())
                }
            })?;
            rejected |= config.rejected;
            loaded.add(&mut session, &name, config, memo);
            roots.push(path.clone());
        }
    }
    let endpoints = loaded.endpoints.clone().unwrap_or_default();
    let dialplans = loaded.check(&mut session, target, memo);
    let (sources, diagnostics) = session.into_parts();
    Ok(Report {
        sources,
        diagnostics,
        roots,
        rejected,
        skipped,
        dialplans,
        endpoints,
    })
}
