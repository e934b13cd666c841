//! The leftover check itself: a process the run left behind fails it, whether the watcher saw
//! it under the runner or it only carries one of the run's sandbox uids; a process with another
//! run's sandbox uid does not, so two hostile runs at once do not fail each other.

use crate::harness::{SANDBOX_UID_BASE, Seen, Watcher, assert_gone, leftovers, uid_of};
use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn a_process_the_runner_left_behind_fails_the_check() {
    // A "runner" that starts a process and exits without it.
    let mut runner = quiet(Command::new("sh").args(["-c", "sleep 60 & sleep 1"]))
        .spawn()
        .expect("start sh");
    let watcher = Watcher::start(runner.id());
    runner.wait().expect("wait for sh");
    let watched = watcher.finish();
    let left = leftovers(&watched.seen, &watched.uids);
    let caught =
        std::panic::catch_unwind(|| assert_gone("left behind", &watched.seen, &watched.uids));
    let sleepers: Vec<u32> = watched
        .seen
        .iter()
        .filter(|(_, (_, cmd))| *cmd == ["sleep", "60"])
        .map(|(&pid, _)| pid)
        .collect();
    for &pid in &sleepers {
        // SAFETY: kill with a pid this test started (its grandchild) and a signal number.
        unsafe {
            libc::kill(i32::try_from(pid).expect("a pid"), libc::SIGKILL);
        }
    }
    assert_eq!(
        sleepers.len(),
        1,
        "the watcher missed the process: {:?}",
        watched.seen
    );
    assert!(
        left.iter()
            .any(|l| l.starts_with(&format!("{} ", sleepers[0]))),
        "the leftover {} is not reported: {left:?}",
        sleepers[0]
    );
    assert!(caught.is_err(), "assert_gone let a leftover process pass");
    // Once it is gone, the same run passes the check.
    assert_gone("cleaned up", &watched.seen, &watched.uids);
}

#[test]
fn a_process_with_the_runs_sandbox_uid_fails_the_check_and_another_runs_does_not() {
    // Sandbox uids no real child can have while these processes live: a child's uid is
    // SANDBOX_UID_BASE + its own pid, and these pids are taken.
    let own_uid = SANDBOX_UID_BASE + std::process::id();
    let mut own = sleep_as(own_uid);
    let other_uid = SANDBOX_UID_BASE + own.id();
    let mut other = sleep_as(other_uid);
    let ready = wait_for_uid(&own, own_uid) && wait_for_uid(&other, other_uid);
    let left = leftovers(&Seen::new(), &BTreeSet::from([own_uid]));
    for child in [&mut own, &mut other] {
        let _ = child.kill();
        let _ = child.wait();
    }
    assert!(ready, "setpriv did not take the sandbox uids");
    assert!(
        left.iter()
            .any(|l| l.starts_with(&format!("{} ", own.id()))),
        "a process with the run's sandbox uid is not reported: {left:?}"
    );
    assert!(
        !left
            .iter()
            .any(|l| l.starts_with(&format!("{} ", other.id()))),
        "another run's process is reported as this run's: {left:?}"
    );
}

/// `command` with stdin, stdout and stderr closed.
fn quiet(command: &mut Command) -> &mut Command {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
}

/// `sleep 60` as `uid`, as a sandboxed child would run.
fn sleep_as(uid: u32) -> Child {
    quiet(Command::new("setpriv").args([
        &format!("--reuid={uid}"),
        &format!("--regid={uid}"),
        "--clear-groups",
        "sleep",
        "60",
    ]))
    .spawn()
    .expect("start setpriv")
}

/// Whether `child` runs as `uid` within 5 s.
fn wait_for_uid(child: &Child, uid: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if uid_of(child.id()) == Some(uid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

#[test]
fn a_zygote_killed_from_outside_leaves_nothing_behind() {
    // A snippet sleeps; the zygote (`snipcheck worker`) is SIGKILLed from outside meanwhile.
    let dir = tempfile::tempdir().expect("create a temp dir");
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).expect("create TMPDIR");
    std::fs::write(
        dir.path().join("case.py"),
        "import time\ntime.sleep(30)\nprint(1)  # 1\n",
    )
    .expect("write the case");
    let mut runner = quiet(
        Command::new(crate::support::BIN)
            .args(["run", "case.py", "--timeout", "60"])
            .current_dir(dir.path())
            .env("TMPDIR", &tmp),
    )
    .stdout(Stdio::piped())
    .spawn()
    .expect("start snipcheck");
    let watcher = Watcher::start(runner.id());
    // The zygote is the runner's child running `worker`; wait for its snippet child too.
    let deadline = Instant::now() + Duration::from_secs(15);
    let (zygote, snippet_group) = loop {
        let children = |parent: u32| -> Vec<u32> {
            std::fs::read_dir("/proc")
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
                .filter(|&pid| {
                    std::fs::read_to_string(format!("/proc/{pid}/stat"))
                        .ok()
                        .and_then(|s| {
                            let after = s.rsplit_once(')')?.1.split_whitespace().nth(1)?;
                            after.parse::<u32>().ok()
                        })
                        == Some(parent)
                })
                .collect()
        };
        let worker = children(runner.id()).into_iter().find(|&pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| c.split(|&b| b == 0).any(|a| a == b"worker"))
        });
        // ... and for that child to be in its own memory group.
        let group = worker.and_then(|w| {
            children(w)
                .into_iter()
                .find_map(crate::harness::memory_cgroup)
                .filter(|group| group.contains("/snippet-"))
        });
        if let (Some(worker), Some(group)) = (worker, group) {
            break (worker, group);
        }
        assert!(
            Instant::now() < deadline,
            "the zygote never started a snippet in a group of its own"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    // SAFETY: kill with a pid this test's runner started and a signal number.
    unsafe {
        libc::kill(i32::try_from(zygote).expect("a pid"), libc::SIGKILL);
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = runner.try_wait().expect("wait for snipcheck") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = runner.kill();
            panic!("snipcheck hung after its zygote was killed");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let watched = watcher.finish();
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut runner.stdout.take().expect("stdout"), &mut stdout)
        .expect("read stdout");
    // A clear end: the block is reported as the runner's error, the run fails.
    assert_eq!(status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("the zygote exited"), "{stdout}");
    // Nothing of the run is left: processes, cgroups, the run's directory, mounts.
    assert_gone("zygote killed", &watched.seen, &watched.uids);
    for group in ["memory", "pids"] {
        let leftover = crate::harness::own_cgroup(group).join(format!("snipcheck-{zygote}"));
        assert!(!leftover.exists(), "{} was left behind", leftover.display());
    }
    let snippet_group =
        std::path::Path::new("/sys/fs/cgroup/memory").join(snippet_group.trim_start_matches('/'));
    assert!(
        !snippet_group.exists(),
        "the snippet's own group {} was left behind",
        snippet_group.display()
    );
    let left: Vec<_> = std::fs::read_dir(&tmp)
        .expect("read TMPDIR")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "the run left {left:?} in its TMPDIR");
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    assert!(
        !mounts.contains(&*tmp.to_string_lossy()),
        "a mount of the run is left: {mounts}"
    );
}
