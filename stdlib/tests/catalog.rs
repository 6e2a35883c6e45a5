//! The catalog compiled into the binary is well-formed and covers what the checker needs.

use pbxc_stdlib::{ArgKind, EntryKind, SOURCES, Split, catalog, parse};

#[test]
fn every_catalog_file_parses_without_mistakes() {
    let mut errors = Vec::new();
    for (file, text) in SOURCES {
        errors.extend(parse(file, text).1);
    }
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(shown.is_empty(), "catalog mistakes:\n{}", shown.join("\n"));
}

#[test]
fn no_name_is_described_twice() {
    let mut seen = std::collections::HashSet::new();
    for e in catalog().entries() {
        let key = match e.kind {
            EntryKind::Application => format!("app {}", e.name.to_ascii_lowercase()),
            EntryKind::Function => format!("function {}", e.name),
        };
        assert!(seen.insert(key.clone()), "{key} twice ({:?})", e.defined_at);
    }
}

#[test]
fn applications_match_case_insensitively_functions_exactly() {
    let c = catalog();
    assert_eq!(c.application("dial").map(|e| e.name.as_str()), Some("Dial"));
    assert_eq!(
        c.application("GOTOIF").map(|e| e.name.as_str()),
        Some("GotoIf")
    );
    assert!(c.function("CALLERID").is_some());
    assert!(c.function("callerid").is_none());
}

#[test]
fn format_mistakes_are_reported_with_their_line() {
    let text = "app Good\n  summary: fine\n  versions: 22\n\
                app Bad\n  summary: x\n  versions: 19\n  syntax: a:nonsense\n\
                function NoSummary\n  versions: 22\n\
                stray\n";
    let (entries, errors) = parse("t.cat", text);
    assert_eq!(
        entries.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
        ["Good"]
    );
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "t.cat:6: Bad: unknown or repeated version `19`",
            "t.cat:7: Bad: unknown kind `nonsense`",
            "t.cat:8: NoSummary: no `summary`",
            "t.cat:10: expected `app NAME` or `function NAME`, found `stray`",
        ]
    );
}

#[test]
fn syntax_lines_become_typed_parameters() {
    let text = "app X\n  summary: s\n  versions: 18 22\n  split: condition\n  \
                syntax: c:cond, [t:goto], [f:goto]\n\
                app Y\n  summary: s\n  versions: none\n  syntax: a:enum(x|y), [rest:var]...\n\
                app Z\n  summary: s\n  versions: 22\n  syntax: [o:options]\n  options: a b(duration?) skip\n";
    let (entries, errors) = parse("t.cat", text);
    assert!(errors.is_empty(), "{errors:?}");
    let x = &entries[0];
    assert_eq!(x.split, Split::Condition);
    assert_eq!(x.signature(), "X(c?[t]:[f])");
    assert_eq!(x.versions, [18, 22]);
    let y = &entries[1];
    assert_eq!(
        y.params.as_ref().unwrap()[0].kind,
        ArgKind::Enum(vec!["x".into(), "y".into()])
    );
    assert!(y.params.as_ref().unwrap()[1].repeat);
    assert!(y.versions.is_empty());
    let z = &entries[2];
    assert_eq!(z.option("b").unwrap().arg, Some((ArgKind::Duration, false)));
    assert!(z.word_options());
}
