//! SHELL in the running PBX (func_shell.c): the command's output in a call, and no shell,
//! pipe or descriptor left behind by 300 calls, a third of them hung up while their command
//! still runs. (A file of its own: the descriptor count is the whole process's.)

mod common;

use std::time::{Duration, Instant};

use pbx::scripted::Script;

const DIALPLAN: &str = "\
[in]
exten => s,1,Set(greeting=${SHELL(printf 'hello %s' ${CALLERID(num)})})
 same => n,Set(lines=${SHELL(yes | head -c 9000)})
 same => n,Set(empty=${SHELL()}.)
 same => n,Hangup()
exten => slow,1,Answer()
 same => n,Set(done=${SHELL(sleep 0.2\\; echo late)})
 same => n,Hangup()
";

/// The shell's children of this process, on every thread.
fn child_processes() -> usize {
    std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
        .map(|task| {
            std::fs::read_to_string(task.path().join("children"))
                .unwrap_or_default()
                .split_whitespace()
                .count()
        })
        .sum()
}

#[test]
fn shell_commands_run_and_leave_nothing_behind() {
    let f = common::fixture("shell", DIALPLAN);
    let (chan, _) = f.call("in", "s", Script::default());
    f.settle();
    assert_eq!(chan.final_var("greeting").as_deref(), Some("hello 100"));
    // The function's buffer keeps 4095 bytes of the 9,000.
    assert_eq!(
        chan.final_var("lines"),
        Some("y\n".repeat(2048)[..4095].to_string())
    );
    assert_eq!(chan.final_var("empty").as_deref(), Some("."));

    let fds = common::open_fds();
    for i in 0..300 {
        if i % 3 == 0 {
            // Hung up while `sleep` runs: the function still waits for its shell.
            f.call("in", "slow", common::hangup_after(50));
        } else {
            f.call("in", "s", Script::default());
        }
        if i % 50 == 49 {
            f.settle();
        }
    }
    f.settle();
    assert_eq!(child_processes(), 0, "shells left running or unreaped");
    let deadline = Instant::now() + Duration::from_secs(2);
    while f.pbx.tasks() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(common::open_fds(), fds, "file descriptors leaked");
}
