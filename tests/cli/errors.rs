//! Exit 2: snipcheck itself cannot run (missing path, broken config), with a message that
//! names the file and, for a config, the line.

use crate::support::*;
use std::path::Path;

/// Asserts exit 2, no report on stdout, and every `needle` in the error message.
#[track_caller]
fn assert_fails_with(run: &Run, needles: &[&str]) {
    assert_eq!(
        run.code, EXIT_ERROR,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert_eq!(run.stdout, "", "no report when snipcheck itself fails");
    assert!(run.stderr.contains("error"), "{}", run.stderr);
    for needle in needles {
        assert!(
            run.stderr.contains(needle),
            "{needle:?} missing from:\n{}",
            run.stderr
        );
    }
}

/// Asserts that the message points at `file:line` (and not at, say, `file:42` for line 4).
#[track_caller]
fn assert_points_at(run: &Run, file: &str, line: u64) {
    let at = format!("{file}:{line}");
    let found = run
        .stderr
        .match_indices(&at)
        .any(|(i, _)| !run.stderr[i + at.len()..].starts_with(|c: char| c.is_ascii_digit()));
    assert!(found, "{at:?} missing from:\n{}", run.stderr);
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write file");
    path.to_str().expect("UTF-8 path").to_owned()
}

#[test]
fn a_missing_path_is_exit_2_naming_it() {
    let dir = empty_dir();
    let missing = dir.path().join("no-such-notes.md");
    let missing = missing.to_str().expect("UTF-8 path");
    let run = snipcheck(dir.path(), &["verify", "--format", "json", missing]);
    assert_fails_with(&run, &[missing, "no such file or directory"]);

    // Also when other paths are fine: nothing runs.
    let good = fixture("await.md");
    let run = snipcheck(
        dir.path(),
        &[
            "verify",
            good.to_str().expect("UTF-8 path"),
            "also-missing.md",
        ],
    );
    assert_fails_with(&run, &["also-missing.md"]);

    let run = snipcheck(dir.path(), &["verify", "nothing-*.md"]);
    assert_fails_with(&run, &["no file matches", "nothing-*.md"]);
}

#[test]
fn no_notes_and_no_config_is_exit_2() {
    let dir = empty_dir();
    let run = snipcheck(dir.path(), &["verify"]);
    assert_fails_with(&run, &["no notes to verify", "snipcheck.toml"]);
}

#[test]
fn an_unknown_config_key_is_exit_2_with_file_and_line() {
    let dir = empty_dir();
    let notes = fixture("await.md");
    let notes = notes.to_str().expect("UTF-8 path");
    // Line 4: `file` instead of `files`.
    let text = "notes = []\n\n[snippet.\"await/top-level-await\"]\nfile = { \"a.txt\" = \"\" }\n";
    assert_eq!(line_of(text, "file = "), 4);
    write(dir.path(), "snipcheck.toml", text);

    // Found in the current directory...
    let run = snipcheck(dir.path(), &["verify", notes]);
    assert_fails_with(&run, &["unknown field `file`"]);
    assert_points_at(&run, "snipcheck.toml", 4);

    // ...or given explicitly, from anywhere.
    let elsewhere = empty_dir();
    let config = dir.path().join("snipcheck.toml");
    let config = config.to_str().expect("UTF-8 path");
    let run = snipcheck(elsewhere.path(), &["verify", "--config", config, notes]);
    assert_fails_with(&run, &["unknown field `file`"]);
    assert_points_at(&run, config, 4);

    // An unknown top-level key, on line 2.
    let top = write(elsewhere.path(), "top.toml", "notes = []\ntimout = 3\n");
    let run = snipcheck(elsewhere.path(), &["verify", "--config", &top, notes]);
    assert_fails_with(&run, &["unknown field `timout`"]);
    assert_points_at(&run, &top, 2);
}

#[test]
fn expect_error_without_reason_is_exit_2_with_file_and_line() {
    let dir = empty_dir();
    let notes = fixture("await.md");
    let notes = notes.to_str().expect("UTF-8 path");
    // The snippet's table starts on line 3.
    let text = "notes = []\n\n[snippet.\"await/top-level-await\"]\nexpect-error = \"NameError\"\n";
    assert_eq!(line_of(text, "[snippet."), 3);
    let config = write(dir.path(), "snipcheck.toml", text);
    let run = snipcheck(dir.path(), &["verify", "--config", &config, notes]);
    assert_fails_with(
        &run,
        &["\"await/top-level-await\"", "expect-error without a reason"],
    );
    assert_points_at(&run, &config, 3);

    // A blank reason is no reason either.
    let blank = write(
        dir.path(),
        "blank.toml",
        "[snippet.\"await/top-level-await\"]\nexpect-error = \"NameError\"\nreason = \"  \"\n",
    );
    let run = snipcheck(dir.path(), &["verify", "--config", &blank, notes]);
    assert_fails_with(&run, &["without a reason"]);
    assert_points_at(&run, &blank, 1);
}

#[test]
fn other_bad_configs_are_exit_2() {
    let dir = empty_dir();
    let notes = fixture("await.md");
    let notes = notes.to_str().expect("UTF-8 path");

    // A config entry for a verified document that matches no snippet is stale.
    let stale = write(
        dir.path(),
        "stale.toml",
        "notes = []\n\n\n[snippet.\"await/gone\"]\nprelude = \"x = 1\"\n",
    );
    let run = snipcheck(dir.path(), &["verify", "--config", &stale, notes]);
    assert_fails_with(&run, &["no snippet has the id \"await/gone\""]);
    assert_points_at(&run, &stale, 4);

    // An explicit config that does not exist.
    let run = snipcheck(dir.path(), &["verify", "--config", "missing.toml", notes]);
    assert_fails_with(&run, &["failed to read config missing.toml"]);

    // A bad --timeout.
    let run = snipcheck(dir.path(), &["verify", "--timeout", "0", notes]);
    assert_fails_with(&run, &["invalid --timeout"]);
}
