//! What each forked child does before any snippet code runs: apply every layer, in order,
//! failing closed (a required layer that cannot be applied stops the child, and the layers
//! applied so far, the failed one last, say which).

use super::{Layer, LayerStatus, Limits, Prepared, SANDBOX_UID_BASE, landlock};
use crate::run::protocol::{REQUEST_FD, RESULT_FD};
use anyhow::{Context, Result, bail};
use std::ffi::CString;
use std::os::fd::{IntoRawFd, OwnedFd, RawFd};
use std::path::Path;

/// The child's end of its pipes, as received from the runner.
pub struct ChildFds {
    /// Becomes fd 1.
    pub stdout: OwnedFd,
    /// Becomes fd 2.
    pub stderr: OwnedFd,
    /// Becomes `RESULT_FD`.
    pub result: OwnedFd,
    /// Becomes `REQUEST_FD`: the request (code and settings), read before anything else.
    pub request: OwnedFd,
}

/// A layer that failed: which, and the layers applied before it.
pub struct Failure {
    /// Every layer up to and including the failed one.
    pub layers: Vec<Layer>,
}

/// Applies every layer in the forked child of fork request `id`. On success returns the
/// request text and the layers as applied; the caller then runs the snippet.
pub fn enter(
    prepared: &Prepared,
    id: u64,
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
            Some(groups) => groups
                .join_snippet(&groups.snippet_dir(id), limits)
                .and_then(|detail| {
                    std::fs::write("/proc/self/oom_score_adj", "1000")
                        .context("raise oom_score_adj")?;
                    Ok(Some(detail))
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
        if prepared.landlock_abi == 0 {
            Ok(None)
        } else {
            landlock::restrict(&prepared.read_only, Path::new("."), prepared.landlock_abi).map(Some)
        },
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

fn read_request() -> Result<String> {
    use std::io::Read;
    use std::os::fd::FromRawFd;
    let mut text = String::new();
    // SAFETY: `REQUEST_FD` was placed by `reset_fds` and is owned by nothing else.
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
            (high[2], RESULT_FD),
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
        if libc::syscall(
            libc::SYS_close_range,
            REQUEST_FD.unsigned_abs() + 1,
            u32::MAX,
            0u32,
        ) != 0
        {
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
