//! While/EndWhile bookkeeping as app_while.c keeps it: in channel variables (`WHILE_n`,
//! `END_WHILE_n`, `CONTEXT_EXTEN_PRIORITY`) that it reads with `pbx_builtin_getvar_helper`
//! (so a global of that name counts) and names in 64-byte buffers (so a long label is cut).
//! Each trace is asserted on both engines; the loops run long enough for the JIT to compile
//! them part way.

mod support;

use support::trace;

#[test]
fn a_global_while_0_makes_the_loop_take_while_1() {
    // `WHILE_0` exists as a global, so the innermost loop is 0 and this one is 1.
    let dialplan = "\
[globals]
WHILE_0=elsewhere
[in]
exten => s,1,Set(i=0)
 same => n,While($[${i} < 3])
 same => n,NoOp(${WHILE_1}|${in_s_2}|${END_WHILE_1})
 same => n,Set(i=$[${i} + 1])
 same => n,EndWhile()
 same => n,NoOp(after ${WHILE_0}|${WHILE_1}|${in_s_2}|${END_WHILE_1})
";
    let mut expected = vec!["in,s,1,Set(i=0)".to_string()];
    for i in 0..3 {
        let end = if i == 0 { "" } else { "in,s,6" };
        expected.extend([
            "in,s,2,While(1)".to_string(),
            format!("in,s,3,NoOp(in,s,2|1|{end})"),
            format!("in,s,4,Set(i={})", i + 1),
            "in,s,5,EndWhile()".to_string(),
        ]);
    }
    expected.extend([
        "in,s,2,While(0)".to_string(),
        "in,s,6,NoOp(after elsewhere|||)".to_string(),
    ]);
    for jit in [false, true] {
        assert_eq!(trace(dialplan, jit), expected, "jit {jit}");
    }
}

#[test]
fn a_long_label_names_a_variable_cut_to_63_bytes() {
    // The While at priority 2 finds its label already set: `WHILE_<label>` is cut by
    // `snprintf(varname, 64, …)`. The EndWhile then finds no `WHILE_n` of its own and
    // does nothing.
    let label = "L".repeat(60);
    let cut = format!("WHILE_{}", &label[..57]);
    let dialplan = format!(
        "\
[in]
exten => s,1,Set(in_s_2={label})
 same => n,While(1)
 same => n,NoOp(${{{cut}}}|${{WHILE_{label}}})
 same => n,EndWhile()
 same => n,NoOp(done)
"
    );
    let expected = [
        format!("in,s,1,Set(in_s_2={label})"),
        "in,s,2,While(1)".to_string(),
        "in,s,3,NoOp(in,s,2|)".to_string(),
        "in,s,4,EndWhile()".to_string(),
        "in,s,5,NoOp(done)".to_string(),
    ];
    for jit in [false, true] {
        assert_eq!(trace(&dialplan, jit), expected, "jit {jit}");
    }
}

#[test]
fn nested_loops_number_their_variables_by_depth() {
    // The inner loop takes WHILE_1 while the outer one holds WHILE_0; each EndWhile goes
    // back to its own While, and leaving a loop deletes its variables.
    let dialplan = "\
[in]
exten => s,1,Set(i=0)
 same => n,While($[${i} < 2])
 same => n,Set(j=0)
 same => n,While($[${j} < 2])
 same => n,NoOp(${i}${j} ${WHILE_0} ${WHILE_1})
 same => n,Set(j=$[${j} + 1])
 same => n,EndWhile()
 same => n,NoOp(inner done ${WHILE_1}|${in_s_4})
 same => n,Set(i=$[${i} + 1])
 same => n,EndWhile()
 same => n,NoOp(outer done ${WHILE_0}|${in_s_2})
";
    let mut expected = vec!["in,s,1,Set(i=0)".to_string()];
    for i in 0..2 {
        expected.extend(["in,s,2,While(1)".to_string(), "in,s,3,Set(j=0)".to_string()]);
        for j in 0..2 {
            expected.extend([
                "in,s,4,While(1)".to_string(),
                format!("in,s,5,NoOp({i}{j} in,s,2 in,s,4)"),
                format!("in,s,6,Set(j={})", j + 1),
                "in,s,7,EndWhile()".to_string(),
            ]);
        }
        expected.extend([
            "in,s,4,While(0)".to_string(),
            "in,s,8,NoOp(inner done |)".to_string(),
            format!("in,s,9,Set(i={})", i + 1),
            "in,s,10,EndWhile()".to_string(),
        ]);
    }
    expected.extend([
        "in,s,2,While(0)".to_string(),
        "in,s,11,NoOp(outer done |)".to_string(),
    ]);
    for jit in [false, true] {
        assert_eq!(trace(dialplan, jit), expected, "jit {jit}");
    }
}

#[test]
fn only_names_as_percent_d_prints_them_count_and_deep_nesting_is_counted_on() {
    // `WHILE_00` is not `WHILE_0`; globals WHILE_0 … WHILE_64 make this loop the 66th.
    let mut globals = String::from("[globals]\nWHILE_00=x\n");
    for n in 0..=64 {
        globals.push_str(&format!("WHILE_{n}=g\n"));
    }
    for (globals, index) in [("[globals]\nWHILE_00=x\n".to_string(), 0), (globals, 65)] {
        let dialplan = format!(
            "{globals}[in]\nexten => s,1,While(1)\n same => n,NoOp(${{WHILE_{index}}}|${{in_s_1}})\n same => n,ExitWhile()\n same => n,EndWhile()\n same => n,NoOp(done ${{WHILE_{index}}})\n"
        );
        let expected = [
            "in,s,1,While(1)".to_string(),
            format!("in,s,2,NoOp(in,s,1|{index})"),
            "in,s,3,ExitWhile()".to_string(),
            "in,s,5,NoOp(done )".to_string(),
        ];
        for jit in [false, true] {
            assert_eq!(trace(&dialplan, jit), expected, "jit {jit}, loop {index}");
        }
    }
}

#[test]
fn a_label_ending_in_a_parenthesis_is_written_as_a_function() {
    // `pbx_builtin_setvar_helper` takes `WHILE_f(x)` for a function: Asterisk logs that no
    // such function is registered and sets nothing, so the EndWhile finds no loop.
    let dialplan = "\
[in]
exten => s,1,Set(in_s_2=f(x))
 same => n,While(1)
 same => n,EndWhile()
 same => n,NoOp(done)
";
    for jit in [false, true] {
        let (call, lines) = support::run(dialplan, jit);
        assert_eq!(
            lines,
            [
                "in,s,1,Set(in_s_2=f(x))",
                "in,s,2,While(1)",
                "in,s,3,EndWhile()",
                "in,s,4,NoOp(done)"
            ],
            "jit {jit}"
        );
        assert!(
            call.log
                .iter()
                .any(|l| l.contains("Function WHILE_f not registered")),
            "{:?}",
            call.log
        );
        assert_eq!(call.vars.get(b"WHILE_f(x)"), None);
    }
}
