//! Killing `update` mid-run leaves every generated file either old or new, never partial.
//!
//! The test hook `SNIPCHECK_TEST_WRITE_DELAY_MS` makes each atomic write pause between writing
//! its temporary file and renaming it, so SIGKILLs can be aimed at known points of the write
//! phase: before the first rename (a temporary file exists), after a few renames, and near the
//! end. Each kill must leave a mix of old and new files (proving it landed mid-update) and no
//! file with any third content; a later `update` finishes the job and removes the debris.
//!
//! The project's blocks are all `skip`ped: what is under test is how files are written, so the
//! contents must not depend on running Python (the same run twice gives the same bytes).

use crate::support::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn generated(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    files(dir)
        .into_iter()
        .filter(|(p, _)| p.starts_with("snippets") || p.starts_with("expected"))
        .collect()
}

fn is_debris(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with(".snipcheck-tmp-"))
}

/// A project of twelve skipped blocks.
fn skipped_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("snipcheck.toml"),
        "notes = [\"notes/*.md\"]\n",
    )
    .expect("toml");
    std::fs::create_dir_all(dir.path().join("notes")).expect("notes dir");
    let mut notes = String::from("# Kill test\n");
    for i in 0..12 {
        notes.push_str(&format!(
            "\n## Block {i}\n\n<!-- snipcheck: skip reason=\"old reason\" -->\n```python\nx = {i}  # old\n```\n"
        ));
    }
    std::fs::write(dir.path().join("notes/demo.md"), notes).expect("notes");
    dir
}

/// Changes every block's code and skip reason, so every generated file has new content.
fn change_everything(dir: &Path) {
    edit_notes(dir, |t| t.replace("old", "new"));
}

#[test]
fn killing_update_leaves_every_file_old_or_new() {
    let base = skipped_project();
    expect_code(&snipcheck(base.path(), &["update"]), 0);
    let old = generated(base.path());
    // The new contents, from an update that runs to its end.
    let reference = tempfile::tempdir().expect("tempdir");
    copy_dir(base.path(), reference.path());
    change_everything(reference.path());
    expect_code(&snipcheck(reference.path(), &["update"]), 0);
    let new = generated(reference.path());
    assert_eq!(
        old.keys().collect::<Vec<_>>(),
        new.keys().collect::<Vec<_>>()
    );
    assert!(
        old.iter().all(|(p, c)| new[p] != *c),
        "every file must change"
    );
    let total = new.len();

    // Kill after this many files were replaced (0: while the first temporary file waits).
    for replaced in [0, 1, total / 2, total - 1] {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(base.path(), dir.path());
        change_everything(dir.path());
        let mut child = Snipcheck::new(["update"])
            .cwd(dir.path())
            .env("SNIPCHECK_TEST_WRITE_DELAY_MS", "150")
            .command()
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start update");
        let started = Instant::now();
        loop {
            let now = generated(dir.path());
            let done = now.iter().filter(|(p, c)| new.get(*p) == Some(c)).count();
            // A file being written: a temporary file, or (were writes not atomic) a file that
            // is neither old nor new yet.
            let touched = now
                .iter()
                .filter(|(p, c)| !is_debris(p) && old.get(*p) != Some(c))
                .count();
            let waiting = now.keys().any(|p| is_debris(p)) || touched > done;
            if done >= replaced && (waiting || done == total) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "update never reached {replaced} replaced files"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        child.kill().expect("SIGKILL update");
        child.wait().expect("reap update");

        let after = generated(dir.path());
        let mut old_count = 0;
        let mut new_count = 0;
        for (path, content) in &after {
            if is_debris(path) {
                continue;
            }
            if new.get(path) == Some(content) {
                new_count += 1;
            } else if old.get(path) == Some(content) {
                old_count += 1;
            } else {
                panic!(
                    "kill after {replaced}: {} is neither old nor new:\n{}",
                    path.display(),
                    String::from_utf8_lossy(content)
                );
            }
        }
        assert_eq!(
            old_count + new_count,
            total,
            "kill after {replaced}: a file went missing"
        );
        assert!(
            new_count >= replaced && new_count < total,
            "kill after {replaced}: expected a mid-update state, got {new_count} of {total} new"
        );
        // A rerun finishes the job and sweeps the temporary files.
        expect_code(&snipcheck(dir.path(), &["update"]), 0);
        assert_eq!(generated(dir.path()), new, "kill after {replaced}: rerun");
    }
}
