//! The expected lines of `whole_lines` and the numbers of `duration_and_billsec_rounding` were
//! produced by `build_csv_record`, `append_*` (cdr/cdr_csv.c) and
//! `cdr_object_get_duration` / `cdr_object_get_billsec` (main/cdr.c) of Asterisk 22.10.1,
//! compiled verbatim into a harness, for the same inputs.

use super::*;
use proptest::prelude::*;

fn tv(sec: i64, usec: i64) -> Timestamp {
    Timestamp::from_timeval(sec, usec)
}

/// An answered call from PJSIP/1000 to 2000.
fn call() -> Cdr {
    Cdr {
        src: "1000".into(),
        dst: "2000".into(),
        dcontext: "internal".into(),
        clid: "\"Alice\" <1000>".into(),
        channel: "PJSIP/1000-00000001".into(),
        dstchannel: "PJSIP/2000-00000002".into(),
        lastapp: "Dial".into(),
        lastdata: "PJSIP/2000,30,tT".into(),
        start: tv(1_700_000_000, 250_000),
        answer: Some(tv(1_700_000_003, 100_000)),
        end: tv(1_700_000_065, 900_000),
        disposition: Disposition::Answered,
        amaflags: AmaFlags::Documentation,
        uniqueid: "1700000000.1".into(),
        ..Cdr::default()
    }
}

fn gmt() -> CsvOptions {
    CsvOptions {
        usegmtime: true,
        ..CsvOptions::default()
    }
}

fn new_york() -> CsvOptions {
    CsvOptions {
        zone: Some("America/New_York".into()),
        ..CsvOptions::default()
    }
}

#[test]
fn whole_lines() {
    #[rustfmt::skip]
    let cases: Vec<(&str, Cdr, CsvOptions, &str)> = vec![
        (
            "answered",
            call(),
            gmt(),
            r#""","1000","2000","internal","""Alice"" <1000>","PJSIP/1000-00000001","PJSIP/2000-00000002","Dial","PJSIP/2000,30,tT","2023-11-14 22:13:20","2023-11-14 22:13:23","2023-11-14 22:14:25",65,62,"ANSWERED","DOCUMENTATION""#,
        ),
        (
            "unanswered: empty, unquoted answer column",
            Cdr { answer: None, end: tv(1_700_000_020, 0), disposition: Disposition::NoAnswer, ..call() },
            gmt(),
            r#""","1000","2000","internal","""Alice"" <1000>","PJSIP/1000-00000001","PJSIP/2000-00000002","Dial","PJSIP/2000,30,tT","2023-11-14 22:13:20",,"2023-11-14 22:13:40",19,0,"NO ANSWER","DOCUMENTATION""#,
        ),
        (
            "quotes and commas",
            Cdr {
                accountcode: "acme".into(),
                clid: "\"Smith, John\" <5551234>".into(),
                lastapp: "Playback".into(),
                lastdata: "hello-\"world\",beep".into(),
                userfield: "say \"hi\", bye".into(),
                ..call()
            },
            CsvOptions { loguserfield: true, ..gmt() },
            r#""acme","1000","2000","internal","""Smith, John"" <5551234>","PJSIP/1000-00000001","PJSIP/2000-00000002","Playback","hello-""world"",beep","2023-11-14 22:13:20","2023-11-14 22:13:23","2023-11-14 22:14:25",65,62,"ANSWERED","DOCUMENTATION","say ""hi"", bye""#,
        ),
        (
            "New York, standard time",
            call(),
            new_york(),
            r#""","1000","2000","internal","""Alice"" <1000>","PJSIP/1000-00000001","PJSIP/2000-00000002","Dial","PJSIP/2000,30,tT","2023-11-14 17:13:20","2023-11-14 17:13:23","2023-11-14 17:14:25",65,62,"ANSWERED","DOCUMENTATION""#,
        ),
        (
            "New York, daylight time, across midnight UTC",
            Cdr { start: tv(1_690_000_000, 0), answer: None, end: tv(1_690_000_003, 0), disposition: Disposition::Busy, ..call() },
            new_york(),
            r#""","1000","2000","internal","""Alice"" <1000>","PJSIP/1000-00000001","PJSIP/2000-00000002","Dial","PJSIP/2000,30,tT","2023-07-22 00:26:40",,"2023-07-22 00:26:43",3,0,"BUSY","DOCUMENTATION""#,
        ),
        (
            "New York, spring forward",
            Cdr { start: tv(1_710_053_999, 0), answer: Some(tv(1_710_054_000, 0)), end: tv(1_710_054_001, 0), amaflags: AmaFlags::Billing, ..call() },
            new_york(),
            r#""","1000","2000","internal","""Alice"" <1000>","PJSIP/1000-00000001","PJSIP/2000-00000002","Dial","PJSIP/2000,30,tT","2024-03-10 01:59:59","2024-03-10 03:00:00","2024-03-10 03:00:01",2,1,"ANSWERED","BILLING""#,
        ),
        (
            "loguniqueid, loguserfield, newcdrcolumns",
            Cdr {
                answer: None,
                disposition: Disposition::Congestion,
                amaflags: AmaFlags::Omit,
                userfield: "vip".into(),
                peeraccount: "peer".into(),
                linkedid: "1700000000.1".into(),
                sequence: 42,
                ..call()
            },
            CsvOptions { loguniqueid: true, loguserfield: true, newcdrcolumns: true, ..gmt() },
            r#""","1000","2000","internal","""Alice"" <1000>","PJSIP/1000-00000001","PJSIP/2000-00000002","Dial","PJSIP/2000,30,tT","2023-11-14 22:13:20",,"2023-11-14 22:14:25",65,0,"CONGESTION","OMIT","1700000000.1","vip","peer","1700000000.1",42"#,
        ),
        (
            "empty strings",
            Cdr {
                start: tv(1_700_000_000, 250_000),
                end: tv(1_700_000_000, 250_000),
                disposition: Disposition::Failed,
                ..Cdr::default()
            },
            gmt(),
            r#""","","","","","","","","","2023-11-14 22:13:20",,"2023-11-14 22:13:20",0,0,"FAILED","DOCUMENTATION""#,
        ),
        (
            "a string ends at NUL; a zero answer time is no answer",
            Cdr { src: "10\0 00".into(), answer: Some(Timestamp::ZERO), disposition: Disposition::Cancel, ..call() },
            gmt(),
            r#""","10","2000","internal","""Alice"" <1000>","PJSIP/1000-00000001","PJSIP/2000-00000002","Dial","PJSIP/2000,30,tT","2023-11-14 22:13:20",,"2023-11-14 22:14:25",65,0,"CANCEL","DOCUMENTATION""#,
        ),
        (
            "unset start: empty column, duration from the epoch",
            Cdr { start: Timestamp::ZERO, answer: None, end: tv(1_700_000_000, 0), disposition: Disposition::NoAnswer, ..call() },
            gmt(),
            r#""","1000","2000","internal","""Alice"" <1000>","PJSIP/1000-00000001","PJSIP/2000-00000002","Dial","PJSIP/2000,30,tT",,,"2023-11-14 22:13:20",1700000000,0,"NO ANSWER","DOCUMENTATION""#,
        ),
    ];
    for (what, cdr, options, expected) in cases {
        assert_eq!(cdr.csv_line(&options), format!("{expected}\n"), "{what}");
    }
}

#[test]
fn duration_and_billsec_rounding() {
    // (start, answer, end, initiatedseconds) => (duration, billsec)
    #[rustfmt::skip]
    let cases = [
        (tv(1000, 0), tv(1000, 0), tv(1010, 999_999), false, 10, 10),
        (tv(1000, 900_000), tv(1001, 900_000), tv(1010, 100_000), false, 9, 8),
        (tv(1000, 0), tv(1000, 0), tv(1005, 500_000), false, 5, 5),
        (tv(1000, 0), tv(1000, 0), tv(1005, 500_000), true, 5, 6),
        (tv(1000, 0), tv(1000, 0), tv(1005, 499_999), true, 5, 5),
        // 5499.999 ms is 5499 ms to ast_tvdiff_ms: not half a second.
        (tv(1000, 0), tv(1000, 1), tv(1005, 500_000), true, 5, 5),
        (tv(1000, 0), tv(1000, 0), tv(1005, 500_999), true, 5, 6),
        // Ended before it was answered: -4700 ms truncates to -4, and -700 is not >= 500.
        (tv(1000, 0), tv(1010, 0), tv(1005, 300_000), true, 5, -4),
        // -0.5 ms floors to -1 ms, which truncates to 0 s.
        (tv(1010, 0), Timestamp::ZERO, tv(1009, 999_500), false, 0, 0),
        (tv(1010, 0), Timestamp::ZERO, tv(1008, 100), true, -2, 0),
        (tv(1000, 0), Timestamp::ZERO, tv(1059, 999_999), true, 59, 0),
        (tv(1000, 999_999), tv(1001, 0), tv(1001, 499_999), true, 0, 0),
    ];
    for (start, answer, end, initiated, duration, billsec) in cases {
        let cdr = Cdr {
            start,
            answer: Some(answer),
            end,
            ..Cdr::default()
        };
        let what = format!("{start:?} {answer:?} {end:?} initiated={initiated}");
        assert_eq!(cdr.duration(), duration, "duration {what}");
        assert_eq!(cdr.billsec(initiated), billsec, "billsec {what}");
        let options = CsvOptions {
            initiatedseconds: initiated,
            ..gmt()
        };
        let line = cdr.csv_line(&options);
        let columns: Vec<&str> = line.split(',').collect();
        assert_eq!(columns[12], duration.to_string(), "{what}: {line}");
        assert_eq!(columns[13], billsec.to_string(), "{what}: {line}");
    }
}

#[test]
fn tvdiff_ms_floors() {
    assert_eq!(tvdiff_ms(tv(10, 0), tv(9, 999_999)), 0);
    assert_eq!(tvdiff_ms(tv(9, 999_999), tv(10, 0)), -1);
    assert_eq!(tvdiff_ms(tv(10, 1_500), tv(10, 0)), 1);
    assert_eq!(tvdiff_ms(tv(-1, 0), tv(0, 1)), -1001);
}

#[test]
fn an_unset_end_runs_to_now() {
    let cdr = Cdr {
        start: Timestamp(Timestamp::now().0 - 3_000_000),
        answer: Some(Timestamp(Timestamp::now().0 - 2_000_000)),
        ..Cdr::default()
    };
    assert!((3..=4).contains(&cdr.duration()));
    assert!((2..=3).contains(&cdr.billsec(false)));
    // The end column itself stays empty.
    assert!(cdr.csv_line(&gmt()).contains(",,"));
}

#[test]
fn names() {
    let names: Vec<_> = [
        Disposition::NoAnswer,
        Disposition::Failed,
        Disposition::Busy,
        Disposition::Answered,
        Disposition::Congestion,
        Disposition::Cancel,
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(
        names,
        [
            "NO ANSWER",
            "FAILED",
            "BUSY",
            "ANSWERED",
            "CONGESTION",
            "CANCEL"
        ]
    );
    assert_eq!(AmaFlags::from_number(0).as_str(), "Unknown");
    assert_eq!(AmaFlags::from_number(2), AmaFlags::Billing);
    let names: Vec<_> = [AmaFlags::Omit, AmaFlags::Billing, AmaFlags::Documentation]
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(names, ["OMIT", "BILLING", "DOCUMENTATION"]);
    assert_eq!(Cdr::default().disposition, Disposition::NoAnswer);
    assert_eq!(Cdr::default().amaflags, AmaFlags::Documentation);
}

#[test]
fn defaults_match_load_config() {
    let o = CsvOptions::default();
    assert!(!o.usegmtime && !o.loguniqueid && !o.loguserfield && !o.newcdrcolumns);
    assert!(!o.initiatedseconds);
    assert!(o.accountlogs);
    assert_eq!(o.zone, None);
}

#[test]
fn zone_spellings() {
    let expected = call().csv_line(&new_york());
    for zone in [":America/New_York", "/usr/share/zoneinfo/America/New_York"] {
        let options = CsvOptions {
            zone: Some(zone.into()),
            ..CsvOptions::default()
        };
        assert_eq!(call().csv_line(&options), expected, "{zone}");
    }
    // usegmtime wins over a zone; an unknown zone is UTC, as gmtload makes it.
    let utc = call().csv_line(&gmt());
    let both = CsvOptions {
        usegmtime: true,
        ..new_york()
    };
    assert_eq!(call().csv_line(&both), utc);
    let unknown = CsvOptions {
        zone: Some("Nowhere/Atlantis".into()),
        ..CsvOptions::default()
    };
    assert_eq!(call().csv_line(&unknown), utc);
}

/// No zone, the empty zone and `/etc/localtime` named as a file are all the server's zone.
#[test]
fn local_time_is_etc_localtime() {
    let expected = call().csv_line(&CsvOptions {
        zone: Some("/etc/localtime".into()),
        ..CsvOptions::default()
    });
    assert_eq!(call().csv_line(&CsvOptions::default()), expected);
    let empty = CsvOptions {
        zone: Some(String::new()),
        ..CsvOptions::default()
    };
    assert_eq!(call().csv_line(&empty), expected);
}

/// A zone as `ast_tzset` reads it: a zone file by its path (what a copied `/etc/localtime`
/// is), a name with a leading `:`, a POSIX rule.
#[test]
fn zones_by_path_colon_and_rule() {
    let new_york = call().csv_line(&new_york());
    for zone in [
        "/usr/share/zoneinfo/America/New_York",
        ":America/New_York",
        "EST5EDT,M3.2.0,M11.1.0",
    ] {
        let options = CsvOptions {
            zone: Some(zone.into()),
            ..CsvOptions::default()
        };
        assert_eq!(call().csv_line(&options), new_york, "{zone}");
    }
    let copy = std::env::temp_dir().join(format!("pbx-cdr-localtime-{}", std::process::id()));
    fs::copy("/usr/share/zoneinfo/America/New_York", &copy).unwrap();
    let options = CsvOptions {
        zone: Some(copy.to_string_lossy().into_owned()),
        ..CsvOptions::default()
    };
    let line = call().csv_line(&options);
    fs::remove_file(&copy).unwrap();
    assert_eq!(line, new_york);
}

#[test]
fn record_buffer_limit() {
    // 1018 bytes (newline included) is the longest line csv_log writes.
    let base = call().csv_line(&gmt()).len() - call().lastdata.len();
    let fits = Cdr {
        lastdata: "x".repeat(1018 - base),
        ..call()
    };
    assert_eq!(fits.csv_line(&gmt()).len(), 1018);
    assert_eq!(fits.csv_record(&gmt()), Some(fits.csv_line(&gmt())));
    let too_long = Cdr {
        lastdata: "x".repeat(1019 - base),
        ..call()
    };
    assert_eq!(too_long.csv_record(&gmt()), None);
    // Doubled quotes count.
    let quoted = Cdr {
        lastdata: "\"".repeat((1019 - base) / 2 + 1),
        ..call()
    };
    assert_eq!(quoted.csv_record(&gmt()), None);

    // append_int skips a sequence that does not fit; the shorter line is then written.
    let columns = CsvOptions {
        newcdrcolumns: true,
        ..gmt()
    };
    let with = |linkedid_len: usize| Cdr {
        linkedid: "L".repeat(linkedid_len),
        sequence: 12345,
        ..call()
    };
    // Everything up to and including the linkedid column's comma.
    let prefix = |cdr: &Cdr| cdr.csv_line(&columns).len() - "12345\n".len();
    let short = with(0);
    let n = 1016 - prefix(&short);
    // 1016 + 5 digits = 1021: still appended, but the 1022-byte line is refused.
    assert_eq!(prefix(&with(n)), 1016);
    assert_eq!(with(n).csv_record(&columns), None);
    // 1017 + 5 > 1021: the sequence is skipped and the 1017-byte line (comma turned into the
    // newline) is written.
    let skipped = with(n + 1);
    let line = skipped.csv_record(&columns).unwrap();
    assert_eq!(line.len(), 1017);
    assert!(line.ends_with(&format!("\"{}\"\n", "L".repeat(n + 1))));
    assert_eq!(
        with(n + 2).csv_record(&columns).map(|l| l.len()),
        Some(1018)
    );
    assert_eq!(with(n + 3).csv_record(&columns), None);
    // Short enough, the sequence is written.
    assert!(
        with(n - 20)
            .csv_record(&columns)
            .unwrap()
            .ends_with(",12345\n")
    );
}

/// Reads one line of cdr_csv's CSV back into fields (`None` for a bare, empty column).
fn parse_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut chars = line.strip_suffix('\n').unwrap().chars().peekable();
    loop {
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next().unwrap() {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    '"' => break,
                    c => field.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                field.push(c);
                chars.next();
            }
        }
        fields.push(field);
        match chars.next() {
            Some(',') => {}
            None => return fields,
            Some(c) => panic!("unexpected {c:?} after a field in {line:?}"),
        }
    }
}

proptest! {
    #[test]
    fn fields_read_back(
        strings in proptest::collection::vec("[ -~]{0,12}", 10),
        start in 1i64..4_000_000_000_000_000,
        answered in proptest::option::of(0i64..100_000_000),
        length in 0i64..100_000_000,
        extras in any::<(bool, bool, bool)>(),
    ) {
        let cdr = Cdr {
            accountcode: strings[0].clone(),
            src: strings[1].clone(),
            dst: strings[2].clone(),
            dcontext: strings[3].clone(),
            clid: strings[4].clone(),
            channel: strings[5].clone(),
            dstchannel: strings[6].clone(),
            lastapp: strings[7].clone(),
            lastdata: strings[8].clone(),
            userfield: strings[9].clone(),
            start: Timestamp(start),
            answer: answered.map(|a| Timestamp(start + a)),
            end: Timestamp(start + length),
            ..Cdr::default()
        };
        let options = CsvOptions {
            loguniqueid: extras.0,
            loguserfield: extras.1,
            newcdrcolumns: extras.2,
            ..gmt()
        };
        let line = cdr.csv_line(&options);
        prop_assert!(line.ends_with('\n') && !line.ends_with(",\n"));
        let fields = parse_line(&line);
        prop_assert_eq!(&fields[..9], &strings[..9]);
        prop_assert_eq!(fields.len(), 16 + usize::from(extras.0) + usize::from(extras.1) + 3 * usize::from(extras.2));
        prop_assert_eq!(fields[10].is_empty(), answered.is_none());
        prop_assert_eq!(&fields[12], &(length.div_euclid(1000) / 1000).to_string());
        let billsec = cdr.billsec(false);
        prop_assert!(billsec <= cdr.duration());
        if extras.1 {
            prop_assert_eq!(&fields[16 + usize::from(extras.0)], &strings[9]);
        }
    }
}
