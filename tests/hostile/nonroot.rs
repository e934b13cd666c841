//! The same attacks as an unprivileged user (`setpriv` to nobody): no cgroup and no uid drop,
//! but the user + network namespace, the tmpfs, rlimits, no_new_privs, Landlock and seccomp.
//! The open victim and the sentinel belong to nobody here, so only the sandbox protects them.

use crate::harness::{
    Opts, case, expect, expect_blocked, expect_claims_pass, expect_memory, stdout_of,
};

const NOBODY: Opts = Opts::nobody(3);

#[test]
fn tcp_connect_as_nobody_is_blocked() {
    let code = "import socket\nsocket.create_connection(('127.0.0.1', {TCP_PORT}), timeout=1)\n";
    let run = case("nobody-tcp-connect", code, NOBODY);
    expect_blocked(&run, "network");
}

#[test]
fn unix_socket_as_nobody_is_blocked() {
    let code = "import socket\nsock = socket.socket(socket.AF_UNIX)\nsock.connect('{UNIX_PATH}')\n";
    let run = case("nobody-unix-connect", code, NOBODY);
    expect_blocked(&run, "network");
}

#[test]
fn write_to_own_file_outside_scratch_as_nobody_is_blocked() {
    let run = case(
        "nobody-write-victim",
        "open('{OPEN_VICTIM}', 'w').write('pwned')\n",
        NOBODY,
    );
    expect_blocked(&run, "access outside scratch (");
}

#[test]
fn delete_own_file_outside_scratch_as_nobody_is_blocked() {
    let run = case(
        "nobody-delete-victim",
        "import os\nos.remove('{OPEN_VICTIM}')\n",
        NOBODY,
    );
    expect_blocked(&run, "access outside scratch (");
}

#[test]
fn chmod_own_file_outside_scratch_as_nobody_is_blocked() {
    // SANDBOX.md: Landlock does not mediate chmod; as root the uid drop stops it, as nobody
    // nothing does unless the sandbox adds a layer for it.
    let run = case(
        "nobody-chmod-victim",
        "import os\nos.chmod('{OPEN_VICTIM}', 0o777)\n",
        NOBODY,
    );
    expect_blocked(&run, "access outside scratch (");
}

#[test]
fn fork_as_nobody_is_blocked() {
    let run = case("nobody-fork", "import os\nos.fork()\n", NOBODY);
    expect_blocked(&run, "process creation");
}

#[test]
fn subprocess_as_nobody_executes_nothing() {
    let code = "import subprocess\nsubprocess.run(['/usr/bin/touch', '{MARKER}'])\n";
    let run = case("nobody-subprocess", code, NOBODY);
    expect_blocked(&run, "process creation");
}

#[test]
fn secret_environment_as_nobody_is_invisible() {
    let code = r#"
import os
print('{SECRET_NAME}' in os.environ)  # False
open('/proc/self/environ', 'rb').read()
"#;
    let run = case("nobody-environ", code, NOBODY);
    expect_blocked(&run, "access outside scratch (/proc/self/environ)");
    assert_eq!(stdout_of(&run, 1), "False\n", "{}", run.stdout);
}

#[test]
fn sigkill_to_every_process_as_nobody_reaches_none() {
    // Without a uid of its own, only Landlock's signal scope keeps kill(-1) from the
    // sentinel, which runs as nobody too.
    let code = "import os, signal\nos.kill(-1, signal.SIGKILL)\nprint('alive')  # alive\n";
    let run = case("nobody-kill-everyone", code, NOBODY);
    expect(&run, "completed", 0);
    expect_claims_pass(&run);
}

#[test]
fn memory_bomb_as_nobody_is_a_memory_error() {
    let run = case("nobody-memory", "b = bytearray(3 << 30)\n", NOBODY);
    expect_memory(&run);
}

#[test]
fn disk_fill_as_nobody_is_bounded_by_the_tmpfs() {
    let code = r#"
import os
written = 0
try:
    n = 0
    while True:
        with open(f"f{n}", "wb") as f:
            f.write(b"x" * (1 << 20))
        written += 1 << 20
        n += 1
finally:
    print(0 < written <= 64 << 20)
"#;
    let opts = Opts {
        tmp_budget: Some(512 << 20),
        ..NOBODY
    };
    let run = case("nobody-disk-fill", code, opts);
    expect(&run, "raised", 1);
    assert_eq!(stdout_of(&run, 2), "True\n", "{}", run.stdout);
}

#[test]
fn the_snippet_holds_no_capabilities_as_nobody() {
    // Without a uid drop, the child is still the owner of the user namespace the zygote made:
    // it must not keep that namespace's full capability set while running the snippet.
    let run = case("nobody-capabilities", crate::secrets::CAPABILITIES, NOBODY);
    expect(&run, "completed", 0);
    expect_claims_pass(&run);
}
