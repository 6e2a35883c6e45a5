//! Dialplans for the engine benchmarks (issue: "Execution engine"), generated so that any size
//! can be measured and Asterisk can be given the very same text.

use std::fmt::Write;

/// A single-call loop of `iterations` turns, started at `s`,1 of context `loop`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loop {
    /// `Set(i=$[${i} + 1])` then `GotoIf($[${i} < N]?top)`: two priorities a turn.
    SetGotoIf,
    /// `While($[${i} < N])` … `Set(i=$[${i} + 1])` … `EndWhile()`: three a turn.
    While,
    /// `Gosub(sub,s,1)` → `Return()`, then the Set/GotoIf pair: four a turn.
    GosubReturn,
    /// A straight run of `NoOp(${i})`: one a turn.
    NoOp,
}

impl Loop {
    pub const ALL: [Loop; 4] = [Loop::SetGotoIf, Loop::While, Loop::GosubReturn, Loop::NoOp];

    pub fn name(self) -> &'static str {
        match self {
            Loop::SetGotoIf => "set-gotoif",
            Loop::While => "while",
            Loop::GosubReturn => "gosub-return",
            Loop::NoOp => "noop",
        }
    }

    /// The extensions.conf text.
    pub fn dialplan(self, iterations: u32) -> String {
        let mut s = String::from("[general]\nautofallthrough=yes\n\n[loop]\n");
        match self {
            Loop::SetGotoIf => {
                s.push_str("exten => s,1,Set(i=0)\n");
                s.push_str(" same => n(top),Set(i=$[${i} + 1])\n");
                let _ = writeln!(s, " same => n,GotoIf($[${{i}} < {iterations}]?top)");
                s.push_str(" same => n,Hangup()\n");
            }
            Loop::While => {
                s.push_str("exten => s,1,Set(i=0)\n");
                let _ = writeln!(s, " same => n,While($[${{i}} < {iterations}])");
                s.push_str(" same => n,Set(i=$[${i} + 1])\n");
                s.push_str(" same => n,EndWhile()\n");
                s.push_str(" same => n,Hangup()\n");
            }
            Loop::GosubReturn => {
                s.push_str("exten => s,1,Set(i=0)\n");
                s.push_str(" same => n(top),Gosub(sub,s,1)\n");
                s.push_str(" same => n,Set(i=$[${i} + 1])\n");
                let _ = writeln!(s, " same => n,GotoIf($[${{i}} < {iterations}]?top)");
                s.push_str(" same => n,Hangup()\n\n[sub]\nexten => s,1,Return()\n");
            }
            Loop::NoOp => {
                s.push_str("exten => s,1,Set(i=x)\n");
                for _ in 0..iterations {
                    s.push_str(" same => n,NoOp(${i})\n");
                }
                s.push_str(" same => n,Hangup()\n");
            }
        }
        s
    }

    /// Priorities one call executes, `Hangup()` included.
    pub fn steps(self, iterations: u32) -> u64 {
        let n = u64::from(iterations);
        match self {
            Loop::SetGotoIf => 1 + 2 * n + 1,
            // The last While test jumps past EndWhile.
            Loop::While => 1 + 3 * n + 1 + 1,
            Loop::GosubReturn => 1 + 4 * n + 1,
            Loop::NoOp => 1 + n + 1,
        }
    }
}

/// A large routing table: `contexts` contexts of `literals` literal extensions and `patterns`
/// patterns each, all included by context `entry` in order. Every extension answers with
/// `NoOp()`.
pub fn routing_dialplan(contexts: u32, literals: u32, patterns: u32) -> String {
    let mut s = String::with_capacity((contexts * (literals + patterns) * 32) as usize);
    s.push_str("[entry]\n");
    for c in 0..contexts {
        let _ = writeln!(s, "include => c{c}");
    }
    for c in 0..contexts {
        let _ = writeln!(s, "\n[c{c}]");
        for l in 0..literals {
            let _ = writeln!(s, "exten => {},1,NoOp()", literal(c, l));
        }
        for p in 0..patterns {
            let _ = writeln!(s, "exten => {},1,NoOp()", pattern(c, p));
        }
    }
    s
}

/// Literal number `l` of context `c`: 7 digits, unique across contexts.
pub fn literal(c: u32, l: u32) -> String {
    format!("2{c:03}{l:03}")
}

/// Pattern `p` of context `c`: 8 or more digits starting `9`, distinct from every literal.
pub fn pattern(c: u32, p: u32) -> String {
    match p % 4 {
        0 => format!("_9{c:03}{:02}XX", p / 4 % 100),
        1 => format!("_9{c:03}[0-4]{:02}X.", p / 4 % 100),
        2 => format!("_9{c:03}N{:02}XX", p / 4 % 100),
        _ => format!("_9{c:03}Z{:02}!", p / 4 % 100),
    }
}

/// A number that pattern `p` of context `c` answers.
pub fn pattern_number(c: u32, p: u32) -> String {
    match p % 4 {
        0 => format!("9{c:03}{:02}12", p / 4 % 100),
        1 => format!("9{c:03}3{:02}7123", p / 4 % 100),
        2 => format!("9{c:03}5{:02}00", p / 4 % 100),
        _ => format!("9{c:03}7{:02}", p / 4 % 100),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_routing_dialplans_are_well_formed() {
        let text = routing_dialplan(3, 10, 8);
        assert_eq!(text.matches("include =>").count(), 3);
        assert_eq!(text.matches("exten =>").count(), 3 * 18);
        assert!(text.contains(&format!("exten => {},1,NoOp()", literal(2, 9))));
    }
}
