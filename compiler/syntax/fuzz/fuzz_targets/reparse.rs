//! Any edit of any bytes, read again from the old tree (`reparse`), reads as the new bytes
//! read whole: the same lines and the same diagnostics, and no panic on the way.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use pbxc_diagnostics::FileId;

fuzz_target!(|input: (&[u8], u16, u16, &[u8])| {
    let (old, at, removed, inserted) = input;
    let at = at as usize % (old.len() + 1);
    let removed = removed as usize % (old.len() - at + 1);
    let new: Vec<u8> = [&old[..at], inserted, &old[at + removed..]].concat();
    let (tree, diagnostics) = pbxc_syntax::parse_on_this_thread(FileId(0), Arc::from(old));
    let again = pbxc_syntax::reparse(&tree, &diagnostics, FileId(0), Arc::from(&new[..]));
    let (fresh, fresh_diagnostics) = pbxc_syntax::parse_on_this_thread(FileId(0), Arc::from(&new[..]));
    assert!(again.tree.lines == fresh.lines);
    assert!(again.diagnostics == fresh_diagnostics);
    assert_eq!(again.tree.to_bytes(), new);
});
