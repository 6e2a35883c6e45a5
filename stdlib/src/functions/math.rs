//! funcs/func_math.c (MATH, INC, DEC, MIN, MAX, ABS, DIGIT_SUM) and funcs/func_rand.c
//! (RAND). Numbers are read with `sscanf` and printed with `printf` as in the C, and the
//! C casts from `double` to integers behave as they do on x86-64.

use super::args;
use super::cfmt::{self, Spec};
use super::cscan::{self, Scan};
use super::{Complaint, Env, Outcome};

/// `(int) x` as x86-64 computes it (`cvttsd2si`): out of range or NaN gives `INT_MIN`.
fn to_int(x: f64) -> i32 {
    if x.is_nan() || x >= 2_147_483_648.0 || x <= -2_147_483_649.0 {
        i32::MIN
    } else {
        x as i32
    }
}

/// `(unsigned int) x` on x86-64: a 64-bit truncating conversion, then the low 32 bits.
fn to_uint(x: f64) -> u32 {
    // 2^63: beyond it (or NaN) cvttsd2si gives 0x8000000000000000, whose low half is 0.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if !(-LIMIT..LIMIT).contains(&x) {
        0
    } else {
        x as i64 as u32
    }
}

fn printf(spec: &str, value: f64) -> Vec<u8> {
    let spec = Spec::parse(spec.as_bytes()).unwrap_or_default();
    match spec.conv {
        b'f' => cfmt::double(&spec, value),
        _ => cfmt::integer(&spec, value as i64),
    }
}

/// MIN/MAX/ABS print an integral result with `%d`, anything else with `%f`.
fn int_or_float(v: f64) -> Outcome {
    if f64::from(to_int(v)) == v {
        Ok(to_int(v).to_string().into_bytes())
    } else {
        Ok(printf("%f", v))
    }
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn number(text: &[u8]) -> Result<f64, Complaint> {
    cscan::double(text, 30)
        .value()
        .ok_or_else(|| Complaint::warning(format!("'{}' is not a valid number", show(text))))
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Add,
    Div,
    Mul,
    Sub,
    Mod,
    Pow,
    Shl,
    Shr,
    And,
    Xor,
    Or,
    Gt,
    Lt,
    Ge,
    Le,
    Eq,
}

/// Finds the operator the way the C does — by a fixed order of `strchr`/`strstr` searches,
/// not by position — and returns it with the two operand texts. `None` for the second
/// operand means "no operator" (a lone `=` is no operator either).
fn split_op(expr: &[u8]) -> (Option<Op>, &[u8], Option<&[u8]>) {
    let find = |c: u8| expr.iter().position(|&b| b == c);
    let word = |w: &[u8]| args::find(expr, w).filter(|_| !w.is_empty());
    let two = |at: usize, skip: usize, op: Op| (Some(op), &expr[..at], expr.get(at + skip..));
    if let Some(at) = find(b'*') {
        return two(at, 1, Op::Mul);
    }
    if let Some(at) = find(b'/') {
        return two(at, 1, Op::Div);
    }
    if let Some(at) = find(b'%') {
        return two(at, 1, Op::Mod);
    }
    if let Some(at) = find(b'^') {
        return two(at, 1, Op::Pow);
    }
    if let Some(at) = word(b"AND") {
        return two(at, 3, Op::And);
    }
    if let Some(at) = word(b"XOR") {
        return two(at, 3, Op::Xor);
    }
    if let Some(at) = word(b"OR") {
        return two(at, 2, Op::Or);
    }
    if let Some(at) = find(b'>') {
        return match expr.get(at + 1) {
            Some(b'=') => two(at, 2, Op::Ge),
            Some(b'>') => two(at, 2, Op::Shr),
            _ => two(at, 1, Op::Gt),
        };
    }
    if let Some(at) = find(b'<') {
        return match expr.get(at + 1) {
            Some(b'=') => two(at, 2, Op::Le),
            Some(b'<') => two(at, 2, Op::Shl),
            _ => two(at, 1, Op::Lt),
        };
    }
    if let Some(at) = find(b'=') {
        return match expr.get(at + 1) {
            Some(b'=') => two(at, 2, Op::Eq),
            _ => (None, &expr[..at], None),
        };
    }
    if let Some(at) = find(b'+') {
        return two(at, 1, Op::Add);
    }
    // Subtraction last, so that "5*-3" is a multiplication.
    if let Some(at) = find(b'-') {
        return two(at, 1, Op::Sub);
    }
    (None, expr, None)
}

/// `MATH(a op b[,type])`: `+ - * / % ^ AND XOR OR << >> < > <= >= ==`, one operator, result
/// as `float` (`%f`, the default), `int`, `hex` or `char`. Division by zero *or by a
/// negative number* gives 0; `%` and the bit operators work on the `int` casts.
pub fn math(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    const SYNTAX: &str =
        "Syntax: MATH(<number1><op><number 2>[,<type_of_result>]) - missing argument!";
    if data.is_empty() {
        return Err(Complaint::warning(SYNTAX));
    }
    let a = args::standard(data, 2);
    let Some(first) = args::get(&a, 0) else {
        return Err(Complaint::warning(SYNTAX));
    };
    let (negative, first) = match first.strip_prefix(b"-") {
        Some(rest) => (true, rest),
        None => (false, first),
    };
    let (op, left, right) = split_op(first);
    let result_type = match args::get(&a, 1).map(<[u8]>::to_ascii_lowercase).as_deref() {
        None | Some(b"float" | b"f") => "%f",
        Some(b"int" | b"i") => "%i",
        Some(b"hex" | b"h") => "%x",
        Some(b"char" | b"c") => "%c",
        Some(other) => {
            return Err(Complaint::warning(format!(
                "Unknown type of result requested '{}'.",
                show(other)
            )));
        }
    };
    let (Some(op), Some(right)) = (op, right) else {
        return Err(Complaint::warning(
            "Supply all the parameters - just this once, please",
        ));
    };
    let mut x = number(left)?;
    let y = number(right)?;
    if negative {
        x = 0.0 - x;
    }
    let (ix, iy) = (to_int(x), to_int(y));
    let truth = |b: bool| {
        Ok(if b {
            b"TRUE".to_vec()
        } else {
            b"FALSE".to_vec()
        })
    };
    let value = match op {
        Op::Add => x + y,
        Op::Sub => x - y,
        Op::Mul => x * y,
        Op::Div if y <= 0.0 => 0.0,
        Op::Div => x / y,
        // INT_MIN % -1 traps in C; wrapping gives the mathematically right 0.
        Op::Mod if iy == 0 => 0.0,
        Op::Mod => ix.wrapping_rem(iy).into(),
        Op::Pow => x.powf(y),
        // x86 masks shift counts to five bits.
        Op::Shl => ix.wrapping_shl(iy as u32).into(),
        Op::Shr => ix.wrapping_shr(iy as u32).into(),
        Op::And => (ix & iy).into(),
        Op::Xor => (ix ^ iy).into(),
        Op::Or => (ix | iy).into(),
        Op::Gt => return truth(x > y),
        Op::Lt => return truth(x < y),
        Op::Ge => return truth(x >= y),
        Op::Le => return truth(x <= y),
        Op::Eq => return truth(x == y),
    };
    Ok(match result_type {
        "%f" => printf("%f", value),
        "%i" => printf("%i", to_int(value).into()),
        "%x" => cfmt::integer(
            &Spec::parse(b"%x").unwrap_or_default(),
            to_uint(value).into(),
        ),
        // `%c` of a NUL writes nothing a C string can hold.
        _ => match to_int(value) as u8 {
            0 => Vec::new(),
            c => vec![c],
        },
    })
}

/// `INC(var)` / `DEC(var)`: reads the variable (channel, then global), which must hold an
/// integer and nothing after it, stores the new value as a channel variable and returns it.
pub fn crement(name: &str, data: &[u8], env: &mut dyn Env) -> Outcome {
    let var = show(data);
    if data.is_empty() {
        return Err(Complaint::warning(format!(
            "Syntax: {name}(<data>) - missing argument!"
        )));
    }
    let Some(value) = env.var(data) else {
        return Err(Complaint::notice(format!(
            "Failed to obtain variable {var}, bailing out"
        )));
    };
    if value.is_empty() {
        return Err(Complaint::notice(format!(
            "Variable {var} doesn't exist - are you sure you wrote it correctly?"
        )));
    }
    // sscanf("%30d%1c") == 0 || endchar != 0: blanks alone are EOF, which passes as 0.
    let n = match cscan::int(&value, 30) {
        Scan::Ok(n, used) if used == value.len() => n,
        Scan::Eof => 0,
        _ => {
            return Err(Complaint::notice(format!(
                "The content of ${{{var}}} is not a numeric value - bailing out!"
            )));
        }
    };
    let n = if name == "INC" {
        n.wrapping_add(1)
    } else {
        n.wrapping_sub(1)
    };
    let text = n.to_string().into_bytes();
    env.set_var(data, Some(&text));
    Ok(text)
}

fn min_max(data: &[u8], pick_max: bool) -> Outcome {
    let a = args::standard(data, 2);
    let (n1, n2) = (args::get(&a, 0), args::get(&a, 1));
    if args::is_empty(n1) && args::is_empty(n2) {
        return Err(Complaint::error("Missing argument for number(s)."));
    }
    let num1 = match n1 {
        Some(t) if !t.is_empty() => Some(number(t)?),
        _ => None,
    };
    let num2 = match n2 {
        Some(t) if !t.is_empty() => number(t)?,
        // Only reached with a first number (both empty returned above).
        _ => num1.unwrap_or(0.0),
    };
    let result = match num1 {
        None => num2,
        Some(num1) if pick_max => {
            if num1 < num2 {
                num2
            } else {
                num1
            }
        }
        Some(num1) => {
            if num1 > num2 {
                num2
            } else {
                num1
            }
        }
    };
    int_or_float(result)
}

/// `MIN(a[,b])`.
pub fn min(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    min_max(data, false)
}

/// `MAX(a[,b])`.
pub fn max(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    min_max(data, true)
}

/// `ABS(number)` (one slot: the whole raw text).
pub fn abs(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    let a = args::standard(data, 1);
    match args::get(&a, 0) {
        Some(t) if !t.is_empty() => match cscan::double(t, 30).value() {
            Some(v) => int_or_float(v.abs()),
            None => Err(Complaint::warning(format!(
                "Bad or missing argument for number: {}",
                show(t)
            ))),
        },
        _ => Err(Complaint::warning(
            "Bad or missing argument for number: (null)",
        )),
    }
}

/// `DIGIT_SUM(number)`: the sum of the decimal digits, other bytes ignored.
pub fn digit_sum(_: &str, data: &[u8], _: &mut dyn Env) -> Outcome {
    if data.is_empty() {
        return Err(Complaint::warning("Missing argument for number"));
    }
    let sum: u64 = data
        .iter()
        .filter(|b| b.is_ascii_digit())
        .map(|&b| u64::from(b - b'0'))
        .sum();
    Ok(sum.to_string().into_bytes())
}

/// `RAND([min][,max])`: `min + random() % (max - min + 1)` in C `int`/`long` arithmetic;
/// missing or bad bounds are 0 and `RAND_MAX`, swapped when reversed.
pub fn rand(_: &str, data: &[u8], env: &mut dyn Env) -> Outcome {
    let a = args::standard(data, 2);
    let bound = |i: usize, default: i32| match args::get(&a, i) {
        Some(t) if !t.is_empty() => cscan::int(t, 30).value().unwrap_or(default),
        _ => default,
    };
    let (mut lo, mut hi) = (bound(0, 0), bound(1, i32::MAX));
    if hi < lo {
        std::mem::swap(&mut lo, &mut hi);
    }
    let range = i64::from(hi.wrapping_sub(lo).wrapping_add(1));
    if range == 0 {
        // RAND(-2147483648,2147483647): the C divides by zero and Asterisk crashes.
        return Err(Complaint::error(
            "RAND range covers every int: Asterisk divides by zero here",
        ));
    }
    let r = i64::from(env.random()) % range;
    Ok((i64::from(lo) + r).to_string().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::super::testenv::{TestEnv, call, eval};

    fn ok(s: &str) -> Result<String, String> {
        Ok(s.into())
    }

    #[test]
    fn math_operators() {
        for (args, want) in [
            ("3*9", "27.000000"),
            ("10/3", "3.333333"),
            ("10/3,int", "3"),
            ("10/-2", "0.000000"),
            ("1/0", "0.000000"),
            ("2^10", "1024.000000"),
            ("10%3", "1.000000"),
            ("-7%3", "-1.000000"),
            ("5-10", "-5.000000"),
            ("-5-3", "-8.000000"),
            ("5*-3", "-15.000000"),
            ("0x10+1", "17.000000"),
            ("1<<4,i", "16"),
            ("1<<33,i", "2"),
            ("-16>>2,i", "-4"),
            ("6AND3,i", "2"),
            ("6XOR3,i", "5"),
            ("6OR3,i", "7"),
            ("3>2", "TRUE"),
            ("3>=4", "FALSE"),
            ("2<=2", "TRUE"),
            ("2==2.0", "TRUE"),
            ("255+0,h", "ff"),
            ("-1+0,hex", "ffffffff"),
            ("65+0,c", "A"),
            ("0+0,c", ""),
            ("1e10*1,i", "-2147483648"),
        ] {
            assert_eq!(eval("MATH", args), ok(want), "MATH({args})");
        }
        assert!(eval("MATH", "").is_err());
        assert!(eval("MATH", "255,h").is_err());
        assert!(eval("MATH", "1=2").is_err());
        assert!(eval("MATH", "1+1,x").is_err());
        assert!(eval("MATH", "a+1").is_err());
        assert!(eval("MATH", "1+").is_err());
    }

    #[test]
    fn increments() {
        let mut env = TestEnv::with(&[("n", "41"), ("s", "4x"), ("e", ""), ("b", "  ")]);
        assert_eq!(call(&mut env, "INC", "n"), ok("42"));
        assert_eq!(env.get("n").as_deref(), Some("42"));
        assert_eq!(call(&mut env, "DEC", "n"), ok("41"));
        assert!(call(&mut env, "INC", "s").is_err());
        assert!(call(&mut env, "INC", "e").is_err());
        assert!(call(&mut env, "INC", "none").is_err());
        assert!(call(&mut env, "INC", "").is_err());
        assert_eq!(call(&mut env, "INC", "b"), ok("1"));
        let mut env = TestEnv::with(&[("m", "2147483647")]);
        assert_eq!(call(&mut env, "INC", "m"), ok("-2147483648"));
    }

    #[test]
    fn min_max_abs() {
        assert_eq!(eval("MIN", "3,4"), ok("3"));
        assert_eq!(eval("MAX", "3,4"), ok("4"));
        assert_eq!(eval("MAX", "1.5"), ok("1.500000"));
        assert_eq!(eval("MIN", ",7"), ok("7"));
        assert!(eval("MIN", ",").is_err());
        assert!(eval("MIN", "x,1").is_err());
        assert_eq!(eval("ABS", "-3"), ok("3"));
        assert_eq!(eval("ABS", "-2.5"), ok("2.500000"));
        assert_eq!(eval("ABS", "-1e10"), ok("10000000000.000000"));
        assert!(eval("ABS", "").is_err());
        assert!(eval("ABS", "x").is_err());
        assert_eq!(eval("DIGIT_SUM", "1a23"), ok("6"));
        assert!(eval("DIGIT_SUM", "").is_err());
    }

    #[test]
    fn rand_uses_the_injected_source() {
        let mut env = TestEnv {
            randoms: vec![7, 7, 2_000_000_000],
            ..TestEnv::default()
        };
        assert_eq!(call(&mut env, "RAND", "5,5"), ok("5"));
        assert_eq!(call(&mut env, "RAND", "10,1"), ok("8"));
        assert_eq!(call(&mut env, "RAND", ""), ok("2000000000"));
        assert!(call(&mut env, "RAND", "-2147483648,2147483647").is_err());
    }
}
