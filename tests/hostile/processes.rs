//! New processes: fork, exec and every spawning API are denied by seccomp (nothing runs: the
//! command would create a marker on the host); threads are capped.

use crate::harness::{QUICK, case, error, expect, expect_blocked, statement, stdout_of};

#[test]
fn fork_bomb_is_blocked() {
    let code = "import os\nwhile True:\n    os.fork()\n";
    let run = case("fork-bomb", code, QUICK);
    expect_blocked(&run, "process creation");
}

#[test]
fn thread_bomb_is_contained() {
    let code = r#"
import threading, time
threads = []
try:
    while True:
        thread = threading.Thread(target=time.sleep, args=(60,), daemon=True)
        thread.start()
        threads.append(thread)
finally:
    print(0 < len(threads) < 64)
"#;
    let run = case("thread-bomb", code, QUICK);
    expect(&run, "raised", 1);
    assert_eq!(error(&run)["type"], "RuntimeError", "{}", run.stdout);
    assert_eq!(stdout_of(&run, 2), "True\n", "{}", run.stdout);
}

#[test]
fn subprocess_run_executes_nothing() {
    let code = "import subprocess\nsubprocess.run(['/usr/bin/touch', '{MARKER}'])\n";
    let run = case("subprocess-run", code, QUICK);
    expect_blocked(&run, "process creation");
}

#[test]
fn os_system_executes_nothing() {
    // glibc's system() reports a failed spawn as "exit status 127"; no exception in Python.
    let code = "import os\nos.system('/usr/bin/touch {MARKER}')\n";
    let run = case("os-system", code, QUICK);
    expect(&run, "completed", 0);
    assert_eq!(statement(&run, 1)["value"], "32512", "{}", run.stdout);
}

#[test]
fn posix_spawn_executes_nothing() {
    let code = "import os\nos.posix_spawn('/usr/bin/touch', ['touch', '{MARKER}'], {})\n";
    let run = case("posix-spawn", code, QUICK);
    expect_blocked(&run, "process creation");
}

#[test]
fn execv_executes_nothing() {
    let code = "import os\nos.execv('/usr/bin/touch', ['touch', '{MARKER}'])\nprint(1 + 1)  # 2\n";
    let run = case("execv", code, QUICK);
    expect_blocked(&run, "process creation");
    // The interpreter is still the one running: the next statement ran.
    assert_eq!(stdout_of(&run, 2), "2\n", "{}", run.stdout);
}

#[test]
fn multiprocessing_is_blocked() {
    let code = r#"
import multiprocessing
child = multiprocessing.Process(target=open, args=("{MARKER}", "w"))
child.start()
"#;
    let run = case("multiprocessing", code, QUICK);
    expect_blocked(&run, "process creation");
}
