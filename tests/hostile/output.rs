//! Exits and output: ending the process early, closing the output fds, flooding them, and
//! bytes that are not UTF-8.

use crate::harness::{QUICK, case, end_kind, error, expect, expect_claims_pass, stdout_of};

#[test]
fn os_exit_mid_output_keeps_earlier_output() {
    let code = "import os\nprint('a')  # a\nos._exit(0)\nprint('b')  # b\n";
    let run = case("os-exit-0", code, QUICK);
    expect(&run, "exited", 1);
    assert_eq!(stdout_of(&run, 1), "a\n", "{}", run.stdout);
    let claims = run.json()["claims"].as_array().expect("claims");
    assert_eq!(claims[0]["verdict"], "pass", "{}", run.stdout);
    assert_eq!(claims[1]["verdict"], "unchecked", "{}", run.stdout);
    assert_eq!(run.json()["statements"][3]["ran"], false, "{}", run.stdout);
}

#[test]
fn sys_exit_3_is_an_exit_with_an_error() {
    let code = "import sys\nprint('a')  # a\nsys.exit(3)\nprint('b')  # b\n";
    let run = case("sys-exit-3", code, QUICK);
    expect(&run, "exited", 1);
    assert_eq!(error(&run)["type"], "SystemExit", "{}", run.stdout);
    let claims = run.json()["claims"].as_array().expect("claims");
    assert_eq!(claims[0]["verdict"], "pass", "{}", run.stdout);
    assert_eq!(claims[1]["verdict"], "unchecked", "{}", run.stdout);
}

#[test]
fn closing_fds_1_and_2_then_printing() {
    let code = "import os\nos.close(1)\nos.close(2)\nprint('still here')  # still here\n";
    let run = case("close-stdout-stderr", code, QUICK);
    expect(&run, "completed", 0);
    expect_claims_pass(&run);
}

#[test]
fn huge_finite_print_is_truncated() {
    let code = "for i in range(200000):\n    print('x' * 100)\nprint('done')  # done\n";
    let run = case("huge-print", code, QUICK);
    assert!(
        matches!(crate::harness::outcome(&run), "completed" | "output-limit"),
        "{}",
        &run.stdout[..run.stdout.len().min(2000)]
    );
    let printed = stdout_of(&run, 0).len();
    assert!(printed <= (1 << 20) + 1024, "{printed} bytes kept of 20 MB");
    assert!(
        run.stdout.len() < 8 << 20,
        "the report is {} bytes",
        run.stdout.len()
    );
}

#[test]
fn flood_on_the_raw_stdout_fd_hits_the_output_limit() {
    let code = "import os\nwhile True:\n    os.write(1, b'x' * 65536)\n";
    let run = case("raw-fd-flood", code, QUICK);
    expect(&run, "output-limit", 1);
    assert_eq!(
        end_kind(&run),
        "output-limit",
        "{}",
        &run.stdout[..2000.min(run.stdout.len())]
    );
    let stray = run.json()["stray_output"].as_str().unwrap_or("");
    assert!(
        stray.len() <= 1 << 20,
        "{} bytes of stray output kept",
        stray.len()
    );
}

#[test]
fn endless_print_loop_hits_the_output_limit() {
    let code = "while True:\n    print('x' * 1000)\n";
    let run = case("print-forever", code, QUICK);
    expect(&run, "output-limit", 1);
    assert!(
        run.stdout.len() < 8 << 20,
        "the report is {} bytes",
        run.stdout.len()
    );
}

#[test]
fn invalid_utf8_on_stdout_buffer_is_escaped() {
    let code = "import sys\nsys.stdout.buffer.write(b'\\xff\\xfe ok\\n')\n";
    let run = case("invalid-utf8", code, QUICK);
    expect(&run, "completed", 0);
    assert_eq!(stdout_of(&run, 1), "\\xff\\xfe ok\n", "{}", run.stdout);
}

#[test]
fn lone_surrogate_print_raises_as_in_python3() {
    let code = "print('\\udc80')\nprint('next')  # next\n";
    let run = case("lone-surrogate", code, QUICK);
    expect(&run, "raised", 1);
    assert_eq!(error(&run)["type"], "UnicodeEncodeError", "{}", run.stdout);
    assert_eq!(run.json()["claims"][0]["verdict"], "pass", "{}", run.stdout);
}
