//! EVAL_EXTEN (func_evalexten.c), ENV and STAT (func_env.c) from the dialplan, on both
//! engines.

use pbx_engine::{Call, SimulatedChannel};

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::{engines, get};

const DIALPLAN: &str = "\
[c]
exten => s,1,Set(who=me)
 same => n(here),Set(r1=${EVAL_EXTEN(texts,greeting,1)})
 same => n,Set(r2=${EVAL_EXTEN(texts,greeting,named)})
 same => n,Set(r3=${EVAL_EXTEN(1)}|${EVAL_EXTEN(s,here)}|${EVAL_EXTEN(texts,95,1)})
 same => n,Set(r4=[${EVAL_EXTEN(texts,greeting,nolabel)}][${EVAL_EXTEN(texts,nothing,1)}][${EVAL_EXTEN()}])
 same => n,Set(r5=${EVAL_EXTEN(texts,greeting,2,ignored)})
 same => n,Set(r6=[${EVAL_EXTEN(,greeting,named)}]${EVAL_EXTEN(texts,channel,1)})
 same => n,Set(ENV(PBXC_EVAL_TEST)=from the dialplan)
 same => n,Set(env=${ENV(PBXC_EVAL_TEST)}|[${ENV(PBXC_UNSET_TEST)}])
 same => n,Set(stat=${STAT(e,/)}${STAT(d,/)}${STAT(f,/)}${STAT(e,/nonexistent)})
[texts]
exten => greeting,1,Return(Hello ${who} at ${CONTEXT},${EXTEN},${PRIORITY})
 same => n(named),NoOp(${EXTEN}:${PRIORITY}, quoted \"${who}\")
exten => _9X,1,Return(${EXTEN})
exten => channel,1,Return(${CONTEXT}/${CHANNEL(context)})
";

#[test]
fn eval_exten_env_and_stat_on_both_engines() {
    let (plan, findings) = pbxc_dialplan::lower_text(DIALPLAN.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    for (engine_name, mut engine, runs) in engines(&plan) {
        for _ in 0..runs {
            let mut call = Call::new(b"c", b"s", None);
            engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
            // The data as written, substituted as if the call were there.
            assert_eq!(
                get(&call, "r1"),
                "Hello me at texts,greeting,1",
                "{engine_name}"
            );
            assert_eq!(get(&call, "r2"), "greeting:2, quoted \"me\"");
            // One part: a priority of this extension (its data only: `who=me`); two: an
            // extension and a label, whose data is substituted where it is. A pattern's
            // data reads the number as EXTEN.
            assert_eq!(
                get(&call, "r3"),
                "who=me|r1=Hello me at texts,greeting,1|95"
            );
            assert_eq!(get(&call, "r4"), "[][][]");
            assert_eq!(get(&call, "r5"), "greeting:2, quoted \"me\"");
            // An empty context is searched as empty for a label; CHANNEL(context) reads
            // where the channel is.
            assert_eq!(get(&call, "r6"), "[]texts/c");
            assert_eq!(get(&call, "env"), "from the dialplan|[]");
            assert_eq!(get(&call, "stat"), "1100");
            assert_eq!(
                call.log,
                [
                    "WARNING: Priority 'nolabel' must be a number > 0, or valid label",
                    "WARNING: The EVAL_EXTEN function requires an extension",
                    "WARNING: Priority 'named' must be a number > 0, or valid label",
                ],
                "{engine_name}"
            );
        }
    }
}
