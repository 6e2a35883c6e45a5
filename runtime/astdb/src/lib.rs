//! AstDB, Asterisk's persistent family/key store, as `main/db.c` keeps it: one SQLite table
//! `astdb(key TEXT, value TEXT, PRIMARY KEY(key))` whose keys are `/family/key`. The file is
//! Asterisk's own format, so the `astdb.sqlite3` of an Asterisk being replaced is read and
//! written as it is (FreePBX keeps its users, follow-me and call-forward settings there), and
//! the queries are db.c's own, so their quirks come with them: `=` compares keys exactly,
//! while a tree (`DB_KEYS`, `DBdeltree`, `database show`) is selected with SQLite's `LIKE`,
//! which ignores ASCII case and reads `_` and `%` in the prefix as wildcards.
//!
//! Keys and values are bytes: C strings in Asterisk, so each is cut at its first NUL.
//!
//! A file database commits as db.c's sync thread does: writes go into an open transaction,
//! committed at once when the last commit is a second old, else a second after it, and when
//! the database is dropped. An in-memory one ([`AstDb::in_memory`], for offline calls)
//! commits nothing.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension};

/// db.c's statements, word for word.
mod sql {
    pub const CREATE: &str =
        "CREATE TABLE IF NOT EXISTS astdb(key TEXT, value TEXT, PRIMARY KEY(key))";
    pub const PUT: &str = "INSERT OR REPLACE INTO astdb (key, value) VALUES (?, ?)";
    pub const GET: &str = "SELECT value FROM astdb WHERE key=?";
    pub const DEL: &str = "DELETE FROM astdb WHERE key=?";
    pub const DELTREE: &str = "DELETE FROM astdb WHERE key || '/' LIKE ? || '/' || '%'";
    pub const DELTREE_ALL: &str = "DELETE FROM astdb";
    pub const GETTREE: &str =
        "SELECT key, value FROM astdb WHERE key || '/' LIKE ? || '/' || '%' ORDER BY key";
    pub const GETTREE_ALL: &str = "SELECT key, value FROM astdb ORDER BY key";
    pub const SHOWKEY: &str =
        "SELECT key, value FROM astdb WHERE key LIKE '%' || '/' || ? ORDER BY key";
}

/// How long the sync thread waits after a commit before the next (db.c's `sleep(1)`).
const SYNC_INTERVAL: Duration = Duration::from_secs(1);

/// An open AstDB. Shared by every call of a PBX (`Arc<AstDb>`); each operation takes the
/// database's one lock, as db.c's `dblock`.
pub struct AstDb {
    shared: Arc<Shared>,
    /// The file, `None` in memory.
    path: Option<PathBuf>,
    sync: Option<std::thread::JoinHandle<()>>,
}

struct Shared {
    state: Mutex<State>,
    /// Wakes the sync thread: a write to commit, or the database closing.
    changed: Condvar,
}

struct State {
    conn: Connection,
    /// Uncommitted writes in the open transaction.
    dirty: bool,
    closing: bool,
}

/// Why the database could not be opened or a statement failed: SQLite's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error(e.to_string())
    }
}

/// One row of a tree: the full key (`/family/key`) and its value.
pub type Entry = (Vec<u8>, Vec<u8>);

/// One row of `database query`: each column's name and text.
pub type Row = Vec<(String, Vec<u8>)>;

impl AstDb {
    /// A database that lives as long as this value: what an offline call reads and writes.
    pub fn in_memory() -> AstDb {
        // An in-memory database cannot fail to open but for lack of memory.
        let conn = Connection::open_in_memory().expect("SQLite opens an in-memory database");
        conn.execute_batch(sql::CREATE)
            .expect("the table is created in an empty in-memory database");
        AstDb {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    conn,
                    dirty: false,
                    closing: false,
                }),
                changed: Condvar::new(),
            }),
            path: None,
            sync: None,
        }
    }

    /// An in-memory database holding a copy of the file's entries; the file is only read
    /// (an offline call may write, and must not change a PBX's database).
    pub fn in_memory_copy_of(path: &Path) -> Result<AstDb, Error> {
        let source = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| {
                Error(format!(
                    "Unable to open Asterisk database '{}': {e}",
                    path.display()
                ))
            })?;
        let copy = AstDb::in_memory();
        {
            let state = copy.lock();
            let mut select = source
                .prepare(sql::GETTREE_ALL)
                .map_err(|e| Error(format!("'{}' is not an AstDB: {e}", path.display())))?;
            let mut rows = select.query([])?;
            let mut put = state.conn.prepare_cached(sql::PUT)?;
            while let Some(row) = rows.next()? {
                if let (Some(key), Some(value)) = (bytes(row.get_ref(0)?), bytes(row.get_ref(1)?)) {
                    put.execute([text(&key), text(&value)])?;
                }
            }
        }
        Ok(copy)
    }

    /// Opens (creating it if needed) the database file, as Asterisk opens
    /// `${astdbdir}/astdb.sqlite3`, and starts its sync thread.
    pub fn open(path: &Path) -> Result<AstDb, Error> {
        let conn = Connection::open(path).map_err(|e| {
            Error(format!(
                "Unable to open Asterisk database '{}': {e}",
                path.display()
            ))
        })?;
        // db.c sets no busy handler: a database another program holds fails at once
        // (rusqlite's default would wait 5 s holding the lock every call needs).
        conn.busy_timeout(Duration::ZERO)?;
        conn.execute_batch(sql::CREATE)
            .map_err(|e| Error(format!("Couldn't create astdb table: {e}")))?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                conn,
                dirty: false,
                closing: false,
            }),
            changed: Condvar::new(),
        });
        let sync = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("astdb-sync".into())
                .spawn(move || sync_thread(&shared))
                .map_err(|e| Error(format!("Unable to start the database sync thread: {e}")))?
        };
        Ok(AstDb {
            shared,
            path: Some(path.to_owned()),
            sync: Some(sync),
        })
    }

    /// The file, `None` for an in-memory database.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock means a thread panicked holding it; SQLite's state is still whole
        // (every statement is reset before the lock is released or dropped with it).
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `ast_db_put`.
    pub fn put(&self, family: &[u8], key: &[u8], value: &[u8]) -> Result<(), Error> {
        let full = full_key(family, key);
        let mut state = self.lock();
        self.begin_write(&mut state)?;
        state
            .conn
            .prepare_cached(sql::PUT)?
            .execute([text(&full), text(cstr(value))])?;
        Ok(())
    }

    /// `ast_db_get`: the value of `/family/key`, `None` when there is none.
    pub fn get(&self, family: &[u8], key: &[u8]) -> Option<Vec<u8>> {
        let full = full_key(family, key);
        let state = self.lock();
        let mut stmt = state.conn.prepare_cached(sql::GET).ok()?;
        stmt.query_row([text(&full)], |row| Ok(bytes(row.get_ref(0)?)))
            .optional()
            .ok()
            .flatten()
            .flatten()
    }

    /// `ast_db_del`: deleting a key that is not there succeeds, as in db.c.
    pub fn del(&self, family: &[u8], key: &[u8]) -> Result<(), Error> {
        let full = full_key(family, key);
        let mut state = self.lock();
        self.begin_write(&mut state)?;
        state
            .conn
            .prepare_cached(sql::DEL)?
            .execute([text(&full)])?;
        Ok(())
    }

    /// `ast_db_deltree`: deletes `/family` or `/family/keytree` and everything under it (an
    /// empty family deletes everything); the number of entries deleted.
    pub fn deltree(&self, family: &[u8], keytree: &[u8]) -> Result<usize, Error> {
        if family.is_empty() && !keytree.is_empty() {
            return Err(Error(format!(
                "Key tree '{}' specified without family",
                String::from_utf8_lossy(keytree)
            )));
        }
        let prefix = prefix(family, keytree);
        let mut state = self.lock();
        self.begin_write(&mut state)?;
        let deleted = if prefix.is_empty() {
            state.conn.prepare_cached(sql::DELTREE_ALL)?.execute([])?
        } else {
            state
                .conn
                .prepare_cached(sql::DELTREE)?
                .execute([text(&prefix)])?
        };
        Ok(deleted)
    }

    /// `ast_db_gettree`: the entries of `/family` or `/family/keytree` and below, in key
    /// order (every entry for an empty family).
    pub fn gettree(&self, family: &[u8], keytree: &[u8]) -> Vec<Entry> {
        let prefix = prefix(family, keytree);
        let state = self.lock();
        if prefix.is_empty() {
            rows(&state.conn, sql::GETTREE_ALL, None, Nulls::Stop)
        } else {
            rows(&state.conn, sql::GETTREE, Some(&prefix), Nulls::Stop)
        }
    }

    /// `database showkey`: the entries whose last component is `key` (LIKE's pattern rules).
    /// An empty key is not bound, so the pattern is NULL and nothing matches.
    pub fn showkey(&self, key: &[u8]) -> Vec<Entry> {
        if cstr(key).is_empty() {
            return Vec::new();
        }
        let state = self.lock();
        rows(&state.conn, sql::SHOWKEY, Some(cstr(key)), Nulls::Stop)
    }

    /// `database show [family [keytree]]`: [`AstDb::gettree`]'s entries, but a row with a
    /// NULL key or value is skipped instead of ending the list.
    pub fn show(&self, family: &[u8], keytree: &[u8]) -> Vec<Entry> {
        let prefix = prefix(family, keytree);
        let state = self.lock();
        if prefix.is_empty() {
            rows(&state.conn, sql::GETTREE_ALL, None, Nulls::Skip)
        } else {
            rows(&state.conn, sql::GETTREE, Some(&prefix), Nulls::Skip)
        }
    }

    /// `database query "SQL"` (`sqlite3_exec`): runs each statement of `sql` in turn, and
    /// answers each row as its columns' names and texts (a NULL as `(null)`, as glibc's
    /// printf prints it). A statement that fails ends the run: the rows before it are
    /// answered, with SQLite's message.
    pub fn query(&self, sql: &str) -> (Vec<Row>, Option<Error>) {
        use rusqlite::fallible_iterator::FallibleIterator;
        let mut state = self.lock();
        let mut out = Vec::new();
        if let Err(e) = self.begin_write(&mut state) {
            return (out, Some(e));
        }
        let mut batch = rusqlite::Batch::new(&state.conn, sql);
        let failed = loop {
            let mut stmt = match batch.next() {
                Ok(Some(stmt)) => stmt,
                Ok(None) => break None,
                Err(e) => break Some(e.into()),
            };
            let names: Vec<String> = stmt.column_names().map(str::to_string).collect();
            let mut rows = match stmt.query([]) {
                Ok(rows) => rows,
                Err(e) => break Some(e.into()),
            };
            let failed = loop {
                match rows.next() {
                    Ok(Some(row)) => {
                        let columns = names
                            .iter()
                            .enumerate()
                            .map(|(i, name)| {
                                let value = row.get_ref(i).ok().and_then(bytes);
                                (name.clone(), value.unwrap_or_else(|| b"(null)".to_vec()))
                            })
                            .collect();
                        out.push(columns);
                    }
                    Ok(None) => break None,
                    Err(e) => break Some(Error::from(e)),
                }
            };
            if failed.is_some() {
                break failed;
            }
        };
        (out, failed)
    }

    /// Commits what is written so far now (the sync thread otherwise does within a second).
    pub fn sync(&self) -> Result<(), Error> {
        let mut state = self.lock();
        commit(&mut state)
    }

    /// A file database writes inside a transaction, which the sync thread commits.
    /// Whether every write so far is committed (none waits for the sync thread).
    pub fn committed(&self) -> bool {
        let state = self.lock();
        !state.dirty && state.conn.is_autocommit()
    }

    fn begin_write(&self, state: &mut State) -> Result<(), Error> {
        if self.path.is_none() {
            return Ok(());
        }
        if state.conn.is_autocommit() {
            state.conn.execute_batch("BEGIN TRANSACTION")?;
        }
        state.dirty = true;
        self.shared.changed.notify_one();
        Ok(())
    }
}

impl Drop for AstDb {
    fn drop(&mut self) {
        if let Some(sync) = self.sync.take() {
            self.lock().closing = true;
            self.shared.changed.notify_one();
            // The thread commits what is left before it ends; a panic in it has nothing to
            // hand back.
            let _ = sync.join();
        }
    }
}

impl std::fmt::Debug for AstDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AstDb").field("path", &self.path).finish()
    }
}

/// db.c's `db_sync_thread`: commits each batch of writes, at most once a second.
fn sync_thread(shared: &Shared) {
    let mut state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        while !state.dirty && !state.closing {
            state = shared
                .changed
                .wait(state)
                .unwrap_or_else(|e| e.into_inner());
        }
        // A failed commit is rolled back, as db.c does; the writes are lost either way.
        let _ = commit(&mut state);
        if state.closing {
            return;
        }
        // Writes during the pause wait for the next commit; closing cuts the pause short.
        let (next, _) = shared
            .changed
            .wait_timeout_while(state, SYNC_INTERVAL, |s| !s.closing)
            .unwrap_or_else(|e| e.into_inner());
        state = next;
    }
}

fn commit(state: &mut State) -> Result<(), Error> {
    state.dirty = false;
    if state.conn.is_autocommit() {
        return Ok(());
    }
    if let Err(e) = state.conn.execute_batch("COMMIT") {
        let _ = state.conn.execute_batch("ROLLBACK");
        return Err(e.into());
    }
    Ok(())
}

/// What a row with a NULL key or value does to a list: `db_gettree_common` and showkey
/// stop there, `database show` skips it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Nulls {
    Stop,
    Skip,
}

fn rows(conn: &Connection, statement: &str, prefix: Option<&[u8]>, nulls: Nulls) -> Vec<Entry> {
    let Ok(mut stmt) = conn.prepare_cached(statement) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let query = match prefix {
        Some(p) => stmt.query([text(p)]),
        None => stmt.query([]),
    };
    let Ok(mut rows) = query else {
        return out;
    };
    while let Ok(Some(row)) = rows.next() {
        let (Ok(key), Ok(value)) = (row.get_ref(0), row.get_ref(1)) else {
            break;
        };
        match (bytes(key), bytes(value)) {
            (Some(key), Some(value)) => out.push((key, value)),
            _ if nulls == Nulls::Skip => continue,
            _ => break,
        }
    }
    out
}

/// `"/%s/%s"` of family and key.
fn full_key(family: &[u8], key: &[u8]) -> Vec<u8> {
    let (family, key) = (cstr(family), cstr(key));
    let mut full = Vec::with_capacity(family.len() + key.len() + 2);
    full.push(b'/');
    full.extend_from_slice(family);
    full.push(b'/');
    full.extend_from_slice(key);
    full
}

/// db.c's `create_prefix`: `/family/keytree`, `/family`, or empty for no family.
fn prefix(family: &[u8], keytree: &[u8]) -> Vec<u8> {
    let (family, keytree) = (cstr(family), cstr(keytree));
    if family.is_empty() {
        Vec::new()
    } else if keytree.is_empty() {
        [b"/", family].concat()
    } else {
        [b"/", family, b"/", keytree].concat()
    }
}

/// Bytes bound as SQLite text, as `sqlite3_bind_text` binds a C string (UTF-8 or not).
fn text(s: &[u8]) -> ToSqlOutput<'_> {
    ToSqlOutput::Borrowed(ValueRef::Text(s))
}

/// `sqlite3_column_text`: a column as text; `None` for NULL.
fn bytes(value: ValueRef<'_>) -> Option<Vec<u8>> {
    match value {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string().into_bytes()),
        ValueRef::Real(r) => Some(real_text(r).into_bytes()),
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(cstr(t).to_vec()),
    }
}

/// SQLite's text of a REAL (`%!.15g`): 15 significant digits, trailing zeros dropped but
/// one kept after the point (`1.0`, `0.1`, `1.0e+20`).
fn real_text(r: f64) -> String {
    if !r.is_finite() {
        return if r.is_nan() {
            String::new()
        } else if r > 0.0 {
            "Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if r == 0.0 {
        return "0.0".into();
    }
    // The 15 significant digits and the decimal exponent, as `%.14e` prints them.
    let scientific = format!("{r:.14e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let trim = |s: String| -> String {
        if !s.contains('.') {
            return format!("{s}.0");
        }
        let t = s.trim_end_matches('0');
        if t.ends_with('.') {
            format!("{t}0")
        } else {
            t.to_string()
        }
    };
    if !(-4..15).contains(&exponent) {
        let m = trim(mantissa.to_string());
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{m}e{sign}{:02}", exponent.abs());
    }
    let decimals = usize::try_from(14 - exponent).unwrap_or(0);
    trim(format!("{r:.decimals$}"))
}

/// A C string's bytes: up to the first NUL.
fn cstr(s: &[u8]) -> &[u8] {
    s.iter().position(|&c| c == 0).map_or(s, |n| &s[..n])
}

/// The path Asterisk gives its database: `${astdbdir}/astdb` (`ASTDBDIR`) plus `.sqlite3`.
pub fn file_of(astdb: &Path) -> PathBuf {
    let mut name = astdb.as_os_str().to_owned();
    name.push(".sqlite3");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests;
