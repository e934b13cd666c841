//! The hostile suite: snippets written to escape, exhaust or fool the sandbox, each run through
//! the real binary, judged by the report it prints AND by what can be seen from outside (host
//! files, listeners, a sentinel process, leftover processes and cgroups), followed by a canary
//! run. See `tests/hostile/support.rs` for the shared checks every case goes through, and
//! `../shared/SANDBOX.md` for the design these cases attack.
//!
//! The machine and CI run these tests as root with every layer available; a case that fails
//! here is a containment gap or a wrong outcome, never a reason to skip.

#[path = "hostile/support.rs"]
mod support;

#[path = "hostile/disk.rs"]
mod disk;
#[path = "hostile/doctor.rs"]
mod doctor;
#[path = "hostile/filesystem.rs"]
mod filesystem;
#[path = "hostile/ipc.rs"]
mod ipc;
#[path = "hostile/loops.rs"]
mod loops;
#[path = "hostile/memory.rs"]
mod memory;
#[path = "hostile/network.rs"]
mod network;
#[path = "hostile/nonroot.rs"]
mod nonroot;
#[path = "hostile/output.rs"]
mod output;
#[path = "hostile/processes.rs"]
mod processes;
#[path = "hostile/protocol.rs"]
mod protocol;
#[path = "hostile/secrets.rs"]
mod secrets;
#[path = "hostile/signals.rs"]
mod signals;
#[path = "hostile/syscalls.rs"]
mod syscalls;
