//! What the zygote prepares once for all its children: the network namespace it enters, the
//! run's cgroups, and the layers as they will apply (planned here, applied by `enter`), with
//! the read-only paths and the compiled seccomp filters they need.

use super::{Layer, LayerStatus, Limits, cgroup, floor, landlock, seccomp};
use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

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
    /// The kernel's Landlock ABI (0: no Landlock; the layer is skipped and the floor decides).
    pub landlock_abi: u8,
    /// The zygote's pid (children die if it goes).
    pub zygote_pid: libc::pid_t,
}

/// The zygote entered a user namespace of its own (where only its own uid is mapped, so a
/// root zygote cannot drop its children to another uid).
static IN_USER_NAMESPACE: AtomicBool = AtomicBool::new(false);

/// Prepares the zygote. Call before the interpreter starts threads (it starts none).
/// As root, a network and mount namespace of its own; when that is refused (a container
/// without CAP_SYS_ADMIN) or as another user, the same inside a user namespace.
pub fn prepare_network() -> Layer {
    // SAFETY: getuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let mut refused = None;
    if root {
        // SAFETY: unshare affects only this (single-threaded) process.
        if unsafe { libc::unshare(libc::CLONE_NEWNET | libc::CLONE_NEWNS) } == 0 {
            return Layer::new(
                "network namespace",
                LayerStatus::Active,
                "empty network namespace (loopback down), entered once by the zygote",
            );
        }
        refused = Some(format!(
            "unshare(CLONE_NEWNET) as root: {}",
            std::io::Error::last_os_error()
        ));
    }
    match enter_user_namespace() {
        Ok(()) => {
            IN_USER_NAMESPACE.store(true, Ordering::SeqCst);
            Layer::new(
                "network namespace",
                LayerStatus::Active,
                "empty network namespace inside a user namespace of its own",
            )
        }
        Err(err) => {
            let mut detail = match refused {
                Some(first) => format!("{first}; {err:#}"),
                None => format!("{err:#}"),
            };
            if let Some(hint) = user_namespace_hint() {
                detail.push_str(&format!(" ({hint})"));
            }
            Layer::new("network namespace", LayerStatus::Unavailable, detail)
        }
    }
}

/// Why this machine refuses user namespaces, where a sysctl or the process's own seccomp
/// filter says so.
fn user_namespace_hint() -> Option<String> {
    let read = |path: &str| {
        std::fs::read_to_string(path)
            .ok()
            .map(|text| text.trim().to_owned())
    };
    if read("/proc/sys/kernel/unprivileged_userns_clone").as_deref() == Some("0") {
        return Some("sysctl kernel.unprivileged_userns_clone = 0".to_owned());
    }
    if read("/proc/sys/user/max_user_namespaces").as_deref() == Some("0") {
        return Some("sysctl user.max_user_namespaces = 0".to_owned());
    }
    if read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").as_deref() == Some("1") {
        return Some(
            "AppArmor restricts unprivileged user namespaces: sysctl kernel.apparmor_restrict_unprivileged_userns = 1"
                .to_owned(),
        );
    }
    let seccomp = read("/proc/self/status").and_then(|status| {
        status
            .lines()
            .find_map(|line| line.strip_prefix("Seccomp:").map(|v| v.trim().to_owned()))
    });
    (seccomp.as_deref() == Some("2")).then(|| {
        "snipcheck itself runs under a seccomp filter, as in a container whose default profile forbids unshare".to_owned()
    })
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
    // In a user namespace of its own only the zygote's uid is mapped: no uid to drop to.
    let drop_uid = root && !IN_USER_NAMESPACE.load(Ordering::SeqCst);
    let no_mount_namespace = (!in_namespace).then(|| network.detail.clone());
    let network_namespace = in_namespace;
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
            "no mount namespace (see the network namespace): mounts stay writable where the uid may write, and scratch disk use is bounded only per file (RLIMIT_FSIZE)",
        )
    });
    let (cgroup_layer, cgroups) = cgroups;
    layers.push(cgroup_layer);
    layers.push(Layer::new(
        "rlimits",
        LayerStatus::Active,
        "AS, CPU (backstop), FSIZE, NOFILE, CORE=0, MEMLOCK=0, NPROC",
    ));
    layers.push(if drop_uid {
        Layer::new(
            "uid drop",
            LayerStatus::Active,
            "setgroups(0) and setresuid/setresgid to a uid of its own",
        )
    } else if root {
        Layer::new(
            "uid drop",
            LayerStatus::Unavailable,
            "root inside a user namespace of its own maps no other uid: runs as that root, with no capability",
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
    let support = landlock::support();
    layers.push(match support.reason() {
        None => Layer::new(
            "landlock",
            LayerStatus::Active,
            landlock::describe(support.abi()),
        ),
        Some(reason) => Layer::new("landlock", LayerStatus::Unavailable, reason),
    });
    layers.push(Layer::new(
        "seccomp",
        LayerStatus::Active,
        "no new processes, exec, ptrace, mount/namespaces, bpf/io_uring/keyctl, socket(); kill on a foreign arch",
    ));
    let machine = floor::Machine {
        landlock: support,
        no_mount_namespace,
        network_namespace,
        uid_drop: drop_uid,
        seccomp: seccomp_available(),
    };
    layers.push(floor::layer(&machine, &floor::verdict(&machine)));
    Ok(Prepared {
        layers,
        read_only,
        filters,
        cgroups,
        tmpfs,
        drop_uid,
        landlock_abi: support.abi(),
        zygote_pid,
    })
}

/// Whether this kernel takes seccomp filters (`PR_GET_SECCOMP` fails with `EINVAL` without
/// `CONFIG_SECCOMP`).
fn seccomp_available() -> bool {
    // SAFETY: prctl with integer arguments only reads the mode.
    unsafe { libc::prctl(libc::PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 }
}
