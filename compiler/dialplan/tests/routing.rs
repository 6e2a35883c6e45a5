//! Routing: the oracle lookups of section 3 of `shared/conformance/pattern-cases.md`
//! (`EVAL_EXTEN(ctx,exten,prio)` on a real Asterisk, old matcher, empty caller ID), read at
//! test time. Each case describes its contexts in a line of prose; the few relationships the
//! table states in a parenthetical note are encoded in `NOTES` below.

mod common;

use pbxc_dialplan::route;

/// Parenthetical notes of the table, as extensions.conf lines: (case, context, line).
const NOTES: &[(&str, &str, &str)] = &[
    ("inc_depth", "d_a", "include => d_c"),
    ("inc_loop", "l_a", "include => l_b"),
    ("inc_loop", "l_b", "include => l_a"),
    ("inc_loop", "l_b", "include => l_c"),
    ("inc_loop", "l_c", "exten => 3,1,NoOp"),
];

/// `2000(prio 1,2)` / `300(prio hint)` / `_X.` → extensions.conf lines.
fn exten_lines(item: &str) -> Vec<String> {
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
        .map(|p| format!("exten => {name},{p},NoOp({name})"))
        .collect()
}

#[test]
fn lookups_match_asterisk_old_matcher() {
    let text = common::pattern_cases();
    let section = text
        .split("\n## 3.")
        .nth(1)
        .unwrap()
        .split("\n## 4.")
        .next()
        .unwrap();
    let mut rows = 0;
    let mut failures = Vec::new();
    for chunk in section.split("\n### ").skip(1) {
        let name = common::ticks(chunk.lines().next().unwrap())[0].clone();
        let mut contexts: Vec<(String, Vec<String>)> = Vec::new();
        let mut query_context = None;
        for line in chunk.lines() {
            if line.starts_with("`[") && line.contains("exts:") {
                let (head, rest) = line.split_once(" exts: ").unwrap();
                let ctx = head
                    .trim_matches(|c| c == '`' || c == '[' || c == ']')
                    .to_string();
                let (exts, includes) = match rest.split_once("; includes (in order): ") {
                    Some((e, i)) => (e, Some(i)),
                    None => (rest, None),
                };
                let mut lines: Vec<String> = common::ticks(exts)
                    .iter()
                    .flat_map(|e| exten_lines(e))
                    .collect();
                for inc in includes.into_iter().flat_map(|i| i.split(',')) {
                    lines.push(format!("include => {}", inc.trim()));
                }
                query_context.get_or_insert(ctx.clone());
                contexts.push((ctx, lines));
            } else if let Some(rest) = line.strip_prefix("Other contexts: ") {
                for part in rest.split("; ") {
                    let t = common::ticks(part);
                    let ctx = t[0].trim_matches(|c| c == '[' || c == ']').to_string();
                    contexts.push((ctx, t[1..].iter().flat_map(|e| exten_lines(e)).collect()));
                }
            } else if line.contains("Query uses context name") {
                query_context = Some(common::ticks(line)[0].clone());
            }
        }
        for (case, ctx, line) in NOTES.iter().filter(|n| n.0 == name) {
            let _ = case;
            match contexts.iter_mut().find(|c| c.0 == *ctx) {
                Some(c) => c.1.push(line.to_string()),
                None => contexts.push((ctx.to_string(), vec![line.to_string()])),
            }
        }
        let mut conf = String::new();
        for (ctx, lines) in &contexts {
            conf.push_str(&format!("[{ctx}]\n{}\n", lines.join("\n")));
        }
        let (plan, _) = pbxc_dialplan::lower_text(conf.as_bytes());
        let query = query_context.clone().unwrap();

        for row in chunk.lines().filter(|l| l.starts_with("| `")) {
            let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
            let input = cells[0].trim_matches('`');
            let prio: i32 = cells[1].parse().unwrap();
            let expected = cells[2].trim_matches('`');
            let search = route::find(&plan, query.as_bytes(), input.as_bytes(), prio, None);
            let got = match search.winner() {
                None => "(no match)".to_string(),
                Some(w) => {
                    let c = &plan.contexts[w.context];
                    let e = &c.extensions[w.extension];
                    let cid = e
                        .cid
                        .as_ref()
                        .map(|c| format!("/{}", String::from_utf8_lossy(c)))
                        .unwrap_or_default();
                    format!(
                        "{}{cid}@{}:p{prio}",
                        String::from_utf8_lossy(&e.name),
                        String::from_utf8_lossy(&c.name)
                    )
                }
            };
            if got != expected {
                failures.push(format!(
                    "{name}: {input} p{prio}: Asterisk {expected}, pbxc {got}\n{conf}"
                ));
            }
            rows += 1;
        }
    }
    eprintln!("{rows} lookups checked");
    assert!(rows >= 60, "only {rows} rows");
    assert!(
        failures.is_empty(),
        "{} of {rows} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Section 7 of `pattern-cases.md`: one pattern against one input in each match mode.
#[test]
fn match_modes_of_a_single_pattern() {
    use pbxc_dialplan::route::{Mode, extension_match};
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/conformance/pattern-cases.md"
    ))
    .unwrap();
    let section = text.split("\n## 7.").nth(1).expect("section 7");
    let mut rows = 0;
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let pattern = cells[0].trim_matches('`');
        let input = cells[1].trim_matches('`');
        for (mode, want) in [Mode::Match, Mode::CanMatch, Mode::MatchMore]
            .into_iter()
            .zip(&cells[2..5])
        {
            let got = extension_match(pattern.as_bytes(), input.as_bytes(), mode);
            assert_eq!(got.to_string(), *want, "{pattern} {input:?} {mode:?}");
        }
        rows += 1;
    }
    assert!(rows >= 23, "{rows} rows");
}
