//! IFMODULE (func_module.c): whether a module is loaded, by its name with or without `.so`
//! in any case, as `ast_module_check` compares — the PBX's modules, none offline.

use std::sync::Arc;

use pbx_engine::{Call, LoadedModules, SimulatedChannel};

#[path = "support/both_engines.rs"]
mod both_engines;

use both_engines::engines;

const DIALPLAN: &str = "\
[c]
exten => s,1,Set(r=${IFMODULE(app_dial.so)}${IFMODULE(APP_Dial)}${IFMODULE(app_verify.so)}${IFMODULE()}${IFMODULE(.so)}${IFMODULE(APP_DIAL.SO)})
";

#[test]
fn ifmodule_answers_from_the_loaded_modules() {
    let (plan, findings) = pbxc_dialplan::lower_text(DIALPLAN.as_bytes());
    assert!(findings.is_empty(), "{findings:?}");
    for (engine_name, mut engine, runs) in engines(&plan) {
        for loaded in [false, true] {
            engine.modules = loaded.then(|| {
                Arc::new(|base: &str| base.eq_ignore_ascii_case("app_dial")) as LoadedModules
            });
            for _ in 0..runs {
                let mut call = Call::new(b"c", b"s", None);
                engine.run(&mut call, &mut SimulatedChannel::default(), &mut |_| {});
                let r =
                    String::from_utf8_lossy(call.vars.get(b"r").unwrap_or_default()).into_owned();
                let expected = if loaded { "110001" } else { "000000" };
                assert_eq!(r, expected, "{engine_name}, loaded: {loaded}");
                assert!(call.log.is_empty(), "{:?}", call.log);
            }
        }
    }
}
