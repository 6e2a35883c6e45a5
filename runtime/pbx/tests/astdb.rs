//! AstDB in the runtime: calls and the `database` commands share one database, kept in
//! Asterisk's own file format where asterisk.conf puts it, and still there after a restart.

mod common;

use std::path::Path;
use std::sync::Arc;

use pbx::scripted::{Caller, Script};
use pbx::{Options, Pbx, Source, Start, control};

const DIALPLAN: &str = "\
[in]
exten => 1,1,Set(DB(CF/${CALLERID(num)})=${DB(seed/value)}-set)
 same => n,Set(DB_DELETE(gone/key)=)
 same => n,Hangup()
";

fn call(pbx: &Arc<Pbx>) {
    pbx::scripted::place(
        pbx,
        Caller {
            name: "Test/astdb".into(),
            caller_number: Some("100".into()),
            caller_name: None,
            script: Script::default(),
        },
        Start::at("in", "1"),
    )
    .unwrap();
    assert!(pbx.wait_idle(std::time::Duration::from_secs(30)));
}

fn shown(entries: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (key, value) in entries {
        out.push_str(&format!("{key:<50}: {value:<25}\n"));
    }
    out.push_str(&format!("{} results found.\n", entries.len()));
    out
}

/// The SQL that made the file's table, as SQLite keeps it.
fn schema(file: &Path) -> String {
    let conn = rusqlite::Connection::open(file).unwrap();
    conn.query_row(
        "SELECT sql FROM sqlite_master WHERE name = 'astdb'",
        [],
        |row| row.get(0),
    )
    .unwrap()
}

#[test]
fn calls_and_the_database_commands_share_one_astdb_kept_across_restarts() {
    let dir = common::temp_dir("astdb");
    common::write_config(&dir, DIALPLAN);
    let start = || Pbx::start(Options::for_source(Source::Dir(dir.clone()))).unwrap();
    {
        let pbx = start();
        let cmd = |line: &str| control::run(&pbx, line).0;
        // Words are cut as Asterisk's CLI cuts them: quotes keep blanks.
        assert_eq!(
            cmd("database put seed value \"from the CLI\""),
            "Updated database successfully\n"
        );
        assert_eq!(
            cmd("database put gone key x"),
            "Updated database successfully\n"
        );
        call(&pbx);
        assert_eq!(cmd("database get CF 100"), "Value: from the CLI-set\n");
        assert_eq!(cmd("database get gone key"), "Database entry not found.\n");
        assert_eq!(
            cmd("DATABASE SHOW"),
            shown(&[
                ("/CF/100", "from the CLI-set"),
                ("/seed/value", "from the CLI")
            ])
        );
        assert_eq!(
            cmd("database show seed"),
            shown(&[("/seed/value", "from the CLI")])
        );
        assert_eq!(
            cmd("database showkey 100"),
            shown(&[("/CF/100", "from the CLI-set")])
        );
        assert_eq!(
            cmd("database query \"SELECT count(*) AS n FROM astdb\""),
            format!("{:<5}: {:<50}\n\n", "n", "2")
        );
        // ast_db_del2 refuses a key that is not there.
        assert_eq!(
            cmd("database del CF 999"),
            "Database entry could not be removed.\n"
        );
        assert_eq!(
            cmd("database put CF 101 x"),
            "Updated database successfully\n"
        );
        assert_eq!(cmd("database del CF 101"), "Database entry removed.\n");
        assert_eq!(
            cmd("database deltree nothing"),
            "Database entries do not exist.\n"
        );
        assert_eq!(
            cmd("database put tmp a 1"),
            "Updated database successfully\n"
        );
        assert_eq!(
            cmd("database put tmp b/c 2"),
            "Updated database successfully\n"
        );
        assert_eq!(cmd("database deltree tmp"), "2 database entries removed.\n");
        assert_eq!(
            cmd("database put onlytwo words"),
            "error: usage: database put <family> <key> <value>\n"
        );
        // SQL that fails is only logged, as db.c logs it.
        assert_eq!(cmd("database query \"SELECT nothing FROM nowhere\""), "");
        // Each statement runs.
        assert_eq!(
            cmd("database query \"SELECT 1 AS a; SELECT 2 AS b\""),
            format!("{:<5}: {:<50}\n\n{:<5}: {:<50}\n\n", "a", "1", "b", "2")
        );
        let file = dir.join("run/astdb.sqlite3");
        assert_eq!(pbx.database.path(), Some(file.as_path()));
    }
    // Dropping the PBX committed its writes; a new one finds them.
    let file = dir.join("run/astdb.sqlite3");
    assert_eq!(
        schema(&file),
        "CREATE TABLE astdb(key TEXT, value TEXT, PRIMARY KEY(key))",
        "Asterisk's own table, so Asterisk's file can be used as it is"
    );
    let pbx = start();
    assert_eq!(
        control::run(&pbx, "database show").0,
        shown(&[
            ("/CF/100", "from the CLI-set"),
            ("/seed/value", "from the CLI")
        ])
    );
    drop(pbx);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn asterisk_conf_says_where_the_database_is_and_an_existing_asterisk_file_is_read() {
    let dir = common::temp_dir("astdb-conf");
    common::write_config(&dir, DIALPLAN);
    std::fs::write(
        dir.join("asterisk.conf"),
        "[directories]\nastvarlibdir => lib\nastdbdir => db\n",
    )
    .unwrap();
    // A database as Asterisk leaves it: its table, filled by another program.
    std::fs::create_dir_all(dir.join("db")).unwrap();
    let file = dir.join("db/astdb.sqlite3");
    {
        let conn = rusqlite::Connection::open(&file).unwrap();
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS astdb(key TEXT, value TEXT, PRIMARY KEY(key));
             INSERT INTO astdb VALUES ('/seed/value', 'from Asterisk');",
        )
        .unwrap();
    }
    let options = Options::for_source(Source::Dir(dir.clone()));
    assert_eq!(options.astdb.as_deref(), Some(file.as_path()));
    let pbx = Pbx::start(options).unwrap();
    call(&pbx);
    assert_eq!(
        control::run(&pbx, "database get CF 100").0,
        "Value: from Asterisk-set\n"
    );
    drop(pbx);
    assert!(!dir.join("lib").exists() && !dir.join("run/astdb.sqlite3").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_database_that_cannot_be_opened_stops_the_start_as_in_asterisk() {
    let dir = common::temp_dir("astdb-bad");
    common::write_config(&dir, DIALPLAN);
    // A directory where the file should be.
    std::fs::create_dir_all(dir.join("run/astdb.sqlite3")).unwrap();
    let err = Pbx::start(Options::for_source(Source::Dir(dir.clone()))).err();
    let err = err.expect("the start fails");
    assert!(err.contains("Unable to open Asterisk database"), "{err}");
    assert!(err.contains("run/astdb.sqlite3"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
