//! Loading a configuration the way Asterisk would — from disk through the input layer — and
//! checking it: what `pbxc check`, `pbxc call` and the `pbx` runtime share.

use std::path::Path;

use pbxc_config::{LoadOptions, Session, SourceProvider};
use pbxc_dialplan::Dialplan;

pub mod check;
pub mod disk;

use check::CannotRun;

/// Loads the dialplan of PATH: a configuration directory (its extensions.conf) or a file.
pub fn load_dialplan(provider: &dyn SourceProvider, path: &Path) -> Result<Dialplan, CannotRun> {
    let (dir, name) = if provider.list_dir(path).is_ok() {
        (path.to_path_buf(), "extensions.conf".to_string())
    } else {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| CannotRun(format!("{}: not a file name", path.display())))?;
        (path.parent().unwrap_or(Path::new("")).to_path_buf(), name)
    };
    let exec_includes = pbxc_config::exec_includes(provider, &dir);
    let mut session = Session::new(
        provider,
        LoadOptions {
            config_dir: dir,
            exec_includes,
        },
    );
    let config = session.load(&name).map_err(|e| CannotRun(e.to_string()))?;
    if config.rejected {
        return Err(CannotRun(format!(
            "{}: Asterisk would reject this file (run `pbxc check` to see why)",
            path.display()
        )));
    }
    // The trees go before lowering: they are not needed, and would be resident beside the
    // dialplan being built.
    let sources = session.into_sources();
    Ok(pbxc_dialplan::lower(&config, &sources).0)
}

/// A configuration that checked clean, ready to run or to write as an artifact.
pub struct Built {
    pub dialplan: Dialplan,
    /// The files the dialplan came from (its source map).
    pub sources: pbxc_diagnostics::SourceSet,
    /// musiconhold.conf's classes: name and directory (relative to the configuration
    /// directory unless absolute).
    pub music: Vec<(String, String)>,
}

/// Why a configuration was not built.
pub enum Refused {
    CannotRun(String),
    /// The check reported errors (or Asterisk would reject a file whole).
    Errors(Box<check::Report>),
}

/// Checks the configuration directory `dir` for `target` and, when nothing is an error,
/// loads its dialplan: what `pbxc build` writes and what `pbx` runs.
pub fn build(
    provider: &dyn SourceProvider,
    dir: &Path,
    target: pbxc_check::Target,
) -> Result<Built, Refused> {
    // The check and the load read the same bytes, even if a file is being saved meanwhile:
    // what runs is exactly what was checked.
    let snapshot = Snapshot::new(provider);
    let provider: &dyn SourceProvider = &snapshot;
    let report = check::check(provider, &[dir.to_path_buf()], target)
        .map_err(|e| Refused::CannotRun(e.to_string()))?;
    if report.rejected
        || report
            .diagnostics
            .iter()
            .any(|d| d.severity == pbxc_diagnostics::Severity::Error)
    {
        return Err(Refused::Errors(Box::new(report)));
    }
    let exec_includes = pbxc_config::exec_includes(provider, dir);
    let mut session = Session::new(
        provider,
        LoadOptions {
            config_dir: dir.to_path_buf(),
            exec_includes,
        },
    );
    let config = session
        .load("extensions.conf")
        .map_err(|e| Refused::CannotRun(e.to_string()))?;
    let dialplan = pbxc_dialplan::lower(&config, session.sources()).0;
    let music = match session.load("musiconhold.conf") {
        Ok(config) => config
            .categories
            .iter()
            .filter(|c| !c.template)
            .filter_map(|c| {
                let dir = c.get(b"directory", -1)?;
                Some((
                    c.name_str().into_owned(),
                    dir.value_str().trim().to_string(),
                ))
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    let mut sources = pbxc_diagnostics::SourceSet::new();
    for (_, file) in session.sources().iter() {
        sources.add(file.path.clone(), file.text.clone());
    }
    Ok(Built {
        dialplan,
        sources,
        music,
    })
}

/// A provider that remembers every answer it gave: reading a file twice gives the same
/// bytes, listing a directory twice the same entries, running a command once.
struct Snapshot<'a> {
    inner: &'a dyn SourceProvider,
    reads: Memo<std::path::PathBuf, Result<std::sync::Arc<[u8]>, pbxc_config::LoadError>>,
    listings: Memo<std::path::PathBuf, Result<Vec<pbxc_config::DirEntry>, pbxc_config::LoadError>>,
    commands: Memo<String, Option<Result<pbxc_config::ExecOutput, String>>>,
}

/// Answers already given, by question.
type Memo<K, V> = std::cell::RefCell<std::collections::HashMap<K, V>>;

impl<'a> Snapshot<'a> {
    fn new(inner: &'a dyn SourceProvider) -> Self {
        Snapshot {
            inner,
            reads: Default::default(),
            listings: Default::default(),
            commands: Default::default(),
        }
    }
}

impl SourceProvider for Snapshot<'_> {
    fn read(&self, path: &Path) -> Result<std::sync::Arc<[u8]>, pbxc_config::LoadError> {
        self.reads
            .borrow_mut()
            .entry(path.to_path_buf())
            .or_insert_with(|| self.inner.read(path))
            .clone()
    }

    fn list_dir(&self, dir: &Path) -> Result<Vec<pbxc_config::DirEntry>, pbxc_config::LoadError> {
        self.listings
            .borrow_mut()
            .entry(dir.to_path_buf())
            .or_insert_with(|| self.inner.list_dir(dir))
            .clone()
    }

    fn exec(&self, command: &str) -> Option<Result<pbxc_config::ExecOutput, String>> {
        self.commands
            .borrow_mut()
            .entry(command.to_string())
            .or_insert_with(|| self.inner.exec(command))
            .clone()
    }
}

impl Refused {
    /// What to tell the user, with the errors rendered as `pbxc check` shows them.
    pub fn explain(&self, dir: &Path) -> String {
        match self {
            Refused::CannotRun(why) => why.clone(),
            Refused::Errors(report) => {
                let errors: Vec<_> = report
                    .diagnostics
                    .iter()
                    .filter(|d| d.severity == pbxc_diagnostics::Severity::Error)
                    .cloned()
                    .collect();
                let mut text = Vec::new();
                let _ = pbxc_diagnostics::render::render(
                    &pbxc_diagnostics::render::Format::Human { color: false },
                    &errors,
                    &report.sources,
                    &[],
                    &mut text,
                );
                format!(
                    "{} refused: {} error(s){} (`pbxc check {}` shows them)\n{}",
                    dir.display(),
                    errors.len(),
                    if report.rejected {
                        ", and Asterisk would reject a file whole"
                    } else {
                        ""
                    },
                    dir.display(),
                    String::from_utf8_lossy(&text).trim_end()
                )
            }
        }
    }
}
