//! Every feature of the language server, driven through the real `pbx-lsp` binary over stdio
//! with JSON-RPC, on a small configuration directory: a dialplan that includes a second file,
//! and a pjsip.conf whose endpoint names a context.

mod support;

use serde_json::{Value, json};
use support::{Client, Dir, at, find, uri};

const EXTENSIONS: &str = "\
[general]
static=yes

[globals]
TRUNK=PJSIP/trunk

[from-phones]
include => desks
exten => 100,1,Dail(PJSIP/100)
 same => n,Goto(sub,s,start)
exten => 200,1,NoOp (hello)
exten => _[2,3]XX,1,Answer()
exten => _9.,1,Dial(PJSIP/${EXTEN:1},30)
exten => 300,1,Macro(voicemail,300)
 same => n,Hangup()
#include \"desks.conf\"

[sub]
exten => s,1(start),Answer()
 same => n,Return()

[macro-voicemail]
exten => s,1,VoiceMail(${ARG1})
";

const DESKS: &str = "\
[desks]
exten => 301,1,Dial(Local/100@from-phones)
 same => n,Goto(sub,s,start)
exten => 302,1,Dial(PJSIP/phone1&PJSIP/0612345678@phone1,20)
 same => n,Gosub(sub,s,1)
";

const PJSIP: &str = "\
[phone1]
type=aor
max_contacts=1

[phone1]
type=endpoint
context=from-phones
";

fn workspace() -> Dir {
    Dir::new(&[
        ("extensions.conf", EXTENSIONS),
        ("desks.conf", DESKS),
        ("pjsip.conf", PJSIP),
    ])
}

/// Starts a server on the workspace with extensions.conf open; its first diagnostics.
fn open_workspace(dir: &Dir) -> (Client, Vec<Value>) {
    let mut c = Client::start(Some(&dir.path));
    let ext = dir.file("extensions.conf");
    c.open(&ext, None);
    let diagnostics = c.diagnostics(&ext, 1);
    (c, diagnostics)
}

fn codes_and_lines(diagnostics: &[Value]) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = diagnostics
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn position(path: &std::path::Path, text: &str, needle: &str, n: usize) -> Value {
    let (line, character) = find(text, needle, n);
    json!({ "textDocument": { "uri": uri(path) }, "position": at(line, character) })
}

#[test]
fn diagnostics_are_pbxc_checks_with_the_same_codes_and_exact_ranges() {
    let dir = workspace();
    let (_c, diagnostics) = open_workspace(&dir);
    // The same findings as `pbxc check DIR`, lines counted from 0.
    assert_eq!(
        codes_and_lines(&diagnostics),
        [
            ("DP204", 10), // `NoOp (hello)`
            ("DP301", 8),  // `Dail`
            ("DP302", 13), // Macro is gone in Asterisk 22
            ("DP340", 11), // `_[2,3]XX`
            ("DP341", 7),  // the include's extension is shadowed
            ("DP360", 12), // `${EXTEN:1}` from a pjsip endpoint into Dial
        ]
        .map(|(c, l)| (c.to_string(), l))
    );
    let dail = diagnostics.iter().find(|d| d["code"] == "DP301").unwrap();
    let (line, col) = find(EXTENSIONS, "Dail", 0);
    assert_eq!(dail["range"]["start"], at(line, col));
    assert_eq!(dail["range"]["end"], at(line, col + 4));
    assert_eq!(dail["source"], "pbxc");
    assert!(
        dail["message"]
            .as_str()
            .unwrap()
            .contains("help: did you mean `Dial`?"),
        "{dail}"
    );
    assert_eq!(dail["severity"], 2);
}

#[test]
fn an_edit_refreshes_diagnostics_and_ignore_comments_are_respected() {
    let dir = workspace();
    let (mut c, _) = open_workspace(&dir);
    let ext = dir.file("extensions.conf");
    // Fix `Dail` with an incremental edit; silence DP340 with an ignore comment.
    let (line, col) = find(EXTENSIONS, "Dail", 0);
    let (pline, _) = find(EXTENSIONS, "exten => _[2,3]XX", 0);
    c.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri(&ext), "version": 2 },
            "contentChanges": [
                { "range": { "start": at(pline, 0), "end": at(pline, 0) }, "text": "; pbxc: ignore[DP340]\n" },
                // Positions of later changes are in the document as the earlier ones left it.
                { "range": { "start": at(line, col), "end": at(line, col + 4) }, "text": "Dial" },
            ]
        }),
    );
    let codes: Vec<String> = codes_and_lines(&c.diagnostics(&ext, 2))
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    // `Dial(PJSIP/100)` now names an endpoint pjsip.conf lacks.
    assert_eq!(codes, ["DP204", "DP302", "DP341", "DP351", "DP360"]);
}

#[test]
fn a_file_that_is_included_gets_its_diagnostics_from_the_whole_directory() {
    let dir = workspace();
    let (mut c, _) = open_workspace(&dir);
    let desks = dir.file("desks.conf");
    let broken = DESKS.replace("Goto(sub,s,start)", "Goto(sub,s,finish)");
    c.open(&desks, Some(&broken));
    let diagnostics = c.diagnostics(&desks, 1);
    assert_eq!(codes_and_lines(&diagnostics), [("DP320".to_string(), 2)]);
    // An error (not a warning): checked as part of the whole dialplan, the context exists.
    assert_eq!(diagnostics[0]["severity"], 1);
}

#[test]
fn a_file_opened_alone_is_checked_on_its_own() {
    let lone = Dir::new(&[]);
    let path = lone.file("extensions_custom.conf");
    let text = "[custom]\nexten => 1,1,Goto(elsewhere,s,1)\n";
    std::fs::write(&path, text).unwrap();
    let mut c = Client::start(None);
    c.open(&path, Some(text));
    let diagnostics = c.diagnostics(&path, 1);
    assert_eq!(codes_and_lines(&diagnostics), [("DP320".to_string(), 1)]);
    // A file that may be included elsewhere: a missing target is a warning.
    assert_eq!(diagnostics[0]["severity"], 2);
}

#[test]
fn hover_explains_applications_functions_variables_and_contexts() {
    let dir = workspace();
    let (mut c, _) = open_workspace(&dir);
    let ext = dir.file("extensions.conf");
    let hover = |c: &mut Client, needle: &str, n: usize| -> String {
        let r = c.request("textDocument/hover", position(&ext, EXTENSIONS, needle, n));
        r["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let dial = hover(&mut c, "Dial(PJSIP/${EXTEN", 0);
    assert!(dial.starts_with("```\nDial("), "{dial}");
    let voicemail = hover(&mut c, "VoiceMail", 0);
    assert!(voicemail.contains("VoiceMail("), "{voicemail}");
    let exten = hover(&mut c, "EXTEN:1", 0);
    assert!(
        exten.contains("`EXTEN`") && exten.contains("the extension being run"),
        "{exten}"
    );
    let sub = hover(&mut c, "sub,s,start", 0);
    assert!(
        sub.contains("context `sub`") && sub.contains("1 extension"),
        "{sub}"
    );
    // An extension: its priorities.
    let extension = hover(&mut c, "300,1,Macro", 0);
    assert!(
        extension.contains("extension `300@from-phones`")
            && extension.contains("1  Macro(voicemail,300)")
            && extension.contains("2  Hangup()"),
        "{extension}"
    );
    let label = hover(&mut c, "start),Answer", 0);
    assert!(
        label.contains("label `start`") && label.contains("priority 1"),
        "{label}"
    );
    // Nothing under the cursor: no hover.
    let r = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri(&ext) }, "position": at(2, 0) }),
    );
    assert_eq!(r, Value::Null);
}

/// Where a name is assigned, in comments, and at a number that happens to carry a label.
const ASSIGNMENTS: &str = "\
[globals]
G1=x

[c]
exten => s,1,Set(FOO=bar)
 same => n,Set(__INH=1)
 same => n,Set(CALLERID(num)=123)
 same => n,NoOp(${FOO}) ; ${EXTEN} in a comment
 same => n,Gosub(sub,s,1(a,b))
 same => n,Gosub(sub,s,start(a))
#include \"parts/*.conf\"

[sub]
exten => s,1(start),Return()
";

/// [`ASSIGNMENTS`] and the files its `#include` reads (and one it does not).
fn assignments_dir() -> Dir {
    Dir::new(&[
        ("extensions.conf", ASSIGNMENTS),
        ("parts/a.conf", "[pa]\nexten => 1,1,NoOp()\n"),
        ("parts/b.conf", "[pb]\nexten => 1,1,NoOp()\n"),
        ("parts/c.txt", "[pc]\n"),
    ])
}

#[test]
fn hover_where_a_name_is_assigned_and_not_in_comments() {
    let dir = assignments_dir();
    let mut c = Client::start(Some(&dir.path));
    let ext = dir.file("extensions.conf");
    c.open(&ext, None);
    let hover = |c: &mut Client, needle: &str, n: usize| -> Value {
        c.request("textDocument/hover", position(&ext, ASSIGNMENTS, needle, n))
    };
    let text = |v: Value| {
        v["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let foo = text(hover(&mut c, "FOO=bar", 0));
    assert!(
        foo.contains("`FOO`") && foo.contains("channel variable, set at"),
        "{foo}"
    );
    let inh = text(hover(&mut c, "INH=1", 0));
    assert!(inh.starts_with("**`INH`**"), "{inh}");
    let callerid = text(hover(&mut c, "CALLERID(num)", 0));
    assert!(callerid.starts_with("```\nCALLERID("), "{callerid}");
    let global = text(hover(&mut c, "G1=x", 0));
    assert!(global.contains("global variable = `x`"), "{global}");
    assert_eq!(hover(&mut c, "EXTEN} in a comment", 0), Value::Null);
    // `1` names priority 1 of `s@sub`; `start` names the label.
    let number = text(hover(&mut c, "1(a,b)", 0));
    assert!(!number.contains("label"), "{number}");
    let label = text(hover(&mut c, "start(a)", 0));
    assert!(label.contains("label `start`"), "{label}");
}

#[test]
fn a_globbed_include_leads_to_every_file_it_read() {
    let dir = assignments_dir();
    let mut c = Client::start(Some(&dir.path));
    let ext = dir.file("extensions.conf");
    c.open(&ext, None);
    let r = c.request(
        "textDocument/definition",
        position(&ext, ASSIGNMENTS, "parts/*", 0),
    );
    let uris: Vec<&str> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["uri"].as_str().unwrap())
        .collect();
    assert_eq!(
        uris,
        [
            uri(&dir.file("parts/a.conf")),
            uri(&dir.file("parts/b.conf"))
        ]
    );
}

#[test]
fn definition_leads_from_jumps_includes_dials_and_endpoints_to_their_targets() {
    let dir = workspace();
    let (mut c, _) = open_workspace(&dir);
    let ext = dir.file("extensions.conf");
    let desks = dir.file("desks.conf");
    let pjsip = dir.file("pjsip.conf");
    let target =
        |c: &mut Client, path: &std::path::Path, text: &str, needle: &str| -> (String, Value) {
            let r = c.request("textDocument/definition", position(path, text, needle, 0));
            let first = &r
                .as_array()
                .unwrap_or_else(|| panic!("no definition for {needle}: {r}"))[0];
            (
                first["uri"].as_str().unwrap().to_string(),
                first["range"]["start"].clone(),
            )
        };
    let sub = find(EXTENSIONS, "sub]", 0);
    // Goto's context, extension and label.
    assert_eq!(
        target(&mut c, &ext, EXTENSIONS, "sub,s,start"),
        (uri(&ext), at(sub.0, sub.1))
    );
    let s = find(EXTENSIONS, "s,1(start)", 0);
    assert_eq!(
        target(&mut c, &ext, EXTENSIONS, "s,start"),
        (uri(&ext), at(s.0, s.1))
    );
    let start = find(EXTENSIONS, "start),", 0);
    assert_eq!(
        target(&mut c, &ext, EXTENSIONS, "start)\n"),
        (uri(&ext), at(start.0, start.1))
    );
    // `include => desks` leads into the other file; `#include` to the file itself.
    assert_eq!(
        target(&mut c, &ext, EXTENSIONS, "desks\n"),
        (uri(&desks), at(0, 1))
    );
    assert_eq!(
        target(&mut c, &ext, EXTENSIONS, "desks.conf"),
        (uri(&desks), at(0, 0))
    );
    // Dial(Local/100@from-phones) and pjsip's context= lead back into extensions.conf.
    let hundred = find(EXTENSIONS, "100,1", 0);
    assert_eq!(
        target(&mut c, &desks, DESKS, "100@"),
        (uri(&ext), at(hundred.0, hundred.1))
    );
    let from_phones = find(EXTENSIONS, "from-phones]", 0);
    assert_eq!(
        target(&mut c, &pjsip, PJSIP, "from-phones"),
        (uri(&ext), at(from_phones.0, from_phones.1))
    );
    // `Dial(PJSIP/phone1)` and `PJSIP/number@phone1` lead to the endpoint's section, not to
    // the aor of the same name above it.
    let endpoint = find(PJSIP, "phone1]\ntype=endpoint", 0);
    for needle in ["phone1&", "phone1,20"] {
        assert_eq!(
            target(&mut c, &desks, DESKS, needle),
            (uri(&pjsip), at(endpoint.0, endpoint.1)),
            "{needle}"
        );
    }
    // `Gosub(sub,s,1)` leads to the extension (priority 1 carries a label, but is not named
    // by it).
    assert_eq!(
        target(&mut c, &desks, DESKS, "s,1)"),
        (uri(&ext), at(s.0, s.1))
    );
}

#[test]
fn references_find_every_use_across_files() {
    let dir = workspace();
    let (mut c, _) = open_workspace(&dir);
    let ext = dir.file("extensions.conf");
    let mut params = position(&ext, EXTENSIONS, "sub]", 0);
    params["context"] = json!({ "includeDeclaration": true });
    let r = c.request("textDocument/references", params);
    let mut found: Vec<(String, u64)> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let file = l["uri"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string();
            (file, l["range"]["start"]["line"].as_u64().unwrap())
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("desks.conf", 2),
            ("desks.conf", 4),
            ("extensions.conf", 9),
            ("extensions.conf", 17)
        ]
        .map(|(f, l)| (f.to_string(), l))
    );
    // pjsip.conf's endpoint is a use of its context.
    let mut params = position(&ext, EXTENSIONS, "from-phones]", 0);
    params["context"] = json!({ "includeDeclaration": false });
    let r = c.request("textDocument/references", params);
    let files: Vec<&str> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["uri"].as_str().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert!(
        files.contains(&"pjsip.conf") && files.contains(&"desks.conf"),
        "{r}"
    );
    let places = |c: &mut Client, path: &std::path::Path, text: &str, needle: &str| {
        let mut params = position(path, text, needle, 0);
        params["context"] = json!({ "includeDeclaration": true });
        let r = c.request("textDocument/references", params);
        let mut found: Vec<(String, u64, u64)> = r
            .as_array()
            .unwrap_or_else(|| panic!("no references for {needle}: {r}"))
            .iter()
            .map(|l| {
                let file = l["uri"].as_str().unwrap().rsplit('/').next().unwrap();
                let start = &l["range"]["start"];
                (
                    file.to_string(),
                    start["line"].as_u64().unwrap(),
                    start["character"].as_u64().unwrap(),
                )
            })
            .collect();
        found.sort();
        found
    };
    let place = |file: &str, text: &str, needle: &str| {
        let (line, character) = find(text, needle, 0);
        (file.to_string(), line as u64, character as u64)
    };
    // A label: its definition and the two Gotos that name it, not the Gosub to priority 1.
    assert_eq!(
        places(&mut c, &ext, EXTENSIONS, "start),"),
        [
            place("desks.conf", DESKS, "start)"),
            place("extensions.conf", EXTENSIONS, "start)\n"),
            place("extensions.conf", EXTENSIONS, "start),"),
        ]
    );
    // An endpoint: its section and both dials of it.
    let pjsip = dir.file("pjsip.conf");
    assert_eq!(
        places(&mut c, &pjsip, PJSIP, "phone1]\ntype=endpoint"),
        [
            place("desks.conf", DESKS, "phone1&"),
            place("desks.conf", DESKS, "phone1,20"),
            place("pjsip.conf", PJSIP, "phone1]\ntype=endpoint"),
        ]
    );
}

#[test]
fn rename_of_a_context_and_of_a_label_edits_every_file() {
    let dir = workspace();
    let (mut c, _) = open_workspace(&dir);
    let ext = dir.file("extensions.conf");
    let prepared = c.request(
        "textDocument/prepareRename",
        position(&ext, EXTENSIONS, "sub,s", 0),
    );
    let (line, col) = find(EXTENSIONS, "sub,s", 0);
    assert_eq!(prepared["start"], at(line, col));
    assert_eq!(prepared["end"], at(line, col + 3));

    let mut params = position(&ext, EXTENSIONS, "sub]", 0);
    params["newName"] = json!("subroutines");
    let edit = c.request("textDocument/rename", params);
    let changes = edit["changes"].as_object().unwrap();
    assert_eq!(changes[&uri(&ext)].as_array().unwrap().len(), 2); // header and Goto
    assert_eq!(
        changes[&uri(&dir.file("desks.conf"))]
            .as_array()
            .unwrap()
            .len(),
        2 // the Goto and the Gosub
    );
    for edits in changes.values() {
        assert!(
            edits
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["newText"] == "subroutines")
        );
    }

    let mut params = position(&ext, EXTENSIONS, "start)", 0);
    params["newName"] = json!("begin");
    let edit = c.request("textDocument/rename", params);
    let total: usize = edit["changes"]
        .as_object()
        .unwrap()
        .values()
        .map(|e| e.as_array().unwrap().len())
        .sum();
    assert_eq!(total, 3); // the label and both Gotos

    // A name Asterisk would cut or read otherwise, or one that would send calls elsewhere,
    // is refused with an error, not applied.
    let refusals = [
        ("sub]", "a,b", "cannot be a context name"),
        ("sub]", "a@b", "cannot be a context name"), // Dial(Local/301@a@b)
        ("sub]", "x/y", "cannot be a context name"), // Local/301@x/y/n
        ("sub]", "${X}", "cannot be a context name"),
        (
            "sub]",
            "from-phones",
            "a context `from-phones` exists already",
        ),
        ("start)", "1", "would read it as a priority number"), // Goto(sub,s,1): priority 1
        ("start)", "2x", "would read it as a priority number"),
        ("start)", "+1", "would read it as a priority number"),
    ];
    for (at_text, new_name, why) in refusals {
        let mut params = position(&ext, EXTENSIONS, at_text, 0);
        params["newName"] = json!(new_name);
        let response = c.call("textDocument/rename", params);
        assert!(
            response["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(why)),
            "{new_name}: {response}"
        );
    }
    // Renaming to the name it has is no change, and allowed.
    let mut params = position(&ext, EXTENSIONS, "sub]", 0);
    params["newName"] = json!("sub");
    assert!(c.call("textDocument/rename", params).get("error").is_none());

    // Another label of the same extension: `Goto(s,b)` would find the first of the two.
    // The same label in another extension is its own.
    const LABELS: &str =
        "[c]\nexten => s,1(a),NoOp()\n same => n(b),Goto(s,a)\nexten => t,1(b),NoOp()\n";
    let dir = Dir::new(&[("extensions.conf", LABELS)]);
    let mut c = Client::start(Some(&dir.path));
    let ext = dir.file("extensions.conf");
    c.open(&ext, None);
    let mut params = position(&ext, LABELS, "a)", 0);
    params["newName"] = json!("b");
    let response = c.call("textDocument/rename", params);
    assert!(
        response["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("extension `s` of `c` has a label `b` already")),
        "{response}"
    );
    let mut params = position(&ext, LABELS, "b)", 1);
    params["newName"] = json!("a");
    assert!(c.call("textDocument/rename", params).get("error").is_none());
    // Extensions are not renamed.
    assert_eq!(
        c.request(
            "textDocument/prepareRename",
            position(&ext, EXTENSIONS, "100,1", 0)
        ),
        Value::Null
    );
}

/// Lines completed at their end, in the context `[more]` after [`EXTENSIONS`].
const MORE: &str = "\
 same => n,Goto(sub,
 same => n,Goto(sub,s,
 same => n,GotoIf($[1]?sub,s,
 same => n,Gosub(macro-voicemail,
 same => n(x),
 same => n,NoOp() ; Goto(
 same => n,Set(a=b)
";

enum Offer {
    Exactly(&'static [&'static str]),
    Includes(&'static str),
}

const MORE_EXPECTED: &[Offer] = &[
    Offer::Exactly(&["s"]),
    Offer::Exactly(&["start"]),
    Offer::Exactly(&["start"]),
    Offer::Exactly(&["s"]),
    // The label's parentheses are not an argument list: applications.
    Offer::Includes("Dial"),
    Offer::Exactly(&[]),
    Offer::Exactly(&[]),
];

#[test]
fn completion_offers_what_fits_where_the_cursor_is() {
    let dir = workspace();
    let (mut c, _) = open_workspace(&dir);
    let ext = dir.file("extensions.conf");
    let text = format!(
        "{EXTENSIONS}[more]\nexten => 1,1,\n same => n,Set(X=${{CALLER\ninclude => \n same => n,Goto(\n\n{MORE}"
    );
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri(&ext), "version": 2 }, "contentChanges": [{ "text": text }] }),
    );
    let base = EXTENSIONS.lines().count() as u32;
    let labels = |c: &mut Client, line: u32, character: u32| -> Vec<Value> {
        let r = c.request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri(&ext) }, "position": at(line, character) }),
        );
        r.as_array().cloned().unwrap_or_default()
    };
    let apps = labels(&mut c, base + 1, 13);
    let dial = apps
        .iter()
        .find(|i| i["label"] == "Dial")
        .expect("Dial offered");
    assert_eq!(dial["insertTextFormat"], 2);
    assert!(
        dial["insertText"]
            .as_str()
            .unwrap()
            .starts_with("Dial(${1:"),
        "{dial}"
    );
    let functions = labels(&mut c, base + 2, 27);
    assert!(
        functions
            .iter()
            .any(|i| i["label"] == "CALLERID" && i["kind"] == 3)
    );
    assert!(
        functions
            .iter()
            .any(|i| i["label"] == "TRUNK" && i["kind"] == 6)
    ); // a global
    assert!(
        functions
            .iter()
            .any(|i| i["label"] == "X" && i["kind"] == 6),
        "a variable the dialplan sets: {functions:?}"
    );
    let contexts = labels(&mut c, base + 3, 11);
    let names: Vec<&str> = contexts
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"sub") && names.contains(&"desks") && names.contains(&"macro-voicemail"),
        "{names:?}"
    );
    let keys = labels(&mut c, base + 5, 0);
    assert!(keys.iter().any(|i| i["label"] == "exten"));
    // In Goto's arguments: contexts and the current context's extensions.
    let args = labels(&mut c, base + 4, 16);
    assert!(
        args.iter().any(|i| i["label"] == "sub") && args.iter().any(|i| i["label"] == "1"),
        "{args:?}"
    );
    // What the place written so far leads to, and nothing where no argument is written.
    let labels_at = |c: &mut Client, line: u32| -> Vec<String> {
        let end = MORE.lines().nth((line - base - 6) as usize).unwrap().len() as u32;
        labels(c, line, end)
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    for (n, expected) in MORE_EXPECTED.iter().enumerate() {
        let got = labels_at(&mut c, base + 6 + n as u32);
        match expected {
            Offer::Exactly(names) => assert_eq!(got, *names, "{}", MORE.lines().nth(n).unwrap()),
            Offer::Includes(name) => {
                assert!(
                    got.iter().any(|g| g == name),
                    "{}: {got:?}",
                    MORE.lines().nth(n).unwrap()
                )
            }
        }
    }
    // pjsip.conf: option names at the start of a line.
    let pjsip = dir.file("pjsip.conf");
    c.open(&pjsip, Some("[phone2]\n\n"));
    let r = c.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri(&pjsip) }, "position": at(1, 0) }),
    );
    assert!(
        r.as_array()
            .unwrap()
            .iter()
            .any(|i| i["label"] == "max_contacts")
    );
    // With its `type=` written, a section is offered its own type's options: an endpoint's
    // (every field res_pjsip registers), not an aor's; the line after `type=` counts too.
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri(&pjsip), "version": 2 }, "contentChanges": [{ "text": "[phone2]\n\ntype=endpoint\n[phone2-aor]\ntype = aor\n\n" }] }),
    );
    let options = |c: &mut Client, line: u32| -> Vec<String> {
        let r = c.request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri(&pjsip) }, "position": at(line, 0) }),
        );
        r.as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    let endpoint = options(&mut c, 1);
    for wanted in ["webrtc", "ice_support", "context", "100rel", "set_var"] {
        assert!(
            endpoint.iter().any(|o| o == wanted),
            "{wanted}: {endpoint:?}"
        );
    }
    assert!(!endpoint.iter().any(|o| o == "max_contacts"));
    let aor = options(&mut c, 5);
    assert!(aor.iter().any(|o| o == "max_contacts") && !aor.iter().any(|o| o == "webrtc"));
}

#[test]
fn symbols_of_the_document_and_of_the_workspace() {
    let dir = workspace();
    let (mut c, _) = open_workspace(&dir);
    let ext = dir.file("extensions.conf");
    let r = c.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri(&ext) } }),
    );
    let tops: Vec<&str> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        tops,
        [
            "general",
            "globals",
            "from-phones",
            "sub",
            "macro-voicemail"
        ]
    );
    let sub = &r[3];
    assert_eq!(sub["children"][0]["name"], "s");
    assert_eq!(sub["children"][0]["children"][0]["name"], "start");
    let from_phones: Vec<&str> = r[2]["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(from_phones, ["100", "200", "_[2,3]XX", "_9.", "300"]);

    let r = c.request("workspace/symbol", json!({ "query": "desk" }));
    let names: Vec<(&str, &str)> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap(),
                s["location"]["uri"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(names, [("desks", "desks.conf")]);
}

#[test]
fn workspace_symbols_are_found_before_any_file_is_open() {
    let dir = workspace();
    let mut c = Client::start(Some(&dir.path));
    let r = c.request("workspace/symbol", json!({ "query": "phones" }));
    let names: Vec<(&str, &str)> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let file = s["location"]["uri"].as_str().unwrap();
            (
                s["name"].as_str().unwrap(),
                file.rsplit('/').next().unwrap(),
            )
        })
        .collect();
    assert_eq!(names, [("from-phones", "extensions.conf")]);
}

#[test]
fn semantic_tokens_mark_the_parts_of_each_line() {
    let dir = workspace();
    let (mut c, _) = open_workspace(&dir);
    let ext = dir.file("extensions.conf");
    let r = c.request(
        "textDocument/semanticTokens/full",
        json!({ "textDocument": { "uri": uri(&ext) } }),
    );
    let data: Vec<u64> = r["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(data.len() % 5, 0);
    // Decode to (line, column, length, type) and look at line 12: `exten => _9.,1,Dial(PJSIP/${EXTEN:1},30)`.
    let (mut line, mut col) = (0, 0);
    let mut tokens = Vec::new();
    for t in data.chunks(5) {
        if t[0] > 0 {
            col = 0;
        }
        line += t[0];
        col += t[1];
        tokens.push((line, col, t[2], t[3]));
    }
    let on_12: Vec<(u64, u64, u64)> = tokens
        .iter()
        .filter(|t| t.0 == 12)
        .map(|t| (t.1, t.2, t.3))
        .collect();
    // keyword `exten`, number `_9.`, function `Dial`, variable `EXTEN`.
    assert_eq!(on_12, [(0, 5, 3), (9, 3, 4), (15, 4, 6), (28, 5, 7)]);
}

#[test]
fn formatting_returns_the_canonical_layout() {
    let dir = workspace();
    let (mut c, _) = open_workspace(&dir);
    let ext = dir.file("extensions.conf");
    let r = c.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri(&ext) }, "options": { "tabSize": 4, "insertSpaces": true } }),
    );
    let edits = r.as_array().unwrap();
    assert_eq!(edits.len(), 1);
    let expected = String::from_utf8(pbxc_fmt::format(EXTENSIONS.as_bytes())).unwrap();
    assert_ne!(expected, EXTENSIONS);
    assert_eq!(edits[0]["newText"], expected);
    assert_eq!(edits[0]["range"]["start"], at(0, 0));
    // Already formatted: no edit.
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri(&ext), "version": 2 }, "contentChanges": [{ "text": expected }] }),
    );
    let r = c.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": uri(&ext) }, "options": { "tabSize": 4, "insertSpaces": true } }),
    );
    assert_eq!(r, json!([]));
}

/// Applies a workspace edit's changes to one file's text.
fn apply(text: &str, edits: &[Value]) -> String {
    let mut edits: Vec<&Value> = edits.iter().collect();
    let offset = |p: &Value| {
        let line = p["line"].as_u64().unwrap() as usize;
        let col = p["character"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        start + col
    };
    edits.sort_by_key(|e| std::cmp::Reverse(offset(&e["range"]["start"])));
    let mut out = text.to_string();
    for e in edits {
        let (s, t) = (offset(&e["range"]["start"]), offset(&e["range"]["end"]));
        out.replace_range(s..t, e["newText"].as_str().unwrap());
    }
    out
}

#[test]
fn code_actions_fix_what_the_checks_found() {
    let dir = workspace();
    let (mut c, _) = open_workspace(&dir);
    let ext = dir.file("extensions.conf");
    let actions = |c: &mut Client, line: u32| -> Vec<Value> {
        let r = c.request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri(&ext) }, "range": { "start": at(line, 0), "end": at(line, 80) }, "context": { "diagnostics": [] } }),
        );
        r.as_array().cloned().unwrap_or_default()
    };
    let fixed_line = |c: &mut Client, line: u32, title_has: &str| -> String {
        let all = actions(c, line);
        let action = all
            .iter()
            .find(|a| a["title"].as_str().unwrap().contains(title_has))
            .unwrap_or_else(|| panic!("no action `{title_has}` on line {line}: {all:?}"));
        let edits = action["edit"]["changes"][uri(&ext)].as_array().unwrap();
        apply(EXTENSIONS, edits)
            .lines()
            .nth(line as usize)
            .unwrap()
            .to_string()
    };
    assert_eq!(
        fixed_line(&mut c, 10, "NoOp("),
        "exten => 200,1,NoOp(hello)"
    );
    assert_eq!(
        fixed_line(&mut c, 11, "[23]"),
        "exten => _[23]XX,1,Answer()"
    );
    assert_eq!(
        fixed_line(&mut c, 8, "Dial"),
        "exten => 100,1,Dial(PJSIP/100)"
    );
    assert_eq!(
        fixed_line(&mut c, 12, "FILTER"),
        "exten => _9.,1,Dial(PJSIP/${FILTER(0-9,${EXTEN:1})},30)"
    );
    // Macro becomes Gosub at every call (the body is shared), and the body gets its Return.
    let two_calls = format!("{EXTENSIONS}[more]\nexten => 400,1,Macro(voicemail,400,x)\n");
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri(&ext), "version": 2 }, "contentChanges": [{ "text": two_calls }] }),
    );
    let all = actions(&mut c, 13);
    let rewrite = all
        .iter()
        .find(|a| a["title"].as_str().unwrap().contains("Gosub"))
        .unwrap();
    assert_eq!(rewrite["kind"], "refactor.rewrite");
    assert!(
        rewrite["title"].as_str().unwrap().ends_with("(2 calls)"),
        "{rewrite}"
    );
    let after = apply(
        &two_calls,
        rewrite["edit"]["changes"][uri(&ext)].as_array().unwrap(),
    );
    assert!(
        after.contains("exten => 300,1,Gosub(macro-voicemail,s,1(300))\n"),
        "{after}"
    );
    assert!(
        after.contains("exten => 400,1,Gosub(macro-voicemail,s,1(400,x))\n"),
        "{after}"
    );
    assert!(
        after.contains("exten => s,1,VoiceMail(${ARG1})\nexten => s,2,Return()\n[more]"),
        "{after}"
    );
    // Whether the Macro call on line 13 is offered the rewrite once the file is `text`.
    let offers_gosub = |c: &mut Client, version: i32, text: &str| {
        c.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri(&ext), "version": version }, "contentChanges": [{ "text": text }] }),
        );
        actions(c, 13)
            .iter()
            .any(|a| a["title"].as_str().unwrap().contains("Gosub"))
    };
    // A computed Macro call could reach the same body: then no rewrite is offered.
    let computed = format!("{two_calls}exten => 500,1,Macro(${{WHICH}})\n");
    assert!(!offers_gosub(&mut c, 3, &computed));
    // A body that ends at the largest priority has no number left for the Return the rewrite
    // needs (a Gosub body that runs out ends the call): no rewrite is offered.
    let last = two_calls.replace(
        "exten => s,1,VoiceMail(${ARG1})\n",
        "exten => s,1,VoiceMail(${ARG1})\nexten => s,2147483647,NoOp(last)\n",
    );
    assert_ne!(last, two_calls);
    assert!(!offers_gosub(&mut c, 4, &last));
    // One below it leaves room: offered again.
    let room = last.replace("2147483647", "2147483646");
    assert!(offers_gosub(&mut c, 5, &room));
    // Nothing to fix on a clean line.
    assert!(actions(&mut c, 18).is_empty());
}

#[test]
fn malformed_and_out_of_order_messages_get_errors_never_a_crash() {
    let mut c = Client::spawn();
    // A request before `initialize`.
    let r = c.call(
        "textDocument/hover",
        json!({ "textDocument": { "uri": "file:///x" }, "position": at(0, 0) }),
    );
    assert_eq!(r["error"]["code"], -32002, "{r}");
    // The same for a request whose answer the server writes itself once the session is open.
    let r = c.call(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": "file:///x" } }),
    );
    assert_eq!(r["error"]["code"], -32002, "{r}");
    // Even after an `initialized` sent too early: the session opens only after `initialize`.
    c.notify("initialized", json!({}));
    let r = c.call(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": "file:///x" }, "options": { "tabSize": 4, "insertSpaces": true } }),
    );
    assert_eq!(r["error"]["code"], -32002, "{r}");
    let result = c.request("initialize", json!({ "capabilities": {} }));
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
    c.notify("initialized", json!({}));
    // Not JSON at all; JSON that is not JSON-RPC; a header without a length.
    c.send_raw(b"Content-Length: 9\r\n\r\n{not json");
    let r = c.wait(|m| m.get("error").is_some() && m["id"].is_null());
    assert_eq!(r["error"]["code"], -32700, "{r}");
    c.send_raw(b"Content-Length: 18\r\n\r\n{\"id\":41,\"x\":true}");
    let r = c.wait(|m| m["id"] == 41);
    assert_eq!(r["error"]["code"], -32600, "{r}");
    c.send_raw(b"Content-Type: text/plain\r\n\r\n");
    let r = c.wait(|m| m.get("error").is_some() && m["id"].is_null());
    assert_eq!(r["error"]["code"], -32700, "{r}");
    // A length that cannot be read, with a body: the next message still gets its answer.
    c.send_raw(b"Content-Length: x\r\n\r\n{\"a\":1}");
    let r = c.wait(|m| m.get("error").is_some() && m["id"].is_null());
    assert_eq!(r["error"]["code"], -32700, "{r}");
    let r = c.call("workspace/symbol", json!({ "query": "" }));
    assert!(r.get("result").is_some(), "{r}");
    // Then: an unknown method, wrong parameters, a position past the end, a URI that is not
    // a file.
    let r = c.call("pbxc/nonsense", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    let r = c.call("textDocument/hover", json!({ "textDocument": 5 }));
    assert_eq!(r["error"]["code"], -32602, "{r}");
    for method in [
        "textDocument/documentSymbol",
        "textDocument/semanticTokens/full",
        "textDocument/formatting",
    ] {
        let r = c.call(method, json!({ "textDocument": 5 }));
        assert_eq!(r["error"]["code"], -32602, "{method}: {r}");
    }
    let dir = workspace();
    let ext = dir.file("extensions.conf");
    c.open(&ext, None);
    let r = c.call(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri(&ext) }, "position": at(9999, 9999) }),
    );
    assert!(r.get("error").is_none(), "{r}");
    let r = c.call(
        "textDocument/definition",
        json!({ "textDocument": { "uri": "untitled:Untitled-1" }, "position": at(0, 0) }),
    );
    assert_eq!(r["result"], Value::Null, "{r}");
    // An edit whose range is past the end of the buffer still applies, clamped.
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri(&ext), "version": 2 }, "contentChanges": [{ "range": { "start": at(500, 3), "end": at(400, 0) }, "text": "exten => 9,1,Wat()\n" }] }),
    );
    let diagnostics = c.diagnostics(&ext, 2);
    assert!(
        diagnostics
            .iter()
            .any(|d| d["message"].as_str().unwrap().contains("`Wat`"))
    );
    // A request id may be a string.
    c.send(json!({ "jsonrpc": "2.0", "id": "outline", "method": "textDocument/documentSymbol", "params": { "textDocument": { "uri": uri(&ext) } } }));
    let r = c.wait(|m| m["id"] == "outline");
    assert!(r["result"].as_array().is_some_and(|s| !s.is_empty()), "{r}");
    assert!(c.is_running());
    // shutdown, then requests are refused, and exit ends the process.
    c.request("shutdown", Value::Null);
    for (method, params) in [
        (
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri(&ext) }, "position": at(0, 0) }),
        ),
        (
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": uri(&ext) } }),
        ),
    ] {
        let r = c.call(method, params);
        assert_eq!(r["error"]["code"], -32600, "{method}: {r}");
    }
    c.notify("exit", Value::Null);
    assert!(c.wait_exit().success());
}

/// The protocol: "The server should exit with success code 0 if the shutdown request has
/// been received before; otherwise with error code 1."
#[test]
fn exit_without_shutdown_is_an_error_exit() {
    let mut c = Client::start(None);
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit().code(), Some(1));
    let mut c = Client::start(None);
    c.close_stdin();
    assert_eq!(c.wait_exit().code(), Some(1));
}

#[test]
fn the_server_asks_to_watch_files_and_a_change_on_disk_reaches_the_diagnostics() {
    let dir = workspace();
    let capabilities =
        json!({ "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } });
    let mut c = Client::start_with(Some(&dir.path), capabilities);
    let request = c.wait(|m| m["method"] == "client/registerCapability");
    let registration = &request["params"]["registrations"][0];
    assert_eq!(registration["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(
        registration["registerOptions"]["watchers"][0]["globPattern"],
        "**/*.conf"
    );
    c.send(json!({ "jsonrpc": "2.0", "id": request["id"], "result": null }));

    let ext = dir.file("extensions.conf");
    c.open(&ext, None);
    let before = c.diagnostics(&ext, 1);
    assert!(!before.iter().any(|d| d["code"] == "DP320"));
    // desks.conf, which no editor holds, loses `[desks]`'s Goto target on disk.
    std::fs::write(
        dir.file("desks.conf"),
        DESKS.replace("Goto(sub,s,start)", "Goto(sub,s,finish)"),
    )
    .unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": uri(&dir.file("desks.conf")), "type": 2 }] }),
    );
    let desks = c.closed_file_diagnostics(&dir.file("desks.conf"));
    assert_eq!(desks.len(), 1);
    assert_eq!(desks[0]["code"], "DP320");
}

#[test]
fn a_target_the_server_does_not_know_is_reported_and_the_default_kept() {
    let dir = workspace();
    let mut c = Client::spawn();
    c.request(
        "initialize",
        json!({ "capabilities": {}, "rootUri": uri(&dir.path), "initializationOptions": { "target": "asterisk-99" } }),
    );
    c.notify("initialized", json!({}));
    let m = c.wait(|m| m["method"] == "window/showMessage");
    assert_eq!(m["params"]["type"], 2, "{m}");
    let text = m["params"]["message"].as_str().unwrap();
    assert!(
        text.contains("asterisk-99") && text.contains("Asterisk 22"),
        "{text}"
    );
    // Checked for Asterisk 22 all the same: Macro is gone there.
    let ext = dir.file("extensions.conf");
    c.open(&ext, None);
    assert!(c.diagnostics(&ext, 1).iter().any(|d| d["code"] == "DP302"));
}

/// The server never gives memory back to the system between edits, and runs without
/// transparent huge pages (`pbxc_lsp::allocator`): it executes itself once with mimalloc's
/// setting in its environment, and the process that answers is the one the editor started,
/// huge pages off (the kernel's own record of the process says so). A value the user set is
/// theirs, under any of the names mimalloc reads it by; so is mimalloc's option for huge pages.
#[cfg(target_os = "linux")]
#[test]
fn the_server_runs_with_its_allocator_settings_unless_the_user_chose_others() {
    const NAME: &str = "MIMALLOC_PURGE_DELAY";
    const THP: &str = "MIMALLOC_ALLOW_THP";
    let variables = |pid: u32| -> Vec<(String, String)> {
        let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
        environ
            .split(|&b| b == 0)
            .filter_map(|v| {
                let v = String::from_utf8_lossy(v);
                let (name, value) = v.split_once('=')?;
                Some((name.to_string(), value.to_string()))
            })
            .collect()
    };
    // Whether the kernel lets the process have huge pages (`prctl(PR_SET_THP_DISABLE)` not set).
    let huge_pages = |pid: u32| -> bool {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let line = status.lines().find_map(|l| l.strip_prefix("THP_enabled:"));
        line.expect("the kernel reports THP_enabled (Linux 5.0 and later)")
            .trim()
            == "1"
    };
    // What the server would have if it left the setting alone: this process's own (none on a
    // kernel built without huge pages, or under a parent that turned them off).
    let as_started = huge_pages(std::process::id());
    // The option under any spelling this environment has, removed before each case.
    let spellings: Vec<String> = std::env::vars()
        .map(|(name, _)| name)
        .filter(|name| name.eq_ignore_ascii_case(THP))
        .collect();
    // The environment given, the purge settings the answering process has, and whether it may
    // have huge pages.
    type Given<'a> = &'a [(&'a str, Option<&'a str>)];
    type Has<'a> = &'a [(&'a str, &'a str)];
    let cases: [(Given, Has, bool); 6] = [
        (&[(NAME, None), (THP, None)], &[(NAME, "-1")], false),
        (&[(NAME, Some("250")), (THP, None)], &[(NAME, "250")], false),
        (
            &[
                (NAME, None),
                ("mimalloc_purge_delay", Some("250")),
                (THP, None),
            ],
            &[("mimalloc_purge_delay", "250")],
            false,
        ),
        (
            &[
                (NAME, None),
                ("MIMALLOC_RESET_DELAY", Some("250")),
                (THP, None),
            ],
            &[("MIMALLOC_RESET_DELAY", "250")],
            false,
        ),
        (&[(NAME, None), (THP, Some("1"))], &[(NAME, "-1")], true),
        (
            &[(NAME, None), (THP, None), ("mimalloc_allow_thp", Some("1"))],
            &[(NAME, "-1")],
            true,
        ),
    ];
    for (given, expected, huge) in cases {
        let env: Vec<(&str, Option<&str>)> = spellings
            .iter()
            .map(|name| (name.as_str(), None))
            .chain(given.iter().copied())
            .collect();
        let mut c = Client::spawn_with_env(&env);
        // Answered: the process runs its final program.
        let result = c.request("initialize", json!({ "capabilities": {} }));
        assert!(result["capabilities"].is_object(), "{result}");
        let mut purge: Vec<(String, String)> = variables(c.pid())
            .into_iter()
            .filter(|(name, _)| {
                let upper = name.to_ascii_uppercase();
                upper == NAME || upper == "MIMALLOC_RESET_DELAY"
            })
            .collect();
        purge.sort();
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        assert_eq!(purge, expected, "{given:?}");
        assert_eq!(huge_pages(c.pid()), huge && as_started, "{given:?}");
    }
}

/// Changes that arrive together are checked together: a burst of twenty edits written at
/// once costs one check (`pbxc/status` counts them), and what is published is the last
/// edit's diagnostics.
#[test]
fn a_burst_of_changes_is_checked_once_not_once_each() {
    let dir = Dir::new(&[("extensions.conf", "[in]\nexten => 1,1,NoOp(x)\n")]);
    let mut c = Client::start(Some(&dir.path));
    let ext = dir.file("extensions.conf");
    c.open(&ext, None);
    let checks = |c: &mut Client| c.request("pbxc/status", Value::Null)["analyses"].as_u64();
    let lines = |c: &mut Client| c.request("pbxc/status", Value::Null)["linesRead"].as_u64();
    let before = checks(&mut c).expect("a count of checks");
    let lines_before = lines(&mut c).expect("a count of lines read");
    // Versions 2..=21, each a different unknown application (`NoOpp`, `NoOppp`, …): whichever
    // of them are checked together, each list differs from the one before, and the last is
    // published.
    let app = |version: usize| format!("NoOp{}", "p".repeat(version - 1));
    let mut burst = Vec::new();
    for version in 2..=21 {
        let body = json!({
            "jsonrpc": "2.0",
            "method": "textDocument/didChange",
            "params": {
                "textDocument": { "uri": uri(&ext), "version": version },
                "contentChanges": [{ "text": format!("[in]\nexten => 1,1,{}(x)\n", app(version)) }],
            }
        })
        .to_string();
        burst.extend(format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes());
    }
    c.send_raw(&burst);
    let last = c.diagnostics(&ext, 21);
    assert_eq!(last.len(), 1, "{last:?}");
    assert_eq!(last[0]["code"], "DP301");
    let message = last[0]["message"].as_str().unwrap();
    assert!(message.contains(&format!("`{}`", app(21))), "{message}");
    let after = checks(&mut c).expect("a count of checks");
    // One check, or a few should the changes reach the server in pieces; checked one by
    // one they took 20.
    assert!(
        after - before <= 3,
        "{} checks for 20 changes",
        after - before
    );
    // Each parse read the one line that changed (the buffer is replaced whole, but its first
    // line is as before).
    let read = lines(&mut c).expect("a count of lines read") - lines_before;
    assert!((1..=after - before).contains(&read), "{read} lines read");
}

/// A one-line edit is checked reusing the check before it, and `pbxc/status` says how much:
/// every section but the edited one keeps its lowering, every jump its resolution.
#[test]
fn pbxc_status_counts_what_an_edit_reused() {
    let text = "[a]\nexten => 1,1,Goto(b,1,1)\n[b]\nexten => 1,1,NoOp(x)\n[c]\nexten => 2,1,Goto(a,1,1)\n same => n,Wait(1)\n";
    let dir = Dir::new(&[("extensions.conf", text)]);
    let mut c = Client::start(Some(&dir.path));
    let ext = dir.file("extensions.conf");
    c.open(&ext, None);
    let before = c.diagnostics(&ext, 1);
    // `Wait(1)` → `Waitt(1)`, in [c]: the shape stays, [a] and [b] are as they were.
    let (line, column) = find(text, "Wait(1)", 0);
    c.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri(&ext), "version": 2 },
            "contentChanges": [{
                "range": { "start": at(line, column + 4), "end": at(line, column + 4) },
                "text": "t",
            }],
        }),
    );
    let found = c.diagnostics(&ext, 2);
    assert_eq!(found.len(), before.len() + 1, "{found:?}");
    assert!(found.iter().any(|d| d["code"] == "DP301"), "{found:?}");
    let status = c.request("pbxc/status", Value::Null);
    assert_eq!(status["sectionsReused"], 2, "{status}");
    assert_eq!(status["jumpsReused"], 2, "{status}");
}

/// voicemail.conf is read with the dialplan (DP352), and editing it refreshes the
/// dialplan's diagnostics: the directory is one configuration.
#[test]
fn voicemail_mailboxes_are_checked_across_files_as_voicemail_conf_changes() {
    const DIALPLAN: &str = "[from-phones]\nexten => 100,1,VoiceMail(10O@default,u)\n";
    const MAILBOXES: &str = "[default]\n100 => 1234,Alice\n";
    let dir = Dir::new(&[("extensions.conf", DIALPLAN), ("voicemail.conf", MAILBOXES)]);
    let mut c = Client::start(Some(&dir.path));
    let ext = dir.file("extensions.conf");
    c.open(&ext, None);
    let diagnostics = c.diagnostics(&ext, 1);
    assert_eq!(codes_and_lines(&diagnostics), [("DP352".to_string(), 1)]);
    let (line, col) = find(DIALPLAN, "10O", 0);
    assert_eq!(diagnostics[0]["range"]["start"], at(line, col));
    // The mailbox appears in voicemail.conf: the dialplan's warning goes.
    let vm = dir.file("voicemail.conf");
    c.open(&vm, None);
    c.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri(&vm), "version": 2 },
            "contentChanges": [
                { "range": { "start": at(2, 0), "end": at(2, 0) }, "text": "10O => 1,Typo\n" },
            ]
        }),
    );
    // Republished for the document as it is (still version 1).
    assert_eq!(codes_and_lines(&c.diagnostics(&ext, 1)), []);
}
