//! Lowering with a memo changes nothing: over every dialplan of the corpus, a lowering that
//! reuses the sections of the one before gives exactly the dialplan and findings of a fresh
//! one, cold, warm, after a line added at the top (every section moves), after a line of a
//! section changes, and after a section's context gains a second section.

use std::path::Path;

use pbxc_config::fixture::{among_neighbours, corpus_dialplans};
use pbxc_config::{LoadOptions, Session};
use pbxc_dialplan::LowerMemo;

/// Lowers `text` as `name` of `dir` (its other files beside it), with `memo` or without; the
/// dialplan and findings as text (`None`: the file does not load).
fn lower(dir: &Path, name: &str, text: &[u8], memo: Option<&LowerMemo>) -> Option<String> {
    let fs = among_neighbours(dir, name, text);
    let mut session = Session::new(&fs, LoadOptions::etc_asterisk());
    let config = session.load(name).ok()?;
    Some(match memo {
        Some(memo) => {
            let (plan, diagnostics) = memo.lower(config, session.sources());
            format!("{plan:#?}\n{diagnostics:#?}")
        }
        None => {
            let (plan, diagnostics) = pbxc_dialplan::lower(&config, session.sources());
            format!("{plan:#?}\n{diagnostics:#?}")
        }
    })
}

/// The text with the line holding its middle byte changed: `exten => …` gets a longer
/// application data, anything else a comment.
fn middle_line_changed(text: &[u8]) -> Vec<u8> {
    let middle = text.len() / 2;
    let start = text[..middle]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = text[middle..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(text.len(), |i| middle + i);
    let line = &text[start..end];
    let changed: Vec<u8> = match line.iter().rposition(|&b| b == b')') {
        Some(close)
            if line.starts_with(b"exten") || line.trim_ascii_start().starts_with(b"same") =>
        {
            [&line[..close], b"-and-more", &line[close..]].concat()
        }
        _ => [line, b" ; changed"].concat(),
    };
    [&text[..start], &changed[..], &text[end..]].concat()
}

#[test]
fn remembered_sections_are_the_sections() {
    let files = corpus_dialplans();
    assert!(files.len() > 20, "the corpus has its dialplans");
    let memo = LowerMemo::new();
    let (mut reused, mut files_reusing, mut loaded) = (0, 0, 0);
    for path in files {
        let dir = path.parent().unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read(&path).unwrap();
        let first_context = String::from_utf8_lossy(&text)
            .lines()
            .filter_map(|l| l.trim().strip_prefix('['))
            .filter_map(|l| l.split(']').next())
            .find(|n| !n.eq_ignore_ascii_case("general") && !n.eq_ignore_ascii_case("globals"))
            .map(str::to_string);
        let mut versions = vec![
            ("cold", text.clone()),
            ("warm", text.clone()),
            ("moved", [&b"; a new first line\n"[..], &text].concat()),
            ("changed", middle_line_changed(&text)),
        ];
        if let Some(ctx) = first_context {
            let more = format!("\n[{ctx}]\nexten => 1,1,NoOp(again)\n");
            versions.push(("shared", [&text[..], more.as_bytes()].concat()));
        }
        versions.push(("back", text.clone()));
        let mut counts = Vec::new();
        for (what, version) in versions {
            let fresh = lower(dir, &name, &version, None);
            loaded += usize::from(fresh.is_some());
            assert!(
                lower(dir, &name, &version, Some(&memo)) == fresh,
                "{what}: {}",
                path.display()
            );
            counts.push((what, memo.reused()));
        }
        // Sections are reused whenever their lines are as before, wherever they moved; a
        // changed line costs its own section only.
        let count = |name: &str| counts.iter().find(|(w, _)| *w == name).map(|c| c.1);
        let warm = count("warm").unwrap_or(0);
        assert_eq!(count("cold"), Some(0), "{}", path.display());
        assert_eq!(count("moved"), Some(warm), "{}", path.display());
        assert!(
            count("changed").unwrap_or(0) + 1 >= warm,
            "{}",
            path.display()
        );
        reused += warm;
        files_reusing += usize::from(warm > 0);
    }
    assert!(loaded > 100, "{loaded} versions loaded");
    assert!(reused > 300, "sections were reused: {reused}");
    assert!(files_reusing > 15, "{files_reusing} files reused sections");
}

/// Edits one after another to what a section's lowering reads besides its own lines: the
/// globals its names are substituted with, and whether another section shares its context.
/// Each lowering equals a fresh one, and sections are reused only where nothing they read
/// changed.
#[test]
fn a_section_is_lowered_again_when_what_it_reads_changes() {
    let dir = std::env::temp_dir().join(format!("pbxc-lower-memo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let name = "extensions-lower-memo.conf";
    let base = "[globals]\nX=1\n[a]\nexten => ${X},1,NoOp(a)\ninclude => b\n[b]\nexten => 2,1,Goto(a,${X},1)\n";
    let steps: &[(&str, &str, usize)] = &[
        // (text, then how many sections the lowering reuses)
        ("", "", 2),
        ("X=1", "X=2", 0),
        ("", "", 0),
        ("[b]\n", "[a]\nexten => 9,1,NoOp()\n[b]\n", 1),
        ("", "", 1),
        ("exten => 2,1", "exten => 3,1", 1),
    ];
    let memo = LowerMemo::new();
    lower(&dir, name, base.as_bytes(), Some(&memo));
    for (i, (from, to, reused)) in steps.iter().enumerate() {
        let text = base.replacen(from, to, 1);
        assert_eq!(
            lower(&dir, name, text.as_bytes(), Some(&memo)),
            lower(&dir, name, text.as_bytes(), None),
            "step {i}"
        );
        assert_eq!(memo.reused(), *reused, "step {i}: {text}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A memo made to free elsewhere hands over, at each lowering, the configuration it read and
/// the lowering it replaced, and lowers as a plain memo does.
#[test]
fn a_memo_hands_what_it_is_done_with_to_its_freer() {
    // No neighbours: a directory that does not exist.
    let dir = Path::new("/nonexistent/pbxc-memo-test");
    let handed = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = handed.clone();
    let freeing = LowerMemo::freeing_with(Box::new(move |old| {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        drop(old);
    }));
    let plain = LowerMemo::new();
    let text = b"[a]\nexten => 1,1,NoOp(x)\n[b]\nexten => s,1,Goto(a,1,1)\n";
    for (round, text) in [
        &text[..],
        &text[..],
        b"; moved\n[a]\nexten => 1,1,NoOp(y)\n",
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(
            lower(dir, "extensions.conf", text, Some(&freeing)),
            lower(dir, "extensions.conf", text, Some(&plain)),
            "round {round}"
        );
        assert_eq!(
            handed.load(std::sync::atomic::Ordering::Relaxed),
            2 * (round + 1),
            "round {round}: the configuration and the lowering before"
        );
    }
}
