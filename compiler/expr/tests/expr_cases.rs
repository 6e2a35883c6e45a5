//! Every expression of ../shared/conformance/expr-cases.md through the parser: the ones
//! Asterisk logged a syntax error for fail here at the token bison named, the others parse.

use pbxc_expr::parse_expr;

struct Case {
    line: usize,
    expr: String,
    /// `Some(token)` when Asterisk logged a syntax error: the unexpected token as bison names
    /// it (`$end`, `<token>` for an operand, or the operator).
    syntax_error: Option<String>,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for row in pbxc_conformance::expressions::rows() {
        let (expr, warn) = (row.expr, row.warn);
        let syntax_error = warn.find("unexpected ").map(|k| {
            let rest = &warn[k + "unexpected ".len()..];
            let tok = match rest.strip_prefix('\'') {
                Some(quoted) => quoted.split('\'').next().unwrap_or(""),
                None => rest.split([',', ';']).next().unwrap_or("").trim(),
            };
            tok.replace("\\|", "|")
        });
        out.push(Case {
            line: row.line,
            expr,
            syntax_error,
        });
    }
    out
}

#[test]
fn syntax_errors_where_asterisk_logs_them_and_at_the_same_token() {
    let cases = cases();
    assert!(cases.len() > 350, "only {} cases read", cases.len());
    let mut failures = Vec::new();
    let mut errors = 0;
    for case in &cases {
        // `${...}` is substituted before Asterisk parses; what it parsed is not in the table.
        if case.expr.contains("${") {
            continue;
        }
        let parsed = parse_expr(case.expr.as_bytes());
        match (&case.syntax_error, &parsed.error) {
            (None, None) => {}
            (Some(tok), Some(err)) => {
                errors += 1;
                let got = &case.expr.as_bytes()[err.range.clone()];
                let same = match tok.as_str() {
                    "$end" => got.is_empty(),
                    "<token>" => !got.is_empty() && !b"|&=<>!+-*/%?:(),~".contains(&got[0]),
                    op => got == op.as_bytes(),
                };
                if !same {
                    failures.push(format!(
                        "line {}: `{}`: Asterisk stops at {tok}, we at `{}` ({})",
                        case.line,
                        case.expr,
                        String::from_utf8_lossy(got),
                        err.message
                    ));
                }
            }
            (None, Some(err)) => failures.push(format!(
                "line {}: `{}` parses in Asterisk; here: {} at {:?}",
                case.line, case.expr, err.message, err.range
            )),
            (Some(tok), None) => failures.push(format!(
                "line {}: `{}` is a syntax error in Asterisk (unexpected {tok}); it parses here",
                case.line, case.expr
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(errors >= 20, "only {errors} syntax-error rows checked");
}
