//! Helpers shared by the tests that read `shared/conformance/pattern-cases.md`.

use std::path::Path;

/// The table's text; the tests need it and say so when it is missing.
pub fn pattern_cases() -> String {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/pattern-cases.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{} is required: {e}", path.display()))
}

/// The `code spans` of a line of the table, in order.
pub fn ticks(s: &str) -> Vec<String> {
    s.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}
