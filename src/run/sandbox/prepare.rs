//! What the zygote prepares once for all its children: the network namespace it enters, the
//! run's cgroups, and the layers as they will apply (planned here, applied by `enter`), with
//! the read-only paths and the compiled seccomp filters they need.

use super::{Layer, LayerStatus, Limits, cgroup, landlock, seccomp};
use anyhow::{Context, Result, bail};
use std::path::PathBuf;

/// Memory set aside for the zygote itself in the run's memory cgroup.
const ZYGOTE_MEMORY: u64 = 128 << 20;

/// What the zygote prepared once for all children.
pub struct Prepared {
    /// Zygote-wide layers (network namespace) and what children will get.
    pub layers: Vec<Layer>,
    /// Read-only paths for Landlock: the interpreter's `sys.path`.
    pub read_only: Vec<PathBuf>,
    /// The compiled seccomp filters.
    pub filters: seccomp::Filters,
    /// The run's cgroups, if available.
    pub cgroups: Option<cgroup::Cgroups>,
    /// Children get a private mount namespace with a tmpfs scratch dir.
    pub tmpfs: bool,
    /// Children drop to a uid of their own.
    pub drop_uid: bool,
    /// The zygote's pid (children die if it goes).
    pub zygote_pid: libc::pid_t,
}

/// Prepares the zygote. Call before the interpreter starts threads (it starts none).
pub fn prepare_network() -> Layer {
    // SAFETY: getuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        // SAFETY: unshare affects only this (single-threaded) process.
        if unsafe { libc::unshare(libc::CLONE_NEWNET | libc::CLONE_NEWNS) } == 0 {
            return Layer::new(
                "network namespace",
                LayerStatus::Active,
                "empty network namespace (loopback down), entered once by the zygote",
            );
        }
        return Layer::new(
            "network namespace",
            LayerStatus::Unavailable,
            format!(
                "unshare(CLONE_NEWNET) failed: {}",
                std::io::Error::last_os_error()
            ),
        );
    }
    match enter_user_namespace() {
        Ok(()) => Layer::new(
            "network namespace",
            LayerStatus::Active,
            "empty network namespace inside an unprivileged user namespace",
        ),
        Err(err) => Layer::new(
            "network namespace",
            LayerStatus::Unavailable,
            format!("not root and no user namespace: {err:#}"),
        ),
    }
}

fn enter_user_namespace() -> Result<()> {
    // SAFETY: plain getters.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    // SAFETY: unshare affects only this (single-threaded) process.
    if unsafe { libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET | libc::CLONE_NEWNS) } != 0 {
        bail!(
            "unshare(CLONE_NEWUSER): {}",
            std::io::Error::last_os_error()
        );
    }
    std::fs::write("/proc/self/setgroups", "deny").context("write setgroups")?;
    std::fs::write("/proc/self/uid_map", format!("{uid} {uid} 1")).context("write uid_map")?;
    std::fs::write("/proc/self/gid_map", format!("{gid} {gid} 1")).context("write gid_map")?;
    Ok(())
}

/// Creates the run's cgroups (`cgroup` module: v1 as root, v2 as root or in a delegated
/// subtree) and moves the calling process into them; otherwise the layer is unavailable, with
/// the reason. Moving a process between cgroups waits for an RCU grace period (10-15 ms here),
/// so the zygote runs this on a short-lived thread while its interpreter starts, and joins the
/// thread before it forks anything.
pub fn join_cgroups(run: &str, limits: &Limits, slots: u64) -> (Layer, Option<cgroup::Cgroups>) {
    // SAFETY: plain getter.
    let root = unsafe { libc::geteuid() } == 0;
    let memory = limits
        .memory_bytes
        .saturating_mul(slots)
        .saturating_add(ZYGOTE_MEMORY);
    let tasks = u64::from(limits.max_tasks)
        .saturating_mul(slots)
        .saturating_add(16);
    match cgroup::Cgroups::create_and_join(run, memory, tasks, root) {
        Ok(groups) => {
            let swap = if groups.swap_counted {
                "swap included"
            } else {
                "swap not counted: no memsw accounting"
            };
            let mib = limits.memory_bytes >> 20;
            let detail = if groups.version() == 1 {
                format!(
                    "each snippet its own v1 memory group ({mib} MiB: anonymous, memfd, tmpfs and dirtied page cache; {swap}; only its own OOM makes it `memory`) under the run's ({} MiB in all); the run's pids group ({tasks} tasks in all)",
                    memory >> 20
                )
            } else {
                format!(
                    "each snippet its own v2 group (memory.max {mib} MiB: anonymous, memfd, tmpfs and dirtied page cache; memory.swap.max 0; pids.max {}; only its own OOM makes it `memory`) under the run's ({} MiB, {tasks} tasks in all; cgroup.kill at the end)",
                    limits.max_tasks,
                    memory >> 20
                )
            };
            let layer = Layer::new("cgroup", LayerStatus::Active, detail);
            (layer, Some(groups))
        }
        Err(err) => (
            Layer::new("cgroup", LayerStatus::Unavailable, format!("{err:#}")),
            None,
        ),
    }
}

/// Prepares everything else once the interpreter is up, given its `sys.path` (plus the
/// venv's directories): the layers as they will apply, the read-only paths, the compiled
/// seccomp filters, and the cgroups [`join_cgroups`] joined.
pub fn prepare(
    network: Layer,
    cgroups: (Layer, Option<cgroup::Cgroups>),
    sys_path: &[String],
) -> Result<Prepared> {
    // SAFETY: plain getters.
    let (root, zygote_pid) = unsafe { (libc::geteuid() == 0, libc::getpid()) };
    let in_namespace = network.status == LayerStatus::Active;
    let read_only: Vec<PathBuf> = sys_path
        .iter()
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.exists())
        .collect();
    let filters = seccomp::Filters::compile()?;
    let mut layers = vec![
        Layer::new(
            "parent-death signal",
            LayerStatus::Active,
            "SIGKILL when the zygote dies",
        ),
        Layer::new(
            "fd reset",
            LayerStatus::Active,
            "stdin /dev/null, stdout/stderr capture pipes, fd 3 result channel, all else closed",
        ),
        network,
    ];
    let tmpfs = in_namespace;
    layers.push(if tmpfs {
        Layer::new(
            "scratch tmpfs",
            LayerStatus::Active,
            "own mount and IPC namespaces per snippet, every mount read-only, scratch dir on a size-limited tmpfs",
        )
    } else {
        Layer::new(
            "scratch tmpfs",
            LayerStatus::Unavailable,
            "needs root or a user namespace; scratch disk use is bounded only per file (RLIMIT_FSIZE)",
        )
    });
    let (cgroup_layer, cgroups) = cgroups;
    layers.push(cgroup_layer);
    layers.push(Layer::new(
        "rlimits",
        LayerStatus::Active,
        "AS, CPU (backstop), FSIZE, NOFILE, CORE=0, MEMLOCK=0, NPROC",
    ));
    layers.push(if root {
        Layer::new(
            "uid drop",
            LayerStatus::Active,
            "setgroups(0) and setresuid/setresgid to a uid of its own",
        )
    } else {
        Layer::new(
            "uid drop",
            LayerStatus::Unavailable,
            "not root: runs as the invoking user",
        )
    });
    layers.push(Layer::new(
        "capabilities",
        LayerStatus::Active,
        "every capability dropped (effective, permitted, inheritable, ambient)",
    ));
    layers.push(Layer::new(
        "no_new_privs",
        LayerStatus::Active,
        "PR_SET_NO_NEW_PRIVS",
    ));
    layers.push(match landlock::probe() {
        Ok(()) => Layer::new(
            "landlock",
            LayerStatus::Active,
            "read-only sys.path and system libraries, full access to the scratch dir only, TCP bind/connect denied, signal and abstract-socket scopes",
        ),
        Err(err) => Layer::new("landlock", LayerStatus::Failed, format!("{err:#}")),
    });
    layers.push(Layer::new(
        "seccomp",
        LayerStatus::Active,
        "no new processes, exec, ptrace, mount/namespaces, bpf/io_uring/keyctl, socket(); kill on a foreign arch",
    ));
    Ok(Prepared {
        layers,
        read_only,
        filters,
        cgroups,
        tmpfs,
        drop_uid: root,
        zygote_pid,
    })
}
