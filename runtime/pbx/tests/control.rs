//! Control commands never panic, whatever the line: words of the command vocabulary in any
//! order and number, and arbitrary text.

mod common;

use proptest::prelude::*;

const WORDS: &[&str] = &[
    "core",
    "show",
    "channels",
    "concise",
    "calls",
    "application",
    "function",
    "uptime",
    "dialplan",
    "reload",
    "globals",
    "channel",
    "originate",
    "request",
    "hangup",
    "all",
    "extension",
    "module",
    "load",
    "unload",
    "chan_local",
    "pbx_config",
    "help",
    "Local/1@in",
    "Local/",
    "Test/x/busy",
    "Nope/x",
    "1@in",
    "@",
    "Wait",
    "1",
    "",
    "in",
    "Playback",
    "Dial",
    "GLOBAL",
    "stop-not",
    "database",
    "put",
    "get",
    "del",
    "deltree",
    "showkey",
    "query",
    "\"",
    "\\",
    "CF",
    "group",
    "(",
];

fn pbx() -> &'static common::Fixture {
    static FIXTURE: std::sync::OnceLock<common::Fixture> = std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| common::fixture("control", "[in]\nexten => 1,1,Wait(0.05)\n"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn vocabulary_in_any_order_never_panics(words in proptest::collection::vec(0..WORDS.len(), 0..7)) {
        let line: Vec<&str> = words.iter().map(|&i| WORDS[i]).collect();
        let (answer, _) = pbx::control::run(&pbx().pbx, &line.join(" "));
        // Every answer is text ending a line, or nothing for an empty line.
        prop_assert!(answer.is_empty() || answer.ends_with('\n'), "{answer:?}");
    }

    #[test]
    fn arbitrary_text_never_panics(line in ".{0,200}") {
        let (answer, _) = pbx::control::run(&pbx().pbx, &line);
        prop_assert!(answer.is_empty() || answer.ends_with('\n'));
    }
}
