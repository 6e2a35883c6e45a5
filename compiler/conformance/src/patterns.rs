//! The routing cases of `pattern-cases.md` as dialplans and lookups, for the tests that ask the
//! search (`compiler/dialplan`) and those that make calls (`runtime/engine`).
//!
//! What each case's extensions run shows the answer as the table writes it: a `NoOp` of it
//! (`NoOp(_2.@test_pbx)` in section 3), or the `R_${CASE}` global section 6's own dialplan
//! sets.

use crate::{cells, code};

/// One case: a dialplan, and lookups in it with Asterisk's answers.
pub struct Case {
    /// The case's name (`wild`, `inc_depth`…); the section's for sections 1, 2 and 6.
    pub name: String,
    /// extensions.conf text.
    pub dialplan: String,
    pub lookups: Vec<Lookup>,
}

pub struct Lookup {
    /// Where the lookup starts.
    pub context: String,
    pub exten: String,
    pub priority: i32,
    /// The caller's number; `Some("")` for an empty one, `None` for none.
    pub caller: Option<String>,
    /// Asterisk's answer, as the case writes it; `None` when nothing answers.
    pub answer: Option<String>,
}

/// The `code spans` of a line, in order.
pub fn ticks(s: &str) -> Vec<String> {
    s.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Section 1, tests/test_pbx.c `pattern_match_test`: answers written `2000 (test_pattern)`.
pub fn section_1() -> Case {
    let text = crate::read("pattern-cases.md");
    let section = crate::section(&text, "1");
    // Its setup, in the section's words: "context `test_pattern`: `_2.` prio 1, `2000` prio
    // 1; context `test_pattern_include`: `2000` prio 2; `test_pattern` includes
    // `test_pattern_include`". Each NoOp shows the answer as the table writes it.
    assert!(
        section.contains("`test_pattern` includes `test_pattern_include`"),
        "section 1's setup changed"
    );
    let dialplan = "[test_pattern]\n\
         exten => _2.,1,NoOp(_2. (test_pattern))\n\
         exten => 2000,1,NoOp(2000 (test_pattern))\n\
         include => test_pattern_include\n\
         [test_pattern_include]\n\
         exten => 2000,2,NoOp(2000 (test_pattern_include))\n"
        .to_string();
    let lookups = section
        .lines()
        .filter(|l| l.starts_with("| test_"))
        .map(|row| {
            let c = cells(row);
            Lookup {
                context: c[0].clone(),
                exten: code(&c[1]),
                priority: c[2].parse().expect("a priority"),
                caller: None,
                answer: Some(code(&c[3])),
            }
        })
        .collect();
    Case {
        name: "section 1".into(),
        dialplan,
        lookups,
    }
}

/// Section 2, the testsuite's `[patterns]` context: answers are its old matcher's (the
/// oracle's column), written as the spec.
pub fn section_2() -> Case {
    let text = crate::read("pattern-cases.md");
    let section = crate::section(&text, "2");
    let listing = section
        .lines()
        .find(|l| l.starts_with("Context contains (file order):"))
        .expect("the context's extensions");
    let mut dialplan = String::from("[patterns]\n");
    for spec in ticks(listing) {
        dialplan.push_str(&format!("exten => {spec},1,NoOp({spec})\n"));
    }
    let lookups = section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|row| {
            let c = cells(row);
            Lookup {
                context: "patterns".into(),
                exten: code(&c[0]),
                priority: 1,
                caller: None,
                answer: Some(code(&c[2])),
            }
        })
        .collect();
    Case {
        name: "section 2".into(),
        dialplan,
        lookups,
    }
}

/// Parenthetical notes of section 3, as extensions.conf lines: (case, context, line).
const NOTES: &[(&str, &str, &str)] = &[
    ("inc_depth", "d_a", "include => d_c"),
    ("inc_loop", "l_a", "include => l_b"),
    ("inc_loop", "l_b", "include => l_a"),
    ("inc_loop", "l_b", "include => l_c"),
    ("inc_loop", "l_c", "exten => 3,1,NoOp(3@l_c)"),
];

/// `2000(prio 1,2)` / `300(prio hint)` / `_X.` of `context` → extensions.conf lines.
fn exten_lines(item: &str, context: &str) -> Vec<String> {
    let (name, prios) = match item.split_once("(prio ") {
        Some((n, rest)) => (
            n,
            rest.trim_end_matches(')')
                .split(',')
                .map(str::trim)
                .collect(),
        ),
        None => (item, vec!["1"]),
    };
    prios
        .into_iter()
        .map(|p| format!("exten => {name},{p},NoOp({name}@{context})"))
        .collect()
}

/// Section 3, the oracle's lookups (`EVAL_EXTEN(ctx,exten,prio)`, old matcher, empty caller
/// ID): each case describes its contexts in a line of prose; the few relationships the table
/// states in a parenthetical note are in [`NOTES`]. Answers are written `spec@context:pN`.
pub fn section_3() -> Vec<Case> {
    let text = crate::read("pattern-cases.md");
    let section = crate::section(&text, "3");
    let mut cases = Vec::new();
    for chunk in section.split("\n### ").skip(1) {
        let name = ticks(chunk.lines().next().unwrap_or_default())[0].clone();
        let mut contexts: Vec<(String, Vec<String>)> = Vec::new();
        let mut query = None;
        for line in chunk.lines() {
            if line.starts_with("`[") && line.contains("exts:") {
                let (head, rest) = line.split_once(" exts: ").expect("exts");
                let ctx = head
                    .trim_matches(|c| c == '`' || c == '[' || c == ']')
                    .to_string();
                let (exts, includes) = match rest.split_once("; includes (in order): ") {
                    Some((e, i)) => (e, Some(i)),
                    None => (rest, None),
                };
                let mut lines: Vec<String> = ticks(exts)
                    .iter()
                    .flat_map(|e| exten_lines(e, &ctx))
                    .collect();
                for inc in includes.into_iter().flat_map(|i| i.split(',')) {
                    lines.push(format!("include => {}", inc.trim()));
                }
                query.get_or_insert(ctx.clone());
                contexts.push((ctx, lines));
            } else if let Some(rest) = line.strip_prefix("Other contexts: ") {
                for part in rest.split("; ") {
                    let t = ticks(part);
                    let ctx = t[0].trim_matches(|c| c == '[' || c == ']').to_string();
                    let lines = t[1..].iter().flat_map(|e| exten_lines(e, &ctx)).collect();
                    contexts.push((ctx, lines));
                }
            } else if line.contains("Query uses context name") {
                query = Some(ticks(line)[0].clone());
            }
        }
        for (_, ctx, line) in NOTES.iter().filter(|n| n.0 == name) {
            match contexts.iter_mut().find(|c| c.0 == *ctx) {
                Some(c) => c.1.push(line.to_string()),
                None => contexts.push((ctx.to_string(), vec![line.to_string()])),
            }
        }
        let mut dialplan = String::new();
        for (ctx, lines) in &contexts {
            dialplan.push_str(&format!("[{ctx}]\n{}\n", lines.join("\n")));
        }
        let context = query.expect("a context to ask");
        let lookups = chunk
            .lines()
            .filter(|l| l.starts_with("| `"))
            .map(|row| {
                let c = cells(row);
                let answer = code(&c[2]);
                Lookup {
                    context: context.clone(),
                    exten: code(&c[0]),
                    priority: c[1].parse().expect("a priority"),
                    caller: None,
                    answer: (answer != "(no match)").then_some(answer),
                }
            })
            .collect();
        cases.push(Case {
            name,
            dialplan,
            lookups,
        });
    }
    cases
}

/// Section 6, caller-ID matching in real calls: the section's `[cid]` dialplan as written
/// (each extension sets `R_${CASE}` to its answer); answers as the table writes them.
pub fn section_6() -> Case {
    let text = crate::read("pattern-cases.md");
    let section = crate::section(&text, "6");
    let block = section
        .split("```")
        .nth(1)
        .expect("the section's dialplan")
        .trim_start_matches(|c| c != '\n');
    let dialplan = format!("[cid]{block}");
    let lookups = section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|row| {
            let c = cells(row);
            let answer = code(&c[2]);
            Lookup {
                context: "cid".into(),
                exten: code(&c[0]),
                priority: 1,
                caller: Some(code(&c[1])),
                answer: (!answer.starts_with("(invalid exten")).then_some(answer),
            }
        })
        .collect();
    Case {
        name: "section 6".into(),
        dialplan,
        lookups,
    }
}
