//! Tokens and trees of `$[...]` bodies, against spec §5.1–5.2.

use pbxc_expr::lexer::{Tok, tokens};
use pbxc_expr::parse_expr;

fn lex(body: &str) -> Vec<(Tok, String)> {
    tokens(body.as_bytes())
        .into_iter()
        .map(|t| (t.tok, body[t.start..t.end].to_string()))
        .collect()
}

fn tree(body: &str) -> String {
    let parsed = parse_expr(body.as_bytes());
    if let Some(e) = parsed.error {
        return format!("error at {:?}: {}", e.range, e.message);
    }
    parsed
        .expr
        .map_or("<empty>".into(), |e| e.sexp(body.as_bytes()))
}

#[test]
fn longest_match_makes_odd_numbers_words() {
    use Tok::*;
    let w = |s: &str| s.to_string();
    assert_eq!(lex("1e5"), [(Word, w("1e5"))]);
    assert_eq!(
        lex(".5 + 1"),
        [(Word, w(".5")), (Plus, w("+")), (Number, w("1"))]
    );
    assert_eq!(lex("5."), [(Word, w("5."))]);
    assert_eq!(lex("1.25"), [(Number, w("1.25"))]);
    assert_eq!(
        lex("2012-01-01"),
        [
            (Number, w("2012")),
            (Minus, w("-")),
            (Number, w("01")),
            (Minus, w("-")),
            (Number, w("01"))
        ]
    );
    assert_eq!(
        lex("SIP/100"),
        [(Word, w("SIP")), (Div, w("/")), (Number, w("100"))]
    );
}

#[test]
fn operators_take_the_longest_spelling() {
    use Tok::*;
    let ops: Vec<Tok> = lex("|| | && & == = =~ ~~ >= > <= < != ! :: : ?")
        .into_iter()
        .map(|t| t.0)
        .collect();
    assert_eq!(
        ops,
        [
            Or, Or, And, And, Eq, Eq, EqTilde, TildeTilde, Ge, Gt, Le, Lt, Ne, Compl, ColonColon,
            Colon, Cond
        ]
    );
}

#[test]
fn quotes_belong_to_the_value_and_strays_are_dropped() {
    use Tok::*;
    let w = |s: &str| s.to_string();
    assert_eq!(
        lex(r#""a b" = x"#),
        [(Quoted, w("\"a b\"")), (Eq, w("=")), (Word, w("x"))]
    );
    assert_eq!(
        lex("\"unterminated"),
        [(Dropped, w("\"")), (Word, w("unterminated"))]
    );
    assert_eq!(
        lex("[1]"),
        [(Dropped, w("[")), (Number, w("1")), (Dropped, w("]"))]
    );
    assert_eq!(lex("a$"), [(Word, w("a")), (Dropped, w("$"))]);
    assert_eq!(lex("$a"), [(Word, w("$a"))]);
}

#[test]
fn unsubstituted_variables_are_one_operand_with_what_sticks_to_them() {
    use Tok::*;
    let w = |s: &str| s.to_string();
    assert_eq!(
        lex("${X}abc${Y:1}-1"),
        [
            (Variable, w("${X}abc${Y:1}")),
            (Minus, w("-")),
            (Number, w("1"))
        ]
    );
    assert_eq!(
        lex("pre${A${B}}x = 1"),
        [
            (Variable, w("pre${A${B}}x")),
            (Eq, w("=")),
            (Number, w("1"))
        ]
    );
    assert_eq!(
        lex("\"${X}\" = \"\""),
        [(Quoted, w("\"${X}\"")), (Eq, w("=")), (Quoted, w("\"\""))]
    );
    // No end-of-file rule in flex's `var` state: the rest is lost.
    assert_eq!(
        lex("1 + ${X"),
        [(Number, w("1")), (Plus, w("+")), (Dropped, w("${X"))]
    );
}

#[test]
fn precedence_and_associativity_as_bison_resolves_them() {
    for (body, expected) in [
        ("", "<empty>"),
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("10 - 4 - 3", "(- (- 10 4) 3)"),
        ("1 ? 2 :: 0 ? 4 :: 5", "(? (? 1 2 0) 4 5)"),
        ("a ? b ? c :: d :: e", "(? a (? b c d) e)"),
        ("1 < 2 < 3", "(< (< 1 2) 3)"),
        ("a | b & c = d", "(| a (& b (= c d)))"),
        ("!1 + 1", "(+ (! 1) 1)"),
        ("--3", "(neg (neg 3))"),
        ("-!1", "(neg (! 1))"),
        ("!a : b", "(! (: a b))"),
        ("a : b : c", "(: (: a b) c)"),
        ("a : -b : c", "(: a (neg (: b c)))"),
        ("a : -b * c", "(* (: a (neg b)) c)"),
        ("1 ~~ 2 + 1", "(+ (~~ 1 2) 1)"),
        ("x =~ \"^a\"", "(=~ x \"^a\")"),
        ("ATAN2(1, 2)", "(ATAN2 1 2)"),
        ("F(a,)", "(F a <empty>)"),
        ("LEN(${X}) > 3", "(> (LEN ${X}) 3)"),
        ("(1 + 2) * 3", "(* (+ 1 2) 3)"),
    ] {
        assert_eq!(tree(body), expected, "{body}");
    }
}

#[test]
fn syntax_errors_point_at_the_token() {
    for (body, expected) in [
        (
            "1 ? 2",
            "error at 5..5: the expression ends too early; expected `::`",
        ),
        (
            "1 +",
            "error at 3..3: the expression ends too early; expected an operand",
        ),
        ("a b", "error at 2..3: unexpected operand `b`"),
        ("()", "error at 1..2: unexpected `)`; expected an operand"),
        ("F()", "error at 2..3: unexpected `)`; expected an operand"),
        (
            "1 ? (2 :: 3)",
            "error at 7..9: unexpected `::`; expected `)`",
        ),
        (
            "= foo",
            "error at 0..1: unexpected `=`; expected an operand",
        ),
    ] {
        assert_eq!(tree(body), expected, "{body}");
    }
}
