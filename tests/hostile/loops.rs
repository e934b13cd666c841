//! Endless loops: the wall clock is enforced by a SIGKILL from outside, whatever the snippet
//! does about exceptions and signals.

use crate::harness::{SHORT, case, expect_timeout, stdout_of};

#[test]
fn pure_python_loop_is_killed_at_the_timeout() {
    let run = case("loop-python", "while True:\n    pass\n", SHORT);
    expect_timeout(&run, SHORT.timeout);
}

#[test]
fn loop_inside_one_c_call_is_killed_at_the_timeout() {
    // One C call: no eval-loop check ever runs, so only a kill from outside ends it.
    let run = case(
        "loop-c-level",
        "print('start')  # start\nsum(range(10**12))\n",
        SHORT,
    );
    expect_timeout(&run, SHORT.timeout);
    assert_eq!(stdout_of(&run, 0), "start\n", "{}", run.stdout);
    assert_eq!(run.json()["claims"][0]["verdict"], "pass", "{}", run.stdout);
}

#[test]
fn loop_catching_every_base_exception_is_killed() {
    let code = r#"
while True:
    try:
        while True:
            pass
    except BaseException:
        pass
"#;
    let run = case("loop-catch-all", code, SHORT);
    expect_timeout(&run, SHORT.timeout);
}

#[test]
fn loop_ignoring_every_catchable_signal_is_killed() {
    let code = r#"
import signal
for number in range(1, signal.NSIG):
    try:
        signal.signal(number, signal.SIG_IGN)
    except (OSError, ValueError, RuntimeError):
        pass
while True:
    try:
        pass
    except BaseException:
        pass
"#;
    let run = case("loop-signals-ignored", code, SHORT);
    expect_timeout(&run, SHORT.timeout);
}
