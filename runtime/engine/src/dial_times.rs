//! The times app_dial.c reports in the caller's variables (`set_duration_var`), shared by
//! the offline Dial and the `pbx` runtime's.

/// The times app_dial.c reports, each with its `_MS` twin: Dial empties them all as it
/// starts; `RINGTIME` and `PROGRESSTIME` are set when the first party rings or makes
/// progress, `ANSWEREDTIME` and `DIALEDTIME` only when a bridge ends (`end_bridge_callback`).
pub const NAMES: [&[u8]; 8] = [
    b"ANSWEREDTIME",
    b"ANSWEREDTIME_MS",
    b"DIALEDTIME",
    b"DIALEDTIME_MS",
    b"RINGTIME",
    b"RINGTIME_MS",
    b"PROGRESSTIME",
    b"PROGRESSTIME_MS",
];

/// `set_duration_var`: `name` in whole seconds and `name_MS` in milliseconds.
pub fn set(vars: &mut crate::vars::Variables, name: &[u8], ms: u64) {
    vars.set(name, Some((ms / 1000).to_string().as_bytes()));
    let full = [name, b"_MS"].concat();
    vars.set(&full, Some(ms.to_string().as_bytes()));
}

/// Dial starts: its times are emptied.
pub fn clear(vars: &mut crate::vars::Variables) {
    for name in NAMES {
        vars.set(name, Some(b""));
    }
}
