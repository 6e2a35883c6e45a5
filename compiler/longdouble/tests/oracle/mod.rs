//! The reference: a small C program using the machine's real `long double` and glibc,
//! compiled with `cc` on first use and fed commands through stdin.
//!
//! Protocol, one command per line, one answer line each. Values travel as 20 hex digits
//! (sign+exponent, then the 64-bit significand) so that bits, not just printed text, are
//! compared.
//!
//! | command | answer |
//! |---|---|
//! | `S <text as hex bytes>` | `strtold`: `<bytes consumed> <errno==ERANGE> <hex> <%.18Lg>` |
//! | `B <op> <hex a> <hex b>` | `<hex> <%.18Lg>` of `a op b`; op is one of `+ - * / %` (fmodl), `R` (remainderl), `P` (powl), `A` (atan2l) |
//! | `C <hex a> <hex b>` | `a<b a==b a>b a<=b a>=b a!=b` as six 0/1 digits |
//! | `U <fn> <hex>` | `<hex> <%.18Lg>` of `fn(x)`, fn a libm name without the `l` (or `neg`) |
//! | `T <hex>` | `(long long)x` |
//! | `I <i64>` | `<hex> <%.18Lg>` of `(long double)n` |
//! | `G <precision> <hex>` | `%.*Lg` |

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use pbxc_longdouble::F80;

const ORACLE_C: &str = r#"
#define _GNU_SOURCE /* exp10l */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long double get(const char *hex) {
    unsigned se = 0;
    unsigned long long sig = 0;
    sscanf(hex, "%4x%16llx", &se, &sig);
    unsigned char bytes[sizeof(long double)];
    memset(bytes, 0, sizeof bytes);
    memcpy(bytes, &sig, 8);
    uint16_t se16 = (uint16_t)se;
    memcpy(bytes + 8, &se16, 2);
    long double x;
    memcpy(&x, bytes, sizeof x);
    return x;
}

static void put(long double x) {
    unsigned char bytes[sizeof(long double)];
    memcpy(bytes, &x, sizeof x);
    unsigned long long sig;
    uint16_t se;
    memcpy(&sig, bytes, 8);
    memcpy(&se, bytes + 8, 2);
    printf("%04x%016llx %.18Lg\n", se, sig, x);
}

static long double unary(const char *f, long double x) {
#define F(name) if (!strcmp(f, #name)) return name##l(x)
    F(sqrt); F(floor); F(ceil); F(round); F(rint); F(trunc); F(fabs);
    F(sin); F(cos); F(tan); F(asin); F(acos); F(atan);
    F(exp); F(exp2); F(exp10); F(log); F(log2); F(log10);
#undef F
    if (!strcmp(f, "neg")) return -x;
    fprintf(stderr, "unknown function %s\n", f);
    exit(2);
}

int main(void) {
    if (LDBL_MANT_DIG != 64) {
        printf("LDBL_MANT_DIG=%d\n", LDBL_MANT_DIG);
        return 3;
    }
    printf("ready\n");
    static char line[1 << 16];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = 0;
        char op[16], a[32], b[32];
        if (line[0] == 'S') {
            /* The text comes hex-encoded so that it may hold any byte, newlines included. */
            static char text[1 << 15];
            size_t n = 0;
            for (const char *h = line + 2; h[0] && h[1]; h += 2) {
                unsigned byte;
                sscanf(h, "%2x", &byte);
                text[n++] = (char)byte;
            }
            text[n] = 0;
            char *end;
            errno = 0;
            long double x = strtold(text, &end);
            printf("%d %d ", (int)(end - text), errno == ERANGE);
            put(x);
        } else if (line[0] == 'B' && sscanf(line + 2, "%15s %31s %31s", op, a, b) == 3) {
            long double x = get(a), y = get(b), r;
            switch (op[0]) {
            case '+': r = x + y; break;
            case '-': r = x - y; break;
            case '*': r = x * y; break;
            case '/': r = x / y; break;
            case '%': r = fmodl(x, y); break;
            case 'R': r = remainderl(x, y); break;
            case 'P': r = powl(x, y); break;
            case 'A': r = atan2l(x, y); break;
            default: fprintf(stderr, "bad op %s\n", op); return 2;
            }
            put(r);
        } else if (line[0] == 'C' && sscanf(line + 2, "%31s %31s", a, b) == 2) {
            long double x = get(a), y = get(b);
            printf("%d%d%d%d%d%d\n", x < y, x == y, x > y, x <= y, x >= y, x != y);
        } else if (line[0] == 'U' && sscanf(line + 2, "%15s %31s", op, a) == 2) {
            put(unary(op, get(a)));
        } else if (line[0] == 'T' && sscanf(line + 2, "%31s", a) == 1) {
            printf("%lld\n", (long long)get(a));
        } else if (line[0] == 'I') {
            put((long double)strtoll(line + 2, NULL, 10));
        } else if (line[0] == 'G' && sscanf(line + 2, "%15s %31s", op, a) == 2) {
            printf("%.*Lg\n", atoi(op), get(a));
        } else {
            fprintf(stderr, "bad command: %s\n", line);
            return 2;
        }
    }
    return 0;
}
"#;

/// Compiles the oracle once per test binary. Panics (never skips) when `cc` is missing:
/// this test is the evidence that the crate matches the hardware.
fn oracle_binary() -> &'static PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("longdouble-oracle");
        std::fs::create_dir_all(&dir).expect("create the oracle directory");
        let source = dir.join("oracle.c");
        let binary = dir.join("oracle");
        std::fs::write(&source, ORACLE_C).expect("write oracle.c");
        let status = Command::new("cc")
            .arg("-O1")
            .arg("-o")
            .arg(&binary)
            .arg(&source)
            .arg("-lm")
            .status()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run `cc` ({e}): the differential test compiles a C program against \
                     the real x87 long double; install a C compiler (e.g. apt-get install gcc)"
                )
            });
        assert!(
            status.success(),
            "cc failed to compile {}",
            source.display()
        );
        binary
    })
}

/// Runs the oracle on the commands and returns one answer per command.
pub fn run(commands: &[String]) -> Vec<String> {
    let mut child = Command::new(oracle_binary())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the oracle");
    let mut stdin = child.stdin.take().expect("oracle stdin");
    let input = commands.join("\n") + "\n";
    let writer = std::thread::spawn(move || {
        stdin.write_all(input.as_bytes()).expect("feed the oracle");
    });
    let output = child.wait_with_output().expect("oracle output");
    writer.join().expect("writer thread");
    let text = String::from_utf8(output.stdout).expect("oracle prints ASCII");
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    assert_eq!(
        first, "ready",
        "the oracle needs an x87 80-bit long double (x86-64): {first}"
    );
    assert!(
        output.status.success(),
        "oracle failed: {:?}",
        output.status
    );
    let answers: Vec<String> = lines.map(str::to_string).collect();
    assert_eq!(answers.len(), commands.len(), "one answer per command");
    answers
}

/// The `S` command for a text.
pub fn strtold_command(text: &str) -> String {
    let hex: String = text.bytes().map(|b| format!("{b:02x}")).collect();
    format!("S {hex}")
}

/// The 20-hex-digit form used on the wire.
pub fn hex(x: F80) -> String {
    format!("{:020x}", x.to_bits())
}

/// `<hex> <%.18Lg>`, as the oracle prints a value.
pub fn value_line(x: F80) -> String {
    format!("{} {}", hex(x), x)
}

/// Parses the hex part of an oracle answer.
pub fn parse_hex(answer: &str) -> F80 {
    let hex = answer.split(' ').next().unwrap_or_default();
    F80::from_bits(u128::from_str_radix(hex, 16).expect("hex value from the oracle"))
}

/// A fixed-seed xorshift64* generator, so failures reproduce.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}
