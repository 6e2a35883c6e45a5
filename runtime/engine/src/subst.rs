//! `${...}` substitution at run time (`pbx_substitute_variables_helper_full_location`,
//! main/pbx_variables.c), byte for byte (dialplans may hold Latin-1, so it works on `&[u8]`).
//!
//! The rules (spec §4.2–4.3):
//! - one pass, left to right; only `${` and `$[` start anything, any other `$` is literal;
//! - the end of `${…}` is found by counting braces (`${` and `{` open, `}` closes), of
//!   `$[…]` by counting brackets; unterminated, the rest of the text is the body and a
//!   warning is logged;
//! - a body holding `${` or `$[` is substituted first, recursively, then used as the name
//!   (`${${x}y}`) or the expression;
//! - a name with a `(` is a function call `NAME(args)`, args up to the last `)`;
//!   `:offset[:length]` outside parentheses takes a substring of the result;
//! - what was produced is never scanned again, and there is no escape character;
//! - nesting deeper than 15 calls (counted per thread, so EVAL inside a substitution counts
//!   too) logs an error and produces nothing for that level;
//! - the fixed C buffers are honoured: [`Limits::APP_DATA`].
//!
//! Everything that needs the call (variables, functions, expressions, logging) goes through
//! [`Scope`].

use std::borrow::Cow;
use std::cell::Cell;

use pbxc_stdlib::functions::args::cstr;
use pbxc_stdlib::functions::cscan::{self, Scan};

/// `VAR_BUF_SIZE`: the workspace a variable's value, a function's result and a nested
/// body are copied through (so each holds at most 4095 bytes).
pub const VAR_BUF_SIZE: usize = 4096;
/// `EXT_DATA_SIZE`: the buffer an application's substituted data is built in.
pub const EXT_DATA_SIZE: usize = 8192;
/// `MAX_VARIABLE_SUB_RECURSE_DEPTH`.
pub const MAX_DEPTH: u32 = 15;

/// Severity of a message substitution logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// `LOG_ERROR`.
    Error,
    /// `LOG_WARNING`.
    Warning,
}

/// What substitution asks of the call it runs in.
pub trait Scope {
    /// A variable by name, as `pbx_retrieve_variable` finds it: the built-in names
    /// (`EXTEN`, `CONTEXT`, `PRIORITY`, …), then channel variables, then globals, appended
    /// to `out`. `false` when unset (it substitutes as the empty string), and then nothing
    /// is appended. Appending rather than returning lets a scope copy a value it holds
    /// straight into the text being built: a step that substitutes `${i}` allocates nothing
    /// for it.
    fn variable_into(&mut self, name: &[u8], out: &mut Vec<u8>) -> bool;
    /// [`Scope::variable_into`] as a value of its own.
    fn variable(&mut self, name: &[u8]) -> Option<Vec<u8>> {
        let mut value = Vec::new();
        self.variable_into(name, &mut value).then_some(value)
    }
    /// `NAME(args)` with `args` already substituted. `None` when the function does not exist
    /// or fails (the substitution is then empty).
    fn function(&mut self, name: &[u8], args: &[u8]) -> Option<Vec<u8>>;
    /// `$[body]` with `body` already substituted: its printed result.
    fn expression(&mut self, body: &[u8]) -> Vec<u8>;
    /// A message Asterisk would log while substituting (`missing '}'`, recursion depth,
    /// missing `)`). The default drops it.
    fn log(&mut self, level: Level, message: &str) {
        let _ = (level, message);
    }
}

/// The C buffer sizes one substitution works within.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of output at most (the `count` argument).
    pub output: usize,
    /// Bytes of a name, a nested body's substitution, a variable's value or a function's
    /// result at most.
    pub value: usize,
}

impl Limits {
    /// Application data (`pbx_extension_helper`): 8191 bytes of output, 4095 per value.
    pub const APP_DATA: Limits = Limits {
        output: EXT_DATA_SIZE - 1,
        value: VAR_BUF_SIZE - 1,
    };
    /// The dynamic-string variant (`ast_str_substitute_variables`): no size limits.
    pub const UNBOUNDED: Limits = Limits {
        output: usize::MAX,
        value: usize::MAX,
    };
}

/// Substitutes application data, within [`Limits::APP_DATA`].
pub fn substitute(data: &[u8], scope: &mut dyn Scope) -> Vec<u8> {
    substitute_with(data, scope, Limits::APP_DATA)
}

/// Substitutes `data` within `limits`.
pub fn substitute_with(data: &[u8], scope: &mut dyn Scope, limits: Limits) -> Vec<u8> {
    helper(data, scope, limits, limits.output)
}

/// The `EVAL(data)` function: `data` (already substituted once as the function's argument)
/// substituted again, into a value-sized buffer. `None` (with Asterisk's warning) for empty
/// data.
pub fn eval(data: &[u8], scope: &mut dyn Scope, limits: Limits) -> Option<Vec<u8>> {
    if data.is_empty() {
        scope.log(Level::Warning, "EVAL requires an argument: EVAL(<string>)");
        return None;
    }
    Some(helper(data, scope, limits, limits.value))
}

thread_local! {
    /// Asterisk's `varsub_recurse_level` thread storage.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// One level of substitution nesting, released on drop.
struct Depth;

impl Depth {
    fn enter() -> Option<Depth> {
        DEPTH.with(|d| {
            if d.get() >= MAX_DEPTH {
                None
            } else {
                d.set(d.get() + 1);
                Some(Depth)
            }
        })
    }
}

impl Drop for Depth {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

/// The substitution proper, writing at most `count` bytes.
fn helper(data: &[u8], scope: &mut dyn Scope, limits: Limits, mut count: usize) -> Vec<u8> {
    let Some(_depth) = Depth::enter() else {
        scope.log(
            Level::Error,
            &format!(
                "Exceeded maximum variable substitution recursion depth ({MAX_DEPTH}) - possible infinite recursion in dialplan?"
            ),
        );
        return Vec::new();
    };
    // C strings: nothing after a NUL exists.
    let data = cstr(data);
    let mut out = Vec::with_capacity(data.len().min(count));
    let mut i = 0;
    while i < data.len() && count > 0 {
        let rest = &data[i..];
        let dollar = rest.iter().position(|&b| b == b'$');
        let opener = dollar.and_then(|d| match rest.get(d + 1) {
            Some(&c @ (b'{' | b'[')) => Some((d, c)),
            _ => None,
        });
        // Literal text up to the `${`/`$[`, or through a lone `$`, or to the end.
        let literal = match (opener, dollar) {
            (Some((d, _)), _) => d,
            (None, Some(d)) => d + 1,
            (None, None) => rest.len(),
        };
        let copied = literal.min(count);
        out.extend_from_slice(&rest[..copied]);
        count -= copied;
        // C advances by the truncated length, but still evaluates the `${` it found.
        i += copied;
        let Some((d, kind)) = opener else {
            continue;
        };
        let start = data.len() - rest.len() + d + 2;
        let scan = scan_body(data, start, kind);
        i = scan.end;
        if !scan.closed {
            let missing = if kind == b'{' { "'}'" } else { "']'" };
            scope.log(
                Level::Warning,
                &format!("Error in extension logic (missing {missing})"),
            );
        }
        let raw = &data[start..scan.body_end];
        let raw = &raw[..raw.len().min(limits.value)];
        let body = if scan.needs_substitution {
            Cow::Owned(helper(raw, scope, limits, limits.value))
        } else {
            Cow::Borrowed(raw)
        };
        if kind == b'{' {
            count -= lookup_into(&body, scope, limits, &mut out, count);
        } else {
            let value = scope.expression(&body);
            let value = cstr(&value);
            // ast_expr writes at most count - 1 bytes and a NUL.
            let room = count.saturating_sub(1);
            if value.len() > room {
                out.extend_from_slice(&value[..room]);
                count = 0;
            } else {
                out.extend_from_slice(value);
                count -= value.len();
            }
        }
    }
    out
}

/// Where a `${`/`$[` body ends.
struct Scanned {
    /// Index after the closing `}`/`]` (or the end of the data).
    end: usize,
    /// Index where the body ends (before the closer).
    body_end: usize,
    closed: bool,
    /// The body holds `${` or `$[`.
    needs_substitution: bool,
}

/// Counts `{}` (for `${`) or `[]` (for `$[`) from `start`, as the C loop does: a nested
/// opener of the same kind counts, one of the other kind only marks the body for
/// substitution.
fn scan_body(data: &[u8], start: usize, kind: u8) -> Scanned {
    let (open, close, other) = if kind == b'{' {
        (b'{', b'}', b'[')
    } else {
        (b'[', b']', b'{')
    };
    let mut depth = 1usize;
    let mut needs = false;
    let mut j = start;
    while depth > 0 && j < data.len() {
        let next = data.get(j + 1).copied();
        if data[j] == b'$' && next == Some(open) {
            needs = true;
            depth += 1;
            j += 1;
        } else if data[j] == open {
            depth += 1;
        } else if data[j] == close {
            depth -= 1;
        } else if data[j] == b'$' && next == Some(other) {
            needs = true;
            j += 1;
        }
        j += 1;
    }
    let end = j.min(data.len());
    let closed = depth == 0;
    Scanned {
        end,
        body_end: if closed { end - 1 } else { end },
        closed,
        needs_substitution: needs,
    }
}

/// `name[:offset[:length]]` split as `parse_variable_name` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VarRef<'a> {
    /// The name (or `FUNC(args)` call) before the first `:` outside parentheses.
    pub name: &'a [u8],
    /// The substring offset (0 when absent or unreadable).
    pub offset: i32,
    /// The substring length (`i32::MAX` when absent or unreadable).
    pub length: i32,
    /// A `(` came before the cut: a function call.
    pub is_function: bool,
}

/// `parse_variable_name`: the first `:` at parenthesis depth 0 (the depth may go negative
/// on a stray `)`, and then no `:` counts) starts `sscanf("%d:%d")`.
pub fn parse_variable_name(text: &[u8]) -> VarRef<'_> {
    let mut parens = 0i64;
    let mut is_function = false;
    for (i, &c) in text.iter().enumerate() {
        match c {
            b'(' => {
                is_function = true;
                parens += 1;
            }
            b')' => parens -= 1,
            b':' if parens == 0 => {
                let (offset, length) = offset_length(&text[i + 1..]);
                return VarRef {
                    name: &text[..i],
                    offset,
                    length,
                    is_function,
                };
            }
            _ => {}
        }
    }
    VarRef {
        name: text,
        offset: 0,
        length: i32::MAX,
        is_function,
    }
}

/// `sscanf(spec, "%30d:%30d", &offset, &length)` with the defaults left where it stops.
fn offset_length(spec: &[u8]) -> (i32, i32) {
    let Scan::Ok(offset, used) = cscan::int(spec, 30) else {
        return (0, i32::MAX);
    };
    if spec.get(used) != Some(&b':') {
        return (offset, i32::MAX);
    }
    match cscan::int(&spec[used + 1..], 30) {
        Scan::Ok(length, _) => (offset, length),
        _ => (offset, i32::MAX),
    }
}

/// `substring`: a negative offset counts from the end (clamped to the start); a negative
/// length drops that many bytes from the end. Computed without overflow where C's `int`
/// arithmetic would be undefined.
pub fn substring(value: &[u8], offset: i32, length: i32) -> &[u8] {
    &value[substring_range(value.len(), offset, length)]
}

/// Where [`substring`] of a value `len` bytes long lies in it.
fn substring_range(len: usize, offset: i32, length: i32) -> std::ops::Range<usize> {
    let lr = len as i64;
    let (mut offset, length) = (i64::from(offset), i64::from(length));
    if offset == 0 && length >= lr {
        return 0..len;
    }
    if offset < 0 {
        offset = (lr + offset).max(0);
    }
    if offset >= lr {
        return 0..0;
    }
    let end = if length >= 0 && length < lr - offset {
        offset + length
    } else if length < 0 {
        if lr > offset - length {
            lr + length
        } else {
            offset
        }
    } else {
        lr
    };
    offset as usize..end as usize
}

/// `func_args`: `NAME(args)` → (name before the first `(`, args up to the last `)`, whether
/// that `)` exists). Without a `)` the args run to the end.
pub fn split_function(call: &[u8]) -> (&[u8], &[u8], bool) {
    let Some(open) = call.iter().position(|&b| b == b'(') else {
        return (call, &[], true);
    };
    let args = &call[open + 1..];
    match args.iter().rposition(|&b| b == b')') {
        Some(close) => (&call[..open], &args[..close], true),
        None => (&call[..open], args, false),
    }
}

/// Appends a `${…}` body's value after its substring to `out`, at most `count` bytes of it;
/// returns how many it appended.
fn lookup_into(
    body: &[u8],
    scope: &mut dyn Scope,
    limits: Limits,
    out: &mut Vec<u8>,
    count: usize,
) -> usize {
    let r = parse_variable_name(body);
    // The value is appended whole, then cut down where it lies.
    let start = out.len();
    let found = if r.is_function {
        let (name, args, closed) = split_function(r.name);
        if !closed {
            scope.log(
                Level::Warning,
                &format!(
                    "Can't find trailing parenthesis for function '{}({}'?",
                    String::from_utf8_lossy(name),
                    String::from_utf8_lossy(args)
                ),
            );
        }
        scope
            .function(name, args)
            .map(|value| out.extend_from_slice(&value))
            .is_some()
    } else {
        scope.variable_into(r.name, out)
    };
    if !found {
        out.truncate(start);
        return 0;
    }
    let len = cstr(&out[start..]).len().min(limits.value);
    let kept = substring_range(len, r.offset, r.length);
    let n = kept.len().min(count);
    out.copy_within(start + kept.start..start + kept.start + n, start);
    out.truncate(start + n);
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Plain;

    impl Scope for Plain {
        fn variable_into(&mut self, name: &[u8], out: &mut Vec<u8>) -> bool {
            match name {
                b"x" => out.extend_from_slice(b"${y}"),
                b"big" => out.extend_from_slice(&[b'a'; 5000]),
                b"" => return false,
                n if n.starts_with(b"n") => out.push(b'n'),
                _ => return false,
            }
            true
        }
        fn function(&mut self, name: &[u8], args: &[u8]) -> Option<Vec<u8>> {
            Some([name, b"|", args].concat())
        }
        fn expression(&mut self, body: &[u8]) -> Vec<u8> {
            [b"<", body, b">"].concat()
        }
    }

    fn sub(s: &str) -> String {
        String::from_utf8(substitute(s.as_bytes(), &mut Plain)).unwrap()
    }

    #[test]
    fn substrings() {
        assert_eq!(substring(b"123", 1, i32::MAX), b"23");
        assert_eq!(substring(b"123", -10, i32::MAX), b"123");
        assert_eq!(substring(b"123", 0, i32::MIN), b"");
        assert_eq!(substring(b"123", i32::MIN, -1), b"12");
        assert_eq!(substring(b"", -1, -1), b"");
    }

    /// `substring` as it was written on slices before it was computed as a range (the
    /// substitution cuts values where it appended them); pinned by the conformance rows.
    fn sliced(value: &[u8], offset: i32, length: i32) -> &[u8] {
        let lr = value.len() as i64;
        let (mut offset, length) = (i64::from(offset), i64::from(length));
        if offset == 0 && length >= lr {
            return value;
        }
        if offset < 0 {
            offset = (lr + offset).max(0);
        }
        if offset >= lr {
            return &[];
        }
        let rest = &value[offset as usize..];
        if length >= 0 && length < lr - offset {
            &rest[..length as usize]
        } else if length < 0 {
            if lr > offset - length {
                &rest[..(lr + length - offset) as usize]
            } else {
                &[]
            }
        } else {
            rest
        }
    }

    proptest::proptest! {
        #[test]
        fn substring_ranges_cut_as_slices_did(
            value in proptest::collection::vec(proptest::num::u8::ANY, 0..12),
            offset in proptest::prop_oneof![-14i32..14, proptest::num::i32::ANY],
            length in proptest::prop_oneof![-14i32..14, proptest::num::i32::ANY],
        ) {
            proptest::prop_assert_eq!(substring(&value, offset, length), sliced(&value, offset, length));
        }
    }

    /// A `${name:offset:length}` value is appended, then cut where it lies: text before it
    /// stays, and so does the limit on the whole.
    #[test]
    fn substrings_cut_in_place() {
        assert_eq!(sub("<${n:0:1}|${big:4094}|${n:5}|${x:-3:2}>"), "<n|a||{y>");
        let out = substitute_with(
            b"ab${big:10:20}",
            &mut Plain,
            Limits {
                output: 7,
                value: 4095,
            },
        );
        assert_eq!(out, b"abaaaaa");
    }

    #[test]
    fn variable_names() {
        let r = parse_variable_name(b"F(a:b):1:2");
        assert_eq!(
            (r.name, r.offset, r.length, r.is_function),
            (&b"F(a:b)"[..], 1, 2, true)
        );
        let r = parse_variable_name(b"a):1");
        assert_eq!((r.name, r.is_function), (&b"a):1"[..], false));
        // glibc reads a `long` and stores its low 32 bits; past `long` it saturates first.
        assert_eq!(parse_variable_name(b"v:99999999999").offset, 1_215_752_191);
        assert_eq!(parse_variable_name(b"v:99999999999999999999").offset, -1);
        assert_eq!(parse_variable_name(b"v:-").offset, 0);
    }

    #[test]
    fn functions_and_expressions() {
        assert_eq!(sub("${F(a,(b)):1}"), "|a,(b)");
        assert_eq!(sub("${F(a}"), "F|a");
        assert_eq!(sub("$[1+$[2]]"), "<1+<2>>");
        assert_eq!(sub("$[a"), "<a>");
        assert_eq!(sub("${x}"), "${y}");
    }

    #[test]
    fn buffer_limits() {
        assert_eq!(sub("${big}").len(), 4095);
        assert_eq!(sub("${big}${big}${big}").len(), 8191);
        let long = "b".repeat(9000);
        assert_eq!(sub(&long).len(), 8191);
        let unbounded = substitute_with(b"${big}${big}", &mut Plain, Limits::UNBOUNDED);
        assert_eq!(unbounded.len(), 10000);
    }

    /// Random templates built from the scanner's special bytes never panic.
    #[test]
    fn no_template_panics() {
        const ALPHABET: &[u8] = b"${}[]():-1an\\\x00\xe9";
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            let len = (seed % 24) as usize;
            let mut t = Vec::with_capacity(len);
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                t.push(ALPHABET[(seed % ALPHABET.len() as u64) as usize]);
            }
            let _ = substitute(&t, &mut Plain);
            let _ = substitute_with(
                &t,
                &mut Plain,
                Limits {
                    output: 3,
                    value: 2,
                },
            );
        }
    }

    #[test]
    fn recursion_is_bounded() {
        let deep = "${".repeat(40) + &"}".repeat(40);
        assert_eq!(sub(&deep), "");
        let fifteen = "${n".repeat(14) + &"}".repeat(14);
        assert_eq!(sub(&fifteen), "n");
        let sixteen = "${n".repeat(15) + &"}".repeat(15);
        assert_eq!(sub(&sixteen), "n");
        // Hostile input never panics.
        for s in [
            "$", "${", "$[", "${:", "${(", "${)}", "${a:1:}", "\0${x}", "}${",
        ] {
            let _ = sub(s);
        }
    }
}
