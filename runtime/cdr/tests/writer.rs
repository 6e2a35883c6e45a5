//! `CsvWriter` appends to `Master.csv` (and `<accountcode>.csv`) in a fresh directory.

use std::fs;
use std::io::ErrorKind;
use std::path::PathBuf;

use pbx_cdr::{AmaFlags, Cdr, CsvOptions, CsvWriter, Disposition, Timestamp};

/// A unique directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        TempDir(std::env::temp_dir().join(format!("pbx-cdr-{tag}-{}-{nanos}", std::process::id())))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn cdr(src: &str, accountcode: &str) -> Cdr {
    Cdr {
        accountcode: accountcode.into(),
        src: src.into(),
        dst: "2000".into(),
        dcontext: "internal".into(),
        clid: format!("\"Caller\" <{src}>"),
        channel: format!("PJSIP/{src}-00000001"),
        lastapp: "Hangup".into(),
        start: Timestamp::from_secs(1_700_000_000),
        answer: Some(Timestamp::from_secs(1_700_000_001)),
        end: Timestamp::from_secs(1_700_000_011),
        disposition: Disposition::Answered,
        amaflags: AmaFlags::Billing,
        ..Cdr::default()
    }
}

fn gmt() -> CsvOptions {
    CsvOptions {
        usegmtime: true,
        ..CsvOptions::default()
    }
}

#[test]
fn appends_two_records_and_creates_the_directory() {
    let tmp = TempDir::new("append");
    let dir = tmp.0.join("cdr-csv");
    let writer = CsvWriter::new(&dir, gmt());
    assert_eq!(writer.master_path(), dir.join("Master.csv"));
    writer.write(&cdr("1000", "")).unwrap();
    writer.write(&cdr("1001", "")).unwrap();
    assert_eq!(
        fs::read_to_string(dir.join("Master.csv")).unwrap(),
        concat!(
            r#""","1000","2000","internal","""Caller"" <1000>","PJSIP/1000-00000001","","Hangup","","2023-11-14 22:13:20","2023-11-14 22:13:21","2023-11-14 22:13:31",11,10,"ANSWERED","BILLING""#,
            "\n",
            r#""","1001","2000","internal","""Caller"" <1001>","PJSIP/1001-00000001","","Hangup","","2023-11-14 22:13:20","2023-11-14 22:13:21","2023-11-14 22:13:31",11,10,"ANSWERED","BILLING""#,
            "\n",
        )
    );
    // No account code, no account file.
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
}

#[test]
fn account_logs() {
    let tmp = TempDir::new("accounts");
    let writer = CsvWriter::new(&tmp.0, gmt());
    writer.write(&cdr("1000", "acme")).unwrap();
    writer.write(&cdr("1001", "other")).unwrap();
    writer.write(&cdr("1002", "acme")).unwrap();
    let master = fs::read_to_string(tmp.0.join("Master.csv")).unwrap();
    let acme = fs::read_to_string(tmp.0.join("acme.csv")).unwrap();
    let other = fs::read_to_string(tmp.0.join("other.csv")).unwrap();
    let lines: Vec<&str> = master.lines().collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(acme, format!("{}\n{}\n", lines[0], lines[2]));
    assert_eq!(other, format!("{}\n", lines[1]));

    // writefile_account refuses these; Master.csv still gets the record.
    for bad in ["../escape", ".hidden", "a/b"] {
        let err = writer.write(&cdr("1003", bad)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad}");
    }
    assert_eq!(
        fs::read_to_string(tmp.0.join("Master.csv"))
            .unwrap()
            .lines()
            .count(),
        6
    );
    assert!(!tmp.0.join(".hidden.csv").exists());

    // accountlogs=no writes Master.csv only.
    let quiet = CsvWriter::new(
        &tmp.0,
        CsvOptions {
            accountlogs: false,
            ..gmt()
        },
    );
    quiet.write(&cdr("1004", "quiet")).unwrap();
    assert!(!tmp.0.join("quiet.csv").exists());
}

#[test]
fn a_record_too_long_for_asterisk_is_not_written() {
    let tmp = TempDir::new("long");
    let writer = CsvWriter::new(&tmp.0, gmt());
    let long = Cdr {
        lastdata: "x".repeat(1000),
        ..cdr("1000", "")
    };
    let err = writer.write(&long).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert!(!tmp.0.join("Master.csv").exists());
}

#[test]
fn errors_are_returned() {
    let tmp = TempDir::new("errors");
    fs::create_dir_all(&tmp.0).unwrap();
    // The directory path is a file.
    let file = tmp.0.join("plain");
    fs::write(&file, "").unwrap();
    assert!(
        CsvWriter::new(&file, gmt())
            .write(&cdr("1000", ""))
            .is_err()
    );
    // Master.csv is a directory.
    fs::create_dir(tmp.0.join("Master.csv")).unwrap();
    assert!(
        CsvWriter::new(&tmp.0, gmt())
            .write(&cdr("1000", ""))
            .is_err()
    );
}

#[test]
fn concurrent_writers_do_not_interleave() {
    let tmp = TempDir::new("threads");
    let writer = CsvWriter::new(&tmp.0, gmt());
    std::thread::scope(|s| {
        for t in 0..4 {
            let writer = &writer;
            s.spawn(move || {
                for i in 0..50 {
                    writer.write(&cdr(&format!("{t}{i:03}"), "")).unwrap();
                }
            });
        }
    });
    let master = fs::read_to_string(tmp.0.join("Master.csv")).unwrap();
    assert_eq!(master.lines().count(), 200);
    assert!(
        master
            .lines()
            .all(|l| l.ends_with(r#""ANSWERED","BILLING""#))
    );
}
