//! A clock for tests that moves only when a step is traced: both engines then read the same
//! time at the same point of a call, however often they read it, so a native move must
//! agree with what routing answers at that moment.

use std::cell::Cell;

/// Mon 2024-01-01 09:58:00 UTC.
pub const START: i64 = 1_704_103_080;

thread_local! {
    /// Steps traced so far in this thread's run.
    static TRACED: Cell<i64> = const { Cell::new(0) };
}

/// Starts a run: no step traced yet.
pub fn reset() {
    TRACED.with(|t| t.set(0));
}

/// Counts a traced step (called from the run's trace callback).
pub fn traced() {
    TRACED.with(|t| t.set(t.get() + 1));
}

/// The time when `seconds` pass with each traced step.
pub fn at(seconds: i64) -> i64 {
    START + seconds * TRACED.with(Cell::get)
}
