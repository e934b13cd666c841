//! The shared machinery of the hostile suite: a host fixture the snippet must not reach, one
//! run of the real binary watched from outside, the host-side checks after it, and the canary.
//!
//! Every case goes through [`case`]: it builds a [`Host`] (victim files, listeners, a sentinel
//! process, a marker path that must never exist), writes the snippet with the host's paths and
//! ports filled in, runs `snipcheck run FILE --format json --timeout N` while a watcher thread
//! records every process the runner starts (the zygote and its children) and their sandbox
//! uids, then checks from outside that nothing on the host changed, that every process of the
//! run is gone, and that a canary snippet still passes. The case then asserts the reported
//! outcome.
//!
//! Only the processes of the run itself are checked for leftovers: those the watcher saw under
//! the runner, and any process with a sandbox uid the run used. A sandbox uid is
//! `SANDBOX_UID_BASE + pid` of the child, unique among live processes, and a sandboxed child
//! cannot fork or change uid, so no process of another run (another case, another test
//! binary) is ever taken for one of this run's.

use crate::support::{BIN, ROOT, Run, Snipcheck};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::net::{TcpListener, UdpSocket};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::{SocketAddr, UnixListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The first uid of the sandbox's per-child uid range (`src/run/sandbox/mod.rs`).
pub const SANDBOX_UID_BASE: u32 = 0x5C00_0000;
/// The uid the non-root runs use (`nobody`).
pub const NOBODY: u32 = 65534;
/// Name and value of the secret put in the runner's environment.
pub const SECRET_NAME: &str = "SNIPCHECK_TEST_SECRET";
pub const SECRET_VALUE: &str = "hostile-s3cr3t-9f2c41d7";
/// What the victim files hold.
const VICTIM_TEXT: &str = "victim: the sandbox must not touch this\n";
/// The canary run after every case.
const CANARY: &str = "print(1 + 1)  # 2\n";

/// Who runs the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum User {
    /// The test's own user (root on this machine and in CI).
    Root,
    /// `nobody`, through `setpriv`, running a world-readable copy of the binary.
    Nobody,
}

/// Options of one case.
#[derive(Debug, Clone, Copy)]
pub struct Opts {
    /// `--timeout` in seconds.
    pub timeout: u32,
    /// Who runs it.
    pub user: User,
    /// Watch the free space of /tmp during the run and require it not to drop by more than
    /// this many bytes.
    pub tmp_budget: Option<u64>,
}

impl Opts {
    /// Root, 3 s.
    pub const fn root(timeout: u32) -> Opts {
        Opts {
            timeout,
            user: User::Root,
            tmp_budget: None,
        }
    }

    /// `nobody`, 3 s by default.
    pub const fn nobody(timeout: u32) -> Opts {
        Opts {
            timeout,
            user: User::Nobody,
            tmp_budget: None,
        }
    }
}

/// The default for cases that should end well before their limit. Generous, so that a loaded
/// machine (two test binaries at once, say) slows a memory bomb down without turning its
/// `memory` outcome into a `timeout`.
pub const QUICK: Opts = Opts::root(10);
/// The default for cases that must be killed at the wall clock.
pub const SHORT: Opts = Opts::root(1);

// -------------------------------------------------------------------------------------------
// The host fixture.
// -------------------------------------------------------------------------------------------

/// Everything outside the sandbox a case may aim at.
pub struct Host {
    /// The case's dir: the runner's cwd, holding the snippet (mode 0755).
    pub dir: tempfile::TempDir,
    /// A file in a world-readable dir, mode 0644, owned by the test's user.
    pub victim: PathBuf,
    /// A file in a world-writable dir (0777), mode 0666, owned by the user that runs the
    /// binary: only the sandbox stands between the snippet and it.
    pub open_victim: PathBuf,
    /// A path that must never come to exist (in the world-writable dir).
    pub marker: PathBuf,
    /// A TCP listener on 127.0.0.1.
    pub tcp: TcpListener,
    /// A UDP socket on 127.0.0.1.
    pub udp: UdpSocket,
    /// A unix socket listening at a path (mode 0777) in the world-writable dir.
    pub unix: UnixListener,
    pub unix_path: PathBuf,
    /// An abstract unix socket.
    pub abstract_socket: UnixListener,
    pub abstract_name: String,
    /// A process (`sleep`) that must still be alive after the case; runs as the same user as
    /// the binary.
    pub sentinel: Child,
    /// A unique name for paths the snippet tries to create in shared dirs.
    pub unique: String,
    snapshot: BTreeMap<PathBuf, FileState>,
    listings: BTreeMap<PathBuf, BTreeSet<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct FileState {
    content: Vec<u8>,
    mode: u32,
    uid: u32,
    gid: u32,
    ino: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

fn file_state(path: &Path) -> FileState {
    let meta = std::fs::symlink_metadata(path)
        .unwrap_or_else(|err| panic!("host file {} is gone: {err}", path.display()));
    FileState {
        content: std::fs::read(path).unwrap_or_else(|err| panic!("read {}: {err}", path.display())),
        mode: meta.mode(),
        uid: meta.uid(),
        gid: meta.gid(),
        ino: meta.ino(),
        mtime: (meta.mtime(), meta.mtime_nsec()),
        ctime: (meta.ctime(), meta.ctime_nsec()),
    }
}

fn listing(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("list {}: {err}", dir.display()))
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect()
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|err| panic!("chmod {}: {err}", path.display()));
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl Host {
    /// Builds the fixture; `user` is who will run the binary (the open victim and the
    /// sentinel belong to that user).
    pub fn new(user: User) -> Host {
        let dir = tempfile::Builder::new()
            .prefix("snipcheck-hostile-")
            .tempdir()
            .expect("create the case dir");
        set_mode(dir.path(), 0o755);
        let unique = format!(
            "snipcheck-hostile-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );

        let closed = dir.path().join("closed");
        std::fs::create_dir(&closed).expect("create the victim dir");
        set_mode(&closed, 0o755);
        let victim = closed.join("victim.txt");
        std::fs::write(&victim, VICTIM_TEXT).expect("write the victim");
        set_mode(&victim, 0o644);

        let open = dir.path().join("open");
        std::fs::create_dir(&open).expect("create the open dir");
        set_mode(&open, 0o777);
        let open_victim = open.join("open-victim.txt");
        std::fs::write(&open_victim, VICTIM_TEXT).expect("write the open victim");
        set_mode(&open_victim, 0o666);
        if user == User::Nobody {
            std::os::unix::fs::chown(&open_victim, Some(NOBODY), Some(NOBODY))
                .expect("chown the open victim");
        }
        let marker = open.join("MARKER");

        let tcp = TcpListener::bind("127.0.0.1:0").expect("bind a TCP listener");
        tcp.set_nonblocking(true)
            .expect("non-blocking TCP listener");
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind a UDP socket");
        udp.set_nonblocking(true).expect("non-blocking UDP socket");
        let unix_path = open.join("listener.sock");
        let unix = UnixListener::bind(&unix_path).expect("bind a unix listener");
        unix.set_nonblocking(true)
            .expect("non-blocking unix listener");
        set_mode(&unix_path, 0o777);
        let abstract_name = format!("{unique}-abstract");
        let addr =
            SocketAddr::from_abstract_name(abstract_name.as_bytes()).expect("abstract address");
        let abstract_socket = UnixListener::bind_addr(&addr).expect("bind an abstract listener");
        abstract_socket
            .set_nonblocking(true)
            .expect("non-blocking abstract listener");

        let mut sentinel = match user {
            User::Root => Command::new("sleep"),
            User::Nobody => {
                let mut command = Command::new("setpriv");
                command.args(["--reuid=65534", "--regid=65534", "--clear-groups", "sleep"]);
                command
            }
        };
        let sentinel = sentinel
            .arg("120")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the sentinel");

        let mut host = Host {
            dir,
            victim,
            open_victim,
            marker,
            tcp,
            udp,
            unix,
            unix_path,
            abstract_socket,
            abstract_name,
            sentinel,
            unique,
            snapshot: BTreeMap::new(),
            listings: BTreeMap::new(),
        };
        host.snapshot = [host.victim.clone(), host.open_victim.clone()]
            .into_iter()
            .map(|path| {
                let state = file_state(&path);
                (path, state)
            })
            .collect();
        host.listings = [closed, open]
            .into_iter()
            .map(|dir| {
                let names = listing(&dir);
                (dir, names)
            })
            .collect();
        host
    }

    /// Fills the placeholders of a snippet with this host's paths and ports.
    pub fn fill(&self, code: &str) -> String {
        let pairs: [(&str, String); 11] = [
            ("{OPEN_VICTIM}", self.open_victim.display().to_string()),
            ("{VICTIM}", self.victim.display().to_string()),
            (
                "{OPEN_DIR}",
                self.dir.path().join("open").display().to_string(),
            ),
            ("{MARKER}", self.marker.display().to_string()),
            (
                "{TCP_PORT}",
                self.tcp.local_addr().expect("tcp addr").port().to_string(),
            ),
            (
                "{UDP_PORT}",
                self.udp.local_addr().expect("udp addr").port().to_string(),
            ),
            ("{UNIX_PATH}", self.unix_path.display().to_string()),
            ("{ABSTRACT}", self.abstract_name.clone()),
            ("{UNIQUE}", self.unique.clone()),
            ("{REPO}", ROOT.to_owned()),
            ("{SENTINEL_PID}", self.sentinel.id().to_string()),
        ];
        let mut code = code.to_owned();
        for (key, value) in pairs {
            code = code.replace(key, &value);
        }
        code = code.replace("{SECRET_NAME}", SECRET_NAME);
        code.replace("{SECRET_VALUE}", SECRET_VALUE)
    }

    /// Paths outside the sandbox the snippet may have tried to create.
    fn forbidden_paths(&self) -> Vec<PathBuf> {
        vec![
            self.marker.clone(),
            PathBuf::from("/tmp").join(&self.unique),
            PathBuf::from("/root").join(&self.unique),
            PathBuf::from("/dev/shm").join(&self.unique),
            Path::new(ROOT).join(&self.unique),
        ]
    }

    /// Every host-side check that holds after any case.
    fn check_untouched(&mut self, case: &str) {
        for (path, before) in &self.snapshot {
            let after = file_state(path);
            assert_eq!(
                &after,
                before,
                "{case}: host file {} changed (content, mode, owner, inode or times)",
                path.display()
            );
        }
        for (dir, before) in &self.listings {
            assert_eq!(
                &listing(dir),
                before,
                "{case}: host dir {} changed",
                dir.display()
            );
        }
        for path in self.forbidden_paths() {
            assert!(
                std::fs::symlink_metadata(&path).is_err(),
                "{case}: {} was created outside the sandbox",
                path.display()
            );
        }
        match self.tcp.accept() {
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
            other => panic!("{case}: the TCP listener on 127.0.0.1 was reached: {other:?}"),
        }
        let mut buf = [0u8; 64];
        match self.udp.recv_from(&mut buf) {
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
            other => panic!("{case}: the UDP socket on 127.0.0.1 received data: {other:?}"),
        }
        match self.unix.accept() {
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
            other => panic!("{case}: the unix socket listener was reached: {other:?}"),
        }
        match self.abstract_socket.accept() {
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
            other => panic!("{case}: the abstract unix socket listener was reached: {other:?}"),
        }
        assert!(
            matches!(self.sentinel.try_wait(), Ok(None)),
            "{case}: the sentinel process (pid {}) outside the sandbox died: {:?}",
            self.sentinel.id(),
            self.sentinel.try_wait()
        );
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        // Only the sentinel we started, by its own handle.
        let _ = self.sentinel.kill();
        let _ = self.sentinel.wait();
    }
}

// -------------------------------------------------------------------------------------------
// /proc.
// -------------------------------------------------------------------------------------------

/// (ppid, start time in clock ticks) of a live process.
fn stat(pid: u32) -> Option<(u32, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is the state (field 3 of stat), so ppid is field 4 and starttime field 22.
    let state = *fields.first()?;
    if state == "Z" || state == "X" {
        return None;
    }
    Some((fields.get(1)?.parse().ok()?, fields.get(19)?.parse().ok()?))
}

fn pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The real uid of a live process.
pub fn uid_of(pid: u32) -> Option<u32> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn cmdline(pid: u32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|bytes| {
            bytes
                .split(|&b| b == 0)
                .filter(|part| !part.is_empty())
                .map(|part| String::from_utf8_lossy(part).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// What the run left behind: the processes the watcher saw that still live (same pid, same
/// start time), and every live process with one of the run's sandbox `uids`.
pub fn leftovers(seen: &Seen, uids: &BTreeSet<u32>) -> Vec<String> {
    let mut left: Vec<String> = seen
        .iter()
        .filter(|&(&pid, &(start, _))| stat(pid).is_some_and(|(_, now)| now == start))
        .map(|(pid, (_, cmd))| format!("{pid} {cmd:?}"))
        .collect();
    for pid in pids() {
        if seen.contains_key(&pid) {
            continue;
        }
        if let Some(uid) = uid_of(pid).filter(|uid| uids.contains(uid))
            && stat(pid).is_some()
        {
            left.push(format!(
                "{pid} {:?} with the run's sandbox uid {uid}",
                cmdline(pid)
            ));
        }
    }
    left
}

fn tmp_free() -> u64 {
    let path = std::ffi::CString::new("/tmp").expect("no NUL");
    // SAFETY: statvfs fills the zeroed struct; the path is a valid C string.
    unsafe {
        let mut st: libc::statvfs = std::mem::zeroed();
        if libc::statvfs(path.as_ptr(), &mut st) != 0 {
            return 0;
        }
        st.f_bavail * st.f_frsize
    }
}

/// Processes seen: pid -> (start time, command line).
pub type Seen = BTreeMap<u32, (u64, Vec<String>)>;

/// What a [`Watcher`] recorded.
pub struct Watched {
    /// Every descendant of the root.
    pub seen: Seen,
    /// The sandbox uids (at least `SANDBOX_UID_BASE`) those descendants had.
    pub uids: BTreeSet<u32>,
    /// The lowest free space of /tmp.
    pub min_free: u64,
    /// The per-snippet memory groups (`…/snipcheck-<zygote>/snippet-<id>`, relative to the v1
    /// memory hierarchy) the descendants were seen in.
    pub snippet_groups: BTreeMap<String, SnippetGroup>,
    /// The most per-snippet groups seen at one time under a zygote's run group.
    pub most_snippet_groups: usize,
}

/// One per-snippet memory group, as seen from outside.
#[derive(Debug, Clone, Default)]
pub struct SnippetGroup {
    /// The processes seen in it.
    pub pids: BTreeSet<u32>,
    /// Its `memory.limit_in_bytes`.
    pub limit: u64,
    /// The highest `memory.max_usage_in_bytes` read.
    pub peak: u64,
}

/// The observations of a [`Watcher`] thread.
#[derive(Default, Clone)]
struct Observed {
    seen: Seen,
    uids: BTreeSet<u32>,
    groups: BTreeMap<String, SnippetGroup>,
    most_groups: usize,
}

/// The memory cgroup of a live process, relative to the v1 memory hierarchy.
pub fn memory_cgroup(pid: u32) -> Option<String> {
    let table = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?;
    table.lines().find_map(|line| {
        let mut parts = line.splitn(3, ':');
        let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
        controllers
            .split(',')
            .any(|c| c == "memory")
            .then(|| path.to_owned())
    })
}

/// A number in a file of the v1 memory hierarchy (0 if unreadable).
fn memory_value(group: &str, file: &str) -> u64 {
    std::fs::read_to_string(
        Path::new("/sys/fs/cgroup/memory")
            .join(group.trim_start_matches('/'))
            .join(file),
    )
    .ok()
    .and_then(|text| text.trim().parse().ok())
    .unwrap_or(0)
}

/// Records, for one sample of the run's `family`, the per-snippet groups its processes are in
/// and how many such groups each zygote's run group holds.
fn observe_groups(observed: &mut Observed, family: &BTreeSet<u32>, root: u32) {
    for &pid in family.iter().filter(|&&pid| pid != root) {
        if let Some(group) = memory_cgroup(pid).filter(|g| g.contains("/snippet-")) {
            let limit = memory_value(&group, "memory.limit_in_bytes");
            let peak = memory_value(&group, "memory.max_usage_in_bytes");
            let entry = observed.groups.entry(group).or_default();
            entry.pids.insert(pid);
            entry.limit = entry.limit.max(limit);
            entry.peak = entry.peak.max(peak);
        }
        if cmdline(pid).get(1).is_some_and(|arg| arg == "worker") {
            let run = own_cgroup("memory").join(format!("snipcheck-{pid}"));
            let groups = std::fs::read_dir(run)
                .map(|entries| {
                    entries
                        .flatten()
                        .filter(|e| e.file_name().to_string_lossy().starts_with("snippet-"))
                        .count()
                })
                .unwrap_or(0);
            observed.most_groups = observed.most_groups.max(groups);
        }
    }
}

/// Records every descendant of `root` (the zygote and the sandbox children), their sandbox
/// uids, and the lowest free space of /tmp, until told to stop.
pub struct Watcher {
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Observed>>,
    min_free: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watcher {
    /// Starts watching the process tree under `root`.
    pub fn start(root: u32) -> Watcher {
        let stop = Arc::new(AtomicBool::new(false));
        let seen: Arc<Mutex<Observed>> = Arc::default();
        let min_free = Arc::new(AtomicU64::new(tmp_free()));
        let thread = {
            let (stop, seen, min_free) =
                (Arc::clone(&stop), Arc::clone(&seen), Arc::clone(&min_free));
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let mut family: BTreeSet<u32> = BTreeSet::from([root]);
                    let table: Vec<(u32, u32, u64)> = pids()
                        .into_iter()
                        .filter_map(|pid| stat(pid).map(|(ppid, start)| (pid, ppid, start)))
                        .collect();
                    loop {
                        let before = family.len();
                        for &(pid, ppid, _) in &table {
                            if family.contains(&ppid) {
                                family.insert(pid);
                            }
                        }
                        if family.len() == before {
                            break;
                        }
                    }
                    if let Ok(mut guard) = seen.lock() {
                        observe_groups(&mut guard, &family, root);
                        let Observed { seen, uids, .. } = &mut *guard;
                        for &(pid, _, start) in &table {
                            if pid != root && family.contains(&pid) {
                                // Re-read: a fresh fork shows its parent's command line
                                // until it execs, and its parent's uid until it drops it.
                                let now = cmdline(pid);
                                let entry = seen.entry(pid).or_insert_with(|| (start, Vec::new()));
                                if entry.0 == start && !now.is_empty() {
                                    entry.1 = now;
                                }
                                if let Some(uid) =
                                    uid_of(pid).filter(|&uid| uid >= SANDBOX_UID_BASE)
                                {
                                    uids.insert(uid);
                                }
                            }
                        }
                    }
                    min_free.fetch_min(tmp_free(), Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(2));
                }
            })
        };
        Watcher {
            stop,
            seen,
            min_free,
            thread: Some(thread),
        }
    }

    /// Stops watching.
    pub fn finish(mut self) -> Watched {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            thread.join().expect("the watcher thread panicked");
        }
        let observed = self.seen.lock().map(|s| s.clone()).unwrap_or_default();
        Watched {
            seen: observed.seen,
            uids: observed.uids,
            min_free: self.min_free.load(Ordering::SeqCst),
            snippet_groups: observed.groups,
            most_snippet_groups: observed.most_groups,
        }
    }
}

// -------------------------------------------------------------------------------------------
// Running the binary.
// -------------------------------------------------------------------------------------------

static NOBODY_BINARY: OnceLock<PathBuf> = OnceLock::new();

/// Removes the binary's copy when the test process exits.
extern "C" fn remove_nobody_binary() {
    if let Some(copy) = NOBODY_BINARY.get()
        && let Some(dir) = copy.parent()
    {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// A world-readable copy of the binary (and the worker beside it), in a fresh 0755 dir, for runs as `nobody`; removed
/// when the test process exits.
fn nobody_binary() -> &'static Path {
    NOBODY_BINARY.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("snipcheck-hostile-bin-")
            .tempdir()
            .expect("create the binary's dir")
            .keep();
        set_mode(&dir, 0o755);
        let copy = dir.join("snipcheck");
        std::fs::copy(BIN, &copy).expect("copy the binary");
        set_mode(&copy, 0o755);
        // The zygote's binary, which the runner finds beside snipcheck's.
        let worker = dir.join("snipcheck-worker");
        std::fs::copy(Path::new(BIN).with_file_name("snipcheck-worker"), &worker)
            .expect("copy the worker binary");
        set_mode(&worker, 0o755);
        // SAFETY: registers a plain function to run at exit.
        unsafe {
            libc::atexit(remove_nobody_binary);
        }
        copy
    })
}

/// The process of one run: the binary as root, or its world-readable copy as `nobody`.
fn command(user: User, args: &[&str], cwd: &Path) -> Command {
    let command = Snipcheck::new(args)
        .cwd(cwd)
        .env(SECRET_NAME, SECRET_VALUE)
        .command();
    match user {
        User::Root => command,
        User::Nobody => {
            let mut nobody = Command::new("setpriv");
            nobody
                .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(nobody_binary())
                .args(command.get_args())
                .stdin(Stdio::null());
            if let Some(dir) = command.get_current_dir() {
                nobody.current_dir(dir);
            }
            for (key, value) in command.get_envs() {
                match value {
                    Some(value) => nobody.env(key, value),
                    None => nobody.env_remove(key),
                };
            }
            nobody
        }
    }
}

/// Runs the binary, watching its process tree; checks that it ended by itself with 0 or 1
/// (never a signal, never a hang) and that everything it started is gone.
fn invoke(
    case: &str,
    user: User,
    args: &[&str],
    cwd: &Path,
    hard_limit: Duration,
) -> (Run, Watched) {
    let started = Instant::now();
    let mut child = command(user, args, cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("{case}: cannot start {BIN}: {err}"));
    let watcher = Watcher::start(child.id());
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the runner") {
            break status;
        }
        if started.elapsed() > hard_limit {
            let _ = child.kill();
            let _ = child.wait();
            let seen = watcher.finish().seen;
            panic!(
                "{case}: the runner hung for more than {hard_limit:?} (its processes: {seen:?})"
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = started.elapsed();
    let watched = watcher.finish();
    let output = Output {
        status,
        stdout: out_reader.join().expect("stdout reader"),
        stderr: err_reader.join().expect("stderr reader"),
    };
    let run = Run::new(case, output, elapsed);
    let (code, stdout, stderr) = (run.code, &run.stdout, &run.stderr);
    assert!(
        code == 0 || code == 1,
        "{case}: the runner failed itself (exit {code}); stderr:\n{stderr}\nstdout:\n{stdout}"
    );
    assert!(
        !stdout.contains(SECRET_VALUE) && !stderr.contains(SECRET_VALUE),
        "{case}: the runner's secret environment value leaked into the report"
    );
    // The watcher must have seen the zygote, or the checks below would prove nothing. The
    // runner starts no process but the zygote, so any process of its tree is the zygote or
    // one of its children; a run can be over within a few samples, and the zygote may then
    // only have been seen between its fork and its exec (with the runner's command line).
    assert!(
        !watched.seen.is_empty(),
        "{case}: never saw the runner's zygote or any of its children"
    );
    // Everything the run started (zygote, children, anything with the child's uid) is gone
    // now that the runner exited.
    let mut uids = watched.uids.clone();
    uids.extend(
        serde_json::from_str::<Value>(stdout)
            .ok()
            .as_ref()
            .and_then(sandbox_uid),
    );
    assert_gone(case, &watched.seen, &uids);
    for (&pid, _) in watched
        .seen
        .iter()
        .filter(|(_, (_, cmd))| cmd.get(1).is_some_and(|a| a == "worker"))
    {
        for group in ["memory", "pids"] {
            let leftover = own_cgroup(group).join(format!("snipcheck-{pid}"));
            assert!(
                !leftover.exists(),
                "{case}: the run's cgroup {} was left behind",
                leftover.display()
            );
        }
    }
    // Fails the case unless stdout is a JSON report.
    run.json();
    (run, watched)
}

/// Waits up to 2 s for the run's [`leftovers`] to be gone; fails the test if they stay.
pub fn assert_gone(case: &str, seen: &Seen, uids: &BTreeSet<u32>) {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let alive = leftovers(seen, uids);
        if alive.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{case}: processes of the run outlived the runner: {alive:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The cgroup directory of this test process for a v1 `controller`, where a run makes its own.
pub fn own_cgroup(controller: &str) -> PathBuf {
    let table = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
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
    Path::new("/sys/fs/cgroup")
        .join(controller)
        .join(relative.trim_start_matches('/'))
}

/// Runs `snipcheck doctor --format json` as `user`.
pub fn doctor(case: &str, user: User) -> Run {
    let dir = tempfile::tempdir().expect("create a temp dir");
    set_mode(dir.path(), 0o755);
    invoke(
        case,
        user,
        &["doctor", "--format", "json"],
        dir.path(),
        Duration::from_secs(60),
    )
    .0
}

fn run_file(case: &str, host: &Host, name: &str, code: &str, opts: Opts) -> (Run, Watched) {
    let file = host.dir.path().join(name);
    std::fs::write(&file, code).expect("write the snippet");
    set_mode(&file, 0o644);
    let timeout = opts.timeout.to_string();
    let args = [
        "run",
        name,
        "--format",
        "json",
        "--timeout",
        timeout.as_str(),
    ];
    let hard_limit = Duration::from_secs(u64::from(opts.timeout) + 40);
    invoke(case, opts.user, &args, host.dir.path(), hard_limit)
}

/// Runs one hostile case with every host-side check and the canary; returns the run for the
/// case's own assertions on the outcome.
pub fn case(name: &str, code: &str, opts: Opts) -> Run {
    let mut host = Host::new(opts.user);
    let before_free = tmp_free();
    let code = host.fill(code);
    let (run, watched) = run_file(name, &host, "case.py", &code, opts);
    host_checks(&mut host, &run, opts, before_free, watched.min_free);
    canary(name, &host, opts.user);
    run
}

/// Like [`case`], for a Markdown note of several blocks: `snipcheck verify notes.md
/// --no-snapshots --format json -j JOBS`, with every host-side check and the canary; returns
/// the run and what the watcher saw.
pub fn notes_case(name: &str, markdown: &str, jobs: usize, opts: Opts) -> (Run, Watched) {
    let mut host = Host::new(opts.user);
    let before_free = tmp_free();
    let file = host.dir.path().join("notes.md");
    std::fs::write(&file, host.fill(markdown)).expect("write the note");
    set_mode(&file, 0o644);
    let timeout = opts.timeout.to_string();
    let jobs = jobs.to_string();
    let args = [
        "verify",
        "notes.md",
        "--no-snapshots",
        "--format",
        "json",
        "-j",
        jobs.as_str(),
        "--timeout",
        timeout.as_str(),
    ];
    let hard_limit = Duration::from_secs(u64::from(opts.timeout) * 4 + 40);
    let (run, watched) = invoke(name, opts.user, &args, host.dir.path(), hard_limit);
    host_checks(&mut host, &run, opts, before_free, watched.min_free);
    canary(name, &host, opts.user);
    (run, watched)
}

fn host_checks(host: &mut Host, run: &Run, opts: Opts, before_free: u64, min_free: u64) {
    let case = &run.label;
    host.check_untouched(case);
    if let Some(budget) = opts.tmp_budget {
        let eaten = before_free.saturating_sub(min_free);
        assert!(
            eaten <= budget,
            "{case}: /tmp lost {} MiB of free space during the run (budget {} MiB)",
            eaten >> 20,
            budget >> 20
        );
    }
}

/// `print(1 + 1)  # 2` right after the case: exit 0, `completed`, the claim passes.
fn canary(case: &str, host: &Host, user: User) {
    let name = format!("{case} (canary)");
    let opts = Opts {
        timeout: 3,
        user,
        tmp_budget: None,
    };
    let (run, _) = run_file(&name, host, "canary.py", CANARY, opts);
    assert_eq!(outcome(&run), "completed", "{name}: {}", run.stdout);
    assert_eq!(run.code, 0, "{name}: {}", run.stdout);
    assert_eq!(
        run.json()["claims"][0]["verdict"],
        "pass",
        "{name}: the canary's claim did not pass: {}",
        run.stdout
    );
}

/// The uid the child dropped to, from the `uid drop` layer's detail (`uid/gid N`).
pub fn sandbox_uid(json: &Value) -> Option<u32> {
    json["sandbox"]
        .as_array()?
        .iter()
        .find(|layer| layer["name"] == "uid drop" && layer["status"] == "active")?["detail"]
        .as_str()?
        .rsplit(' ')
        .next()?
        .parse()
        .ok()
}

// -------------------------------------------------------------------------------------------
// Reading the report.
// -------------------------------------------------------------------------------------------

/// The `outcome` word.
pub fn outcome(run: &Run) -> &str {
    run.json()["outcome"].as_str().unwrap_or("<none>")
}

/// The `end.kind` word.
pub fn end_kind(run: &Run) -> &str {
    run.json()["end"]["kind"].as_str().unwrap_or("<none>")
}

/// The `error` object.
pub fn error(run: &Run) -> &Value {
    &run.json()["error"]
}

/// Statement `index` of the report.
pub fn statement(run: &Run, index: usize) -> &Value {
    &run.json()["statements"][index]
}

/// The printed stdout of statement `index` ("" when it did not run).
pub fn stdout_of(run: &Run, index: usize) -> &str {
    statement(run, index)["stdout"].as_str().unwrap_or("")
}

/// Asserts the outcome word and the exit code.
pub fn expect(run: &Run, outcome_word: &str, exit: i32) {
    assert_eq!(
        outcome(run),
        outcome_word,
        "{}: wrong outcome\n{}\nstderr:\n{}",
        run.label,
        run.stdout,
        run.stderr
    );
    assert_eq!(
        run.code, exit,
        "{}: wrong exit code\n{}",
        run.label, run.stdout
    );
}

/// Asserts a `blocked` outcome whose reason starts with `reason`.
pub fn expect_blocked(run: &Run, reason: &str) {
    expect(run, "blocked", 1);
    let blocked = error(run)["blocked"].as_str().unwrap_or("<none>");
    assert!(
        blocked.starts_with(reason),
        "{}: blocked for {blocked:?}, expected {reason:?}\n{}",
        run.label,
        run.stdout
    );
}

/// Asserts the run was killed at its wall-clock limit, promptly.
pub fn expect_timeout(run: &Run, timeout: u32) {
    expect(run, "timeout", 1);
    assert_eq!(end_kind(run), "timeout", "{}: {}", run.label, run.stdout);
    assert_eq!(
        error(run)["type"],
        "Timeout",
        "{}: {}",
        run.label,
        run.stdout
    );
    let limit = Duration::from_secs(u64::from(timeout) + 6);
    assert!(
        run.elapsed < limit,
        "{}: a {timeout} s timeout took {:?} to enforce",
        run.label,
        run.elapsed
    );
}

/// Asserts the process was killed by `signal` (not by the runner): outcome `crashed`.
pub fn expect_signal(run: &Run, signal: i64) {
    expect(run, "crashed", 1);
    assert_eq!(end_kind(run), "signaled", "{}: {}", run.label, run.stdout);
    assert_eq!(
        run.json()["end"]["signal"],
        signal,
        "{}: {}",
        run.label,
        run.stdout
    );
    assert_eq!(error(run)["type"], "Crash", "{}: {}", run.label, run.stdout);
}

/// Asserts the outcome `memory` (cgroup OOM kill or MemoryError).
pub fn expect_memory(run: &Run) {
    expect(run, "memory", 1);
    let kind = end_kind(run);
    let error_type = error(run)["type"].as_str().unwrap_or("");
    assert!(
        kind == "memory-limit" || error_type == "MemoryError",
        "{}: outcome memory without an OOM kill or a MemoryError\n{}",
        run.label,
        run.stdout
    );
}

/// Asserts every claim passed.
pub fn expect_claims_pass(run: &Run) {
    let claims = run.json()["claims"].as_array().expect("claims array");
    assert!(
        !claims.is_empty(),
        "{}: no claims\n{}",
        run.label,
        run.stdout
    );
    for claim in claims {
        assert_eq!(
            claim["verdict"], "pass",
            "{}: claim {} did not pass (actual {})\n{}",
            run.label, claim["claimed"], claim["actual"], run.stdout
        );
    }
}
