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

#[test]
fn the_configs_notes_are_named_with_their_line_when_they_find_nothing() {
    let dir = empty_dir();
    write(dir.path(), "n.md", "# A\n```python\nprint(1)  # 1\n```\n");

    // `notes` lists nothing.
    write(dir.path(), "snipcheck.toml", "# the notes\n\nnotes = []\n");
    let run = snipcheck(dir.path(), &["verify"]);
    assert_fails_with(&run, &["`notes` lists no file"]);
    assert_points_at(&run, "snipcheck.toml", 3);

    // No `notes` at all.
    write(dir.path(), "snipcheck.toml", "timeout = 5\n");
    let run = snipcheck(dir.path(), &["verify"]);
    assert_fails_with(&run, &["snipcheck.toml has no `notes`"]);

    // A pattern that matches nothing, and a listed file that does not exist.
    write(
        dir.path(),
        "snipcheck.toml",
        "\nnotes = [\"n.md\", \"docs/*.md\"]\n",
    );
    let run = snipcheck(dir.path(), &["verify"]);
    assert_fails_with(
        &run,
        &[
            "\"docs/*.md\" is listed under `notes`",
            "no file matches it",
        ],
    );
    assert_points_at(&run, "snipcheck.toml", 2);
    write(dir.path(), "snipcheck.toml", "\n\nnotes = [\"gone.md\"]\n");
    let run = snipcheck(dir.path(), &["verify"]);
    assert_fails_with(
        &run,
        &["\"gone.md\" is listed under `notes`", "does not exist"],
    );
    assert_points_at(&run, "snipcheck.toml", 3);
}

#[test]
fn a_snippet_setting_for_a_note_the_config_does_not_list_is_exit_2() {
    let dir = empty_dir();
    write(dir.path(), "n.md", "# A\n```python\nprint(1)  # 1\n```\n");
    write(
        dir.path(),
        "other.md",
        "# B\n```python\nprint(2)  # 2\n```\n",
    );
    // `nn/a` is a typo of `n/a`: no listed note is named `nn`, whatever the run reads.
    write(
        dir.path(),
        "snipcheck.toml",
        "notes = [\"n.md\"]\n\n[snippet.\"nn/a\"]\nprelude = \"x = 1\"\n",
    );
    for args in [&["verify"][..], &["verify", "other.md"]] {
        let run = snipcheck(dir.path(), args);
        assert_fails_with(&run, &["no note listed under `notes` is named \"nn\""]);
        assert_points_at(&run, "snipcheck.toml", 3);
    }
    // The right id is fine, also in a run that does not read its note.
    write(
        dir.path(),
        "snipcheck.toml",
        "notes = [\"n.md\"]\n\n[snippet.\"n/a\"]\nprelude = \"x = 1\"\n",
    );
    expect_code(&snipcheck(dir.path(), &["verify", "other.md"]), EXIT_OK);
    expect_code(
        &snipcheck(dir.path(), &["verify", "--no-snapshots"]),
        EXIT_OK,
    );
}
