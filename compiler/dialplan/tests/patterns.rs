//! The order of extensions inside a context and the aliases, from sections 4 and 5 of
//! `shared/conformance/pattern-cases.md` (Asterisk's `dialplan show` order, oracle-verified),
//! read at test time: registering the inputs in file order must give exactly that order, and
//! each alias must be rejected as a duplicate of the extension the table names.

use pbxc_conformance::patterns::ticks;

fn registered(names: &[String]) -> (Vec<String>, Vec<pbxc_diagnostics::Diagnostic>) {
    let mut conf = String::from("[c]\n");
    for n in names {
        conf.push_str(&format!("exten => {n},1,NoOp\n"));
    }
    let (plan, diagnostics) = pbxc_dialplan::lower_text(conf.as_bytes());
    let order = plan.contexts[0]
        .extensions
        .iter()
        .map(|e| String::from_utf8_lossy(&e.name).into_owned())
        .collect();
    (order, diagnostics)
}

#[test]
fn context_order_matches_dialplan_show() {
    let text = pbxc_conformance::read("pattern-cases.md");
    let section = text
        .split("\n## 4.")
        .nth(1)
        .unwrap()
        .split("\n## 5.")
        .next()
        .unwrap();
    let mut cases = 0;
    let mut failures = Vec::new();
    let lines: Vec<&str> = section.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some(rest) = line.strip_prefix("- **") else {
            continue;
        };
        let name = rest.split("**").next().unwrap();
        let input = ticks(line.split("input:").nth(1).unwrap());
        let expected = ticks(lines[i + 1].split("order:").nth(1).unwrap());
        let (got, _) = registered(&input);
        if got != expected {
            failures.push(format!(
                "{name}:\n  Asterisk {expected:?}\n  pbxc     {got:?}"
            ));
        }
        cases += 1;
    }
    assert_eq!(cases, 5);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn aliases_are_rejected_as_the_same_extension() {
    let text = pbxc_conformance::read("pattern-cases.md");
    let section = text
        .split("\n## 5.")
        .nth(1)
        .unwrap()
        .split("\n## 6.")
        .next()
        .unwrap();
    let mut rows = 0;
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells = ticks(line);
        let (new, old) = (&cells[0], &cells[1]);
        let (order, diagnostics) = registered(&[old.clone(), new.clone()]);
        assert_eq!(order, std::slice::from_ref(old), "{new} should alias {old}");
        assert!(
            diagnostics
                .iter()
                .any(|d| d.code.id == "DP107" && d.message.contains("compares equal")),
            "{new} vs {old}: {diagnostics:?}"
        );
        rows += 1;
    }
    assert_eq!(rows, 8);
}
