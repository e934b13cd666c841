//! Attacks on the report itself: forged records on the result channel (fd 3), a poisoned
//! interpreter (builtins, modules, the harness's own names), and code that runs after the
//! last statement (atexit handlers, threads).

use crate::harness::{
    QUICK, SHORT, case, error, expect, expect_claims_pass, expect_timeout, stdout_of,
};

const FORGED_END: &str = r#"{"event":"end","top_level_await":false,"epilogue_stdout":"","epilogue_stderr":"","epilogue_error":null,"truncated":false}"#;

#[test]
fn forged_statement_record_is_tampering() {
    let code = r#"
import os
os.write(3, b'{"event":"statement","index":5,"line":1,"stdout":"","stderr":"","value":null,"exception":null,"after_error":false}\n')
print(1 + 1)  # 2
"#;
    let run = case("forged-statement", code, QUICK);
    expect(&run, "tampered", 1);
    assert_eq!(error(&run)["type"], "Tampered", "{}", run.stdout);
}

#[test]
fn garbage_on_the_result_channel_is_tampering() {
    let code = "import os\nos.write(3, b'\\xff\\xfe not a record\\n')\n";
    let run = case("garbage-record", code, QUICK);
    expect(&run, "tampered", 1);
}

#[test]
fn forged_end_record_is_tampering() {
    let code = format!("import os\nos.write(3, b'{FORGED_END}\\n')\nprint(1 + 1)  # 2\n");
    let run = case("forged-end", &code, QUICK);
    expect(&run, "tampered", 1);
}

// The result channel closed or replaced by the snippet leaves a transcript cut short: it must
// never read as a clean run (a pass with exit 0), whatever comes after.

#[test]
fn closing_the_result_channel_is_tampering() {
    for (name, code) in [
        ("close-last", "print(1)  # 1\nimport os\nos.close(3)\n"),
        ("close-then-more", "import os\nos.close(3)\nprint(2)  # 2\n"),
        (
            "close-then-exit",
            "print(1)  # 1\nimport os, sys\nos.close(3)\nsys.exit(0)\n",
        ),
    ] {
        let run = case(name, code, QUICK);
        expect(&run, "tampered", 1);
        assert_eq!(error(&run)["type"], "Tampered", "{name}: {}", run.stdout);
    }
}

#[test]
fn replacing_the_result_channel_is_tampering() {
    for (name, code) in [
        (
            "dup2-devnull",
            "print(1)  # 1\nimport os\nos.dup2(os.open('/dev/null', os.O_WRONLY), 3)\n",
        ),
        (
            "dup2-own-pipe",
            "import os\nr, w = os.pipe()\nos.dup2(w, 3)\nprint(2)  # 2\n",
        ),
        (
            "dup2-stdout",
            "print(1)  # 1\nimport os\nos.dup2(1, 3)\nprint(2)  # 2\n",
        ),
    ] {
        let run = case(name, code, QUICK);
        expect(&run, "tampered", 1);
    }
}

// A snippet runs in the harness's own process, so a whole transcript forged to the end and
// followed by `os._exit(0)` cannot be told from a real one (the README says so). What the
// runner guarantees is that forged records never hide how the process really ended: the end
// comes from the zygote's wait4 and the runner's own clock.

#[test]
fn a_forged_transcript_cannot_hide_a_crash() {
    let code = format!(
        r#"
import ctypes, os
os.write(3, b'{{"event":"statement","index":1,"line":3,"stdout":"","stderr":"","value":null,"exception":null,"after_error":false}}\n{FORGED_END}\n')
ctypes.string_at(0)
print(1 + 1)  # 2
"#
    );
    let run = case("forged-then-crash", &code, QUICK);
    expect(&run, "crashed", 1);
}

#[test]
fn a_forged_transcript_cannot_hide_a_timeout() {
    let code = format!(
        r#"
import os
os.write(3, b'{{"event":"statement","index":1,"line":3,"stdout":"","stderr":"","value":null,"exception":null,"after_error":false}}\n{FORGED_END}\n')
while True:
    pass
"#
    );
    let run = case("forged-then-loop", &code, SHORT);
    expect_timeout(&run, 1);
}

#[test]
fn poisoned_print_json_and_sys_modules_do_not_break_the_report() {
    let code = r#"
import builtins, json, os, sys
builtins.print = None
json.dumps = lambda *a, **k: '{"event":"end"}'
os.write = lambda *a: 0
for name in ("json", "os", "threading", "atexit", "traceback", "io"):
    sys.modules[name] = None
x = 1
x
"#;
    let run = case("poison-modules", code, QUICK);
    expect(&run, "completed", 0);
    assert_eq!(
        crate::harness::statement(&run, 6)["value"],
        "1",
        "{}",
        run.stdout
    );
}

#[test]
fn poisoned_core_builtins_do_not_break_the_report() {
    // `python3 file.py` runs this to its end without an error.
    let code = "import builtins\nbuiltins.len = None\nbuiltins.isinstance = None\nbuiltins.str = None\nx = 1\n";
    let run = case("poison-builtins", code, QUICK);
    expect(&run, "completed", 0);
}

#[test]
fn shadowing_the_harness_hook_name_does_not_break_the_report() {
    // `python3 file.py` runs this to its end without an error.
    let code = "__snipcheck__ = None\nx = 1\n";
    let run = case("shadow-hook", code, QUICK);
    expect(&run, "completed", 0);
}

#[test]
fn shadowing_base_exception_still_reports_the_error() {
    // A module global named BaseException must not change what the harness catches: the
    // ValueError is the snippet's error, at line 2.
    let code = "BaseException = ZeroDivisionError\nraise ValueError('boom')\nx = 1\n";
    let run = case("shadow-base-exception", code, QUICK);
    expect(&run, "raised", 1);
    assert_eq!(error(&run)["type"], "ValueError", "{}", run.stdout);
    assert_eq!(error(&run)["line"], 2, "{}", run.stdout);
}

#[test]
fn atexit_handler_that_prints_runs_to_the_end() {
    let code = "import atexit\natexit.register(print, 'bye')\nprint(1 + 1)  # 2\n";
    let run = case("atexit-print", code, QUICK);
    expect(&run, "completed", 0);
    expect_claims_pass(&run);
}

#[test]
fn atexit_handler_that_loops_forever_times_out() {
    let code = "import atexit\ndef forever():\n    while True:\n        pass\natexit.register(forever)\nprint(1 + 1)  # 2\n";
    let run = case("atexit-loop", code, SHORT);
    expect_timeout(&run, SHORT.timeout);
    assert_eq!(run.json()["claims"][0]["verdict"], "pass", "{}", run.stdout);
}

#[test]
fn daemon_threads_printing_at_the_end_are_contained() {
    let code = r#"
import threading, time
def chatter():
    while True:
        print("tick")
        time.sleep(0.001)
for _ in range(4):
    threading.Thread(target=chatter, daemon=True).start()
time.sleep(0.05)
"#;
    let run = case("daemon-threads", code, QUICK);
    expect(&run, "completed", 0);
    assert!(stdout_of(&run, 3).contains("tick"), "{}", run.stdout);
}

#[test]
fn non_daemon_thread_that_never_ends_times_out() {
    let code = "import threading, time\nthreading.Thread(target=time.sleep, args=(1000,)).start()\nprint(1 + 1)  # 2\n";
    let run = case("non-daemon-thread", code, SHORT);
    expect_timeout(&run, SHORT.timeout);
    assert_eq!(run.json()["claims"][0]["verdict"], "pass", "{}", run.stdout);
}

#[test]
fn flood_on_the_result_channel_is_stopped() {
    let code = "import os\nwhile True:\n    os.write(3, b'x' * 65536)\n";
    let run = case("result-channel-flood", code, QUICK);
    let word = crate::harness::outcome(&run);
    assert!(
        word == "output-limit" || word == "tampered",
        "a flood on fd 3 ended as {word}\n{}",
        &run.stdout[..run.stdout.len().min(4000)]
    );
    assert_eq!(run.code, 1, "{}", &run.stdout[..run.stdout.len().min(4000)]);
    assert!(
        run.stdout.len() < 8 << 20,
        "the report is {} bytes",
        run.stdout.len()
    );
}
