use super::*;

fn db_with(entries: &[(&str, &str, &str)]) -> AstDb {
    let db = AstDb::in_memory();
    for (family, key, value) in entries {
        db.put(family.as_bytes(), key.as_bytes(), value.as_bytes())
            .unwrap();
    }
    db
}

fn keys(entries: &[Entry]) -> Vec<String> {
    entries
        .iter()
        .map(|(k, _)| String::from_utf8_lossy(k).into_owned())
        .collect()
}

#[test]
fn a_key_is_family_slash_key_and_found_exactly() {
    let db = db_with(&[("AMPUSER", "100/cidname", "Alice")]);
    assert_eq!(db.get(b"AMPUSER", b"100/cidname"), Some(b"Alice".to_vec()));
    // The same full key, cut elsewhere.
    assert_eq!(db.get(b"AMPUSER/100", b"cidname"), Some(b"Alice".to_vec()));
    // `=` compares exactly: case matters.
    assert_eq!(db.get(b"ampuser", b"100/cidname"), None);
    assert_eq!(db.get(b"AMPUSER", b"100"), None);
}

#[test]
fn put_replaces_and_del_of_a_missing_key_succeeds() {
    let db = db_with(&[("f", "k", "1"), ("f", "k", "2")]);
    assert_eq!(db.get(b"f", b"k"), Some(b"2".to_vec()));
    assert_eq!(db.gettree(b"", b"").len(), 1);
    db.del(b"f", b"k").unwrap();
    assert_eq!(db.get(b"f", b"k"), None);
    assert_eq!(db.del(b"f", b"k"), Ok(()));
}

#[test]
fn values_are_c_strings() {
    let db = db_with(&[]);
    db.put(b"f", b"k", b"ab\0cd").unwrap();
    assert_eq!(db.get(b"f", b"k"), Some(b"ab".to_vec()));
    db.put(b"f", b"empty", b"").unwrap();
    assert_eq!(db.get(b"f", b"empty"), Some(Vec::new()));
    // Bytes that are not UTF-8 are kept as they are.
    db.put(b"f", b"latin1", b"caf\xe9").unwrap();
    assert_eq!(db.get(b"f", b"latin1"), Some(b"caf\xe9".to_vec()));
}

#[test]
fn a_tree_is_selected_with_like_ignoring_case_and_reading_wildcards() {
    let db = db_with(&[
        ("CF", "100", "a"),
        ("cf", "101", "b"),
        ("CFU", "100", "c"),
        ("CxF", "200", "d"),
        ("CF", "100/sub", "e"),
        ("DND", "100", "f"),
    ]);
    // `/CF/%` ignores case, and `/CFU` is not under `/CF` (the pattern ends in `/`).
    assert_eq!(
        keys(&db.gettree(b"CF", b"")),
        ["/CF/100", "/CF/100/sub", "/cf/101"]
    );
    // `_` matches any one character, as SQLite's LIKE reads it.
    assert_eq!(keys(&db.gettree(b"C_F", b"")), ["/CxF/200"]);
    // A key tree is the key itself and what is under it.
    assert_eq!(keys(&db.gettree(b"CF", b"100")), ["/CF/100", "/CF/100/sub"]);
    // No family: everything, in byte order (upper case first).
    assert_eq!(
        keys(&db.gettree(b"", b"")),
        [
            "/CF/100",
            "/CF/100/sub",
            "/CFU/100",
            "/CxF/200",
            "/DND/100",
            "/cf/101"
        ]
    );
}

#[test]
fn deltree_counts_what_it_deletes() {
    let db = db_with(&[
        ("CF", "100", "a"),
        ("CF", "101", "b"),
        ("CFU", "100", "c"),
        ("DND", "100", "d"),
    ]);
    assert_eq!(db.deltree(b"CF", b"101"), Ok(1));
    assert_eq!(db.deltree(b"cf", b""), Ok(1));
    assert_eq!(db.deltree(b"CF", b""), Ok(0));
    assert_eq!(
        db.deltree(b"", b"100"),
        Err(Error("Key tree '100' specified without family".into()))
    );
    assert_eq!(db.deltree(b"", b""), Ok(2));
    assert!(db.gettree(b"", b"").is_empty());
}

#[test]
fn showkey_finds_the_last_component() {
    let db = db_with(&[
        ("AMPUSER", "100/cidname", "Alice"),
        ("AMPUSER", "101/cidname", "Bob"),
        ("AMPUSER", "101/cidnum", "101"),
    ]);
    assert_eq!(
        keys(&db.showkey(b"CIDNAME")),
        ["/AMPUSER/100/cidname", "/AMPUSER/101/cidname"]
    );
}

#[test]
fn query_runs_each_statement_until_one_fails() {
    let db = db_with(&[("f", "k", "v")]);
    let (rows, failed) = db.query(
        "SELECT key, value, NULL AS missing FROM astdb; SELECT 1.0 AS one, 0.1 AS tenth, 1e20 AS big",
    );
    assert_eq!(failed, None);
    assert_eq!(
        rows,
        [
            vec![
                ("key".to_string(), b"/f/k".to_vec()),
                ("value".to_string(), b"v".to_vec()),
                ("missing".to_string(), b"(null)".to_vec()),
            ],
            // REALs as SQLite prints them.
            vec![
                ("one".to_string(), b"1.0".to_vec()),
                ("tenth".to_string(), b"0.1".to_vec()),
                ("big".to_string(), b"1.0e+20".to_vec()),
            ],
        ]
    );
    let (rows, failed) = db.query("SELECT 1 AS n; SELECT nonsense FROM nowhere; SELECT 2");
    assert_eq!(rows, [vec![("n".to_string(), b"1".to_vec())]]);
    assert!(failed.is_some());
}

#[test]
fn reals_print_as_sqlite_prints_them() {
    for (r, text) in [
        (1.0, "1.0"),
        (-2.5, "-2.5"),
        (0.1, "0.1"),
        (1.0 / 3.0, "0.333333333333333"),
        (123456789012345.0, "123456789012345.0"),
        (1234567890123456.0, "1.23456789012346e+15"),
        (0.0001, "0.0001"),
        (0.00001, "1.0e-05"),
    ] {
        assert_eq!(real_text(r), text, "{r}");
    }
}

#[test]
fn show_skips_rows_with_nulls_where_trees_stop() {
    let db = db_with(&[("a", "1", "x"), ("c", "3", "z")]);
    db.query("INSERT INTO astdb VALUES ('/b/2', NULL)")
        .1
        .map_or(Ok(()), Err)
        .unwrap();
    assert_eq!(keys(&db.show(b"", b"")), ["/a/1", "/c/3"]);
    assert_eq!(keys(&db.gettree(b"", b"")), ["/a/1"]);
    // An empty key binds nothing: the pattern is NULL.
    assert!(db.showkey(b"").is_empty());
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pbx-astdb-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_file_keeps_what_was_written_when_it_is_reopened() {
    let dir = scratch("reopen");
    let path = file_of(&dir.join("astdb"));
    assert!(path.ends_with("astdb.sqlite3"));
    {
        let db = AstDb::open(&path).unwrap();
        db.put(b"CF", b"100", b"5551234").unwrap();
        db.put(b"DND", b"100", b"YES").unwrap();
        db.del(b"DND", b"100").unwrap();
    }
    let db = AstDb::open(&path).unwrap();
    assert_eq!(db.get(b"CF", b"100"), Some(b"5551234".to_vec()));
    assert_eq!(db.get(b"DND", b"100"), None);
    drop(db);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_sync_thread_commits_for_other_readers() {
    let dir = scratch("sync");
    let path = dir.join("astdb.sqlite3");
    let db = AstDb::open(&path).unwrap();
    db.put(b"f", b"k", b"v").unwrap();
    // Another connection (another process, in life) sees the write once committed: the sync
    // thread commits it without being asked. The reader looks only once it is: a reader
    // holding the file as the sync thread commits makes that commit fail and roll back, as
    // db.c's does.
    let reader = Connection::open(&path).unwrap();
    let seen = |reader: &Connection| {
        reader
            .query_row("SELECT value FROM astdb WHERE key='/f/k'", [], |r| {
                r.get::<_, String>(0)
            })
            .optional()
            .ok()
            .flatten()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !db.committed() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(db.committed(), "the sync thread never committed");
    assert_eq!(seen(&reader), Some("v".into()));
    db.put(b"f", b"k", b"w").unwrap();
    db.sync().unwrap();
    assert_eq!(seen(&reader), Some("w".into()));
    drop((db, reader));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unopenable_file_says_where() {
    let err = AstDb::open(Path::new("/nonexistent-dir/astdb.sqlite3")).unwrap_err();
    assert!(
        err.0
            .starts_with("Unable to open Asterisk database '/nonexistent-dir/astdb.sqlite3'"),
        "{err}"
    );
}

#[test]
fn a_database_another_program_holds_fails_at_once_instead_of_waiting() {
    let dir = scratch("busy");
    let path = dir.join("astdb.sqlite3");
    let db = AstDb::open(&path).unwrap();
    let other = Connection::open(&path).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let started = std::time::Instant::now();
    assert!(db.put(b"f", b"k", b"v").is_err());
    // rusqlite's default busy handler would have waited 5 s with AstDB's lock held.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    other.execute_batch("ROLLBACK").unwrap();
    drop((db, other));
    std::fs::remove_dir_all(&dir).unwrap();
}
