//! What the tests of the reader share.

use proptest::prelude::*;

/// Texts made of what the reader tells apart: comments and their openers and closers,
/// escapes, NUL bytes, BOMs, statements, lines.
pub(crate) fn text() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just(&b";"[..]),
        Just(&b";--"[..]),
        Just(&b"--;"[..]),
        Just(&b"-"[..]),
        Just(&b"\\;"[..]),
        Just(&b"\n"[..]),
        Just(&b"\n"[..]),
        Just(&b"\n"[..]),
        Just(&b"[ctx]"[..]),
        Just(&b"exten => 1,1,NoOp(x)"[..]),
        Just(&b"#include x.conf"[..]),
        Just(&b" "[..]),
        Just(&b"\0"[..]),
        Just(&b"\xEF\xBB\xBF"[..]),
    ];
    proptest::collection::vec(token, 0..40).prop_map(|t| t.concat())
}
