//! Like cdr_csv, the writer opens and closes the file for every record: no descriptor stays
//! open. The only test in its binary, so no other test opens files meanwhile.

use std::fs;

use pbx_cdr::{Cdr, CsvOptions, CsvWriter, Disposition, Timestamp};

fn open_fds() -> usize {
    fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

#[test]
fn no_descriptor_stays_open() {
    let dir = std::env::temp_dir().join(format!("pbx-cdr-fd-{}", std::process::id()));
    let writer = CsvWriter::new(&dir, CsvOptions::default());
    let cdr = Cdr {
        accountcode: "acme".into(),
        src: "1000".into(),
        start: Timestamp::from_secs(1_700_000_000),
        end: Timestamp::from_secs(1_700_000_010),
        disposition: Disposition::NoAnswer,
        ..Cdr::default()
    };
    let before = open_fds();
    assert!(before > 0, "/proc/self/fd is readable");
    for _ in 0..11 {
        writer.write(&cdr).unwrap();
    }
    let after = open_fds();
    let lines = fs::read_to_string(dir.join("Master.csv"))
        .unwrap()
        .lines()
        .count();
    let account = fs::read_to_string(dir.join("acme.csv"))
        .unwrap()
        .lines()
        .count();
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(after, before);
    assert_eq!((lines, account), (11, 11));
}
