//! funcs/func_strings.c and funcs/func_cut.c: list and string handling. Each function reads its
//! arguments the way its C code does; the comments name the C behaviour that is easy to miss.

use super::args::{self, cstr, encoded_char, encoded_char_c, encoded_str, is_space};
use super::cscan::{self, Scan};
use super::{Complaint, Env, Outcome, cfmt, posix_regex};

/// The C buffer a `read` callback writes into when called from app-data substitution
/// (`VAR_BUF_SIZE`); QUOTE and CSV_QUOTE stop short of it so the closing quote survives.
const VAR_BUF_SIZE: usize = 4096;

/// The value of `${name}` — how every "variable name" argument is read (`sprintf("${%s}")`
/// then substitution), so offsets and even function calls in the name work as in Asterisk.
fn value_of(env: &mut dyn Env, name: &[u8]) -> Vec<u8> {
    let mut template = Vec::with_capacity(name.len() + 3);
    template.extend_from_slice(b"${");
    template.extend_from_slice(name);
    template.push(b'}');
    env.substitute(&template)
}

fn number(n: impl ToString) -> Outcome {
    Ok(n.to_string().into_bytes())
}

/// `FIELDQTY(var,delim)`: how many `delim`-separated fields; 0 for an empty value, 1 when no
/// delimiter argument is given at all.
pub fn fieldqty(_: &str, data: &[u8], env: &mut dyn Env) -> Outcome {
    let a = args::standard(data, 2);
    let Some(delim) = args::get(&a, 1) else {
        return number(1);
    };
    let d = encoded_char(delim).map_or(0, |(c, _)| c);
    let value = value_of(env, args::get(&a, 0).unwrap_or_default());
    if value.is_empty() {
        return number(0);
    }
    number(split_c(&value, d).count())
}

/// `strsep` with a one-byte delimiter set; a NUL delimiter is the empty set (one field).
fn split_c(value: &[u8], d: u8) -> Box<dyn Iterator<Item = &[u8]> + '_> {
    if d == 0 {
        Box::new(std::iter::once(value))
    } else {
        Box::new(args::fields(value, d))
    }
}

/// `FIELDNUM(var,delim,value)`: the 1-based position of the first field equal to `value`
/// ignoring case (`strcasecmp`), else 0.
pub fn fieldnum(_: &str, data: &[u8], env: &mut dyn Env) -> Outcome {
    let a = args::standard(data, 3);
    if a.len() < 3 {
        return Err(Complaint::error(
            "Usage: FIELDNUM(<listname>,<delimiter>,<fieldvalue>)",
        ));
    }
    let value = value_of(env, &a[0]);
    if value.is_empty() || a[1].is_empty() {
        return number(0);
    }
    let Some((d, _)) = encoded_char(&a[1]) else {
        return Err(Complaint::silent());
    };
    let found = split_c(&value, d).position(|f| f.eq_ignore_ascii_case(&a[2]));
    number(found.map_or(0, |i| i + 1))
}

/// `LISTFILTER(var,delim,value)`: the list without the fields equal to `value`. The
/// delimiter may be several (escaped) bytes; empty means `,`. An empty list fails.
pub fn listfilter(_: &str, data: &[u8], env: &mut dyn Env) -> Outcome {
    let a = args::standard(data, 3);
    if a.len() < 3 {
        return Err(Complaint::error(
            "Usage: LISTFILTER(<listname>,<delimiter>,<fieldvalue>)",
        ));
    }
    let list = value_of(env, &a[0]);
    if list.is_empty() {
        return Err(Complaint::silent());
    }
    let field = &a[2];
    if args::find(&list, field).is_none() {
        return Ok(list);
    }
    let mut delim = encoded_str(&a[1], Some(a[1].len() + 1));
    if delim.is_empty() {
        delim = b",".to_vec();
    }
    let dlen = delim.len();
    let mut out = Vec::new();
    let mut first = true;
    let mut begin = 0;
    let mut next = args::find(&list, &delim);
    loop {
        let cur = match next {
            Some(n) => {
                next = list
                    .get(n + dlen..)
                    .and_then(|rest| args::find(rest, &delim))
                    .map(|p| p + n + dlen);
                n
            }
            // C looks for the end from `begin + dlen`; the end is what it means to find.
            None => list.len(),
        };
        let piece = list.get(begin..cur).unwrap_or_default();
        if piece == field.as_slice() {
            begin = cur + dlen;
        } else {
            if !first {
                out.extend_from_slice(&delim);
            }
            out.extend_from_slice(piece);
            first = false;
            begin = cur + dlen;
        }
        if cur >= list.len() {
            break;
        }
    }
    Ok(out)
}

/// `FILTER(allowed,string)` (raw arguments): keeps the bytes of `string` listed in
/// `allowed`, where `a-z` is a range (wrapping past 255) and escapes are decoded.
pub fn filter(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    let a = args::raw(data, 2);
    let (Some(mut allowed), Some(string)) = (args::get(&a, 0), args::get(&a, 1)) else {
        return Err(Complaint::error("Usage: FILTER(<allowed-chars>,<string>)"));
    };
    let mut bits = [false; 256];
    while !allowed.is_empty() {
        let Some((c1, used)) = encoded_char(allowed) else {
            return Err(Complaint::silent());
        };
        allowed = &allowed[used..];
        if allowed.first() == Some(&b'-') {
            let (c2, used) = encoded_char_c(&allowed[1..]);
            let c2 = c2.unwrap_or(c1);
            allowed = allowed.get(used + 1..).unwrap_or_default();
            let mut ac = c1;
            while ac != c2 {
                bits[ac as usize] = true;
                ac = ac.wrapping_add(1);
            }
            bits[c2 as usize] = true;
        } else {
            bits[c1 as usize] = true;
        }
    }
    // NUL can never be allowed: the C list of allowed bytes is a C string.
    bits[0] = false;
    Ok(string
        .iter()
        .copied()
        .filter(|&b| bits[b as usize])
        .collect())
}

/// `REPLACE(var,find-chars[,replace-char])`: each byte of the value found in `find-chars`
/// becomes `replace-char`, or is deleted when it is empty. An empty value fails.
pub fn replace(name: &str, data: &[u8], env: &mut dyn Env) -> Outcome {
    let a = args::standard(data, 3);
    if a.len() < 2 {
        return Err(Complaint::error(format!(
            "Usage: {name}(<varname>,<search-chars>[,<replace-char>])"
        )));
    }
    let find = encoded_str(&a[1], Some(256));
    let with = args::get(&a, 2)
        .and_then(encoded_char)
        .map_or(0, |(c, _)| c);
    if find.is_empty() || a[0].is_empty() {
        return Err(Complaint::error(
            "The characters to search for and the variable name must not be empty.",
        ));
    }
    let value = value_of(env, &a[0]);
    if value.is_empty() {
        return Err(Complaint::silent());
    }
    Ok(value
        .iter()
        .filter_map(|&b| match (find.contains(&b), with) {
            (false, _) => Some(b),
            (true, 0) => None,
            (true, w) => Some(w),
        })
        .collect())
}

/// `STRREPLACE(var,find[,replace[,max]])`: substring replacement, at most `max` times when
/// `max` is a positive number.
pub fn strreplace(name: &str, data: &[u8], env: &mut dyn Env) -> Outcome {
    let a = args::standard(data, 5);
    if a.len() < 2 {
        return Err(Complaint::error(format!(
            "Usage: {name}(<varname>,<find-string>[,<replace-string>,[<max-replacements>]])"
        )));
    }
    if a[0].is_empty() {
        return Err(Complaint::silent());
    }
    let find = &a[1];
    if find.is_empty() {
        return Err(Complaint::error("No <find-string> specified"));
    }
    let value = value_of(env, &a[0]);
    // `max_matches` is unsigned: atoi's 0 means unlimited, a negative number is huge.
    let max = match args::get(&a, 3).map(atoi) {
        None | Some(0) => u64::MAX,
        Some(n) => u64::from(n as u32),
    };
    let replacement = args::get(&a, 2).unwrap_or_default();
    let mut out = Vec::new();
    let mut start = 0;
    let mut count = 0;
    while count < max {
        let Some(at) = args::find(&value[start..], find) else {
            break;
        };
        out.extend_from_slice(&value[start..start + at]);
        out.extend_from_slice(replacement);
        start += at + find.len();
        count += 1;
    }
    out.extend_from_slice(&value[start..]);
    Ok(out)
}

/// C `atoi`: the leading integer, 0 when there is none.
fn atoi(s: &[u8]) -> i32 {
    cscan::int(s, usize::MAX).value().unwrap_or(0)
}

/// `STRBETWEEN(var,insert)`: `insert` between every two bytes of the value.
pub fn strbetween(name: &str, data: &[u8], env: &mut dyn Env) -> Outcome {
    let a = args::standard(data, 3);
    if a.len() != 2 || a[0].is_empty() {
        return Err(Complaint::error(format!(
            "Usage: {name}(<varname>,<insert-string>)"
        )));
    }
    let value = value_of(env, &a[0]);
    let mut out = Vec::new();
    for (i, &b) in value.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(&a[1]);
        }
        out.push(b);
    }
    Ok(out)
}

/// `TRIM(string)`: `isspace` trimmed at both ends; empty input fails.
pub fn trim(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    if data.is_empty() {
        return Err(Complaint::silent());
    }
    let start = data.iter().take_while(|&&b| is_space(b)).count();
    Ok(rtrim_c(&data[start..]).to_vec())
}

/// `LTRIM(string)`.
pub fn ltrim(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    if data.is_empty() {
        return Err(Complaint::silent());
    }
    let start = data.iter().take_while(|&&b| is_space(b)).count();
    Ok(data[start..].to_vec())
}

/// `RTRIM(string)`.
pub fn rtrim(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    if data.is_empty() {
        return Err(Complaint::silent());
    }
    Ok(rtrim_c(data).to_vec())
}

/// func_strings.c's `rtrim` macro: it never looks at the first byte, so a string of only
/// blanks keeps its first one (`RTRIM(" ")` is `" "`).
fn rtrim_c(s: &[u8]) -> &[u8] {
    match s.iter().rposition(|&b| !is_space(b)) {
        Some(last) => &s[..=last],
        None => &s[..s.len().min(1)],
    }
}

/// `REGEX("regex" string)`: split on `"` (backslashes removed from the regex, as for any
/// non-last argument), one leading blank of the string skipped, POSIX ERE match anywhere.
pub fn regex(name: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    let a = args::separate(data, b'"', true, 3);
    if a.len() != 3 {
        return Err(Complaint::error(
            "Unexpected arguments: should have been in the form '\"<regex>\" <string>'",
        ));
    }
    let subject = match a[2].first() {
        Some(b' ' | b'\t') => &a[2][1..],
        _ => &a[2][..],
    };
    match posix_regex::is_match(&a[1], subject) {
        Ok(true) => Ok(b"1".to_vec()),
        Ok(false) => Ok(b"0".to_vec()),
        Err(e) => Err(Complaint::warning(format!(
            "Malformed input {name}({}): {e}",
            String::from_utf8_lossy(data)
        ))),
    }
}

/// `~HASH~name~key~`, with the name's inheritance underscores moved to the front.
fn hash_var(hashname: &[u8], key: &[u8], keep_prefix: bool) -> Vec<u8> {
    let n = if keep_prefix {
        hashname.iter().take(2).take_while(|&&b| b == b'_').count()
    } else {
        0
    };
    let mut v = hashname[..n].to_vec();
    v.extend_from_slice(b"~HASH~");
    v.extend_from_slice(&hashname[n..]);
    v.push(b'~');
    v.extend_from_slice(key);
    v.push(b'~');
    v.truncate(255); // snprintf into char varname[256]
    v
}

/// `HASH(name,key)`: the key's value; `HASH(name)`: every value, in HASHKEYS order, also
/// leaving the keys in `~ODBCFIELDS~` for a later `Set(HASH(other)=…)`.
pub fn hash_read(name: &str, data: &[u8], env: &mut dyn Env) -> Outcome {
    let a = args::standard(data, 2);
    match a.len() {
        2 => Ok(env.var(&hash_var(&a[0], &a[1], false)).unwrap_or_default()),
        1 => {
            let keys = hash_keys(&a[0], env);
            let mut keys_c = keys.clone();
            keys_c.truncate(VAR_BUF_SIZE - 1);
            env.set_var(b"~ODBCFIELDS~", Some(&keys_c));
            let mut out = Vec::new();
            for col in args::standard(&keys_c, 100) {
                let var = hash_var(&a[0], &col, false);
                let Some(value) = env.var(&var) else {
                    return Err(Complaint::warning(format!(
                        "No value found for '{}'",
                        String::from_utf8_lossy(&var)
                    )));
                };
                out.extend_from_slice(&value);
                out.push(b',');
            }
            out.pop();
            Ok(out)
        }
        _ => {
            let _ = name;
            Ok(Vec::new())
        }
    }
}

/// `HASHKEYS(name)`: the keys of a hash, comma-separated, newest variable first.
pub fn hashkeys(_: &str, data: &[u8], env: &mut dyn Env) -> Outcome {
    Ok(hash_keys(data, env))
}

fn hash_keys(hashname: &[u8], env: &mut dyn Env) -> Vec<u8> {
    let mut prefix = b"~HASH~".to_vec();
    prefix.extend_from_slice(hashname);
    prefix.push(b'~');
    let mut out = Vec::new();
    for (full, _) in env.var_list() {
        let name = crate::functions::strip_inheritance(&full);
        // Only non-empty keys that the hash functions made: `prefix key~`.
        if name.len() > prefix.len() + 1 && name.ends_with(b"~") && name.starts_with(&prefix) {
            out.extend_from_slice(&name[prefix.len()..name.len() - 1]);
            out.push(b',');
        }
    }
    out.pop();
    out
}

/// `Set(HASH(name,key)=value)`, or with one argument the ODBC-style multi-assignment of
/// the columns named in `~ODBCFIELDS~`.
pub fn hash_write(_: &str, data: &[u8], value: &[u8], env: &mut dyn Env) -> Result<(), Complaint> {
    if !data.contains(&b',') {
        return array(env, true, data, value);
    }
    let a = args::standard(data, 2);
    let (hashname, key) = (
        args::get(&a, 0).unwrap_or_default(),
        args::get(&a, 1).unwrap_or_default(),
    );
    env.set_var(&hash_var(hashname, key, true), Some(value));
    Ok(())
}

/// `Set(ARRAY(a,b,c)=1,2,3)`: each name gets its value; names without one are set empty.
pub fn array_write(_: &str, data: &[u8], value: &[u8], env: &mut dyn Env) -> Result<(), Complaint> {
    array(env, false, data, value)
}

fn array(env: &mut dyn Env, ishash: bool, var: &[u8], value: &[u8]) -> Result<(), Complaint> {
    let origvar = var;
    let names = if ishash {
        match env.var(b"~ODBCFIELDS~") {
            Some(fields) => fields,
            None => return Err(Complaint::silent()),
        }
    } else {
        var.to_vec()
    };
    let names = args::standard(&names, 100);
    let values = args::standard(value, 100);
    for (i, n) in names.iter().enumerate() {
        match (values.get(i), ishash) {
            (Some(v), true) => env.set_var(&hash_var(origvar, n, true), Some(v)),
            (Some(v), false) => env.set_var(n, Some(v)),
            // Past the values: set empty (not deleted); the hash name keeps its underscores
            // in the middle here, as the C does.
            (None, true) => env.set_var(&hash_var(origvar, n, false), Some(b"")),
            (None, false) => env.set_var(n, Some(b"")),
        }
    }
    Ok(())
}

/// `QUOTE(string)`: in double quotes, `\` and `"` backslash-escaped; empty gives `""`.
pub fn quote(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    quoted(data, |b, out| match b {
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'"' => out.extend_from_slice(b"\\\""),
        _ => out.push(b),
    })
}

/// `SQL_ESC(string)` / `SQL_ESC_BACKSLASHES(string)` (func_odbc.c's `acf_escape`): each
/// `'`, or each `\\`, doubled.
pub fn sql_esc(name: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    let doubled = if name == "SQL_ESC" { b'\'' } else { b'\\' };
    let mut out = Vec::with_capacity(data.len());
    for &b in data {
        if b == doubled {
            out.push(b);
        }
        out.push(b);
    }
    Ok(out)
}

/// `CSV_QUOTE(string)`: in double quotes, `"` doubled; empty gives `""`.
pub fn csv_quote(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    quoted(data, |b, out| match b {
        b'"' => out.extend_from_slice(b"\"\""),
        _ => out.push(b),
    })
}

fn quoted(data: &[u8], escape: impl Fn(u8, &mut Vec<u8>)) -> Outcome {
    let mut out = vec![b'"'];
    for &b in data {
        // The C loop stops once the output reaches the buffer size less three.
        if out.len() >= VAR_BUF_SIZE - 3 {
            break;
        }
        escape(b, &mut out);
    }
    out.push(b'"');
    Ok(out)
}

/// `LEN(string)`: the byte count of the raw argument text (`LEN(a,b)` is 3).
pub fn len(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    number(data.len())
}

/// `KEYPADHASH(string)`: letters to their keypad digits; digits kept, the rest dropped.
pub fn keypadhash(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    Ok(data
        .iter()
        .filter_map(|&b| match b.to_ascii_lowercase() {
            d @ (b'0' | b'1') => Some(d),
            b'a'..=b'c' | b'2' => Some(b'2'),
            b'd'..=b'f' | b'3' => Some(b'3'),
            b'g'..=b'i' | b'4' => Some(b'4'),
            b'j'..=b'l' | b'5' => Some(b'5'),
            b'm'..=b'o' | b'6' => Some(b'6'),
            b'p'..=b's' | b'7' => Some(b'7'),
            b't'..=b'v' | b'8' => Some(b'8'),
            b'w'..=b'z' | b'9' => Some(b'9'),
            _ => None,
        })
        .collect())
}

/// `TOUPPER(string)` (ASCII only, the C locale).
pub fn toupper(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    Ok(data.to_ascii_uppercase())
}

/// `TOLOWER(string)`.
pub fn tolower(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    Ok(data.to_ascii_lowercase())
}

/// `PASSTHRU(string)`: the raw argument text.
pub fn passthru(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    Ok(data.to_vec())
}

/// `SHIFT(var[,delim])` / `POP(var[,delim])`: removes and returns the first / last item,
/// storing the rest back (the variable is set empty, not deleted, when the last item goes).
/// An empty list fails.
pub fn shift_pop(name: &str, data: &[u8], env: &mut dyn Env) -> Outcome {
    let shift = name.starts_with('S');
    let a = args::standard(data, 2);
    let var = args::get(&a, 0).unwrap_or_default();
    if var.is_empty() {
        return Err(Complaint::warning(format!(
            "{name} requires a variable name"
        )));
    }
    let before = value_of(env, var);
    let delim = match args::get(&a, 1) {
        Some(d) if !d.is_empty() => encoded_char(d).map_or(0, |(c, _)| c),
        _ => b',',
    };
    if before.is_empty() {
        return Err(Complaint::silent());
    }
    // A NUL delimiter is found at the string's end by strchr/strrchr.
    let at = if delim == 0 {
        Some(before.len())
    } else if shift {
        before.iter().position(|&b| b == delim)
    } else {
        before.iter().rposition(|&b| b == delim)
    };
    let Some(at) = at else {
        env.set_var(var, Some(b""));
        return Ok(before);
    };
    let (head, tail) = (&before[..at], before.get(at + 1..).unwrap_or_default());
    let (result, rest) = if shift { (head, tail) } else { (tail, head) };
    env.set_var(var, Some(rest));
    Ok(result.to_vec())
}

/// `Set(PUSH(var[,delim])=value)` / `Set(UNSHIFT(var[,delim])=value)`: appends / prepends.
pub fn unshift_push(
    name: &str,
    data: &[u8],
    value: &[u8],
    env: &mut dyn Env,
) -> Result<(), Complaint> {
    let unshift = name.starts_with('U');
    let a = args::standard(data, 2);
    let var = args::get(&a, 0).unwrap_or_default();
    if var.is_empty() {
        return Err(Complaint::warning(format!(
            "{name} requires a variable name"
        )));
    }
    let delim = match args::get(&a, 1) {
        Some(d) if !d.is_empty() => encoded_char(d).map_or(0, |(c, _)| c),
        _ => b',',
    };
    // The value is read under the name without its (at most two) inheritance underscores.
    let previous = value_of(env, crate::functions::strip_inheritance(var));
    let joined = if previous.is_empty() {
        value.to_vec()
    } else if unshift {
        [value, &[delim], &previous].concat()
    } else {
        [&previous[..], &[delim], value].concat()
    };
    env.set_var(var, Some(cstr(&joined)));
    Ok(())
}

/// `CUT(var,delim,ranges)`: fields by number (`2`, `2-3`, `-2`, `2-`, joined with `&`), in
/// the order given but never going back; a bad delimiter is `-`.
pub fn cut(_: &str, data: &[u8], env: &mut dyn Env) -> Outcome {
    let a = args::standard(data, 3);
    if a.len() < 3 {
        return Err(Complaint::error(
            "Syntax: CUT(<varname>,<char-delim>,<range-spec>) - missing argument!",
        ));
    }
    let value = value_of(env, &a[0]);
    let ds = encoded_char(&a[1]).map_or(b'-', |(c, _)| c);
    let mut out = Vec::new();
    if value.is_empty() {
        return Ok(out);
    }
    let mut fields = CFields::new(&value, ds);
    let mut curfieldnum: i64 = 1;
    let mut first = true;
    for spec in args::fields(&a[2], b'&') {
        if fields.done() {
            break;
        }
        let Some((start, stop)) = cut_range(spec) else {
            return Err(Complaint::error(
                "Usage: CUT(<varname>,<char-delim>,<range-spec>)",
            ));
        };
        while !fields.done() && curfieldnum < start {
            fields.next();
            curfieldnum += 1;
        }
        while !fields.done() && curfieldnum <= stop {
            if let Some(f) = fields.next() {
                if !first && ds != 0 {
                    out.push(ds);
                }
                out.extend_from_slice(f);
                first = false;
            }
            curfieldnum += 1;
        }
    }
    Ok(out)
}

/// A field spec, tried as the C tries its `sscanf` formats in turn.
fn cut_range(spec: &[u8]) -> Option<(i64, i64)> {
    // "%30d-%30d"
    if let Scan::Ok(start, used) = cscan::int(spec, 30)
        && spec.get(used) == Some(&b'-')
        && let Scan::Ok(stop, _) = cscan::int(&spec[used + 1..], 30)
    {
        return Some((start.into(), stop.into()));
    }
    // "-%30d"
    if let Some(rest) = spec.strip_prefix(b"-")
        && let Scan::Ok(stop, _) = cscan::int(rest, 30)
    {
        return Some((1, stop.into()));
    }
    match cscan::int(spec, 30) {
        // "%30d%1c" with '-'
        Scan::Ok(start, used) if spec.get(used) == Some(&b'-') => {
            Some((start.into(), i32::MAX.into()))
        }
        // "%30d"
        Scan::Ok(start, _) => Some((start.into(), start.into())),
        _ => None,
    }
}

/// `strsep` over a value: `None` once the pointer has become NULL.
struct CFields<'a> {
    rest: Option<&'a [u8]>,
    delim: u8,
}

impl<'a> CFields<'a> {
    fn new(value: &'a [u8], delim: u8) -> Self {
        CFields {
            rest: Some(value),
            delim,
        }
    }

    fn done(&self) -> bool {
        self.rest.is_none()
    }

    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.rest?;
        match rest
            .iter()
            .position(|&b| b == self.delim && self.delim != 0)
        {
            Some(i) => {
                self.rest = Some(&rest[i + 1..]);
                Some(&rest[..i])
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

/// `SORT(key:value,…)`: the keys ordered by their values read as `float`; entries without
/// `:` are dropped. glibc's `qsort` is a stable merge sort, reproduced here.
pub fn sort(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    let mut items: Vec<(&[u8], f32)> = args::fields(data, b',')
        .filter_map(|entry| {
            let colon = entry.iter().position(|&b| b == b':')?;
            let value = cscan::float(&entry[colon + 1..], 30).value().unwrap_or(0.0);
            Some((&entry[..colon], value))
        })
        .collect();
    merge_sort(&mut items);
    Ok(items
        .iter()
        .map(|(k, _)| *k)
        .collect::<Vec<_>>()
        .join(&b","[..]))
}

/// glibc `msort`: halves sorted recursively, merged taking the left element on ties. The
/// comparison is the C one (`<` → before, `==` → tie, anything else, NaN included → after).
fn merge_sort<T: Copy>(items: &mut [(T, f32)]) {
    let n = items.len();
    if n <= 1 {
        return;
    }
    let (left, right) = items.split_at_mut(n / 2);
    merge_sort(left);
    merge_sort(right);
    let mut merged = Vec::with_capacity(n);
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        let (a, b) = (left[i].1, right[j].1);
        // C returns -1 for `<`, 0 for `==`, 1 otherwise (NaN included): `<=` is that test.
        if a <= b {
            merged.push(left[i]);
            i += 1;
        } else {
            merged.push(right[j]);
            j += 1;
        }
    }
    merged.extend_from_slice(&left[i..]);
    merged.extend_from_slice(&right[j..]);
    items.copy_from_slice(&merged);
}

/// `SPRINTF(format,arg,…)`: each conversion formatted by C `printf` with its argument read
/// by `sscanf` (`%30d` for integer conversions, `%30lf` for floating ones).
pub fn sprintf(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    let a = args::standard(data, 101);
    let Some(format) = args::get(&a, 0) else {
        // Asterisk dereferences a NULL format here; fail instead.
        return Err(Complaint::silent());
    };
    let mut vars = a.iter().skip(1).map(|v| v.as_slice());
    let mut out = Vec::new();
    let mut i = 0;
    while i < format.len() {
        if format[i] != b'%' {
            out.push(format[i]);
            i += 1;
            continue;
        }
        let start = i;
        let (conv_at, length) = scan_spec(format, i + 1);
        let Some(conv_at) = conv_at else {
            break; // an unfinished specification at the end prints nothing
        };
        i = conv_at + 1;
        let spec_text = &format[start..=conv_at];
        let conv = format[conv_at];
        let show = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        match conv {
            b'%' => out.push(b'%'),
            b'd' | b'i' | b'o' | b'u' | b'x' | b'X' | b'c' => {
                let Some(arg) = vars.next() else {
                    return Err(Complaint::error(
                        "SPRINTF() has more format specifiers than arguments!",
                    ));
                };
                let Some(v) = cscan::int(arg, 30).value() else {
                    return Err(Complaint::error(format!(
                        "Argument '{}' is not an integer number for format '{}'",
                        show(arg),
                        show(spec_text)
                    )));
                };
                let spec = spec_without_length(spec_text, conv);
                let text = cfmt::integer(&spec, int_arg(v, conv, length));
                out.extend_from_slice(cstr(&text));
            }
            b'e' | b'E' | b'f' | b'F' | b'g' | b'G' | b'a' | b'A' => {
                let Some(arg) = vars.next() else {
                    return Err(Complaint::error(
                        "SPRINTF() has more format specifiers than arguments!",
                    ));
                };
                let Some(v) = cscan::double(arg, 30).value() else {
                    return Err(Complaint::error(format!(
                        "Argument '{}' is not a floating point number for format '{}'",
                        show(arg),
                        show(spec_text)
                    )));
                };
                out.extend_from_slice(&cfmt::double(&spec_without_length(spec_text, conv), v));
            }
            b's' => {
                let arg = vars.next();
                out.extend_from_slice(&cfmt::string(&spec_without_length(spec_text, conv), arg));
            }
            _ => {
                let arg = vars.next();
                return Err(Complaint::error(format!(
                    "Format type not supported: '{}' with argument '{}'",
                    show(spec_text),
                    arg.map_or_else(|| "(null)".into(), show)
                )));
            }
        }
    }
    Ok(out)
}

/// func_sprintf.c's state machine from just after `%`: flags, width, precision, length.
/// Returns where the conversion letter is and the length modifier seen.
fn scan_spec(format: &[u8], mut i: usize) -> (Option<usize>, &[u8]) {
    while format.get(i).is_some_and(|c| b"#0- +'I".contains(c)) {
        i += 1;
    }
    while format.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    if format.get(i) == Some(&b'.') {
        i += 1;
        while format.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    let len_start = i;
    match format.get(i) {
        Some(&c @ (b'h' | b'l')) => {
            i += 1;
            if format.get(i) == Some(&c) {
                i += 1;
            }
        }
        Some(b'L' | b'q' | b'j' | b'z' | b't') => i += 1,
        _ => {}
    }
    let length = &format[len_start..i];
    (if i < format.len() { Some(i) } else { None }, length)
}

/// The specification with its length modifier removed (the value is cast instead).
fn spec_without_length(spec_text: &[u8], conv: u8) -> cfmt::Spec {
    let mut s = cfmt::Spec::parse(spec_text).unwrap_or_default();
    s.conv = conv;
    s
}

/// The C `int` argument as the length modifier makes `printf` read it: `h`/`hh` narrow it;
/// the 64-bit modifiers read the register the `int` was passed in, zero-extended on x86-64.
fn int_arg(v: i32, conv: u8, length: &[u8]) -> i64 {
    let signed = matches!(conv, b'd' | b'i');
    match (length, signed) {
        (b"hh", true) => (v as i8).into(),
        (b"hh", false) => (v as u8).into(),
        (b"h", true) => (v as i16).into(),
        (b"h", false) => (v as u16).into(),
        ([], true) => v.into(),
        _ => (v as u32).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testenv::{TestEnv, call, eval};
    use super::super::write;

    fn list() -> TestEnv {
        TestEnv::with(&[("l", "ab&cd&ef"), ("csv", "a,b,,d"), ("e", "")])
    }

    #[test]
    fn sql_escapes_double_their_character() {
        assert_eq!(
            eval("SQL_ESC", r"it's a \ 'x'").unwrap(),
            r"it''s a \ ''x''"
        );
        assert_eq!(
            eval("SQL_ESC_BACKSLASHES", r"it's a \ x").unwrap(),
            r"it's a \\ x"
        );
    }

    #[test]
    fn cut_ranges() {
        let mut env = list();
        for (args, want) in [
            ("l,&,2", "cd"),
            ("l,&,2-3", "cd&ef"),
            ("l,&,-2", "ab&cd"),
            ("l,&,2-", "cd&ef"),
            ("l,&,1&3", "ab&ef"),
            ("l,&,3&1", "ef"),
            ("l,&,9", ""),
            ("l,&,0", ""),
            ("l,,1", "ab&cd&ef"),
            ("l,,2", ""),
            ("e,&,1", ""),
            ("csv,\\,,3", ""),
        ] {
            assert_eq!(call(&mut env, "CUT", args), Ok(want.into()), "CUT({args})");
        }
        assert!(call(&mut env, "CUT", "l,&").is_err());
        assert!(call(&mut env, "CUT", "l,&,x").is_err());
        assert!(call(&mut env, "CUT", "l,&,").is_err());
    }

    #[test]
    fn field_counts() {
        let mut env = list();
        assert_eq!(call(&mut env, "FIELDQTY", "l,&"), Ok("3".into()));
        assert_eq!(call(&mut env, "FIELDQTY", "l"), Ok("1".into()));
        assert_eq!(call(&mut env, "FIELDQTY", ""), Ok("1".into()));
        assert_eq!(call(&mut env, "FIELDQTY", "e,&"), Ok("0".into()));
        assert_eq!(call(&mut env, "FIELDQTY", "csv,\\x2C"), Ok("4".into()));
        assert_eq!(call(&mut env, "FIELDNUM", "l,&,CD"), Ok("2".into()));
        assert_eq!(call(&mut env, "FIELDNUM", "l,,cd"), Ok("0".into()));
        assert!(call(&mut env, "FIELDNUM", "l,&").is_err());
    }

    #[test]
    fn listfilter_edges() {
        let mut env = TestEnv::with(&[("l", "a&&b&&a"), ("t", "x,")]);
        assert_eq!(call(&mut env, "LISTFILTER", "l,&&,a"), Ok("b".into()));
        assert_eq!(call(&mut env, "LISTFILTER", "t,,x"), Ok("".into()));
        assert_eq!(call(&mut env, "LISTFILTER", "t,,"), Ok("x".into()));
        assert!(call(&mut env, "LISTFILTER", "none,&,a").is_err());
        assert!(call(&mut env, "LISTFILTER", "l,&").is_err());
    }

    #[test]
    fn filter_ranges() {
        assert_eq!(eval("FILTER", "0-9,a1b2"), Ok("12".into()));
        assert_eq!(eval("FILTER", "\\x41-C,ABCD"), Ok("ABC".into()));
        assert_eq!(eval("FILTER", "a-,a-b"), Ok("a".into()));
        assert_eq!(eval("FILTER", "\\,,a,b"), Ok(",".into()));
        assert!(eval("FILTER", "abc").is_err());
        assert!(eval("FILTER", "\\xZ,abc").is_err());
    }

    #[test]
    fn replacing() {
        let mut env = TestEnv::with(&[("v", "abc,abc")]);
        assert_eq!(call(&mut env, "REPLACE", "v,bc,a"), Ok("aaa,aaa".into()));
        assert_eq!(call(&mut env, "REPLACE", "v,\\,"), Ok("abcabc".into()));
        assert!(call(&mut env, "REPLACE", "v").is_err());
        assert!(call(&mut env, "REPLACE", "v,,x").is_err());
        assert!(call(&mut env, "REPLACE", "none,a,b").is_err());
        assert_eq!(
            call(&mut env, "STRREPLACE", "v,b,XX,1"),
            Ok("aXXc,abc".into())
        );
        assert_eq!(call(&mut env, "STRREPLACE", "v,b,,-1"), Ok("ac,ac".into()));
        assert!(call(&mut env, "STRREPLACE", "v,").is_err());
        assert!(call(&mut env, "STRREPLACE", ",b").is_err());
        assert_eq!(
            call(&mut env, "STRBETWEEN", "v,-"),
            Ok("a-b-c-,-a-b-c".into())
        );
        assert!(call(&mut env, "STRBETWEEN", "v,-,x").is_err());
    }

    #[test]
    fn trimming() {
        assert_eq!(eval("TRIM", " \t a b \n"), Ok("a b".into()));
        assert_eq!(eval("TRIM", "   "), Ok("".into()));
        assert_eq!(eval("RTRIM", "   "), Ok(" ".into()));
        assert_eq!(eval("LTRIM", "   "), Ok("".into()));
        assert!(eval("TRIM", "").is_err());
    }

    #[test]
    fn quoting() {
        assert_eq!(eval("QUOTE", r#"a"b\c"#), Ok(r#""a\"b\\c""#.into()));
        assert_eq!(eval("QUOTE", ""), Ok(r#""""#.into()));
        assert_eq!(eval("CSV_QUOTE", r#"a"b"#), Ok(r#""a""b""#.into()));
        let long = "x".repeat(5000);
        assert_eq!(eval("QUOTE", &long).unwrap().len(), 4094);
    }

    #[test]
    fn small_string_functions() {
        assert_eq!(eval("LEN", "a,b"), Ok("3".into()));
        assert_eq!(eval("LEN", ""), Ok("0".into()));
        assert_eq!(eval("KEYPADHASH", "Hello-0+1"), Ok("4355601".into()));
        assert_eq!(eval("TOUPPER", "aé"), Ok("Aé".into()));
        assert_eq!(eval("PASSTHRU", "\"x\",y"), Ok("\"x\",y".into()));
    }

    #[test]
    fn shift_pop_push_unshift() {
        let mut env = TestEnv::with(&[("l", "a,b,c"), ("one", "x")]);
        assert_eq!(call(&mut env, "SHIFT", "l"), Ok("a".into()));
        assert_eq!(env.get("l").as_deref(), Some("b,c"));
        assert_eq!(call(&mut env, "POP", "l"), Ok("c".into()));
        assert_eq!(env.get("l").as_deref(), Some("b"));
        assert_eq!(call(&mut env, "POP", "l"), Ok("b".into()));
        assert_eq!(env.get("l").as_deref(), Some(""));
        assert!(call(&mut env, "POP", "l").is_err());
        assert!(call(&mut env, "SHIFT", "").is_err());
        write("PUSH", b"l", b"1", &mut env);
        write("PUSH", b"l,-", b"2", &mut env);
        write("UNSHIFT", b"l", b"0", &mut env);
        assert_eq!(env.get("l").as_deref(), Some("0,1-2"));
        write("PUSH", b"__n", b"v", &mut env);
        write("PUSH", b"__n", b"w", &mut env);
        assert_eq!(env.get("n").as_deref(), Some("v,w"));
        assert!(write("PUSH", b"", b"v", &mut env).unwrap().is_err());
    }

    #[test]
    fn hashes_and_arrays() {
        let mut env = TestEnv::default();
        write("HASH", b"h,k1", b"v1", &mut env);
        write("HASH", b"h,k2", b"v2", &mut env);
        write("HASH", b"_i,k", b"x", &mut env);
        assert_eq!(env.get("~HASH~h~k1~").as_deref(), Some("v1"));
        assert_eq!(env.get("~HASH~i~k~").as_deref(), Some("x"));
        assert_eq!(call(&mut env, "HASH", "h,k2"), Ok("v2".into()));
        assert_eq!(call(&mut env, "HASH", "h,none"), Ok("".into()));
        assert_eq!(call(&mut env, "HASHKEYS", "h"), Ok("k2,k1".into()));
        assert_eq!(call(&mut env, "HASH", "h"), Ok("v2,v1".into()));
        write("HASH", b"g", b"a,b", &mut env);
        assert_eq!(call(&mut env, "HASH", "g,k1"), Ok("b".into()));
        write("ARRAY", b"x,y,z", b"1,2", &mut env);
        assert_eq!(env.get("y").as_deref(), Some("2"));
        assert_eq!(env.get("z").as_deref(), Some(""));
    }

    #[test]
    fn sorting() {
        assert_eq!(eval("SORT", "a:3,b:1,c:2"), Ok("b,c,a".into()));
        assert_eq!(eval("SORT", "a:1,b:1,c:0,d"), Ok("c,a,b".into()));
        assert_eq!(eval("SORT", "a:x,b:-1"), Ok("b,a".into()));
        assert_eq!(eval("SORT", ""), Ok("".into()));
    }

    #[test]
    fn sprintf_conversions() {
        assert_eq!(eval("SPRINTF", "%05d,42"), Ok("00042".into()));
        assert_eq!(eval("SPRINTF", "%s-%s,a,b"), Ok("a-b".into()));
        assert_eq!(eval("SPRINTF", "%.2f,3.14159"), Ok("3.14".into()));
        assert_eq!(eval("SPRINTF", "100%%"), Ok("100%".into()));
        assert_eq!(
            eval("SPRINTF", "%x|%c|%hhd,255,65,255"),
            Ok("ff|A|-1".into())
        );
        assert_eq!(eval("SPRINTF", "%ld,-1"), Ok("4294967295".into()));
        assert_eq!(eval("SPRINTF", "%s"), Ok("(null)".into()));
        assert_eq!(eval("SPRINTF", "a%5"), Ok("a".into()));
        assert!(eval("SPRINTF", "%d").is_err());
        assert!(eval("SPRINTF", "%d,x").is_err());
        assert!(eval("SPRINTF", "%*d,1,2").is_err());
        assert!(eval("SPRINTF", "").is_err());
    }

    #[test]
    fn regexes() {
        assert_eq!(eval("REGEX", "\"^1\" 123"), Ok("1".into()));
        assert_eq!(eval("REGEX", "\"^[0-9]+$\" 12a"), Ok("0".into()));
        assert_eq!(eval("REGEX", "\"^$\" "), Ok("1".into()));
        assert!(eval("REGEX", "^1 123").is_err());
        assert!(eval("REGEX", "\"(\" x").is_err());
    }
}
