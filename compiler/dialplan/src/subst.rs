//! Substitution against globals only, as pbx_config does at load time
//! (`pbx_substitute_variables_helper(NULL, …)`): `${NAME}` and `${NAME:offset:length}`,
//! nested bodies first, one pass, produced text never rescanned. With no channel, functions
//! and unknown variables give the empty string; `$[...]` is left as written here (the
//! expression engine evaluates it).

pub fn substitute(input: &[u8], lookup: &dyn Fn(&[u8]) -> Option<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'$' && input.get(i + 1) == Some(&b'{') {
            // Find the matching brace.
            let mut depth = 1;
            let mut j = i + 2;
            while j < input.len() && depth > 0 {
                match input[j] {
                    b'{' if input[j - 1] == b'$' => depth += 1,
                    b'}' => depth -= 1,
                    _ => {}
                }
                j += 1;
            }
            if depth > 0 {
                // Unterminated: Asterisk copies the rest as it is.
                out.extend_from_slice(&input[i..]);
                break;
            }
            let body = substitute(&input[i + 2..j - 1], lookup);
            out.extend(evaluate(&body, lookup));
            i = j;
        } else {
            // Up to the next `$` (most text has none) in one copy.
            let end = input[i + 1..]
                .iter()
                .position(|&c| c == b'$')
                .map_or(input.len(), |k| i + 1 + k);
            out.extend_from_slice(&input[i..end]);
            i = end;
        }
    }
    out
}

fn evaluate(body: &[u8], lookup: &dyn Fn(&[u8]) -> Option<Vec<u8>>) -> Vec<u8> {
    if body.contains(&b'(') {
        return Vec::new();
    }
    let mut parts = body.splitn(3, |&c| c == b':');
    let name = parts.next().unwrap_or_default();
    let value = lookup(name).unwrap_or_default();
    let offset = parts.next().map(parse_int);
    let length = parts.next().map(parse_int);
    match offset {
        None => value,
        Some(offset) => substring(&value, offset, length),
    }
}

/// `sscanf("%d")`-like: leading integer, 0 otherwise.
fn parse_int(s: &[u8]) -> i64 {
    let s = std::str::from_utf8(s).unwrap_or("").trim_start();
    let end = s
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))))
        .map_or(s.len(), |(i, _)| i);
    s[..end].parse().unwrap_or(0)
}

/// Asterisk's `substring()`: negative offset counts from the end, negative length leaves
/// that many off the end, a missing or zero length means "to the end".
fn substring(value: &[u8], offset: i64, length: Option<i64>) -> Vec<u8> {
    let len = value.len() as i64;
    let mut start = if offset < 0 {
        (len + offset).max(0)
    } else {
        offset.min(len)
    };
    let end = match length {
        None | Some(0) => len,
        Some(l) if l < 0 => (len + l).max(start),
        Some(l) => (start + l).min(len),
    };
    if start > end {
        start = end;
    }
    value[start as usize..end as usize].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &[(&str, &str)]) -> impl Fn(&[u8]) -> Option<Vec<u8>> {
        let vars: Vec<(Vec<u8>, Vec<u8>)> = vars
            .iter()
            .map(|(a, b)| (a.as_bytes().to_vec(), b.as_bytes().to_vec()))
            .collect();
        move |name: &[u8]| vars.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn variables_nesting_and_substrings() {
        let vars = with(&[("A", "1"), ("B", "A"), ("N", "5551234")]);
        let s = |x: &str| String::from_utf8(substitute(x.as_bytes(), &vars)).unwrap();
        assert_eq!(s("x${A}${A}2"), "x112");
        assert_eq!(s("${${B}}"), "1");
        assert_eq!(s("${N:3}"), "1234");
        assert_eq!(s("${N:-4}"), "1234");
        assert_eq!(s("${N:0:3}"), "555");
        assert_eq!(s("${N:1:-2}"), "5512");
        assert_eq!(s("${UNKNOWN}|${LEN(x)}"), "|");
        assert_eq!(s("${A"), "${A");
        assert_eq!(s("$[1+1]"), "$[1+1]");
        assert_eq!(s("$$${A}$"), "$$1$");
        assert_eq!(s("a$b${A}c$"), "a$b1c$");
        assert_eq!(s("no dollar"), "no dollar");
        assert_eq!(s(""), "");
    }
}
