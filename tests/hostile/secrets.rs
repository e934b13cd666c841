//! Secrets of the host and of the runner: files outside the sandbox, /proc, the runner's
//! environment (the binary runs with SNIPCHECK_TEST_SECRET set; the harness checks that
//! its value never shows up in any report).

use crate::harness::{
    QUICK, SECRET_NAME, case, expect, expect_blocked, expect_claims_pass, statement, stdout_of,
};

#[test]
fn etc_shadow_is_unreadable() {
    let run = case("read-shadow", "print(open('/etc/shadow').read())\n", QUICK);
    expect_blocked(&run, "access outside scratch (/etc/shadow)");
}

#[test]
fn root_home_and_ssh_keys_are_unreadable() {
    let code = "import os\nos.listdir('/root')\nopen('/root/.ssh/id_rsa').read()\nos.listdir('/root/.ssh')\n";
    let run = case("read-root-ssh", code, QUICK);
    expect_blocked(&run, "access outside scratch (/root");
    for index in 1..=3 {
        let exception = &statement(&run, index)["exception"];
        assert_eq!(
            exception["type"], "PermissionError",
            "statement {index}: {}",
            run.stdout
        );
        assert!(
            exception["blocked"].is_string(),
            "statement {index}: {}",
            run.stdout
        );
    }
}

#[test]
fn world_readable_file_outside_scratch_is_unreadable() {
    let run = case("read-victim", "print(open('{VICTIM}').read())\n", QUICK);
    expect_blocked(&run, "access outside scratch (");
    assert!(
        !run.stdout.contains("must not touch"),
        "the victim's text leaked:\n{}",
        run.stdout
    );
}

#[test]
fn proc_environ_cmdline_and_mem_are_unreachable() {
    let code = r#"
import os
open('/proc/self/environ', 'rb').read()
open('/proc/1/environ', 'rb').read()
open(f'/proc/{os.getppid()}/environ', 'rb').read()
open(f'/proc/{os.getppid()}/cmdline', 'rb').read()
open(f'/proc/{os.getppid()}/stat').read()
os.listdir('/proc')
open(f'/proc/{os.getppid()}/mem', 'r+b')
"#;
    let run = case("read-proc", code, QUICK);
    expect_blocked(&run, "access outside scratch (/proc/self/environ)");
    for index in 1..=7 {
        let exception = &statement(&run, index)["exception"];
        assert_eq!(
            exception["type"], "PermissionError",
            "statement {index}: {}",
            run.stdout
        );
        assert!(
            exception["blocked"].is_string(),
            "statement {index}: {}",
            run.stdout
        );
    }
}

#[test]
fn runner_environment_is_not_inherited() {
    let code = r#"
import os
print('{SECRET_NAME}' in os.environ)  # False
print(any(key.startswith(('CARGO', 'RUST', 'SNIPCHECK')) for key in os.environ))  # False
print(dict(os.environ))
"#;
    let run = case("environ", code, QUICK);
    expect(&run, "completed", 0);
    expect_claims_pass(&run);
    assert!(!stdout_of(&run, 3).contains(SECRET_NAME), "{}", run.stdout);
}

#[test]
fn inherited_stack_holds_no_runner_environment() {
    // What the process was exec'd with (argv and environment strings, still on the stack of
    // the zygote every child is forked from), read straight from memory with ctypes.
    let code = r#"
import ctypes
libc = ctypes.CDLL(None)
libc.getauxval.restype = ctypes.c_ulong
execfn = libc.getauxval(31)
argv0 = ctypes.c_void_p.in_dll(libc, "program_invocation_name").value
strings = ctypes.string_at(argv0, execfn - argv0) + ctypes.string_at(execfn)
print(len(strings) > 0)  # True
print(b'{SECRET_NAME}' in strings, b'CARGO' in strings)  # False False
print(strings)
"#;
    let run = case("stack-scan", code, QUICK);
    expect(&run, "completed", 0);
    expect_claims_pass(&run);
    assert!(!stdout_of(&run, 8).contains(SECRET_NAME), "{}", run.stdout);
}

#[test]
fn only_the_documented_fds_are_open() {
    // stdin (/dev/null), stdout, stderr and the result channel: no socket to the zygote or the
    // runner, no fd of another run.
    let code = r#"
import os, stat
def is_open(fd):
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False
print([fd for fd in range(4096) if is_open(fd)])  # [0, 1, 2, 3]
print([stat.S_ISFIFO(os.fstat(fd).st_mode) for fd in (1, 2, 3)])  # [True, True, True]
print(stat.S_ISCHR(os.fstat(0).st_mode))  # True
"#;
    let run = case("open-fds", code, QUICK);
    expect(&run, "completed", 0);
    expect_claims_pass(&run);
}

/// The snippet's effective, permitted and inheritable capabilities, by capget(2).
pub const CAPABILITIES: &str = r#"
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
class Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]
class Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]
header = Header(0x20080522, 0)
data = (Data * 2)()
print(libc.capget(ctypes.byref(header), data))  # 0
print([d.effective for d in data], [d.permitted for d in data])  # [0, 0] [0, 0]
"#;

#[test]
fn the_snippet_holds_no_capabilities() {
    let run = case("capabilities", CAPABILITIES, QUICK);
    expect(&run, "completed", 0);
    expect_claims_pass(&run);
}

#[test]
fn runner_proc_environ_and_cmdline_are_unreadable() {
    // The runner (which holds the secret in its environment) is the zygote's parent, started
    // just before it: its pid is among the few below the zygote's.
    let code = r#"
import os
readable = []
for pid in range(max(2, os.getppid() - 64), os.getppid() + 1):
    for name in ('environ', 'cmdline', 'maps', 'mem'):
        try:
            with open(f'/proc/{pid}/{name}', 'rb') as handle:
                handle.read(64)
            readable.append((pid, name))
        except OSError:
            pass
print(readable)  # []
"#;
    let run = case("read-runner-proc", code, QUICK);
    expect(&run, "completed", 0);
    expect_claims_pass(&run);
}
