//! Priorities as typed steps: the catalog's parameters, each argument a template.

use pbxc_dialplan::lower_text;
use pbxc_expr::template::Piece;

/// `param=text` per argument, with `{}`/`[]` around the substitutions and expressions found.
fn step(line: &str) -> Vec<String> {
    let (plan, _) = lower_text(format!("[c]\nexten => 1,1,{line}\n").as_bytes());
    let p = &plan.contexts[0].extensions[0].priorities[0];
    let step = p.step();
    step.args
        .iter()
        .map(|a| {
            let name = a
                .param
                .map_or("?".to_string(), |p| format!("{}:{}", p.name, p.kind.name()));
            let shown: Vec<String> = a
                .template
                .pieces
                .iter()
                .map(|piece| match piece {
                    Piece::Text(r) => String::from_utf8_lossy(&p.data[r.clone()]).into_owned(),
                    Piece::Substitution(e) => {
                        format!("{{{}}}", String::from_utf8_lossy(&p.data[e.body.clone()]))
                    }
                    Piece::Expression(e) => {
                        format!("[{}]", String::from_utf8_lossy(&p.data[e.body.clone()]))
                    }
                })
                .collect();
            format!("{name}={}", shown.join(""))
        })
        .collect()
}

#[test]
fn arguments_are_cut_as_the_application_cuts_them() {
    assert_eq!(
        step("GotoIf($[${X} > 1]?yes:no)"),
        [
            "condition:cond=[${X} > 1]",
            "iftrue:goto=yes",
            "iffalse:goto=no"
        ]
    );
    assert_eq!(
        step("Dial(PJSIP/${EXTEN}&PJSIP/bob,30,tTU(sub^a,b))"),
        [
            "targets:dial-targets=PJSIP/{EXTEN}&PJSIP/bob",
            "timeout:duration=30",
            "options:options=tTU(sub^a,b)"
        ]
    );
    assert_eq!(step("Goto(ctx,s,1)"), ["destination:goto=ctx,s,1"]);
    assert_eq!(step("Frobnicate(a,b)"), ["?=a", "?=b"]);
}
