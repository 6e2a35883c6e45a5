//! Extension names: normalisation and Asterisk's sort order (`ext_cmp`, main/pbx.c), which is
//! also what makes two spellings the same extension.

use std::cmp::Ordering;

/// `ext_strncpy`: spaces outside a pattern's `[...]` are removed; with `nofluff`, dashes too.
pub fn strip_fluff(name: &[u8], nofluff: bool) -> Vec<u8> {
    let is_pattern = name.first() == Some(&b'_');
    let mut insquares = false;
    let mut out = Vec::with_capacity(name.len());
    for &c in name {
        match c {
            b'[' if is_pattern => insquares = true,
            b']' => insquares = false,
            b' ' if !insquares => continue,
            b'-' if !insquares && nofluff => continue,
            _ => {}
        }
        out.push(c);
    }
    out
}

/// `ast_shrink_phone_number`: drops `(`, `)`, space and `-` outside `[...]`, and `.` unless it
/// is the last character.
pub fn shrink_phone_number(cid: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(cid.len());
    let mut bracket = false;
    for (i, &c) in cid.iter().enumerate() {
        match c {
            b'[' => {
                bracket = true;
                out.push(c);
            }
            b']' => {
                bracket = false;
                out.push(c);
            }
            b'-' if bracket => out.push(c),
            b'-' | b'(' | b')' | b' ' => {}
            b'.' if i + 1 < cid.len() => {}
            _ => out.push(c),
        }
    }
    out
}

/// The order of a context's extensions, as Asterisk keeps them: by name ([`ext_cmp`]), then
/// the one without a caller-ID match after those with one, which sort by theirs.
pub fn extension_order(
    (name, cid): (&[u8], Option<&[u8]>),
    (other, other_cid): (&[u8], Option<&[u8]>),
) -> Ordering {
    ext_cmp(name, other).then_with(|| match (cid, other_cid) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) => ext_cmp(a, b),
    })
}

/// `ext_cmp`: literals before patterns, literals bytewise ignoring `-`, patterns position by
/// position by specificity.
pub fn ext_cmp(left: &[u8], right: &[u8]) -> Ordering {
    match (left.first() == Some(&b'_'), right.first() == Some(&b'_')) {
        (false, true) => Ordering::Less,
        (true, false) => Ordering::Greater,
        (false, false) => cmp_exten(left, right),
        (true, true) => cmp_pattern(&left[1..], &right[1..]),
    }
}

fn cmp_exten(left: &[u8], right: &[u8]) -> Ordering {
    let l = left.iter().filter(|&&c| c != b'-');
    let r = right.iter().filter(|&&c| c != b'-');
    // C compares `char`s, signed on the machines Asterisk runs on.
    l.map(|&c| c as i8).cmp(r.map(|&c| c as i8))
}

const END: i32 = 0x30000;

/// One position of a pattern: its weight and its character bitmap. `None` for the end.
fn pattern_pos(p: &[u8], at: &mut usize, bits: &mut [u8; 32]) -> i32 {
    let get = |i: usize| p.get(i).copied().unwrap_or(0);
    loop {
        let mut c = get(*at);
        *at += 1;
        while c == b'-' {
            c = get(*at);
            *at += 1;
        }
        let set = |bits: &mut [u8; 32], c: u8| bits[(c / 8) as usize] |= 1 << (7 - (c % 8));
        match c {
            b'n' | b'N' => {
                bits[6] = 0x3f;
                bits[7] = 0xc0;
                return 0x0800 | i32::from(b'2');
            }
            b'x' | b'X' => {
                bits[6] = 0xff;
                bits[7] = 0xc0;
                return 0x0A00 | i32::from(b'0');
            }
            b'z' | b'Z' => {
                bits[6] = 0x7f;
                bits[7] = 0xc0;
                return 0x0900 | i32::from(b'1');
            }
            b'.' => return 0x18000,
            b'!' => return 0x28000,
            0 => return END,
            b'[' => {
                let Some(end) = p[(*at).min(p.len())..]
                    .iter()
                    .position(|&b| b == b']')
                    .map(|e| e + *at)
                else {
                    return 0x40000;
                };
                let mut count = 0;
                let mut cmin = 0xFFu8;
                while *at < end {
                    let c1 = p[*at];
                    let c2 = if *at + 2 < end && p[*at + 1] == b'-' {
                        *at += 2;
                        p[*at]
                    } else {
                        c1
                    };
                    cmin = cmin.min(c1);
                    let mut x = c1;
                    while x <= c2 {
                        let mask = 1 << (7 - (x % 8));
                        if bits[(x / 8) as usize] & mask == 0 {
                            bits[(x / 8) as usize] |= mask;
                            count += 0x100;
                        }
                        if x == 255 {
                            break;
                        }
                        x += 1;
                    }
                    *at += 1;
                }
                *at += 1;
                if count != 0 {
                    return count | i32::from(cmin);
                }
                // An empty set is skipped.
            }
            _ => {
                set(bits, c);
                return 0x0100 | i32::from(c);
            }
        }
    }
}

fn cmp_pattern(left: &[u8], right: &[u8]) -> Ordering {
    let (mut li, mut ri) = (0, 0);
    loop {
        let mut lb = [0u8; 32];
        let mut rb = [0u8; 32];
        let lp = pattern_pos(left, &mut li, &mut lb);
        let rp = pattern_pos(right, &mut ri, &mut rb);
        // The bitmaps compare swapped: the set with lower characters sorts first.
        let cmp = lp.cmp(&rp).then_with(|| rb.cmp(&lb));
        if cmp != Ordering::Equal || lp == END {
            return cmp;
        }
        if li > left.len() + 1 && ri > right.len() + 1 {
            return Ordering::Equal;
        }
    }
}

/// Whether `name` is a pattern with a `[` that never closes (Asterisk warns "Wrong usage of
/// [] in the extension" and the pattern never matches through that point).
pub fn has_unclosed_set(name: &[u8]) -> bool {
    if name.first() != Some(&b'_') {
        return false;
    }
    let mut open = false;
    for &c in name {
        match c {
            b'[' if !open => open = true,
            b']' => open = false,
            _ => {}
        }
    }
    open
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut v: Vec<&str> = names.to_vec();
        v.sort_by(|a, b| ext_cmp(a.as_bytes(), b.as_bytes()));
        v.into_iter().map(String::from).collect()
    }

    #[test]
    fn literals_first_then_patterns_by_leftmost_specificity() {
        assert_eq!(
            sorted(&[
                "_X.", "_XX.", "100", "_X!", "10", "_XXXX", "_XXX.", "_.", "1000", "_!", "_X"
            ]),
            [
                "10", "100", "1000", "_XXXX", "_XXX.", "_XX.", "_X.", "_X!", "_X", "_.", "_!"
            ]
        );
        assert_eq!(sorted(&["_X11111", "_1XXXXX"]), ["_1XXXXX", "_X11111"]);
        assert_eq!(
            sorted(&["_NXXNXXXXXX", "_307754XXXX"]),
            ["_307754XXXX", "_NXXNXXXXXX"]
        );
        // [0-8] has 9 members: between N (8) and Z (9).
        assert_eq!(sorted(&["_Z", "_[0-8]", "_N"]), ["_N", "_[0-8]", "_Z"]);
        assert_eq!(sorted(&["_[02-9a]", "_[0-9]"]), ["_[0-9]", "_[02-9a]"]);
    }

    #[test]
    fn aliases_compare_equal() {
        for (a, b) in [
            ("_1[2]X", "_12X"),
            ("_[0-9]", "_X"),
            ("1-0-0", "100"),
            ("_9[]5", "_95"),
        ] {
            assert_eq!(
                ext_cmp(a.as_bytes(), b.as_bytes()),
                Ordering::Equal,
                "{a} {b}"
            );
        }
        assert_ne!(ext_cmp(b"abc", b"ABC"), Ordering::Equal);
    }

    #[test]
    fn caller_id_shrinks_like_a_phone_number() {
        assert_eq!(shrink_phone_number(b"(555) 123-4567"), b"5551234567");
        assert_eq!(shrink_phone_number(b"5.5"), b"55");
        assert_eq!(shrink_phone_number(b"_555."), b"_555.");
        assert_eq!(shrink_phone_number(b"_[2-9]XX"), b"_[2-9]XX");
    }
}
