//! `AES_ENCRYPT(key,data)` and `AES_DECRYPT(key,data)` (funcs/func_aes.c): AES-128 in ECB
//! mode, the last block padded with zeros, the ciphertext in base64. AES itself (FIPS 197)
//! is small enough to carry here, as MD5 and SHA-1 are; its S-box is computed rather than
//! copied, and the unit tests pin the cipher to FIPS 197's example and the functions to
//! OpenSSL's `aes-128-ecb`.

use super::{Complaint, Env, Outcome, args, hashes};

/// The function's buffer (`VAR_BUF_SIZE`): func_aes.c works in a copy of that size.
const BUFFER: usize = 4096;
const BLOCK: usize = 16;

/// `aes_helper`: the key must be 16 bytes; the data (text to encrypt, or base64 to decrypt)
/// is worked on in a 4096-byte buffer, 16 bytes at a time, a short last block padded with
/// zeros. Encrypting gives base64 (cut to whole groups within the buffer, as
/// `ast_base64encode` writes); decrypting gives the text up to its first NUL, which the
/// padding supplies.
pub fn aes(name: &str, args: &[u8], env: &mut dyn Env) -> Outcome {
    let parts = args::standard(args, 2);
    let part = |i: usize| parts.get(i).map(Vec::as_slice).unwrap_or_default();
    let (key, data) = (part(0), part(1));
    if data.is_empty() || key.is_empty() {
        return Err(Complaint::warning(format!(
            "Syntax: {name}(<key>,<data>) - missing argument!"
        )));
    }
    let Ok(key) = <[u8; BLOCK]>::try_from(args::cstr(key)) else {
        return Err(Complaint::warning(format!(
            "Syntax: {name}(<key>,<data>) - <key> parameter must be exactly 16 characters!"
        )));
    };
    let encrypt = name != "AES_DECRYPT";
    let mut work = vec![0u8; BUFFER];
    let mut length = if encrypt {
        let text = args::cstr(data);
        let n = text.len().min(BUFFER - 1);
        work[..n].copy_from_slice(&text[..n]);
        n
    } else {
        let decoded = hashes::base64_decode_max(data, BUFFER);
        work[..decoded.len()].copy_from_slice(&decoded);
        decoded.len()
    };
    if length >= BUFFER {
        env.warn(Complaint::warning(format!(
            "Syntax: {name}(<keys>,<data>) - <data> exceeds buffer length.  Result may be truncated!"
        )));
        length = BUFFER - 1;
    }
    let keys = Aes128::new(&key);
    let blocks = length.div_ceil(BLOCK);
    for (i, chunk) in work.chunks_exact_mut(BLOCK).take(blocks).enumerate() {
        // memset, then memcpy of what is left of the data: a byte past it reads as zero.
        let mut block = [0u8; BLOCK];
        let n = (length - i * BLOCK).min(BLOCK);
        block[..n].copy_from_slice(&chunk[..n]);
        if encrypt {
            keys.encrypt(&mut block);
        } else {
            keys.decrypt(&mut block);
        }
        chunk.copy_from_slice(&block);
    }
    if encrypt {
        Ok(hashes::base64_encode_max(&work[..blocks * BLOCK], BUFFER))
    } else {
        Ok(args::cstr(&work[..BUFFER - 1]).to_vec())
    }
}

/// Multiplication in AES's field, GF(2⁸) modulo x⁸ + x⁴ + x³ + x + 1.
const fn multiply(mut a: u8, mut b: u8) -> u8 {
    let mut product = 0;
    while b != 0 {
        if b & 1 != 0 {
            product ^= a;
        }
        a = (a << 1) ^ if a & 0x80 != 0 { 0x1b } else { 0 };
        b >>= 1;
    }
    product
}

/// FIPS 197 §5.1.1: the multiplicative inverse (a²⁵⁴; 0 for 0), then the affine map.
const fn sbox() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut x = 0;
    while x < 256 {
        let mut inverse = 1u8;
        let mut i = 0;
        while i < 254 {
            inverse = multiply(inverse, x as u8);
            i += 1;
        }
        let b = if x == 0 { 0 } else { inverse };
        table[x] =
            b ^ b.rotate_left(1) ^ b.rotate_left(2) ^ b.rotate_left(3) ^ b.rotate_left(4) ^ 0x63;
        x += 1;
    }
    table
}

const fn inverse_of(table: &[u8; 256]) -> [u8; 256] {
    let mut inverse = [0u8; 256];
    let mut x = 0;
    while x < 256 {
        inverse[table[x] as usize] = x as u8;
        x += 1;
    }
    inverse
}

static SBOX: [u8; 256] = sbox();
static INVERSE_SBOX: [u8; 256] = inverse_of(&SBOX);

/// AES-128's eleven round keys (FIPS 197 §5.2), each as 16 bytes in column order.
struct Aes128 {
    rounds: [[u8; BLOCK]; 11],
}

impl Aes128 {
    fn new(key: &[u8; BLOCK]) -> Aes128 {
        let mut words = [[0u8; 4]; 44];
        for (i, word) in key.chunks_exact(4).enumerate() {
            words[i].copy_from_slice(word);
        }
        let mut rcon = 1u8;
        for i in 4..44 {
            let mut t = words[i - 1];
            if i % 4 == 0 {
                t.rotate_left(1);
                t = t.map(|b| SBOX[usize::from(b)]);
                t[0] ^= rcon;
                rcon = multiply(rcon, 2);
            }
            for j in 0..4 {
                words[i][j] = words[i - 4][j] ^ t[j];
            }
        }
        let mut rounds = [[0u8; BLOCK]; 11];
        for (r, round) in rounds.iter_mut().enumerate() {
            for c in 0..4 {
                round[4 * c..4 * c + 4].copy_from_slice(&words[4 * r + c]);
            }
        }
        Aes128 { rounds }
    }

    fn encrypt(&self, state: &mut [u8; BLOCK]) {
        add(state, &self.rounds[0]);
        for round in 1..=10 {
            for b in state.iter_mut() {
                *b = SBOX[usize::from(*b)];
            }
            shift_rows(state, false);
            if round != 10 {
                mix_columns(state, [2, 3, 1, 1]);
            }
            add(state, &self.rounds[round]);
        }
    }

    fn decrypt(&self, state: &mut [u8; BLOCK]) {
        add(state, &self.rounds[10]);
        for round in (0..10).rev() {
            shift_rows(state, true);
            for b in state.iter_mut() {
                *b = INVERSE_SBOX[usize::from(*b)];
            }
            add(state, &self.rounds[round]);
            if round != 0 {
                mix_columns(state, [14, 11, 13, 9]);
            }
        }
    }
}

fn add(state: &mut [u8; BLOCK], key: &[u8; BLOCK]) {
    for (s, k) in state.iter_mut().zip(key) {
        *s ^= k;
    }
}

/// Row `r` (byte `r` of each column) turns left by `r` columns; right when undoing.
fn shift_rows(state: &mut [u8; BLOCK], inverse: bool) {
    let before = *state;
    for r in 1..4 {
        for c in 0..4 {
            let from = if inverse {
                (c + 4 - r) % 4
            } else {
                (c + r) % 4
            };
            state[4 * c + r] = before[4 * from + r];
        }
    }
}

/// Each column times the circulant matrix whose first row is `row`.
fn mix_columns(state: &mut [u8; BLOCK], row: [u8; 4]) {
    for column in state.chunks_exact_mut(4) {
        let a = [column[0], column[1], column[2], column[3]];
        for (r, out) in column.iter_mut().enumerate() {
            *out = (0..4).fold(0, |acc, c| acc ^ multiply(row[(c + 4 - r) % 4], a[c]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testenv::TestEnv;
    use super::*;

    fn hex(text: &str) -> [u8; 16] {
        let bytes: Vec<u8> = (0..32)
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect();
        bytes.try_into().unwrap()
    }

    /// FIPS 197, Appendix C.1, and the first entries of its S-box (Figure 7).
    #[test]
    fn the_cipher_is_fips_197s() {
        assert_eq!(&SBOX[..4], &[0x63, 0x7c, 0x77, 0x7b]);
        assert_eq!(SBOX[0x53], 0xed);
        let aes = Aes128::new(&hex("000102030405060708090a0b0c0d0e0f"));
        let mut block = hex("00112233445566778899aabbccddeeff");
        aes.encrypt(&mut block);
        assert_eq!(block, hex("69c4e0d86a7b0430d8cdb78070b4c55a"));
        aes.decrypt(&mut block);
        assert_eq!(block, hex("00112233445566778899aabbccddeeff"));
    }

    /// Each ciphertext is what `openssl enc -aes-128-ecb -nopad` gives for the text padded
    /// with zeros to whole blocks, in base64.
    #[test]
    fn encrypting_matches_openssl_and_decrypting_undoes_it() {
        let mut env = TestEnv::default();
        let mut run = |name: &str, args: &str| {
            aes(name, args.as_bytes(), &mut env).map(|v| String::from_utf8(v).unwrap())
        };
        for (key, text, cipher) in [
            (
                "abcdefghijklmnop",
                "Hello, World",
                "O27HTsP36UD6onjvPw6edQ==",
            ),
            (
                "abcdefghijklmnop",
                "exactly16bytes!!",
                "OlyVDlfDXwLnD+SygULyTA==",
            ),
            (
                "abcdefghijklmnop",
                "seventeen bytes!!",
                "4t9KwBfLv9JtaUvvsSpvEmKb6ZLwL+2QANQ8benzJb8=",
            ),
            ("0123456789abcdef", "x", "lN6C1wZLiNc6ZKQk5Iw/tQ=="),
        ] {
            assert_eq!(
                run("AES_ENCRYPT", &format!("{key},{text}")),
                Ok(cipher.into())
            );
            assert_eq!(
                run("AES_DECRYPT", &format!("{key},{cipher}")),
                Ok(text.into())
            );
        }
    }

    #[test]
    fn refusals_and_the_buffer_are_func_aes_cs() {
        let mut env = TestEnv::default();
        let mut run = |name: &str, args: &[u8]| aes(name, args, &mut env);
        let complaint = |r: Outcome| r.unwrap_err().line().unwrap();
        assert_eq!(
            complaint(run("AES_ENCRYPT", b"abcdefghijklmnop")),
            "WARNING: Syntax: AES_ENCRYPT(<key>,<data>) - missing argument!"
        );
        assert_eq!(
            complaint(run("AES_DECRYPT", b",data")),
            "WARNING: Syntax: AES_DECRYPT(<key>,<data>) - missing argument!"
        );
        assert_eq!(
            complaint(run("AES_ENCRYPT", b"short,data")),
            "WARNING: Syntax: AES_ENCRYPT(<key>,<data>) - <key> parameter must be exactly 16 characters!"
        );
        // 4,000 bytes encrypt to 4,000 (250 blocks), whose base64 (5,336 characters) is
        // written in whole groups while they fit the buffer: 1,023 of them.
        let long = [b"abcdefghijklmnop,".as_slice(), &[b'z'; 4000]].concat();
        let cipher = run("AES_ENCRYPT", &long).unwrap();
        assert_eq!(cipher.len(), 4092);
        // (Text past the buffer's 4095 bytes is cut before encrypting, but no output shows
        // it: what the base64 keeps is the first 3,069 bytes' ciphertext.)
        // Decrypting that much base64 fills the buffer: the warning, and the text cut.
        let long_base64 = [b"abcdefghijklmnop,".as_slice(), &[b'A'; 6000]].concat();
        let mut env = TestEnv::default();
        let plain = aes("AES_DECRYPT", &long_base64, &mut env).unwrap();
        assert_eq!(
            env.log,
            [
                "WARNING: Syntax: AES_DECRYPT(<keys>,<data>) - <data> exceeds buffer length.  Result may be truncated!"
            ]
        );
        assert!(plain.len() < 4096);
    }
}
