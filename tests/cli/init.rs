//! `snipcheck init` (issue 17): a starting config listing the notes that hold Python blocks, a
//! `.gitignore` line for `*.snap.new` (once), never overwriting a config; with `--pyproject`, a
//! `[tool.snipcheck]` table appended to an existing `pyproject.toml`, the rest kept byte for
//! byte. What it writes loads: a real `verify` runs on it.

use crate::support::*;
use std::fs;
use std::path::Path;

/// A sample tree: two notes with Python blocks (Markdown and reStructuredText, one nested), a
/// Markdown file without one, and a file that is not a note.
fn sample() -> tempfile::TempDir {
    let dir = empty_dir();
    let root = dir.path();
    for sub in ["notes/deep", "docs"] {
        fs::create_dir_all(root.join(sub)).expect("mkdir");
    }
    fs::write(
        root.join("notes/basics.md"),
        "# Basics\n\n```python\nprint(1 + 1)  # 2\n```\n",
    )
    .expect("write");
    fs::write(
        root.join("notes/deep/more.rst"),
        "More\n====\n\n.. code-block:: python\n\n   print('a' * 2)  # aa\n",
    )
    .expect("write");
    fs::write(
        root.join("docs/prose.md"),
        "# Prose\n\nNo code here.\n\n```bash\nls\n```\n",
    )
    .expect("write");
    fs::write(root.join("setup.py"), "print('not a note')\n").expect("write");
    dir
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|err| panic!("read {}: {err}", path.display()))
}

/// How many lines of `.gitignore` are exactly `*.snap.new`.
fn ignore_lines(dir: &Path) -> usize {
    read(&dir.join(".gitignore"))
        .lines()
        .filter(|l| *l == "*.snap.new")
        .count()
}

#[test]
fn init_lists_the_notes_with_python_and_its_config_runs() {
    let dir = sample();
    let run = snipcheck(dir.path(), &["init"]);
    expect_code(&run, EXIT_OK);
    let config = read(&dir.path().join("snipcheck.toml"));
    assert!(config.contains("\"notes/basics.md\""), "{config}");
    assert!(config.contains("\"notes/deep/more.rst\""), "{config}");
    assert!(!config.contains("prose.md"), "no Python block:\n{config}");
    assert!(config.contains("# timeout = 10"), "{config}");
    assert!(config.contains("# namespace = \"auto\""), "{config}");
    // It says what it wrote: the file and every line of it.
    assert!(
        run.stdout.contains("wrote snipcheck.toml (2 notes)"),
        "{}",
        run.stdout
    );
    for line in config.lines().filter(|l| !l.is_empty()) {
        assert!(
            run.stdout.contains(line),
            "{line:?} not shown:\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout.contains("created .gitignore with *.snap.new"),
        "{}",
        run.stdout
    );
    assert_eq!(ignore_lines(dir.path()), 1);

    // The config loads, and its notes are what `verify` runs.
    let verify = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "--format", "json"],
    );
    expect_code(&verify, EXIT_OK);
    let mut documents: Vec<String> = verify.json()["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .map(|d| d["path"].as_str().expect("path").to_owned())
        .collect();
    documents.sort();
    assert_eq!(documents, ["notes/basics.md", "notes/deep/more.rst"]);

    // A second init refuses, naming the config, and changes nothing.
    let again = snipcheck(dir.path(), &["init"]);
    expect_code(&again, EXIT_ERROR);
    assert!(
        again.stderr.contains("snipcheck.toml already exists"),
        "{}",
        again.stderr
    );
    assert_eq!(read(&dir.path().join("snipcheck.toml")), config);
    assert_eq!(ignore_lines(dir.path()), 1);
}

#[test]
fn the_gitignore_line_is_appended_once_to_an_existing_file() {
    // A .gitignore without a final line break gets one before the new line.
    let dir = sample();
    fs::write(dir.path().join(".gitignore"), "target/\n*.pyc").expect("write");
    let run = snipcheck(
        &std::env::temp_dir(),
        &["init", dir.path().to_str().expect("UTF-8 path")],
    );
    expect_code(&run, EXIT_OK);
    assert_eq!(
        read(&dir.path().join(".gitignore")),
        "target/\n*.pyc\n*.snap.new\n"
    );
    assert!(dir.path().join("snipcheck.toml").is_file());

    // Already ignored: the file is left as it is.
    let dir = sample();
    let ignore = "*.snap.new\nbuild/\n";
    fs::write(dir.path().join(".gitignore"), ignore).expect("write");
    let run = snipcheck(dir.path(), &["init"]);
    expect_code(&run, EXIT_OK);
    assert_eq!(read(&dir.path().join(".gitignore")), ignore);
    assert!(
        run.stdout.contains(".gitignore already ignores *.snap.new"),
        "{}",
        run.stdout
    );
}

#[test]
fn init_pyproject_appends_a_table_keeping_the_file_byte_for_byte() {
    let dir = sample();
    let path = dir.path().join("pyproject.toml");
    // No final line break, a comment, odd spacing: all kept.
    let before = "[project]\nname = \"demo\"   # the name\n\n[tool.ruff]\nline-length=100";
    fs::write(&path, before).expect("write");
    let run = snipcheck(dir.path(), &["init", "--pyproject"]);
    expect_code(&run, EXIT_OK);
    let after = read(&path);
    assert!(after.starts_with(&format!("{before}\n")), "{after}");
    assert!(after.contains("\n[tool.snipcheck]\n"), "{after}");
    assert!(after.contains("\"notes/basics.md\""), "{after}");
    assert!(
        after.contains("# [tool.snipcheck.snippet."),
        "the example snippet table is the table's own:\n{after}"
    );
    assert!(!dir.path().join("snipcheck.toml").exists());
    assert!(
        run.stdout
            .contains("appended a [tool.snipcheck] table to pyproject.toml (2 notes)"),
        "{}",
        run.stdout
    );
    let verify = snipcheck(dir.path(), &["verify", "--no-snapshots"]);
    expect_code(&verify, EXIT_OK);

    // Now configured: init refuses either way, naming the table.
    for args in [&["init"][..], &["init", "--pyproject"][..]] {
        let again = snipcheck(dir.path(), args);
        expect_code(&again, EXIT_ERROR);
        assert!(
            again
                .stderr
                .contains("pyproject.toml already has a [tool.snipcheck] table"),
            "{}",
            again.stderr
        );
    }
    assert_eq!(read(&path), after);
    assert_eq!(ignore_lines(dir.path()), 1);
}

#[test]
fn init_pyproject_writes_nothing_it_could_not_load() {
    // No pyproject.toml to append to.
    let dir = sample();
    let run = snipcheck(dir.path(), &["init", "--pyproject"]);
    expect_code(&run, EXIT_ERROR);
    assert!(
        run.stderr.contains("pyproject.toml does not exist"),
        "{}",
        run.stderr
    );
    // An inline `tool` table cannot gain a [tool.snipcheck] table after it.
    let inline = "tool = { black = { line-length = 100 } }\n\n[project]\nname = \"demo\"\n";
    fs::write(dir.path().join("pyproject.toml"), inline).expect("write");
    let run = snipcheck(dir.path(), &["init", "--pyproject"]);
    expect_code(&run, EXIT_ERROR);
    assert!(run.stderr.contains("init wrote nothing"), "{}", run.stderr);
    assert_eq!(read(&dir.path().join("pyproject.toml")), inline);
    assert!(!dir.path().join(".gitignore").exists());
}
