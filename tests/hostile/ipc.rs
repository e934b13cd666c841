//! Kernel objects that outlive a process: System V shared memory, message queues and
//! semaphores live in the IPC namespace, not in the process; created in the sandbox, they must
//! not stay behind on the host (holding memory) once the run is over.

use crate::harness::{Opts, QUICK, case, expect, expect_claims_pass};
use crate::support::Run;

/// The (kind, id) of every System V IPC object with this key.
fn objects_with_key(key: i32) -> Vec<(&'static str, String)> {
    let mut found = Vec::new();
    for (kind, file) in [("-m", "shm"), ("-q", "msg"), ("-s", "sem")] {
        let table = std::fs::read_to_string(format!("/proc/sysvipc/{file}")).unwrap_or_default();
        for line in table.lines().skip(1) {
            let mut columns = line.split_whitespace();
            let (Some(k), Some(id)) = (columns.next(), columns.next()) else {
                continue;
            };
            if k.parse::<i64>().ok() == Some(i64::from(key)) {
                found.push((kind, id.to_owned()));
            }
        }
    }
    found
}

fn ipc_case(name: &str, opts: Opts) -> (Run, Vec<(&'static str, String)>) {
    let key = i32::try_from((std::process::id() << 8) & 0x3fff_ff00).unwrap_or(0x1234_5600)
        | if opts.user == crate::harness::User::Root {
            1
        } else {
            2
        };
    let code = r#"
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
shm = libc.shmget(KEY, 8 << 20, 0o1000 | 0o600)
if shm >= 0:
    address = libc.shmat(shm, None, 0)
    ctypes.memset(address, 1, 8 << 20)
    libc.shmdt(ctypes.c_void_p(address))
queue = libc.msgget(KEY, 0o1000 | 0o600)
semaphores = libc.semget(KEY, 1, 0o1000 | 0o600)
print('done')  # done
"#
    .replace("KEY", &key.to_string());
    let run = case(name, &code, opts);
    let left = objects_with_key(key);
    // Remove what the snippet left (objects this test made) before judging.
    for (kind, id) in &left {
        let _ = std::process::Command::new("ipcrm")
            .args([*kind, id.as_str()])
            .status();
    }
    (run, left)
}

#[test]
fn sysv_ipc_objects_do_not_outlive_the_run() {
    let (run, left) = ipc_case("sysv-ipc-leftovers", QUICK);
    expect(&run, "completed", 0);
    expect_claims_pass(&run);
    assert!(
        left.is_empty(),
        "System V IPC objects made in the sandbox outlived the run: {left:?}"
    );
}

#[test]
fn sysv_ipc_objects_do_not_outlive_the_run_as_nobody() {
    let (run, left) = ipc_case("nobody-sysv-ipc-leftovers", Opts::nobody(3));
    expect(&run, "completed", 0);
    expect_claims_pass(&run);
    assert!(
        left.is_empty(),
        "System V IPC objects made in the sandbox outlived the run: {left:?}"
    );
}
