//! Hangup handlers (`CHANNEL(hangup_handler_push|pop|wipe)`, pbx_hangup_handler.c): run
//! after the `h` extension, last pushed first, each as a Gosub to its `Return`; a location
//! without a context or extension is completed with the channel's at push time.

mod support;

use support::trace;

#[test]
fn handlers_run_after_h_last_pushed_first() {
    let dialplan = "\
[in]
exten => s,1,Set(CHANNEL(hangup_handler_push)=hdlr,s,1(first))
 same => n,Set(CHANNEL(hangup_handler_push)=hdlr,s,1(second))
 same => n,Set(CHANNEL(hangup_handler_push)=hdlr,s,1(dropped))
 same => n,Set(CHANNEL(hangup_handler_pop)=)
 same => n,Set(CHANNEL(hangup_handler_push)=local,1(relative))
 same => n,Hangup()
exten => h,1,NoOp(h runs first)
exten => local,1,NoOp(${ARG1} in ${CONTEXT})
 same => n,Return()
[hdlr]
exten => s,1,NoOp(handler ${ARG1})
 same => n,Return()
";
    for jit in [false, true] {
        assert_eq!(
            trace(dialplan, jit),
            vec![
                "in,s,1,Set(CHANNEL(hangup_handler_push)=hdlr,s,1(first))",
                "in,s,2,Set(CHANNEL(hangup_handler_push)=hdlr,s,1(second))",
                "in,s,3,Set(CHANNEL(hangup_handler_push)=hdlr,s,1(dropped))",
                "in,s,4,Set(CHANNEL(hangup_handler_pop)=)",
                "in,s,5,Set(CHANNEL(hangup_handler_push)=local,1(relative))",
                "in,s,6,Hangup()",
                "in,h,1,NoOp(h runs first)",
                "in,local,1,NoOp(relative in in)",
                "in,local,2,Return()",
                "hdlr,s,1,NoOp(handler second)",
                "hdlr,s,2,Return()",
                "hdlr,s,1,NoOp(handler first)",
                "hdlr,s,2,Return()",
            ],
            "jit {jit}"
        );
    }
}

#[test]
fn wipe_leaves_only_its_own_value() {
    let dialplan = "\
[in]
exten => s,1,Set(CHANNEL(hangup_handler_push)=hdlr,s,1(a))
 same => n,Set(CHANNEL(hangup_handler_wipe)=hdlr,s,1(b))
[hdlr]
exten => s,1,NoOp(${ARG1})
 same => n,Return()
";
    assert_eq!(
        trace(dialplan, false)[2..],
        ["hdlr,s,1,NoOp(b)", "hdlr,s,2,Return()"]
    );
}
