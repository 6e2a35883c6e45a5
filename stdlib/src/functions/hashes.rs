//! funcs/func_base64.c, func_uri.c, func_md5.c and func_sha1.c, with main/utils.c's encoders.
//! MD5 and SHA-1 are small enough to carry here (RFC 1321, FIPS 180-4) rather than add
//! dependencies; the unit tests pin them to the RFC test vectors.

use super::args::cstr;
use super::cscan;
use super::{Complaint, Env, Outcome};

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `BASE64_ENCODE(data)`: standard alphabet, `=` padding, no line breaks.
pub fn base64_encode(name: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    if data.is_empty() {
        return Err(Complaint::warning(format!(
            "Syntax: {name}(<data>) - missing argument!"
        )));
    }
    Ok(base64_encode_max(data, usize::MAX))
}

/// `ast_base64decode`'s table: an unknown byte (including `-`, `_`, spaces and, here, any
/// byte ≥ 0x80, which C indexes out of bounds) decodes as 63, it is *not* skipped.
fn sextet(b: u8) -> u32 {
    match b {
        b'A'..=b'Z' => u32::from(b - b'A'),
        b'a'..=b'z' => u32::from(b - b'a') + 26,
        b'0'..=b'9' => u32::from(b - b'0') + 52,
        b'+' => 62,
        _ => 63,
    }
}

/// `BASE64_DECODE(data)`: up to the first `=`; leftover bits dropped; a decoded NUL ends
/// the (C string) result.
pub fn base64_decode(name: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    if data.is_empty() {
        return Err(Complaint::warning(format!(
            "Syntax: {name}(<data>) - missing argument!"
        )));
    }
    Ok(cstr(&base64_decode_max(data, usize::MAX)).to_vec())
}

/// `ast_base64decode(dst, src, max)`: at most `max` bytes, up to the first `=` or NUL;
/// leftover bits dropped.
pub(crate) fn base64_decode_max(data: &[u8], max: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity((data.len() * 3 / 4).min(max));
    let (mut byte, mut bits) = (0u32, 0u32);
    for &c in data.iter().take_while(|&&c| c != b'=' && c != 0) {
        if out.len() >= max {
            break;
        }
        byte = (byte << 6) | sextet(c);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((byte >> bits) as u8);
        }
    }
    out
}

/// `ast_base64encode(dst, src, srclen, max)`: whole groups of four while they fit in
/// `max - 1` characters, the padded last one too only if it fits (`usize::MAX`: all).
pub(crate) fn base64_encode_max(data: &[u8], max: usize) -> Vec<u8> {
    let room = max.saturating_sub(1);
    let mut out = Vec::new();
    for chunk in data.chunks(3) {
        if out.len() + 4 > room {
            break;
        }
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextet = |shift: u32| BASE64[((n >> shift) & 0x3f) as usize];
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if chunk.len() > 1 { sextet(6) } else { b'=' });
        out.push(if chunk.len() > 2 { sextet(0) } else { b'=' });
    }
    out
}

/// `URIENCODE(data)`: everything but letters, digits and `-_.!~*'()` as `%XX`.
pub fn uriencode(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    let mut out = Vec::with_capacity(data.len());
    for &b in data {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b);
        } else {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        }
    }
    Ok(out)
}

/// `URIDECODE(data)`: `%` with two following bytes that `sscanf("%2x")` accepts (so also
/// `% 1`, `%+1`, `%0x`) becomes that byte; everything else is copied. `+` stays `+`.
pub fn uridecode(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i] == b'%'
            && i + 2 < data.len()
            && let Some(v) = cscan::hex(&data[i + 1..], 2).value()
        {
            out.push(v as u8);
            i += 3;
        } else {
            out.push(data[i]);
            i += 1;
        }
    }
    Ok(cstr(&out).to_vec())
}

fn hex(digest: &[u8]) -> Vec<u8> {
    digest
        .iter()
        .flat_map(|b| format!("{b:02x}").into_bytes())
        .collect()
}

/// `MD5(data)`: lower-case hex.
pub fn md5(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    if data.is_empty() {
        return Err(Complaint::warning(
            "Syntax: MD5(<data>) - missing argument!",
        ));
    }
    Ok(hex(&md5_digest(data)))
}

/// `SHA1(data)`: lower-case hex.
pub fn sha1(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    if data.is_empty() {
        return Err(Complaint::warning(
            "Syntax: SHA1(<data>) - missing argument!",
        ));
    }
    Ok(hex(&sha1_digest(data)))
}

/// Message padding shared by MD5 (little-endian length) and SHA-1 (big-endian).
fn padded(data: &[u8], big_endian: bool) -> Vec<u8> {
    let mut m = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    m.push(0x80);
    while m.len() % 64 != 56 {
        m.push(0);
    }
    m.extend_from_slice(&if big_endian {
        bits.to_be_bytes()
    } else {
        bits.to_le_bytes()
    });
    m
}

fn md5_digest(data: &[u8]) -> [u8; 16] {
    const S: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5,
        9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10,
        15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    // K[i] = floor(2^32 * |sin(i + 1)|), RFC 1321 §3.4.
    let k: Vec<u32> = (0..64)
        .map(|i| (((i + 1) as f64).sin().abs() * 4_294_967_296.0) as u32)
        .collect();
    let mut h: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    for block in padded(data, false).chunks_exact(64) {
        let w: Vec<u32> = block
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let [mut a, mut b, mut c, mut d] = h;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let rotated = a
                .wrapping_add(f)
                .wrapping_add(k[i])
                .wrapping_add(w[g])
                .rotate_left(S[i]);
            (a, b, c, d) = (d, b.wrapping_add(rotated), b, c);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 16];
    for (i, word) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&word.to_le_bytes());
    }
    out
}

fn sha1_digest(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xefcd_ab89,
        0x98ba_dcfe,
        0x1032_5476,
        0xc3d2_e1f0,
    ];
    for block in padded(data, true).chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, c) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, &wi) in w.iter().enumerate() {
            let (f, k) = match i / 20 {
                0 => ((b & c) | (!b & d), 0x5a82_7999),
                1 => (b ^ c ^ d, 0x6ed9_eba1),
                2 => ((b & c) | (b & d) | (c & d), 0x8f1b_bcdc),
                _ => (b ^ c ^ d, 0xca62_c1d6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(wi);
            (a, b, c, d, e) = (t, a, b.rotate_left(30), c, d);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (i, word) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testenv::eval;

    fn ok(s: &str) -> Result<String, String> {
        Ok(s.into())
    }

    #[test]
    fn base64_both_ways() {
        assert_eq!(eval("BASE64_ENCODE", "hi"), ok("aGk="));
        assert_eq!(eval("BASE64_ENCODE", "foobarbaz"), ok("Zm9vYmFyYmF6"));
        assert_eq!(eval("BASE64_ENCODE", "f"), ok("Zg=="));
        assert_eq!(eval("BASE64_DECODE", "Zm9vYmFyYmF6"), ok("foobarbaz"));
        assert_eq!(eval("BASE64_DECODE", "aGk=garbage"), ok("hi"));
        assert_eq!(eval("BASE64_DECODE", "aGk"), ok("hi"));
        assert_eq!(eval("BASE64_DECODE", "AAAA"), ok(""));
        assert_eq!(eval("BASE64_DECODE", "-w"), ok("\u{FFFD}"));
        assert!(eval("BASE64_DECODE", "").is_err());
        assert!(eval("BASE64_ENCODE", "").is_err());
    }

    #[test]
    fn uri_both_ways() {
        assert_eq!(eval("URIENCODE", "a b&c/d"), ok("a%20b%26c%2Fd"));
        assert_eq!(eval("URIENCODE", "-_.!~*'()"), ok("-_.!~*'()"));
        assert_eq!(eval("URIENCODE", ""), ok(""));
        assert_eq!(eval("URIDECODE", "a%20b+c"), ok("a b+c"));
        assert_eq!(eval("URIDECODE", "%4"), ok("%4"));
        assert_eq!(eval("URIDECODE", "%zz%41"), ok("%zzA"));
        assert_eq!(eval("URIDECODE", "a%00b"), ok("a"));
        // sscanf skips the blank before reading two digits, but only three bytes are skipped.
        assert_eq!(eval("URIDECODE", "% 412"), ok("A12"));
    }

    #[test]
    fn digests_match_the_rfc_vectors() {
        assert_eq!(eval("MD5", "a"), ok("0cc175b9c0f1b6a831c399e269772661"));
        assert_eq!(eval("MD5", "abc"), ok("900150983cd24fb0d6963f7d28e17f72"));
        assert_eq!(
            eval(
                "MD5",
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890"
            ),
            ok("57edf4a22be3c955ac49da2e2107b67a")
        );
        assert_eq!(
            eval("SHA1", "a"),
            ok("86f7e437faa5a7fce15d1ddcb9eaeaea377667b8")
        );
        assert_eq!(
            eval(
                "SHA1",
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            ),
            ok("84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        );
        assert!(eval("MD5", "").is_err());
        assert!(eval("SHA1", "").is_err());
    }
}
