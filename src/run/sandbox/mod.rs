//! The sandbox: OS-level confinement of every snippet, applied in layers that fail closed.
//!
//! The zygote (`python::zygote`) calls [`prepare`] once: it enters an empty network namespace,
//! makes the run's cgroups, compiles the seccomp filters and records the interpreter's
//! `sys.path` for Landlock. Each forked child then calls [`enter`], which applies, in order:
//! parent-death signal, fd reset, a size-limited tmpfs scratch dir in a private mount namespace,
//! cgroup limits, rlimits, a uid drop (when root), no_new_privs, Landlock and seccomp. A required
//! layer that cannot be applied stops the child before any snippet code runs, and the report
//! names the layer. No pyo3 here: this module only sees paths, fds and limits.

pub mod cgroup;
pub mod control;
pub mod landlock;
pub mod seccomp;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::ffi::CString;
use std::os::fd::{IntoRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};

/// Exit status of a child whose sandbox could not be set up (it ran no snippet code).
pub const SANDBOX_FAILED_STATUS: i32 = 71;

/// The first uid of the range snipcheck drops children to: uid `BASE + pid`, so every live
/// child has a uid of its own that nothing else on the machine uses.
pub const SANDBOX_UID_BASE: u32 = 0x5C00_0000;

/// Memory set aside for the zygote itself in the run's memory cgroup.
const ZYGOTE_MEMORY: u64 = 128 << 20;

/// Resource limits of one snippet.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// Wall-clock limit, enforced by the runner; the CPU rlimit is set just above it.
    pub timeout_secs: f64,
    /// One snippet's share of the run's memory cgroup (the group's limit is this times the
    /// number of snippets that run at once).
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

/// Creates the run's v1 memory and pids cgroups and moves the calling process into them (as
/// root; otherwise the layer is unavailable). Moving a process between v1 cgroups waits for an
/// RCU grace period (10-15 ms here), so the zygote runs this on a short-lived thread while its
/// interpreter starts, and joins the thread before it forks anything.
pub fn join_cgroups(run: &str, limits: &Limits, slots: u64) -> (Layer, Option<cgroup::Cgroups>) {
    // SAFETY: plain getter.
    if unsafe { libc::geteuid() } != 0 {
        let layer = Layer::new(
            "cgroup",
            LayerStatus::Unavailable,
            "not root: cgroups are not writable; memory is bounded by RLIMIT_AS only",
        );
        return (layer, None);
    }
    let memory = limits
        .memory_bytes
        .saturating_mul(slots)
        .saturating_add(ZYGOTE_MEMORY);
    let tasks = u64::from(limits.max_tasks)
        .saturating_mul(slots)
        .saturating_add(16);
    match cgroup::Cgroups::create_and_join(run, memory, tasks) {
        Ok(groups) => {
            let layer = Layer::new(
                "cgroup",
                LayerStatus::Active,
                format!(
                    "the run's v1 memory group ({} MiB in all, memfd and tmpfs included) and pids group ({tasks} tasks in all)",
                    memory >> 20
                ),
            );
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

/// The child's end of its pipes, as received from the runner.
pub struct ChildFds {
    /// Becomes fd 1.
    pub stdout: OwnedFd,
    /// Becomes fd 2.
    pub stderr: OwnedFd,
    /// Becomes fd 3.
    pub result: OwnedFd,
    /// The request (code and settings), read before anything else.
    pub request: OwnedFd,
}

/// A layer that failed: which, and the layers applied before it.
pub struct Failure {
    /// Every layer up to and including the failed one.
    pub layers: Vec<Layer>,
}

/// Applies every layer in the forked child. On success returns the request text and the
/// layers as applied; the caller then runs the snippet.
pub fn enter(
    prepared: &Prepared,
    scratch: &Path,
    limits: &Limits,
    fds: ChildFds,
) -> Result<(String, Vec<Layer>), Failure> {
    let mut applied: Vec<Layer> = Vec::new();
    let mut step = |name: &str, result: Result<Option<String>>| -> Result<(), Failure> {
        let planned = prepared.layers.iter().find(|l| l.name == name);
        match result {
            Ok(Some(detail)) => {
                applied.push(Layer::new(name, LayerStatus::Active, detail));
                Ok(())
            }
            Ok(None) => {
                let detail = planned.map(|l| l.detail.clone()).unwrap_or_default();
                applied.push(Layer::new(name, LayerStatus::Unavailable, detail));
                Ok(())
            }
            Err(err) => {
                applied.push(Layer::new(name, LayerStatus::Failed, format!("{err:#}")));
                Err(Failure {
                    layers: applied.clone(),
                })
            }
        }
    };
    let mut request = String::new();
    step(
        "fd reset",
        reset_fds(fds).and_then(|detail| {
            request = read_request()?;
            Ok(Some(detail))
        }),
    )?;
    step(
        "parent-death signal",
        parent_death(prepared.zygote_pid).map(Some),
    )?;
    // SAFETY: plain getter.
    let pid = u32::try_from(unsafe { libc::getpid() }).unwrap_or(0);
    let uid = SANDBOX_UID_BASE.saturating_add(pid);
    step(
        "cgroup",
        match &prepared.cgroups {
            Some(groups) => std::fs::write("/proc/self/oom_score_adj", "1000")
                .context("raise oom_score_adj")
                .map(|()| {
                    Some(format!(
                        "in the run's memory group ({} MiB in all) and pids group ({} tasks in all); OOM killer prefers the snippet",
                        groups.memory_bytes >> 20,
                        groups.max_tasks
                    ))
                }),
            None => Ok(None),
        },
    )?;
    step(
        "scratch tmpfs",
        if prepared.tmpfs {
            mount_scratch(
                scratch,
                limits.scratch_bytes,
                prepared.drop_uid.then_some(uid),
            )
            .map(Some)
        } else {
            Ok(None)
        },
    )?;
    step(
        "scratch dir",
        std::env::set_current_dir(scratch)
            .with_context(|| format!("chdir {}", scratch.display()))
            .map(|()| Some("the snippet's cwd".to_owned())),
    )?;
    step("rlimits", set_rlimits(limits).map(Some))?;
    step(
        "uid drop",
        if prepared.drop_uid {
            drop_to(uid).map(|()| Some(format!("uid/gid {uid}")))
        } else {
            Ok(None)
        },
    )?;
    step(
        "capabilities",
        drop_capabilities()
            .map(|()| Some("none left (effective, permitted, inheritable, ambient)".to_owned())),
    )?;
    step(
        "no_new_privs",
        no_new_privs().map(|()| Some("set".to_owned())),
    )?;
    step(
        "landlock",
        landlock::restrict(&prepared.read_only, Path::new("."))
            .map(|()| Some("fully enforced".to_owned())),
    )?;
    step(
        "seccomp",
        prepared
            .filters
            .install()
            .map(|()| Some("installed".to_owned())),
    )?;
    Ok((request, applied))
}

fn parent_death(zygote: libc::pid_t) -> Result<String> {
    // SAFETY: prctl with integer arguments.
    if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) } != 0 {
        bail!(
            "prctl(PR_SET_PDEATHSIG): {}",
            std::io::Error::last_os_error()
        );
    }
    // SAFETY: plain getter.
    if unsafe { libc::getppid() } != zygote {
        bail!("the zygote died before the child was set up");
    }
    Ok("SIGKILL when the zygote dies".to_owned())
}

/// The fd the request is read from, after the fd reset.
const REQUEST_FD: RawFd = 4;

fn read_request() -> Result<String> {
    use std::io::Read;
    use std::os::fd::FromRawFd;
    let mut text = String::new();
    // SAFETY: fd 4 was placed by `reset_fds` and is owned by nothing else.
    let file = unsafe { std::fs::File::from_raw_fd(REQUEST_FD) };
    file.take(64 << 20)
        .read_to_string(&mut text)
        .context("failed to read the request")?;
    Ok(text)
}

fn reset_fds(fds: ChildFds) -> Result<String> {
    let raw: [RawFd; 4] = [
        fds.stdout.into_raw_fd(),
        fds.stderr.into_raw_fd(),
        fds.result.into_raw_fd(),
        fds.request.into_raw_fd(),
    ];
    // SAFETY: dup/dup2/open/close_range on fds this process owns; the raw fds above are no
    // longer owned by anything that would close them again.
    unsafe {
        // Move the received fds above the target range first, so no dup2 overwrites a source.
        let mut high = [0 as RawFd; 4];
        for (i, &fd) in raw.iter().enumerate() {
            high[i] = libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 100);
            if high[i] < 0 {
                bail!("dup: {}", std::io::Error::last_os_error());
            }
        }
        for (from, to) in [
            (high[0], 1),
            (high[1], 2),
            (high[2], 3),
            (high[3], REQUEST_FD),
        ] {
            if libc::dup2(from, to) < 0 {
                bail!("dup2 to fd {to}: {}", std::io::Error::last_os_error());
            }
        }
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY);
        if null < 0 || libc::dup2(null, 0) < 0 {
            bail!("stdin from /dev/null: {}", std::io::Error::last_os_error());
        }
        if libc::syscall(libc::SYS_close_range, 5u32, u32::MAX, 0u32) != 0 {
            bail!("close_range: {}", std::io::Error::last_os_error());
        }
    }
    Ok("stdin /dev/null, fds 1-3 pipes, every other fd closed".to_owned())
}

fn mount_scratch(scratch: &Path, bytes: u64, owner: Option<u32>) -> Result<String> {
    let target = CString::new(scratch.as_os_str().as_encoded_bytes()).context("scratch path")?;
    let mut options = format!("size={bytes},mode=0700,nr_inodes=4096");
    if let Some(uid) = owner {
        options.push_str(&format!(",uid={uid},gid={uid}"));
    }
    let options = CString::new(options).context("tmpfs options")?;
    // SAFETY: mount/unshare with valid C strings; affects only this process's namespace.
    unsafe {
        if libc::unshare(libc::CLONE_NEWNS | libc::CLONE_NEWIPC) != 0 {
            bail!(
                "unshare(CLONE_NEWNS|CLONE_NEWIPC): {}",
                std::io::Error::last_os_error()
            );
        }
        if libc::mount(
            std::ptr::null(),
            c"/".as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        ) != 0
        {
            bail!("make / private: {}", std::io::Error::last_os_error());
        }
        // Every mount read-only (chmod, chown and utime are not Landlock rights), then the
        // scratch tmpfs on top, writable.
        let attr = MountAttr {
            attr_set: MOUNT_ATTR_RDONLY,
            attr_clr: 0,
            propagation: 0,
            userns_fd: 0,
        };
        if libc::syscall(
            libc::SYS_mount_setattr,
            libc::AT_FDCWD,
            c"/".as_ptr(),
            libc::AT_RECURSIVE,
            &attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        ) != 0
        {
            bail!(
                "make every mount read-only: {}",
                std::io::Error::last_os_error()
            );
        }
        if libc::mount(
            c"snipcheck".as_ptr(),
            target.as_ptr(),
            c"tmpfs".as_ptr(),
            libc::MS_NOSUID | libc::MS_NODEV,
            options.as_ptr() as *const libc::c_void,
        ) != 0
        {
            bail!("mount tmpfs: {}", std::io::Error::last_os_error());
        }
    }
    Ok(format!(
        "own mount and IPC namespaces, every mount read-only, scratch dir a {} MiB tmpfs",
        bytes >> 20
    ))
}

/// `struct mount_attr` of `mount_setattr(2)`.
#[repr(C)]
struct MountAttr {
    attr_set: u64,
    attr_clr: u64,
    propagation: u64,
    userns_fd: u64,
}

const MOUNT_ATTR_RDONLY: u64 = 0x1;

/// Drops every capability: after the uid drop a root child has none already; in a user
/// namespace the child would otherwise keep the namespace's full set.
fn drop_capabilities() -> Result<()> {
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    const VERSION_3: u32 = 0x2008_0522;
    let header = Header {
        version: VERSION_3,
        pid: 0,
    };
    let data = [Data {
        effective: 0,
        permitted: 0,
        inheritable: 0,
    }; 2];
    // SAFETY: prctl with integer arguments; capset with valid header and two data structs.
    unsafe {
        if libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL,
            0,
            0,
            0,
        ) != 0
        {
            bail!(
                "clear ambient capabilities: {}",
                std::io::Error::last_os_error()
            );
        }
        if libc::syscall(libc::SYS_capset, &header as *const Header, data.as_ptr()) != 0 {
            bail!("capset: {}", std::io::Error::last_os_error());
        }
    }
    Ok(())
}

fn set_rlimits(limits: &Limits) -> Result<String> {
    let cpu = limits.timeout_secs.ceil() as u64 + 2;
    let table: [(libc::__rlimit_resource_t, u64, &str); 7] = [
        (libc::RLIMIT_AS, limits.address_space_bytes, "AS"),
        (libc::RLIMIT_CPU, cpu, "CPU"),
        (libc::RLIMIT_FSIZE, limits.file_size_bytes, "FSIZE"),
        (libc::RLIMIT_NOFILE, limits.open_files, "NOFILE"),
        (libc::RLIMIT_CORE, 0, "CORE"),
        (libc::RLIMIT_MEMLOCK, 0, "MEMLOCK"),
        (libc::RLIMIT_NPROC, u64::from(limits.max_tasks), "NPROC"),
    ];
    for (resource, value, name) in table {
        let limit = libc::rlimit {
            rlim_cur: value,
            rlim_max: value,
        };
        // SAFETY: setrlimit with a valid struct.
        if unsafe { libc::setrlimit(resource, &limit) } != 0 {
            bail!("setrlimit({name}): {}", std::io::Error::last_os_error());
        }
    }
    Ok(format!(
        "AS {} MiB, CPU {cpu} s, FSIZE {} MiB, NOFILE {}, CORE 0, MEMLOCK 0, NPROC {}",
        limits.address_space_bytes >> 20,
        limits.file_size_bytes >> 20,
        limits.open_files,
        limits.max_tasks
    ))
}

fn drop_to(uid: u32) -> Result<()> {
    // SAFETY: credential syscalls on this process.
    unsafe {
        if libc::setgroups(0, std::ptr::null()) != 0 {
            bail!("setgroups: {}", std::io::Error::last_os_error());
        }
        if libc::setresgid(uid, uid, uid) != 0 {
            bail!("setresgid: {}", std::io::Error::last_os_error());
        }
        if libc::setresuid(uid, uid, uid) != 0 {
            bail!("setresuid: {}", std::io::Error::last_os_error());
        }
        if libc::geteuid() != uid || libc::getegid() != uid {
            bail!("uid drop did not take");
        }
    }
    Ok(())
}

fn no_new_privs() -> Result<()> {
    // SAFETY: prctl with integer arguments.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        bail!(
            "prctl(PR_SET_NO_NEW_PRIVS): {}",
            std::io::Error::last_os_error()
        );
    }
    Ok(())
}
