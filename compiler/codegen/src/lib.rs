//! Native code for dialplans, with Cranelift.
//!
//! What is compiled is a *chain*: the priorities of one extension as reached from one
//! context, each a block of a native function. A priority is one of the [`Step`]s: most call
//! back into the runtime to run the whole priority ([`Host::step`]), then branch to the block
//! of the priority the call moves to when the runtime says it stays within the chain
//! ([`local`]), enter another chain ([`Jit::entry`], below), or return to the runtime's
//! dispatcher otherwise. Control flow inside an
//! extension — falling through to the next priority, a GotoIf to a label, a While loop — is
//! thereby native.
//!
//! The priorities whose work the runtime could prove simple are native too:
//! `Set(i=$[${i} + 1])` reads `i` as an integer, adds natively and hands the runtime only
//! the number to store ([`Step::Set`]); `GotoIf($[${i} < 10]?top)` decides natively and
//! jumps straight to `top`'s block ([`Step::Branch`]). Their fast path *guards* what it
//! assumes — operands that are small integers, a division that is exact — and falls back to
//! [`Host::step`], which runs the priority from scratch, whenever a guard fails. Nothing is
//! done before a guard that the fallback would not do again (reading a variable has no
//! effect), so the answers are the interpreter's either way.
//!
//! A move to another chain of the same [`Jit`] is a jump too: the host answers
//! [`Jit::entry`]'s code, and the code tail-calls that chain's function through the
//! JIT's table of chains, without returning to Rust.
//!
//! Chains of the same *shape* share one function: the code takes the id of the chain's first
//! priority as a parameter and names each priority relative to it, so two extensions whose
//! steps differ only in their ids (a dialplan's thousands of `exten => N,1,Dial(...)`) are
//! compiled once. Cranelift costs about 120 µs a function whatever its size; a table entry
//! costs nothing.

mod jit;

pub use jit::{Chain, Compiler, Jit};

/// What the generated code asks of the runtime. `id` is the number the runtime gave the
/// priority when it built the chain.
pub trait Host {
    /// Runs priority `id` entirely and says where the call goes next: [`local`]`(k)` for
    /// priority index `k` of the same chain, [`Jit::entry`] for a priority of another
    /// chain of the same [`Jit`], any value below [`LOCAL_BASE`] to leave with that code.
    fn step(&mut self, id: u32) -> u32;
    /// Operand `k` of priority `id`'s expression ([`Operand::Read`]) as an integer `n` with
    /// `|n| <` [`SMALL`], or [`NOT_SMALL`] when its value is anything else.
    fn operand(&mut self, id: u32, k: u32) -> i64;
    /// Finishes a [`Step::Set`] whose expression came to `value`; answers as [`Host::step`].
    fn set(&mut self, id: u32, value: i64) -> u32;
    /// Runs a [`Step::Pass`]; answers as [`Host::step`].
    fn pass(&mut self, id: u32) -> u32;
    /// Finishes a [`Step::Branch`] whose condition came to `value` (the runtime decides
    /// what is true, as the application reads the printed number); answers as
    /// [`Host::step`].
    fn branch(&mut self, id: u32, value: i64) -> u32;
}

/// Codes from this up to [`ENTRY_BASE`] are moves within the chain.
pub const LOCAL_BASE: u32 = 1 << 24;

/// Codes at or above this enter another chain ([`Jit::entry`]).
pub const ENTRY_BASE: u32 = 1 << 31;

/// An entry code holds the priority index to start at in its low bits; a chain longer than
/// this can be entered only before it.
pub const ENTRY_STARTS: u32 = 1 << 12;

/// The code for "continue at priority index `k` of this chain".
pub const fn local(k: u32) -> u32 {
    LOCAL_BASE + k
}

/// Operands are integers of magnitude below this (17 digits at most). Sums and differences
/// of two of them, and products of two below [`SMALL_FACTOR`], stay below 10^18, which is
/// what Asterisk's `%.18Lg` still prints as a plain integer, exactly.
pub const SMALL: i64 = 100_000_000_000_000_000;

/// Factors of a native product are below this in magnitude.
pub const SMALL_FACTOR: i64 = 1_000_000_000;

/// What [`Host::operand`] answers for a value the fast path does not take.
pub const NOT_SMALL: i64 = i64::MIN;

/// What one priority of a chain does natively.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// The runtime runs the priority: [`Host::step`].
    Call(u32),
    /// A priority whose effect the runtime knew before the call ran — none (`NoOp(${x})`),
    /// a fixed assignment (`Set(x=1)`), a jump to a fixed priority (`Goto(top)`), a Gosub
    /// to a fixed place: [`Host::pass`]; `taken` is where in this chain it is expected to
    /// land (a Goto's target, an EndWhile's While), branched to directly when the host's
    /// answer is that priority.
    Pass { id: u32, taken: Option<u32> },
    /// `Set(name=$[expr])`: `expr` computed natively, then [`Host::set`] stores it.
    Set { id: u32, expr: IntExpr },
    /// `GotoIf($[expr]?…)` or `While($[expr])`: `expr` computed natively, then
    /// [`Host::branch`] moves the call; where the runtime expects a jump to land in this
    /// chain (`taken`: a GotoIf's true branch, the priority after a While's EndWhile when
    /// its condition fails), the code branches there directly when the host's answer is
    /// that priority.
    Branch {
        id: u32,
        expr: IntExpr,
        taken: Option<u32>,
    },
}

impl Step {
    /// The same step for priority `id`.
    pub fn with_id(self, id: u32) -> Step {
        match self {
            Step::Call(_) => Step::Call(id),
            Step::Pass { taken, .. } => Step::Pass { id, taken },
            Step::Set { expr, .. } => Step::Set { id, expr },
            Step::Branch { expr, taken, .. } => Step::Branch { id, expr, taken },
        }
    }

    pub fn id(self) -> u32 {
        match self {
            Step::Call(id)
            | Step::Pass { id, .. }
            | Step::Set { id, .. }
            | Step::Branch { id, .. } => id,
        }
    }
}

/// `left op right` over small integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IntExpr {
    pub left: Operand,
    pub op: Op,
    pub right: Operand,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operand {
    /// A literal of the expression, `|n| <` [`SMALL`].
    Const(i64),
    /// [`Host::operand`]`(id, k)`.
    Read(u32),
}

/// The operators of `$[...]` the fast path computes, each as Asterisk prints it for two
/// integers: a number, or `1`/`0` for a comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    Add,
    Sub,
    Mul,
    /// Only when exact (a remainder would print a fraction); never by zero.
    Div,
    /// C's `fmodl` on integers: the sign of the dividend; never by zero.
    Rem,
    // (Mul, Div and Rem also leave a negative zero result to the runtime.)
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Op {
    /// What the generated code computes, `None` where it falls back: the specification
    /// both sides are tested against (the code in `tests/chains.rs`, Asterisk's evaluator in
    /// the engine).
    pub fn apply(self, a: i64, b: i64) -> Option<i64> {
        let small = |n: i64| -SMALL < n && n < SMALL;
        let factor = |n: i64| -SMALL_FACTOR < n && n < SMALL_FACTOR;
        if !small(a) || !small(b) {
            return None;
        }
        // Long double arithmetic has a negative zero, and `%.18Lg` prints it as `-0`:
        // `0 * -5`, `0 / -5` and `-6 % 3` are left to the runtime.
        Some(match self {
            Op::Add => a + b,
            Op::Sub => a - b,
            Op::Mul if factor(a) && factor(b) && !(a * b == 0 && (a < 0 || b < 0)) => a * b,
            Op::Mul => return None,
            Op::Div if b != 0 && a % b == 0 && !(a == 0 && b < 0) => a / b,
            Op::Div => return None,
            Op::Rem if b != 0 && !(a < 0 && a % b == 0) => a % b,
            Op::Rem => return None,
            Op::Lt => i64::from(a < b),
            Op::Le => i64::from(a <= b),
            Op::Gt => i64::from(a > b),
            Op::Ge => i64::from(a >= b),
            Op::Eq => i64::from(a == b),
            Op::Ne => i64::from(a != b),
        })
    }
}
