//! Running snippets in the sandbox, judged from the outside (the parent side of the zygote).
//!
//! [`Zygote::start`] spawns `snipcheck worker` (the zygote) once per run from a scrubbed
//! environment. [`Zygote::run`] runs one snippet: it makes a scratch dir and four pipes, asks
//! the zygote to fork a child with the pipes' child ends, writes the request (code, prelude,
//! fixture files) straight to the child, and reads stdout, stderr and the result channel at
//! once until they close, the wall clock runs out, or the output cap is passed. Timeouts are
//! enforced with SIGKILL (through the zygote's pidfd), never with a cooperative interrupt. How
//! the child ended (`End`) comes from the zygote's `waitpid` and the runner's own clock and
//! byte counts, never from anything the snippet can write.

use crate::line::LineNo;
use crate::plan::ContextCell;
use crate::run::interpreter;
use crate::run::outcome::{End, Outcome};
use crate::run::protocol::{
    self, BlockNames, CONTROL_FD, ControlReply, ControlRequest, HarnessRequest, HarnessStep,
    HarnessVenv, NamesCell, NamesRequest, Setup,
};
use crate::run::sandbox::control;
use crate::run::sandbox::{Layer, Limits, floor};
use anyhow::{Context, Result, bail};
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// Default cap on what one snippet may write (all streams together).
pub const DEFAULT_OUTPUT_LIMIT: usize = 1 << 20;

/// How long the zygote may take to start (interpreter start-up included).
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// How long to wait for the zygote's word on a child after its pipes closed or it was killed.
const REAP_GRACE: Duration = Duration::from_secs(5);

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
    pub context: Vec<ContextCell>,
    /// Files to create in the scratch dir.
    pub files: BTreeMap<String, String>,
    /// The wall-clock limit.
    pub timeout: Duration,
    /// The output cap in bytes.
    pub output_limit: usize,
    /// Resource limits inside the sandbox (the timeout field is overridden by `timeout`).
    pub limits: Limits,
    /// An interactive session (`>>>`): run with REPL semantics by doctest, not as a script.
    pub interactive: bool,
    /// The virtualenv whose site-packages join `sys.path` inside the sandbox.
    pub venv: Option<crate::run::venv::Venv>,
}

impl Job {
    /// A job for `code` with the default limits, no prelude, context or fixture files.
    pub fn new(
        path: impl Into<String>,
        first_line: LineNo,
        code: impl Into<String>,
        timeout: Duration,
    ) -> Job {
        Job {
            path: path.into(),
            first_line,
            code: code.into(),
            prelude: None,
            context: Vec::new(),
            files: BTreeMap::new(),
            timeout,
            output_limit: DEFAULT_OUTPUT_LIMIT,
            limits: Limits::default(),
            interactive: false,
            venv: None,
        }
    }
}

/// A running zygote.
pub struct Zygote {
    control: Arc<OwnedFd>,
    process: Mutex<Child>,
    routes: Arc<Mutex<HashMap<u64, mpsc::Sender<ControlReply>>>>,
    dead: Arc<AtomicBool>,
    next_id: AtomicU64,
    reader: Option<std::thread::JoinHandle<()>>,
    run_dir: tempfile::TempDir,
    cgroups: Vec<std::path::PathBuf>,
    /// The Python version the zygote runs.
    pub python: String,
    /// The interpreter's home.
    pub home: String,
    /// The sandbox layers as the zygote prepared them.
    pub layers: Vec<Layer>,
    /// The top-level modules the zygote had loaded before preloading (the harness's imports
    /// and what they pull in): importing them costs a child nothing.
    pub loaded_modules: Vec<String>,
}

/// Runs `jobs` on up to `parallelism` children at once; outcomes come back in job order.
pub fn run_all(jobs: &[Job], parallelism: usize) -> Result<Vec<Outcome>> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let zygote = Zygote::start(parallelism)?;
    Ok(zygote.run_all(jobs, parallelism))
}

impl Zygote {
    /// Starts the zygote (this very binary's hidden `worker` command) and waits until its
    /// interpreter is ready.
    pub fn start(slots: usize) -> Result<Zygote> {
        Zygote::start_setup(&Setup {
            slots,
            ..Setup::default()
        })
    }

    /// [`Zygote::start`] with extra readable directories and preloaded modules.
    pub fn start_setup(setup: &Setup) -> Result<Zygote> {
        let exe = std::env::current_exe().context("failed to find the snipcheck binary")?;
        Zygote::start_with_setup(&exe, setup)
    }

    /// Starts the zygote from the snipcheck binary at `exe` (benchmarks and tests, whose own
    /// executable is not snipcheck).
    /// `slots` is how many children may run at once (it sizes the run's cgroups).
    pub fn start_with(exe: &std::path::Path, slots: usize) -> Result<Zygote> {
        Zygote::start_with_setup(
            exe,
            &Setup {
                slots,
                ..Setup::default()
            },
        )
    }

    /// [`Zygote::start_with`] with a full [`Setup`]. The zygote is `snipcheck-worker`, beside
    /// the snipcheck binary `exe`, started with the chosen CPython's library as its
    /// `libpython3.so` (in the run dir) and its interpreter's environment.
    pub fn start_with_setup(exe: &std::path::Path, setup: &Setup) -> Result<Zygote> {
        let slots = setup.slots;
        let python = match &setup.python {
            Some(python) => python.clone(),
            None => interpreter::resolve(None, None, None)?,
        };
        let run_dir = tempfile::Builder::new()
            .prefix("snipcheck-run-")
            .tempdir()
            .context("failed to create the run's scratch dir")?;
        std::fs::set_permissions(run_dir.path(), std::fs::Permissions::from_mode(0o711))
            .context("failed to set the run dir's mode")?;
        let library_dir = python.library_dir(&run_dir.path().join("lib"))?;
        let worker = exe.with_file_name("snipcheck-worker");
        let (ours, theirs) =
            control::socket_pair().context("failed to create the control socket")?;
        let their_fd = theirs.as_raw_fd();
        let mut command = Command::new(&worker);
        command
            .arg("worker")
            .arg("--home")
            .arg(&python.home)
            .arg("--executable")
            .arg(&python.executable)
            .arg("--slots")
            .arg(slots.max(1).to_string())
            .args(
                setup
                    .read_only
                    .iter()
                    .flat_map(|dir| [std::ffi::OsStr::new("--read-only"), dir.as_os_str()]),
            );
        if !setup.preload.is_empty() {
            command.arg("--preload").arg(setup.preload.join(","));
        }
        command
            .env_clear()
            .env("LC_ALL", "C.UTF-8")
            .env("PATH", "/usr/bin:/bin")
            .env("LD_LIBRARY_PATH", &library_dir)
            .env("PYTHONHASHSEED", setup.hash_seed.to_string())
            .env("PYTHONNOUSERSITE", "1")
            .current_dir("/")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .process_group(0);
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            command.pre_exec(move || {
                if libc::dup2(their_fd, CONTROL_FD) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        if !worker.is_file() {
            bail!(
                "no {} beside {}: the zygote's binary is installed with snipcheck (pip, pipx, uv and `cargo install` install both; in a source tree, `cargo build` builds both, `cargo run` only the CLI)",
                worker.display(),
                exe.display()
            );
        }
        let process = command
            .spawn()
            .with_context(|| format!("failed to start the zygote {}", worker.display()))?;
        drop(theirs);
        if !wait_readable(&ours, START_TIMEOUT) {
            bail!(
                "the zygote did not start within {} s",
                START_TIMEOUT.as_secs()
            );
        }
        let ready = control::recv(&ours)
            .context("failed to hear from the zygote")?
            .context("the zygote exited during start-up (see its message above)")?;
        let ControlReply::Ready {
            python,
            home,
            layers,
            cgroups,
            loaded_modules,
        } = serde_json::from_slice(&ready.0).context("the zygote sent a bad ready message")?
        else {
            bail!("the zygote sent something else than ready");
        };
        let control = Arc::new(ours);
        let routes: Arc<Mutex<HashMap<u64, mpsc::Sender<ControlReply>>>> = Arc::default();
        let dead = Arc::new(AtomicBool::new(false));
        let reader = {
            let control = Arc::clone(&control);
            let routes = Arc::clone(&routes);
            let dead = Arc::clone(&dead);
            std::thread::spawn(move || route_replies(&control, &routes, &dead))
        };
        let mut zygote = Zygote {
            control,
            process: Mutex::new(process),
            routes,
            dead,
            next_id: AtomicU64::new(1),
            reader: Some(reader),
            run_dir,
            cgroups: cgroups.into_iter().map(std::path::PathBuf::from).collect(),
            python,
            home,
            layers,
            loaded_modules,
        };
        // Below the floor nothing is forked: the zygote goes (its `Drop`) with the refusal.
        floor::enforce(&mut zygote.layers, floor::enforcement()).map_err(anyhow::Error::msg)?;
        Ok(zygote)
    }

    /// Runs `jobs` on up to `parallelism` children at once; outcomes in job order.
    pub fn run_all(&self, jobs: &[Job], parallelism: usize) -> Vec<Outcome> {
        self.run_all_with(jobs, parallelism, &|| {})
    }

    /// [`Zygote::run_all`], calling `on_done` as each snippet finishes (in whatever order they
    /// finish), e.g. to advance a progress bar.
    pub fn run_all_with(
        &self,
        jobs: &[Job],
        parallelism: usize,
        on_done: &(dyn Fn() + Sync),
    ) -> Vec<Outcome> {
        let chains: Vec<Vec<Job>> = jobs.iter().map(|job| vec![job.clone()]).collect();
        self.run_chains_with(&chains, parallelism, on_done)
            .into_iter()
            .flatten()
            .collect()
    }

    /// Runs chains (see [`Zygote::run_chain`]) on up to `parallelism` children at once;
    /// outcomes in chain and job order. `on_done` is called once per job.
    pub fn run_chains_with(
        &self,
        chains: &[Vec<Job>],
        parallelism: usize,
        on_done: &(dyn Fn() + Sync),
    ) -> Vec<Vec<Outcome>> {
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<Vec<Outcome>>>> = Mutex::new(vec![None; chains.len()]);
        std::thread::scope(|scope| {
            for _ in 0..parallelism.clamp(1, chains.len().max(1)) {
                scope.spawn(|| {
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(chain) = chains.get(index) else {
                            break;
                        };
                        // A stopped run starts nothing more.
                        let outcomes = match super::interrupt::signal() {
                            Some(signal) => {
                                let message = super::interrupt::message(signal, false);
                                chain.iter().map(|_| runner_error(&message)).collect()
                            }
                            None => self.run_chain(chain),
                        };
                        if let Ok(mut results) = results.lock() {
                            results[index] = Some(outcomes);
                        }
                        for _ in chain {
                            on_done();
                        }
                    }
                });
            }
        });
        results
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .into_iter()
            .zip(chains)
            .map(|(outcomes, chain)| {
                outcomes.unwrap_or_else(|| {
                    chain
                        .iter()
                        .map(|_| runner_error("the runner thread died"))
                        .collect()
                })
            })
            .collect()
    }

    /// Runs one snippet (after the earlier blocks it continues, replayed silently) in a fresh
    /// sandboxed child.
    pub fn run(&self, job: &Job) -> Outcome {
        self.run_chain(std::slice::from_ref(job))
            .pop()
            .unwrap_or_else(|| runner_error("the runner returned no outcome"))
    }

    /// Runs the blocks of one chain (same notes file, document order) in one sandboxed child,
    /// each block after a `step` marker with its own wall clock and output cap, so a chain
    /// costs one pass, not one replay per block. The earlier blocks its jobs continue that are
    /// not jobs themselves are replayed silently where they stand. When a block kills the
    /// child (a crash, a timeout, a limit) or breaks the protocol, the blocks after it resume
    /// in a fresh child that silently replays the ones before it, without it. One outcome per
    /// job, in order.
    pub fn run_chain(&self, jobs: &[Job]) -> Vec<Outcome> {
        let mut outcomes: Vec<Option<Outcome>> = vec![None; jobs.len()];
        let Some(first) = jobs.first() else {
            return Vec::new();
        };
        let mut steps = steps(jobs);
        loop {
            let ran = match self.run_steps(first, &steps) {
                Ok(ran) => ran,
                Err(err) => {
                    let message = format!("{err:#}");
                    fill(&mut outcomes, || runner_error(&message));
                    break;
                }
            };
            let Some(last) = ran.segments.len().checked_sub(1) else {
                // The child died before its first block: every block left shares its end.
                for step in &steps {
                    if let Some(k) = step.report {
                        outcomes[k].get_or_insert_with(|| ran.outcome(None, ran.end.clone(), true));
                    }
                }
                break;
            };
            let mut death = None;
            // Output before the first block (the interpreter's own start-up messages) is
            // reported once, with the first block reported from this child, not with each.
            let mut prefix_told = false;
            for (i, segment) in ran.segments.iter().enumerate() {
                let end = if i == last {
                    ran.end.clone()
                } else {
                    End::Exited { status: 0 }
                };
                let Some(k) = steps[i].report else { continue };
                let outcome = ran.outcome(Some(segment), end, !prefix_told);
                prefix_told = true;
                let broke = outcome.protocol_violation.is_some();
                outcomes[k] = Some(outcome);
                if broke {
                    death = Some(i);
                    break;
                }
            }
            let completed = ran.end == End::Exited { status: 0 } && last + 1 == steps.len();
            let Some(death) = death.or((!completed).then_some(last)) else {
                break;
            };
            if let Some(signal) = super::interrupt::signal() {
                let message = super::interrupt::message(signal, false);
                fill(&mut outcomes, || runner_error(&message));
                break;
            }
            let rest: Vec<Step> = steps[..death]
                .iter()
                .map(|step| Step {
                    report: None,
                    ..step.clone()
                })
                .chain(steps[death + 1..].iter().cloned())
                .collect();
            if !rest
                .iter()
                .any(|s| s.report.is_some_and(|k| outcomes[k].is_none()))
            {
                break;
            }
            steps = rest;
        }
        fill(&mut outcomes, || runner_error("the block was never run"));
        outcomes.into_iter().flatten().collect()
    }

    /// What each block of one notes file reads from the blocks before it and binds, read by
    /// CPython's own parser in a sandboxed child (nothing runs).
    pub fn names(&self, path: &str, cells: &[NamesCell<'_>]) -> Result<Vec<BlockNames>> {
        let request = serde_json::to_vec(&NamesRequest {
            path,
            names: cells.to_vec(),
        })
        .context("failed to encode the request")?;
        let lines: usize = cells.iter().map(|c| c.code.lines().count() + 1).sum();
        let phase = Phase {
            timeout: NAMES_TIMEOUT,
            result_cap: (1 << 20) + lines.saturating_mul(BOOKKEEPING_PER_LINE),
        };
        let ran = self.spawn(&request, Limits::default(), phase, &[])?;
        let outcome = ran.outcome(None, ran.end.clone(), true);
        if let Some(violation) = &outcome.protocol_violation {
            bail!("reading the names of {path} broke the protocol: {violation}");
        }
        match outcome.names {
            Some(names) if names.len() == cells.len() => Ok(names),
            _ => bail!(
                "reading the names of {path} failed ({})",
                end_words(&outcome.end)
            ),
        }
    }

    fn run_steps(&self, first: &Job, steps: &[Step]) -> Result<Ran> {
        let request = serde_json::to_vec(&HarnessRequest {
            path: &first.path,
            steps: steps
                .iter()
                .map(|step| HarnessStep {
                    first_line: step.first_line,
                    code: &step.code,
                    prelude: step.prelude.as_deref(),
                    files: &step.files,
                    interactive: step.interactive,
                    silent: step.report.is_none(),
                })
                .collect(),
            venv: first.venv.as_ref().map(|venv| HarnessVenv {
                root: &venv.root,
                site_packages: &venv.site_packages,
                system_site_packages: venv.system_site_packages,
            }),
        })
        .context("failed to encode the request")?;
        let mut limits = first.limits;
        limits.timeout_secs = steps.iter().map(|s| s.timeout.as_secs_f64()).sum();
        // Before its first block the child enters the sandbox and reads its request.
        let phase = Phase {
            timeout: steps.first().map_or(first.timeout, |s| s.timeout),
            result_cap: 1 << 20,
        };
        self.spawn(&request, limits, phase, steps)
    }

    /// Forks a child for `request`, writes it, and observes the child until it ends.
    fn spawn(&self, request: &[u8], limits: Limits, start: Phase, steps: &[Step]) -> Result<Ran> {
        if self.dead.load(Ordering::SeqCst) {
            bail!("the zygote died earlier in this run");
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let scratch = tempfile::Builder::new()
            .prefix("s")
            .tempdir_in(self.run_dir.path())
            .context("failed to create a scratch dir")?;
        let (stdout_r, stdout_w) = pipe()?;
        let (stderr_r, stderr_w) = pipe()?;
        let (result_r, result_w) = pipe()?;
        let (request_r, request_w) = pipe()?;
        let (tx, rx) = mpsc::channel();
        lock(&self.routes).insert(id, tx);
        let sent = control::send(
            &*self.control,
            &ControlRequest::Fork {
                id,
                scratch: scratch.path().display().to_string(),
                limits,
            },
            &[
                stdout_w.as_raw_fd(),
                stderr_w.as_raw_fd(),
                result_w.as_raw_fd(),
                request_r.as_raw_fd(),
            ],
        );
        drop((stdout_w, stderr_w, result_w, request_r));
        if let Err(err) = sent {
            lock(&self.routes).remove(&id);
            return Err(err).context("failed to ask the zygote for a child");
        }
        // A child that dies before reading its request shows up in its end below.
        let _ = std::fs::File::from(request_w).write_all(request);
        let ran = self.observe(
            id,
            &limits,
            start,
            steps,
            &rx,
            [stdout_r, stderr_r, result_r],
        );
        lock(&self.routes).remove(&id);
        Ok(ran)
    }

    fn kill(&self, id: u64) {
        let _ = control::send(&*self.control, &ControlRequest::Kill { id }, &[]);
    }

    /// Reads the child's pipes until they close, enforcing each step's wall clock and output
    /// cap (both start over at the step's marker), then waits for the zygote's word on how
    /// the child ended, and cuts what it wrote into one segment per step that started.
    fn observe(
        &self,
        id: u64,
        limits: &Limits,
        start: Phase,
        steps: &[Step],
        rx: &mpsc::Receiver<ControlReply>,
        pipes: [OwnedFd; 3],
    ) -> Ran {
        let mut deadline = Instant::now() + start.timeout;
        let mut timeout = start.timeout;
        let mut result_cap = start.result_cap;
        let mut output_limit = steps
            .first()
            .map_or(DEFAULT_OUTPUT_LIMIT, |s| s.output_limit);
        let [stdout, stderr, result] = pipes;
        let mut streams = [
            Stream::new(stdout),
            Stream::new(stderr),
            Stream::new(result),
        ];
        let mut markers: Vec<Marker> = Vec::new();
        let mut scanned = 0;
        let mut killed_for: Option<End> = None;
        let mut early_reply: Option<ControlReply> = None;
        loop {
            match pump(&mut streams, deadline) {
                Pump::Closed => break,
                Pump::Deadline => {
                    killed_for = Some(End::Timeout {
                        seconds: timeout.as_secs_f64(),
                    });
                    break;
                }
                Pump::Data => {
                    if let Some(signal) = super::interrupt::signal() {
                        killed_for = Some(End::RunnerError {
                            message: super::interrupt::message(signal, true),
                        });
                        break;
                    }
                    let before = markers.len();
                    scan_markers(&streams, &mut scanned, &mut markers, steps.len());
                    if let Some(step) = steps.get(markers.len().wrapping_sub(1))
                        && markers.len() > before
                    {
                        timeout = step.timeout;
                        deadline = Instant::now() + timeout;
                        result_cap = step_result_cap(step);
                        output_limit = step.output_limit;
                    }
                    // The pipes are read in whatever order they become ready, so where a step's
                    // stray output starts is approximate: the first step counts everything
                    // before it too (nothing of the harness's goes there).
                    let since = match markers.len() {
                        0 | 1 => [0, 0, markers.first().map_or(0, |m| m.offsets[2])],
                        _ => markers[markers.len() - 1].offsets,
                    };
                    let stray =
                        (streams[0].data.len() - since[0]) + (streams[1].data.len() - since[1]);
                    if stray > output_limit || streams[2].data.len() - since[2] > result_cap {
                        killed_for = Some(End::OutputLimit {
                            bytes: output_limit,
                        });
                        break;
                    }
                }
            }
            // The zygote's word may come before the pipes close: keep it. A fork failure
            // means no child will ever close them: stop reading.
            if early_reply.is_none()
                && let Ok(reply) = rx.try_recv()
            {
                let failed = matches!(reply, ControlReply::Failed { .. });
                early_reply = Some(reply);
                if failed {
                    break;
                }
            }
        }
        if killed_for.is_some() {
            self.kill(id);
            // Whatever it wrote before it was killed is still in the pipes.
            let grace = Instant::now() + Duration::from_secs(1);
            while let Pump::Data = pump(&mut streams, grace) {}
            scan_markers(&streams, &mut scanned, &mut markers, steps.len());
        }
        let reply = early_reply.or_else(|| {
            let wait_until = if killed_for.is_some() {
                Instant::now() + REAP_GRACE
            } else {
                deadline.max(Instant::now()) + REAP_GRACE
            };
            loop {
                let now = Instant::now();
                if now >= wait_until {
                    return None;
                }
                match rx.recv_timeout((wait_until - now).min(Duration::from_millis(100))) {
                    Ok(reply) => return Some(reply),
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        // Pipes closed but the child lives on (it closed its own fds): the
                        // wall clock still applies.
                        if killed_for.is_none() && Instant::now() >= deadline {
                            killed_for = Some(End::Timeout {
                                seconds: timeout.as_secs_f64(),
                            });
                            self.kill(id);
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => return None,
                }
            }
        });
        let mut peak_bytes = 0;
        let end = match (killed_for, reply) {
            (Some(end), _) => end,
            (
                None,
                Some(ControlReply::Exited {
                    status,
                    signal,
                    oom_killed,
                    peak_bytes: peak,
                    ..
                }),
            ) => {
                peak_bytes = peak;
                match (status, signal) {
                    _ if oom_killed => End::MemoryLimit {
                        bytes: limits.memory_bytes,
                    },
                    (Some(status), _) => End::Exited { status },
                    (None, Some(signal)) => End::Signaled { signal },
                    (None, None) => End::RunnerError {
                        message: "the zygote reported no exit status".to_owned(),
                    },
                }
            }
            (None, Some(ControlReply::Failed { error, .. })) => End::RunnerError { message: error },
            (None, Some(ControlReply::Ready { .. })) | (None, None) => {
                self.kill(id);
                End::RunnerError {
                    message: "the zygote never reported how the child ended".to_owned(),
                }
            }
        };
        let [stdout, stderr, result] = streams;
        Ran::cut(
            [stdout.data, stderr.data, result.data],
            &markers,
            steps,
            end,
            peak_bytes,
        )
    }
}

/// How long a names request may take (it only parses).
const NAMES_TIMEOUT: Duration = Duration::from_secs(60);

/// The wall clock and result-channel cap of the part of a child's life before its first step.
struct Phase {
    timeout: Duration,
    result_cap: usize,
}

/// One block of a chain's child.
#[derive(Debug, Clone)]
struct Step {
    first_line: LineNo,
    code: String,
    prelude: Option<String>,
    files: BTreeMap<String, String>,
    interactive: bool,
    timeout: Duration,
    output_limit: usize,
    /// The job it reports, or `None` for a block replayed silently.
    report: Option<usize>,
}

/// A chain's steps: its jobs, and the earlier blocks they continue that are not jobs
/// themselves, in document order, each block once.
fn steps(jobs: &[Job]) -> Vec<Step> {
    let mut steps: BTreeMap<LineNo, Step> = BTreeMap::new();
    for job in jobs {
        for cell in &job.context {
            steps.entry(cell.first_line).or_insert_with(|| Step {
                first_line: cell.first_line,
                code: cell.code.clone(),
                prelude: None,
                files: BTreeMap::new(),
                interactive: cell.interactive,
                timeout: job.timeout,
                output_limit: job.output_limit,
                report: None,
            });
        }
    }
    for (k, job) in jobs.iter().enumerate() {
        steps.insert(
            job.first_line,
            Step {
                first_line: job.first_line,
                code: job.code.clone(),
                prelude: job.prelude.clone(),
                files: job.files.clone(),
                interactive: job.interactive,
                timeout: job.timeout,
                output_limit: job.output_limit,
                report: Some(k),
            },
        );
    }
    steps.into_values().collect()
}

fn fill(outcomes: &mut [Option<Outcome>], make: impl Fn() -> Outcome) {
    for outcome in outcomes.iter_mut() {
        if outcome.is_none() {
            *outcome = Some(make());
        }
    }
}

fn end_words(end: &End) -> String {
    match end {
        End::Exited { status } => format!("exit status {status}"),
        End::Signaled { signal } => format!("killed by signal {signal}"),
        End::Timeout { seconds } => format!("timed out after {seconds} s"),
        End::OutputLimit { bytes } => format!("wrote more than {bytes} bytes"),
        End::MemoryLimit { .. } => "out of memory".to_owned(),
        End::RunnerError { message } => message.clone(),
        End::NotRun => "not run".to_owned(),
    }
}

/// Where a step's marker sits in the child's output: the result channel's line of it, and
/// the stdout, stderr and result-channel bytes before the step's own.
#[derive(Debug, Clone, Copy)]
struct Marker {
    line_start: usize,
    /// stdout, stderr, result channel (just after the marker line).
    offsets: [usize; 3],
}

/// Finds the next steps' markers among the result channel's complete lines. Only the marker
/// of the step after the last one found counts; any other line that looks like one stays in
/// its segment, where the protocol check rejects it.
fn scan_markers(
    streams: &[Stream; 3],
    scanned: &mut usize,
    markers: &mut Vec<Marker>,
    steps: usize,
) {
    let data = &streams[2].data;
    while let Some(newline) = data[*scanned..].iter().position(|&b| b == b'\n') {
        let line_start = *scanned;
        let line = &data[line_start..line_start + newline];
        *scanned = line_start + newline + 1;
        if markers.len() < steps
            && line.starts_with(br#"{"event": "step""#)
            && let Ok(marker) = serde_json::from_slice::<StepMarker>(line)
            && marker.event == "step"
            && marker.index == markers.len()
        {
            markers.push(Marker {
                line_start,
                offsets: [streams[0].data.len(), streams[1].data.len(), *scanned],
            });
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StepMarker {
    event: String,
    index: usize,
}

/// A child's output, cut at its step markers.
struct Ran {
    /// The output cap of the child's steps (the first step's).
    output_limit: usize,
    /// The records before the first step (the sandbox and start records).
    prefix: Vec<u8>,
    /// Output before the first step (the sandbox's own messages).
    prefix_stray: Vec<u8>,
    /// One per step that started, in order.
    segments: Vec<Segment>,
    end: End,
    peak_bytes: u64,
}

struct Segment {
    results: Vec<u8>,
    stray: Vec<u8>,
    truncated: bool,
}

impl Ran {
    fn cut(
        data: [Vec<u8>; 3],
        markers: &[Marker],
        steps: &[Step],
        end: End,
        peak_bytes: u64,
    ) -> Ran {
        let [stdout, stderr, results] = data;
        let total = [stdout.len(), stderr.len(), results.len()];
        let prefix_end = markers.first().map_or(results.len(), |m| m.line_start);
        let first = markers.first().map_or(total, |m| m.offsets);
        let mut prefix_stray = stdout[..first[0]].to_vec();
        prefix_stray.extend_from_slice(&stderr[..first[1]]);
        let segments = markers
            .iter()
            .enumerate()
            .map(|(i, marker)| {
                let next = markers.get(i + 1);
                let upto = next.map_or(total, |m| m.offsets);
                let results_end = next.map_or(results.len(), |m| m.line_start);
                let limit = steps
                    .get(i)
                    .map_or(DEFAULT_OUTPUT_LIMIT, |s| s.output_limit);
                let mut stray = stdout[marker.offsets[0]..upto[0]].to_vec();
                stray.extend_from_slice(&stderr[marker.offsets[1]..upto[1]]);
                let truncated = stray.len() > limit;
                stray.truncate(limit);
                Segment {
                    results: results[marker.offsets[2]..results_end.max(marker.offsets[2])]
                        .to_vec(),
                    stray,
                    truncated,
                }
            })
            .collect();
        Ran {
            output_limit: steps
                .first()
                .map_or(DEFAULT_OUTPUT_LIMIT, |s| s.output_limit),
            prefix: results[..prefix_end].to_vec(),
            prefix_stray,
            segments,
            end,
            peak_bytes,
        }
    }

    /// The outcome of one step (or, with `None`, of a child that never reached one);
    /// `with_prefix`: it also carries the output written before the first step.
    fn outcome(&self, segment: Option<&Segment>, end: End, with_prefix: bool) -> Outcome {
        let mut channel = self.prefix.clone();
        let mut stray = if with_prefix {
            self.prefix_stray.clone()
        } else {
            Vec::new()
        };
        let mut truncated = false;
        if let Some(segment) = segment {
            channel.extend_from_slice(&segment.results);
            stray.extend_from_slice(&segment.stray);
            truncated = segment.truncated;
        }
        let mut outcome = protocol::read_result_channel(&channel, end);
        // The cap holds for what is kept, whichever step the output before the first marker
        // is counted with.
        truncated |= stray.len() > self.output_limit;
        stray.truncate(self.output_limit);
        outcome.stray_output = String::from_utf8_lossy(&stray).into_owned();
        outcome.truncated |= truncated;
        outcome.peak_memory_bytes = self.peak_bytes;
        outcome
    }
}

impl Drop for Zygote {
    fn drop(&mut self) {
        // SAFETY: shutting down our end of the control socket; the zygote sees EOF, kills and
        // reaps whatever is left, and exits.
        unsafe {
            libc::shutdown(self.control.as_raw_fd(), libc::SHUT_RDWR);
        }
        if let Ok(mut process) = self.process.lock() {
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                match process.try_wait() {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) if Instant::now() >= deadline => {
                        let _ = process.kill();
                        let _ = process.wait();
                        break;
                    }
                    Ok(None) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        }
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        crate::run::sandbox::cgroup::remove(&self.cgroups);
    }
}

fn route_replies(
    control: &OwnedFd,
    routes: &Mutex<HashMap<u64, mpsc::Sender<ControlReply>>>,
    dead: &AtomicBool,
) {
    while let Ok(Some((body, _))) = control::recv(control) {
        let Ok(reply) = serde_json::from_slice::<ControlReply>(&body) else {
            continue;
        };
        let id = match &reply {
            ControlReply::Exited { id, .. } | ControlReply::Failed { id, .. } => *id,
            ControlReply::Ready { .. } => continue,
        };
        if let Some(route) = lock(routes).get(&id) {
            let _ = route.send(reply);
        }
    }
    dead.store(true, Ordering::SeqCst);
    for (id, route) in lock(routes).drain() {
        let _ = route.send(ControlReply::Failed {
            id,
            error: "the zygote exited".to_owned(),
        });
    }
}

/// The most the result channel may carry for one step: the block's own output (capped by the
/// harness at `output_limit` per stream, JSON-escaped up to four bytes a byte), plus the
/// harness's bookkeeping, which grows with the code (one analysis entry and one record per
/// statement, a few hundred bytes each), so a block of many statements is measured by what it
/// prints, not by how many statements it has. A snippet that floods fd 3 itself still hits
/// this cap.
fn step_result_cap(step: &Step) -> usize {
    let lines =
        step.code.lines().count() + step.prelude.as_deref().map_or(0, |p| p.lines().count());
    step.output_limit
        .saturating_mul(4)
        .saturating_add(1 << 20)
        .saturating_add(lines.saturating_mul(BOOKKEEPING_PER_LINE))
}

/// Result-channel bytes the harness may spend per line of code (measured: about 370 bytes per
/// one-line statement, analysis and execution record together).
const BOOKKEEPING_PER_LINE: usize = 1024;

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn runner_error(message: &str) -> Outcome {
    Outcome {
        end: End::RunnerError {
            message: message.to_owned(),
        },
        ..Outcome::default()
    }
}

fn wait_readable(fd: &OwnedFd, timeout: Duration) -> bool {
    let mut pollfd = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
    // SAFETY: one valid pollfd.
    unsafe { libc::poll(&mut pollfd, 1, ms) > 0 }
}

fn pipe() -> Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: `pipe2` fills two fds on success; we take ownership of both.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error()).context("failed to create a pipe");
    }
    // SAFETY: both fds were just created and are owned by nothing else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

struct Stream {
    file: std::fs::File,
    data: Vec<u8>,
    open: bool,
}

impl Stream {
    fn new(fd: OwnedFd) -> Stream {
        Stream {
            file: std::fs::File::from(fd),
            data: Vec::new(),
            open: true,
        }
    }
}

enum Pump {
    Data,
    Closed,
    Deadline,
}

/// Waits until some stream is readable and reads it once.
/// How often a child's pipes are polled when nothing arrives: the longest a stopped run waits
/// before it kills what runs.
const TICK: Duration = Duration::from_millis(100);

fn pump(streams: &mut [Stream], deadline: Instant) -> Pump {
    let open: Vec<usize> = (0..streams.len()).filter(|&i| streams[i].open).collect();
    if open.is_empty() {
        return Pump::Closed;
    }
    let now = Instant::now();
    if now >= deadline {
        return Pump::Deadline;
    }
    // Wake at least every TICK, so that a stopped run (Ctrl-C) is seen within it.
    let timeout_ms =
        i32::try_from((deadline - now).min(TICK).as_millis().max(1)).unwrap_or(i32::MAX);
    let mut fds: Vec<libc::pollfd> = open
        .iter()
        .map(|&i| libc::pollfd {
            fd: streams[i].file.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    let nfds = libc::nfds_t::try_from(fds.len()).unwrap_or(0);
    // SAFETY: `fds` is a valid array of `nfds` pollfd structs.
    let ready = unsafe { libc::poll(fds.as_mut_ptr(), nfds, timeout_ms) };
    if ready < 0 {
        if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            return Pump::Data;
        }
        for &i in &open {
            streams[i].open = false;
        }
        return Pump::Closed;
    }
    if ready == 0 {
        return if Instant::now() >= deadline {
            Pump::Deadline
        } else {
            Pump::Data
        };
    }
    let mut buf = [0u8; 64 * 1024];
    for (pollfd, &i) in fds.iter().zip(&open) {
        if pollfd.revents == 0 {
            continue;
        }
        let stream = &mut streams[i];
        match stream.file.read(&mut buf) {
            Ok(0) => stream.open = false,
            Ok(n) => stream.data.extend_from_slice(&buf[..n]),
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => stream.open = false,
        }
    }
    Pump::Data
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(report: Option<usize>) -> Step {
        Step {
            first_line: LineNo::FIRST,
            code: String::new(),
            prelude: None,
            files: BTreeMap::new(),
            interactive: false,
            timeout: Duration::from_secs(1),
            output_limit: DEFAULT_OUTPUT_LIMIT,
            report,
        }
    }

    #[test]
    fn output_before_the_first_block_is_told_once_not_with_every_block() {
        // The interpreter wrote "boot" before the first marker; each block then wrote its own.
        let results = b"{\"event\":\"step\",\"index\":0}\n{\"event\":\"step\",\"index\":1}\n";
        let second = results
            .iter()
            .position(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let markers = [
            Marker {
                line_start: 0,
                offsets: [4, 0, second],
            },
            Marker {
                line_start: second,
                offsets: [8, 0, results.len()],
            },
        ];
        let ran = Ran::cut(
            [b"bootone!two!".to_vec(), Vec::new(), results.to_vec()],
            &markers,
            &[step(Some(0)), step(Some(1))],
            End::Exited { status: 0 },
            0,
        );
        let first = ran.outcome(Some(&ran.segments[0]), End::Exited { status: 0 }, true);
        let second = ran.outcome(Some(&ran.segments[1]), End::Exited { status: 0 }, false);
        assert_eq!(first.stray_output, "bootone!");
        assert_eq!(second.stray_output, "two!");
    }
}
