//! Every row of `shared/conformance/expr-cases.md` as a dialplan runs it: `NoOp($[<expr>])`
//! in a call, on both engines, the printed result and what the call logged.
//!
//! Sections 2 and 3 are checked against their *live* column (a running Asterisk evaluating
//! `NoOp($[<expr>])`, the channel's `foo` being 123) and their *warn* column: every
//! `; `-separated item must be in the call's log, and a row without warnings logs none.
//! Section 1 (tests/test_expr.c, no channel) is checked against its expectation where the
//! dialplan gives the expression as written. `compiler/expr/tests/eval.rs` holds the
//! evaluator alone to the same rows and to the *standalone* column.
//!
//! The JIT engine runs each call three times on one engine, so that the later calls run what
//! the first ones compiled.

use pbx_engine::{Call, Engine, SimulatedChannel};
use pbxc_conformance::expressions::rows;

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::engines;

/// Rows that cannot pass, by expression, with the reason.
const SKIPPED: &[(&str, &str)] = &[
    (
        "ATAN(.912)",
        "undefined behaviour: `.912` is a string, and ATAN reads the string's heap pointer as \
         a long double (the table calls the value unspecified)",
    ),
    (
        "MATH(3*9)",
        "undefined behaviour: MATH(27) fails without writing its buffer, and ast_expr2 reads \
         op_func's uninitialised workspace, which happened to hold \"27\"",
    ),
];

/// What one call of `NoOp(<$[expr]>)` printed between the brackets, and what it logged.
fn run(engine: &mut Engine, expr_line: &[u8]) -> (Vec<u8>, Vec<String>) {
    let mut call = Call::new(b"c", expr_line, None);
    call.vars.set(b"foo", Some(b"123"));
    let mut printed = None;
    engine.run(&mut call, &mut SimulatedChannel::default(), &mut |e| {
        if e.app == "NoOp" {
            printed = Some(e.data.to_vec());
        }
    });
    let printed = printed.expect("the NoOp ran");
    let inner = printed
        .strip_prefix(b"<")
        .and_then(|p| p.strip_suffix(b">"))
        .expect("the brackets around the result")
        .to_vec();
    (inner, call.log)
}

#[test]
fn every_row_of_the_expression_table_in_a_call_on_both_engines() {
    let rows = rows();
    assert!(rows.len() > 400, "{} rows", rows.len());
    // One context, one extension per row: the expression is the NoOp's data, `;` escaped as
    // extensions.conf needs it.
    let mut text = String::from("[c]\n");
    for (i, row) in rows.iter().enumerate() {
        let data = row.expr.replace(';', "\\;");
        text.push_str(&format!("exten => {},1,NoOp(<$[{data}]>)\n", i + 1));
    }
    let (plan, _) = pbxc_dialplan::lower_text(text.as_bytes());
    let mut engines = engines(&plan);

    let mut failures = Vec::new();
    let mut skipped_passing = Vec::new();
    let mut checked = 0;
    for (i, row) in rows.iter().enumerate() {
        // test_expr.c evaluated `${x}` as written; a dialplan substitutes it first.
        if row.section == 1 && row.expr.contains("${") {
            continue;
        }
        let exten = (i + 1).to_string();
        let mut problems = Vec::new();
        let mut runs = Vec::new();
        for (name, engine, times) in engines.iter_mut() {
            for _ in 0..*times {
                runs.push((*name, run(engine, exten.as_bytes())));
            }
        }
        // Section 1 (no channel) has its expectation and no warnings column; sections 2–3
        // are checked against what the live Asterisk printed and logged.
        let expected = row.live.as_ref().unwrap_or(&row.standalone);
        let warnings = row.warnings();
        for (engine, (value, log)) in &runs {
            if *value != expected.as_bytes() {
                problems.push(format!(
                    "{engine} printed {:?}, Asterisk {expected:?}",
                    String::from_utf8_lossy(value),
                ));
            }
            if row.section == 1 {
                continue;
            }
            if warnings.is_empty() && !log.is_empty() {
                problems.push(format!("{engine} logged {log:?}, Asterisk nothing"));
            }
            for item in &warnings {
                if !log.iter().any(|l| l.contains(item)) {
                    problems.push(format!("{engine} did not log `{item}`: {log:?}"));
                }
            }
        }
        let skipped = SKIPPED.iter().find(|(e, _)| *e == row.expr);
        match (skipped, problems.is_empty()) {
            (Some(_), true) => skipped_passing.push(row.expr.clone()),
            (Some(_), false) => {}
            (None, true) => checked += 1,
            (None, false) => failures.push(format!(
                "line {}: `{}`: {}",
                row.line,
                row.expr,
                problems.join("; ")
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} rows differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        skipped_passing.is_empty(),
        "skipped rows pass now; take them off the list: {skipped_passing:?}"
    );
    assert!(checked > 400, "{checked} rows checked");
}
