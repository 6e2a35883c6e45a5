//! The `pbx` binary end to end: the daemon on a configuration directory, driven through its
//! control socket with `pbx -rx`, as an administrator would.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PBX: &str = env!("CARGO_BIN_EXE_pbx");

/// The daemon under test, killed if the test fails before it stops (a leftover daemon
/// would keep the test's output pipes open).
struct Daemon(Option<std::process::Child>);

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Daemon {
    /// `pbx --config DIR`, its log discarded.
    fn start(dir: &Path) -> Daemon {
        Daemon(Some(
            Command::new(PBX)
                .arg("--config")
                .arg(dir)
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        ))
    }
}

fn rx(dir: &Path, command: &str) -> (bool, String) {
    let out = Command::new(PBX)
        .arg("--config")
        .arg(dir)
        .arg("-rx")
        .arg(command)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_daemon_answers_on_its_private_socket_reloads_and_stops() {
    let dir = common::temp_dir("daemon");
    common::write_config(&dir, "[in]\nexten => 1,1,Answer()\n same => n,Wait(30)\n");
    let mut daemon = Daemon::start(&dir);
    let socket = dir.join("run/pbx.ctl");
    wait_for("the control socket", || socket.exists());

    // Private to its owner.
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&socket), 0o600);
    assert_eq!(mode(&dir.join("run")), 0o700);

    assert_eq!(
        rx(&dir, "core show calls"),
        (true, "0 active calls\n0 calls processed\n".into())
    );

    let (ok, answer) = rx(&dir, "channel originate Local/1@in application Wait 30");
    assert!(ok, "{answer}");
    wait_for("the call", || {
        rx(&dir, "core show calls").1.starts_with("2 active calls")
    });
    let (_, channels) = rx(&dir, "core show channels concise");
    let inside = channels
        .lines()
        .find(|l| l.contains(";2!"))
        .unwrap_or_else(|| panic!("{channels}"));
    assert!(inside.contains("!in!1!2!Up!Wait!30!"), "{inside}");

    // A configuration that does not check is refused; the running one stays.
    std::fs::write(
        dir.join("extensions.conf"),
        "[in]\nexten => 1,1,NoOp(${oops)\n",
    )
    .unwrap();
    let (ok, answer) = rx(&dir, "dialplan reload");
    assert!(!ok);
    assert!(
        answer.contains("rejected") && answer.contains("DP310"),
        "{answer}"
    );
    assert!(rx(&dir, "dialplan show in").1.contains("Wait(30)"));

    std::fs::write(
        dir.join("extensions.conf"),
        "[in]\nexten => 1,1,NoOp(new)\n",
    )
    .unwrap();
    assert_eq!(
        rx(&dir, "dialplan reload"),
        (true, "Dialplan reloaded.\n".into())
    );
    assert!(rx(&dir, "dialplan show in").1.contains("NoOp(new)"));

    // Unloading a driver in use is refused.
    let (ok, answer) = rx(&dir, "module unload chan_local");
    assert!(!ok && answer.contains("in use"), "{answer}");

    // Malformed input gets an error line, not a crash.
    let (ok, answer) = rx(&dir, "frobnicate the \u{1} channels");
    assert!(
        !ok && answer.starts_with("error: No such command"),
        "{answer}"
    );
    {
        use std::io::{Read, Write};
        let mut raw = std::os::unix::net::UnixStream::connect(&socket).unwrap();
        raw.write_all(&[0xff, 0xfe, b'\n']).unwrap();
        raw.shutdown(std::net::Shutdown::Write).unwrap();
        let mut answer = String::new();
        raw.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("error:"), "{answer}");
    }

    let name = inside.split('!').next().unwrap();
    let (ok, answer) = rx(&dir, &format!("channel request hangup {name}"));
    assert!(ok, "{answer}");
    wait_for("the hang-up", || {
        rx(&dir, "core show calls").1.starts_with("0 active calls")
    });

    assert!(rx(&dir, "core stop now").0);
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = daemon.0.as_mut().unwrap().try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the daemon did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success());
    assert!(!socket.exists(), "the socket outlived the daemon");
    // Two Local halves ran and left their CDRs.
    let cdr = std::fs::read_to_string(dir.join("run/cdr-csv/Master.csv")).unwrap();
    assert_eq!(cdr.lines().count(), 2, "{cdr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_a_daemon_rx_says_so() {
    let dir = common::temp_dir("nodaemon");
    let out = Command::new(PBX)
        .arg("--config")
        .arg(&dir)
        .arg("-rx")
        .arg("core show calls")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach the daemon"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_configuration_that_does_not_check_does_not_start() {
    let dir = common::temp_dir("badstart");
    common::write_config(&dir, "[in]\nexten => 1,1,NoOp(${oops)\n");
    let out = Command::new(PBX)
        .arg("--config")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("DP310"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_config_it_runs_the_built_in_example_with_its_prompts() {
    let cwd = common::temp_dir("embedded");
    let mut daemon = Daemon(Some(
        Command::new(PBX)
            .current_dir(&cwd)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    ));
    let socket = cwd.join("run/pbx.ctl");
    wait_for("the control socket", || socket.exists());
    let rx = |command: &str| {
        let out = Command::new(PBX)
            .current_dir(&cwd)
            .args(["-rx", command])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(rx("dialplan show ivr").contains("Background(demo-congrats)"));
    // The echo test's prompt is built in: the call is still in Playback after a moment.
    assert!(
        rx("channel originate Local/600@features application Wait 3").starts_with("Originating")
    );
    wait_for("the prompt", || {
        rx("core show channels").contains("Playback(demo-echotest)")
    });
    assert!(rx("core stop now").starts_with("Stopping"));
    let out = daemon.0.take().unwrap().wait_with_output().unwrap();
    assert!(out.status.success());
    // asterisk.conf's `verbose = 3` shows every executed priority, as Asterisk does.
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("Executing [600@features:2] Playback(\"Local/600@features-"),
        "{log}"
    );
    let _ = std::fs::remove_dir_all(&cwd);
}

#[test]
fn sighup_reloads_the_console_talks_and_a_graceful_stop_waits_for_calls() {
    let dir = common::temp_dir("console");
    common::write_config(&dir, "[in]\nexten => 1,1,NoOp(old)\n same => n,Wait(1)\n");
    // The call below is never answered: its record is written only with `unanswered`.
    std::fs::write(
        dir.join("cdr.conf"),
        "[general]\nunanswered = yes\n[csv]\naccountlogs = yes\n",
    )
    .unwrap();
    let mut daemon = Daemon::start(&dir);
    let pid = daemon.0.as_ref().unwrap().id().to_string();
    wait_for("the control socket", || dir.join("run/pbx.ctl").exists());

    std::fs::write(
        dir.join("extensions.conf"),
        "[in]\nexten => 1,1,NoOp(new)\n same => n,Wait(1)\n",
    )
    .unwrap();
    assert!(
        Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .unwrap()
            .success()
    );
    wait_for("the reload", || {
        rx(&dir, "dialplan show in").1.contains("NoOp(new)")
    });

    // The console: one command per line, answers printed, `exit` leaves.
    let mut console = Command::new(PBX)
        .arg("--config")
        .arg(&dir)
        .arg("-r")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let stdin = console.stdin.as_mut().unwrap();
        stdin
            .write_all(b"core show calls\n\ndialplan show in\nexit\n")
            .unwrap();
    }
    let out = console.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("pbx*CLI> 0 active calls\n0 calls processed\n"),
        "{text}"
    );
    assert!(text.contains("NoOp(new)"), "{text}");

    // A graceful stop lets the call in progress finish first (the `;2` half runs a second
    // and is never answered, so `;1` never starts).
    assert!(rx(&dir, "channel originate Local/1@in application Wait 1").0);
    wait_for("the call", || {
        rx(&dir, "core show calls").1.starts_with("1 active call\n")
    });
    let asked = Instant::now();
    assert!(rx(&dir, "core stop gracefully").0);
    let status = daemon.0.as_mut().unwrap().wait().unwrap();
    assert!(status.success());
    assert!(
        asked.elapsed() >= Duration::from_millis(500),
        "it did not wait for the call"
    );
    let cdr = std::fs::read_to_string(dir.join("run/cdr-csv/Master.csv")).unwrap();
    assert_eq!(cdr.lines().count(), 1, "{cdr}");
    assert!(cdr.contains("\"Wait\",\"1\""), "{cdr}");
    let _ = std::fs::remove_dir_all(&dir);
}
