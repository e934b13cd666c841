//! Running snippets: one worker process per snippet, judged from the outside.
//!
//! The runner creates a fresh scratch dir, starts `snipcheck worker` in it with a scrubbed
//! environment and its own process group, hands it the request on stdin, and reads three pipes
//! at once (stdout, stderr, and the harness's result channel on fd 3) until they close or the
//! wall clock runs out. The wall clock is enforced with SIGKILL to the whole process group,
//! never with a cooperative interrupt. How the process ended (`End`) is what the runner saw
//! itself; the harness's records only add detail.

use crate::line::LineNo;
use crate::outcome::{End, Outcome, Record};
use crate::python::RESULT_FD;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Default cap on what one snippet may write (all streams together).
pub const DEFAULT_OUTPUT_LIMIT: usize = 1 << 20;

/// One snippet to run.
#[derive(Debug, Clone)]
pub struct Job {
    /// The Markdown path, used as the code's file name in tracebacks.
    pub path: String,
    /// The Markdown line of the first code line.
    pub first_line: LineNo,
    /// The code.
    pub code: String,
    /// Code run first, in the same namespace.
    pub prelude: Option<String>,
    /// Earlier blocks this one continues, run silently (after the prelude) in the same
    /// namespace, like notebook cells.
    pub context: Vec<Cell>,
    /// Files to create in the scratch dir.
    pub files: BTreeMap<String, String>,
    /// The wall-clock limit.
    pub timeout: Duration,
    /// The output cap in bytes.
    pub output_limit: usize,
}

/// A block of code with its Markdown coordinates.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Cell {
    /// The Markdown path.
    pub path: String,
    /// The Markdown line of the first code line.
    pub first_line: LineNo,
    /// The code.
    pub code: String,
}

/// Runs `jobs` on up to `parallelism` workers at once; outcomes come back in job order.
pub fn run_all(jobs: &[Job], parallelism: usize) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new(vec![None; jobs.len()]);
    std::thread::scope(|scope| {
        for _ in 0..parallelism.clamp(1, jobs.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(index) else { break };
                    let outcome = run(job);
                    if let Ok(mut results) = results.lock() {
                        results[index] = Some(outcome);
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .into_iter()
        .map(|outcome| {
            outcome.unwrap_or_else(|| Outcome {
                end: End::RunnerError {
                    message: "the runner thread died".to_owned(),
                },
                ..Outcome::default()
            })
        })
        .collect()
}

/// Runs one snippet in a fresh worker process and scratch dir.
pub fn run(job: &Job) -> Outcome {
    match run_checked(job) {
        Ok(outcome) => outcome,
        Err(err) => Outcome {
            end: End::RunnerError {
                message: format!("{err:#}"),
            },
            ..Outcome::default()
        },
    }
}

fn run_checked(job: &Job) -> anyhow::Result<Outcome> {
    use anyhow::Context;
    let scratch = tempfile::Builder::new()
        .prefix("snipcheck-")
        .tempdir()
        .context("failed to create a scratch dir")?;
    write_files(scratch.path(), &job.files)?;
    let (result_read, result_write) = pipe().context("failed to create the result pipe")?;
    let mut child =
        spawn_worker(scratch.path(), &result_write).context("failed to start the worker")?;
    drop(result_write);
    let request = serde_json::json!({
        "path": job.path,
        "first_line": job.first_line,
        "code": job.code,
        "prelude": job.prelude,
        "context": job.context,
    });
    if let Some(mut stdin) = child.stdin.take() {
        // A worker that dies before reading its request shows up in its exit status below.
        let _ = stdin.write_all(request.to_string().as_bytes());
    }
    let observed = observe(&mut child, result_read, job);
    let records = observed
        .results
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .filter_map(|line| serde_json::from_slice::<Record>(line).ok());
    let mut outcome = Outcome::from_records(records, observed.end);
    outcome.stray_output = String::from_utf8_lossy(&observed.stray).into_owned();
    outcome.truncated |= observed.truncated;
    Ok(outcome)
}

fn write_files(dir: &Path, files: &BTreeMap<String, String>) -> anyhow::Result<()> {
    use anyhow::Context;
    for (name, content) in files {
        let path: PathBuf = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("failed to create {}", parent.display()))?;
        }
        std::fs::write(&path, content)
            .with_context(|| format!("failed to write fixture {}", path.display()))?;
    }
    Ok(())
}

fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: `pipe2` fills two fds on success; we take ownership of both.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: both fds were just created and are owned by nothing else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

fn spawn_worker(scratch: &Path, result_write: &OwnedFd) -> std::io::Result<Child> {
    let exe = std::env::current_exe()?;
    let write_fd = result_write.as_raw_fd();
    let mut command = Command::new(exe);
    command
        .arg("worker")
        .env_clear()
        .env("LC_ALL", "C.UTF-8")
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", scratch)
        .env("TMPDIR", scratch)
        .current_dir(scratch)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(move || {
            if libc::dup2(write_fd, RESULT_FD) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command.spawn()
}

struct Observed {
    results: Vec<u8>,
    stray: Vec<u8>,
    truncated: bool,
    end: End,
}

/// Reads the worker's pipes until they close, enforcing the wall clock and the output cap.
fn observe(child: &mut Child, result_read: OwnedFd, job: &Job) -> Observed {
    let started = Instant::now();
    let deadline = started + job.timeout;
    let result_cap = job.output_limit.saturating_mul(4).saturating_add(1 << 20);
    let mut streams: Vec<Stream> = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        streams.push(Stream::new(Box::new(stdout), false));
    }
    if let Some(stderr) = child.stderr.take() {
        streams.push(Stream::new(Box::new(stderr), false));
    }
    streams.push(Stream::new(
        Box::new(std::fs::File::from(result_read)),
        true,
    ));

    let mut killed_for: Option<End> = None;
    loop {
        match pump(&mut streams, deadline) {
            Pump::Closed => break,
            Pump::Deadline => {
                killed_for = Some(End::Timeout {
                    seconds: job.timeout.as_secs_f64(),
                });
                break;
            }
            Pump::Data => {
                let stray: usize = streams
                    .iter()
                    .filter(|s| !s.is_result)
                    .map(|s| s.data.len())
                    .sum();
                let results: usize = streams
                    .iter()
                    .filter(|s| s.is_result)
                    .map(|s| s.data.len())
                    .sum();
                if stray > job.output_limit || results > result_cap {
                    killed_for = Some(End::OutputLimit {
                        bytes: job.output_limit,
                    });
                    break;
                }
            }
        }
    }
    if killed_for.is_none() {
        // The pipes closed; the process may still be alive (it can close its own fds).
        while killed_for.is_none() {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() >= deadline => {
                    killed_for = Some(End::Timeout {
                        seconds: job.timeout.as_secs_f64(),
                    });
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(2)),
                Err(_) => break,
            }
        }
    }
    if killed_for.is_some() {
        kill_group(child);
        // Whatever it wrote before it was killed is still in the pipes.
        let grace = Instant::now() + Duration::from_secs(1);
        while let Pump::Data = pump(&mut streams, grace) {}
    }
    let status = child.wait();
    let end = match (killed_for, status) {
        (Some(end), _) => end,
        (None, Ok(status)) => match (status.code(), status.signal()) {
            (Some(code), _) => End::Exited { status: code },
            (None, Some(signal)) => End::Signaled { signal },
            (None, None) => End::RunnerError {
                message: "unknown exit status".to_owned(),
            },
        },
        (None, Err(err)) => End::RunnerError {
            message: format!("failed to wait for the worker: {err}"),
        },
    };
    let mut results = Vec::new();
    let mut stray = Vec::new();
    let mut truncated = false;
    for stream in streams {
        truncated |= !stream.is_result && stream.data.len() > job.output_limit;
        if stream.is_result {
            results = stream.data;
        } else {
            let room = job.output_limit.saturating_sub(stray.len());
            stray.extend_from_slice(&stream.data[..stream.data.len().min(room)]);
        }
    }
    Observed {
        results,
        stray,
        truncated,
        end,
    }
}

fn kill_group(child: &Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: signals our own child's process group, created with `process_group(0)`.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

struct Stream {
    reader: Box<dyn ReadFd>,
    data: Vec<u8>,
    open: bool,
    is_result: bool,
}

trait ReadFd: Read + AsRawFd + Send {}
impl<T: Read + AsRawFd + Send> ReadFd for T {}

impl Stream {
    fn new(reader: Box<dyn ReadFd>, is_result: bool) -> Stream {
        Stream {
            reader,
            data: Vec::new(),
            open: true,
            is_result,
        }
    }
}

enum Pump {
    Data,
    Closed,
    Deadline,
}

/// Waits until some stream is readable and reads it once.
fn pump(streams: &mut [Stream], deadline: Instant) -> Pump {
    let open: Vec<usize> = (0..streams.len()).filter(|&i| streams[i].open).collect();
    if open.is_empty() {
        return Pump::Closed;
    }
    let now = Instant::now();
    if now >= deadline {
        return Pump::Deadline;
    }
    let timeout_ms = i32::try_from((deadline - now).as_millis().max(1)).unwrap_or(i32::MAX);
    let mut fds: Vec<libc::pollfd> = open
        .iter()
        .map(|&i| libc::pollfd {
            fd: streams[i].reader.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    let nfds = libc::nfds_t::try_from(fds.len()).unwrap_or(0);
    // SAFETY: `fds` is a valid array of `nfds` pollfd structs.
    let ready = unsafe { libc::poll(fds.as_mut_ptr(), nfds, timeout_ms) };
    if ready < 0 {
        let err = std::io::Error::last_os_error();
        if err.kind() == std::io::ErrorKind::Interrupted {
            return Pump::Data;
        }
        for &i in &open {
            streams[i].open = false;
        }
        return Pump::Closed;
    }
    if ready == 0 {
        return Pump::Deadline;
    }
    let mut buf = [0u8; 64 * 1024];
    for (pollfd, &i) in fds.iter().zip(&open) {
        if pollfd.revents == 0 {
            continue;
        }
        let stream = &mut streams[i];
        match stream.reader.read(&mut buf) {
            Ok(0) => stream.open = false,
            Ok(n) => stream.data.extend_from_slice(&buf[..n]),
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => stream.open = false,
        }
    }
    Pump::Data
}
