//! The cgroup layer: the total memory and tasks of a run, and each snippet's own memory
//! (anonymous, memfd, tmpfs/shmem and the page cache it dirties), so that the OOM killer can
//! only take the snippet that went over, and a `memory` verdict never depends on what ran
//! beside it.
//!
//! Two hierarchies:
//! - **v1** (a `memory` and a `pids` hierarchy under `/sys/fs/cgroup`, as root): the zygote
//!   makes the run's groups under its own memory and pids cgroups and joins them once at
//!   start-up. Each child makes `snippet-<id>` under the run's memory group, sets its limit
//!   (`memory.limit_in_bytes`, and `memory.memsw.limit_in_bytes` where swap accounting exists)
//!   and moves itself in through the group's `tasks` file: moving one thread of a
//!   single-threaded process (itself) skips the kernel's thread-group lock, whose RCU grace
//!   period (~11 ms here) writing `cgroup.procs` would cost. Tasks stay in the run's pids group.
//! - **v2** (the unified hierarchy at `/sys/fs/cgroup`): the run's group `snipcheck-<pid>` goes
//!   under the nearest cgroup at or above the zygote's own that is writable and may have
//!   child groups with controllers (the root, or one with no process of its own: as root a
//!   slice, when not root a subtree systemd delegated to the user); the zygote moves into its
//!   leaf `zygote`, and each child makes and joins `snippet-<id>` (`memory.max`,
//!   `memory.swap.max` 0, `pids.max`, `memory.oom.group`). Teardown kills with `cgroup.kill`.
//!
//! The zygote reads each snippet group's OOM kills and peak once the child is reaped, then
//! removes the group; the runner removes the run's groups (and any snippet group left) once
//! the zygote has exited, killing whatever is still in them first.

use super::Limits;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// Where cgroup hierarchies are mounted.
const ROOT: &str = "/sys/fs/cgroup";

/// A run's cgroups, joined by the zygote.
#[derive(Debug, Clone)]
pub struct Cgroups {
    hierarchy: Hierarchy,
    /// The memory limit of the whole run, in bytes.
    pub memory_bytes: u64,
    /// The task limit of the whole run.
    pub max_tasks: u64,
    /// Whether swap counts against the limits (v1: `memsw` exists; v2: always, swap max 0).
    pub swap_counted: bool,
}

/// Which hierarchy, and the run's group(s) in it.
#[derive(Debug, Clone)]
enum Hierarchy {
    /// The run's groups in the v1 memory and pids hierarchies.
    V1 { memory: PathBuf, pids: PathBuf },
    /// The run's group in the unified hierarchy (the zygote in its leaf `zygote`).
    V2 { run: PathBuf },
}

/// What a snippet's own memory group saw, read after the child was reaped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SnippetMemory {
    /// How many times the OOM killer killed a task of the group.
    pub oom_kills: u64,
    /// The group's peak usage in bytes (0 where the kernel does not keep it).
    pub peak_bytes: u64,
}

impl Cgroups {
    /// Creates the run's groups, sets the run's totals and moves the calling process into
    /// them: v1 where a v1 memory hierarchy is mounted (as root only), else v2. `root` says
    /// whether the caller is root (v2 then looks for a delegated subtree).
    pub fn create_and_join(
        run: &str,
        memory_bytes: u64,
        max_tasks: u64,
        root: bool,
    ) -> Result<Cgroups> {
        if Path::new(ROOT).join("memory/cgroup.procs").exists() {
            if !root {
                bail!(
                    "not root: v1 cgroups cannot be delegated; memory is bounded by RLIMIT_AS only"
                );
            }
            return create_v1(run, memory_bytes, max_tasks);
        }
        if Path::new(ROOT).join("cgroup.controllers").exists() {
            return create_v2(run, memory_bytes, max_tasks);
        }
        bail!("no cgroup v1 memory hierarchy and no cgroup v2 hierarchy under {ROOT}")
    }

    /// 1 or 2.
    pub fn version(&self) -> u8 {
        match self.hierarchy {
            Hierarchy::V1 { .. } => 1,
            Hierarchy::V2 { .. } => 2,
        }
    }

    /// The directory of snippet `id`'s own group (made by the child, removed by the zygote).
    pub fn snippet_dir(&self, id: u64) -> PathBuf {
        let run = match &self.hierarchy {
            Hierarchy::V1 { memory, .. } => memory,
            Hierarchy::V2 { run } => run,
        };
        run.join(format!("snippet-{id}"))
    }

    /// Called in the child before any snippet code runs: makes its group at `dir` with
    /// `limits`' memory (and, in v2, tasks) limit and moves the calling, single-threaded
    /// process into it. Returns the layer's detail.
    pub fn join_snippet(&self, dir: &Path, limits: &Limits) -> Result<String> {
        std::fs::create_dir(dir)
            .with_context(|| format!("failed to create cgroup {}", dir.display()))?;
        let bytes = limits.memory_bytes.to_string();
        let name = dir
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        match &self.hierarchy {
            Hierarchy::V1 { .. } => {
                write(&dir.join("memory.limit_in_bytes"), &bytes)?;
                if self.swap_counted {
                    write(&dir.join("memory.memsw.limit_in_bytes"), &bytes)?;
                }
                write(&dir.join("tasks"), "0")?;
                Ok(format!(
                    "own v1 memory group {name} ({} MiB: anonymous, memfd, tmpfs and dirtied page cache{}) in the run's ({} MiB in all), the run's pids group ({} tasks in all)",
                    limits.memory_bytes >> 20,
                    if self.swap_counted {
                        ", swap included"
                    } else {
                        "; swap not counted: no memsw accounting"
                    },
                    self.memory_bytes >> 20,
                    self.max_tasks
                ))
            }
            Hierarchy::V2 { .. } => {
                write(&dir.join("memory.max"), &bytes)?;
                write(&dir.join("memory.swap.max"), "0")?;
                write(&dir.join("pids.max"), &limits.max_tasks.to_string())?;
                write(&dir.join("memory.oom.group"), "1")?;
                write(&dir.join("cgroup.procs"), "0")?;
                Ok(format!(
                    "own v2 group {name} (memory.max {} MiB: anonymous, memfd, tmpfs and dirtied page cache; no swap; pids.max {}) in the run's ({} MiB, {} tasks in all)",
                    limits.memory_bytes >> 20,
                    limits.max_tasks,
                    self.memory_bytes >> 20,
                    self.max_tasks
                ))
            }
        }
    }

    /// Called by the zygote once the child of `dir` is reaped: what its group saw, then the
    /// group removed. Returns `false` as the second value when the group could not be removed
    /// yet (the caller retries later; the runner's [`remove`] is the backstop).
    pub fn finish_snippet(&self, dir: &Path) -> (SnippetMemory, bool) {
        let (events, peak) = match self.hierarchy {
            Hierarchy::V1 { .. } => ("memory.oom_control", "memory.max_usage_in_bytes"),
            Hierarchy::V2 { .. } => ("memory.events", "memory.peak"),
        };
        let seen = SnippetMemory {
            oom_kills: std::fs::read_to_string(dir.join(events))
                .ok()
                .and_then(|text| {
                    text.lines()
                        .find_map(|line| line.strip_prefix("oom_kill ")?.trim().parse().ok())
                })
                .unwrap_or(0),
            peak_bytes: std::fs::read_to_string(dir.join(peak))
                .ok()
                .and_then(|text| text.trim().parse().ok())
                .unwrap_or(0),
        };
        (seen, try_remove(dir))
    }

    /// The run's group directories, for the runner to remove once the zygote is gone.
    pub fn paths(&self) -> Vec<PathBuf> {
        match &self.hierarchy {
            Hierarchy::V1 { memory, pids } => vec![memory.clone(), pids.clone()],
            Hierarchy::V2 { run } => vec![run.clone()],
        }
    }
}

/// Removes a group that should be empty; `false` if it is still there.
pub fn try_remove(dir: &Path) -> bool {
    match std::fs::remove_dir(dir) {
        Ok(()) => true,
        Err(err) => err.kind() == std::io::ErrorKind::NotFound,
    }
}

fn create_v1(run: &str, memory_bytes: u64, max_tasks: u64) -> Result<Cgroups> {
    let memory = own_v1("memory")?.join(run);
    let pids = own_v1("pids")?.join(run);
    for dir in [&memory, &pids] {
        if !dir.exists() {
            std::fs::create_dir(dir)
                .with_context(|| format!("failed to create cgroup {}", dir.display()))?;
        }
    }
    let memsw = memory.join("memory.memsw.limit_in_bytes");
    let groups = Cgroups {
        hierarchy: Hierarchy::V1 {
            memory: memory.clone(),
            pids: pids.clone(),
        },
        memory_bytes,
        max_tasks,
        swap_counted: memsw.exists(),
    };
    write(
        &memory.join("memory.limit_in_bytes"),
        &memory_bytes.to_string(),
    )?;
    if groups.swap_counted {
        write(&memsw, &memory_bytes.to_string())?;
    }
    write(&pids.join("pids.max"), &max_tasks.to_string())?;
    write(&memory.join("cgroup.procs"), "0")?;
    write(&pids.join("cgroup.procs"), "0")?;
    Ok(groups)
}

fn create_v2(run: &str, memory_bytes: u64, max_tasks: u64) -> Result<Cgroups> {
    let own = own_v2()?;
    let parent = delegated_parent(&own)?;
    let dir = parent.join(run);
    std::fs::create_dir(&dir)
        .with_context(|| format!("failed to create cgroup {}", dir.display()))?;
    let groups = Cgroups {
        hierarchy: Hierarchy::V2 { run: dir.clone() },
        memory_bytes,
        max_tasks,
        swap_counted: true,
    };
    let made = (|| -> Result<()> {
        write(&dir.join("memory.max"), &memory_bytes.to_string())?;
        write(&dir.join("memory.swap.max"), "0")?;
        write(&dir.join("pids.max"), &max_tasks.to_string())?;
        write(&dir.join("cgroup.subtree_control"), "+memory +pids")?;
        let zygote = dir.join("zygote");
        std::fs::create_dir(&zygote)
            .with_context(|| format!("failed to create cgroup {}", zygote.display()))?;
        write(&zygote.join("cgroup.procs"), "0")
    })();
    if let Err(err) = made {
        remove(&[dir]);
        return Err(err);
    }
    Ok(groups)
}

/// The nearest cgroup at or above `own` where the run's group can go: writable by this
/// process, with the memory and pids controllers available, and either the root or without
/// processes of its own (only then may its children have controllers).
fn delegated_parent(own: &Path) -> Result<PathBuf> {
    let root = Path::new(ROOT);
    let mut tried = Vec::new();
    let mut at = Some(own);
    while let Some(dir) = at.filter(|d| d.starts_with(root)) {
        let controllers =
            std::fs::read_to_string(dir.join("cgroup.controllers")).unwrap_or_default();
        let available = ["memory", "pids"]
            .iter()
            .all(|c| controllers.split_whitespace().any(|have| have == *c));
        let empty = dir == root
            || std::fs::read_to_string(dir.join("cgroup.procs")).is_ok_and(|p| p.trim().is_empty());
        if available && empty && writable(dir) && writable(&dir.join("cgroup.subtree_control")) {
            let enabled =
                std::fs::read_to_string(dir.join("cgroup.subtree_control")).unwrap_or_default();
            let missing: Vec<String> = ["memory", "pids"]
                .iter()
                .filter(|c| !enabled.split_whitespace().any(|have| have == **c))
                .map(|c| format!("+{c}"))
                .collect();
            if missing.is_empty()
                || std::fs::write(dir.join("cgroup.subtree_control"), missing.join(" ")).is_ok()
            {
                return Ok(dir.to_path_buf());
            }
        }
        tried.push(dir.strip_prefix(root).map_or_else(
            |_| dir.display().to_string(),
            |rel| format!("/{}", rel.display()),
        ));
        at = dir.parent();
    }
    bail!(
        "no cgroup v2 group at or above this process's own ({}) is writable with the memory and pids controllers and free of other processes (not root and no delegated subtree; e.g. run under `systemd-run --user --scope -p Delegate=yes`); memory is bounded by RLIMIT_AS only",
        tried.first().map_or("/", String::as_str)
    )
}

fn writable(path: &Path) -> bool {
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()) else {
        return false;
    };
    // SAFETY: access(2) with a valid C string.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

/// Removes the run's cgroup directories and every group under them, first killing every task
/// still in them (v2: `cgroup.kill`): a snippet that outlived its zygote (say it cleared its
/// own parent-death signal) is still in the run's groups, which it cannot leave, so it goes
/// too. A group empties a moment after its last task exits.
pub fn remove(dirs: &[PathBuf]) {
    // Only a run's own groups (`snipcheck-<zygote pid>`) are emptied this way.
    let runs = dirs.iter().filter(|dir| {
        dir.file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.starts_with("snipcheck-"))
    });
    for dir in runs {
        if dir.join("cgroup.kill").exists() {
            let _ = std::fs::write(dir.join("cgroup.kill"), "1");
        }
        remove_tree(dir);
    }
}

/// Empties and removes `dir`, its child groups first.
fn remove_tree(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                remove_tree(&entry.path());
            }
        }
    }
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
    // A v1 memory group whose last task just died can stay busy for a while under memory
    // pressure (its pages are still being uncharged): up to 2 s.
    for _ in 0..400 {
        if try_remove(dir) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

fn write(path: &Path, value: &str) -> Result<()> {
    std::fs::write(path, value).with_context(|| format!("cgroup: write {}", path.display()))
}

/// The directory of the calling process's own cgroup in a v1 hierarchy.
fn own_v1(controller: &str) -> Result<PathBuf> {
    let mount = Path::new(ROOT).join(controller);
    if !mount.join("cgroup.procs").exists() {
        bail!("no cgroup v1 {controller} hierarchy at {}", mount.display());
    }
    Ok(mount.join(own_path(|controllers| {
        controllers.split(',').any(|c| c == controller)
    })?))
}

/// The directory of the calling process's own cgroup in the unified hierarchy.
fn own_v2() -> Result<PathBuf> {
    Ok(Path::new(ROOT).join(own_path(str::is_empty)?))
}

/// The path (relative) of the first line of `/proc/self/cgroup` whose controllers field
/// `matches`.
fn own_path(matches: impl Fn(&str) -> bool) -> Result<String> {
    let table =
        std::fs::read_to_string("/proc/self/cgroup").context("failed to read /proc/self/cgroup")?;
    Ok(table
        .lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ':');
            let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
            matches(controllers).then_some(path)
        })
        .next()
        .unwrap_or("/")
        .trim_start_matches('/')
        .to_owned())
}
