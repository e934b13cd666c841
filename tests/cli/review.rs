//! `snipcheck review` (issue 18): the pending snapshots `verify` leaves, accepted or rejected
//! with `--accept` / `--reject`, listed without a terminal (exit 1), restricted to some notes,
//! refused when a `.snap.new` is a link or not snipcheck's, and decided one key at a time
//! through a pseudo-terminal.
//!
//! Every pending snapshot here is made by a real `snipcheck verify` on a small project in a
//! temp dir (two notes, four snippets) after its outputs changed; only the hostile cases write
//! files by hand.

use crate::support::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ONE: &str = "# One\n\n## Alpha\n\n```python\nprint(\"alpha v1\")\n```\n\n## Beta\n\n```python\nprint(\"beta v1\")\n```\n\n## Gamma\n\n```python\nprint(\"gamma v1\")\n```\n";
const TWO: &str = "# Two\n\n## Delta\n\n```python\nprint(\"delta v1\")\n```\n";

/// The pending snapshots `verify` leaves in the project below, in path order.
const PENDING: [&str; 4] = [
    "expected/one/alpha.snap.new",
    "expected/one/beta.snap.new",
    "expected/one/gamma.snap.new",
    "expected/two/delta.snap.new",
];

/// A project with accepted snapshots (`update`), whose notes then changed every output, and
/// the pending snapshots of a real `verify` run.
fn pending_project() -> tempfile::TempDir {
    let dir = empty_dir();
    std::fs::create_dir_all(dir.path().join("notes")).expect("mkdir");
    std::fs::write(
        dir.path().join("snipcheck.toml"),
        "notes = [\"notes/*.md\"]\n",
    )
    .expect("config");
    std::fs::write(dir.path().join("notes/one.md"), ONE).expect("notes");
    std::fs::write(dir.path().join("notes/two.md"), TWO).expect("notes");
    expect_code(&snipcheck(dir.path(), &["update"]), EXIT_OK);
    for (name, text) in [("one", ONE), ("two", TWO)] {
        std::fs::write(
            dir.path().join(format!("notes/{name}.md")),
            text.replace(" v1", " v2"),
        )
        .expect("notes");
    }
    let run = snipcheck(dir.path(), &["verify"]);
    expect_code(&run, EXIT_FAILED);
    assert_eq!(pending_files(dir.path()), PENDING, "{}", run.stdout);
    dir
}

/// The `.snap.new` files under the project's `expected/`, relative and sorted.
fn pending_files(dir: &Path) -> Vec<String> {
    files(dir)
        .into_keys()
        .map(|p| p.display().to_string())
        .filter(|p| p.ends_with(".snap.new"))
        .collect()
}

/// The text of a project file.
fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap_or_else(|err| panic!("read {path}: {err}"))
}

/// The accepted snapshot of a pending one.
fn accepted(pending: &str) -> &str {
    pending.strip_suffix(".new").expect("a .snap.new path")
}

#[test]
fn accept_replaces_each_snapshot_with_its_pending_one_as_update_would() {
    let dir = pending_project();
    let news: BTreeMap<&str, String> = PENDING.iter().map(|p| (*p, read(dir.path(), p))).collect();
    let run = snipcheck(dir.path(), &["review", "--accept"]);
    expect_code(&run, EXIT_OK);
    for pending in PENDING {
        assert!(
            run.stdout.contains(&format!("accepted {pending}\n")),
            "{}",
            run.stdout
        );
        assert_eq!(read(dir.path(), accepted(pending)), news[pending]);
    }
    assert!(
        run.stdout.ends_with("accepted 4, rejected 0, skipped 0\n"),
        "{}",
        run.stdout
    );
    assert!(pending_files(dir.path()).is_empty());
    expect_code(&snipcheck(dir.path(), &["verify"]), EXIT_OK);
    // The accepted bytes are exactly those `update` writes.
    let run = snipcheck(dir.path(), &["update"]);
    assert!(run.stdout.starts_with("0 files changed"), "{}", run.stdout);
    let run = snipcheck(dir.path(), &["review"]);
    expect_code(&run, EXIT_OK);
    assert_eq!(run.stdout, "no pending snapshots\n");
}

#[test]
fn reject_removes_the_pending_snapshots_and_keeps_the_accepted_ones() {
    let dir = pending_project();
    let before = files(dir.path());
    let run = snipcheck(dir.path(), &["review", "--reject"]);
    expect_code(&run, EXIT_OK);
    assert!(
        run.stdout.contains("rejected expected/one/beta.snap.new\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with("accepted 0, rejected 4, skipped 0\n"),
        "{}",
        run.stdout
    );
    let mut expected = before;
    for pending in PENDING {
        expected.remove(Path::new(pending));
    }
    assert_eq!(files(dir.path()), expected, "only the .snap.new files went");
    // The notes still differ from the accepted snapshots: verify fails again, as before.
    expect_code(&snipcheck(dir.path(), &["verify"]), EXIT_FAILED);
}

#[test]
fn without_a_terminal_it_lists_the_diffs_and_exits_1_without_waiting_for_input() {
    let dir = pending_project();
    // A new snippet has no accepted snapshot: its diff only adds.
    std::fs::write(
        dir.path().join("notes/two.md"),
        TWO.replace(" v1", " v2") + "\n## Epsilon\n\n```python\nprint(\"epsilon\")\n```\n",
    )
    .expect("notes");
    expect_code(&snipcheck(dir.path(), &["verify"]), EXIT_FAILED);
    let before = files(dir.path());
    // stdin is a pipe held open: a review that read it would never end.
    let mut child = Snipcheck::new(["review"])
        .cwd(dir.path())
        .command()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start snipcheck review");
    let stdin = child.stdin.take();
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "review waited on a stdin that is not a terminal"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(stdin);
    let run = Run::new(
        "review (no terminal)",
        child.wait_with_output().expect("output"),
        started.elapsed(),
    );
    expect_code(&run, EXIT_FAILED);
    assert_eq!(files(dir.path()), before, "listing changes nothing");
    let out = &run.stdout;
    assert!(
        !out.contains('\x1b'),
        "no colours without a terminal: {out:?}"
    );
    for pending in PENDING {
        assert!(out.contains(pending), "{out}");
    }
    let beta = format!(
        "one/beta  notes/one.md:{}  section \"Beta\"\n",
        line_of(ONE, "beta v1")
    );
    assert!(out.contains(&beta), "{beta:?} in {out}");
    assert!(
        out.contains("  -  stdout: beta v1\n  +L1 print(\"beta v2\")\n  +  stdout: beta v2\n"),
        "{out}"
    );
    let epsilon = out
        .split("\n\n")
        .find(|part| part.starts_with("two/epsilon"))
        .unwrap_or_else(|| panic!("no two/epsilon in {out}"));
    assert!(
        epsilon.contains("a new snapshot (expected/two/epsilon.snap does not exist)"),
        "{epsilon}"
    );
    assert!(epsilon.contains("+  stdout: epsilon"), "{epsilon}");
    assert!(
        !epsilon
            .lines()
            .any(|l| l.starts_with("  -") && !l.starts_with("  ---")),
        "a new snapshot only adds lines: {epsilon}"
    );
    assert!(
        out.ends_with("5 pending snapshots: accept with `snipcheck review --accept` (one snippet: `snipcheck update --accept-only <id>`), reject with `snipcheck review --reject`, or run `snipcheck review` in a terminal to decide one by one\n"),
        "{out}"
    );
}

#[test]
fn nothing_pending_exits_0() {
    let dir = pending_project();
    expect_code(&snipcheck(dir.path(), &["update"]), EXIT_OK);
    let run = snipcheck(dir.path(), &["review"]);
    expect_code(&run, EXIT_OK);
    assert_eq!(run.stdout, "no pending snapshots\n");
    // Also in a project that never had an expected/ directory.
    let empty = empty_dir();
    std::fs::write(empty.path().join("snipcheck.toml"), "notes = [\"*.md\"]\n").expect("config");
    let run = snipcheck(empty.path(), &["review", "--accept"]);
    expect_code(&run, EXIT_OK);
    assert_eq!(run.stdout, "no pending snapshots\n");
}

#[test]
fn paths_restrict_the_review_to_those_notes() {
    let dir = pending_project();
    let run = snipcheck(dir.path(), &["review", "--accept", "notes/two.md"]);
    expect_code(&run, EXIT_OK);
    assert_eq!(
        run.stdout,
        "accepted expected/two/delta.snap.new\naccepted 1, rejected 0, skipped 0\n"
    );
    assert_eq!(pending_files(dir.path()), PENDING[..3]);
    // A glob, from another directory with --config, as verify takes them.
    let elsewhere = empty_dir();
    let config = dir.path().join("snipcheck.toml");
    let pattern = dir.path().join("notes/o*.md");
    let run = snipcheck(
        elsewhere.path(),
        &[
            "review",
            "--reject",
            "--config",
            config.to_str().expect("UTF-8"),
            pattern.to_str().expect("UTF-8"),
        ],
    );
    expect_code(&run, EXIT_OK);
    assert!(
        run.stdout.ends_with("accepted 0, rejected 3, skipped 0\n"),
        "{}",
        run.stdout
    );
    assert!(pending_files(dir.path()).is_empty());
    // A note the config does not list has no snapshots to review.
    std::fs::write(dir.path().join("other.md"), TWO).expect("notes");
    let run = snipcheck(dir.path(), &["review", "other.md"]);
    expect_code(&run, EXIT_ERROR);
    assert!(
        run.stderr
            .contains("none of these notes is listed under `notes`"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_linked_or_foreign_pending_snapshot_is_refused_and_nothing_changes() {
    let dir = pending_project();
    let outside = dir.path().join("outside.snap");
    let beta = dir.path().join(PENDING[1]);
    std::fs::copy(&beta, &outside).expect("copy");
    std::fs::remove_file(&beta).expect("rm");
    std::os::unix::fs::symlink(&outside, &beta).expect("symlink");
    let before = files(dir.path());
    for args in [
        &["review", "--accept"][..],
        &["review", "--reject"],
        &["review"],
    ] {
        let run = snipcheck(dir.path(), args);
        expect_code(&run, EXIT_ERROR);
        assert!(
            run.stderr
                .contains("expected/one/beta.snap.new is a symbolic link"),
            "{args:?}: {}",
            run.stderr
        );
        assert_eq!(files(dir.path()), before, "{args:?} changed something");
        assert!(std::fs::symlink_metadata(&beta).expect("link").is_symlink());
    }
    // A linked accepted snapshot: its target is neither read nor replaced.
    std::fs::remove_file(&beta).expect("rm");
    std::fs::copy(&outside, &beta).expect("copy");
    let snap = dir.path().join(accepted(PENDING[1]));
    std::fs::remove_file(&snap).expect("rm");
    std::fs::write(dir.path().join("precious.txt"), "precious\n").expect("write");
    std::os::unix::fs::symlink(dir.path().join("precious.txt"), &snap).expect("symlink");
    let before = files(dir.path());
    let run = snipcheck(dir.path(), &["review", "--accept"]);
    expect_code(&run, EXIT_ERROR);
    assert!(
        run.stderr
            .contains("expected/one/beta.snap is a symbolic link"),
        "{}",
        run.stderr
    );
    assert_eq!(files(dir.path()), before);
    assert_eq!(read(dir.path(), "precious.txt"), "precious\n");
    // A .snap.new that snipcheck did not write (here: for another snippet than its path).
    std::fs::remove_file(&snap).expect("rm");
    std::fs::write(&beta, read(dir.path(), PENDING[0])).expect("write");
    let before = files(dir.path());
    let run = snipcheck(dir.path(), &["review", "--reject"]);
    expect_code(&run, EXIT_ERROR);
    assert!(
        run.stderr.contains(
            "expected/one/beta.snap.new: not a snapshot snipcheck wrote (its header names snippet \"one/alpha\""
        ),
        "{}",
        run.stderr
    );
    assert_eq!(files(dir.path()), before);
}

#[test]
fn on_a_terminal_each_pending_snapshot_is_accepted_rejected_or_skipped_by_one_key() {
    use expectrl::{Eof, Expect, Session, process::unix::WaitStatus};

    let dir = pending_project();
    let before = files(dir.path());
    let alpha_new = read(dir.path(), PENDING[0]);
    let mut command = Command::new(BIN);
    command
        .args(["review", "notes/one.md"])
        .current_dir(dir.path())
        .env_remove("CI")
        .env_remove("NO_COLOR")
        .env("TERM", "xterm");
    let mut session = Session::spawn(command).expect("spawn snipcheck review in a pty");
    session.set_expect_timeout(Some(Duration::from_secs(60)));
    let mut shown = Vec::new();
    for (position, key) in [("[1/3] ", "a"), ("[2/3] ", "r"), ("[3/3] ", "s")] {
        // What was printed since the last answer, up to this question.
        let head = session.expect(position).expect(position);
        let head = String::from_utf8_lossy(head.before()).into_owned();
        let body = session.expect("uit? ").expect("the question");
        shown.push(head + position + &String::from_utf8_lossy(body.before()));
        if shown.len() == 1 {
            // An arrow key and a key that is no answer are ignored: the question comes again.
            for ignored in ["\x1b[A", "x"] {
                session.send(ignored).expect("a key");
                session.expect("uit? ").expect("the question again");
            }
        }
        session.send(key).expect("answer");
    }
    let end = session.expect("skipped 1\r\n").expect("the summary line");
    let end = String::from_utf8_lossy(end.before()).into_owned();
    session.expect(Eof).expect("the end");
    let status = session.get_process().wait().expect("wait");
    assert!(
        matches!(status, WaitStatus::Exited(_, 0)),
        "exit status {status:?}"
    );

    assert!(shown[0].contains("one/alpha"), "{}", shown[0]);
    let alpha = format!("notes/one.md:{}", line_of(ONE, "alpha v1"));
    assert!(shown[0].contains(&alpha), "{alpha} in {}", shown[0]);
    assert!(
        shown[0].contains("\x1b[32m+  stdout: alpha v2\x1b[0m"),
        "the diff is coloured on a terminal: {:?}",
        shown[0]
    );
    assert!(
        shown[0].contains("\x1b[31m-  stdout: alpha v1\x1b[0m"),
        "{:?}",
        shown[0]
    );
    assert!(
        shown[1].contains("accepted expected/one/alpha.snap.new"),
        "{}",
        shown[1]
    );
    assert!(shown[1].contains("one/beta"), "{}", shown[1]);
    assert!(
        shown[2].contains("rejected expected/one/beta.snap.new"),
        "{}",
        shown[2]
    );
    assert!(shown[2].contains("one/gamma"), "{}", shown[2]);
    assert!(
        end.contains("skipped  expected/one/gamma.snap.new"),
        "{end}"
    );
    assert!(end.ends_with("accepted 1, rejected 1, "), "{end:?}");

    // On disk: alpha accepted, beta rejected, gamma still pending, two/ untouched.
    let mut expected = before;
    expected.remove(Path::new(PENDING[0]));
    expected.insert(PathBuf::from(accepted(PENDING[0])), alpha_new.into_bytes());
    expected.remove(Path::new(PENDING[1]));
    assert_eq!(files(dir.path()), expected);
    assert_eq!(pending_files(dir.path()), [PENDING[2], PENDING[3]]);
}

#[test]
fn on_a_terminal_quit_a_signal_and_accept_all_end_the_questions() {
    use expectrl::process::unix::{Signal, WaitStatus};
    use expectrl::session::OsSession;
    use expectrl::{Eof, Expect, Session};

    let dir = pending_project();
    let spawn = || {
        let mut command = Command::new(BIN);
        command
            .arg("review")
            .current_dir(dir.path())
            .env_remove("CI")
            .env("NO_COLOR", "1");
        let mut session = Session::spawn(command).expect("spawn snipcheck review in a pty");
        session.set_expect_timeout(Some(Duration::from_secs(60)));
        session
    };
    let finish = |mut session: OsSession| {
        let end = session.expect(Eof).expect("the end");
        let end = String::from_utf8_lossy(end.get(0).expect("the rest")).into_owned();
        let status = session.get_process().wait().expect("wait");
        (end, status)
    };
    // `q` at the second question: the first was skipped, nothing is changed.
    let before = files(dir.path());
    let mut session = spawn();
    session.expect("[1/4] ").expect("first");
    session.expect("uit? ").expect("first question");
    session.send("s").expect("skip");
    session.expect("[2/4] ").expect("second");
    session.expect("uit? ").expect("second question");
    session.send("q").expect("quit");
    let (end, status) = finish(session);
    assert!(matches!(status, WaitStatus::Exited(_, 0)), "{status:?}");
    assert!(end.contains("accepted 0, rejected 0, skipped 4"), "{end:?}");
    assert!(!end.contains('\x1b'), "NO_COLOR: {end:?}");
    assert_eq!(files(dir.path()), before);
    // SIGTERM while a question waits: what was decided stays decided, the rest pending.
    let mut session = spawn();
    session.expect("uit? ").expect("first question");
    session.send("a").expect("accept");
    session.expect("[2/4] ").expect("second");
    session.expect("uit? ").expect("second question");
    session
        .get_process_mut()
        .signal(Signal::SIGTERM)
        .expect("SIGTERM");
    let (end, status) = finish(session);
    assert!(
        matches!(status, WaitStatus::Exited(_, 143)),
        "128 + SIGTERM: {status:?}"
    );
    assert!(end.contains("accepted 1, rejected 0, skipped 3"), "{end:?}");
    assert!(
        end.contains("stopped by SIGTERM: the snapshots accepted or rejected before it are listed above; the rest are still pending"),
        "{end:?}"
    );
    assert_eq!(pending_files(dir.path()), PENDING[1..]);
    // `A` at the second question accepts it and every one after it.
    let mut session = spawn();
    session.expect("[1/3] ").expect("first");
    session.expect("uit? ").expect("first question");
    session.send("s").expect("skip");
    session.expect("uit? ").expect("second question");
    session.send("A").expect("accept all");
    let (end, status) = finish(session);
    assert!(matches!(status, WaitStatus::Exited(_, 0)), "{status:?}");
    assert!(
        end.contains("accepted expected/two/delta.snap.new"),
        "{end:?}"
    );
    assert!(end.contains("accepted 2, rejected 0, skipped 1"), "{end:?}");
    assert_eq!(pending_files(dir.path()), [PENDING[1]]);
}
