//! Chains run their steps in the order the host's answers dictate, leave with the host's exit
//! codes, and survive any start index.

use pbxc_codegen::{
    Compiler, ENTRY_BASE, ENTRY_STARTS, Host, IntExpr, Jit, NOT_SMALL, Op, Operand, SMALL,
    SMALL_FACTOR, Step, local,
};

/// Answers each step from a script: `(expected step id, answer)`.
struct Script {
    answers: Vec<(u32, u32)>,
    seen: Vec<u32>,
}

impl Script {
    /// A host that expects steps in the order of `answers` and answers each so.
    fn answering(answers: impl Into<Vec<(u32, u32)>>) -> Script {
        Script {
            answers: answers.into(),
            seen: Vec::new(),
        }
    }
}

impl Host for Script {
    fn step(&mut self, id: u32) -> u32 {
        self.seen.push(id);
        let (want, answer) = self.answers.remove(0);
        assert_eq!(id, want);
        answer
    }
    fn operand(&mut self, _: u32, _: u32) -> i64 {
        unreachable!("a chain of calls reads no operand")
    }
    fn pass(&mut self, _: u32) -> u32 {
        unreachable!("a chain of calls has no pass")
    }
    fn set(&mut self, _: u32, _: i64) -> u32 {
        unreachable!("a chain of calls has no native Set")
    }
    fn branch(&mut self, _: u32, _: i64) -> u32 {
        unreachable!("a chain of calls has no native branch")
    }
}

fn calls(ids: impl IntoIterator<Item = u32>) -> Vec<Step> {
    ids.into_iter().map(Step::Call).collect()
}

#[test]
fn steps_follow_the_hosts_moves_and_exit_codes() {
    let mut jit = Jit::new().expect("a JIT for this machine");
    // Priority index k runs step 100 + k.
    let chain = jit.compile(&calls([100, 101, 102])).unwrap();
    // Fall through 0 → 1, loop back 1 → 0 twice, then 1 → 2, which leaves with 7.
    let mut host = Script::answering([
        (100, local(1)),
        (101, local(0)),
        (100, local(1)),
        (101, local(0)),
        (100, local(1)),
        (101, local(2)),
        (102, 7),
    ]);
    assert_eq!(jit.run(chain, &mut host, 0), 7);
    assert_eq!(host.seen, [100, 101, 100, 101, 100, 101, 102]);

    // Start in the middle; a local move past the end leaves with its own code.
    let mut host = Script::answering([(102, local(9))]);
    assert_eq!(jit.run(chain, &mut host, 2), local(9));
    // A start past the end runs nothing.
    let mut host = Script::answering([]);
    assert_eq!(jit.run(chain, &mut host, 3), 0);
    assert!(host.seen.is_empty());
}

#[test]
fn a_step_enters_another_chain_at_the_priority_its_code_names() {
    let mut jit = Jit::new().unwrap();
    let first = jit.compile(&calls([100, 101])).unwrap();
    // Compiled after `first`: the code reads the table as it is when it runs.
    let second = jit.compile(&calls([200, 201, 202])).unwrap();
    let into_second = |k| jit.entry(second, k).expect("an entry code");
    let into_first = |k| jit.entry(first, k).expect("an entry code");
    let mut host = Script::answering([
        (100, into_second(1)),
        (201, into_first(1)),
        (101, into_second(0)),
        (200, local(2)),
        (202, 9),
    ]);
    assert_eq!(jit.run(first, &mut host, 0), 9);
    assert_eq!(host.seen, [100, 201, 101, 200, 202]);
}

#[test]
fn only_a_priority_of_ones_own_chains_has_an_entry_code() {
    let mut jit = Jit::new().unwrap();
    let chain = jit.compile(&calls([1, 2])).unwrap();
    assert!(jit.entry(chain, 1).is_some());
    assert_eq!(jit.entry(chain, 2), None, "past its end");
    let mut other = Jit::new().unwrap();
    let foreign = other.compile(&calls([1, 2])).unwrap();
    assert_eq!(jit.entry(foreign, 0), None, "another Jit's chain");
    // A long chain is entered only before `ENTRY_STARTS`.
    let long = jit.compile(&calls(0..ENTRY_STARTS + 1)).unwrap();
    assert!(jit.entry(long, ENTRY_STARTS - 1).is_some());
    assert_eq!(jit.entry(long, ENTRY_STARTS), None);
}

#[test]
fn an_entry_code_naming_no_chain_leaves_with_that_code() {
    let mut jit = Jit::new().unwrap();
    let chain = jit.compile(&calls([1])).unwrap();
    // Chain 1,000 of this Jit does not exist (yet).
    let unknown = ENTRY_BASE + 1_000 * ENTRY_STARTS;
    let mut host = Script::answering([(1, unknown)]);
    assert_eq!(jit.run(chain, &mut host, 0), unknown);
    // Nor does priority 5 of a one-priority chain: the chain leaves as a move past its
    // end would.
    let past_end = jit.entry(chain, 0).unwrap() + 5;
    let mut host = Script::answering([(1, past_end)]);
    assert_eq!(jit.run(chain, &mut host, 0), local(5));
}

/// Moves between two chains, and back to an earlier priority of one, `turns` times: each a
/// jump, so the stack stays as deep as one step whatever the number of turns.
#[test]
fn moves_between_and_within_chains_do_not_grow_the_stack() {
    struct PingPong {
        turns: u32,
        codes: [u32; 2],
    }
    impl Host for PingPong {
        fn step(&mut self, id: u32) -> u32 {
            if self.turns == 0 {
                return 3;
            }
            self.turns -= 1;
            match id {
                // Back to the start of the chain: not the next priority.
                11 => local(0),
                // To the other chain's second priority.
                10 => self.codes[1],
                21 => self.codes[0],
                _ => unreachable!("step {id}"),
            }
        }
        fn operand(&mut self, _: u32, _: u32) -> i64 {
            unreachable!()
        }
        fn pass(&mut self, _: u32) -> u32 {
            unreachable!()
        }
        fn set(&mut self, _: u32, _: i64) -> u32 {
            unreachable!()
        }
        fn branch(&mut self, _: u32, _: i64) -> u32 {
            unreachable!()
        }
    }
    let mut jit = Jit::new().unwrap();
    let a = jit.compile(&calls([10, 11])).unwrap();
    let b = jit.compile(&calls([20, 21])).unwrap();
    // a:0 (10) → b:1 (21) → a:1 (11) → a:0 (10) → …
    let codes = [jit.entry(a, 1).unwrap(), jit.entry(b, 1).unwrap()];
    // Far more frames than a test thread's 2 MiB stack holds, were they calls.
    let turns = 1_000_000;
    let mut host = PingPong { turns, codes };
    assert_eq!(jit.run(a, &mut host, 0), 3);
    assert_eq!(host.turns, 0);
}

#[test]
fn a_chain_runs_only_on_the_jit_that_compiled_it() {
    let chain = {
        let mut gone = Jit::new().unwrap();
        gone.compile(&calls([1])).unwrap()
    };
    // The code it points at was freed with its Jit: another Jit refuses it.
    let other = Jit::new().unwrap();
    let mut host = Script::answering([]);
    assert_eq!(other.run(chain, &mut host, 0), 0);
    assert!(host.seen.is_empty());
}

#[test]
fn many_chains_coexist() {
    let mut jit = Jit::new().unwrap();
    let chains: Vec<_> = (0..200)
        .map(|n| jit.compile(&calls([n, n + 1])).unwrap())
        .collect();
    for (n, chain) in chains.iter().enumerate() {
        let n = n as u32;
        let mut host = Script::answering([(n, local(1)), (n + 1, 3)]);
        assert_eq!(jit.run(*chain, &mut host, 0), 3);
    }
    assert!(jit.compile(&[]).is_ok());
    // All of one shape, and the empty one.
    assert_eq!(jit.functions(), 2);
}

/// Chains that differ only in their ids share one compiled function, and each still names
/// its own priorities: when run, when it enters itself again at another priority, and when
/// another chain of its shape enters it.
#[test]
fn chains_of_one_shape_share_their_code_and_keep_their_ids() {
    let mut jit = Jit::new().unwrap();
    let a = jit.compile(&calls([10, 11, 12])).unwrap();
    let b = jit.compile(&calls([500, 501, 502])).unwrap();
    // Ids need not be consecutive, nor increase: they are relative to the first, wrapping.
    let c = jit.compile(&calls([7, 3, u32::MAX])).unwrap();
    let d = jit.compile(&calls([1_000, 996, 992])).unwrap();
    assert_eq!(jit.functions(), 2);
    let into_b = jit.entry(b, 2).unwrap();
    let into_d = jit.entry(d, 1).unwrap();
    let mut host = Script::answering([
        (10, local(1)),
        (11, local(0)),
        (10, local(2)),
        (12, into_b),
        (502, local(0)),
        (500, into_d),
        (996, local(0)),
        (1_000, 4),
    ]);
    assert_eq!(jit.run(a, &mut host, 0), 4);
    let mut host = Script::answering([(3, local(2)), (u32::MAX, 8)]);
    assert_eq!(jit.run(c, &mut host, 1), 8);

    // Another shape: the same steps in another order of kinds, or another length.
    jit.compile(&[Step::Pass { id: 1, taken: None }, Step::Call(2)])
        .unwrap();
    jit.compile(&calls([1, 2])).unwrap();
    assert_eq!(jit.functions(), 4);
}

#[test]
fn a_long_chain_runs_end_to_end() {
    let mut jit = Jit::new().unwrap();
    let chain = jit.compile(&calls(0..1_000)).unwrap();
    // Walk it: every step moves to the next; the last leaves with 5.
    struct Walk(u32);
    impl Host for Walk {
        fn step(&mut self, id: u32) -> u32 {
            assert_eq!(id, self.0);
            self.0 += 1;
            if id == 999 { 5 } else { local(id + 1) }
        }
        fn operand(&mut self, _: u32, _: u32) -> i64 {
            unreachable!()
        }
        fn pass(&mut self, _: u32) -> u32 {
            unreachable!()
        }
        fn set(&mut self, _: u32, _: i64) -> u32 {
            unreachable!()
        }
        fn branch(&mut self, _: u32, _: i64) -> u32 {
            unreachable!()
        }
    }
    let mut host = Walk(0);
    assert_eq!(jit.run(chain, &mut host, 0), 5);
    assert_eq!(host.0, 1_000);
}

/// Records what the fast path asked for; operands come from `reads`.
#[derive(Default)]
struct Recorder {
    reads: Vec<i64>,
    read: Vec<(u32, u32)>,
    stored: Vec<(u32, i64)>,
    branched: Vec<(u32, i64)>,
    whole: Vec<u32>,
    passed: Vec<u32>,
    /// What `branch` answers when the condition holds.
    taken: u32,
}

impl Host for Recorder {
    fn step(&mut self, id: u32) -> u32 {
        self.whole.push(id);
        9
    }
    fn operand(&mut self, id: u32, k: u32) -> i64 {
        self.read.push((id, k));
        self.reads[k as usize]
    }
    fn pass(&mut self, id: u32) -> u32 {
        self.passed.push(id);
        local(id + 1)
    }
    fn set(&mut self, id: u32, value: i64) -> u32 {
        self.stored.push((id, value));
        9
    }
    fn branch(&mut self, id: u32, value: i64) -> u32 {
        self.branched.push((id, value));
        if value != 0 { self.taken } else { 8 }
    }
}

const OPS: [Op; 11] = [
    Op::Add,
    Op::Sub,
    Op::Mul,
    Op::Div,
    Op::Rem,
    Op::Lt,
    Op::Le,
    Op::Gt,
    Op::Ge,
    Op::Eq,
    Op::Ne,
];

/// Values on both sides of every guard.
const VALUES: [i64; 16] = [
    0,
    1,
    -1,
    7,
    -7,
    3,
    -3,
    SMALL_FACTOR - 1,
    -(SMALL_FACTOR - 1),
    SMALL_FACTOR,
    -SMALL_FACTOR,
    SMALL - 1,
    -(SMALL - 1),
    SMALL,
    -SMALL,
    NOT_SMALL,
];

#[test]
fn a_native_set_computes_what_op_apply_says_or_runs_the_whole_step() {
    let mut jit = Jit::new().unwrap();
    for op in OPS {
        let expr = IntExpr {
            left: Operand::Read(0),
            op,
            right: Operand::Read(1),
        };
        let chain = jit.compile(&[Step::Set { id: 4, expr }]).unwrap();
        for a in VALUES {
            for b in VALUES {
                let mut host = Recorder {
                    reads: vec![a, b],
                    ..Recorder::default()
                };
                assert_eq!(jit.run(chain, &mut host, 0), 9);
                let expected = op.apply(a, b);
                match expected {
                    Some(v) => {
                        assert_eq!(host.stored, [(4, v)], "{a} {op:?} {b}");
                        assert!(host.whole.is_empty(), "{a} {op:?} {b}");
                    }
                    None => {
                        assert!(host.stored.is_empty(), "{a} {op:?} {b}");
                        assert_eq!(host.whole, [4], "{a} {op:?} {b}");
                    }
                }
                // A left operand out of range is not followed by a read of the right one.
                let reads = if -SMALL < a && a < SMALL { 2 } else { 1 };
                assert_eq!(host.read.len(), reads, "{a} {op:?} {b}");
            }
        }
    }
}

#[test]
fn literals_need_no_reads() {
    let mut jit = Jit::new().unwrap();
    let expr = IntExpr {
        left: Operand::Const(40),
        op: Op::Add,
        right: Operand::Const(2),
    };
    let chain = jit.compile(&[Step::Set { id: 0, expr }]).unwrap();
    let mut host = Recorder::default();
    jit.run(chain, &mut host, 0);
    assert_eq!(host.stored, [(0, 42)]);
    assert!(host.read.is_empty());
}

#[test]
fn a_native_branch_decides_and_jumps_to_its_target() {
    let mut jit = Jit::new().unwrap();
    // 0: Set(i = i + 1); 1: GotoIf(i < 3 ? 0); 2: leaves.
    let steps = [
        Step::Set {
            id: 10,
            expr: IntExpr {
                left: Operand::Read(0),
                op: Op::Add,
                right: Operand::Const(1),
            },
        },
        Step::Branch {
            id: 11,
            expr: IntExpr {
                left: Operand::Read(0),
                op: Op::Lt,
                right: Operand::Const(3),
            },
            taken: Some(0),
        },
        Step::Call(12),
    ];
    let chain = jit.compile(&steps).unwrap();
    /// A counter `i` the steps share.
    struct Counter {
        i: i64,
        log: Vec<String>,
    }
    impl Host for Counter {
        fn step(&mut self, id: u32) -> u32 {
            self.log.push(format!("step {id}"));
            1
        }
        fn operand(&mut self, _: u32, _: u32) -> i64 {
            self.i
        }
        fn pass(&mut self, _: u32) -> u32 {
            unreachable!()
        }
        fn set(&mut self, id: u32, value: i64) -> u32 {
            self.log.push(format!("set {id} {value}"));
            self.i = value;
            local(1)
        }
        fn branch(&mut self, id: u32, value: i64) -> u32 {
            self.log.push(format!("branch {id} {value}"));
            if value != 0 { local(0) } else { local(2) }
        }
    }
    let mut host = Counter {
        i: 0,
        log: Vec::new(),
    };
    assert_eq!(jit.run(chain, &mut host, 0), 1);
    assert_eq!(
        host.log,
        [
            "set 10 1",
            "branch 11 1",
            "set 10 2",
            "branch 11 1",
            "set 10 3",
            "branch 11 0",
            "step 12"
        ]
    );
    // A branch target outside the chain is refused when compiling.
    let bad = [Step::Branch {
        id: 0,
        expr: IntExpr {
            left: Operand::Const(1),
            op: Op::Eq,
            right: Operand::Const(1),
        },
        taken: Some(5),
    }];
    assert!(jit.compile(&bad).is_err());
}

#[test]
fn a_branch_answered_elsewhere_still_goes_where_the_host_says() {
    let mut jit = Jit::new().unwrap();
    let expr = IntExpr {
        left: Operand::Const(1),
        op: Op::Eq,
        right: Operand::Const(1),
    };
    // The host answers a move to index 2, not to the expected target 0.
    let chain = jit
        .compile(&[
            Step::Branch {
                id: 0,
                expr,
                taken: Some(0),
            },
            Step::Call(1),
            Step::Call(2),
        ])
        .unwrap();
    let mut host = Recorder {
        taken: local(2),
        ..Recorder::default()
    };
    assert_eq!(jit.run(chain, &mut host, 0), 9);
    assert_eq!(host.branched, [(0, 1)]);
    assert_eq!(host.whole, [2]);
}

#[test]
fn passes_run_through_the_hosts_pass() {
    let mut jit = Jit::new().unwrap();
    // Ids equal indices here, so `pass` moves to the next one; the call at 2 leaves.
    let pass = |id| Step::Pass { id, taken: None };
    let chain = jit.compile(&[pass(0), pass(1), Step::Call(2)]).unwrap();
    let mut host = Recorder::default();
    assert_eq!(jit.run(chain, &mut host, 0), 9);
    assert_eq!(host.passed, [0, 1]);
    assert_eq!(host.whole, [2]);
    // A pass whose jump lands outside the chain is refused.
    let outside = Step::Pass {
        id: 0,
        taken: Some(3),
    };
    assert!(jit.compile(&[outside]).is_err());
}

/// Jits made with one compiler share the functions of their shapes, on any thread, and
/// each runs its own chains with its own ids; the code outlives any one of them.
#[test]
fn jits_of_one_compiler_share_their_shapes_code() {
    fn shared<T: Send + Sync + Clone>(_: &T) {}
    let compiler = Compiler::new().unwrap();
    shared(&compiler);
    let mut first = Jit::with(compiler.clone());
    let a = first.compile(&calls([10, 11])).unwrap();
    assert_eq!(compiler.functions(), 1);
    let threads: Vec<_> = (0..4u32)
        .map(|t| {
            let compiler = compiler.clone();
            std::thread::spawn(move || {
                let mut jit = Jit::with(compiler);
                let base = 100 * (t + 1);
                let chain = jit.compile(&calls([base, base + 1])).unwrap();
                let other = jit
                    .compile(&[Step::Pass {
                        id: base + 50,
                        taken: None,
                    }])
                    .unwrap();
                let into_other = jit.entry(other, 0).unwrap();
                let host = Script::answering([(base, local(1)), (base + 1, into_other)]);
                /// The script, and every pass ends the run with 9.
                struct Passing(Script);
                impl Host for Passing {
                    fn step(&mut self, id: u32) -> u32 {
                        self.0.step(id)
                    }
                    fn operand(&mut self, _: u32, _: u32) -> i64 {
                        unreachable!()
                    }
                    fn pass(&mut self, id: u32) -> u32 {
                        self.0.seen.push(id);
                        9
                    }
                    fn set(&mut self, _: u32, _: i64) -> u32 {
                        unreachable!()
                    }
                    fn branch(&mut self, _: u32, _: i64) -> u32 {
                        unreachable!()
                    }
                }
                let mut host = Passing(host);
                assert_eq!(jit.run(chain, &mut host, 0), 9);
                host.0.seen
            })
        })
        .collect();
    for (t, thread) in threads.into_iter().enumerate() {
        let base = 100 * (t as u32 + 1);
        assert_eq!(thread.join().unwrap(), [base, base + 1, base + 50]);
    }
    // Two shapes in all, whichever thread compiled them first.
    assert_eq!(compiler.functions(), 2);
    assert_eq!(first.functions(), 2);
    // The Jits of the threads are gone; the code they shared still runs here, and after the
    // compiler's handle is dropped too.
    drop(compiler);
    let mut host = Script::answering([(10, local(1)), (11, 3)]);
    assert_eq!(first.run(a, &mut host, 0), 3);

    // A lazy compiler makes its code generator at its first compile.
    let lazy = Compiler::lazy();
    assert_eq!(lazy.functions(), 0);
    let mut jit = Jit::with(lazy.clone());
    let chain = jit.compile(&calls([1])).unwrap();
    assert_eq!(lazy.functions(), 1);
    let mut host = Script::answering([(1, 4)]);
    assert_eq!(jit.run(chain, &mut host, 0), 4);
}
