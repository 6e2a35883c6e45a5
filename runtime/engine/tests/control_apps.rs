//! Applications that only move the call or its variables, each pinned by the steps a call
//! takes through it, on both engines (the JIT three times on one engine): If, ElseIf, Else,
//! EndIf and ExitIf (app_if.c), GosubIf, ContinueWhile, Exec, RaiseException, Verbose and
//! StackPop.

use pbx_engine::{Call, SimulatedChannel};

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::engines;

/// (name, dialplan whose context `c` the call starts in at `s`, the steps it runs, the
/// variables it ends with).
struct Case {
    name: &'static str,
    dialplan: &'static str,
    steps: &'static [&'static str],
    variables: &'static [(&'static str, &'static str)],
}

const CASES: &[Case] = &[
    Case {
        name: "a false If goes past its Else; the Else branch runs to the EndIf",
        dialplan: "\
[c]
exten => s,1,If($[1 = 2])
 same => n,Set(r=then)
 same => n,Else()
 same => n,Set(r=else)
 same => n,EndIf()
 same => n,Set(done=${r})
",
        steps: &[
            "c,s,1,If(0)",
            "c,s,4,Set(r=else)",
            "c,s,5,EndIf()",
            "c,s,6,Set(done=else)",
        ],
        variables: &[("done", "else")],
    },
    Case {
        name: "a true If runs its branch; reaching Else leaves for the EndIf",
        dialplan: "\
[c]
exten => s,1,If($[1 = 1])
 same => n,Set(r=then)
 same => n,Else()
 same => n,Set(r=else)
 same => n,EndIf()
 same => n,Set(done=${r})
",
        steps: &[
            "c,s,1,If(1)",
            "c,s,2,Set(r=then)",
            "c,s,3,Else()",
            "c,s,6,Set(done=then)",
        ],
        variables: &[("done", "then")],
    },
    Case {
        name: "a false If steps onto its ElseIf, which tests its own condition",
        dialplan: "\
[c]
exten => s,1,Set(x=2)
 same => n,If($[${x} = 1])
 same => n,Set(r=one)
 same => n,ElseIf($[${x} = 2])
 same => n,Set(r=two)
 same => n,Else()
 same => n,Set(r=other)
 same => n,EndIf()
 same => n,Set(done=${r})
",
        steps: &[
            "c,s,1,Set(x=2)",
            "c,s,2,If(0)",
            "c,s,4,ElseIf(1)",
            "c,s,5,Set(r=two)",
            "c,s,6,Else()",
            "c,s,9,Set(done=two)",
        ],
        variables: &[("done", "two")],
    },
    Case {
        name: "ExitIf leaves for the EndIf; an inner If/EndIf pair is skipped over",
        dialplan: "\
[c]
exten => s,1,If(1)
 same => n,ExitIf()
 same => n,If(1)
 same => n,Set(inner=1)
 same => n,EndIf()
 same => n,Set(r=not here)
 same => n,EndIf()
 same => n,Set(done=yes)
",
        steps: &["c,s,1,If(1)", "c,s,2,ExitIf()", "c,s,8,Set(done=yes)"],
        variables: &[("done", "yes")],
    },
    Case {
        name: "GosubIf takes the branch its condition picks, with its arguments",
        dialplan: "\
[c]
exten => s,1,GosubIf($[1 = 1]?sub,s,1(yes):sub,s,1(no))
 same => n,GosubIf($[1 = 2]?sub,s,1(yes):sub,s,1(no))
 same => n,GosubIf(0?sub,s,1(only))
 same => n,Set(done=${GOSUB_RETVAL})
[sub]
exten => s,1,Return(${ARG1})
",
        steps: &[
            "c,s,1,GosubIf(1?sub,s,1(yes):sub,s,1(no))",
            "sub,s,1,Return(yes)",
            "c,s,2,GosubIf(0?sub,s,1(yes):sub,s,1(no))",
            "sub,s,1,Return(no)",
            "c,s,3,GosubIf(0?sub,s,1(only))",
            "c,s,4,Set(done=no)",
        ],
        variables: &[("done", "no")],
    },
    Case {
        name: "ContinueWhile goes back to the While, which tests again",
        dialplan: "\
[c]
exten => s,1,Set(i=0)
 same => n,While($[${i} < 3])
 same => n,Set(i=$[${i} + 1])
 same => n,ContinueWhile()
 same => n,Set(skipped=1)
 same => n,EndWhile()
 same => n,Set(out=${i})
",
        steps: &[
            "c,s,1,Set(i=0)",
            "c,s,2,While(1)",
            "c,s,3,Set(i=1)",
            "c,s,4,ContinueWhile()",
            "c,s,2,While(1)",
            "c,s,3,Set(i=2)",
            "c,s,4,ContinueWhile()",
            "c,s,2,While(1)",
            "c,s,3,Set(i=3)",
            "c,s,4,ContinueWhile()",
            "c,s,2,While(0)",
            "c,s,7,Set(out=3)",
        ],
        variables: &[("out", "3")],
    },
    Case {
        name: "Exec runs an application by name, its data substituted once more",
        // `${a}{x}` makes the text `${x}`: what substitution produced is not read again.
        dialplan: "\
[c]
exten => s,1,Set(a=$)
 same => n,Set(q=${a}{x})
 same => n,Set(x=inner)
 same => n,Exec(Set(y=${q}))
 same => n,Verbose(1,shown only)
 same => n,Set(z=${y})
",
        steps: &[
            "c,s,1,Set(a=$)",
            "c,s,2,Set(q=${x})",
            "c,s,3,Set(x=inner)",
            "c,s,4,Exec(Set(y=${x}))",
            "c,s,5,Verbose(1,shown only)",
            "c,s,6,Set(z=inner)",
        ],
        variables: &[("q", "${x}"), ("z", "inner")],
    },
    Case {
        name: "RaiseException goes to e with the reason and where it was raised",
        dialplan: "\
[c]
exten => s,1,NoOp()
 same => n,RaiseException(CUSTOM)
 same => n,Set(never=1)
exten => e,1,Set(r=${EXCEPTION(REASON)}/${EXCEPTION(EXTEN)}/${EXCEPTION(PRIORITY)})
",
        steps: &[
            "c,s,1,NoOp()",
            "c,s,2,RaiseException(CUSTOM)",
            "c,e,1,Set(r=CUSTOM/s/2)",
        ],
        variables: &[("r", "CUSTOM/s/2")],
    },
    Case {
        name: "StackPop drops the return address: Return then has nowhere to go",
        dialplan: "\
[c]
exten => s,1,Gosub(sub,s,1)
 same => n,Set(back=1)
[sub]
exten => s,1,StackPop()
 same => n,Return()
",
        steps: &[
            "c,s,1,Gosub(sub,s,1)",
            "sub,s,1,StackPop()",
            "sub,s,2,Return()",
        ],
        variables: &[],
    },
];

#[test]
fn control_applications_on_both_engines() {
    for case in CASES {
        let (plan, findings) = pbxc_dialplan::lower_text(case.dialplan.as_bytes());
        assert!(
            findings.iter().all(|f| f.code.id.starts_with("DP2")),
            "{}: {findings:?}",
            case.name
        );
        for (engine_name, mut engine, runs) in engines(&plan) {
            for run in 0..runs {
                let mut call = Call::new(b"c", b"s", None);
                let mut steps = Vec::new();
                engine.run(&mut call, &mut SimulatedChannel::default(), &mut |e| {
                    steps.push(e.to_string())
                });
                assert_eq!(
                    steps, case.steps,
                    "{} ({engine_name}, run {run})",
                    case.name
                );
                for (name, value) in case.variables {
                    assert_eq!(
                        call.vars.get(name.as_bytes()),
                        Some(value.as_bytes()),
                        "{}: {name} ({engine_name}, run {run})",
                        case.name
                    );
                }
            }
        }
    }
}
