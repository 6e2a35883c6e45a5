//! `pbxc check` as users and CI pipelines run it: the real binary, real files, exit codes and
//! every output format. Bad input of any kind gets a message and an exit code, never a panic.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn pbxc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pbxc"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("pbxc runs")
}

fn dir_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn no_panic(o: &Output) {
    let err = stderr(o);
    assert!(!err.contains("panicked"), "pbxc panicked:\n{err}");
    assert_ne!(o.status.code(), Some(101), "exit 101 is a panic:\n{err}");
}

const BROKEN: &[u8] = b"[c]\njunk line\n#include missing.conf\n";

#[test]
fn the_demo_configuration_is_clean() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo");
    let o = pbxc(&["check", s(&demo)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert!(
        stderr(&o).contains("0 errors, 0 warnings"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn exit_status_is_1_on_errors_and_0_on_warnings_only() {
    let dir = dir_with(&[("extensions.conf", BROKEN), ("pjsip.conf", b"[t]\njunk\n")]);
    let o = pbxc(&["check", s(dir.path())]);
    no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    let o = pbxc(&["check", s(&dir.path().join("pjsip.conf"))]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "a warning alone does not fail the check"
    );
}

#[test]
fn json_has_the_documented_fields_with_one_based_positions() {
    let dir = dir_with(&[("extensions.conf", BROKEN)]);
    let o = pbxc(&["check", "--format", "json", s(dir.path())]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    let all = v.as_array().unwrap();
    assert_eq!(all.len(), 2, "{v:#}");
    let warning = &all[0];
    assert_eq!(warning["severity"], "warning");
    assert_eq!(warning["code"], "CFG201");
    assert_eq!(warning["line"], 2);
    assert_eq!(warning["column"], 1);
    assert_eq!(warning["end_line"], 2);
    assert_eq!(warning["end_column"], 10);
    assert!(
        warning["file"]
            .as_str()
            .unwrap()
            .ends_with("extensions.conf")
    );
    let error = &all[1];
    assert_eq!(error["severity"], "error");
    assert_eq!(error["code"], "CFG107");
    assert_eq!(
        (error["line"].clone(), error["column"].clone()),
        (3.into(), 10.into())
    );
    assert!(error["message"].as_str().unwrap().contains("missing.conf"));
}

#[test]
fn sarif_is_2_1_0_with_rules_and_results() {
    let dir = dir_with(&[("extensions.conf", BROKEN)]);
    let o = pbxc(&["check", "--format", "sarif", s(dir.path())]);
    let v: Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "pbxc");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), pbxc::check::all_codes().len());
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let err = &results[1];
    assert_eq!(err["ruleId"], "CFG107");
    assert_eq!(err["level"], "error");
    let index = err["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], "CFG107");
    let region = &err["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 3);
    assert_eq!(region["startColumn"], 10);
}

#[test]
fn github_format_is_one_workflow_command_per_diagnostic() {
    let dir = dir_with(&[("extensions.conf", BROKEN)]);
    let o = pbxc(&[
        "check",
        "--format",
        "github",
        s(&dir.path().join("extensions.conf")),
    ]);
    let out = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("::warning file="), "{out}");
    assert!(
        lines[0].contains(",line=2,col=1,endLine=2,endColumn=10,title=CFG201::"),
        "{out}"
    );
    assert!(lines[1].starts_with("::error file="), "{out}");
}

#[test]
fn human_output_shows_code_place_and_help_without_colour_when_piped() {
    let dir = dir_with(&[("extensions.conf", BROKEN)]);
    let o = pbxc(&["check", s(dir.path())]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.contains("[CFG107] Error"), "{out}");
    assert!(out.contains("extensions.conf:3:10"), "{out}");
    assert!(
        out.contains("Help: names are relative to the configuration directory"),
        "{out}"
    );
    assert!(
        !out.contains('\u{1b}'),
        "no escape codes when not a terminal"
    );
    let o = pbxc(&["check", "--color", "always", s(dir.path())]);
    assert!(String::from_utf8_lossy(&o.stdout).contains('\u{1b}'));
}

#[test]
fn suppression_comments_silence_their_codes() {
    let dir = dir_with(&[(
        "extensions.conf",
        b"[c]\njunk ; pbxc: ignore[missing-equals]\n; pbxc: ignore-file[CFG107]\n#include missing.conf\n",
    )]);
    let o = pbxc(&["check", "--format", "json", s(dir.path())]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "[]");
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn paths_that_cannot_be_checked_exit_2_with_a_message() {
    let empty = tempfile::tempdir().unwrap();
    let o = pbxc(&["check", s(empty.path())]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no Asterisk configuration here"),
        "{}",
        stderr(&o)
    );

    let unrelated = dir_with(&[("notes.txt", b"hello"), ("custom.conf", b"[x]\n")]);
    let o = pbxc(&["check", s(unrelated.path())]);
    assert_eq!(o.status.code(), Some(2));

    let o = pbxc(&["check", "/nonexistent/extensions.conf"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no such file"), "{}", stderr(&o));

    let o = pbxc(&["check", "--format", "xml", "x"]);
    assert_eq!(o.status.code(), Some(2));
    let o = pbxc(&["check"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn binary_garbage_is_diagnosed_not_fatal_to_pbxc() {
    let mut garbage = Vec::new();
    let mut x: u32 = 0x1234_5678;
    for _ in 0..200_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        garbage.push((x >> 24) as u8);
    }
    let dir = dir_with(&[("extensions.conf", &garbage)]);
    let o = pbxc(&["check", "--format", "json", s(dir.path())]);
    no_panic(&o);
    assert!(matches!(o.status.code(), Some(0 | 1)));
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON even for garbage");
    assert!(!v.as_array().unwrap().is_empty());
    // The terminal renderer copes too.
    let o = pbxc(&["check", s(dir.path())]);
    no_panic(&o);
}

#[test]
fn a_100_megabyte_line_is_skipped_with_a_warning() {
    let mut text = b"[c]\na=".to_vec();
    text.resize(100 * 1024 * 1024, b'x');
    text.extend_from_slice(b"\nb=1\n");
    let dir = dir_with(&[("extensions.conf", &text)]);
    let o = pbxc(&["check", "--format", "json", s(dir.path())]);
    no_panic(&o);
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["code"], "CFG001", "{v}");
    assert_eq!(v[0]["line"], 2);
}

#[test]
fn include_loops_and_missing_or_odd_includes_are_reported() {
    let dir = dir_with(&[
        (
            "extensions.conf",
            b"[c]\n#include a.conf\n#tryinclude sub\n#include sub\n",
        ),
        ("a.conf", b"#include b.conf\n"),
        ("b.conf", b"#include a.conf\n"),
        ("sub/x.conf", b""),
    ]);
    let o = pbxc(&["check", "--format", "json", s(dir.path())]);
    no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let codes: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"CFG109"), "{codes:?}"); // include cycle
    assert!(codes.contains(&"CFG211"), "{codes:?}"); // a directory is not a file
    assert!(codes.contains(&"CFG107"), "{codes:?}"); // and so #include of it finds nothing
}

#[test]
fn exec_runs_only_when_asterisk_conf_enables_it_and_the_flag_is_given() {
    let dir = dir_with(&[
        ("asterisk.conf", b"[options]\nexecincludes = yes\n"),
        ("extensions.conf", b"[c]\n#exec echo 'junk line'\n"),
    ]);
    let o = pbxc(&["check", "--format", "json", s(dir.path())]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["code"], "CFG209", "not run without --allow-exec: {v}");
    let o = pbxc(&["check", "--allow-exec", "--format", "json", s(dir.path())]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(
        v[0]["code"], "CFG201",
        "the command's output is checked: {v}"
    );
}

/// `pbxc` runs without transparent huge pages, which the processes it starts would inherit;
/// `#exec` scripts run as Asterisk would run them, so with `--allow-exec` the setting is left
/// as `pbxc` found it. The script names an application after the kernel's record of it.
#[cfg(target_os = "linux")]
#[test]
fn exec_scripts_run_with_the_huge_page_setting_pbxc_was_given() {
    let own = std::fs::read_to_string("/proc/self/status").unwrap();
    let own = own
        .lines()
        .find_map(|l| l.strip_prefix("THP_enabled:"))
        .expect("the kernel reports THP_enabled (Linux 5.0 and later)")
        .trim()
        .to_string();
    let dir = dir_with(&[
        ("asterisk.conf", b"[options]\nexecincludes = yes\n"),
        (
            "extensions.conf",
            b"[c]\n#exec sh -c 'echo exten=1,1,Thp$(grep THP_enabled /proc/self/status | cut -f2)'\n",
        ),
    ]);
    let mut command = Command::new(env!("CARGO_BIN_EXE_pbxc"));
    for (name, _) in std::env::vars() {
        if name.eq_ignore_ascii_case("MIMALLOC_ALLOW_THP") {
            command.env_remove(name);
        }
    }
    let o = command
        .args(["check", "--allow-exec", "--format", "json", s(dir.path())])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let named = format!("Thp{own}");
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|d| d["message"].as_str().unwrap().contains(&named)),
        "{named}: {v}"
    );
}

#[test]
fn rules_lists_every_code() {
    let o = pbxc(&["rules"]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8(o.stdout).unwrap();
    for code in pbxc::check::all_codes() {
        assert!(
            out.contains(code.id) && out.contains(code.name),
            "{} missing",
            code.id
        );
    }
}

/// `/proc/self/mem` is a regular file whose read fails (EIO): an unreadable file even for root.
#[test]
fn unreadable_files_are_reported_with_the_reason() {
    let mem = Path::new("/proc/self/mem");
    if !mem.exists() {
        return; // not Linux
    }
    let o = pbxc(&["check", "/proc/self/mem"]);
    no_panic(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read"), "{}", stderr(&o));

    let dir = dir_with(&[("extensions.conf", b"[c]\n#include /proc/self/mem\n")]);
    let o = pbxc(&["check", "--format", "json", s(dir.path())]);
    no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["code"], "CFG107");
    let message = v[0]["message"].as_str().unwrap();
    assert!(
        message.contains("/proc/self/mem: "),
        "the reason is given: {message}"
    );
}

const ROUTING: &[u8] = b"[in]
exten => 2000,1,NoOp(literal)
exten => _2XXX,1,NoOp(p)
 same => n,NoOp(p2)
exten => 2000/555,1,NoOp(from 555)
include => more
include => nosuch
[more]
exten => _X.,3,NoOp(x3)
";

#[test]
fn explain_lists_candidates_in_asterisk_order_and_the_winner_per_priority() {
    let dir = dir_with(&[("extensions.conf", ROUTING)]);
    let o = pbxc(&["explain", s(dir.path()), "in", "2000", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let order: Vec<String> = v["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}@{}",
                c["extension"].as_str().unwrap(),
                c["context"].as_str().unwrap()
            )
        })
        .collect();
    // Caller-ID variants first, then the plain literal, then patterns, then includes.
    assert_eq!(order, ["2000@in", "2000@in", "_2XXX@in", "_X.@more"]);
    assert_eq!(v["candidates"][0]["callerid"], "555");
    assert_eq!(v["candidates"][0]["callerid_matches"], false);
    let winners: Vec<(i64, String)> = v["priorities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["priority"].as_i64().unwrap(),
                p["data"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        winners,
        [(1, "literal".into()), (2, "p2".into()), (3, "x3".into())]
    );
    assert!(v["notes"][0].as_str().unwrap().contains("nosuch"));

    let o = pbxc(&["explain", s(dir.path()), "in", "2000", "--callerid", "555"]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.contains("#1 2000@in  NoOp(from 555)"), "{out}");
}

#[test]
fn explain_refuses_unknown_contexts_and_paths() {
    let dir = dir_with(&[("extensions.conf", ROUTING)]);
    let o = pbxc(&["explain", s(dir.path()), "In", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean in?"), "{}", stderr(&o));
    let o = pbxc(&["explain", "/nonexistent", "in", "1"]);
    assert_eq!(o.status.code(), Some(2));
    let o = pbxc(&["explain", s(dir.path()), "in", "abc"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("no extension matches"));
}

#[test]
fn control_characters_from_files_do_not_reach_the_terminal() {
    let dir = dir_with(&[("extensions.conf", b"[c]\njunk\x1b[2J\x1b]2\x07X\n")]);
    for format in ["human", "github"] {
        let o = pbxc(&[
            "check",
            "--format",
            format,
            "--color",
            "never",
            s(dir.path()),
        ]);
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{7}'),
            "{format}: {out:?}"
        );
        assert!(
            out.contains("\\u{1b}"),
            "{format} shows the escape visibly: {out}"
        );
    }
}

#[test]
fn an_unreadable_file_in_a_directory_does_not_stop_the_others() {
    let dir = dir_with(&[("pjsip.conf", b"[t]\njunk\n")]);
    std::os::unix::fs::symlink("/nonexistent/x", dir.path().join("extensions.conf")).unwrap();
    let o = pbxc(&["check", "--format", "json", s(dir.path())]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Asterisk would not load it"),
        "{}",
        stderr(&o)
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["code"], "CFG201");
}

#[test]
fn exec_includes_standard_output_only_and_reports_standard_error() {
    let dir = dir_with(&[
        ("asterisk.conf", b"[options]\nexecincludes = yes\n"),
        // `;` starts a comment, so the command's own semicolons are escaped.
        (
            "extensions.conf",
            b"[c]\n#exec echo oops >&2\\; echo exten=1,1,NoOp\\; exit 3\n",
        ),
    ]);
    let o = pbxc(&["check", "--allow-exec", "--format", "json", s(dir.path())]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v[0]["code"], "CFG210");
    let message = v[0]["message"].as_str().unwrap();
    assert!(
        message.contains("oops") && message.contains("3"),
        "{message}"
    );
}

#[test]
fn an_exec_that_includes_itself_stops_at_the_nesting_limit() {
    let dir = dir_with(&[("asterisk.conf", b"[options]\nexecincludes = yes\n")]);
    let lp = dir.path().join("loop.txt");
    std::fs::write(&lp, format!("#exec cat {}\n", lp.display())).unwrap();
    std::fs::write(
        dir.path().join("extensions.conf"),
        format!("[c]\n#exec cat {}\n", lp.display()),
    )
    .unwrap();
    let o = pbxc(&["check", "--allow-exec", "--format", "json", s(dir.path())]);
    no_panic(&o);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v.as_array().unwrap().iter().any(|d| d["code"] == "CFG108"),
        "{v}"
    );
}

#[test]
fn latin1_include_names_find_their_file() {
    use std::os::unix::ffi::OsStrExt;
    let dir = dir_with(&[("extensions.conf", b"[c]\n#include caf\xe9.conf\n")]);
    std::fs::write(
        dir.path()
            .join(std::ffi::OsStr::from_bytes(b"caf\xe9.conf")),
        "exten => 1,1,NoOp\n",
    )
    .unwrap();
    let o = pbxc(&["check", "--format", "json", s(dir.path())]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "[]",
        "{}",
        stderr(&o)
    );
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn call_prints_each_executed_priority_with_its_substituted_data() {
    let dir = dir_with(&[(
        "extensions.conf",
        b"[globals]\nG=glob\n\n[in]\ninclude => sub\nexten => s,1,noop(${G} $[1/3])\n same => n,Set(X=${CALLERID(num)})\n same => n,Goto(100,1)\n\n[sub]\nexten => _1XX,1,NoOp(${EXTEN}@${CONTEXT} ${X} ${V})\n same => n,Hangup()\n",
    )]);
    let call = |engine| {
        pbxc(&[
            "call",
            s(dir.path()),
            "in",
            "s",
            "--callerid",
            "555",
            "--var",
            "V=v",
            "--engine",
            engine,
        ])
    };
    let o = call("interp");
    no_panic(&o);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The canonical application name, the searched context (not the included one), data
    // substituted at the moment it runs.
    assert_eq!(
        stdout(&o),
        "in,s,1,NoOp(glob 0.333333333333333333)\nin,s,2,Set(X=555)\nin,s,3,Goto(100,1)\nin,100,1,NoOp(100@in 555 v)\nin,100,2,Hangup()\n"
    );
    let quiet = pbxc(&["call", s(dir.path()), "in", "s", "--quiet"]);
    assert_eq!(stdout(&quiet), "steps=5\n");
    // The native engine prints the very same trace, and so does it with the whole dialplan
    // compiled before the call.
    for engine in ["jit", "jit-ahead"] {
        let jit = call(engine);
        assert_eq!(stdout(&jit), stdout(&o), "{engine}: {}", stderr(&jit));
    }
}

#[test]
fn call_prints_the_priorities_a_local_channel_ran_after_its_dial() {
    let dir = dir_with(&[(
        "extensions.conf",
        b"[in]\nexten => s,1,Set(__T=t)\n same => n,Dial(Local/100@inside&Local/200@inside,,g)\n same => n,NoOp(${DIALSTATUS})\n\n[inside]\nexten => 100,1,NoOp(${T})\n same => n,Dial(Local/300@deep)\nexten => 200,1,Answer()\n\n[deep]\nexten => 300,1,NoOp(deep)\n",
    )]);
    // Dial names both Local pairs before it calls either (core_unreal.c's counter), so the
    // one dialled from inside the first comes third.
    let expected = "\
in,s,1,Set(__T=t)
in,s,2,Dial(Local/100@inside&Local/200@inside,,g)
Local/100@inside-00000000;2: inside,100,1,NoOp(t)
Local/100@inside-00000000;2: inside,100,2,Dial(Local/300@deep)
Local/300@deep-00000002;2: deep,300,1,NoOp(deep)
Local/200@inside-00000001;2: inside,200,1,Answer()
in,s,3,NoOp(ANSWER)
";
    for engine in ["interp", "jit"] {
        let o = pbxc(&["call", s(dir.path()), "in", "s", "--engine", engine]);
        no_panic(&o);
        assert_eq!(stdout(&o), expected, "{engine}: {}", stderr(&o));
    }
    // Only the call's own priorities count.
    let quiet = pbxc(&["call", s(dir.path()), "in", "s", "--quiet"]);
    assert_eq!(stdout(&quiet), "steps=3\n");
}

#[test]
fn call_reads_the_system_names_of_asterisk_conf_beside_the_dialplan() {
    let dir = dir_with(&[
        (
            "extensions.conf",
            b"[in]\nexten => s,1,NoOp(${SYSTEMNAME} ${ASTETCDIR} ${ASTKEYDIR} ${ASTLOGDIR})\n\
              same => n,NoOp(${CHANNEL(language)})\n same => n,Dial(Local/1@kid)\n\
              [kid]\nexten => 1,1,NoOp(${CHANNEL(language)})\n",
        ),
        (
            "asterisk.conf",
            b"[directories]\nastetcdir => /srv/etc\nastdatadir => /srv/data\n[options]\nsystemname = pbx3\nentityid = nonsense\ndefaultlanguage = de\n",
        ),
    ]);
    let o = pbxc(&["call", s(dir.path()), "in", "s"]);
    no_panic(&o);
    // The keys follow astdatadir; the log directory keeps Asterisk's default; the call and
    // the Local channel it dials start in the default language.
    assert_eq!(
        stdout(&o),
        "in,s,1,NoOp(pbx3 /srv/etc /srv/data/keys /var/log/asterisk)\nin,s,2,NoOp(de)\n\
         in,s,3,Dial(Local/1@kid)\nLocal/1@kid-00000000;2: kid,1,1,NoOp(de)\n",
        "{}",
        stderr(&o)
    );
    // A value Asterisk cannot use is reported as Asterisk reports it.
    assert!(
        stderr(&o).contains("WARNING: Invalid Entity ID 'nonsense' provided"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn call_finds_astdb_entries_given_or_read_from_an_asterisk_file_which_it_never_changes() {
    let dir = dir_with(&[(
        "extensions.conf",
        b"[in]\nexten => s,1,NoOp(${DB(AMPUSER/100/cidname)}|${DB(CF/100)})\n same => n,Set(DB(CF/100)=changed)\n same => n,NoOp(${DB(CF/100)})\n",
    )]);
    let file = dir.path().join("astdb.sqlite3");
    {
        let db = pbx_engine::AstDb::open(&file).unwrap();
        db.put(b"CF", b"100", b"5551234").unwrap();
    }
    let o = pbxc(&[
        "call",
        s(dir.path()),
        "in",
        "s",
        "--astdb",
        s(&file),
        "--db",
        "AMPUSER/100/cidname=Alice Smith",
    ]);
    assert_eq!(
        stdout(&o),
        "in,s,1,NoOp(Alice Smith|5551234)\nin,s,2,Set(DB(CF/100)=changed)\nin,s,3,NoOp(changed)\n",
        "{}",
        stderr(&o)
    );
    let db = pbx_engine::AstDb::open(&file).unwrap();
    assert_eq!(
        db.get(b"CF", b"100"),
        Some(b"5551234".to_vec()),
        "the file is unchanged"
    );
    assert_eq!(db.get(b"AMPUSER", b"100/cidname"), None);
    drop(db);
    let o = pbxc(&["call", s(dir.path()), "in", "s", "--db", "nokey"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--db needs FAMILY/KEY=VALUE"),
        "{}",
        stderr(&o)
    );
    let o = pbxc(&[
        "call",
        s(dir.path()),
        "in",
        "s",
        "--astdb",
        "/nonexistent/astdb.sqlite3",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("Unable to open Asterisk database"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn call_follows_keys_and_timeouts_in_the_demo_ivr() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo");
    let o = pbxc(&["call", s(&demo), "ivr", "s", "--dtmf", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("ivr,1,1,Goto(features,600,1)\nfeatures,600,1,Answer()"),
        "{out}"
    );
    // Nobody presses anything: the menu repeats through `t` until the caller gives up, and
    // the `h` extension runs.
    let o = pbxc(&["call", s(&demo), "ivr", "s"]);
    let out = stdout(&o);
    assert_eq!(out.matches("ivr,t,1,Goto(s,menu)").count(), 2, "{out}");
    assert!(
        out.ends_with("ivr,h,1,NoOp(Caller left the IVR)\n"),
        "{out}"
    );
}

#[test]
fn call_reports_what_asterisk_would_log_and_bad_requests() {
    let dir = dir_with(&[(
        "extensions.conf",
        b"[c]\nexten => s,1,NoOp (x)\nexten => h,1,NoOp(end)\n[loop]\nexten => s,1,Goto(1)\n",
    )]);
    let o = pbxc(&["call", s(dir.path()), "c", "s"]);
    no_panic(&o);
    // A missing application fails before it is logged as executing.
    assert_eq!(stdout(&o), "c,h,1,NoOp(end)\n");
    assert!(
        stderr(&o).contains("No application 'NoOp '"),
        "{}",
        stderr(&o)
    );
    let o = pbxc(&[
        "call",
        s(dir.path()),
        "loop",
        "s",
        "--max-steps",
        "50",
        "--quiet",
    ]);
    assert_eq!(stdout(&o), "steps=50\n");
    assert!(stderr(&o).contains("step limit"), "{}", stderr(&o));
    let o = pbxc(&["call", s(dir.path()), "c", "s", "--var", "novalue"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("NAME=VALUE"), "{}", stderr(&o));
    let o = pbxc(&["call", s(dir.path()), "C", "s"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no context `C`"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let o = pbxc(&["call", "/nonexistent/dir/x.conf", "c", "s"]);
    no_panic(&o);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn test_runs_the_demo_calls_and_they_pass() {
    let out = pbxc(&["test", "../../examples/demo/calls.test"]);
    no_panic(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", stderr(&out));
    assert!(
        stdout.contains("test result: ok. 6 passed; 0 failed"),
        "{stdout}"
    );
}

#[test]
fn test_reports_each_unmet_expectation_and_exits_1() {
    let dir = dir_with(&[
        (
            "extensions.conf",
            b"[in]\nexten => s,1,Set(X=1)\n same => n,Wait(0.1)\n same => n,Hangup()\n",
        ),
        // The calls are not answered: without `unanswered`, cdr.c writes no record of them.
        ("cdr.conf", b"[general]\nunanswered = yes\n"),
        (
            "calls.test",
            b"[ok]\ncall = s@in\nexpect_trace = in,s,1,Set(X=1)\nexpect_trace = in,s,2,Wait(0.1)\n\
              expect_trace = in,s,3,Hangup()\nexpect_var = X=1\nexpect_hangup = 16\n\
              [wrong]\ncall = s@in\nexpect_trace = in,s,1,Set(X=2)\nexpect_var = X=2\n\
              expect_played = nothing\nexpect_cdr = disposition=BUSY\n",
        ),
    ]);
    let out = pbxc(&["test", s(&dir.path().join("calls.test"))]);
    no_panic(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("call \"ok\" ... ok"), "{stdout}");
    assert!(stdout.contains("call \"wrong\" ... FAILED"), "{stdout}");
    for expected in [
        "trace differs at line 1:\n    - in,s,1,Set(X=2)\n    + in,s,1,Set(X=1)\n    + in,s,2,Wait(0.1)",
        "played differs at line 1:\n    - nothing",
        "variable X: expected `2`, got `1`",
        "CDR disposition: expected `BUSY`, got `NO ANSWER`",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in\n{stdout}"
        );
    }
    assert!(
        stdout.contains("test result: FAILED. 1 passed; 1 failed"),
        "{stdout}"
    );
}

#[test]
fn test_refuses_a_malformed_test_file_with_exit_2() {
    let dir = dir_with(&[
        ("extensions.conf", b"[in]\nexten => s,1,NoOp()\n"),
        (
            "bad.test",
            b"[x]\ncall = nowhere\ndtmf = 1@soon\nexpect_sound = x\n",
        ),
    ]);
    let out = pbxc(&["test", s(&dir.path().join("bad.test"))]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    for expected in [
        "[x] call = nowhere: write exten@context",
        "[x] dtmf = 1@soon: write KEY@MILLISECONDS",
        "[x] unknown setting 'expect_sound'",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in\n{err}");
    }
}

#[test]
fn build_writes_an_artifact_only_for_a_clean_configuration() {
    let dir = dir_with(&[("extensions.conf", b"[in]\nexten => 1,1,NoOp(${oops)\n")]);
    let out_file = dir.path().join("plan.pbxc");
    let out = pbxc(&["build", s(dir.path()), "-o", s(&out_file)]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("DP310"), "{}", stderr(&out));
    assert!(stderr(&out).contains("no artifact written"));
    assert!(!out_file.exists());

    std::fs::write(
        dir.path().join("extensions.conf"),
        "[in]\nexten => 1,1,NoOp(fine)\n",
    )
    .unwrap();
    let out = pbxc(&["build", s(dir.path()), "-o", s(&out_file)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("1 contexts, 1 extensions"), "{stdout}");
    let bytes = std::fs::read(&out_file).unwrap();
    let artifact = pbxc_artifact::read(&bytes).unwrap();
    assert!(stdout.contains(&artifact.hash_hex()), "{stdout}");
    assert_eq!(
        artifact.dialplan.contexts[0].extensions[0].priorities[0].data[..],
        b"fine"[..]
    );

    let out = pbxc(&["build", "/nonexistent/dir", "-o", s(&out_file)]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn fmt_rewrites_in_the_canonical_layout_and_check_reports_without_writing() {
    let dir = dir_with(&[
        (
            "extensions.conf",
            b"[in]\nexten=>1,1,NoOp(x)   ; hi\nsame=>n,Hangup()\n\n\n",
        ),
        ("pjsip.conf", b"[t]\ntype = transport\n"),
        ("notes.txt", b"not a config   \n"),
    ]);
    let out = pbxc(&["fmt", "--check", s(dir.path())]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains("extensions.conf") && !listed.contains("pjsip.conf"),
        "{listed}"
    );
    assert!(stderr(&out).contains("1 of 2 file(s) would be reformatted"));

    let out = pbxc(&["fmt", s(dir.path())]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("extensions.conf")).unwrap(),
        "[in]\nexten => 1,1,NoOp(x) ; hi\n same => n,Hangup()\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "not a config   \n"
    );
    assert_eq!(
        pbxc(&["fmt", "--check", s(dir.path())]).status.code(),
        Some(0)
    );
    assert_eq!(pbxc(&["fmt", "/nonexistent"]).status.code(), Some(2));
}

#[test]
fn the_demo_is_in_the_canonical_layout() {
    let out = pbxc(&["fmt", "--check", "../../examples/demo"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn pbxc_lsp_serves_the_language_server_on_stdio() {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut command = Command::new(env!("CARGO_BIN_EXE_pbxc"));
    command.arg("lsp").env_remove("MIMALLOC_PURGE_DELAY");
    // mimalloc reads its options under any case.
    for (name, _) in std::env::vars() {
        if name.eq_ignore_ascii_case("MIMALLOC_ALLOW_THP") {
            command.env_remove(name);
        }
    }
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    // A server that never answers must fail the test, not hang it.
    let child = std::sync::Arc::new(std::sync::Mutex::new(child));
    let watchdog = child.clone();
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(60));
        let _ = watchdog.lock().unwrap().kill();
    });
    let mut send =
        |body: &str| write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    // One framed message from the server.
    let mut receive = || {
        let mut length = 0;
        loop {
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            match line.trim_end().strip_prefix("Content-Length: ") {
                Some(n) => length = n.parse().unwrap(),
                None if line.trim_end().is_empty() => break,
                None => {}
            }
        }
        let mut body = vec![0; length];
        stdout.read_exact(&mut body).unwrap();
        String::from_utf8(body).unwrap()
    };
    send(r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#);
    let answer = receive();
    assert!(
        answer.contains(r#""serverInfo":{"name":"pbxc""#),
        "{answer}"
    );
    assert!(answer.contains(r#""hoverProvider":true"#), "{answer}");
    // The process that answered runs with the server's allocator settings
    // (pbxc_lsp::allocator): it executed itself once more, keeping its id and pipes, and has
    // no transparent huge pages.
    #[cfg(target_os = "linux")]
    {
        let pid = child.lock().unwrap().id();
        let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
        assert!(
            environ
                .split(|&b| b == 0)
                .any(|v| v == b"MIMALLOC_PURGE_DELAY=-1"),
            "{}",
            String::from_utf8_lossy(&environ)
        );
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        assert!(status.contains("\nTHP_enabled:\t0\n"), "{status}");
    }
    send(r#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#);
    assert!(receive().contains(r#""id":2"#));
    send(r#"{"jsonrpc":"2.0","method":"exit"}"#);
    drop(stdin);
    let status = loop {
        if let Some(status) = child.lock().unwrap().try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    assert!(status.success());
}

#[test]
fn call_keeps_a_cdr_under_the_directorys_cdr_conf() {
    let dialplan: &[u8] = b"[in]\nexten => s,1,Answer()\n same => n,Hangup()\n\
        exten => h,1,NoOp()\n same => n,NoOp(${CDR(disposition)}|${CDR(lastapp)}|${CDR(dst)})\n";
    // No cdr.conf: main/cdr.c's defaults, and `h` reads the record it ended.
    let dir = dir_with(&[("extensions.conf", dialplan)]);
    let o = pbxc(&["call", s(dir.path()), "in", "s"]);
    no_panic(&o);
    assert!(
        stdout(&o).ends_with("in,h,2,NoOp(ANSWERED|Hangup|s)\n"),
        "{}",
        stdout(&o)
    );
    // `enable = no`: no CDR, as Asterisk's with CDRs off.
    let dir = dir_with(&[
        ("extensions.conf", dialplan),
        ("cdr.conf", b"[general]\nenable = no\n"),
    ]);
    let o = pbxc(&["call", s(dir.path()), "in", "s"]);
    no_panic(&o);
    assert!(stdout(&o).ends_with("in,h,2,NoOp(||)\n"), "{}", stdout(&o));
}

/// `--zone` is the server's zone and `--at` its clock: business hours (an include, a
/// GotoIfTime) and STRFTIME without a zone are read there, as Asterisk reads
/// `/etc/localtime`.
#[test]
fn call_runs_at_a_time_on_a_server_in_a_zone() {
    let dir = dir_with(&[(
        "extensions.conf",
        b"[in]\ninclude => day,09:00-17:00,mon-fri,*,*\ninclude => night\n\
          [day]\nexten => s,1,GotoIfTime(16:00-16:59,*,*,*?late)\n same => n,NoOp(early)\n same => n(late),NoOp(${STRFTIME(${EPOCH},,%a %H:%M)})\n\
          [night]\nexten => s,1,NoOp(closed ${STRFTIME(${EPOCH},,%a %H:%M)})\n",
    )]);
    // Monday 2026-11-30 21:00 UTC.
    let at = ["--at", "1796072400"];
    let call = |extra: &[&str]| {
        let mut args = vec!["call", s(dir.path()), "in", "s"];
        args.extend_from_slice(&at);
        args.extend_from_slice(extra);
        let o = pbxc(&args);
        no_panic(&o);
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr(&o),
        )
    };
    let (code, out, err) = call(&["--zone", "America/New_York"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        out,
        "in,s,1,GotoIfTime(16:00-16:59,*,*,*?late)\nin,s,3,NoOp(Mon 16:00)\n"
    );
    let (code, out, err) = call(&["--zone", "UTC"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "in,s,1,NoOp(closed Mon 21:00)\n");
    let (code, out, err) = call(&["--zone", "Nowhere/Atlantis"]);
    assert_eq!(code, Some(2));
    assert!(out.is_empty());
    assert!(err.contains("no time zone `Nowhere/Atlantis`"), "{err}");
}
