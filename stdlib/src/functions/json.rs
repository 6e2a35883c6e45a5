//! `JSON_DECODE(varname,item[,separator[,options]])` (funcs/func_json.c) and what it stands
//! on: jansson's reader as `json_loads(text, 0, …)` runs it, and its compact writer
//! (`json_dumps(…, JSON_COMPACT)`), for the arrays and objects the function returns whole.
//!
//! Jansson (2.14, the version Debian ships and Asterisk links) reads strict JSON: an object
//! or an array at the top, nothing after it but blanks, UTF-8 throughout, no `\u0000`, no
//! lone surrogate, integers that fit in 64 bits, reals that do not overflow, and at most 2048
//! values deep. A key given twice keeps its first place and its last value.

use super::{Complaint, Env, Outcome, args, cfmt};

/// A JSON value as jansson holds it.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// `json_int_t`: `long long`.
    Integer(i64),
    Real(f64),
    String(String),
    Array(Vec<Json>),
    /// Members in the order their keys first came.
    Object(Vec<(String, Json)>),
}

/// `JSON_PARSER_MAX_DEPTH`: how deep values may nest, the outermost counting 1.
const MAX_PARSE_DEPTH: usize = 2048;

/// func_json.c's `MAX_JSON_STACK`: how deep the function follows an item's path.
const MAX_JSON_STACK: usize = 32;

impl Json {
    /// `json_loads(text, 0, &error)`: the value, or `None` where jansson fails.
    pub fn parse(text: &[u8]) -> Option<Json> {
        // Jansson decodes its input as UTF-8 byte by byte and fails on any malformed
        // sequence, inside strings or out.
        let text = std::str::from_utf8(text).ok()?;
        let mut reader = Reader {
            text: text.as_bytes(),
            at: 0,
        };
        reader.blanks();
        // Without JSON_DECODE_ANY the top must be an array or an object.
        if !matches!(reader.peek(), Some(b'[' | b'{')) {
            return None;
        }
        let value = reader.value()?;
        reader.blanks();
        (reader.at == reader.text.len()).then_some(value)
    }

    /// `json_dumps(value, JSON_COMPACT)`.
    pub fn compact(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    /// Written with a stack of its own rather than by recursion: a value 2048 deep must not
    /// need a deep thread stack (a call's thread in `pbx` has 512 KiB, which the recursive
    /// writer overflowed in a debug build). Dropping one recurses too, but its frames are a
    /// few words: the test below drops the deepest on that stack.
    fn write(&self, out: &mut String) {
        /// What is left to write: a value, or text that closes or separates.
        enum Next<'j> {
            Value(&'j Json),
            Text(&'static str),
            Key(&'j str),
        }
        let mut todo = vec![Next::Value(self)];
        while let Some(next) = todo.pop() {
            let value = match next {
                Next::Text(text) => {
                    out.push_str(text);
                    continue;
                }
                Next::Key(key) => {
                    write_string(key, out);
                    out.push(':');
                    continue;
                }
                Next::Value(value) => value,
            };
            match value {
                Json::Null => out.push_str("null"),
                Json::Bool(true) => out.push_str("true"),
                Json::Bool(false) => out.push_str("false"),
                Json::Integer(n) => out.push_str(&n.to_string()),
                Json::Real(r) => out.push_str(&real_text(*r)),
                Json::String(s) => write_string(s, out),
                Json::Array(items) => {
                    out.push('[');
                    todo.push(Next::Text("]"));
                    for (i, item) in items.iter().enumerate().rev() {
                        todo.push(Next::Value(item));
                        if i > 0 {
                            todo.push(Next::Text(","));
                        }
                    }
                }
                Json::Object(members) => {
                    out.push('{');
                    todo.push(Next::Text("}"));
                    for (i, (key, value)) in members.iter().enumerate().rev() {
                        todo.push(Next::Value(value));
                        todo.push(Next::Key(key));
                        if i > 0 {
                            todo.push(Next::Text(","));
                        }
                    }
                }
            }
        }
    }
}

/// `%.17g`, as glibc prints it.
fn g17(value: f64) -> String {
    let spec = cfmt::Spec {
        precision: Some(17),
        conv: b'g',
        ..cfmt::Spec::default()
    };
    String::from_utf8_lossy(&cfmt::double(&spec, value)).into_owned()
}

/// `jsonp_dtostr` at jansson's default precision: `%.17g`, then `.0` where the text would
/// read as an integer, and the exponent without its `+` or leading zeros (`1e100`, `1e-7`).
fn real_text(value: f64) -> String {
    let mut text = g17(value);
    if !text.contains(['.', 'e']) {
        text.push_str(".0");
    }
    if let Some(e) = text.find('e') {
        let (mantissa, exponent) = text.split_at(e + 1);
        let (sign, digits) = match exponent.strip_prefix('-') {
            Some(digits) => ("-", digits),
            None => ("", exponent.trim_start_matches('+')),
        };
        let digits = digits.trim_start_matches('0');
        text = format!("{mantissa}{sign}{digits}");
    }
    text
}

/// Jansson's `dump_string` without flags: `"`, `\` and control characters escaped (the
/// usual letters, else `\u` and four upper-case digits); the rest, `/` and non-ASCII
/// included, as it is.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Jansson's lexer and parser over valid UTF-8. Containers are read with a stack of their
/// own rather than by recursion, so depth costs no thread stack.
struct Reader<'t> {
    text: &'t [u8],
    at: usize,
}

/// A container being read: its values so far and, for an object, the key of the next.
enum Open {
    Array(Vec<Json>),
    Object(Vec<(String, Json)>, String),
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.blanks();
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    /// One whole value.
    fn value(&mut self) -> Option<Json> {
        let mut open: Vec<Open> = Vec::new();
        loop {
            // Start a value: a scalar ends it at once, a container opens.
            if open.len() + 1 > MAX_PARSE_DEPTH {
                return None;
            }
            self.blanks();
            let mut done = match self.peek()? {
                b'[' => {
                    self.at += 1;
                    if self.eat(b']') {
                        Json::Array(Vec::new())
                    } else {
                        open.push(Open::Array(Vec::new()));
                        continue;
                    }
                }
                b'{' => {
                    self.at += 1;
                    if self.eat(b'}') {
                        Json::Object(Vec::new())
                    } else {
                        let key = self.key()?;
                        open.push(Open::Object(Vec::new(), key));
                        continue;
                    }
                }
                _ => self.scalar()?,
            };
            // Close every container the value completes.
            loop {
                match open.last_mut() {
                    None => return Some(done),
                    Some(Open::Array(items)) => {
                        items.push(done);
                        if self.eat(b',') {
                            break;
                        }
                        if !self.eat(b']') {
                            return None;
                        }
                    }
                    Some(Open::Object(members, key)) => {
                        let key = std::mem::take(key);
                        // json_object_set: a key already there keeps its place.
                        match members.iter_mut().find(|(k, _)| *k == key) {
                            Some((_, value)) => *value = done,
                            None => members.push((key, done)),
                        }
                        if self.eat(b',') {
                            let next = self.key()?;
                            if let Some(Open::Object(_, key)) = open.last_mut() {
                                *key = next;
                            }
                            break;
                        }
                        if !self.eat(b'}') {
                            return None;
                        }
                    }
                }
                done = match open.pop() {
                    Some(Open::Array(items)) => Json::Array(items),
                    Some(Open::Object(members, _)) => Json::Object(members),
                    // The match above found a container.
                    None => return None,
                };
            }
        }
    }

    /// A member's key and the `:` after it.
    fn key(&mut self) -> Option<String> {
        self.blanks();
        if self.peek() != Some(b'"') {
            return None;
        }
        let key = self.string()?;
        self.eat(b':').then_some(key)
    }

    fn scalar(&mut self) -> Option<Json> {
        match self.peek()? {
            b'"' => self.string().map(Json::String),
            b'-' | b'0'..=b'9' => self.number(),
            c if c.is_ascii_alphabetic() => {
                // The lexer takes the whole word, so `truex` is one bad token.
                let start = self.at;
                while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                    self.at += 1;
                }
                match &self.text[start..self.at] {
                    b"true" => Some(Json::Bool(true)),
                    b"false" => Some(Json::Bool(false)),
                    b"null" => Some(Json::Null),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// `lex_scan_number`: `-`, then `0` or digits without a leading zero; an integer when
    /// no `.` or exponent follows (`strtoll`, failing out of range), else a real (`strtod`,
    /// failing on overflow; an underflow reads as zero).
    fn number(&mut self) -> Option<Json> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek()? {
            b'0' => {
                self.at += 1;
                if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    return None;
                }
            }
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        let mut real = false;
        if self.peek() == Some(b'.') {
            self.at += 1;
            if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
                return None;
            }
            self.digits();
            real = true;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
                return None;
            }
            self.digits();
            real = true;
        }
        let text = std::str::from_utf8(&self.text[start..self.at]).ok()?;
        if !real {
            return text.parse().ok().map(Json::Integer);
        }
        let value: f64 = text.parse().ok()?;
        value.is_finite().then_some(Json::Real(value))
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
    }

    /// `lex_scan_string`, at its opening quote: no control character, the escapes JSON
    /// has, surrogates only in pairs, no `\u0000`.
    fn string(&mut self) -> Option<String> {
        self.at += 1;
        let mut out = Vec::new();
        loop {
            let c = self.peek()?;
            self.at += 1;
            match c {
                b'"' => return String::from_utf8(out).ok(),
                0..=0x1f => return None,
                b'\\' => {
                    let escaped = self.peek()?;
                    self.at += 1;
                    let simple = match escaped {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 8,
                        b'f' => 12,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'u' => {
                            let c = self.unicode_escape()?;
                            let mut utf8 = [0; 4];
                            out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                            continue;
                        }
                        _ => return None,
                    };
                    out.push(simple);
                }
                c => out.push(c),
            }
        }
    }

    /// After `\u`: four hexadecimal digits, a high surrogate's pair after it.
    fn unicode_escape(&mut self) -> Option<char> {
        let first = self.hex4()?;
        let code = match first {
            0 => return None,
            0xd800..=0xdbff => {
                if self.text.get(self.at..self.at + 2) != Some(b"\\u") {
                    return None;
                }
                self.at += 2;
                let low = self.hex4()?;
                if !(0xdc00..=0xdfff).contains(&low) {
                    return None;
                }
                0x10000 + ((first - 0xd800) << 10) + (low - 0xdc00)
            }
            0xdc00..=0xdfff => return None,
            _ => first,
        };
        char::from_u32(code)
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.at..self.at + 4)?;
        let text = std::str::from_utf8(digits).ok()?;
        if !text.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        self.at += 4;
        u32::from_str_radix(text, 16).ok()
    }
}

/// `ast_str_to_int`: `strtoimax` over the whole text (leading blanks and a sign allowed),
/// within `int`.
fn str_to_int(text: &[u8]) -> Option<i32> {
    let text = std::str::from_utf8(text).ok()?;
    let trimmed = text.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let unsigned = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
    if unsigned.is_empty() || !unsigned.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    trimmed.strip_prefix('+').unwrap_or(trimmed).parse().ok()
}

/// `strsep(&rest, separator)` over the path still to follow.
fn next_item<'k>(rest: &mut Option<&'k [u8]>, separator: u8) -> Option<&'k [u8]> {
    let text = rest.take()?;
    let (item, after) = crate::functions::args::strsep(text, separator);
    *rest = after;
    Some(item)
}

/// `JSON_DECODE(varname,item[,separator[,options]])` (func_json.c's `json_decode_read`):
/// the value at `item`, a path of keys and array indices joined by `separator` (`.` unless
/// another single character is given), in the JSON held by `varname`. A string reads as its
/// text, an integer as a C `int` (`%d`), a real as `%.17g`, a boolean as `1` or `0`, null as
/// nothing, and an array or object where the path ends as its compact JSON (an array's
/// length with option `c`). A path that leads nowhere reads as nothing.
pub fn json_decode(name: &str, args: &[u8], env: &mut dyn Env) -> Outcome {
    let parts = args::standard(args, 4);
    let part = |i: usize| parts.get(i).map(Vec::as_slice).unwrap_or_default();
    let (varname, key, separator, options) = (part(0), part(1), part(2), part(3));
    let mut count = false;
    if !options.is_empty() {
        let (letters, warning) = args::parse_options_partly(options);
        for (letter, _) in &letters {
            if *letter == b'c' {
                count = true;
            } else {
                env.warn(Complaint::warning(format!(
                    "Unrecognized option: '{}'",
                    char::from(*letter)
                )));
            }
        }
        if let Some(warning) = warning {
            env.warn(Complaint::warning(warning));
        }
    }
    if varname.is_empty() {
        return Err(Complaint::warning(format!(
            "{name} requires a variable name"
        )));
    }
    if key.is_empty() {
        return Err(Complaint::warning(format!("{name} requires a key")));
    }
    let mut nest = b'.';
    match separator {
        [] => {}
        [one] => nest = *one,
        _ => env.warn(Complaint::warning(format!(
            "Nesting separator '{}' has length {} and is invalid (must be a single character)",
            String::from_utf8_lossy(separator),
            separator.len()
        ))),
    }
    let template = [&b"${"[..], varname, b"}"].concat();
    let text = env.substitute(&template);
    let text = args::cstr(&text);
    if text.is_empty() {
        return Err(Complaint::silent());
    }
    let Some(json) = Json::parse(text) else {
        return Err(Complaint::warning(format!(
            "Failed to parse as JSON: {}",
            String::from_utf8_lossy(text)
        )));
    };
    let mut rest = Some(key);
    let first = next_item(&mut rest, nest).unwrap_or_default();
    let start = match &json {
        Json::Object(members) => member(members, first),
        Json::Array(items) => {
            let index = str_to_int(first).ok_or_else(Complaint::silent)?;
            usize::try_from(index).ok().and_then(|i| items.get(i))
        }
        _ => None,
    };
    let mut out = String::new();
    let mut node = start;
    let mut depth = 0;
    // func_json.c's `parse_node`, one level of the path at a time: each level counts
    // towards the limit, a missing one included, before it is looked at.
    loop {
        depth += 1;
        if depth > MAX_JSON_STACK {
            return Err(Complaint::warning(format!(
                "Max JSON stack ({MAX_JSON_STACK}) exceeded"
            )));
        }
        let Some(value) = node else {
            return Err(Complaint::silent());
        };
        // Where the path goes next (`None` inside when there is nothing there), or `None`
        // where it ends.
        let follow: Option<Option<&Json>> = match value {
            Json::String(s) => {
                out.push_str(s);
                None
            }
            // `int r = ast_json_integer_get(…)`: the low 32 bits.
            Json::Integer(n) => {
                out.push_str(&(*n as i32).to_string());
                None
            }
            Json::Real(r) => {
                out.push_str(&g17(*r));
                None
            }
            Json::Bool(b) => {
                out.push_str(if *b { "1" } else { "0" });
                None
            }
            Json::Null => None,
            Json::Array(items) => match next_item(&mut rest, nest) {
                None if count => {
                    out.push_str(&items.len().to_string());
                    None
                }
                None => {
                    out.push_str(&value.compact());
                    None
                }
                // An index that is not a number, or is out of range, reads as nothing.
                Some(index) => match str_to_int(index).and_then(|i| usize::try_from(i).ok()) {
                    Some(i) if i < items.len() => Some(Some(&items[i])),
                    _ => None,
                },
            },
            Json::Object(members) => match next_item(&mut rest, nest) {
                None => {
                    out.push_str(&value.compact());
                    None
                }
                // A key the object lacks fails, at the next level.
                Some(key) => Some(member(members, key)),
            },
        };
        match follow {
            Some(next) => node = next,
            None => return Ok(out.into_bytes()),
        }
    }
}

/// `json_object_get`.
fn member<'j>(members: &'j [(String, Json)], key: &[u8]) -> Option<&'j Json> {
    members
        .iter()
        .find(|(k, _)| k.as_bytes() == key)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests;
