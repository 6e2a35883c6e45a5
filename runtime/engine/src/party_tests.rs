//! CONNECTEDLINE and REDIRECTING, member by member, with what func_callerid.c answers and
//! logs written beside each case.

use super::*;

/// Writes `(member, value)` in order, then reads each `(member, expected)`.
fn connected(writes: &[(&str, &str)], reads: &[(&str, &str)]) -> Vec<String> {
    let mut p = Parties::default();
    let mut log = Vec::new();
    for (member, value) in writes {
        p.connected_write(member.as_bytes(), value.as_bytes(), &mut log);
    }
    for (member, expected) in reads {
        let got = p
            .connected_read(member.as_bytes(), &mut log)
            .map(|v| String::from_utf8(v).unwrap());
        assert_eq!(got.as_deref(), Some(*expected), "CONNECTEDLINE({member})");
    }
    log
}

#[test]
fn a_fresh_connected_line_reads_as_ast_party_id_init_leaves_it() {
    let log = connected(
        &[],
        &[
            ("num", ""),
            ("name", ""),
            ("all", "\"\" <>"),
            ("name-valid", "0"),
            ("name-charset", "iso8859-1"),
            ("name-pres", "allowed_not_screened"),
            ("num-plan", "0"),
            ("ton", "0"),
            // Neither valid: the combined presentation is "number not available".
            ("pres", "unavailable"),
            ("source", "unknown"),
            ("tag", ""),
            ("subaddr-type", "0"),
            ("priv-num", ""),
        ],
    );
    assert!(log.is_empty(), "{log:?}");
}

#[test]
fn connected_line_members_are_written_and_read_back() {
    let log = connected(
        &[
            ("name,i", "  Bob Smith  "),
            ("num", "100 "),
            ("num-pres", "prohib"),
            ("name-charset", "utf8"),
            ("tag", " t1 "),
            ("source", "transfer"),
            ("priv-all", "\"Pat\" <(555) 1-2>"),
            ("subaddr", "42"),
            ("subaddr-odd", "7"),
            ("ton", "33"),
        ],
        &[
            ("name", "Bob Smith"),
            ("number", "100"),
            ("all", "\"Bob Smith\" <100>"),
            ("num-presentation", "prohib"),
            // The name is allowed, the number prohibited: the more restrictive wins.
            ("pres", "prohib"),
            ("name-charset", "utf8"),
            ("tag", "t1"),
            // `transfer` is the old name of transfer_active, which names the value.
            ("source", "transfer_active"),
            ("priv-name", "Pat"),
            ("priv-num", "5551-2".replace('-', "").as_str()),
            ("subaddr", "42"),
            ("subaddr-odd", "1"),
            ("num-plan", "33"),
        ],
    );
    assert!(log.is_empty(), "{log:?}");
}

#[test]
fn bad_values_and_members_are_logged_as_func_callerid_logs_them() {
    let log = connected(
        &[
            ("num-pres", "hidden"),
            ("num-plan", "national"),
            ("name-charset", "ebcdic"),
            ("source", "magic"),
            ("colour", "red"),
            ("num-pres", "32"),
            ("name-charset", "12"),
        ],
        &[
            ("num-pres", "prohib_not_screened"),
            // A number no table names.
            ("name-charset", "not-known"),
            ("frobnicate", ""),
        ],
    );
    assert_eq!(
        log,
        [
            "ERROR: Unknown number presentation 'hidden', value unchanged",
            "ERROR: Unknown type-of-number/numbering-plan 'national', value unchanged",
            "ERROR: Unknown name char-set 'ebcdic', value unchanged",
            "ERROR: Unknown connectedline source 'magic', value unchanged",
            "ERROR: Unknown connectedline data type 'colour'.",
            "ERROR: Unknown connectedline data type 'frobnicate'.",
        ]
    );
    // No member, or ten sub-names: the read fails.
    let p = Parties::default();
    let mut log = Vec::new();
    assert_eq!(p.connected_read(b"", &mut log), None);
    assert_eq!(p.connected_read(b"a-b-c-d-e-f-g-h-i-j", &mut log), None);
}

#[test]
fn redirecting_members_reasons_and_count() {
    let mut p = Parties::default();
    let mut log = Vec::new();
    for (member, value) in [
        ("from-num,i", "2001"),
        ("from-name", "Desk"),
        ("to-num", "3001"),
        ("reason", "user-busy"),
        ("orig-reason", "  holiday "),
        ("count", "2"),
        ("count", "two"),
        ("pres", "allowed"),
        ("priv-to-name", "Secret"),
        ("orig-all", "<99>"),
    ] {
        p.redirecting_write(member.as_bytes(), value.as_bytes(), &mut log);
    }
    let read = |m: &str, log: &mut Vec<String>| {
        String::from_utf8(p.redirecting_read(m.as_bytes(), log).unwrap()).unwrap()
    };
    // A SIP alias reads back as the table's name; an unknown reason keeps its text.
    assert_eq!(read("reason", &mut log), "cfb");
    assert_eq!(read("orig-reason", &mut log), "holiday");
    assert_eq!(read("count", &mut log), "2");
    assert_eq!(read("from-num", &mut log), "2001");
    assert_eq!(read("from-all", &mut log), "\"Desk\" <2001>");
    assert_eq!(read("to-num-pres", &mut log), "allowed");
    assert_eq!(read("pres", &mut log), "allowed");
    assert_eq!(read("priv-to-name", &mut log), "Secret");
    assert_eq!(read("orig-num", &mut log), "99");
    assert_eq!(read("orig-name-valid", &mut log), "1");
    assert_eq!(read("priv-x-name", &mut log), "");
    assert_eq!(
        log,
        [
            "WARNING: Unknown redirecting reason 'holiday', defaulting to unknown",
            "ERROR: Unknown redirecting count 'two', value unchanged",
            "ERROR: Unknown redirecting data type 'priv-x-name'.",
        ]
    );
}

#[test]
fn numbers_parse_as_atoi_does() {
    assert_eq!(atoi(b" 12ab"), 12);
    assert_eq!(atoi(b"-3"), -3);
    assert_eq!(atoi(b"x"), 0);
    assert_eq!(atoi(b"99999999999"), i32::MAX);
}
