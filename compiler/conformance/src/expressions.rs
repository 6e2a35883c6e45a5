//! The rows of `expr-cases.md`, read once for the tests that evaluate them (the evaluator
//! alone, the parser, calls on both engines).

use crate::{cells, code};

/// One expression and Asterisk's answers.
pub struct Row {
    /// 1-based line in the table file, for messages.
    pub line: usize,
    /// 1 for tests/test_expr.c (no channel), 2 and 3 for the oracle's two-column sections.
    pub section: usize,
    pub expr: String,
    /// Section 1's expectation, or sections 2–3's *standalone* column (`utils/check_expr2`).
    pub standalone: String,
    /// Sections 2–3's *live* column (`NoOp($[<expr>])` on a running Asterisk).
    pub live: Option<String>,
    /// Sections 2–3's *warn* cell as written (`; `-separated log lines); empty in section 1.
    pub warn: String,
}

impl Row {
    /// The warn cell's items.
    pub fn warnings(&self) -> Vec<&str> {
        self.warn
            .split("; ")
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .collect()
    }
}

/// Every row, in table order.
pub fn rows() -> Vec<Row> {
    let text = crate::read("expr-cases.md");
    let mut out = Vec::new();
    let mut section = 0;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("## ") {
            section += 1;
            continue;
        }
        if !line.starts_with("| ") || line.starts_with("| #") || line.starts_with("| expression") {
            continue;
        }
        let c = cells(line);
        out.push(match section {
            1 => Row {
                line: i + 1,
                section,
                expr: code(&c[1]),
                standalone: code(&c[2]),
                live: None,
                warn: String::new(),
            },
            _ => Row {
                line: i + 1,
                section,
                expr: code(&c[0]),
                standalone: code(&c[1]),
                live: Some(code(&c[2])),
                warn: c.get(3).map(|w| w.trim().to_string()).unwrap_or_default(),
            },
        });
    }
    out
}
