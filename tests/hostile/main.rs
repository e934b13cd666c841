//! The hostile suite: snippets written to escape, exhaust or fool the sandbox, each run through
//! the real binary, judged by the report it prints AND by what can be seen from outside (host
//! files, listeners, a sentinel process, leftover processes and cgroups), followed by a canary
//! run. See `tests/hostile/harness.rs` for the shared checks every case goes through, and
//! `../shared/SANDBOX.md` for the design these cases attack.
//!
//! The machine and CI run these tests as root with every layer available; a case that fails
//! here is a containment gap or a wrong outcome, never a reason to skip.
//!
//! A binary of its own, not a module of the CLI tests: its cases watch the whole machine's
//! /tmp free space and time their limits, which the CLI tests (virtualenvs in /tmp, Chromium)
//! would disturb when run in the same process; `cargo test` runs test binaries one at a time.
//! Its checks for leftover processes look only at the processes of its own runs, so two
//! hostile runs at once do not fail each other.

#[path = "../cli/support.rs"]
#[expect(
    dead_code,
    reason = "the CLI tests' helpers for reports and fixtures are not used here"
)]
mod support;

mod harness;

mod blame;
mod disk;
mod doctor;
mod filesystem;
mod forging;
mod ipc;
mod leftovers;
mod loops;
mod memory;
mod network;
mod nonroot;
mod output;
mod processes;
mod protocol;
mod secrets;
mod signals;
mod syscalls;
