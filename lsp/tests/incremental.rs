//! What an edit recomputes, counted in the database: parsing is per file and checking per
//! root, so an edit re-parses only the edited file and re-checks only the roots that read it;
//! a question asked twice without an edit recomputes nothing.

mod support;

use pbxc_lsp::World;
use support::Dir;
use tower_lsp_server::ls_types as ls;

fn edit(world: &mut World, path: &std::path::Path, text: &str, version: i32) {
    world.change(
        path,
        vec![ls::TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: text.into(),
        }],
        version,
    );
}

#[test]
fn an_edit_reparses_one_file_and_rechecks_only_the_roots_that_read_it() {
    let dir = Dir::new(&[
        (
            "extensions.conf",
            "[a]\n#include \"a.conf\"\n#include \"b.conf\"\n",
        ),
        ("a.conf", "exten => 1,1,Goto(b,1,1)\n"),
        ("b.conf", "[b]\nexten => 1,1,Answer()\n"),
    ]);
    let elsewhere = Dir::new(&[("extensions_lab.conf", "[lab]\nexten => 1,1,NoOp()\n")]);
    let mut world = World::new();
    world.set_folders(vec![dir.path.clone()]);
    let db = |w: &World| (w.database().parse_count(), w.database().analysis_count());

    let main = dir.file("extensions.conf");
    world.open(&main, std::fs::read_to_string(&main).unwrap(), 1);
    world.diagnostics_to_publish();
    assert_eq!(db(&world), (3, 1), "three files parsed, one root checked");

    // Asking again, and asking questions, recomputes nothing.
    world.diagnostics_to_publish();
    let uri = ls::Uri::from_file_path(&main).unwrap();
    pbxc_lsp::features::hover::hover(&mut world, &uri, ls::Position::new(1, 3));
    assert_eq!(db(&world), (3, 1));

    // Editing a.conf (open as a buffer): a.conf alone is parsed again, the root checked again.
    let a = dir.file("a.conf");
    world.open(&a, "exten => 1,1,Goto(b,1,1)\n".into(), 1);
    world.diagnostics_to_publish();
    assert_eq!(
        db(&world),
        (3, 1),
        "opening with the disk's text changes nothing"
    );
    edit(&mut world, &a, "exten => 1,1,Goto(b,1,2)\n", 2);
    let published = world.diagnostics_to_publish();
    assert_eq!(db(&world), (4, 2));
    // ...and the new finding is in a.conf, from the directory's check.
    let (uri_a, diagnostics, version) = published
        .iter()
        .find(|(u, _, _)| u.to_file_path().unwrap() == a)
        .expect("a.conf's diagnostics republished");
    assert_eq!(version, &Some(2), "{uri_a:?}");
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(
        diagnostics[0].code,
        Some(ls::NumberOrString::String("DP320".into()))
    );

    // A file of another directory is its own root: editing it leaves this root's check alone.
    let lab = elsewhere.file("extensions_lab.conf");
    world.open(&lab, std::fs::read_to_string(&lab).unwrap(), 1);
    world.diagnostics_to_publish();
    assert_eq!(db(&world), (5, 3));
    edit(&mut world, &lab, "[lab]\nexten => 1,1,NoOp(x)\n", 2);
    world.diagnostics_to_publish();
    assert_eq!(
        db(&world),
        (6, 4),
        "only the lab file parsed and checked again"
    );

    // An edit that puts back the same text is no edit.
    edit(&mut world, &lab, "[lab]\nexten => 1,1,NoOp(x)\n", 3);
    world.diagnostics_to_publish();
    assert_eq!(db(&world), (6, 4));
}

/// An edit of one line reads that line again, not the file: the rest of the tree is copied
/// from the one before. And what the server finds is what it finds reading the file afresh.
#[test]
fn an_edit_reads_only_the_lines_it_touched() {
    let mut text = String::from(";-- a block\ncomment --;\n[in]\n");
    for i in 0..2000 {
        text.push_str(&format!(
            "exten => {i},1,Set(X=${{EXTEN}})\n same => n,Goto(out,{i},1)\n"
        ));
    }
    text.push_str("[out]\nexten => _X.,1,NoOp(${EXTEN})\n same => n,Hangup() ; done --;\n");
    text.push_str("exten => 1,1,NoOp()\n");
    let dir = Dir::new(&[("extensions.conf", &text)]);
    let main = dir.file("extensions.conf");
    let mut world = World::new();
    world.set_folders(vec![dir.path.clone()]);
    world.open(&main, text.clone(), 1);
    world.publish();
    let read = |w: &World| w.database().lines_read();
    let before = read(&world);
    assert!(before > 4000, "the whole file at first: {before}");

    // Line 1004 (` same => n,Goto(out,500,1)`) becomes a jump to a missing context.
    let line = 1004;
    let old = text.lines().nth(line).unwrap().to_string();
    let new = old.replace("Goto(out,", "Goto(nowhere,");
    assert_ne!(old, new);
    world.change(
        &main,
        vec![ls::TextDocumentContentChangeEvent {
            range: Some(ls::Range::new(
                ls::Position::new(line as u32, 0),
                ls::Position::new(line as u32, old.len() as u32),
            )),
            range_length: None,
            text: new.clone(),
        }],
        2,
    );
    let published = world.diagnostics_to_publish();
    assert_eq!(read(&world) - before, 1, "one line read again");

    // The same text read from scratch by another server finds the same.
    let edited = text.replacen(&old, &new, 1);
    let mut fresh = World::new();
    fresh.set_folders(vec![dir.path.clone()]);
    fresh.open(&main, edited, 1);
    let from_scratch = fresh.diagnostics_to_publish();
    let of = |p: &[(ls::Uri, Vec<ls::Diagnostic>, Option<i32>)]| {
        p.iter()
            .find(|(u, _, _)| u.to_file_path().unwrap() == main)
            .map(|(_, d, _)| d.clone())
            .unwrap()
    };
    let diagnostics = of(&published);
    assert!(
        diagnostics.iter().any(|d| d.range.start.line == line as u32
            && d.code == Some(ls::NumberOrString::String("DP320".into()))),
        "{diagnostics:?}"
    );
    assert_eq!(diagnostics, of(&from_scratch));

    // An edit that opens a block comment reads on to where it closes: the `--;` that ended
    // a line comment ends the block.
    let before = read(&world);
    world.change(
        &main,
        vec![ls::TextDocumentContentChangeEvent {
            range: Some(ls::Range::new(
                ls::Position::new(4004, 0),
                ls::Position::new(4004, 0),
            )),
            range_length: None,
            text: ";--".into(),
        }],
        3,
    );
    world.diagnostics_to_publish();
    assert_eq!(read(&world) - before, 2);
}

#[test]
fn a_change_on_disk_reaches_a_file_no_editor_holds() {
    let dir = Dir::new(&[
        (
            "extensions.conf",
            "[a]\nexten => 1,1,Goto(b,1,1)\n#include \"b.conf\"\n",
        ),
        ("b.conf", "[b]\nexten => 1,1,Answer()\n"),
    ]);
    let mut world = World::new();
    world.set_folders(vec![dir.path.clone()]);
    let main = dir.file("extensions.conf");
    world.open(&main, std::fs::read_to_string(&main).unwrap(), 1);
    let first = world.diagnostics_to_publish();
    assert!(first.iter().all(|(_, d, _)| d.is_empty()), "{first:?}");
    // b.conf loses its extension on disk; the watcher says so.
    std::fs::write(dir.file("b.conf"), "[b]\n").unwrap();
    world.disk_changed(&dir.file("b.conf"));
    let published = world.diagnostics_to_publish();
    let codes: Vec<_> = published
        .iter()
        .flat_map(|(_, d, _)| d.iter().map(|d| d.code.clone()))
        .collect();
    assert_eq!(codes, [Some(ls::NumberOrString::String("DP320".into()))]);
    // A new file the dialplan includes by glob appears: the directory listing is refreshed.
    std::fs::write(
        dir.file("extensions.conf"),
        "[a]\nexten => 1,1,Goto(b,1,1)\n#include \"b*.conf\"\n",
    )
    .unwrap();
    world.close(&main);
    std::fs::write(dir.file("b2.conf"), "exten => 1,1,Answer()\n").unwrap();
    world.disk_changed(&dir.file("b2.conf"));
    world.open(&main, std::fs::read_to_string(&main).unwrap(), 2);
    let published = world.diagnostics_to_publish();
    let main_diagnostics = published
        .iter()
        .find(|(u, _, _)| u.to_file_path().unwrap() == main)
        .map(|p| p.1.len());
    assert_eq!(main_diagnostics, Some(0), "{published:?}");
}

#[test]
fn an_include_spelt_with_dot_dot_reads_the_open_buffer_and_publishes_under_its_name() {
    let dir = Dir::new(&[
        (
            "extensions.conf",
            "[a]\nexten => 1,1,Goto(b,1,1)\n#include \"sub/../b.conf\"\n",
        ),
        ("b.conf", "[b]\nexten => 1,1,Answer()\n"),
    ]);
    std::fs::create_dir_all(dir.file("sub")).unwrap();
    let mut world = World::new();
    world.set_folders(vec![dir.path.clone()]);
    let b = dir.file("b.conf");
    // The editor holds b.conf, changed: extension 1 is gone.
    world.open(&b, "[b]\nexten => 2,1,Answer()\n".into(), 1);
    let published = world.diagnostics_to_publish();
    let uris: Vec<String> = published
        .iter()
        .map(|(u, _, _)| u.as_str().to_string())
        .collect();
    assert!(uris.iter().all(|u| !u.contains("..")), "{uris:?}");
    let main = published
        .iter()
        .find(|(u, _, _)| u.to_file_path().unwrap() == dir.file("extensions.conf"))
        .expect("extensions.conf gets the finding");
    assert_eq!(main.1.len(), 1, "{:?}", main.1);
    assert_eq!(
        main.1[0].code,
        Some(ls::NumberOrString::String("DP320".into()))
    );
}

#[test]
fn a_buffer_never_saved_is_found_by_a_globbed_include() {
    let dir = Dir::new(&[(
        "extensions.conf",
        "[a]\nexten => 1,1,Goto(b,1,1)\n#include \"b*.conf\"\n",
    )]);
    let mut world = World::new();
    world.set_folders(vec![dir.path.clone()]);
    // b.conf exists only in the editor, opened before anything read the directory.
    world.open(
        &dir.file("b.conf"),
        "[b]\nexten => 1,1,Answer()\n".into(),
        1,
    );
    let main = dir.file("extensions.conf");
    world.open(&main, std::fs::read_to_string(&main).unwrap(), 1);
    let published = world.diagnostics_to_publish();
    assert!(
        published.iter().all(|(_, d, _)| d.is_empty()),
        "{published:?}"
    );
    // Closed without saving, it is gone again: the include matches no file, which Asterisk
    // refuses.
    world.close(&dir.file("b.conf"));
    let published = world.diagnostics_to_publish();
    let codes: Vec<_> = published
        .iter()
        .flat_map(|(_, d, _)| d.iter().map(|d| d.code.clone()))
        .collect();
    assert_eq!(codes, [Some(ls::NumberOrString::String("CFG107".into()))]);
}

#[test]
fn diagnostics_are_published_again_only_when_they_change() {
    let dir = Dir::new(&[("extensions.conf", "[a]\nexten => 1,1,Goto(b,1,1) ; to b\n")]);
    let mut world = World::new();
    world.set_folders(vec![dir.path.clone()]);
    let main = dir.file("extensions.conf");
    world.open(&main, std::fs::read_to_string(&main).unwrap(), 1);
    let messages = |published: Vec<(ls::Uri, Vec<ls::Diagnostic>, Option<i32>)>| {
        published
            .into_iter()
            .map(|(_, d, _)| d.into_iter().map(|d| d.message).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    };
    let first = messages(world.diagnostics_to_publish());
    assert_eq!(first.len(), 1);
    assert!(first[0][0].contains("`b`"), "{first:?}");
    // A comment changes, the findings stay: nothing is sent.
    edit(
        &mut world,
        &main,
        "[a]\nexten => 1,1,Goto(b,1,1) ; to c\n",
        2,
    );
    assert_eq!(
        messages(world.diagnostics_to_publish()),
        Vec::<Vec<String>>::new()
    );
    // The same finding about another context: only the message differs, and it is sent.
    edit(
        &mut world,
        &main,
        "[a]\nexten => 1,1,Goto(c,1,1) ; to c\n",
        3,
    );
    let third = messages(world.diagnostics_to_publish());
    assert_eq!(third.len(), 1);
    assert!(third[0][0].contains("`c`"), "{third:?}");
    // Fixed: an empty list is sent once.
    edit(
        &mut world,
        &main,
        "[a]\nexten => 1,1,Goto(a,1,1) ; to c\n",
        4,
    );
    assert_eq!(
        messages(world.diagnostics_to_publish()),
        vec![Vec::<String>::new()]
    );
    assert_eq!(
        messages(world.diagnostics_to_publish()),
        Vec::<Vec<String>>::new()
    );
}

/// The frames the server writes carry exactly the diagnostics of the analysis, converted and
/// serialized the plain way, however many of them are copied from the list before: after an
/// edit that changes one diagnostic, one that moves every line below it, and one that moves
/// them back.
#[test]
fn published_frames_are_the_analysis_serialized() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    let path = corpus
        .join("jbazanl__utp-issabel-asterisk/extensions_additional.conf")
        .canonicalize()
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let (line, set) = text
        .lines()
        .enumerate()
        .find_map(|(i, l)| Some((i as u32, l.strip_prefix("exten => ")?.find(",Set(")?)))
        .unwrap();
    let after_set = ls::Position::new(line, ("exten => ".len() + set + ",Set".len()) as u32);
    let mut world = World::new();
    world.open(&path, text.clone(), 1);
    let line_start = ls::Position::new(line, 0);
    let edits = [
        // Set → Sett: one diagnostic more on that line, the rest unchanged.
        (ls::Range::new(after_set, after_set), "t"),
        // Every line below moves down one.
        (ls::Range::new(line_start, line_start), "; a new line\n"),
        // And back up.
        (
            ls::Range::new(line_start, ls::Position::new(line + 1, 0)),
            "",
        ),
    ];
    let (converted, all) = assert_frame_is_the_analysis(&mut world, &path, "opened");
    assert_eq!(converted, all, "nothing to copy from at first");
    let mut converted_after = Vec::new();
    for (version, (range, new_text)) in edits.into_iter().enumerate() {
        let change = ls::TextDocumentContentChangeEvent {
            range: Some(range),
            range_length: None,
            text: new_text.into(),
        };
        let lines_before = world.database().lines_read();
        world.change(&path, vec![change], version as i32 + 2);
        converted_after.push(assert_frame_is_the_analysis(&mut world, &path, new_text));
        // Each edit reads one line again (or none, when a line goes), and copies every other
        // section of the file's 133 and every jump's resolution (the shape stays: the edits
        // change a priority's application, or only move lines).
        let read = world.database().lines_read() - lines_before;
        let reused = world.database().reused();
        assert!(read <= 1, "after {new_text:?}: {read} lines read");
        assert!(reused.sections >= 132, "after {new_text:?}: {reused:?}");
        assert!(reused.jumps > 10_000, "after {new_text:?}: {reused:?}");
    }
    // The misspelling converts the diagnostics of its own line only (one here); moving lines
    // converts those below the line (their ranges changed), never those above.
    let [(misspelt, _), (moved_down, all_down), (moved_up, all_up)] = converted_after[..] else {
        unreachable!()
    };
    assert_eq!(misspelt, 1);
    assert!(
        moved_down > 0 && moved_down < all_down,
        "{moved_down} of {all_down}"
    );
    assert!(moved_up > 0 && moved_up < all_up, "{moved_up} of {all_up}");
}

/// Publishes, and compares the frame for `path` with the analysis's diagnostics converted one
/// by one and serialized by serde; how many the publication converted, of how many (leaving
/// out those with related information, which are always converted).
fn assert_frame_is_the_analysis(
    world: &mut World,
    path: &std::path::Path,
    after: &str,
) -> (usize, usize) {
    let uri = ls::Uri::from_file_path(path).unwrap();
    let publications = world.publish();
    let publication = publications.iter().find(|p| p.uri == uri).unwrap();
    let analysis = world.analysis_for(path);
    let expected: Vec<ls::Diagnostic> =
        pbxc_lsp::features::diagnostics::convert_all(pbxc_lsp::convert::Encoding::Utf16, &analysis)
            .into_iter()
            .map(|(_, d)| d)
            .collect();
    assert!(
        expected.len() > 10_000,
        "after {after:?}: {}",
        expected.len()
    );
    let frame = &publication.frame;
    let body_at = frame.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let (header, body) = frame.split_at(body_at);
    assert_eq!(
        header,
        format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes()
    );
    let sent: serde_json::Value = serde_json::from_slice(body).unwrap();
    // Those pointing into other places are written afresh every time.
    let related = expected
        .iter()
        .filter(|d| d.related_information.is_some())
        .count();
    let counts = (publication.converted - related, expected.len() - related);
    let params = ls::PublishDiagnosticsParams {
        uri,
        diagnostics: expected,
        version: publication.version,
    };
    let plain = serde_json::json!({
        "jsonrpc": "2.0",
        "method": "textDocument/publishDiagnostics",
        "params": serde_json::to_value(params).unwrap(),
    });
    // Not assert_eq: a mismatch would print ten thousand diagnostics twice.
    assert!(
        sent == plain,
        "after {after:?}: the frame differs from the plain serialization"
    );
    counts
}

/// An analysis an edit replaced is freed once the next edit's analysis is computed: nothing
/// keeps the analyses of earlier edits alive.
#[test]
fn replaced_analyses_are_freed() {
    let dir = Dir::new(&[("extensions.conf", "[a]\nexten => 1,1,Goto(b,1,1)\n")]);
    let main = dir.file("extensions.conf");
    let mut world = World::new();
    world.open(&main, std::fs::read_to_string(&main).unwrap(), 1);
    world.publish();
    let mut replaced = Vec::new();
    for version in 2..6 {
        replaced.push(std::sync::Arc::downgrade(&world.analysis_for(&main)));
        edit(
            &mut world,
            &main,
            &format!("[a]\nexten => {version},1,Goto(b,1,1)\n"),
            version,
        );
        world.publish();
    }
    let latest = std::sync::Arc::downgrade(&world.analysis_for(&main));
    // All but the two latest are freed (on the database's dropper thread: wait for it).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while replaced[..replaced.len() - 1]
        .iter()
        .any(|w| w.strong_count() > 0)
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let alive: Vec<usize> = (0..replaced.len())
        .filter(|&i| replaced[i].strong_count() > 0)
        .collect();
    assert_eq!(
        alive,
        [replaced.len() - 1],
        "only the one before the latest"
    );
    assert!(latest.strong_count() > 0);
}

/// Lines of a dialplan with jumps, labels, globals, includes, shared contexts and comments:
/// what the memos of parsing, lowering and jump resolution depend on.
fn dialplan_line() -> impl proptest::strategy::Strategy<Value = &'static str> {
    proptest::sample::select(vec![
        "[globals]\n",
        "DEST=b\n",
        "DEST=c\n",
        "[a]\n",
        "[b]\n",
        "[c]\n",
        "exten => 1,1,NoOp(x)\n",
        "exten => 2,1(top),Answer()\n",
        " same => n,Goto(b,1,1)\n",
        " same => n,Goto(${DEST},2,top)\n",
        " same => n,Set(DEST=z)\n",
        " same => n,GotoIf($[1]?top:1)\n",
        " same => n,Dial(Local/2@c)\n",
        " same => n,Gosub(c,2,1)\n",
        "exten => _X.,1,Goto(a,${EXTEN},1)\n",
        "include => b\n",
        "include => a\n",
        "switch => IAX2/box\n",
        "; a comment\n",
        ";-- a block\n",
        "--;\n",
        "\n",
    ])
}

/// An edit: a range given by line and column (past the end clamps), and what replaces it.
fn range_edit() -> impl proptest::strategy::Strategy<Value = (u32, u32, u32, u32, String)> {
    use proptest::prelude::*;
    let piece = proptest::sample::select(vec![
        "",
        "x",
        "1",
        "2",
        "b",
        "c",
        ",",
        "(",
        ")",
        "(top)",
        "\n",
        " ",
        ";",
        ";--",
        "--;",
        "[a]\n",
        "exten => 3,1,Goto(a,1,1)\n",
        "Goto",
        "Set(DEST=",
        "${DEST}",
        "include => c\n",
    ]);
    (
        0u32..24,
        0u32..30,
        0u32..3,
        0u32..30,
        proptest::collection::vec(piece, 0..3).prop_map(|p| p.concat()),
    )
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

    /// Edits one after another, each reusing what the one before computed (lines read, sections
    /// lowered, jumps resolved, findings), find what a fresh server finds on the same text:
    /// the same diagnostics, in the same order, and the same jump targets.
    #[test]
    fn edits_one_after_another_find_what_a_fresh_server_finds(
        lines in proptest::collection::vec(dialplan_line(), 0..24),
        edits in proptest::collection::vec(range_edit(), 1..8),
    ) {
        let dir = Dir::new(&[("extensions.conf", "")]);
        let main = dir.file("extensions.conf");
        let mut world = World::new();
        world.set_folders(vec![dir.path.clone()]);
        let mut text = lines.concat();
        world.open(&main, text.clone(), 1);
        world.publish();
        let found = |world: &mut World| {
            let a = world.analysis_for(&main);
            let diagnostics =
                pbxc_lsp::features::diagnostics::convert_all(pbxc_lsp::convert::Encoding::Utf16, &a);
            let references: Vec<String> = a
                .dialplans
                .iter()
                .flat_map(|c| c.references.iter().map(|r| format!("{r:?}")))
                .collect();
            (format!("{diagnostics:?}"), references)
        };
        for (version, (line, column, lines_on, end_column, new_text)) in edits.into_iter().enumerate() {
            let change = ls::TextDocumentContentChangeEvent {
                range: Some(ls::Range::new(
                    ls::Position::new(line, column),
                    ls::Position::new(line + lines_on, end_column),
                )),
                range_length: None,
                text: new_text,
            };
            world.change(&main, vec![change], version as i32 + 2);
            world.publish();
            text = String::from_utf8(world.tree(&main).expect("the buffer's tree").text.to_vec()).expect("ASCII");
            let mut fresh = World::new();
            fresh.set_folders(vec![dir.path.clone()]);
            fresh.open(&main, text.clone(), 1);
            fresh.publish();
            proptest::prop_assert_eq!(found(&mut world), found(&mut fresh), "after edit {} of:\n{}", version, text);
        }
    }
}

/// A change to a document the editor never opened is not a buffer: nothing is parsed,
/// checked or published for it, and the disk's file keeps counting.
#[test]
fn a_change_to_a_document_never_opened_is_ignored() {
    let dir = Dir::new(&[("extensions.conf", "[a]\nexten => 1,1,NoOp()\n")]);
    let mut world = World::new();
    world.set_folders(vec![dir.path.clone()]);
    let main = dir.file("extensions.conf");
    world.open(&main, std::fs::read_to_string(&main).unwrap(), 1);
    world.diagnostics_to_publish();
    let counts = (
        world.database().parse_count(),
        world.database().analysis_count(),
    );
    let never_opened = dir.file("ghost.conf");
    edit(
        &mut world,
        &never_opened,
        "[ghost]\nexten => 1,1,Wat()\n",
        2,
    );
    let published = world.diagnostics_to_publish();
    let ghost = ls::Uri::from_file_path(&never_opened).unwrap();
    assert!(
        published.iter().all(|(uri, _, _)| *uri != ghost),
        "{published:?}"
    );
    assert_eq!(
        (
            world.database().parse_count(),
            world.database().analysis_count()
        ),
        counts
    );
    assert!(!world.database().is_open(&never_opened));
}

/// After the first analysis of a large root (its files 256 KB or more), the memory its first
/// edits will fill is touched before its diagnostics go out, in proportion to its size, so
/// that the first keystrokes do not take a page fault for every page they fill; a small root
/// is left alone, and a root's later analyses reuse what the ones before them freed.
#[test]
fn a_large_roots_first_analysis_touches_the_memory_its_edits_will_fill() {
    let small = Dir::new(&[("extensions.conf", "[a]\nexten => 1,1,NoOp()\n")]);
    let mut text = String::from("[big]\n");
    for n in 0.. {
        if text.len() >= 300 << 10 {
            break;
        }
        text.push_str(&format!("exten => {n},1,NoOp(filler)\n"));
    }
    let big = Dir::new(&[("extensions.conf", text.as_str())]);
    let mut world = World::new();

    let path = small.file("extensions.conf");
    world.open(&path, std::fs::read_to_string(&path).unwrap(), 1);
    world.diagnostics_to_publish();
    assert_eq!(world.prefaulted(), 0, "a small root");

    let path = big.file("extensions.conf");
    world.open(&path, text.clone(), 1);
    world.diagnostics_to_publish();
    let touched = world.prefaulted();
    assert!(
        touched >= 32 * text.len() && touched <= (64 + 4) << 20,
        "{touched} bytes for a {} byte root",
        text.len()
    );

    edit(&mut world, &path, &text.replace("filler", "changed"), 2);
    world.diagnostics_to_publish();
    assert_eq!(world.prefaulted(), touched, "only the first analysis");
}
