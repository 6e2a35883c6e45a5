//! Evaluation of a `$[...]` body, as Asterisk's `ast_expr()` (main/ast_expr2.y,
//! main/ast_expr2.fl) computes it.
//!
//! The body is already substituted text. It is lexed ([`crate::lexer`]) and parsed
//! ([`crate::parse_expr`]'s grammar); the tree is then evaluated bottom-up, left to right,
//! exactly in the order bison runs the grammar actions, with the C value model:
//!
//! - a value is a *number* (an x87 80-bit `long double`, [`F80`]), a *numeric string*
//!   (the text of a number token, or a computed string made only of digits and dots,
//!   converted with `strtold` when an operator needs a number — the conversion *replaces*
//!   the text, so `01 | 2` is `1`) or a *string* (anything else, quotes included);
//! - every operator is its `op_*` function: `|`/`&` return an operand, comparisons are
//!   `strcoll` (C locale: bytes) as soon as one side is a string, `+ - * / %` have their
//!   own rules for non-numeric operands and warn, `:`/`=~` are POSIX extended regular
//!   expressions with glibc's semantics (leftmost-longest match, glibc's choice of the
//!   first subexpression; back-references are not supported), `~~` concatenates;
//! - `NAME(args)` is one of the math built-ins or a dialplan function reached through
//!   [`Functions`];
//! - numbers are printed with `%.18Lg`.
//!
//! A syntax error never aborts: the value is what bison had reduced to `start` before the
//! error (see [`evaluate`]), and the warnings carry `ast_yyerror()`'s message.
//!
//! Where C's behaviour is undefined the choice made here is documented at the spot: a math
//! built-in given a string reads the string's pointer as a `long double` in C (here: a fixed
//! tiny positive denormal standing for a heap address); an operand whose conversion
//! under/overflowed has a NULL text in C, which crashes some operators (here: the empty
//! string, and 0 as a number).

use pbxc_longdouble::{F80, strtold};

use crate::ast::{Atom, BinOp, Expr, UnOp};
use crate::ere::{self, RegError};
use crate::lexer::{self, Tok};
use crate::parse_tokens;

/// The dialplan functions an expression can call (`LEN(abc)`), as `op_func` reaches them
/// with `ast_custom_function_find` and `f->read`.
pub trait Functions {
    /// A dialplan function called from an expression, args joined with ',' as
    /// compose_func_args does. None = unknown function / failure.
    fn call(&mut self, name: &[u8], args: &[u8]) -> Option<Vec<u8>>;
}

/// No dialplan functions at all, as `utils/check_expr2` (or a call without a channel).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoFunctions;

impl Functions for NoFunctions {
    fn call(&mut self, _name: &[u8], _args: &[u8]) -> Option<Vec<u8>> {
        None
    }
}

/// The result of [`evaluate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    /// What `ast_expr()` writes into its buffer.
    pub value: Vec<u8>,
    /// What Asterisk logs while evaluating (its WARNING and ERROR lines), in order, without
    /// the trailing newline.
    pub warnings: Vec<String>,
}

/// The size of `op_func`'s `workspace`: a dialplan function's result is cut to 511 bytes.
const WORKSPACE: usize = 512;
/// What a math built-in reads from a string argument (see [`Val::number`]): the denormal
/// whose significand is a heap address like 0x7f0000000000.
const STRING_AS_NUMBER: F80 = F80::from_parts(false, 0, 0x7f00_0000_0000);
/// `INT_MAX`, the value of a division by zero.
const INT_MAX: i64 = 2_147_483_647;

const QUESTIONS: &str = "If you have questions, please refer to https://docs.asterisk.org/Configuration/Dialplan/Variables/Channel-Variables/";

/// `a OP b` where both operands are plain decimal integers (digits only, at most 15 each)
/// and OP is `+ - * = == != < > <= >=`: the most common expression of all
/// (`$[${i} + 1]`, `$[${i} < 10]`). Both operands are numeric strings, so Asterisk computes
/// in long double, where sums, differences and products of such integers are exact, and
/// prints an integer result as its digits; comparisons are numeric and give 1 or 0. Anything
/// else — signs, fractions, quotes, other operators, other spacing characters, larger numbers
/// — takes the full lexer, parser and evaluator (a property test below checks both agree).
fn integer_fast_path(body: &[u8]) -> Option<Vec<u8>> {
    let blank = |c: &u8| *c == b' ' || *c == b'\t';
    let mut i = 0;
    let skip = |i: &mut usize| {
        while *i < body.len() && blank(&body[*i]) {
            *i += 1;
        }
    };
    let number = |i: &mut usize| -> Option<i128> {
        let start = *i;
        while *i < body.len() && body[*i].is_ascii_digit() {
            *i += 1;
        }
        let digits = &body[start..*i];
        if digits.is_empty() || digits.len() > 15 {
            return None;
        }
        Some(
            digits
                .iter()
                .fold(0i128, |v, d| v * 10 + i128::from(d - b'0')),
        )
    };
    skip(&mut i);
    let a = number(&mut i)?;
    skip(&mut i);
    let op_start = i;
    while i < body.len() && matches!(body[i], b'+' | b'-' | b'*' | b'=' | b'!' | b'<' | b'>') {
        i += 1;
    }
    let op = &body[op_start..i];
    skip(&mut i);
    let b = number(&mut i)?;
    skip(&mut i);
    if i != body.len() {
        return None;
    }
    let result = match op {
        b"+" => a + b,
        b"-" => a - b,
        b"*" => a * b,
        b"=" | b"==" => i128::from(a == b),
        b"!=" => i128::from(a != b),
        b"<" => i128::from(a < b),
        b">" => i128::from(a > b),
        b"<=" => i128::from(a <= b),
        b">=" => i128::from(a >= b),
        _ => return None,
    };
    // 15-digit operands keep every result below 10^30; `%.18Lg` prints integers below
    // 10^18 (and exactly representable: below 2^64) as plain digits.
    (result.abs() < 1_000_000_000_000_000_000).then(|| result.to_string().into_bytes())
}

/// Evaluates an already substituted `$[...]` body.
///
/// On a syntax error the value is bison's: the grammar has default reductions in every
/// state that has a reduction, so before it notices an unexpected token it reduces all it
/// can, and `start` gets reduced exactly when the tokens before the offending one form a
/// complete expression. The value is then that expression's value; the empty string when
/// the offending token is the first one (the empty `start` rule); `0` when the tokens
/// before it are not a complete expression (`start` was never reduced and `ast_expr`
/// prints "0"). In that last case the sub-expressions bison had already reduced were still
/// evaluated, with their warnings and function calls: `(abc + 1 2` warns "non-numeric
/// argument" before the syntax error.
pub fn evaluate(body: &[u8], functions: &mut dyn Functions) -> Evaluation {
    match integer_fast_path(body) {
        Some(value) => Evaluation {
            value,
            warnings: Vec::new(),
        },
        None => evaluate_full(body, functions),
    }
}

/// [`evaluate`] without the fast path: lexer, parser, evaluator.
fn evaluate_full(body: &[u8], functions: &mut dyn Functions) -> Evaluation {
    // `ast_expr` gets a C string.
    let body = match body.iter().position(|&b| b == 0) {
        Some(nul) => &body[..nul],
        None => body,
    };
    let toks: Vec<(usize, Tok, usize)> = lexer::tokens(body)
        .into_iter()
        .filter(|t| t.tok != Tok::Dropped)
        .map(|t| (t.start, t.tok, t.end))
        .collect();
    let mut ev = Evaluator {
        body,
        toks: &toks,
        functions,
        warnings: Vec::new(),
    };
    let value = match parse_tokens(&toks) {
        Ok(None) => Some(Val::Str(Vec::new())),
        Ok(Some(expr)) => Some(ev.run(expr)),
        Err(err) => {
            let at = match err {
                lalrpop_util::ParseError::UnrecognizedToken {
                    token: (start, _, _),
                    ..
                }
                | lalrpop_util::ParseError::ExtraToken {
                    token: (start, _, _),
                } => toks.partition_point(|t| t.0 < start),
                _ => toks.len(),
            };
            let value = match parse_tokens(&toks[..at]) {
                Ok(None) => Some(Val::Str(Vec::new())),
                Ok(Some(expr)) => Some(ev.run(expr)),
                Err(_) => {
                    ev.run_reduced(at);
                    None
                }
            };
            ev.syntax_error(at, value.is_some());
            value
        }
    };
    let value = match value {
        // `start` was never reduced: `io.val` is NULL.
        None => b"0".to_vec(),
        Some(Val::Num(x)) => x.format_g(18).into_bytes(),
        Some(Val::NumStr(s) | Val::Str(s)) => s,
        // A NULL text prints as nothing.
        Some(Val::Lost) => Vec::new(),
    };
    Evaluation {
        value,
        warnings: ev.warnings,
    }
}

/// A `struct val`.
#[derive(Clone, Debug, PartialEq)]
enum Val {
    /// `AST_EXPR_number`.
    Num(F80),
    /// `AST_EXPR_numeric_string`.
    NumStr(Vec<u8>),
    /// `AST_EXPR_string`.
    Str(Vec<u8>),
    /// A numeric string whose `strtold` under/overflowed: `to_number` freed the text and
    /// left the type, so C holds a NULL string (and a zero number, the pointer's bits).
    Lost,
}

impl Val {
    fn num(x: i64) -> Val {
        Val::Num(F80::from_i64(x))
    }

    /// The text of a string value (`to_string` must have run for numbers).
    fn text(&self) -> &[u8] {
        match self {
            Val::NumStr(s) | Val::Str(s) => s,
            Val::Num(_) | Val::Lost => b"",
        }
    }

    /// `u.i` after `to_number`, whatever it returned: a math built-in reads it even when
    /// the conversion failed.
    fn number(&self) -> F80 {
        match self {
            Val::Num(x) => *x,
            // C reads the union: the string's heap pointer in the low 64 bits (the
            // significand) and zeros above (the struct was calloc'ed), i.e. a tiny positive
            // denormal whose digits depend on the address (`ATAN(.912)` printed
            // 3.45e-4937 standalone and 5.11e-4937 in a running Asterisk). Undefined; this
            // stands for a typical address so that signs, comparisons and zero tests come
            // out as in Asterisk.
            Val::NumStr(_) | Val::Str(_) => STRING_AS_NUMBER,
            // The NULL pointer of a lost conversion: zero.
            Val::Lost => F80::ZERO,
        }
    }
}

/// `make_str`: digits and dots only (and starting with a digit, `-` or `.`) make a numeric
/// string; the `-` start passes the first test and fails the loop, so `-5` is a string.
fn make_str(s: Vec<u8>) -> Val {
    let numeric = matches!(s.first(), Some(c) if c.is_ascii_digit() || *c == b'-' || *c == b'.')
        && s.iter().all(|c| c.is_ascii_digit() || *c == b'.');
    if numeric { Val::NumStr(s) } else { Val::Str(s) }
}

/// `isstring`: only a string that is not a valid number.
fn is_string(v: &Val) -> bool {
    matches!(v, Val::Str(_))
}

/// `strip_quotes`: a string that starts and ends with `"` loses every `"`.
fn strip_quotes(v: &mut Val) {
    if let Val::NumStr(s) | Val::Str(s) = v
        && s.first() == Some(&b'"')
        && s.last() == Some(&b'"')
    {
        s.retain(|&c| c != b'"');
    }
}

/// `is_really_num`: a function result made only of `-0123456789. \t` (the empty one too).
fn is_really_num(s: &[u8]) -> bool {
    s.iter().all(|c| b"-0123456789. \t".contains(c))
}

/// C `atoi` (glibc: `(int) strtol(s, NULL, 10)`).
fn atoi(s: &[u8]) -> i32 {
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let negative = s.get(i) == Some(&b'-');
    if matches!(s.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let mut v: i64 = 0;
    let mut overflow = false;
    while let Some(d) = s.get(i).filter(|c| c.is_ascii_digit()) {
        match v
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(d - b'0')))
        {
            Some(n) => v = n,
            None => overflow = true,
        }
        i += 1;
    }
    let long = match (overflow, negative) {
        (true, false) => i64::MAX,
        (true, true) => i64::MIN,
        (false, false) => v,
        (false, true) => v.wrapping_neg(),
    };
    // The conversion of a `long` to `int` keeps the low 32 bits.
    long as i32
}

fn lossy(s: &[u8]) -> String {
    String::from_utf8_lossy(s).into_owned()
}

/// One step of the post-order program a tree is flattened into.
enum Step {
    Atom(Atom, usize, usize),
    /// An empty function argument (`F(a,)`): `make_str("")`.
    EmptyArg,
    Unary(UnOp),
    Binary(BinOp),
    Cond,
    Call {
        name: (usize, usize),
        args: usize,
    },
}

struct Evaluator<'a> {
    body: &'a [u8],
    toks: &'a [(usize, Tok, usize)],
    functions: &'a mut dyn Functions,
    warnings: Vec<String>,
}

impl Evaluator<'_> {
    fn warn(&mut self, s: impl Into<String>) {
        self.warnings.push(s.into());
    }

    /// Evaluates a tree without recursion (and takes it apart without recursion too).
    fn run(&mut self, expr: Expr) -> Val {
        enum Work {
            Visit(Expr),
            Emit(Step),
        }
        let mut program = Vec::new();
        let mut work = vec![Work::Visit(expr)];
        while let Some(w) = work.pop() {
            match w {
                Work::Emit(step) => program.push(step),
                Work::Visit(e) => match e {
                    Expr::Atom(kind, r) => program.push(Step::Atom(kind, r.start, r.end)),
                    Expr::Unary(op, _, inner) => {
                        work.push(Work::Emit(Step::Unary(op)));
                        work.push(Work::Visit(*inner));
                    }
                    Expr::Binary(a, op, _, b) => {
                        work.push(Work::Emit(Step::Binary(op)));
                        work.push(Work::Visit(*b));
                        work.push(Work::Visit(*a));
                    }
                    Expr::Cond(c, a, b) => {
                        work.push(Work::Emit(Step::Cond));
                        work.push(Work::Visit(*b));
                        work.push(Work::Visit(*a));
                        work.push(Work::Visit(*c));
                    }
                    Expr::Call(name, args, _) => {
                        work.push(Work::Emit(Step::Call {
                            name: (name.start, name.end),
                            args: args.len(),
                        }));
                        for arg in args.into_iter().rev() {
                            work.push(match arg {
                                Some(e) => Work::Visit(e),
                                None => Work::Emit(Step::EmptyArg),
                            });
                        }
                    }
                    Expr::Paren(_, inner) => work.push(Work::Visit(*inner)),
                },
            }
        }
        let mut stack: Vec<Val> = Vec::new();
        for step in program {
            let v = match step {
                Step::Atom(kind, start, end) => self.atom(kind, start, end),
                Step::EmptyArg => make_str(Vec::new()),
                Step::Unary(op) => {
                    let a = stack.pop().unwrap_or(Val::Lost);
                    match op {
                        UnOp::Neg => self.op_negate(a),
                        UnOp::Not => op_compl(&a),
                    }
                }
                Step::Binary(op) => {
                    let b = stack.pop().unwrap_or(Val::Lost);
                    let a = stack.pop().unwrap_or(Val::Lost);
                    self.binary(op, a, b)
                }
                Step::Cond => {
                    let c = stack.pop().unwrap_or(Val::Lost);
                    let b = stack.pop().unwrap_or(Val::Lost);
                    let a = stack.pop().unwrap_or(Val::Lost);
                    self.op_cond(a, b, c)
                }
                Step::Call { name, args } => {
                    let args = stack.split_off(stack.len().saturating_sub(args));
                    let name = self.token_text(name.0, name.1);
                    self.op_func(name, args)
                }
            };
            stack.push(v);
        }
        stack.pop().unwrap_or(Val::Lost)
    }

    /// Runs what bison had reduced before a syntax error at token `at` when the tokens
    /// before it are not a complete expression: the expressions left on its stack. They are
    /// found by completing the tokens with placeholders (an operand where one is awaited,
    /// then the closers of what is open, innermost first: `)` or `:: operand`) — the first
    /// placeholder makes the parser reduce exactly what bison's default reductions reduce —
    /// and taking the largest subtrees free of placeholders, left to right.
    fn run_reduced(&mut self, at: usize) {
        let prefix = &self.toks[..at];
        let Some(limit) = prefix.last().map(|t| t.2) else {
            return;
        };
        let mut open = Vec::new();
        let mut want_operand = true;
        for (i, t) in prefix.iter().enumerate() {
            match t.1 {
                Tok::Number | Tok::Quoted | Tok::Word | Tok::Variable | Tok::Rp => {
                    if t.1 == Tok::Rp {
                        open.pop();
                    }
                    want_operand = false;
                }
                Tok::Lp => {
                    let call = i > 0 && is_operand(prefix[i - 1].1);
                    open.push(if call { Open::Func } else { Open::Paren });
                    want_operand = true;
                }
                Tok::Cond => {
                    open.push(Open::Cond);
                    want_operand = true;
                }
                Tok::ColonColon => {
                    if open.last() == Some(&Open::Cond) {
                        open.pop();
                    }
                    want_operand = true;
                }
                _ => want_operand = true,
            }
        }
        // Placeholders sit past the end of the body.
        let mut completed = prefix.to_vec();
        let mut add = |tok| {
            let p = self.body.len() + 1 + completed.len();
            completed.push((p, tok, p + 1));
        };
        if want_operand {
            add(Tok::Number);
        }
        while let Some(o) = open.pop() {
            if o == Open::Cond {
                add(Tok::ColonColon);
                add(Tok::Number);
            } else {
                add(Tok::Rp);
            }
        }
        let Ok(Some(tree)) = parse_tokens(&completed) else {
            return;
        };
        let mut work = vec![tree];
        while let Some(e) = work.pop() {
            if end_of(&e) <= limit {
                self.run(e);
                continue;
            }
            match e {
                Expr::Atom(..) => {}
                Expr::Unary(_, _, inner) | Expr::Paren(_, inner) => work.push(*inner),
                Expr::Binary(a, _, _, b) => {
                    work.push(*b);
                    work.push(*a);
                }
                Expr::Cond(c, a, b) => {
                    work.push(*b);
                    work.push(*a);
                    work.push(*c);
                }
                Expr::Call(_, args, _) => work.extend(args.into_iter().rev().flatten()),
            }
        }
    }

    /// The value of an operand token.
    fn atom(&self, kind: Atom, start: usize, end: usize) -> Val {
        match kind {
            Atom::Number => Val::NumStr(self.body[start..end].to_vec()),
            Atom::Quoted | Atom::Word | Atom::Variable => Val::Str(self.token_text(start, end)),
        }
    }

    /// A token's text as flex hands it to the parser. A `${...}` token that ends on an
    /// operator or blank right after its `}` is ended by the `<trail>` rule that `unput`s
    /// that byte, which overwrites the NUL flex had put after the token: its text is then
    /// everything up to the end of the body (`${a} = x` compares `${a} = x` with `x`).
    fn token_text(&self, start: usize, end: usize) -> Vec<u8> {
        let k = self.toks.partition_point(|t| t.0 < start);
        let is_variable = self.toks.get(k).is_some_and(|t| t.1 == Tok::Variable);
        if is_variable && trail_unputs(self.body, start) {
            self.body[start..].to_vec()
        } else {
            self.body[start..end].to_vec()
        }
    }

    // --- conversions ---------------------------------------------------------------------

    /// C's `to_number`: numbers stay, strings fail, numeric strings are converted in
    /// place.
    fn coerce_number(&mut self, v: &mut Val) -> bool {
        match v {
            Val::Num(_) => true,
            Val::Str(_) | Val::Lost => false,
            Val::NumStr(s) => {
                let p = strtold(&s[..]);
                if p.range_error {
                    let msg = format!("Conversion of {} to number under/overflowed!", lossy(s));
                    self.warn(msg);
                    *v = Val::Lost;
                    false
                } else {
                    *v = Val::Num(p.value);
                    true
                }
            }
        }
    }

    /// C's `to_string`: a number becomes its `%.18Lg` text (a plain string).
    fn coerce_string(v: &mut Val) {
        if let Val::Num(x) = v {
            *v = Val::Str(x.format_g(18).into_bytes());
        }
    }

    /// `is_zero_or_null`: number 0, an empty text, or a text converting to 0 (converted in
    /// place).
    fn is_zero_or_null(&mut self, v: &mut Val) -> bool {
        match v {
            Val::Num(x) => *x == F80::ZERO,
            // C dereferences the NULL text here; taken as empty.
            Val::Lost => true,
            Val::NumStr(s) | Val::Str(s) => {
                s.is_empty() || (self.coerce_number(v) && v.number() == F80::ZERO)
            }
        }
    }

    // --- operators -------------------------------------------------------------------------

    fn binary(&mut self, op: BinOp, a: Val, b: Val) -> Val {
        match op {
            BinOp::Or => self.op_or(a, b),
            BinOp::And => self.op_and(a, b),
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Gt | BinOp::Le | BinOp::Ge => {
                self.op_compare(op, a, b)
            }
            BinOp::Plus => self.op_plus(a, b),
            BinOp::Minus => self.op_minus(a, b),
            BinOp::Mult => self.op_times(a, b),
            BinOp::Div => self.op_div(a, b),
            BinOp::Mod => self.op_rem(a, b),
            BinOp::Colon => self.op_regex(a, b, true),
            BinOp::EqTilde => self.op_regex(a, b, false),
            BinOp::TildeTilde => op_tildetilde(a, b),
        }
    }

    /// `a | b`: `a` itself unless it is zero or empty, then `b`.
    fn op_or(&mut self, mut a: Val, b: Val) -> Val {
        if self.is_zero_or_null(&mut a) { b } else { a }
    }

    /// `a & b`: `a` itself unless either is zero or empty, then 0.
    fn op_and(&mut self, mut a: Val, mut b: Val) -> Val {
        if self.is_zero_or_null(&mut a) || self.is_zero_or_null(&mut b) {
            Val::num(0)
        } else {
            a
        }
    }

    /// `= != < > <= >=`: `strcoll` on the texts when either side is a string (C locale:
    /// bytes, quotes and all), else the numbers (NaN compares unequal to everything).
    fn op_compare(&mut self, op: BinOp, mut a: Val, mut b: Val) -> Val {
        let ord = if is_string(&a) || is_string(&b) {
            Self::coerce_string(&mut a);
            Self::coerce_string(&mut b);
            Some(a.text().cmp(b.text()))
        } else {
            self.coerce_number(&mut a);
            self.coerce_number(&mut b);
            a.number().partial_cmp(&b.number())
        };
        use std::cmp::Ordering::*;
        let r = match op {
            BinOp::Eq => ord == Some(Equal),
            BinOp::Ne => ord != Some(Equal),
            BinOp::Lt => ord == Some(Less),
            BinOp::Gt => ord == Some(Greater),
            BinOp::Le => matches!(ord, Some(Less | Equal)),
            _ => matches!(ord, Some(Greater | Equal)),
        };
        Val::num(i64::from(r))
    }

    /// `c ? a :: b`: a string condition is true when non-empty and neither `""` nor `0`;
    /// anything else when its number is not zero (NaN is true).
    fn op_cond(&mut self, mut c: Val, a: Val, b: Val) -> Val {
        let truth = if is_string(&c) {
            let s = c.text();
            !s.is_empty() && s != b"\"\"" && s != b"0"
        } else {
            self.coerce_number(&mut c);
            c.number() != F80::ZERO
        };
        if truth { a } else { b }
    }

    /// `a + b`. A non-numeric `a` warns and yields `b` (converted) or 0; a non-numeric `b`
    /// alone yields `a` (converted) without a word.
    fn op_plus(&mut self, mut a: Val, mut b: Val) -> Val {
        if !self.coerce_number(&mut a) {
            self.warn("non-numeric argument");
            return if self.coerce_number(&mut b) {
                b
            } else {
                Val::num(0)
            };
        }
        if !self.coerce_number(&mut b) {
            return a;
        }
        let (x, y) = (a.number(), b.number());
        let r = x + y;
        if chk_plus(x, y, r) {
            self.warn("overflow");
        }
        Val::Num(r)
    }

    /// `a - b`. A non-numeric `a` warns and yields `0 - b` or 0; a non-numeric `b` warns
    /// and yields `a` (converted).
    fn op_minus(&mut self, mut a: Val, mut b: Val) -> Val {
        if !self.coerce_number(&mut a) {
            self.warn("non-numeric argument");
            return if self.coerce_number(&mut b) {
                Val::Num(F80::ZERO - b.number())
            } else {
                Val::num(0)
            };
        }
        if !self.coerce_number(&mut b) {
            self.warn("non-numeric argument");
            return a;
        }
        let (x, y) = (a.number(), b.number());
        let r = x - y;
        if chk_minus(x, y, r) {
            self.warn("overflow");
        }
        Val::Num(r)
    }

    /// Unary `-`: 0 and a warning for a non-number; `-0` stays negative zero.
    fn op_negate(&mut self, mut a: Val) -> Val {
        if !self.coerce_number(&mut a) {
            self.warn("non-numeric argument");
            return Val::num(0);
        }
        let x = a.number();
        let r = -x;
        if chk_minus(F80::ZERO, x, r) {
            self.warn("overflow");
        }
        Val::Num(r)
    }

    /// `a * b`; 0 and a warning when either is not a number (`b` is not looked at when `a`
    /// fails).
    fn op_times(&mut self, mut a: Val, mut b: Val) -> Val {
        if !self.coerce_number(&mut a) || !self.coerce_number(&mut b) {
            self.warn("non-numeric argument");
            return Val::num(0);
        }
        let (x, y) = (a.number(), b.number());
        let r = x * y;
        // chk_times
        if x != F80::ZERO && r / x != y {
            self.warn("overflow");
        }
        Val::Num(r)
    }

    /// `a / b`, in floating point. Non-numeric `a`: 0; non-numeric `b` or a zero divisor:
    /// `INT_MAX`.
    fn op_div(&mut self, mut a: Val, mut b: Val) -> Val {
        if !self.coerce_number(&mut a) {
            self.warn("non-numeric argument");
            return Val::num(0);
        }
        if !self.coerce_number(&mut b) {
            self.warn("non-numeric argument");
            return Val::num(INT_MAX);
        }
        let (x, y) = (a.number(), b.number());
        if y == F80::ZERO {
            self.warn("division by zero");
            return Val::num(INT_MAX);
        }
        let r = x / y;
        // chk_div: only QUAD_MIN / -1.
        if x == F80::from_i64(i64::MIN) && y == F80::from_i64(-1) {
            self.warn("overflow");
        }
        Val::Num(r)
    }

    /// `a % b`: `fmodl`. Non-numeric: 0; a zero divisor is returned itself (so `-0`
    /// prints `-0`).
    fn op_rem(&mut self, mut a: Val, mut b: Val) -> Val {
        if !self.coerce_number(&mut a) || !self.coerce_number(&mut b) {
            self.warn("non-numeric argument");
            return Val::num(0);
        }
        let (x, y) = (a.number(), b.number());
        if y == F80::ZERO {
            self.warn("div by zero");
            return b;
        }
        Val::Num(x.fmod(y))
    }

    /// `a : re` (anchored: the match must start at 0) and `a =~ re`.
    fn op_regex(&mut self, mut a: Val, mut b: Val, anchored: bool) -> Val {
        Self::coerce_string(&mut a);
        Self::coerce_string(&mut b);
        strip_quotes(&mut a);
        strip_quotes(&mut b);
        let re = match ere::compile(b.text()) {
            Ok(re) => re,
            Err(RegError::BackReference) => {
                // glibc would match it; this engine cannot. Treated as no match.
                self.warn(
                    "back-references (\\1..\\9) in a regular expression are not supported; \
                     treated as no match",
                );
                return make_str(Vec::new());
            }
            Err(e) => {
                self.warn(format!("regcomp() error : {}", e.message()));
                return make_str(Vec::new());
            }
        };
        let subject = a.text();
        match re.exec(subject) {
            Some(m) if !anchored || m.start == 0 => match m.group1 {
                Some((s, e)) => make_str(subject[s..e].to_vec()),
                None => Val::num((m.end - m.start) as i64),
            },
            _ if re.nsub() == 0 => Val::num(0),
            _ => make_str(Vec::new()),
        }
    }

    /// `NAME(args)`.
    fn op_func(&mut self, name: Vec<u8>, mut args: Vec<Val>) -> Val {
        if !name
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
        {
            self.warn(format!(
                "Error! '{}' is not possibly a function name!",
                lossy(&name)
            ));
            return Val::num(0);
        }
        type F1 = fn(F80) -> F80;
        type F2 = fn(F80, F80) -> F80;
        let unary: Option<F1> = match name.as_slice() {
            b"COS" => Some(F80::cos),
            b"SIN" => Some(F80::sin),
            b"TAN" => Some(F80::tan),
            b"ACOS" => Some(F80::acos),
            b"ASIN" => Some(F80::asin),
            b"ATAN" => Some(F80::atan),
            b"SQRT" => Some(F80::sqrt),
            b"FLOOR" => Some(F80::floor),
            b"CEIL" => Some(F80::ceil),
            b"ROUND" => Some(F80::round),
            b"RINT" => Some(F80::rint),
            b"TRUNC" => Some(F80::trunc),
            b"EXP" => Some(F80::exp),
            b"EXP2" => Some(F80::exp2),
            b"EXP10" => Some(F80::exp10),
            b"LOG" => Some(F80::log),
            b"LOG2" => Some(F80::log2),
            b"LOG10" => Some(F80::log10),
            // `x < 0 ? x * -1 : x`: -0 and NaN stay as they are.
            b"ABS" => Some(|x| {
                if x < F80::ZERO {
                    x * F80::from_i64(-1)
                } else {
                    x
                }
            }),
            _ => None,
        };
        let binary: Option<F2> = match name.as_slice() {
            b"ATAN2" => Some(F80::atan2),
            b"POW" => Some(F80::pow),
            b"REMAINDER" => Some(F80::remainder),
            _ => None,
        };
        if let Some(f) = unary {
            let [arg] = args.as_mut_slice() else {
                return self.wrong_args(&name);
            };
            // The conversion's result is not checked: a string argument is read as a
            // number anyway (see `Val::number`).
            self.coerce_number(arg);
            return Val::Num(f(arg.number()));
        }
        if let Some(f) = binary {
            let [x, y] = args.as_mut_slice() else {
                return self.wrong_args(&name);
            };
            self.coerce_number(x);
            self.coerce_number(y);
            return Val::Num(f(x.number(), y.number()));
        }
        // A dialplan function, its arguments joined as compose_func_args does.
        let mut argbuf = Vec::new();
        for (i, a) in args.iter().enumerate() {
            if i > 0 {
                argbuf.push(b',');
            }
            match a {
                Val::Num(x) => argbuf.extend_from_slice(x.format_g(18).as_bytes()),
                other => argbuf.extend_from_slice(other.text()),
            }
        }
        match self.functions.call(&name, &argbuf) {
            None => {
                let name = lossy(&name);
                self.warn(format!("Hey! could not find func {name}."));
                self.warn(format!(
                    "Error! '{name}' doesn't appear to be an available function!"
                ));
                Val::num(0)
            }
            Some(mut ws) => {
                // The result lands in a 512-byte C buffer.
                if let Some(nul) = ws.iter().position(|&c| c == 0) {
                    ws.truncate(nul);
                }
                ws.truncate(WORKSPACE - 1);
                if is_really_num(&ws) {
                    Val::Num(strtold(&ws).value)
                } else {
                    make_str(ws)
                }
            }
        }
    }

    fn wrong_args(&mut self, name: &[u8]) -> Val {
        self.warn(format!("Wrong args to {}() function", lossy(name)));
        Val::num(0)
    }

    // --- syntax errors -------------------------------------------------------------------

    /// `ast_yyerror()`'s warning for an error at token `at` (`toks.len()`: the end), with
    /// bison's verbose message: the expected tokens are those of the state the parser is
    /// in after its default reductions, listed when there are at most four.
    fn syntax_error(&mut self, at: usize, reduced_start: bool) {
        let unexpected = match self.toks.get(at) {
            Some(t) => token_name(t.1),
            None => "$end",
        };
        let expecting: &[&str] = if reduced_start {
            // `$accept: start . $end`
            &["$end"]
        } else {
            match self.toks[..at].last().map(|t| t.1) {
                // After `arglist ,` the reduction to `arglist` leaves `TOKEN ( arglist . )`.
                Some(Tok::Comma) => &["','", "')'"],
                // Waiting for an operand.
                Some(t) if !is_operand(t) && t != Tok::Rp => &["'-'", "'!'", "'('", "'<token>'"],
                // After an operand, inside whatever is still open.
                _ => {
                    if self.innermost_open(at) == Some(Open::Func) {
                        &["','", "')'"]
                    } else {
                        // `( expr .` or `expr ? expr .`: more than four, not listed.
                        &[]
                    }
                }
            }
        };
        let mut msg = format!("syntax error, unexpected {unexpected}");
        if !expecting.is_empty() {
            msg.push_str(", expecting ");
            msg.push_str(&expecting.join(" or "));
        }
        let column = self.toks.get(at).map_or(self.body.len(), |t| t.0);
        self.warn(format!(
            "ast_yyerror():  syntax error: {msg}; Input:\n{}\n{}^",
            lossy(self.body),
            " ".repeat(column)
        ));
        self.warn(QUESTIONS);
    }

    /// The innermost construct still open after the first `at` tokens.
    fn innermost_open(&self, at: usize) -> Option<Open> {
        let mut stack = Vec::new();
        for (i, t) in self.toks[..at].iter().enumerate() {
            match t.1 {
                Tok::Lp => {
                    let after_operand = i > 0 && is_operand(self.toks[i - 1].1);
                    stack.push(if after_operand {
                        Open::Func
                    } else {
                        Open::Paren
                    });
                }
                Tok::Rp => {
                    stack.pop();
                }
                Tok::Cond => stack.push(Open::Cond),
                Tok::ColonColon if stack.last() == Some(&Open::Cond) => {
                    stack.pop();
                }
                _ => {}
            }
        }
        stack.pop()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Open {
    Paren,
    Func,
    Cond,
}

/// Where an expression ends (`Expr::range` without recursion).
fn end_of(mut e: &Expr) -> usize {
    loop {
        match e {
            Expr::Atom(_, r) | Expr::Paren(r, _) | Expr::Call(_, _, r) => return r.end,
            Expr::Unary(_, _, x) | Expr::Binary(_, _, _, x) | Expr::Cond(_, _, x) => e = x,
        }
    }
}

fn is_operand(t: Tok) -> bool {
    matches!(t, Tok::Number | Tok::Quoted | Tok::Word | Tok::Variable)
}

/// Bison's name for a token after `expr2_token_subst`, which replaces the first entry of
/// its table that the name starts with (and has no entry for `TOK_TILDETILDE`).
fn token_name(t: Tok) -> &'static str {
    match t {
        Tok::Or => "'|'",
        Tok::And => "'&'",
        Tok::Eq => "'='",
        // "TOK_EQ" is tried before "TOK_EQTILDE" and matches its beginning.
        Tok::EqTilde => "'='TILDE",
        Tok::TildeTilde => "TOK_TILDETILDE",
        Tok::Gt => "'>'",
        Tok::Lt => "'<'",
        Tok::Ge => "'>='",
        Tok::Le => "'<='",
        Tok::Ne => "'!='",
        Tok::Plus => "'+'",
        Tok::Comma => "','",
        Tok::Minus => "'-'",
        Tok::Mult => "'*'",
        Tok::Div => "'/'",
        Tok::Mod => "'%'",
        Tok::Cond => "'?'",
        Tok::Compl => "'!'",
        Tok::Colon => "':'",
        Tok::ColonColon => "'::'",
        Tok::Lp => "'('",
        Tok::Rp => "')'",
        Tok::Number | Tok::Quoted | Tok::Word | Tok::Variable | Tok::Dropped => "'<token>'",
    }
}

/// Whether the `${...}` token starting at `start` ends through flex's `<trail>` rule that
/// matches one operator or blank and `unput`s it: after the `}` that closes its last
/// `${`, the next byte is one of `-\t\r \n$():?%/+=*<>!|&` (and not the `$` of a new `${`).
fn trail_unputs(body: &[u8], start: usize) -> bool {
    const STOP: &[u8] = b"-\t\r \n$():?%/+=*<>!|&";
    let mut i = start;
    // The word characters before the first `${`.
    while i < body.len() && !(body[i] == b'$' && body.get(i + 1) == Some(&b'{')) {
        i += 1;
    }
    loop {
        // `${`, then to the `}` that closes it.
        i += 2;
        let mut depth = 0usize;
        loop {
            match body.get(i) {
                None => return false,
                Some(b'{') => depth += 1,
                Some(b'}') if depth == 0 => break,
                Some(b'}') => depth -= 1,
                Some(_) => {}
            }
            i += 1;
        }
        i += 1;
        let run_start = i;
        while i < body.len() && !STOP.contains(&body[i]) {
            i += 1;
        }
        if body.get(i) == Some(&b'$') && body.get(i + 1) == Some(&b'{') {
            continue;
        }
        return i == run_start && i < body.len();
    }
}

/// `!a`: 1 for number 0, an empty text, `0`, or a text whose `atoi` is 0; else 0.
fn op_compl(a: &Val) -> Val {
    let v1 = match a {
        Val::Num(x) => *x != F80::ZERO,
        // C checks the NULL text first.
        Val::Lost => false,
        Val::NumStr(s) | Val::Str(s) => !(s.is_empty() || s == b"0") && atoi(s) != 0,
    };
    Val::num(i64::from(!v1))
}

/// `a ~~ b`: the two texts, quotes stripped, concatenated.
fn op_tildetilde(mut a: Val, mut b: Val) -> Val {
    Evaluator::coerce_string(&mut a);
    Evaluator::coerce_string(&mut b);
    strip_quotes(&mut a);
    strip_quotes(&mut b);
    let mut s = a.text().to_vec();
    s.extend_from_slice(b.text());
    make_str(s)
}

/// `chk_plus`: two positives summing to at most 0, or two negatives to at least 0.
fn chk_plus(a: F80, b: F80, r: F80) -> bool {
    let zero = F80::ZERO;
    (a > zero && b > zero && r <= zero) || (a < zero && b < zero && r >= zero)
}

/// `chk_minus`: subtracting `QUAD_MIN` overflows for a non-negative `a`.
fn chk_minus(a: F80, b: F80, r: F80) -> bool {
    if b == F80::from_i64(i64::MIN) {
        return a >= F80::ZERO;
    }
    chk_plus(a, -b, r)
}

#[cfg(test)]
mod fast_path_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]
        /// The fast path answers exactly what the full evaluator answers, and declines what
        /// it does not handle.
        #[test]
        fn agrees_with_the_full_evaluator(
            a in "0{0,2}[0-9]{1,16}",
            b in "0{0,2}[0-9]{1,16}",
            op in prop_oneof![Just("+"), Just("-"), Just("*"), Just("="), Just("=="), Just("!="),
                Just("<"), Just(">"), Just("<="), Just(">="), Just("/"), Just("%"), Just("<>"),
                Just("+-"), Just("=~")],
            left in "[ \t]{0,2}", mid in "[ \t\r]{0,2}", right in "[ \t]{0,2}",
        ) {
            let body = format!("{left}{a}{mid}{op}{mid}{b}{right}");
            let full = evaluate_full(body.as_bytes(), &mut NoFunctions);
            if let Some(fast) = integer_fast_path(body.as_bytes()) {
                prop_assert_eq!(&fast, &full.value, "{:?}", body);
                prop_assert!(full.warnings.is_empty(), "{:?}: {:?}", body, full.warnings);
            }
        }
    }

    #[test]
    fn takes_the_common_shapes_and_leaves_the_rest() {
        assert_eq!(integer_fast_path(b"5 + 1").as_deref(), Some(&b"6"[..]));
        assert_eq!(
            integer_fast_path(b"19999 < 20000").as_deref(),
            Some(&b"1"[..])
        );
        assert_eq!(integer_fast_path(b"1 - 3").as_deref(), Some(&b"-2"[..]));
        for declined in [
            &b"1 / 3"[..],
            b"-1 + 1",
            b"1.5 + 1",
            b"\"1\" = 1",
            b"1 +",
            b"",
            b"7",
        ] {
            assert_eq!(
                integer_fast_path(declined),
                None,
                "{}",
                String::from_utf8_lossy(declined)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Len;
    impl Functions for Len {
        fn call(&mut self, name: &[u8], args: &[u8]) -> Option<Vec<u8>> {
            match name {
                b"LEN" => Some(args.len().to_string().into_bytes()),
                b"ECHO" => Some(args.to_vec()),
                b"NUL" => Some(b"12\x0034".to_vec()),
                b"BIG" => Some(vec![b'x'; 2000]),
                _ => None,
            }
        }
    }

    fn ev(body: &str) -> String {
        lossy(&evaluate(body.as_bytes(), &mut Len).value)
    }

    fn warns(body: &str) -> Vec<String> {
        evaluate(body.as_bytes(), &mut Len).warnings
    }

    #[test]
    fn or_returns_an_operand_and_converts_it() {
        assert_eq!(ev("01 | 2"), "1", "is_zero_or_null converted 01 in place");
        assert_eq!(ev("0 | 007"), "007");
        assert_eq!(ev("0.0 | x"), "x");
        assert_eq!(ev("\"\" | b"), "\"\"");
        assert_eq!(ev("x | y"), "x");
        assert_eq!(ev("(3 - 3) | y"), "y");
    }

    #[test]
    fn and_returns_the_left_operand_or_zero() {
        assert_eq!(ev("01 & 2"), "1");
        assert_eq!(ev("2 & 03"), "2");
        assert_eq!(ev("x & y"), "x");
        assert_eq!(ev("x & 0.0"), "0");
        assert_eq!(ev("\"\" & 1"), "\"\"");
    }

    #[test]
    fn comparisons_are_bytewise_once_a_string_is_involved() {
        assert_eq!(ev("05 = 5"), "1");
        assert_eq!(ev("5 = 5.0"), "1");
        assert_eq!(ev("\"5\" = 5"), "0");
        assert_eq!(ev("10 < 9a"), "1");
        assert_eq!(ev("(1 + 1) = 2x"), "0");
        assert_eq!(ev("(1 + 1) < 2x"), "1", "2 < 2x");
        assert_eq!(ev("\u{e9} > z"), "1", "bytes, not characters");
        assert_eq!(ev("ACOS(2) = ACOS(2)"), "0", "NaN");
        assert_eq!(ev("ACOS(2) != ACOS(2)"), "1");
        assert_eq!(ev("a <= a"), "1");
        assert_eq!(ev("a >= b"), "0");
    }

    #[test]
    fn plus_minus_with_non_numbers() {
        assert_eq!(ev("abc + 007"), "7");
        assert_eq!(warns("abc + 007"), ["non-numeric argument"]);
        assert_eq!(ev("02 + abc"), "2");
        assert!(warns("02 + abc").is_empty());
        assert_eq!(ev("abc + def"), "0");
        assert_eq!(ev("abc - 0"), "0", "0 - 0 is +0");
        assert_eq!(ev("abc - 2"), "-2");
        assert_eq!(ev("02 - abc"), "2");
        assert_eq!(warns("02 - abc"), ["non-numeric argument"]);
        assert_eq!(ev("9223372036854775807 + 1"), "9.22337203685477581e+18");
    }

    #[test]
    fn overflow_checks_only_warn() {
        // chk_minus: only subtracting QUAD_MIN (-2^63) from a non-negative number.
        let quad_min = "(0 - 9223372036854775808)";
        assert_eq!(warns(&format!("- {quad_min}")), ["overflow"]);
        assert_eq!(warns(&format!("1 - {quad_min}")), ["overflow"]);
        assert!(warns(&format!("-1 - {quad_min}")).is_empty());
        assert!(warns("- 9223372036854775808").is_empty());
        assert_eq!(warns("2 * ACOS(2)"), ["overflow"], "NaN / 2 != NaN");
        assert_eq!(
            warns("0 - 9223372036854775808 / -1"),
            ["overflow"],
            "QUAD_MIN / -1"
        );
    }

    #[test]
    fn times_divide_remainder() {
        assert_eq!(ev("abc * 2"), "0");
        assert_eq!(ev("10 / 4"), "2.5");
        assert_eq!(ev("1 / 3"), "0.333333333333333333");
        assert_eq!(ev("2 / abc"), "2147483647");
        assert_eq!(ev("abc / 0"), "0");
        assert_eq!(ev("1 / 0"), "2147483647");
        assert_eq!(warns("1 / 0"), ["division by zero"]);
        assert_eq!(ev("-7 % 3"), "-1");
        assert_eq!(ev("7.5 % 2"), "1.5");
        assert_eq!(ev("5 % 0"), "0");
        assert_eq!(ev("5 % -0"), "-0", "the divisor is returned");
        assert_eq!(warns("5 % 0"), ["div by zero"]);
        assert_eq!(ev("5 % x"), "0");
    }

    #[test]
    fn unary_operators() {
        assert_eq!(ev("-0"), "-0");
        assert_eq!(ev("- 007"), "-7");
        assert_eq!(ev("-abc"), "0");
        assert_eq!(ev("!007"), "0");
        assert_eq!(ev("!\"1\""), "1", "atoi of a quoted text is 0");
        assert_eq!(ev("!\" 1\""), "1");
        assert_eq!(ev("!12abc"), "0");
        assert_eq!(ev("!4294967296"), "1", "atoi keeps the low 32 bits");
        assert_eq!(ev("!(0.0 + 0)"), "1");
        assert_eq!(ev("!ACOS(2)"), "0", "NaN is not zero");
    }

    #[test]
    fn ternary() {
        assert_eq!(ev("1 ? 007 :: 2"), "007");
        assert_eq!(ev("\"\" ? a :: b"), "b");
        assert_eq!(ev("\"0\" ? a :: b"), "a");
        assert_eq!(ev("00 ? a :: b"), "b");
        assert_eq!(ev("ACOS(2) ? a :: b"), "a");
        assert_eq!(ev("1 ? 2 :: 0 ? 4 :: 5"), "4");
    }

    #[test]
    fn regex_operators() {
        assert_eq!(ev("abc : b"), "0", "anchored");
        assert_eq!(ev("abc =~ b"), "1");
        assert_eq!(ev("abc =~ \"b(.)\""), "c");
        assert_eq!(
            ev("abc : \"(x)?\""),
            "0",
            "group did not take part: the length"
        );
        assert_eq!(ev("abc : \"x(.)\""), "");
        assert_eq!(
            ev("\"ab\"\"c\" : \"ab\"\"c\""),
            "\"ab\"",
            "two tokens: a syntax error"
        );
        assert_eq!(
            ev("ECHO(\"a\",1,\"b\") : \"a,1,b\""),
            "5",
            "all quotes stripped"
        );
        assert_eq!(
            ev("\"ab\"~~c : ab"),
            "2",
            "left to right: (\"ab\" ~~ c) : ab"
        );
        assert_eq!(ev("abc : \"ab|abc\""), "3", "leftmost-longest");
        assert_eq!(ev("(1 + 1) : 2"), "1", "numbers are printed first");
        assert_eq!(ev("abc : \"(b\""), "");
        assert_eq!(
            warns("abc : \"(b\""),
            ["regcomp() error : Unmatched ( or \\("]
        );
        assert_eq!(ev("5551234 : \"555(.*)\" + 1"), "1235", "a numeric capture");
        assert_eq!(ev("aa : \"(a)\\1\""), "");
        assert_eq!(warns("aa : \"(a)\\1\"").len(), 1);
    }

    #[test]
    fn concatenation() {
        assert_eq!(ev("\"a\" ~~ \"b\""), "ab");
        assert_eq!(ev("1.5 ~~ 0 + 1"), "2.5");
        assert_eq!(
            ev("- ~~ 5"),
            "0",
            "a syntax error after `-`: nothing reduced"
        );
        assert_eq!(ev("(0 - 1) ~~ 5 + 1"), "1", "`-15` is a string");
        assert_eq!(ev("(1/4) ~~ x"), "0.25x");
    }

    #[test]
    fn functions() {
        assert_eq!(ev("COS(0)"), "1");
        assert_eq!(ev("ABS(-0)"), "-0");
        assert_eq!(ev("ATAN2(1,1)"), "0.78539816339744831");
        assert_eq!(ev("REMAINDER(10,4)"), "2");
        assert_eq!(ev("POW(2)"), "0");
        assert_eq!(warns("POW(2)"), ["Wrong args to POW() function"]);
        assert_eq!(ev("COS(0,)"), "0");
        assert_eq!(ev("cos(0)"), "0");
        assert_eq!(ev("\"LEN\"(1)"), "0");
        assert_eq!(ev("LEN(abc)"), "3");
        assert_eq!(ev("LEN(\"a b\")"), "5", "quotes are kept in arguments");
        assert_eq!(ev("LEN(1/4,)"), "5", "numbers printed, empty args kept");
        assert_eq!(ev("ECHO(- 5)"), "-5");
        assert_eq!(ev("ECHO(\" 1-2\")"), "\" 1-2\"");
        assert_eq!(ev("ECHO(x) ~~ 1"), "x1");
        assert_eq!(ev("ECHO(007) ~~ 1"), "71", "is_really_num: a number");
        assert_eq!(
            ev("ECHO(1 ~~ -)"),
            "0",
            "syntax error at `)`: nothing reduced"
        );
        assert_eq!(ev("ECHO(\"\") = 0"), "0");
        assert_eq!(ev("NUL(1)"), "12");
        assert_eq!(ev("BIG(1)").len(), 511);
        assert_eq!(ev("FOO(1)"), "0");
        assert_eq!(
            warns("FOO(1)"),
            [
                "Hey! could not find func FOO.",
                "Error! 'FOO' doesn't appear to be an available function!"
            ]
        );
        assert_eq!(ev("1(2)"), "0");
    }

    #[test]
    fn variables_left_in_the_body() {
        assert_eq!(ev("${a}=${a}"), "0", "the first text runs to the end");
        assert_eq!(ev("${a}b=${a}b"), "1");
        assert_eq!(ev("${a}:\"(.*)\""), "${a}:\"(.*)\"");
        assert_eq!(ev("${a}"), "${a}");
        assert_eq!(ev("x${a}${b}y"), "x${a}${b}y");
        assert_eq!(
            warns("${a}(1)")[0],
            "Error! '${a}(1)' is not possibly a function name!"
        );
    }

    #[test]
    fn syntax_errors() {
        assert_eq!(ev("1 2"), "1");
        assert_eq!(ev("+ 1"), "");
        assert_eq!(ev("(1"), "0");
        assert_eq!(ev("1 + 2 3"), "3");
        assert_eq!(
            warns("1 +  "),
            [
                "ast_yyerror():  syntax error: syntax error, unexpected $end, expecting '-' or '!' or '(' or '<token>'; Input:\n1 +  \n     ^",
                QUESTIONS
            ]
        );
        let w = |s: &str| {
            warns(s)[0]
                .split("; Input")
                .next()
                .unwrap_or("")
                .to_string()
        };
        assert_eq!(
            w("1 2"),
            "ast_yyerror():  syntax error: syntax error, unexpected '<token>', expecting $end"
        );
        assert_eq!(
            w("(1"),
            "ast_yyerror():  syntax error: syntax error, unexpected $end"
        );
        assert_eq!(
            w("F(1 2"),
            "ast_yyerror():  syntax error: syntax error, unexpected '<token>', expecting ',' or ')'"
        );
        assert_eq!(
            w("F(1, +"),
            "ast_yyerror():  syntax error: syntax error, unexpected '+', expecting ',' or ')'"
        );
        assert_eq!(
            w("~~ 1"),
            "ast_yyerror():  syntax error: syntax error, unexpected TOK_TILDETILDE, expecting $end"
        );
        // Reduced before the error, though the value is 0.
        assert_eq!(ev("(abc + 1 2"), "0");
        assert_eq!(warns("(abc + 1 2")[0], "non-numeric argument");
        assert_eq!(
            warns("1 + (LEN(x) - abc ? "),
            warns("1 + (LEN(x) - abc ? ")[..3]
        );
        assert_eq!(warns("1 + (LEN(x) - abc ? ")[0], "non-numeric argument");
    }

    #[test]
    fn nul_ends_the_body() {
        assert_eq!(
            lossy(&evaluate(b"1 + 1\0 + 5", &mut NoFunctions).value),
            "2"
        );
    }

    #[test]
    fn deep_trees_do_not_recurse() {
        let body = "1+".repeat(5_000) + "1";
        assert_eq!(ev(&body), "5001");
        let body = "-".repeat(5_000) + "1";
        assert_eq!(ev(&body), "1");
    }

    #[test]
    fn helpers() {
        assert_eq!(atoi(b"  -12x"), -12);
        assert_eq!(atoi(b"99999999999999999999"), -1, "LONG_MAX truncated");
        assert_eq!(make_str(b"1.2.3".to_vec()), Val::NumStr(b"1.2.3".to_vec()));
        assert_eq!(make_str(b"-5".to_vec()), Val::Str(b"-5".to_vec()));
        assert_eq!(make_str(Vec::new()), Val::Str(Vec::new()));
        assert!(is_really_num(b""));
        assert!(is_really_num(b" -1.5\t"));
        assert!(!is_really_num(b"1e5"));
    }
}
