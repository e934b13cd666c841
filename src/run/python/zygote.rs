//! The zygote: a warm, single-threaded interpreter that forks one sandboxed child per snippet.
//!
//! Started by the runner as `snipcheck worker` from a scrubbed environment with the control
//! socket on `CONTROL_FD`. It enters the network namespace, initializes CPython with its home
//! pinned, loads the harness, prepares the sandbox, says `ready` (with the modules the harness
//! loaded), and then serves fork and kill requests (`protocol`). It holds no document text:
//! the code reaches each child on a pipe from the runner. It reaps every child itself (waiting
//! on pidfds, so no signal handlers or threads are needed) and reports how each ended, with
//! what its memory cgroup saw.

use crate::run::protocol::{CONTROL_FD, ControlReply, ControlRequest, RESULT_FD, Record, Setup};
use crate::run::sandbox::control;
use crate::run::sandbox::{self, ChildFds, Limits, Prepared, SANDBOX_FAILED_STATUS};
use pyo3::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;
use std::path::PathBuf;

/// Runs the zygote until the runner closes the control socket; never returns. `home` and
/// `executable` are the chosen interpreter's (`sys.base_prefix`, `sys.executable`).
pub fn zygote_main(setup: &Setup, home: &Path, executable: &Path) -> ! {
    let status = match serve(setup, home, executable) {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("snipcheck zygote: {err:#}");
            super::INTERNAL_ERROR_STATUS
        }
    };
    // SAFETY: ends the process without unwinding into Python-owning frames.
    unsafe { libc::_exit(status) }
}

struct Child {
    pid: libc::pid_t,
    pidfd: OwnedFd,
    killed: bool,
}

fn serve(setup: &Setup, home: &Path, executable: &Path) -> anyhow::Result<()> {
    let slots = u64::try_from(setup.slots).unwrap_or(u64::MAX);
    // SAFETY: the runner placed the control socket at `CONTROL_FD` and nothing else owns it.
    let control = unsafe { OwnedFd::from_raw_fd(CONTROL_FD) };
    super::redirect_stdin_to_null().map_err(anyhow::Error::msg)?;
    let network = sandbox::prepare_network();
    // SAFETY: plain getter.
    let run = format!("snipcheck-{}", unsafe { libc::getpid() });
    // The cgroup move waits for an RCU grace period: let it happen while the interpreter
    // starts. The thread is joined before anything forks, so forks see one thread.
    let cgroups = {
        let run = run.clone();
        let slots = slots.max(1);
        std::thread::spawn(move || sandbox::join_cgroups(&run, &Limits::default(), slots))
    };
    super::initialize(home, executable).map_err(anyhow::Error::msg)?;
    Python::attach(|py| -> anyhow::Result<()> {
        super::forget_environment(py)?;
        let harness = super::load_harness(py)?;
        let sys = py.import("sys")?;
        let loaded_modules = top_level_modules(&sys)?;
        let cgroups = cgroups
            .join()
            .map_err(|_| anyhow::anyhow!("the cgroup thread panicked"))?;
        if !setup.preload.is_empty() {
            harness.call_method1("preload", (setup.preload.clone(),))?;
        }
        // Forking is only safe while the zygote has a single thread.
        let threads = std::fs::read_dir("/proc/self/task").map_or(1, Iterator::count);
        anyhow::ensure!(
            threads == 1,
            "the zygote has {threads} threads before forking (preloaded: {:?}); it must stay single-threaded",
            setup.preload
        );
        let mut sys_path: Vec<String> = sys.getattr("path")?.extract()?;
        sys_path.extend(setup.read_only.iter().map(|p| p.display().to_string()));
        let python: String = sys.getattr("version")?.extract::<String>()?;
        let python = python.split_whitespace().next().unwrap_or("").to_owned();
        // As root the children drop to a uid of their own: an interpreter under a private
        // directory (pyenv's in /root) is bound back for them, alone.
        // SAFETY: plain getter.
        let exposed = if unsafe { libc::geteuid() } == 0 {
            let paths: Vec<std::path::PathBuf> = sys_path
                .iter()
                .filter(|p| !p.is_empty())
                .map(std::path::PathBuf::from)
                .collect();
            Some(sandbox::expose::expose(&paths))
        } else {
            None
        };
        let mut prepared = sandbox::prepare(network, cgroups, &sys_path)?;
        // Only when a private directory needed it; failing, imports from it fail in the child.
        let exposed = match exposed {
            Some(Ok(Some(shown))) => Some((
                sandbox::LayerStatus::Active,
                format!("readable to the dropped uid through a tmpfs: {shown}"),
            )),
            Some(Err(err)) => Some((
                sandbox::LayerStatus::Unavailable,
                format!(
                    "the interpreter is under a directory other users cannot enter, and it could not be bound back ({err:#}): snippets cannot import from it"
                ),
            )),
            Some(Ok(None)) | None => None,
        };
        if let Some((status, detail)) = exposed {
            prepared.layers.push(sandbox::Layer {
                name: "interpreter files".to_owned(),
                status,
                detail,
            });
        }
        control::send(
            &control,
            &ControlReply::Ready {
                python,
                home: home.display().to_string(),
                layers: prepared.layers.clone(),
                cgroups: prepared
                    .cgroups
                    .as_ref()
                    .map(|g| g.paths().iter().map(|p| p.display().to_string()).collect())
                    .unwrap_or_default(),
                loaded_modules,
            },
            &[],
        )?;
        serve_requests(py, &harness, &prepared, &control)
    })
}

/// The top-level names in `sys.modules`, sorted.
fn top_level_modules(sys: &Bound<'_, PyModule>) -> anyhow::Result<Vec<String>> {
    let modules = sys.getattr("modules")?;
    let modules = modules
        .cast::<pyo3::types::PyDict>()
        .map_err(pyo3::PyErr::from)?;
    let names: BTreeSet<String> = modules
        .keys()
        .iter()
        .filter_map(|key| key.extract::<String>().ok())
        .map(|name| name.split('.').next().unwrap_or(&name).to_owned())
        .collect();
    Ok(names.into_iter().collect())
}

fn serve_requests(
    py: Python<'_>,
    harness: &Bound<'_, PyModule>,
    prepared: &Prepared,
    control: &OwnedFd,
) -> anyhow::Result<()> {
    let mut children: HashMap<u64, Child> = HashMap::new();
    // Snippet groups not yet removable when their child was reaped: retried after each reap.
    let mut lingering: Vec<PathBuf> = Vec::new();
    loop {
        let ids: Vec<u64> = children.keys().copied().collect();
        let mut fds: Vec<libc::pollfd> = std::iter::once(control.as_raw_fd())
            .chain(ids.iter().map(|id| children[id].pidfd.as_raw_fd()))
            .map(|fd| libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        let nfds = libc::nfds_t::try_from(fds.len()).unwrap_or(0);
        // SAFETY: `fds` is a valid array of `nfds` pollfds.
        if unsafe { libc::poll(fds.as_mut_ptr(), nfds, -1) } < 0 {
            let err = std::io::Error::last_os_error();
            if err.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err.into());
        }
        for (pollfd, id) in fds[1..].iter().zip(&ids) {
            if pollfd.revents != 0
                && let Some(child) = children.remove(id)
            {
                reap(prepared, control, *id, child, &mut lingering)?;
            }
        }
        if fds[0].revents != 0 {
            let Some((body, received)) = control::recv(control)? else {
                break;
            };
            match serde_json::from_slice::<ControlRequest>(&body) {
                Ok(ControlRequest::Fork {
                    id,
                    scratch,
                    limits,
                }) => match fork_child(py, harness, prepared, id, scratch, limits, received) {
                    Ok(child) => {
                        children.insert(id, child);
                    }
                    Err(err) => control::send(
                        control,
                        &ControlReply::Failed {
                            id,
                            error: format!("{err:#}"),
                        },
                        &[],
                    )?,
                },
                Ok(ControlRequest::Kill { id }) => {
                    if let Some(child) = children.get_mut(&id) {
                        kill(child);
                    }
                }
                Err(err) => anyhow::bail!("bad control message: {err}"),
            }
        }
    }
    // The runner is gone: nothing may outlive it.
    for (id, mut child) in children.drain() {
        kill(&mut child);
        let _ = reap(prepared, control, id, child, &mut lingering);
    }
    Ok(())
}

fn kill(child: &mut Child) {
    child.killed = true;
    // SAFETY: pidfd_send_signal on a pidfd we own; no race with pid reuse.
    unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            child.pidfd.as_raw_fd(),
            libc::SIGKILL,
            std::ptr::null::<libc::siginfo_t>(),
            0u32,
        );
    }
}

fn reap(
    prepared: &Prepared,
    control: &OwnedFd,
    id: u64,
    child: Child,
    lingering: &mut Vec<PathBuf>,
) -> anyhow::Result<()> {
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid; wait4 fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for our own child.
    let rc = unsafe { libc::wait4(child.pid, &mut status, 0, &mut usage) };
    if rc != child.pid {
        anyhow::bail!(
            "wait4({}) failed: {}",
            child.pid,
            std::io::Error::last_os_error()
        );
    }
    let (exit, signal) = if libc::WIFEXITED(status) {
        (Some(libc::WEXITSTATUS(status)), None)
    } else if libc::WIFSIGNALED(status) {
        (None, Some(libc::WTERMSIG(status)))
    } else {
        (None, None)
    };
    // Its own memory group's counters, then the group removed (or retried later).
    let memory = prepared
        .cgroups
        .as_ref()
        .map_or_else(Default::default, |groups| {
            lingering.retain(|dir| !sandbox::cgroup::try_remove(dir));
            let dir = groups.snippet_dir(id);
            let (memory, removed) = groups.finish_snippet(&dir);
            if !removed {
                lingering.push(dir);
            }
            memory
        });
    // A SIGKILL nobody here sent, while this child's own group saw an OOM kill: the kernel's
    // OOM killer took this child (and only this child's group can make it).
    let oom_killed = signal == Some(libc::SIGKILL) && !child.killed && memory.oom_kills > 0;
    let rss = u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024;
    control::send(
        control,
        &ControlReply::Exited {
            id,
            status: exit,
            signal,
            oom_killed,
            peak_bytes: rss.max(memory.peak_bytes),
        },
        &[],
    )?;
    Ok(())
}

fn fork_child(
    py: Python<'_>,
    harness: &Bound<'_, PyModule>,
    prepared: &Prepared,
    id: u64,
    scratch: String,
    limits: Limits,
    received: Vec<OwnedFd>,
) -> anyhow::Result<Child> {
    let Ok([stdout, stderr, result, request]) = <[OwnedFd; 4]>::try_from(received) else {
        anyhow::bail!("a fork request must carry exactly 4 fds");
    };
    // SAFETY: the zygote is single-threaded and holds the GIL; these calls bracket fork
    // exactly as `os.fork()` does.
    let pid = unsafe {
        super::PyOS_BeforeFork();
        let pid = libc::fork();
        if pid == 0 {
            super::PyOS_AfterFork_Child();
        } else {
            super::PyOS_AfterFork_Parent();
        }
        pid
    };
    if pid == 0 {
        let fds = ChildFds {
            stdout,
            stderr,
            result,
            request,
        };
        child_main(
            py,
            harness,
            prepared,
            id,
            PathBuf::from(scratch),
            limits,
            fds,
        );
    }
    if pid < 0 {
        anyhow::bail!("fork failed: {}", std::io::Error::last_os_error());
    }
    // SAFETY: pidfd_open on our own child, which cannot have been reaped yet.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if pidfd < 0 {
        anyhow::bail!("pidfd_open failed: {}", std::io::Error::last_os_error());
    }
    // SAFETY: the kernel just returned this fd to us.
    let pidfd = unsafe { OwnedFd::from_raw_fd(RawFd::try_from(pidfd).unwrap_or(-1)) };
    Ok(Child {
        pid,
        pidfd,
        killed: false,
    })
}

/// Runs in the forked child: sandbox, then the harness; never returns.
fn child_main(
    py: Python<'_>,
    harness: &Bound<'_, PyModule>,
    prepared: &Prepared,
    id: u64,
    scratch: PathBuf,
    limits: Limits,
    fds: ChildFds,
) -> ! {
    // Taken before any snippet code runs, so the snippet cannot swap it (see below).
    let verify = harness.getattr("verify");
    let status = match sandbox::enter(prepared, id, &scratch, &limits, fds) {
        Err(failure) => {
            write_record(&Record::Sandbox {
                layers: failure.layers,
                failed: true,
            });
            SANDBOX_FAILED_STATUS
        }
        Ok((request, layers)) => {
            write_record(&Record::Sandbox {
                layers,
                failed: false,
            });
            // `verify` was bound in the zygote, before any snippet: a snippet that rebinds
            // the harness's names cannot replace the check run after its last record.
            match harness
                .getattr("main")
                .and_then(|main| main.call1((request, RESULT_FD)))
                .and_then(|_| verify.and_then(|verify| verify.call0()))
            {
                Ok(_) => 0,
                Err(err) => {
                    eprintln!("snipcheck harness: {err}");
                    err.print(py);
                    super::INTERNAL_ERROR_STATUS
                }
            }
        }
    };
    // SAFETY: ends the child without unwinding or finalizing.
    unsafe { libc::_exit(status) }
}

fn write_record(record: &Record) {
    let Ok(mut line) = serde_json::to_vec(record) else {
        return;
    };
    line.push(b'\n');
    let mut written = 0;
    while written < line.len() {
        // SAFETY: writing our own buffer to the result fd.
        let n = unsafe {
            libc::write(
                RESULT_FD,
                line[written..].as_ptr() as *const libc::c_void,
                line.len() - written,
            )
        };
        if n <= 0 {
            return;
        }
        written += usize::try_from(n).unwrap_or(0);
    }
}
