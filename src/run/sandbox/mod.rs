//! The sandbox: OS-level confinement of every snippet, applied in layers that fail closed.
//!
//! The zygote (`python::zygote`) calls [`prepare`] once (`prepare.rs`): it enters an empty
//! network namespace, makes the run's cgroups, compiles the seccomp filters and records the
//! interpreter's `sys.path` for Landlock. Each forked child then calls [`enter`] (`enter.rs`),
//! which applies, in order: fd reset, parent-death signal, cgroup, a size-limited tmpfs scratch
//! dir in a private mount namespace, rlimits, a uid drop (when root), capabilities,
//! no_new_privs, Landlock and seccomp. A required layer that cannot be applied stops the child
//! before any snippet code runs, and the report names the layer. No pyo3 here: this module
//! only sees paths, fds and limits.

pub mod cgroup;
pub mod control;
pub mod expose;
pub mod floor;
pub mod landlock;
pub mod seccomp;

mod enter;
mod prepare;

pub use enter::{ChildFds, Failure, enter};
pub use prepare::{Prepared, join_cgroups, prepare, prepare_network};

use serde::{Deserialize, Serialize};

/// Exit status of a child whose sandbox could not be set up (it ran no snippet code).
pub const SANDBOX_FAILED_STATUS: i32 = 71;

/// The first uid of the range snipcheck drops children to: uid `BASE + pid`, so every live
/// child has a uid of its own that nothing else on the machine uses.
pub const SANDBOX_UID_BASE: u32 = 0x5C00_0000;

/// Resource limits of one snippet.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// Wall-clock limit, enforced by the runner; the CPU rlimit is set just above it.
    pub timeout_secs: f64,
    /// One snippet's memory: the limit of its own cgroup (the run's group holds this times
    /// the number of snippets that run at once, plus the zygote's share).
    pub memory_bytes: u64,
    /// RLIMIT_AS.
    pub address_space_bytes: u64,
    /// RLIMIT_FSIZE.
    pub file_size_bytes: u64,
    /// Size of the scratch tmpfs.
    pub scratch_bytes: u64,
    /// RLIMIT_NOFILE.
    pub open_files: u64,
    /// Tasks (processes and threads): RLIMIT_NPROC, and one snippet's share of the run's pids
    /// cgroup.
    pub max_tasks: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout_secs: 10.0,
            memory_bytes: 512 << 20,
            address_space_bytes: 2 << 30,
            file_size_bytes: 16 << 20,
            scratch_bytes: 64 << 20,
            open_files: 256,
            max_tasks: 64,
        }
    }
}

/// One layer and whether it applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layer {
    /// Its name (`landlock`, `seccomp`, ...).
    pub name: String,
    /// `active`, `unavailable` (cannot apply here; the run goes on) or `failed` (required but
    /// could not be applied; the snippet did not run).
    pub status: LayerStatus,
    /// What it does, or why it is unavailable or failed.
    pub detail: String,
}

/// A layer's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LayerStatus {
    /// Applied.
    Active,
    /// Not applicable on this machine or as this user.
    Unavailable,
    /// Required, and applying it failed.
    Failed,
}

impl Layer {
    fn new(name: &str, status: LayerStatus, detail: impl Into<String>) -> Layer {
        Layer {
            name: name.to_owned(),
            status,
            detail: detail.into(),
        }
    }
}
