//! Every row of ../shared/conformance/expr-cases.md through the evaluator.
//!
//! - Section 1 (tests/test_expr.c) ran without a channel: its expectation is checked with no
//!   dialplan functions.
//! - Sections 2 and 3 have two oracle columns. *standalone* is `utils/check_expr2` (no
//!   channel, no dialplan functions, the body exactly as written): checked with
//!   [`NoFunctions`]. *live* is a running Asterisk evaluating `NoOp($[<expr>])`: the
//!   dialplan substitutes `${...}` and `$[...]` inside the body first, and dialplan
//!   functions exist. It is checked after the same substitution (the oracle channel's
//!   variables are those the rows reveal: `foo` is 123, everything else unset) with the
//!   functions the rows call ([`Live`]). The *warn* column (what the live run logged) is
//!   checked too: every `; `-separated item must appear in what the evaluator (and the
//!   functions, as Asterisk's would) logged, and a row without warnings must log none.
//!
//! A row that cannot pass is listed in [`SKIPPED`] with the reason; the test fails when a
//! listed row passes, so the list cannot go stale.

use pbxc_conformance::expressions::rows;
use pbxc_expr::eval::{Functions, NoFunctions, evaluate};
use pbxc_expr::template::{Piece, scan};

/// Rows that cannot pass, by expression and column.
const SKIPPED: &[(&str, Column, &str)] = &[
    (
        "ATAN(.912)",
        Column::Standalone,
        "undefined behaviour: `.912` is a string, and ATAN reads the string's heap pointer \
         as a long double (the table itself calls the value unspecified)",
    ),
    (
        "ATAN(.912)",
        Column::Live,
        "undefined behaviour: as the standalone column, with another heap address",
    ),
    (
        "MATH(3*9)",
        Column::Live,
        "undefined behaviour: MATH(27) fails (\"Supply all the parameters\") and returns -1 \
         without writing its buffer; ast_expr2 then reads op_func's uninitialised 512-byte \
         workspace, which happened to hold \"27\"",
    ),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    /// Section 1's `expected`, or sections 2–3's `standalone`.
    Standalone,
    Live,
}

/// The dialplan functions the live rows call, as Asterisk's implement them, logging what
/// they log.
#[derive(Default)]
struct Live {
    log: Vec<String>,
}

impl Functions for Live {
    fn call(&mut self, name: &[u8], args: &[u8]) -> Option<Vec<u8>> {
        let args = String::from_utf8_lossy(args);
        match name {
            // func_strings.c: the length of the argument.
            b"LEN" => Some(args.len().to_string().into_bytes()),
            // func_math.c acf_max_exec: `%d` when the maximum is integral.
            b"MAX" => {
                let mut nums = args.split(',').map(|a| a.trim().parse::<f64>());
                let (Some(Ok(a)), Some(Ok(b))) = (nums.next(), nums.next()) else {
                    return None;
                };
                let m = if a < b { b } else { a };
                Some(if m.fract() == 0.0 {
                    format!("{}", m as i64).into_bytes()
                } else {
                    format!("{m:.6}").into_bytes()
                })
            }
            // func_math.c math(): without an operator it only complains.
            b"MATH" => {
                let ops = ['*', '/', '%', '^', '>', '<', '=', '+', '-'];
                let body = args.split(',').next().unwrap_or("");
                let body = body.strip_prefix('-').unwrap_or(body);
                if !body.contains(ops) && !body.contains("AND") && !body.contains("OR") {
                    self.log
                        .push("Supply all the parameters - just this once, please".into());
                }
                None
            }
            _ => None,
        }
    }
}

/// What the dialplan does to `NoOp(...)` data before the expression parser sees it: every
/// `${name}` becomes the variable's value (`foo` is 123 on the oracle's channel; others are
/// unset), every `$[...]` its value.
fn substitute(text: &[u8], functions: &mut Live) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in scan(text).pieces {
        match piece {
            Piece::Text(r) => out.extend_from_slice(&text[r]),
            Piece::Substitution(e) => {
                let name = substitute(&text[e.body], functions);
                if name == b"foo" {
                    out.extend_from_slice(b"123");
                }
            }
            Piece::Expression(e) => {
                let body = substitute(&text[e.body], functions);
                out.extend(evaluate(&body, functions).value);
            }
        }
    }
    out
}

#[test]
fn every_row_of_the_conformance_table() {
    let rows = rows();
    assert!(rows.len() > 400, "only {} rows read", rows.len());
    let mut failures = Vec::new();
    let mut stale_skips = Vec::new();
    let mut checked = 0;
    let mut skipped = 0;
    for row in &rows {
        let mut columns = vec![(Column::Standalone, &row.standalone)];
        if let Some(live) = &row.live {
            columns.push((Column::Live, live));
        }
        for (column, expected) in columns {
            let (value, problems) = match column {
                Column::Standalone => {
                    let got = evaluate(row.expr.as_bytes(), &mut NoFunctions);
                    (got.value, Vec::new())
                }
                Column::Live => {
                    let mut functions = Live::default();
                    let body = substitute(row.expr.as_bytes(), &mut functions);
                    let got = evaluate(&body, &mut functions);
                    let mut logged = got.warnings;
                    logged.extend(functions.log);
                    (got.value, warning_problems(&row.warn, &logged))
                }
            };
            let value = String::from_utf8_lossy(&value).into_owned();
            let passes = value == *expected && problems.is_empty();
            let skip = SKIPPED
                .iter()
                .find(|(expr, col, _)| *expr == row.expr && *col == column);
            match (skip, passes) {
                (Some(_), true) => stale_skips.push(format!(
                    "line {}: `{}` ({column:?}) passes now: remove it from SKIPPED",
                    row.line, row.expr
                )),
                (Some(_), false) => skipped += 1,
                (None, true) => checked += 1,
                (None, false) => failures.push(format!(
                    "line {}: `{}` ({column:?}): expected `{expected}`, got `{value}`{}",
                    row.line,
                    row.expr,
                    problems
                        .iter()
                        .map(|p| format!("\n    {p}"))
                        .collect::<String>()
                )),
            }
        }
    }
    for (expr, column, _) in SKIPPED {
        let listed = rows.iter().any(|r| r.expr == *expr);
        assert!(
            listed,
            "SKIPPED names `{expr}` ({column:?}), not in the table"
        );
    }
    assert!(
        failures.is_empty() && stale_skips.is_empty(),
        "{} failing, {} stale skips:\n{}\n{}",
        failures.len(),
        stale_skips.len(),
        failures.join("\n"),
        stale_skips.join("\n")
    );
    eprintln!(
        "{} rows: {checked} checks pass, {skipped} skipped",
        rows.len()
    );
    assert_eq!(skipped, SKIPPED.len());
    assert!(checked > 700, "only {checked} checks");
}

/// What is wrong with the logged warnings against the table's warn cell.
fn warning_problems(cell: &str, logged: &[String]) -> Vec<String> {
    let all = logged.join("; ");
    if cell.is_empty() {
        return if logged.is_empty() {
            Vec::new()
        } else {
            vec![format!("logged {logged:?}, the table lists no warning")]
        };
    }
    cell.split("; ")
        .filter(|item| !all.contains(item.trim()))
        .map(|item| format!("warning `{item}` not logged; logged {logged:?}"))
        .collect()
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    struct Echo;
    impl Functions for Echo {
        fn call(&mut self, _name: &[u8], args: &[u8]) -> Option<Vec<u8>> {
            (!args.len().is_multiple_of(3)).then(|| args.to_vec())
        }
    }

    fn soup() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "0",
            "1",
            "007",
            "1.5",
            "9223372036854775808",
            "abc",
            "x",
            "\"\"",
            "\"a b\"",
            "\"(a)\"",
            "${a}",
            "x${a}y",
            "COS",
            "ATAN2",
            "LEN",
            "cos",
            "|",
            "&",
            "=",
            "!=",
            "<",
            ">=",
            "+",
            "-",
            "*",
            "/",
            "%",
            "!",
            "?",
            "::",
            ":",
            "=~",
            "~~",
            ",",
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            "~",
            "\"",
            "$",
            " ",
            "  ",
            "\t",
            "\u{e9}",
            "\"^(a|b)*$\"",
            "\"[[:alpha:]\"",
            "\"(x)?\\\\1\"",
            "\"a{2,3}\"",
        ]);
        prop::collection::vec(pieces, 0..24).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn on_token_soup(body in soup()) {
            let e = evaluate(body.as_bytes(), &mut Echo);
            let e2 = evaluate(body.as_bytes(), &mut Echo);
            prop_assert_eq!(e, e2);
        }

        #[test]
        fn on_any_bytes(body in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = evaluate(&body, &mut NoFunctions);
        }
    }
}
