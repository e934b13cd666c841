//! Memory bombs: the memory cgroup (or RLIMIT_AS) stops them; the report says `memory`.

use crate::harness::{QUICK, case, expect_memory};

#[test]
fn bytearray_growth_hits_the_memory_limit() {
    let code = "b = bytearray()\nwhile True:\n    b += b'x' * (64 << 20)\n";
    let run = case("memory-bytearray", code, QUICK);
    expect_memory(&run);
}

#[test]
fn list_growth_hits_the_memory_limit() {
    let code = "chunks = []\nwhile True:\n    chunks.append(bytearray(1 << 20))\n";
    let run = case("memory-list", code, QUICK);
    expect_memory(&run);
}

#[test]
fn memfd_fill_hits_the_memory_limit() {
    // memfd pages are not in the address space (RLIMIT_AS does not see them); one memfd stays
    // under RLIMIT_FSIZE, and new ones are opened until the cgroup stops it.
    let code = r#"
import os, signal
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
fds = []
chunk = b"m" * (1 << 20)
while True:
    fd = os.memfd_create("fill")
    fds.append(fd)
    for _ in range(15):
        os.write(fd, chunk)
"#;
    let run = case("memory-memfd", code, QUICK);
    expect_memory(&run);
}

#[test]
fn anonymous_mmap_fill_hits_the_memory_limit() {
    let code = r#"
import mmap
m = mmap.mmap(-1, 1536 << 20)
for offset in range(0, len(m), 4096):
    m[offset] = 1
"#;
    let run = case("memory-mmap", code, QUICK);
    expect_memory(&run);
}

#[test]
fn allocating_thread_hits_the_memory_limit() {
    let code = r#"
import threading
def grow():
    chunks = []
    while True:
        chunks.append(bytearray(1 << 20))
worker = threading.Thread(target=grow)
worker.start()
worker.join()
"#;
    let run = case("memory-thread", code, QUICK);
    expect_memory(&run);
}

#[test]
fn unbounded_recursion_hits_the_memory_limit() {
    // Python-to-Python calls keep their frames on the heap (3.11): a recursion limit raised
    // to a billion turns into a memory bomb.
    let code = r#"
import sys
sys.setrecursionlimit(10**9)
def deeper(n):
    return deeper(n + 1) + 1
deeper(0)
"#;
    let run = case("memory-recursion", code, QUICK);
    expect_memory(&run);
}

#[test]
fn quick_runs_next_to_memory_bombs_end_as_they_should() {
    // A noisy neighbour: memory bombs in other runs at the same time must not change what a
    // quick snippet's run reports (each one is blocked at its first statement, in well under
    // its 3 s limit).
    let bombs = std::thread::spawn(|| {
        for _ in 0..3 {
            let run = case(
                "neighbour-bomb",
                "chunks = []\nwhile True:\n    chunks.append(bytearray(1 << 20))\n",
                QUICK,
            );
            expect_memory(&run);
        }
    });
    for _ in 0..10 {
        let run = case("neighbour-quick", "import os\nos.fork()\n", QUICK);
        crate::harness::expect_blocked(&run, "process creation");
    }
    bombs.join().expect("the memory bombs' thread panicked");
}

#[test]
fn leaving_or_raising_the_memory_cgroup_is_blocked() {
    let code = r#"
import os
open('/sys/fs/cgroup/memory/cgroup.procs', 'w').write(str(os.getpid()))
open('/sys/fs/cgroup/pids/cgroup.procs', 'w').write(str(os.getpid()))
open('/proc/self/oom_score_adj', 'w').write('-1000')
chunks = []
while True:
    chunks.append(bytearray(1 << 20))
"#;
    let run = case("cgroup-escape", code, QUICK);
    expect_memory(&run);
    for index in 1..=3 {
        let exception = &crate::harness::statement(&run, index)["exception"];
        // Denied by Landlock (PermissionError) or, first, by the read-only mounts (OSError
        // with EROFS); either way the sandbox says it blocked the write.
        assert!(
            exception["type"] == "PermissionError" || exception["type"] == "OSError",
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
