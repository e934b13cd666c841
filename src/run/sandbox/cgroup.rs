//! The cgroup layer (v1 memory and pids hierarchies): the total memory (memfd and tmpfs pages
//! included) and the total number of tasks (threads included) of a run's snippets.
//!
//! The zygote makes one group per run under its own memory and pids cgroups, sets the totals
//! and joins it once at start-up; every forked child starts inside it without a migration
//! (moving a task between v1 cgroups waits for an RCU grace period, ~14 ms here, which would
//! dominate the per-snippet cost). Per-snippet memory is bounded by RLIMIT_AS; children raise
//! their own `oom_score_adj` so the kernel's OOM killer picks a snippet, never the zygote. The
//! runner removes the groups once the zygote has exited.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// A run's cgroups, joined by the zygote.
#[derive(Debug, Clone)]
pub struct Cgroups {
    memory: PathBuf,
    pids: PathBuf,
    /// The memory limit of the whole run, in bytes.
    pub memory_bytes: u64,
    /// The task limit of the whole run.
    pub max_tasks: u64,
}

impl Cgroups {
    /// Creates the run's groups under the caller's own v1 memory and pids cgroups, sets the
    /// limits and moves the calling process into both.
    pub fn create_and_join(run: &str, memory_bytes: u64, max_tasks: u64) -> Result<Cgroups> {
        let memory = own_v1("memory")?.join(run);
        let pids = own_v1("pids")?.join(run);
        for dir in [&memory, &pids] {
            if !dir.exists() {
                std::fs::create_dir(dir)
                    .with_context(|| format!("failed to create cgroup {}", dir.display()))?;
            }
        }
        let groups = Cgroups {
            memory,
            pids,
            memory_bytes,
            max_tasks,
        };
        write(
            &groups.memory.join("memory.limit_in_bytes"),
            &memory_bytes.to_string(),
        )?;
        let memsw = groups.memory.join("memory.memsw.limit_in_bytes");
        if memsw.exists() {
            write(&memsw, &memory_bytes.to_string())?;
        }
        write(&groups.pids.join("pids.max"), &max_tasks.to_string())?;
        write(&groups.memory.join("cgroup.procs"), "0")?;
        write(&groups.pids.join("cgroup.procs"), "0")?;
        Ok(groups)
    }

    /// How many times the kernel's OOM killer has killed a task of the run's memory group.
    pub fn oom_kills(&self) -> u64 {
        std::fs::read_to_string(self.memory.join("memory.oom_control"))
            .ok()
            .and_then(|text| {
                text.lines()
                    .find_map(|line| line.strip_prefix("oom_kill ")?.trim().parse().ok())
            })
            .unwrap_or(0)
    }

    /// The group directories, for the runner to remove once the zygote is gone.
    pub fn paths(&self) -> Vec<PathBuf> {
        vec![self.memory.clone(), self.pids.clone()]
    }
}

/// Removes the run's cgroup directories, first killing every task still in them: a snippet
/// that outlived its zygote (say it cleared its own parent-death signal) is still in the run's
/// groups, which it cannot leave, so it goes too. A group empties a moment after its last task
/// exits.
pub fn remove(dirs: &[PathBuf]) {
    // Only a run's own groups (`snipcheck-<zygote pid>`) are emptied this way.
    let runs = dirs.iter().filter(|dir| {
        dir.file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.starts_with("snipcheck-"))
    });
    for dir in runs {
        for _ in 0..50 {
            let Ok(procs) = std::fs::read_to_string(dir.join("cgroup.procs")) else {
                break;
            };
            let pids: Vec<libc::pid_t> = procs
                .lines()
                .filter_map(|l| l.trim().parse().ok())
                .collect();
            if pids.is_empty() {
                break;
            }
            for pid in pids {
                // SAFETY: a plain kill(2) of a task in the run's own cgroup.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
    remove_empty(dirs);
}

/// Removes emptied cgroup directories.
fn remove_empty(dirs: &[PathBuf]) {
    for dir in dirs {
        for _ in 0..100 {
            match std::fs::remove_dir(dir) {
                Ok(()) => break,
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => break,
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
            }
        }
    }
}

fn write(path: &Path, value: &str) -> Result<()> {
    std::fs::write(path, value).with_context(|| format!("cgroup: write {}", path.display()))
}

/// The directory of the calling process's own cgroup in a v1 hierarchy.
fn own_v1(controller: &str) -> Result<PathBuf> {
    let mount = PathBuf::from("/sys/fs/cgroup").join(controller);
    if !mount.join("cgroup.procs").exists() {
        bail!("no cgroup v1 {controller} hierarchy at {}", mount.display());
    }
    let table =
        std::fs::read_to_string("/proc/self/cgroup").context("failed to read /proc/self/cgroup")?;
    let relative = table
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ':');
            let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
            controllers
                .split(',')
                .any(|c| c == controller)
                .then_some(path)
        })
        .next()
        .unwrap_or("/");
    Ok(mount.join(relative.trim_start_matches('/')))
}
