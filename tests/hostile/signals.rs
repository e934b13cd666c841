//! Signals aimed outside the sandbox: the zygote, every process (-1), the process group, and a
//! sentinel the test started (checked alive after every case by the harness).

use crate::harness::{
    QUICK, case, expect, expect_blocked, expect_claims_pass, expect_signal, stdout_of,
};

#[test]
fn sigkill_to_the_zygote_is_blocked() {
    let code = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nprint(1 + 1)  # 2\n";
    let run = case("kill-zygote", code, QUICK);
    expect_blocked(&run, "signal");
    assert_eq!(stdout_of(&run, 2), "2\n", "{}", run.stdout);
}

#[test]
fn sigstop_to_the_zygote_is_blocked() {
    let code = "import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)\n";
    let run = case("stop-zygote", code, QUICK);
    expect_blocked(&run, "signal");
}

#[test]
fn sigkill_to_every_process_reaches_none() {
    // kill(-1) skips the caller; every other process is out of reach, so it "succeeds" having
    // signalled nothing. The sentinel and the runner must live on.
    let code = "import os, signal\nos.kill(-1, signal.SIGKILL)\nprint('alive')  # alive\n";
    let run = case("kill-everyone", code, QUICK);
    expect(&run, "completed", 0);
    expect_claims_pass(&run);
}

#[test]
fn killpg_of_its_own_group_kills_only_the_snippet() {
    // The child shares the zygote's process group; the zygote is out of reach, the snippet is
    // not: it dies by its own SIGKILL and the run reports the crash.
    let code = "import os, signal\nos.killpg(os.getpgid(0), signal.SIGKILL)\n";
    let run = case("killpg-own-group", code, QUICK);
    expect_signal(&run, 9);
}

#[test]
fn sigkill_to_a_host_process_is_blocked() {
    let code = "import os, signal\nos.kill({SENTINEL_PID}, signal.SIGKILL)\n";
    let run = case("kill-sentinel", code, QUICK);
    expect_blocked(&run, "signal");
}

#[test]
fn sigstop_to_itself_is_still_killed_at_the_timeout() {
    // A stopped child neither exits nor closes its pipes; the wall clock and SIGKILL still
    // end it.
    let code = "import os, signal\nos.kill(os.getpid(), signal.SIGSTOP)\n";
    let run = case("self-stop", code, crate::harness::SHORT);
    crate::harness::expect_timeout(&run, crate::harness::SHORT.timeout);
}
