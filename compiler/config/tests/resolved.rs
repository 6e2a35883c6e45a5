//! The resolved view keeps, for every section and value, where it was written: across
//! includes, templates, appends and `+=`.

use std::path::Path;

use pbxc_config::{Config, LoadOptions, MemoryFs, Session};
use pbxc_diagnostics::TextRange;

fn load(files: &[(&str, &str)]) -> (Session<'static>, Config) {
    let mut fs = MemoryFs::new();
    for (name, text) in files {
        fs.insert(Path::new("/etc/asterisk").join(name), *text);
    }
    let fs: &'static MemoryFs = Box::leak(Box::new(fs));
    let mut session = Session::new(fs, LoadOptions::etc_asterisk());
    let config = session.load(files[0].0).unwrap();
    (session, config)
}

fn text<'a>(session: &'a Session, origin: pbxc_config::Origin) -> (&'a str, String) {
    let file = session.sources().get(origin.file);
    (
        file.path.file_name().unwrap().to_str().unwrap(),
        String::from_utf8_lossy(&file.text[origin.range.as_range()]).into_owned(),
    )
}

#[test]
fn included_values_point_into_the_included_file() {
    let (session, config) = load(&[
        ("main.conf", "[c]\na=1\n#include extra.conf\n"),
        ("extra.conf", "b = two ; comment\n"),
    ]);
    let b = config.category(b"c").unwrap().get(b"b", 0).unwrap();
    assert_eq!(text(&session, b.origin), ("extra.conf", "b = two".into()));
    assert_eq!(text(&session, b.name_origin), ("extra.conf", "b".into()));
    assert_eq!(
        text(&session, b.value_origins[0]),
        ("extra.conf", "two".into())
    );
    assert_eq!(config.files.len(), 2);
    assert_eq!(config.includes[0].name, "extra.conf");
}

#[test]
fn inherited_values_keep_their_origin_and_record_the_header_that_copied_them() {
    let (session, config) = load(&[("pjsip.conf", "[t](!)\nallow=ulaw\n[alice](t)\nallow=alaw\n")]);
    let alice = config.category(b"alice").unwrap();
    let first = alice.get(b"allow", 0).unwrap();
    assert_eq!(first.value_str(), "ulaw");
    assert_eq!(text(&session, first.origin).1, "allow=ulaw");
    assert_eq!(text(&session, first.inherited_via.unwrap()).1, "[alice](t)");
    assert_eq!(alice.get(b"allow", -1).unwrap().inherited_via, None);
    assert_eq!(alice.bases, vec![0]);
    assert!(config.categories[0].template);
    assert!(
        config.category(b"t").is_none(),
        "templates are invisible to lookups"
    );
}

#[test]
fn appends_and_plus_equals_record_every_piece() {
    let (session, config) = load(&[("x.conf", "[c]\nv=ab\n[d]\n[c](+)\nv += cd\n")]);
    let c = config.category(b"c").unwrap();
    assert_eq!(text(&session, c.appended_at[0]).1, "[c](+)");
    let v = c.get(b"v", 0).unwrap();
    // `+=` appends the raw text after `=`, leading blank included: Asterisk's own quirk.
    assert_eq!(v.value_str(), "ab cd");
    let pieces: Vec<String> = v
        .value_origins
        .iter()
        .map(|o| text(&session, *o).1)
        .collect();
    assert_eq!(pieces, ["ab", " cd"]);
}

#[test]
fn an_included_file_starts_in_the_current_section_of_the_configuration() {
    // Asterisk starts an included file in `cfg->current`: the last section created or added
    // to with `(+)`, not the includer's own notion of where it is.
    let (_, config) = load(&[
        (
            "main.conf",
            "[c]\n[d]\n[c](+)\n#include inc.conf\nafter=1\n#include inc2.conf\n",
        ),
        ("inc.conf", "inc=1\n[e]\n"),
        ("inc2.conf", "inc2=1\n"),
    ]);
    assert!(config.category(b"c").unwrap().get(b"inc", 0).is_some());
    assert!(config.category(b"c").unwrap().get(b"after", 0).is_some());
    // inc.conf created [e], which is now current for the next include, though the includer
    // itself goes on adding to [c].
    assert!(config.category(b"e").unwrap().get(b"inc2", 0).is_some());
}

#[test]
fn plus_with_a_filter_adds_to_the_section_whose_settings_match() {
    let (session, config) = load(&[(
        "pjsip.conf",
        "[alice]\ntype=endpoint\n[alice]\ntype=aor\n[alice](+type=aor)\nmax_contacts=2\n[alice](+type=nothing)\n",
    )]);
    let aor = config
        .categories
        .iter()
        .find(|c| c.get(b"type", 0).unwrap().value_str() == "aor")
        .unwrap();
    assert_eq!(aor.get(b"max_contacts", 0).unwrap().value_str(), "2");
    let endpoint = config.category(b"alice").unwrap();
    assert!(endpoint.get(b"max_contacts", 0).is_none());
    let d = session.diagnostics();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].code.id, "CFG103");
    assert!(
        d[0].message.contains("matching `type=nothing`"),
        "{}",
        d[0].message
    );
}

#[test]
fn a_fatal_error_in_an_included_file_stops_only_that_file() {
    let (session, config) = load(&[
        ("main.conf", "[c]\n#include bad.conf\nafter=1\n"),
        ("bad.conf", "x=1\n[oops\ny=2\n"),
    ]);
    assert!(!config.rejected);
    let c = config.category(b"c").unwrap();
    assert!(c.get(b"x", 0).is_some() && c.get(b"after", 0).is_some());
    assert!(
        c.get(b"y", 0).is_none(),
        "Asterisk stops reading bad.conf at the bad header"
    );
    let d = session.diagnostics();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code.id, "CFG101");
    assert_eq!(
        d[0].primary.message.as_deref(),
        Some("Asterisk stops reading /etc/asterisk/bad.conf here")
    );
}

#[test]
fn a_fatal_error_in_the_root_rejects_it() {
    let (_, config) = load(&[("main.conf", "[c]\na=1\n[d\n")]);
    assert!(config.rejected);
}

#[test]
fn spans_cover_text_joined_across_an_inline_block_comment() {
    let (session, config) = load(&[("m.conf", "[c]\na=1 ;-- x --; 2\n")]);
    let a = config.category(b"c").unwrap().get(b"a", 0).unwrap();
    assert_eq!(a.value_str(), "1  2");
    assert_eq!(a.value_origins[0].range, TextRange::new(6, 19));
    assert_eq!(text(&session, a.value_origins[0]).1, "1 ;-- x --; 2");
}

#[test]
fn a_misspelt_base_suggests_the_similar_section_with_a_fix() {
    let (session, _) = load(&[(
        "pjsip.conf",
        "[endpoint-basic](!)\n[alice](endpoint-basics)\n",
    )]);
    let d = &session.diagnostics()[0];
    assert_eq!(d.code.id, "CFG104");
    assert_eq!(d.help.as_deref(), Some("did you mean `endpoint-basic`?"));
    let fix = d.fix.as_ref().unwrap();
    assert_eq!(fix.edits[0].replacement, "endpoint-basic");
    assert_eq!(fix.edits[0].range, TextRange::new(28, 43));
}

#[test]
fn an_exec_that_runs_itself_stops_at_the_nesting_limit() {
    let mut fs = MemoryFs::new();
    fs.insert("/cfg/main.conf", "[c]\n#exec loop\n");
    fs.insert_command(
        "loop",
        Ok(pbxc_config::ExecOutput {
            stdout: b"x=1\n#exec loop\n".to_vec(),
            problem: None,
        }),
    );
    let mut session = Session::new(
        &fs,
        LoadOptions {
            config_dir: "/cfg".into(),
            exec_includes: true,
        },
    );
    let config = session.load("main.conf").unwrap();
    assert!(!config.rejected);
    // Ten levels of output, each adding x=1, then the limit.
    assert_eq!(config.category(b"c").unwrap().variables.len(), 10);
    assert!(session.diagnostics().iter().any(|d| d.code.id == "CFG108"));
}

#[test]
fn includes_that_fan_out_exponentially_stop_with_a_diagnostic() {
    // 8 includes per file, 10 levels: 8^10 file reads if followed naively.
    let mut fs = MemoryFs::new();
    let fan = |next: &str| format!("#include {next}\n").repeat(8);
    fs.insert("/cfg/main.conf", format!("[c]\n{}", fan("f1.conf")));
    for n in 1..=10 {
        fs.insert(
            format!("/cfg/f{n}.conf"),
            format!("x{n}=1\n{}", fan(&format!("f{}.conf", n + 1))),
        );
    }
    fs.insert("/cfg/f11.conf", "leaf=1\n");
    let mut session = Session::new(
        &fs,
        LoadOptions {
            config_dir: "/cfg".into(),
            exec_includes: false,
        },
    );
    let config = session.load("main.conf").unwrap();
    let limit: Vec<_> = session
        .diagnostics()
        .into_iter()
        .filter(|d| d.code.id == "CFG110")
        .collect();
    assert_eq!(limit.len(), 1);
    assert!(config.rejected, "pbxc gives up on the configuration");
}

#[test]
fn an_empty_option_inherits_the_first_section() {
    let (_, config) = load(&[("m.conf", "[a]\nx=1\n[c](a,)\ny=2\n")]);
    let c = config.category(b"c").unwrap();
    let names: Vec<String> = c
        .variables
        .iter()
        .map(|v| format!("{}={}", v.name_str(), v.value_str()))
        .collect();
    assert_eq!(names, ["x=1", "x=1", "y=2"]);
}

#[test]
fn plus_equals_keeps_the_object_flag() {
    let (_, config) = load(&[("m.conf", "[c]\nv=>1\nv+=2\n")]);
    let v = config.category(b"c").unwrap().get(b"v", 0).unwrap();
    assert!(v.object);
    assert_eq!(v.value_str(), "12");
}
