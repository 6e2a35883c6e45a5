//! Any bytes parse without panicking, and the tree prints back to exactly those bytes.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use pbxc_diagnostics::FileId;

fuzz_target!(|data: &[u8]| {
    let (tree, _) = pbxc_syntax::parse(FileId(0), Arc::from(data));
    assert_eq!(tree.to_bytes(), data);
});
