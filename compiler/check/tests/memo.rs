//! The step memo changes nothing: over every dialplan of the corpus, a check that reuses
//! remembered findings reports exactly what a fresh check reports, in the same order, with
//! the same places — cold, warm, and after an edit that moves every line of the file.

use std::path::Path;

use pbxc_config::fixture::{among_neighbours, corpus_dialplans};
use pbxc_config::{LoadOptions, Session};

/// Checks `text` as `name` of `dir` (its other files beside it); the findings as text.
fn check(dir: &Path, name: &str, text: &[u8], memo: Option<&pbxc_check::StepMemo>) -> Vec<String> {
    let fs = among_neighbours(dir, name, text);
    let mut session = Session::new(&fs, LoadOptions::etc_asterisk());
    let Ok(config) = session.load(name) else {
        return Vec::new();
    };
    let (plan, _) = pbxc_dialplan::lower(&config, session.sources());
    let input = pbxc_check::Input {
        plan: &plan,
        sources: session.sources(),
        target: pbxc_check::Target::Asterisk(22),
        endpoints: None,
        voicemail: None,
        complete: true,
    };
    let (diagnostics, references) = pbxc_check::check_with_memo(&input, memo);
    diagnostics
        .iter()
        .map(|d| format!("{d:?}"))
        .chain(references.iter().map(|r| format!("{r:?}")))
        .collect()
}

#[test]
fn remembered_findings_are_the_findings() {
    let files = corpus_dialplans();
    assert!(files.len() > 20, "the corpus has its dialplans");
    let memo = pbxc_check::StepMemo::new();
    let (mut compared, mut jumps_copied) = (0, 0);
    for path in files {
        let dir = path.parent().unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read(&path).unwrap();
        let fresh = check(dir, &name, &text, None);
        assert_eq!(
            check(dir, &name, &text, Some(&memo)),
            fresh,
            "cold: {}",
            path.display()
        );
        assert_eq!(
            check(dir, &name, &text, Some(&memo)),
            fresh,
            "warm: {}",
            path.display()
        );
        jumps_copied += memo.jumps_reused();
        assert!(fresh.is_empty() || !memo.is_empty(), "the memo remembers");
        // A line added at the top moves everything: remembered findings must move with it.
        let mut moved = b"; a new first line\n".to_vec();
        moved.extend_from_slice(&text);
        let fresh_moved = check(dir, &name, &moved, None);
        assert_eq!(
            check(dir, &name, &moved, Some(&memo)),
            fresh_moved,
            "moved: {}",
            path.display()
        );
        compared += fresh.len();
    }
    assert!(
        compared > 10_000,
        "the corpus gives findings to compare ({compared})"
    );
    assert!(
        jumps_copied > 10_000,
        "warm checks copy the jumps' resolutions ({jumps_copied})"
    );
}

/// Findings of priorities that share an entry but not their places: the same application
/// written with and without a blank before `(`, and lines that move by different amounts.
#[test]
fn priorities_sharing_a_memo_entry_get_their_own_places() {
    let dir = std::env::temp_dir().join(format!("pbxc-memo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let first = "[c]\nexten => 1,1,Playbak (x)\nexten => 2,1,Playbak(x)\nexten => 3,1,Playbak  (x)\nexten => 4,1,Dail(${EXTEN)\n";
    // The same priorities again in another order, with lines of other lengths before them.
    let second = "[c]\n; a comment\nexten => 3,1,Playbak  (x)\nexten   =>   2,1,Playbak(x)\nexten => 4,1,Dail(${EXTEN)\nexten => 1,1,Playbak (x)\n";
    let memo = pbxc_check::StepMemo::new();
    for text in [first, second, first] {
        let fresh = check(&dir, "extensions-memo-test.conf", text.as_bytes(), None);
        assert!(fresh.len() >= 4, "{fresh:#?}");
        assert_eq!(
            check(
                &dir,
                "extensions-memo-test.conf",
                text.as_bytes(),
                Some(&memo)
            ),
            fresh
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// What a check did not use stops counting as remembered when it ends (it is dropped later,
/// see the next test), and what it used is kept.
#[test]
fn what_a_check_does_not_use_stops_counting() {
    let dir = std::env::temp_dir().join(format!("pbxc-memo-forget-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let name = "extensions-memo-forget.conf";
    let a = "[c]\nexten => 1,1,NoOp(a)\nexten => 2,1,NoOp(b)\nexten => 3,1,NoOp(c)\n";
    let b = "[c]\nexten => 1,1,NoOp(a)\nexten => 2,1,Wait(1)\n";
    let memo = pbxc_check::StepMemo::new();
    check(&dir, name, a.as_bytes(), Some(&memo));
    assert_eq!(memo.len(), 3);
    check(&dir, name, b.as_bytes(), Some(&memo));
    assert_eq!(
        memo.len(),
        2,
        "NoOp(b) and NoOp(c) no longer count, Wait(1) is new"
    );
    assert_eq!(memo.held(), 4, "held until they outnumber the rest");
    // Checked again, the same text keeps the same entries.
    check(&dir, name, b.as_bytes(), Some(&memo));
    assert_eq!(memo.len(), 2);
    check(&dir, name, a.as_bytes(), Some(&memo));
    assert_eq!(memo.len(), 3);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Checks of ever new dialplans: entries no check uses any more are dropped once they
/// outnumber the remembered ones, so the memo stays within two dialplans' worth.
#[test]
fn unused_entries_are_dropped_once_they_outnumber_the_rest() {
    let dir = std::env::temp_dir().join(format!("pbxc-memo-drop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let name = "extensions-memo-drop.conf";
    let memo = pbxc_check::StepMemo::new();
    let mut most = 0;
    for round in 0..6 {
        let mut text = String::from("[c]\n");
        for n in 0..1500 {
            text.push_str(&format!("exten => {n},1,NoOp({round}-{n})\n"));
        }
        check(&dir, name, text.as_bytes(), Some(&memo));
        assert_eq!(memo.len(), 1500);
        // Unused entries are dropped once they outnumber the remembered (or 1024).
        assert!(memo.held() <= 2 * 1500, "{}", memo.held());
        most = most.max(memo.held());
    }
    assert!(
        most > 1500,
        "unused entries wait a while before they are dropped"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Jump resolutions are remembered for dialplans of the same shape; edits one after another
/// that change what a jump reaches without touching the jump itself (a label renamed, a
/// global assigned on the channel, a global's value, an include, a context's switch) are
/// resolved again, and the findings equal a fresh check's after each.
#[test]
fn jumps_are_resolved_again_when_what_they_reach_changes() {
    let dir = std::env::temp_dir().join(format!("pbxc-memo-jumps-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let name = "extensions-memo-jumps.conf";
    let base = "[globals]\nDEST=b\n[a]\nexten => 1,1,Set(OTHER=1)\n same => n,Goto(b,1,top)\n same => n,Goto(${DEST},1,1)\n same => n,Dial(Local/1@b&Local/2@c)\n same => n,Goto(c,9,1)\n same => n,BackGround(x,,,c)\n same => n,Goto(a,2,1)\n same => n,Goto(c,2,1)\ninclude => c\n[b]\nexten => 1,1(top),NoOp()\n[c]\nexten => 2,1,NoOp()\n";
    let steps: &[(&str, &str)] = &[
        ("the label a Goto names is renamed", "1,1(top)"),
        (
            "the global a Goto folds is assigned on the channel",
            "Set(OTHER=1)",
        ),
        ("the global's value names another context", "DEST=b"),
        (
            "the include names a context that does not exist",
            "include => c",
        ),
        ("the context a Goto looks in gets a switch", "[c]\n"),
        ("the extension a Goto names is renamed", "exten => 2,1"),
        ("a context is renamed", "[c]\n"),
        ("the priority a Goto names is renumbered", "exten => 2,1"),
    ];
    let replacements = [
        "1,1(tip)",
        "Set(DEST=1)",
        "DEST=nowhere",
        "include => d",
        "[c]\nswitch => IAX2/box\n",
        "exten => 9,1",
        "[cc]\n",
        "exten => 2,2",
    ];
    let memo = pbxc_check::StepMemo::new();
    let mut texts = vec![base.to_string()];
    for ((what, from), to) in steps.iter().zip(replacements) {
        assert!(base.contains(from), "{what}");
        texts.push(base.replacen(from, to, 1));
        texts.push(base.to_string());
    }
    let original = check(&dir, name, base.as_bytes(), None);
    let mut same = Vec::new();
    // The priorities of [a] that name places: five Gotos, the Dial and the BackGround.
    let jumps = 7;
    for (i, text) in texts.iter().enumerate() {
        let fresh = check(&dir, name, text.as_bytes(), None);
        if i % 2 == 1 && fresh == original {
            same.push(steps[i / 2].0);
        }
        assert_eq!(
            check(&dir, name, text.as_bytes(), Some(&memo)),
            fresh,
            "text {i}:\n{text}"
        );
        // Each text has another shape than the one before: every jump is resolved afresh.
        assert_eq!(memo.jumps_reused(), 0, "text {i}:\n{text}");
    }
    // The same text again copies every resolution.
    check(&dir, name, base.as_bytes(), Some(&memo));
    assert_eq!(memo.jumps_reused(), jumps);
    // Each change changes the findings (else the test would not test the memo).
    assert!(same.is_empty(), "{same:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
