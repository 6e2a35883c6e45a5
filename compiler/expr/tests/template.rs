//! Scanning `${...}`/`$[...]` in application data, spec §4.2–4.3.

use pbxc_expr::template::{Piece, Reference, Template, reference, scan};
use proptest::prelude::*;

/// `text|${body}|$[body]` with `!` after an unterminated one.
fn shape(text: &str, t: &Template) -> String {
    let mut out = String::new();
    for p in &t.pieces {
        if !out.is_empty() {
            out.push('|');
        }
        match p {
            Piece::Text(r) => out.push_str(&text[r.clone()]),
            Piece::Substitution(e) | Piece::Expression(e) => {
                let dollar = if matches!(p, Piece::Substitution(_)) {
                    "${"
                } else {
                    "$["
                };
                out.push_str(&format!("{dollar}{}", shape(text, &e.inner)));
                out.push_str(if e.closed { "}" } else { "!" });
            }
        }
    }
    out
}

#[test]
fn brackets_are_counted_and_a_lone_dollar_is_text() {
    for (text, expected) in [
        ("plain", "plain"),
        ("a${foo}b", "a|${foo}|b"),
        ("$${foo}", "$|${foo}"),
        ("$$[1+1]", "$|$[1+1}"),
        ("${${bar}}", "${${bar}}"),
        ("${a{b}c}", "${a{b}c}"),
        ("$[${a}+1]", "$[${a}|+1}"),
        ("$[ARR[1]]x", "$[ARR[1]}|x"),
        ("\\${foo}", "\\|${foo}"),
        ("${foo", "${foo!"),
        ("x$[1 + (2", "x|$[1 + (2!"),
        ("$", "$"),
        ("$x${", "$x|${!"),
    ] {
        assert_eq!(shape(text, &scan(text.as_bytes())), expected, "{text}");
    }
}

#[test]
fn a_body_with_a_parenthesis_is_a_function_call() {
    let show = |text: &str| {
        let t = scan(text.as_bytes());
        let Piece::Substitution(e) = &t.pieces[0] else {
            panic!("{text}")
        };
        match reference(text.as_bytes(), e.body.clone()) {
            Reference::Variable { name, substring } => {
                format!("var {} {:?}", &text[name], substring.map(|r| &text[r]))
            }
            Reference::Function {
                name,
                args,
                substring,
            } => format!(
                "call {}({}) {:?}",
                &text[name],
                &text[args],
                substring.map(|r| &text[r])
            ),
        }
    };
    assert_eq!(show("${foo}"), "var foo None");
    assert_eq!(show("${foo:1:-1}"), "var foo Some(\"1:-1\")");
    assert_eq!(show("${CALLERID(num)}"), "call CALLERID(num) None");
    assert_eq!(show("${CALLERID(num):1}"), "call CALLERID(num) Some(\"1\")");
    assert_eq!(show("${IF($[1]?a:b)}"), "call IF($[1]?a:b) None");
    assert_eq!(show("${CUT(x,:,1)}"), "call CUT(x,:,1) None");
    assert_eq!(show("${F(a(b)c)}"), "call F(a(b)c) None");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Pieces tile the text in order and nested bodies stay inside their parent.
    #[test]
    fn pieces_tile_the_text(text in "[a-z${}\\[\\]()$ ]{0,40}") {
        fn check(t: &Template, start: usize, end: usize) {
            let mut at = start;
            for p in &t.pieces {
                match p {
                    Piece::Text(r) => { assert_eq!(r.start, at); at = r.end; }
                    Piece::Substitution(e) | Piece::Expression(e) => {
                        assert_eq!(e.range.start, at);
                        assert_eq!(e.body.start, at + 2);
                        assert!(e.body.end <= e.range.end);
                        check(&e.inner, e.body.start, e.body.end);
                        at = e.range.end;
                    }
                }
            }
            assert_eq!(at, end);
        }
        let t = scan(text.as_bytes());
        check(&t, 0, text.len());
    }

    /// The parser never panics, and the lexer's tokens are ordered and inside the body.
    #[test]
    fn expressions_never_panic(body in proptest::collection::vec(any::<u8>(), 0..60)) {
        let toks = pbxc_expr::lexer::tokens(&body);
        let mut at = 0;
        for t in &toks {
            prop_assert!(t.start >= at && t.end > t.start && t.end <= body.len());
            at = t.end;
        }
        let parsed = pbxc_expr::parse_expr(&body);
        if let Some(e) = parsed.error {
            prop_assert!(e.range.end <= body.len());
        }
    }

    #[test]
    fn operator_soup_never_panics(body in "[-+*/%!?:=<>|&(),~ a1\"${}]{0,30}") {
        let parsed = pbxc_expr::parse_expr(body.as_bytes());
        if let Some(e) = parsed.expr {
            prop_assert!(e.range().end <= body.len());
        }
    }
}
