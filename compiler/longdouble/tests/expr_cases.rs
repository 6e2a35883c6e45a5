//! The numeric rows of the Asterisk `$[...]` conformance table
//! (shared/conformance/expr-cases.md) whose result depends only on what this crate
//! implements: strtold on the operands, long double arithmetic, the math functions, and
//! `%.18Lg`. Each row below is the table's expression written out with this crate's
//! operations (following main/ast_expr2.y: `op_plus` is `a + b`, comparisons give
//! `(long double)(a < b)`, ...) beside the expected text; the test first checks that the
//! table really says that for the cited row, then that we print exactly it.
//!
//! Rows that test the evaluator rather than arithmetic (string operands, `&`, `|`, `!`,
//! `?:`, regexes, syntax errors, the division-by-zero and non-numeric fallbacks) are left to
//! the evaluator's own tests.

use std::collections::HashMap;

use pbxc_longdouble::{F80, strtold};

/// A numeric operand as `to_number()` converts it.
fn n(text: &str) -> F80 {
    let parsed = strtold(text);
    assert!(parsed.len == text.len() && !parsed.range_error, "{text}");
    parsed.value
}

/// `make_number((long double)(condition))`.
fn truth(condition: bool) -> F80 {
    F80::from_i64(i64::from(condition))
}

/// ABS as op_func writes it: `u.i < 0 ? u.i * -1 : u.i`.
fn abs_function(x: F80) -> F80 {
    if x < F80::ZERO {
        x * F80::from_i64(-1)
    } else {
        x
    }
}

/// Where a row is in the table: §1 rows by number, §2 and §3 rows by expression.
#[derive(Clone, Copy)]
enum Cite {
    Numbered(u32),
    Section2,
    Section3,
}

struct Row {
    cite: Cite,
    expression: &'static str,
    expected: &'static str,
    value: fn() -> F80,
}

const fn row(
    cite: Cite,
    expression: &'static str,
    expected: &'static str,
    value: fn() -> F80,
) -> Row {
    Row {
        cite,
        expression,
        expected,
        value,
    }
}

use Cite::{Numbered, Section2, Section3};

#[rustfmt::skip]
const ROWS: &[Row] = &[
    // §1: tests/test_expr.c
    row(Numbered(1), "2 + 2", "4", || n("2") + n("2")),
    row(Numbered(2), "      2     +       2            ", "4", || n("2") + n("2")),
    row(Numbered(4), "2 - 4", "-2", || n("2") - n("4")),
    row(Numbered(5), "4 - 2", "2", || n("4") - n("2")),
    row(Numbered(6), "-4 - -2", "-2", || -n("4") - -n("2")),
    row(Numbered(7), "4 + 2 * 8", "20", || n("4") + n("2") * n("8")),
    row(Numbered(8), "(4 + 2) * 8", "48", || (n("4") + n("2")) * n("8")),
    row(Numbered(9), "4 + (2 * 8)", "20", || n("4") + (n("2") * n("8"))),
    row(Numbered(11), "4 + 8 / 2", "8", || n("4") + n("8") / n("2")),
    row(Numbered(12), "FLOOR(4 + 8 / 3)", "6", || (n("4") + n("8") / n("3")).floor()),
    row(Numbered(13), "(4+8) / 3", "4", || (n("4") + n("8")) / n("3")),
    row(Numbered(14), "4 + 8 % 3", "6", || n("4") + n("8") % n("3")),
    row(Numbered(15), "4 + 9 % 3", "4", || n("4") + n("9") % n("3")),
    row(Numbered(16), "(4+9) %3", "1", || (n("4") + n("9")) % n("3")),
    row(Numbered(17), "(4+8) %3", "0", || (n("4") + n("8")) % n("3")),
    row(Numbered(18), "(4+9) %3", "1", || (n("4") + n("9")) % n("3")),
    row(Numbered(19), "(4+8) %3", "0", || (n("4") + n("8")) % n("3")),
    row(Numbered(20), "(4+9) % 3", "1", || (n("4") + n("9")) % n("3")),
    row(Numbered(21), "(4+8) % 3", "0", || (n("4") + n("8")) % n("3")),
    row(Numbered(22), "(4+9) % 3", "1", || (n("4") + n("9")) % n("3")),
    row(Numbered(23), "(4+8) % 3", "0", || (n("4") + n("8")) % n("3")),
    row(Numbered(24), "(4+9)% 3", "1", || (n("4") + n("9")) % n("3")),
    row(Numbered(25), "(4+8)% 3", "0", || (n("4") + n("8")) % n("3")),
    row(Numbered(26), "(4+9)% 3", "1", || (n("4") + n("9")) % n("3")),
    row(Numbered(27), "(4+8)% 3", "0", || (n("4") + n("8")) % n("3")),
    row(Numbered(46), "3 < 4", "1", || truth(n("3") < n("4"))),
    row(Numbered(47), "4 < 3", "0", || truth(n("4") < n("3"))),
    row(Numbered(48), "3 > 4", "0", || truth(n("3") > n("4"))),
    row(Numbered(49), "4 > 3", "1", || truth(n("4") > n("3"))),
    row(Numbered(50), "3 = 3", "1", || truth(n("3") == n("3"))),
    row(Numbered(51), "3 = 4", "0", || truth(n("3") == n("4"))),
    row(Numbered(52), "3 != 3", "0", || truth(n("3") != n("3"))),
    row(Numbered(53), "3 != 4", "1", || truth(n("3") != n("4"))),
    row(Numbered(54), "3 >= 4", "0", || truth(n("3") >= n("4"))),
    row(Numbered(55), "3 >= 3", "1", || truth(n("3") >= n("3"))),
    row(Numbered(56), "4 >= 3", "1", || truth(n("4") >= n("3"))),
    row(Numbered(57), "3 <= 4", "1", || truth(n("3") <= n("4"))),
    row(Numbered(58), "4 <= 3", "0", || truth(n("4") <= n("3"))),
    row(Numbered(59), "4 <= 4", "1", || truth(n("4") <= n("4"))),
    // §2: utils/expr2.testinput with oracle results
    row(Section2, "4 + 8 / 3", "6.66666666666666667", || n("4") + n("8") / n("3")),
    row(Section2, "2.1+4.2", "6.3", || n("2.1") + n("4.2")),
    row(Section2, "1.500003+1.4999999999999898989898989898989898989889898", "3.0000029999999899",
        || n("1.500003") + n("1.4999999999999898989898989898989898989889898")),
    row(Section2, "1/4", "0.25", || n("1") / n("4")),
    row(Section2, "2.3 + COS(3.141592653)", "1.3", || n("2.3") + n("3.141592653").cos()),
    row(Section2, "REMAINDER(13,3)", "1", || n("13").remainder(n("3"))),
    row(Section2, "2.3 + SIN(3.1415823)", "2.30001035358979305", || n("2.3") + n("3.1415823").sin()),
    row(Section2, "TAN(45) + 2.3", "3.91977519054386155", || n("45").tan() + n("2.3")),
    row(Section2, "POW(10.0,4.0)", "10000", || n("10.0").pow(n("4.0"))),
    row(Section2, "SQRT(4)", "2", || n("4").sqrt()),
    row(Section2, "SQRT(2)", "1.41421356237309505", || n("2").sqrt()),
    row(Section2, "FLOOR(2.4)", "2", || n("2.4").floor()),
    row(Section2, "FLOOR(2.6)", "2", || n("2.6").floor()),
    row(Section2, "CEIL(2.4)", "3", || n("2.4").ceil()),
    row(Section2, "CEIL(2.6)", "3", || n("2.6").ceil()),
    row(Section2, "ROUND(2.4)", "2", || n("2.4").round()),
    row(Section2, "ROUND(2.5)", "3", || n("2.5").round()),
    row(Section2, "ROUND(2.6)", "3", || n("2.6").round()),
    row(Section2, "RINT(2.4)", "2", || n("2.4").rint()),
    row(Section2, "RINT(2.5)", "2", || n("2.5").rint()),
    row(Section2, "RINT(2.6)", "3", || n("2.6").rint()),
    row(Section2, "TRUNC(2.4)", "2", || n("2.4").trunc()),
    row(Section2, "TRUNC(2.5)", "2", || n("2.5").trunc()),
    row(Section2, "TRUNC(2.6)", "2", || n("2.6").trunc()),
    row(Section2, "EXP(1.0)", "2.71828182845904524", || n("1.0").exp()),
    row(Section2, "EXP2(1.0)", "2", || n("1.0").exp2()),
    row(Section2, "LOG(10)", "2.30258509299404568", || n("10").log()),
    row(Section2, "LOG2(10)", "3.32192809488736235", || n("10").log2()),
    row(Section2, "LOG10(10)", "1", || n("10").log10()),
    row(Section2, "ATAN2(4,5)", "0.674740942223552663", || n("4").atan2(n("5"))),
    row(Section2, "ACOS(12)", "nan", || n("12").acos()),
    row(Section2, "ASIN(1)", "1.57079632679489662", || n("1").asin()),
    row(Section2, "ATAN(10)", "1.47112767430373459", || n("10").atan()),
    row(Section2, "SQRT(2)*SQRT(2)", "2", || n("2").sqrt() * n("2").sqrt()),
    row(Section2, "ATAN(12) + TRUNC(2.4) *ASIN(14.3) *ACOS(1.2)", "nan",
        || n("12").atan() + n("2.4").trunc() * n("14.3").asin() * n("1.2").acos()),
    row(Section2, "ASIN(0.705)", "0.78242314584342907", || n("0.705").asin()),
    // `.912` and `.12` are string tokens, which these functions read as garbage subnormals
    // (the table's note); any tiny value gives this sum, so 0 stands in for them.
    row(Section2, "ATAN(.912) + TRUNC(2.4) - ASIN(0.705) + ACOS(.12)", "2.78837318095146755",
        || F80::ZERO.atan() + n("2.4").trunc() - n("0.705").asin() + F80::ZERO.acos()),
    // §3: additional cases
    row(Section3, "1 + 2 * 3", "7", || n("1") + n("2") * n("3")),
    row(Section3, "(1 + 2) * 3", "9", || (n("1") + n("2")) * n("3")),
    row(Section3, "10 - 4 - 3", "3", || n("10") - n("4") - n("3")),
    row(Section3, "2 * 3 % 4", "2", || n("2") * n("3") % n("4")),
    row(Section3, "100 / 10 / 5", "2", || n("100") / n("10") / n("5")),
    row(Section3, "2 - -2", "4", || n("2") - -n("2")),
    row(Section3, "- 3", "-3", || -n("3")),
    row(Section3, "-(3)", "-3", || -n("3")),
    row(Section3, "--3", "3", || -(-n("3"))),
    row(Section3, "-3 * -3", "9", || -n("3") * -n("3")),
    row(Section3, "1 + 1 = 2", "1", || truth(n("1") + n("1") == n("2"))),
    row(Section3, "1 = 1 = 1", "1", || truth(truth(n("1") == n("1")) == n("1"))),
    row(Section3, "2 = 1 + 1", "1", || truth(n("2") == n("1") + n("1"))),
    row(Section3, "1 < 2 < 3", "1", || truth(truth(n("1") < n("2")) < n("3"))),
    row(Section3, "3 > 2 > 1", "0", || truth(truth(n("3") > n("2")) > n("1"))),
    row(Section3, "5 = 5.0", "1", || truth(n("5") == n("5.0"))),
    row(Section3, "05 = 5", "1", || truth(n("05") == n("5"))),
    row(Section3, "10 < 9", "0", || truth(n("10") < n("9"))),
    row(Section3, "1.5 + 1.5", "3", || n("1.5") + n("1.5")),
    row(Section3, "0.1 + 0.2", "0.3", || n("0.1") + n("0.2")),
    row(Section3, "1/3", "0.333333333333333333", || n("1") / n("3")),
    row(Section3, "2/3", "0.666666666666666667", || n("2") / n("3")),
    row(Section3, "10/4", "2.5", || n("10") / n("4")),
    row(Section3, "-7/2", "-3.5", || -n("7") / n("2")),
    row(Section3, "7 % 3", "1", || n("7") % n("3")),
    row(Section3, "-7 % 3", "-1", || -n("7") % n("3")),
    row(Section3, "7 % -3", "1", || n("7") % -n("3")),
    row(Section3, "7.5 % 2", "1.5", || n("7.5") % n("2")),
    row(Section3, "007 + 1", "8", || n("007") + n("1")),
    row(Section3, "-0", "-0", || -n("0")),
    row(Section3, "0 - 0", "0", || n("0") - n("0")),
    row(Section3, "9223372036854775807 + 1", "9.22337203685477581e+18",
        || n("9223372036854775807") + n("1")),
    row(Section3, "2 * 9223372036854775807", "1.84467440737095516e+19",
        || n("2") * n("9223372036854775807")),
    row(Section3, "1000000 * 1000000", "1000000000000", || n("1000000") * n("1000000")),
    row(Section3, "1000000000000000000000 / 10", "1e+20", || n("1000000000000000000000") / n("10")),
    row(Section3, "COS(0)", "1", || n("0").cos()),
    row(Section3, "SIN(0)", "0", || n("0").sin()),
    row(Section3, "POW(2,10)", "1024", || n("2").pow(n("10"))),
    row(Section3, "SQRT(16)", "4", || n("16").sqrt()),
    row(Section3, "ABS(-5)", "5", || abs_function(-n("5"))),
    row(Section3, "ABS(5)", "5", || abs_function(n("5"))),
    row(Section3, "FLOOR(-2.5)", "-3", || (-n("2.5")).floor()),
    row(Section3, "CEIL(-2.5)", "-2", || (-n("2.5")).ceil()),
    row(Section3, "ROUND(-2.5)", "-3", || (-n("2.5")).round()),
    row(Section3, "TRUNC(-2.5)", "-2", || (-n("2.5")).trunc()),
    row(Section3, "RINT(3.5)", "4", || n("3.5").rint()),
    row(Section3, "EXP10(2)", "100", || n("2").exp10()),
    row(Section3, "LOG10(1000)", "3", || n("1000").log10()),
    row(Section3, "REMAINDER(10,4)", "2", || n("10").remainder(n("4"))),
    row(Section3, "POW(2,0.5)", "1.41421356237309505", || n("2").pow(n("0.5"))),
    row(Section3, "ATAN2(1,1)", "0.78539816339744831", || n("1").atan2(n("1"))),
    row(Section3, "2012-01-01", "2010", || n("2012") - n("01") - n("01")),
    row(Section3, "5551234=5551234", "1", || truth(n("5551234") == n("5551234"))),
    row(Section3, "2*-3", "-6", || n("2") * -n("3")),
    row(Section3, "2--3", "5", || n("2") - -n("3")),
    // `!1` is make_number(0); negating it gives -0.
    row(Section3, "-!1", "-0", || -F80::from_i64(0)),
    row(Section3, "1<2=1", "1", || truth(truth(n("1") < n("2")) == n("1"))),
    row(Section3, "1=1", "1", || truth(n("1") == n("1"))),
    row(Section3, "5>3", "1", || truth(n("5") > n("3"))),
];

/// The table's rows: §1 by number (expected column), §2/§3 by expression (standalone and
/// live columns).
struct Table {
    numbered: HashMap<u32, (String, String)>,
    by_expression: HashMap<(u8, String), (String, String)>,
}

fn load_table() -> Table {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/conformance/expr-cases.md"
    );
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read the conformance table {path}: {e}"));
    let mut table = Table {
        numbered: HashMap::new(),
        by_expression: HashMap::new(),
    };
    let mut section = 0u8;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("## ") {
            section = rest.bytes().next().map_or(0, |b| b.wrapping_sub(b'0'));
            continue;
        }
        let Some(inner) = line.strip_prefix('|').and_then(|l| l.strip_suffix('|')) else {
            continue;
        };
        let cells = split_cells(inner);
        match section {
            1 if cells.len() >= 3 => {
                if let Ok(number) = cells[0].parse::<u32>() {
                    table
                        .numbered
                        .insert(number, (cells[1].clone(), cells[2].clone()));
                }
            }
            2 | 3 if cells.len() >= 3 && cells[0] != "expression" => {
                table.by_expression.insert(
                    (section, cells[0].clone()),
                    (cells[1].clone(), cells[2].clone()),
                );
            }
            _ => {}
        }
    }
    table
}

/// Splits a markdown row on `|` (but not `\|`), trims the cells and removes the code
/// backticks, keeping the spaces inside them.
fn split_cells(inner: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cell.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    cells.push(cell);
    cells
        .into_iter()
        .map(|c| {
            let c = c.trim();
            c.strip_prefix('`')
                .and_then(|c| c.strip_suffix('`'))
                .unwrap_or(c)
                .to_string()
        })
        .collect()
}

#[test]
fn numeric_rows_print_what_asterisk_prints() {
    let table = load_table();
    let mut failures = Vec::new();
    for row in ROWS {
        // The inline expectation must be the table's.
        let (cite, in_table) = match row.cite {
            Numbered(k) => (
                format!("§1 #{k}"),
                table
                    .numbered
                    .get(&k)
                    .map(|(e, expected)| (e.clone(), expected.clone(), expected.clone())),
            ),
            Section2 | Section3 => {
                let section = if matches!(row.cite, Section2) { 2 } else { 3 };
                (
                    format!("§{section}"),
                    table
                        .by_expression
                        .get(&(section, row.expression.to_string()))
                        .map(|(standalone, live)| {
                            (row.expression.to_string(), standalone.clone(), live.clone())
                        }),
                )
            }
        };
        let Some((expression, standalone, live)) = in_table else {
            failures.push(format!("{cite} `{}`: not in the table", row.expression));
            continue;
        };
        if expression != row.expression || standalone != row.expected || live != row.expected {
            failures.push(format!(
                "{cite} `{}` -> `{}`: the table has `{expression}` -> `{standalone}` / `{live}`",
                row.expression, row.expected
            ));
            continue;
        }
        let got = (row.value)().to_string();
        if got != row.expected {
            failures.push(format!(
                "{cite} `{}`: Asterisk prints `{}`, we print `{got}`",
                row.expression, row.expected
            ));
        }
    }
    eprintln!("{} rows of expr-cases.md checked", ROWS.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
