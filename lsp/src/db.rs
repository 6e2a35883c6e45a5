//! The salsa database: files and directory listings are inputs; parsing a file and checking a
//! root (a configuration directory, or a file opened alone) are tracked queries.
//!
//! An edit sets one file's text. Salsa then re-runs only what read that file: its parse, and
//! the check of each root that loaded it. Every other file keeps its parse, and a root that
//! never read the file keeps its whole analysis.
//!
//! Within the edited file, each stage reuses what the edit left alone: the parse reads the
//! lines the edit touched and copies the rest of the file's last tree
//! (`pbxc_syntax::reparse`); lowering copies the context of every section whose lines are
//! as before (`pbxc_dialplan::LowerMemo`); the checks copy the findings of every priority
//! that did not change, and its jumps' resolutions while the dialplan's shape (its contexts,
//! extensions, priority numbers, labels, includes, switches and globals) stays the same
//! (`pbxc_check::StepMemo`, one per root).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use pbxc_config::{DirEntry, LoadError, SourceProvider};
use pbxc_diagnostics::{Diagnostic, FileId};
use pbxc_syntax::SyntaxTree;
use salsa::Setter;

use crate::analysis::Analysis;

/// One file's bytes: an open editor buffer, or the file on disk. `None` when there is no
/// such file.
#[salsa::input]
pub struct SourceFile {
    #[returns(ref)]
    pub path: PathBuf,
    #[returns(clone)]
    pub text: Option<Arc<[u8]>>,
}

/// The entries of a directory (for globbed `#include`s and finding a directory's files).
#[salsa::input]
pub struct Listing {
    #[returns(ref)]
    pub path: PathBuf,
    #[returns(ref)]
    pub entries: Option<Vec<DirEntry>>,
}

/// What to check: a configuration directory (as `pbxc check DIR`) or one file (as
/// `pbxc check FILE`), for a target version.
#[salsa::input]
pub struct Root {
    #[returns(ref)]
    pub path: PathBuf,
    #[returns(copy)]
    pub target: pbxc_check::Target,
}

#[salsa::db]
#[derive(Clone, Default)]
pub struct Database {
    storage: salsa::Storage<Self>,
    /// Inputs created so far, by path: a query that reads a file the first time creates its
    /// input from the disk.
    files: Arc<Mutex<HashMap<PathBuf, SourceFile>>>,
    listings: Arc<Mutex<HashMap<PathBuf, Listing>>>,
    /// Files whose text the editor owns (open buffers): the disk does not overwrite them.
    open: Arc<Mutex<std::collections::HashSet<PathBuf>>>,
    /// Executions of [`parse`] and [`analyze`], for tests that pin what an edit recomputes.
    parses: Arc<std::sync::atomic::AtomicUsize>,
    /// Lines the parses read; the others they copied from the file's tree before.
    lines_read: Arc<std::sync::atomic::AtomicUsize>,
    /// What the last check copied from the one before: sections' lowerings, priorities' jump
    /// resolutions.
    reused: Arc<Mutex<Reused>>,
    analyses: Arc<std::sync::atomic::AtomicUsize>,
    /// Per root, the checker's memo: a re-check after an edit reuses the findings of every
    /// priority the edit did not touch, the lowering of every section it did not touch, and
    /// the jump resolutions while the dialplan's shape stays the same.
    memos: Arc<Mutex<HashMap<PathBuf, Arc<pbxc_check::StepMemo>>>>,
    /// The two latest parses of each file, held so that older ones are freed by `dropper`
    /// rather than when salsa starts a revision (see [`Dropper`]); the latest is also what
    /// the next parse of the file reuses.
    parsed: Arc<Mutex<HashMap<PathBuf, Vec<Arc<Parsed>>>>>,
    dropper: Arc<Dropper>,
    /// Counts the changes of inputs: each starts a salsa revision.
    revision: Arc<std::sync::atomic::AtomicU64>,
}

/// A thread that frees what it is sent. The tree of a 1.7 MB file, or the analysis of its
/// dialplan, is a million small allocations: freeing them in the query that replaces them
/// would add milliseconds to every edit, so they are freed on another thread.
pub(crate) struct Dropper {
    queue: Mutex<Option<std::sync::mpsc::Sender<Box<dyn Send>>>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Default for Dropper {
    fn default() -> Dropper {
        let (tx, rx) = std::sync::mpsc::channel::<Box<dyn Send>>();
        let thread = std::thread::Builder::new()
            .name("pbxc-lsp-free".into())
            .spawn(move || rx.into_iter().for_each(drop))
            .ok();
        Dropper {
            queue: Mutex::new(thread.is_some().then_some(tx)),
            thread: Mutex::new(thread),
        }
    }
}

impl Dropper {
    fn free(&self, old: Box<dyn Send>) {
        let queue = lock(&self.queue);
        match &*queue {
            Some(tx) => {
                let _ = tx.send(old);
            }
            None => drop(old),
        }
    }
}

impl Drop for Dropper {
    fn drop(&mut self) {
        lock(&self.queue).take();
        if let Some(thread) = lock(&self.thread).take() {
            let _ = thread.join();
        }
    }
}

#[salsa::db]
impl salsa::Database for Database {}

/// What the queries need of the database besides salsa's storage.
#[salsa::db]
pub trait Db: salsa::Database {
    /// The input for `path`, read from disk the first time.
    fn file(&self, path: &Path) -> SourceFile;
    fn listing(&self, path: &Path) -> Listing;
    fn count_parse(&self, lines_read: usize);
    fn count_analysis(&self);
    /// What the check just made copied from the one before.
    fn count_reused(&self, reused: Reused);
    /// Holds the latest parses of `path`; older ones are freed on the dropper thread.
    fn hold(&self, path: &Path, parsed: &Arc<Parsed>);
    /// The latest parse of `path` held, if any.
    fn latest(&self, path: &Path) -> Option<Arc<Parsed>>;
    /// The checker's memo for the root at `path`.
    fn memo(&self, path: &Path) -> Arc<pbxc_check::StepMemo>;
}

#[salsa::db]
impl Db for Database {
    fn file(&self, path: &Path) -> SourceFile {
        Database::file(self, path)
    }

    fn listing(&self, path: &Path) -> Listing {
        Database::listing(self, path)
    }

    fn count_parse(&self, lines_read: usize) {
        self.parses
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.lines_read
            .fetch_add(lines_read, std::sync::atomic::Ordering::Relaxed);
    }

    fn latest(&self, path: &Path) -> Option<Arc<Parsed>> {
        lock(&self.parsed).get(path)?.last().cloned()
    }

    fn hold(&self, path: &Path, parsed: &Arc<Parsed>) {
        let mut held = lock(&self.parsed);
        let slot = held.entry(path.to_path_buf()).or_default();
        if slot.last().is_some_and(|last| Arc::ptr_eq(last, parsed)) {
            return;
        }
        slot.push(parsed.clone());
        // Salsa keeps a replaced result until the next revision starts; the one before it is
        // no longer salsa's, so this is the last reference to it.
        if slot.len() > 2 {
            let old = slot.remove(0);
            self.free_later(old);
        }
    }

    fn count_analysis(&self) {
        self.analyses
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    fn count_reused(&self, reused: Reused) {
        *lock(&self.reused) = reused;
    }

    fn memo(&self, path: &Path) -> Arc<pbxc_check::StepMemo> {
        lock(&self.memos)
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                let dropper = self.dropper.clone();
                Arc::new(pbxc_check::StepMemo::freeing_with(Box::new(move |old| {
                    dropper.free(old)
                })))
            })
            .clone()
    }
}

impl Database {
    pub fn new() -> Self {
        Self::default()
    }

    /// The input for `path`, read from disk the first time.
    pub fn file(&self, path: &Path) -> SourceFile {
        // One input per file however its path is spelt (`dir/../x.conf`).
        let path = &crate::analysis::normalize(path);
        let mut files = lock(&self.files);
        if let Some(file) = files.get(path) {
            return *file;
        }
        let file = SourceFile::new(self, path.to_path_buf(), read_disk(path).ok());
        files.insert(path.to_path_buf(), file);
        file
    }

    pub fn listing(&self, path: &Path) -> Listing {
        let path = &crate::analysis::normalize(path);
        let mut listings = lock(&self.listings);
        if let Some(listing) = listings.get(path) {
            return *listing;
        }
        let listing = Listing::new(self, path.to_path_buf(), self.entries(path));
        listings.insert(path.to_path_buf(), listing);
        listing
    }

    /// A directory's entries as the editor sees them: the disk's, and open buffers not yet
    /// saved.
    fn entries(&self, dir: &Path) -> Option<Vec<DirEntry>> {
        let mut entries = list_disk(dir)?;
        for path in lock(&self.open).iter() {
            if path.parent() == Some(dir)
                && let Some(name) = path.file_name()
            {
                let name = name.to_string_lossy().into_owned();
                if !entries.iter().any(|e| e.name == name) {
                    entries.push(DirEntry {
                        name,
                        is_dir: false,
                    });
                }
            }
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Some(entries)
    }

    /// The editor opened `path` or changed it: its buffer is the file's text from now on.
    pub fn set_buffer(&mut self, path: &Path, text: Arc<[u8]>) {
        let path = &crate::analysis::normalize(path);
        let known = lock(&self.files).get(path).copied();
        lock(&self.open).insert(path.to_path_buf());
        let existed = match known {
            Some(file) => {
                let existed = file.text(self).is_some();
                if file.text(self).as_deref() != Some(&*text) {
                    file.set_text(self).to(Some(text));
                    self.new_revision();
                }
                existed
            }
            None => {
                let file = SourceFile::new(self, path.to_path_buf(), Some(text));
                lock(&self.files).insert(path.to_path_buf(), file);
                false
            }
        };
        // A buffer not yet saved is a file of its directory all the same.
        if !existed && let Some(dir) = path.parent() {
            self.refresh_listing(dir);
        }
    }

    /// The editor closed `path`: the disk's version counts again.
    pub fn close_buffer(&mut self, path: &Path) {
        let path = &crate::analysis::normalize(path);
        lock(&self.open).remove(path);
        self.refresh_file(path);
    }

    pub fn is_open(&self, path: &Path) -> bool {
        let path = &crate::analysis::normalize(path);
        lock(&self.open).contains(path)
    }

    /// A file changed on disk (the editor's file watcher said so): read it again unless the
    /// editor owns it, and its directory's listing.
    pub fn refresh_file(&mut self, path: &Path) {
        let path = &crate::analysis::normalize(path);
        if !self.is_open(path) {
            let known = lock(&self.files).get(path).copied();
            if let Some(file) = known {
                let text = read_disk(path).ok();
                if file.text(self) != text {
                    file.set_text(self).to(text);
                    self.new_revision();
                }
            }
        }
        if let Some(dir) = path.parent() {
            self.refresh_listing(dir);
        }
    }

    fn refresh_listing(&mut self, dir: &Path) {
        let known = lock(&self.listings).get(dir).copied();
        if let Some(listing) = known {
            let entries = self.entries(dir);
            if listing.entries(self) != &entries {
                listing.set_entries(self).to(entries);
                self.new_revision();
            }
        }
    }

    /// An input changed, so salsa started a revision and let go of the results it had kept
    /// since they were replaced: a parse held here with a newer one after it is now held
    /// only here, and is freed on the dropper thread while the next results are computed.
    fn new_revision(&self) {
        self.revision
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let superseded: Vec<Arc<Parsed>> = lock(&self.parsed)
            .values_mut()
            .flat_map(|slot| {
                let older = slot.len().saturating_sub(1);
                slot.drain(..older).collect::<Vec<_>>()
            })
            .collect();
        if !superseded.is_empty() {
            self.free_later(superseded);
        }
    }

    /// How many times an input changed since the database was made.
    pub fn revision(&self) -> u64 {
        self.revision.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Forgets what is held for the root or file at `path` (the editor closed it): its memo,
    /// and its latest parses, so the next parse of it reads the whole file.
    pub fn forget(&self, path: &Path) {
        let memo = lock(&self.memos).remove(path);
        let parsed = lock(&self.parsed).remove(path);
        self.free_later((memo, parsed));
    }

    /// Frees `old` on the dropper thread.
    pub fn free_later(&self, old: impl Send + 'static) {
        self.dropper.free(Box::new(old));
    }

    /// How many times a file was parsed since the database was made.
    pub fn parse_count(&self) -> usize {
        self.parses.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How many lines the parses read since the database was made (an edit's parse reads the
    /// lines it touched and copies the others).
    pub fn lines_read(&self) -> usize {
        self.lines_read.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// What the last check copied from the one before it.
    pub fn reused(&self) -> Reused {
        *lock(&self.reused)
    }

    /// How many times a root was checked since the database was made.
    pub fn analysis_count(&self) -> usize {
        self.analyses.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// A mutex's data, even if a thread panicked holding it: every map here stays consistent
/// between statements.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn read_disk(path: &Path) -> Result<Arc<[u8]>, LoadError> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => return Err(LoadError::NotAFile),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(LoadError::NotFound),
        Err(e) => return Err(LoadError::Unreadable(e.to_string())),
    }
    std::fs::read(path)
        .map(Arc::from)
        .map_err(|e| LoadError::Unreadable(e.to_string()))
}

fn list_disk(dir: &Path) -> Option<Vec<DirEntry>> {
    let entries: Vec<DirEntry> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            Some(DirEntry {
                name: e.file_name().to_string_lossy().into_owned(),
                is_dir: e.file_type().ok()?.is_dir(),
            })
        })
        .collect();
    Some(entries)
}

/// A file's lossless tree and the diagnostics of reading it, as if it were file 0 (the
/// session that loads it renumbers them).
pub struct Parsed {
    pub tree: Arc<SyntaxTree>,
    pub diagnostics: Vec<Diagnostic>,
}

/// A file's tree. After an edit, only the lines the edit touched are read: the others are
/// copied from the file's latest tree (which the database holds outside salsa). The result
/// is the same tree as reading the whole text (`pbxc_syntax::reparse` is property-tested
/// for that), so the query stays a function of its input.
// Bounded: a workspace with thousands of files keeps the trees of the recently used ones.
#[salsa::tracked(returns(clone), no_eq, lru = 1024)]
pub fn parse(db: &dyn Db, file: SourceFile) -> Option<Arc<Parsed>> {
    let text = file.text(db)?;
    let (tree, diagnostics, read) = match db.latest(file.path(db)) {
        Some(before) => {
            let again = pbxc_syntax::reparse(&before.tree, &before.diagnostics, FileId(0), text);
            (again.tree, again.diagnostics, again.read)
        }
        None => {
            let (tree, diagnostics) = pbxc_syntax::parse_on_this_thread(FileId(0), text);
            let read = tree.lines.len();
            (tree, diagnostics, read)
        }
    };
    db.count_parse(read);
    Some(Arc::new(Parsed {
        tree: Arc::new(tree),
        diagnostics,
    }))
}

/// Checks a root as `pbxc check` would, reading every file through the database.
// Bounded: files opened one after another each make a root; the least recently used
// roots' analyses are dropped.
#[salsa::tracked(returns(clone), no_eq, lru = 16)]
pub fn analyze(db: &dyn Db, root: Root) -> Arc<Analysis> {
    db.count_analysis();
    let provider = Provider { db };
    let memo = db.memo(root.path(db));
    let report = pbxc_project::check::check_with_memo(
        &provider,
        &[root.path(db).clone()],
        root.target(db),
        Some(&memo),
    );
    db.count_reused(Reused {
        sections: memo.lowering().reused(),
        jumps: memo.jumps_reused(),
    });
    // `pbxc check` takes a path it can list as a directory; so does the analysis.
    let whole_directory = provider.list_dir(root.path(db)).is_ok();
    Arc::new(Analysis::new(report, root.path(db), whole_directory))
}

/// What a check copied from the one before it (of the last dialplan it checked).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reused {
    /// Sections whose context was copied rather than lowered.
    pub sections: usize,
    /// Priorities whose jumps' resolution was copied rather than found.
    pub jumps: usize,
}

/// The input layer over the database.
struct Provider<'a> {
    db: &'a dyn Db,
}

impl SourceProvider for Provider<'_> {
    fn read(&self, path: &Path) -> Result<Arc<[u8]>, LoadError> {
        let file = self.db.file(path);
        file.text(self.db)
            .ok_or_else(|| match std::fs::metadata(path) {
                Ok(m) if !m.is_file() => LoadError::NotAFile,
                _ => LoadError::NotFound,
            })
    }

    fn list_dir(&self, dir: &Path) -> Result<Vec<DirEntry>, LoadError> {
        self.db
            .listing(dir)
            .entries(self.db)
            .clone()
            .ok_or(LoadError::NotFound)
    }

    fn parse(
        &self,
        path: &Path,
        file: FileId,
        text: Arc<[u8]>,
    ) -> (Arc<SyntaxTree>, Vec<Diagnostic>) {
        let input = self.db.file(path);
        let parsed = parse(self.db, input);
        if let Some(parsed) = &parsed {
            self.db.hold(input.path(self.db), parsed);
        }
        match parsed {
            // The text read a moment ago is the input's: the cached tree is this text's.
            Some(parsed)
                if input
                    .text(self.db)
                    .is_some_and(|t| Arc::ptr_eq(&t, &text) || *t == *text) =>
            {
                let diagnostics = parsed
                    .diagnostics
                    .iter()
                    .cloned()
                    .map(|d| renumber(d, file))
                    .collect();
                (parsed.tree.clone(), diagnostics)
            }
            _ => {
                let (tree, diagnostics) = pbxc_syntax::parse_on_this_thread(file, text);
                (Arc::new(tree), diagnostics)
            }
        }
    }
}

/// A diagnostic of a file parsed alone, moved to the id the session gave the file.
fn renumber(mut d: Diagnostic, file: FileId) -> Diagnostic {
    d.primary.file = file;
    for label in &mut d.secondary {
        label.file = file;
    }
    if let Some(fix) = &mut d.fix {
        for edit in &mut fix.edits {
            edit.file = file;
        }
    }
    d
}
