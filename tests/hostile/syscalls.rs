//! Straight to the kernel through ctypes: ptrace, process_vm_readv, raw syscall numbers, a
//! segfault and an i386 `int 0x80` from hand-written machine code.

use crate::harness::{QUICK, case, expect, expect_claims_pass, expect_signal};

#[test]
fn ptrace_is_denied() {
    let code = r#"
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
print(libc.ptrace(16, os.getppid(), None, None), ctypes.get_errno())  # -1 1
print(libc.ptrace(0, 0, None, None), ctypes.get_errno())  # -1 1
"#;
    let run = case("ptrace-attach", code, QUICK);
    expect(&run, "completed", 0);
    expect_claims_pass(&run);
}

#[test]
fn process_vm_readv_is_denied() {
    let code = r#"
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
buf = ctypes.create_string_buffer(64)
local = iovec(ctypes.cast(buf, ctypes.c_void_p), 64)
remote = iovec(0x400000, 64)
print(libc.process_vm_readv(os.getppid(), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0), ctypes.get_errno())  # -1 1
"#;
    let run = case("process-vm-readv", code, QUICK);
    expect(&run, "completed", 0);
    expect_claims_pass(&run);
}

#[test]
fn null_pointer_read_is_a_crash() {
    let code =
        "import ctypes\nprint('before')  # before\nctypes.string_at(0)\nprint('after')  # after\n";
    let run = case("segfault", code, QUICK);
    expect_signal(&run, 11);
    let claims = run.json()["claims"].as_array().expect("claims");
    assert_eq!(claims[0]["verdict"], "pass", "{}", run.stdout);
    assert_eq!(claims[1]["verdict"], "unchecked", "{}", run.stdout);
}

#[test]
fn raw_syscalls_get_the_documented_errno() {
    // As bubblewrap's test-seccomp.py: the exact errno of each denied call, by number.
    let code = r#"
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def call(number, *args):
    ctypes.set_errno(0)
    result = libc.syscall(number, *[ctypes.c_long(a) for a in args])
    return result, ctypes.get_errno() if result == -1 else 0
print(call(41, 2, 1, 0))  # (-1, 1)
print(call(41, 1, 1, 0))  # (-1, 1)
print(call(272, 0x40000000))  # (-1, 1)
print(call(272, 0x10000000))  # (-1, 1)
print(call(56, 17, 0, 0, 0, 0))  # (-1, 1)
print(call(435, 0, 0))  # (-1, 38)
DENIED = {
    "fork": (57,), "execve": (59, 0, 0, 0), "ptrace": (101, 0, 0, 0, 0),
    "process_vm_writev": (311, 1, 0, 0, 0, 0, 0), "mount": (165, 0, 0, 0, 0, 0),
    "umount2": (166, 0, 0), "pivot_root": (155, 0, 0), "chroot": (161, 0), "setns": (308, 0, 0),
    "bpf": (321, 0, 0, 0), "perf_event_open": (298, 0, 0, 0, 0, 0), "userfaultfd": (323, 0),
    "io_uring_setup": (425, 1, 0), "io_uring_enter": (426, 0, 0, 0, 0, 0, 0),
    "io_uring_register": (427, 0, 0, 0, 0), "keyctl": (250, 0, 0), "add_key": (248, 0, 0, 0, 0, 0),
    "request_key": (249, 0, 0, 0, 0), "kexec_load": (246, 0, 0, 0, 0), "reboot": (169, 0, 0, 0, 0),
    "init_module": (175, 0, 0, 0), "finit_module": (313, 0, 0, 0), "delete_module": (176, 0, 0),
    "setsid": (112,), "setpgid": (109, 0, 0), "setrlimit": (160, 7, 0),
    "prlimit64 (set)": (302, 0, 7, 1, 0), "open_by_handle_at": (304, 0, 0, 0),
    "name_to_handle_at": (303, 0, 0, 0, 0, 0), "iopl": (172, 3), "ioperm": (173, 0, 1, 1),
    "swapon": (167, 0, 0), "acct": (163, 0), "settimeofday": (164, 0, 0),
    "clock_settime": (227, 0, 0), "syslog": (103, 0, 0, 0), "quotactl": (179, 0, 0, 0, 0),
    "fanotify_init": (300, 0, 0), "pidfd_getfd": (438, 0, 0, 0), "mknod": (133, 0, 0, 0),
    "mknodat": (259, 0, 0, 0, 0), "personality": (135, 0xffffffff),
}
print([name for name, args in DENIED.items() if call(*args) != (-1, 1)])  # []
print(call(53, 1, 1, 0, 0))  # (-1, 14)
"#;
    let run = case("raw-syscalls", code, QUICK);
    expect(&run, "completed", 0);
    expect_claims_pass(&run);
}

#[test]
fn pidfd_signal_to_the_zygote_is_denied() {
    let code = r#"
import ctypes, os, signal
libc = ctypes.CDLL(None, use_errno=True)
pidfd = libc.syscall(434, os.getppid(), 0)
print(libc.syscall(424, pidfd, signal.SIGKILL, None, 0), ctypes.get_errno())  # -1 1
"#;
    let run = case("pidfd-send-signal", code, QUICK);
    expect(&run, "completed", 0);
    expect_claims_pass(&run);
}

#[test]
fn int_0x80_from_machine_code_kills_the_process() {
    // mov eax, 20 (i386 getpid); int 0x80; ret: a syscall of a foreign arch, which the seccomp
    // filter's arch check answers with a kill (SIGSYS).
    let code = r#"
import ctypes, mmap
stub = bytes([0xb8, 20, 0, 0, 0, 0xcd, 0x80, 0xc3])
page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
page.write(stub)
address = ctypes.addressof(ctypes.c_char.from_buffer(page))
function = ctypes.CFUNCTYPE(ctypes.c_int)(address)
print(function())
"#;
    let run = case("int-0x80", code, QUICK);
    expect_signal(&run, 31);
}

#[test]
fn abort_is_a_crash_with_sigabrt() {
    let run = case("abort", "import os\nos.abort()\n", QUICK);
    expect_signal(&run, 6);
}
