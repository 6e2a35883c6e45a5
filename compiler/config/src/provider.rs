//! The input layer: how files reach the front end. The front end never touches the file
//! system itself; the CLI fills this in from disk, the language server from open buffers, and
//! tests from memory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadError {
    NotFound,
    /// Exists but is not a regular file (a directory, a device…).
    NotAFile,
    /// Exists but could not be read; the message says why.
    Unreadable(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
    pub is_dir: bool,
}

pub trait SourceProvider {
    fn read(&self, path: &Path) -> Result<Arc<[u8]>, LoadError>;

    /// The entries of a directory (any order); `Err` when it cannot be listed.
    fn list_dir(&self, dir: &Path) -> Result<Vec<DirEntry>, LoadError>;

    /// Runs a `#exec` command (`Err` when it cannot be started). `None` when running
    /// commands is not allowed, which is the default.
    fn exec(&self, _command: &str) -> Option<Result<ExecOutput, String>> {
        None
    }

    /// The lossless tree of a file just read as `file`, and the diagnostics of reading it.
    /// The default parses the text afresh; a language server answers from its cache, so that
    /// a file that did not change is not parsed again.
    fn parse(
        &self,
        _path: &Path,
        file: pbxc_diagnostics::FileId,
        text: Arc<[u8]>,
    ) -> (
        Arc<pbxc_syntax::SyntaxTree>,
        Vec<pbxc_diagnostics::Diagnostic>,
    ) {
        let (tree, diagnostics) = pbxc_syntax::parse(file, text);
        (Arc::new(tree), diagnostics)
    }
}

/// What a `#exec` command produced. Asterisk includes standard output only; what the command
/// writes to standard error, and a failing exit status, it logs as errors.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecOutput {
    pub stdout: Vec<u8>,
    /// Standard error and/or the exit status, when there is anything to say.
    pub problem: Option<String>,
}

/// Files held in memory, for tests and editors. Directories exist implicitly as the parents
/// of files.
#[derive(Default, Debug, Clone)]
pub struct MemoryFs {
    files: BTreeMap<PathBuf, Arc<[u8]>>,
    commands: BTreeMap<String, Result<ExecOutput, String>>,
}

impl MemoryFs {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, path: impl Into<PathBuf>, text: impl Into<Vec<u8>>) -> &mut Self {
        self.files.insert(path.into(), text.into().into());
        self
    }

    /// Makes `#exec command` produce `output` (and allows running it).
    pub fn insert_command(
        &mut self,
        command: &str,
        output: Result<ExecOutput, String>,
    ) -> &mut Self {
        self.commands.insert(command.to_string(), output);
        self
    }

    /// Paths sort component-wise, so everything below `path` follows it directly.
    fn below<'a>(&'a self, path: &'a Path) -> impl Iterator<Item = &'a PathBuf> + 'a {
        self.files
            .range(path.to_path_buf()..)
            .map(|(p, _)| p)
            .take_while(move |p| p.starts_with(path))
            .filter(move |p| *p != path)
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.below(path).next().is_some()
    }
}

impl SourceProvider for MemoryFs {
    fn read(&self, path: &Path) -> Result<Arc<[u8]>, LoadError> {
        match self.files.get(path) {
            Some(text) => Ok(text.clone()),
            None if self.is_dir(path) => Err(LoadError::NotAFile),
            None => Err(LoadError::NotFound),
        }
    }

    fn list_dir(&self, dir: &Path) -> Result<Vec<DirEntry>, LoadError> {
        let mut out: Vec<DirEntry> = Vec::new();
        for path in self.below(dir) {
            let Ok(rest) = path.strip_prefix(dir) else {
                continue;
            };
            let mut parts = rest.components();
            let Some(first) = parts.next() else { continue };
            let name = first.as_os_str().to_string_lossy().into_owned();
            let is_dir = parts.next().is_some();
            if !out.iter().any(|e| e.name == name) {
                out.push(DirEntry { name, is_dir });
            }
        }
        if out.is_empty() && !self.is_dir(dir) {
            return Err(LoadError::NotFound);
        }
        Ok(out)
    }

    fn exec(&self, command: &str) -> Option<Result<ExecOutput, String>> {
        self.commands.get(command).cloned()
    }
}
