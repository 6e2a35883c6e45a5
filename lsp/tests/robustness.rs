//! Never a panic on input: random buffers, random edits (positions anywhere, past the end
//! included) and every request at random positions, through the same code the protocol layer
//! calls.

mod support;

use pbxc_lsp::World;
use pbxc_lsp::features::{actions, completion, format, hover, navigation, symbols, tokens};
use proptest::prelude::*;
use support::Dir;
use tower_lsp_server::ls_types as ls;

/// Pieces that make dialplan-like text, with the awkward bytes among them.
fn text() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "[ctx]\n",
        "[a](+)\n",
        "[t](!)\n",
        "exten => ",
        "same => n",
        "include => ctx\n",
        "_X.",
        "_[2,3]",
        "1",
        ",",
        "(",
        ")",
        "(lbl)",
        "Goto(ctx,s,lbl)",
        "Dial(Local/1@ctx)",
        "Macro(m,1)",
        "NoOp (x)",
        "${",
        "}",
        "$[",
        "]",
        "EXTEN",
        "CALLERID(num)",
        ";",
        ";--",
        "--;",
        "\\;",
        "#include \"x.conf\"\n",
        "#exec ls\n",
        "\n",
        "\r\n",
        " ",
        "é",
        "𝄞",
        "\u{0}",
        "=",
        "=>",
        "type=endpoint\n",
        "context=ctx\n",
    ]);
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

#[derive(Debug, Clone)]
enum Op {
    Edit {
        from: (u32, u32),
        to: (u32, u32),
        text: String,
    },
    Replace(String),
    /// pjsip.conf's buffer replaced.
    ReplaceOther(String),
    /// extensions.conf closed (the disk's version counts), then opened again.
    CloseAndReopen(String),
    Hover(u32, u32),
    Definition(u32, u32),
    References(u32, u32),
    Completion(u32, u32),
    Rename(u32, u32, String),
    Actions((u32, u32), (u32, u32)),
    Symbols,
    Tokens,
    Format,
}

fn position() -> impl Strategy<Value = (u32, u32)> {
    (0u32..30, prop_oneof![0u32..40, Just(u32::MAX)])
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (position(), position(), text()).prop_map(|(from, to, text)| Op::Edit { from, to, text }),
        text().prop_map(Op::Replace),
        text().prop_map(Op::ReplaceOther),
        text().prop_map(Op::CloseAndReopen),
        position().prop_map(|(l, c)| Op::Hover(l, c)),
        position().prop_map(|(l, c)| Op::Definition(l, c)),
        position().prop_map(|(l, c)| Op::References(l, c)),
        position().prop_map(|(l, c)| Op::Completion(l, c)),
        (position(), "[a-z,() ]{0,8}").prop_map(|((l, c), n)| Op::Rename(l, c, n)),
        (position(), position()).prop_map(|(a, b)| Op::Actions(a, b)),
        Just(Op::Symbols),
        Just(Op::Tokens),
        Just(Op::Format),
    ]
}

fn pos((line, character): (u32, u32)) -> ls::Position {
    ls::Position::new(line, character)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn no_input_makes_the_server_panic(first in text(), second in text(), ops in prop::collection::vec(op(), 1..12)) {
        let dir = Dir::new(&[("x.conf", "exten => 1,1,NoOp()\n"), ("pjsip.conf", "[e]\ntype=endpoint\ncontext=ctx\n")]);
        let mut world = World::new();
        world.set_folders(vec![dir.path.clone()]);
        let main = dir.file("extensions.conf");
        let other = dir.file("pjsip.conf");
        world.open(&main, first, 1);
        world.open(&other, second, 1);
        let _ = world.diagnostics_to_publish();
        let uri = ls::Uri::from_file_path(&main).unwrap();
        for (version, op) in ops.into_iter().enumerate() {
            let version = version as i32 + 2;
            match op {
                Op::Edit { from, to, text } => world.change(&main, vec![ls::TextDocumentContentChangeEvent {
                    range: Some(ls::Range::new(pos(from), pos(to))), range_length: None, text,
                }], version),
                Op::Replace(text) => world.change(&main, vec![ls::TextDocumentContentChangeEvent {
                    range: None, range_length: None, text,
                }], version),
                Op::ReplaceOther(text) => world.change(&other, vec![ls::TextDocumentContentChangeEvent {
                    range: None, range_length: None, text,
                }], version),
                Op::CloseAndReopen(text) => {
                    world.close(&main);
                    let _ = world.diagnostics_to_publish();
                    world.open(&main, text, version);
                }
                Op::Hover(l, c) => { hover::hover(&mut world, &uri, pos((l, c))); }
                Op::Definition(l, c) => { navigation::definition(&mut world, &uri, pos((l, c))); }
                Op::References(l, c) => { navigation::references(&mut world, &uri, pos((l, c)), true); }
                Op::Completion(l, c) => { completion::completion(&mut world, &uri, pos((l, c))); }
                Op::Rename(l, c, name) => {
                    navigation::prepare_rename(&mut world, &uri, pos((l, c)));
                    let _ = navigation::rename(&mut world, &uri, pos((l, c)), &name);
                }
                Op::Actions(a, b) => { actions::code_actions(&mut world, &uri, ls::Range::new(pos(a), pos(b))); }
                Op::Symbols => {
                    symbols::document_symbols(&mut world, &uri);
                    symbols::workspace_symbols(&mut world, "", std::slice::from_ref(&main));
                }
                Op::Tokens => { tokens::semantic_tokens(&mut world, &uri); }
                Op::Format => { format::formatting(&mut world, &uri); }
            }
            let _ = world.diagnostics_to_publish();
        }
    }
}
