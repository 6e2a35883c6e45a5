//! Native code for dialplans, with Cranelift.
//!
//! What is compiled is a *chain*: the priorities of one extension as reached from one
//! context, each a block of a native function that calls back into the runtime to run that
//! step ([`Host::step`]), then branches to the block of the priority the call moves to when
//! the runtime says it stays within the chain ([`local`]), or returns to the runtime's
//! dispatcher otherwise. Control flow inside an extension — falling through to the next
//! priority, a GotoIf to a label, a While loop — is thereby native; what a step *does*
//! (substitution, expressions, the application) is the runtime's, so the answers are the
//! interpreter's by construction. The runtime decides which moves may stay native: a branch
//! is only taken when it has proven the target priority is the one routing would choose.

mod jit;

pub use jit::{Chain, Jit};

/// What the generated code asks of the runtime.
pub trait Host {
    /// Runs step `id` (as the runtime numbered it when compiling the chain) and says where
    /// the call goes next: [`local`]`(k)` for priority index `k` of the same chain, any
    /// smaller value to leave the chain with that code.
    fn step(&mut self, id: u32) -> u32;
}

/// Codes at or above this are moves within the chain.
pub const LOCAL_BASE: u32 = 1 << 24;

/// The code for "continue at priority index `k` of this chain".
pub const fn local(k: u32) -> u32 {
    LOCAL_BASE + k
}
