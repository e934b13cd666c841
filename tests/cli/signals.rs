//! Every exit is clean: Ctrl-C (SIGINT), SIGTERM (a cancelled CI job) or SIGHUP (a closed
//! terminal) while a snippet runs stops the run — nothing more starts, the running snippet is
//! killed — prints the report of what finished, writes no generated file, exits 128 + the
//! signal, and leaves no process and no run directory behind. Checked on the host: the run's
//! directories under its own TMPDIR, and every process whose working directory is inside it.

use crate::support::*;
use std::path::Path;
use std::time::{Duration, Instant};

/// A project whose second block runs for a minute.
const NOTE: &str = "# Fast\n```python\nprint(1)  # 1\n```\n# Slow\n```python\nimport time\ntime.sleep(60)\nprint(2)  # 2\n```\n# Later\n```python\nprint(3)  # 3\n```\n";

/// Processes whose working directory is inside `dir` (a snippet runs in a scratch directory
/// inside the run directory, which is inside `dir`).
fn processes_in(dir: &Path) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cwd = std::fs::read_link(entry.path().join("cwd")).ok()?;
            cwd.starts_with(dir).then_some(pid)
        })
        .collect()
}

fn stopped_by(signal: i32) {
    let project = empty_dir();
    let tmp = empty_dir();
    std::fs::write(project.path().join("notes.md"), NOTE).expect("write");
    std::fs::write(
        project.path().join("snipcheck.toml"),
        "notes = [\"notes.md\"]\n",
    )
    .expect("write");
    let before = files(project.path());
    let mut child = Snipcheck::new(["verify", "-j", "1"])
        .cwd(project.path())
        .env("TMPDIR", tmp.path())
        .command()
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start snipcheck");
    // Wait until the slow snippet runs: a process that keeps working in a scratch dir under
    // TMPDIR (the names analysis and the fast snippet are children there too, for a moment).
    let started = Instant::now();
    let mut seen: std::collections::HashMap<u32, Instant> = Default::default();
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the slow snippet never started"
        );
        let now = processes_in(tmp.path());
        seen.retain(|pid, _| now.contains(pid));
        for pid in now {
            seen.entry(pid).or_insert_with(Instant::now);
        }
        if seen
            .values()
            .any(|since| since.elapsed() > Duration::from_millis(1500))
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    // SAFETY: signalling the child this test started.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("wait").is_none() {
        assert!(
            Instant::now() < deadline,
            "snipcheck did not stop on signal {signal}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("output");
    let run = Run::new(
        &format!("verify stopped by {signal}"),
        output,
        started.elapsed(),
    );
    expect_code(&run, 128 + signal);
    // The report of what finished, and what did not.
    assert!(run.stdout.contains("ok     notes/fast"), "{}", run.stdout);
    assert!(
        run.stdout.contains("stopped") && run.stdout.contains("while this snippet ran"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("before this snippet started"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("snipcheck: stopped by SIG"),
        "{}",
        run.stderr
    );
    // Nothing left: no process, no run directory, no generated file.
    let leftover = Instant::now() + Duration::from_secs(2);
    while !processes_in(tmp.path()).is_empty() && Instant::now() < leftover {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        processes_in(tmp.path()),
        Vec::<u32>::new(),
        "processes left"
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("tmp")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert!(left.is_empty(), "left in TMPDIR: {left:?}");
    assert_eq!(files(project.path()), before, "a stopped run wrote files");
}

#[test]
fn ctrl_c_stops_the_run_cleanly_with_exit_130() {
    stopped_by(libc::SIGINT);
}

#[test]
fn sigterm_and_sighup_stop_the_run_cleanly() {
    stopped_by(libc::SIGTERM);
    stopped_by(libc::SIGHUP);
}
