//! Chains run their steps in the order the host's answers dictate, leave with the host's exit
//! codes, and survive any start index.

use pbxc_codegen::{Host, Jit, local};

/// Answers each step from a script: `(expected step id, answer)`.
struct Script {
    answers: Vec<(u32, u32)>,
    seen: Vec<u32>,
}

impl Host for Script {
    fn step(&mut self, id: u32) -> u32 {
        self.seen.push(id);
        let (want, answer) = self.answers.remove(0);
        assert_eq!(id, want);
        answer
    }
}

#[test]
fn steps_follow_the_hosts_moves_and_exit_codes() {
    let mut jit = Jit::new().expect("a JIT for this machine");
    // Priority index k runs step 100 + k.
    let chain = jit.compile(&[100, 101, 102]).unwrap();
    // Fall through 0 → 1, loop back 1 → 0 twice, then 1 → 2, which leaves with 7.
    let mut host = Script {
        answers: vec![
            (100, local(1)),
            (101, local(0)),
            (100, local(1)),
            (101, local(0)),
            (100, local(1)),
            (101, local(2)),
            (102, 7),
        ],
        seen: Vec::new(),
    };
    assert_eq!(jit.run(chain, &mut host, 0), 7);
    assert_eq!(host.seen, [100, 101, 100, 101, 100, 101, 102]);

    // Start in the middle; a local move past the end leaves with its own code.
    let mut host = Script {
        answers: vec![(102, local(9))],
        seen: Vec::new(),
    };
    assert_eq!(jit.run(chain, &mut host, 2), local(9));
    // A start past the end runs nothing.
    let mut host = Script {
        answers: Vec::new(),
        seen: Vec::new(),
    };
    assert_eq!(jit.run(chain, &mut host, 3), 0);
    assert!(host.seen.is_empty());
}

#[test]
fn many_chains_coexist() {
    let mut jit = Jit::new().unwrap();
    let chains: Vec<_> = (0..200)
        .map(|n| jit.compile(&[n, n + 1]).unwrap())
        .collect();
    for (n, chain) in chains.iter().enumerate() {
        let n = n as u32;
        let mut host = Script {
            answers: vec![(n, local(1)), (n + 1, 3)],
            seen: Vec::new(),
        };
        assert_eq!(jit.run(*chain, &mut host, 0), 3);
    }
    assert!(jit.compile(&[]).is_ok());
}

#[test]
fn a_long_chain_runs_end_to_end() {
    let mut jit = Jit::new().unwrap();
    let ids: Vec<u32> = (0..1_000).collect();
    let chain = jit.compile(&ids).unwrap();
    // Walk it: every step moves to the next; the last leaves with 5.
    struct Walk(u32);
    impl Host for Walk {
        fn step(&mut self, id: u32) -> u32 {
            assert_eq!(id, self.0);
            self.0 += 1;
            if id == 999 { 5 } else { local(id + 1) }
        }
    }
    let mut host = Walk(0);
    assert_eq!(jit.run(chain, &mut host, 0), 5);
    assert_eq!(host.0, 1_000);
}
