//! AstDB from the dialplan (func_db.c, app_db.c): `DB`, `DB_EXISTS`, `DB_DELETE`,
//! `DB_KEYS`, `DB_KEYCOUNT` and `DBdeltree`, on both engines. Each case starts from the
//! entries given, runs one extension, and pins the variables it set, what the database
//! holds after it, and what Asterisk logs.

use std::sync::Arc;

use pbx_engine::{AstDb, Call, SimulatedChannel};

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::engines;

struct Case {
    name: &'static str,
    /// `family/key=value` entries before the call.
    before: &'static [&'static str],
    /// The extension's priorities (`exten => s,1,…` then `same => n,…`).
    steps: &'static [&'static str],
    /// `name=value` of channel variables after the call.
    vars: &'static [&'static str],
    /// Every full key and value after the call, in key order.
    after: &'static [&'static str],
    log: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        name: "a write is read back, and DB_RESULT keeps it",
        before: &[],
        steps: &[
            "Set(DB(CF/100)=5551234)",
            "Set(r=${DB(CF/100)}|${DB_RESULT})",
        ],
        vars: &["r=5551234|5551234"],
        after: &["/CF/100=5551234"],
        log: &[],
    },
    Case {
        name: "the key is everything after the first slash; case matters",
        before: &["AMPUSER/100/cidname=Alice"],
        steps: &[
            "Set(r=${DB(AMPUSER/100/cidname)}|${DB(AMPUSER/100)}|${DB(ampuser/100/cidname)}|${DB(AMPUSER/100/CIDNAME)})",
        ],
        vars: &["r=Alice|||"],
        after: &["/AMPUSER/100/cidname=Alice"],
        log: &[],
    },
    Case {
        name: "a missing key reads empty and leaves DB_RESULT as it was",
        before: &["f/k=old"],
        steps: &["Set(x=${DB(f/k)})", "Set(r=[${DB(f/missing)}]${DB_RESULT})"],
        vars: &["r=[]old"],
        after: &["/f/k=old"],
        log: &[],
    },
    Case {
        name: "DB_EXISTS answers 1 or 0 and sets DB_RESULT when found",
        before: &["f/k=v"],
        steps: &["Set(r=${DB_EXISTS(f/k)}${DB_EXISTS(f/nope)}${DB_RESULT})"],
        vars: &["r=10v"],
        after: &["/f/k=v"],
        log: &[],
    },
    Case {
        name: "DB_DELETE returns the old value and deletes it, as a read or a write",
        before: &["f/a=1", "f/b=2"],
        steps: &[
            "Set(r=${DB_DELETE(f/a)}|${DB_RESULT}|${DB_DELETE(f/a)}|${DB_RESULT})",
            "Set(DB_DELETE(f/b)=)",
        ],
        vars: &["r=1|1||"],
        after: &[],
        log: &[],
    },
    Case {
        name: "DB_KEYS lists one level down, once each ignoring case, commas escaped",
        before: &[
            "CF/100=a",
            "CF/100/sub=b",
            "cf/101=c",
            "CF/1,2=d",
            "CF/ABC/x=g",
            "CF/abc=h",
            "CFU/100=e",
            "CxF/200=f",
        ],
        steps: &[
            "Set(keys=${DB_KEYS(CF)})",
            "Set(slashes=${DB_KEYS(//CF//)})",
            "Set(count=${DB_KEYCOUNT(CF)})",
            "Set(families=${DB_KEYS()})",
            // `_` is LIKE's any-character wildcard.
            "Set(wild=${DB_KEYS(C_F)})",
            "Set(below=${DB_KEYS(CF/100)})",
            "Set(none=[${DB_KEYS(nothing)}]${DB_KEYCOUNT(nothing)})",
        ],
        vars: &[
            // Key order is byte order: `/CF/1,2` < `/CF/100` < `/cf/101`.
            // `abc` repeats `ABC` but for case.
            "keys=1\\,2,100,ABC,101",
            "slashes=1\\,2,100,ABC,101",
            "count=4",
            // Only a repeat of the key just before is skipped: `cf` follows `CxF`.
            "families=CF,CFU,CxF,cf",
            "wild=200",
            // The tree's first entry is `/CF/100` itself (an empty part, skipped), so the
            // comma comes all the same.
            "below=,sub",
            "none=[]0",
        ],
        after: &[
            "/CF/1,2=d",
            "/CF/100=a",
            "/CF/100/sub=b",
            "/CF/ABC/x=g",
            "/CF/abc=h",
            "/CFU/100=e",
            "/CxF/200=f",
            "/cf/101=c",
        ],
        log: &[],
    },
    Case {
        name: "a comma goes before every key but the tree's first entry, even when skipped",
        // `/CF/` has an empty last part: skipped, but the next key still gets its comma.
        before: &["CF/=empty", "CF/100=a"],
        steps: &["Set(keys=${DB_KEYS(CF)}|${DB_KEYCOUNT(CF)})"],
        vars: &["keys=,100|1"],
        after: &["/CF/=empty", "/CF/100=a"],
        log: &[],
    },
    Case {
        name: "DB_DELETE written reads into a 128-byte buffer",
        before: &[
            "f/long=0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789",
        ],
        steps: &["Set(DB_DELETE(f/long)=)", "Set(n=${LEN(${DB_RESULT})})"],
        vars: &["n=126"],
        after: &[],
        log: &[],
    },
    Case {
        name: "DBdeltree removes a family or a key tree, ignoring case",
        before: &[
            "CF/100=a",
            "CF/100/sub=b",
            "cf/101=c",
            "CFU/100=d",
            "DND/1=e",
        ],
        steps: &[
            "DBdeltree(CF/100)",
            "Set(left=${DB_KEYS(CF)})",
            "DBdeltree(cf)",
        ],
        vars: &["left=101"],
        after: &["/CFU/100=d", "/DND/1=e"],
        log: &[],
    },
    Case {
        name: "DBdeltree with no family deletes everything, as Asterisk's does",
        before: &["a/1=x", "b/2=y"],
        steps: &["DBdeltree()"],
        vars: &[],
        after: &[],
        log: &[],
    },
    Case {
        name: "a key tree without a family is refused",
        before: &["a/1=x"],
        steps: &["DBdeltree(/1)"],
        vars: &[],
        after: &["/a/1=x"],
        log: &["WARNING: Key tree '1' specified without family"],
    },
    Case {
        name: "arguments without a key are refused with func_db.c's words",
        before: &[],
        steps: &[
            "Set(r=[${DB(nokey)}${DB()}${DB_EXISTS(f)}${DB_DELETE(f)}])",
            "Set(DB(nokey)=1)",
            "Set(DB()=1)",
        ],
        vars: &["r=[]"],
        after: &[],
        log: &[
            "WARNING: DB requires an argument, DB(<family>/<key>)",
            "WARNING: DB requires an argument, DB(<family>/<key>)",
            "WARNING: DB_EXISTS requires an argument, DB(<family>/<key>)",
            "WARNING: DB_DELETE requires an argument, DB_DELETE(<family>/<key>)",
            "WARNING: DB requires an argument, DB(<family>/<key>)=value",
            "WARNING: DB requires an argument, DB(<family>/<key>)=<value>",
        ],
    },
    Case {
        name: "a key built from an empty variable is written with a warning",
        before: &[],
        steps: &[
            "Set(DB(f/${EMPTY})=1)",
            "Set(DB(f/a//b)=2)",
            "Set(DB(f/a/)=3)",
        ],
        vars: &[],
        after: &["/f/=1", "/f/a/=3", "/f/a//b=2"],
        log: &[
            "WARNING: DB: key '' seems malformed",
            "WARNING: DB: key 'a//b' seems malformed",
            "WARNING: DB: key 'a/' seems malformed",
        ],
    },
    Case {
        // `AST_NONSTANDARD_APP_ARGS` leaves its last argument raw.
        name: "the family is unquoted, the key and the value kept as written",
        before: &[],
        steps: &["Set(DB(\"fam\"/k\\,1)=a,b)", "Set(r=${DB(fam/k\\,1)})"],
        vars: &["r=a,b"],
        after: &["/fam/k\\,1=a,b"],
        log: &[],
    },
];

fn dialplan(case: &Case) -> String {
    let mut text = String::from("[c]\n");
    for (i, step) in case.steps.iter().enumerate() {
        if i == 0 {
            text.push_str(&format!("exten => s,1,{step}\n"));
        } else {
            text.push_str(&format!(" same => n,{step}\n"));
        }
    }
    text
}

fn entries(db: &AstDb) -> Vec<String> {
    db.gettree(b"", b"")
        .into_iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                String::from_utf8_lossy(&k),
                String::from_utf8_lossy(&v)
            )
        })
        .collect()
}

#[test]
fn astdb_functions_and_dbdeltree_on_both_engines() {
    for case in CASES {
        let text = dialplan(case);
        let (plan, findings) = pbxc_dialplan::lower_text(text.as_bytes());
        assert!(findings.is_empty(), "{}: {findings:?}", case.name);
        for (engine_name, mut engine, runs) in engines(&plan) {
            for run in 0..runs {
                let db = Arc::new(AstDb::in_memory());
                for entry in case.before {
                    let (path, value) = entry.split_once('=').unwrap();
                    let (family, key) = path.split_once('/').unwrap();
                    db.put(family.as_bytes(), key.as_bytes(), value.as_bytes())
                        .unwrap();
                }
                engine.share_database(db.clone());
                let mut call = Call::new(b"c", b"s", None);
                engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
                let at = format!("{}, {engine_name} run {run}", case.name);
                for expected in case.vars {
                    let (name, value) = expected.split_once('=').unwrap();
                    let got = call.vars.get(name.as_bytes()).unwrap_or_default();
                    assert_eq!(String::from_utf8_lossy(got), value, "{at}: ${{{name}}}");
                }
                assert_eq!(
                    entries(&db),
                    case.after,
                    "{at}: the database after the call"
                );
                assert_eq!(call.log, case.log, "{at}: the log");
            }
        }
    }
}

#[test]
fn without_a_database_given_an_engine_keeps_one_in_memory_across_its_calls() {
    let (plan, _) = pbxc_dialplan::lower_text(
        b"[c]\nexten => s,1,Set(DB(count/n)=$[0${DB(count/n)} + 1])\n same => n,Set(n=${DB(count/n)})\n",
    );
    for (engine_name, mut engine, _) in engines(&plan) {
        for expected in ["1", "2", "3"] {
            let mut call = Call::new(b"c", b"s", None);
            engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
            assert_eq!(
                call.vars.get(b"n"),
                Some(expected.as_bytes()),
                "{engine_name}"
            );
        }
    }
}

#[test]
fn a_value_is_read_into_the_4_kb_workspace_less_two_bytes() {
    let (plan, _) = pbxc_dialplan::lower_text(b"[c]\nexten => s,1,Set(r=${DB(f/big)})\n");
    for (engine_name, mut engine, runs) in engines(&plan) {
        engine
            .database()
            .put(b"f", b"big", "x".repeat(5000).as_bytes())
            .unwrap();
        for _ in 0..runs {
            let mut call = Call::new(b"c", b"s", None);
            engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
            assert_eq!(
                call.vars.get(b"r").map(<[u8]>::len),
                Some(4094),
                "{engine_name}"
            );
            assert_eq!(call.vars.get(b"DB_RESULT").map(<[u8]>::len), Some(4094));
        }
    }
}
