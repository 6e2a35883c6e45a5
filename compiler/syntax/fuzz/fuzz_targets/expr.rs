//! Any bytes scan as a template, parse as a `$[...]` body and evaluate without panicking,
//! and every range points inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let t = pbxc_expr::template::scan(data);
    for (e, _) in t.embedded() {
        assert!(e.range.start <= e.body.start && e.body.end <= e.range.end && e.range.end <= data.len());
        let _ = pbxc_expr::template::reference(data, e.body.clone());
    }
    let parsed = pbxc_expr::parse_expr(data);
    if let Some(err) = parsed.error {
        assert!(err.range.start <= err.range.end && err.range.end <= data.len());
    }
    if let Some(e) = parsed.expr {
        assert!(e.range().end <= data.len());
    }
    // A function that echoes its arguments, so that results flow back into operators.
    struct Echo;
    impl pbxc_expr::eval::Functions for Echo {
        fn call(&mut self, _name: &[u8], args: &[u8]) -> Option<Vec<u8>> {
            (!args.len().is_multiple_of(3)).then(|| args.to_vec())
        }
    }
    let _ = pbxc_expr::eval::evaluate(data, &mut Echo);
});
