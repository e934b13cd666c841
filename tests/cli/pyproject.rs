//! `[tool.snipcheck]` in `pyproject.toml` (issue 17): the same keys and the same strict errors
//! as `snipcheck.toml`, with lines of the pyproject itself; found after `snipcheck.toml`; both
//! at once is an error; a pyproject without the table is no config.

use crate::support::*;
use std::fs;
use std::path::Path;

/// A note whose one block raises `KeyError`: a failure unless the config expects it.
const NOTE: &str = "# Lookups\n\n```python\nd = {}\nd[\"missing\"]\n```\n";

/// The project around the note: `notes/lookups.md`.
fn project() -> tempfile::TempDir {
    let dir = empty_dir();
    fs::create_dir(dir.path().join("notes")).expect("mkdir");
    fs::write(dir.path().join("notes/lookups.md"), NOTE).expect("write the note");
    dir
}

/// A pyproject with other tools' tables around snipcheck's, which lists the note and expects
/// its error.
const PYPROJECT: &str = "[project]\n\
name = \"demo\"\n\
version = \"0.1\"\n\
\n\
[tool.ruff]\n\
line-length = 100\n\
\n\
[tool.snipcheck]\n\
notes = [\"notes/lookups.md\"]\n\
\n\
[tool.snipcheck.snippet.\"lookups/lookups\"]\n\
expect-error = \"KeyError\"\n\
reason = \"shows the error\"\n\
\n\
[tool.black]\n\
line-length = 100\n";

#[track_caller]
fn assert_error(run: &Run, needles: &[&str]) {
    expect_code(run, EXIT_ERROR);
    for needle in needles {
        assert!(
            run.stderr.contains(needle),
            "{needle:?} missing from:\n{}",
            run.stderr
        );
    }
}

#[test]
fn the_tool_snipcheck_table_configures_a_real_run() {
    let dir = project();
    // Without a config the note is verified ad hoc, and its error fails the run.
    let bare = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "notes/lookups.md"],
    );
    expect_code(&bare, EXIT_FAILED);

    fs::write(dir.path().join("pyproject.toml"), PYPROJECT).expect("write pyproject");
    // No paths: the table's `notes`; its snippet table expects the error.
    let run = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "--format", "json"],
    );
    expect_code(&run, EXIT_OK);
    let report = run.json();
    assert_eq!(ids(report), ["lookups/lookups"]);
    let snippet = snippet(report, "lookups/lookups");
    assert_eq!(snippet["error"]["expected_by"], "config", "{snippet:#}");

    // From elsewhere, through --config: `notes` are relative to the pyproject's directory.
    let elsewhere = empty_dir();
    let config = dir.path().join("pyproject.toml");
    let run = snipcheck(
        elsewhere.path(),
        &[
            "verify",
            "--no-snapshots",
            "--config",
            config.to_str().expect("UTF-8 path"),
        ],
    );
    expect_code(&run, EXIT_OK);
    // ... and so are the generated files: next to the pyproject, not in the cwd.
    let run = snipcheck(
        elsewhere.path(),
        &["update", "--config", config.to_str().expect("UTF-8 path")],
    );
    expect_code(&run, EXIT_OK);
    assert!(dir.path().join("snippets/lookups/lookups.py").is_file());
    assert!(dir.path().join("expected/lookups/lookups.snap").is_file());
    let stray: Vec<_> = fs::read_dir(elsewhere.path()).expect("list").collect();
    assert!(stray.is_empty(), "{stray:?}");
}

#[test]
fn a_bad_key_or_type_in_the_table_names_the_pyprojects_own_line() {
    let dir = project();
    let path = dir.path().join("pyproject.toml");

    let unknown = PYPROJECT.replace("reason = ", "reasons = ");
    fs::write(&path, &unknown).expect("write");
    let run = snipcheck(dir.path(), &["verify", "--no-snapshots"]);
    let line = line_of(&unknown, "reasons = ");
    assert_error(
        &run,
        &[
            &format!("pyproject.toml:{line}:"),
            "unknown field `reasons`",
        ],
    );

    let wrong_type = PYPROJECT.replace(
        "[tool.snipcheck]\n",
        "[tool.snipcheck]\nstrict-parse = \"yes\"\n",
    );
    fs::write(&path, &wrong_type).expect("write");
    let run = snipcheck(dir.path(), &["verify", "--no-snapshots"]);
    let line = line_of(&wrong_type, "strict-parse");
    assert_error(&run, &[&format!("pyproject.toml:{line}:"), "bool"]);

    // A rule of the settings, past serde: a skip without a reason, on its table's line.
    let no_reason = PYPROJECT
        .replace("expect-error = \"KeyError\"\n", "skip = true\n")
        .replace("reason = \"shows the error\"\n", "");
    fs::write(&path, &no_reason).expect("write");
    let run = snipcheck(dir.path(), &["verify", "--no-snapshots"]);
    let line = line_of(&no_reason, "[tool.snipcheck.snippet.");
    assert_error(
        &run,
        &[&format!("pyproject.toml:{line}:"), "skip without a reason"],
    );
}

#[test]
fn snipcheck_toml_and_a_tool_snipcheck_table_at_once_is_an_error() {
    let dir = project();
    fs::write(dir.path().join("pyproject.toml"), PYPROJECT).expect("write");
    fs::write(
        dir.path().join("snipcheck.toml"),
        "notes = [\"notes/lookups.md\"]\n",
    )
    .expect("write");
    let run = snipcheck(dir.path(), &["verify", "--no-snapshots"]);
    assert_error(
        &run,
        &[
            "snipcheck.toml",
            "pyproject.toml [tool.snipcheck]",
            "keep one",
        ],
    );
    // --config picks one: no conflict.
    let run = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "--config", "pyproject.toml"],
    );
    expect_code(&run, EXIT_OK);
    let run = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "--config", "snipcheck.toml"],
    );
    expect_code(&run, EXIT_FAILED);
}

#[test]
fn a_pyproject_without_the_table_is_not_a_config() {
    let dir = project();
    let other_tools = "[project]\nname = \"demo\"\n\n[tool.ruff]\nline-length = 100\n";
    fs::write(dir.path().join("pyproject.toml"), other_tools).expect("write");
    // No config at all: no notes by default ...
    let run = snipcheck(dir.path(), &["verify", "--no-snapshots"]);
    assert_error(&run, &["no notes to verify", "snipcheck.toml"]);
    // ... and a note given on the command line runs with the defaults.
    let run = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "notes/lookups.md"],
    );
    expect_code(&run, EXIT_FAILED);
    // Beside a snipcheck.toml, it is no second config.
    fs::write(
        dir.path().join("snipcheck.toml"),
        "notes = [\"notes/lookups.md\"]\n",
    )
    .expect("write");
    let run = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "--format", "json"],
    );
    expect_code(&run, EXIT_FAILED);
    assert_eq!(ids(run.json()), ["lookups/lookups"]);
    // Named explicitly, it is an error: there is nothing to read.
    let run = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "--config", "pyproject.toml"],
    );
    assert_error(&run, &["pyproject.toml has no [tool.snipcheck] table"]);
}

#[test]
fn doctor_names_the_config_file_and_table() {
    let dir = project();
    let doctor = |dir: &Path| {
        let run = snipcheck(dir, &["doctor", "--format", "json"]);
        run.json()["config"].clone()
    };
    assert_eq!(doctor(dir.path())["path"], serde_json::Value::Null);
    fs::write(dir.path().join("pyproject.toml"), PYPROJECT).expect("write");
    let config = doctor(dir.path());
    assert_eq!(config["path"], "pyproject.toml", "{config:#}");
    assert_eq!(config["table"], "[tool.snipcheck]", "{config:#}");
    let human = snipcheck(dir.path(), &["doctor"]);
    assert!(
        human
            .stdout
            .contains("config: pyproject.toml, table [tool.snipcheck]\n"),
        "{}",
        human.stdout
    );
    fs::write(dir.path().join("snipcheck.toml"), "notes = []\n").expect("write");
    let both = snipcheck(dir.path(), &["doctor"]);
    expect_code(&both, EXIT_FAILED);
    assert!(
        both.stdout.contains("config: INVALID: both snipcheck.toml"),
        "{}",
        both.stdout
    );
}
