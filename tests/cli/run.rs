//! `snipcheck run FILE.py | ID`: one file or one planned snippet, through the same pipeline as
//! `verify`, with its whole transcript.

use crate::support::*;
use std::fs;

#[test]
fn a_python_file_runs_as_one_block_with_its_transcript() {
    let dir = empty_dir();
    let file = dir.path().join("demo.py");
    fs::write(
        &file,
        "x = [1, 2]\nprint(x)  # [1, 2]\nprint(len(x))  # 3\n1 / 0\n",
    )
    .expect("write demo.py");
    let run = snipcheck(dir.path(), &["run", "demo.py"]);
    // The claim on line 3 is wrong and 1 / 0 raises: the run fails.
    expect_code(&run, EXIT_FAILED);
    assert!(
        run.stdout.contains("demo.py:2  print(x)  # [1, 2]"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("    stdout | [1, 2]"), "{}", run.stdout);
    assert!(run.stdout.contains("    stdout | 2"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("    raised | ZeroDivisionError: division by zero"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("outcome: raised"), "{}", run.stdout);

    let json = snipcheck(dir.path(), &["run", "demo.py", "--format", "json"]);
    expect_code(&json, EXIT_FAILED);
    let report = json.json();
    assert_eq!(report["path"], "demo.py");
    assert_eq!(report["outcome"], "raised");
    let verdicts: Vec<&str> = report["claims"]
        .as_array()
        .expect("claims")
        .iter()
        .map(|c| c["verdict"].as_str().expect("verdict"))
        .collect();
    assert_eq!(verdicts, ["pass", "fail"]);
    let statements = report["statements"].as_array().expect("statements");
    assert_eq!(statements.len(), 4);
    assert_eq!(statements[3]["exception"]["type"], "ZeroDivisionError");
}

#[test]
fn a_snippet_id_runs_with_its_settings_and_a_skipped_one_says_why_it_did_not_run() {
    let dir = empty_dir();
    fs::write(
        dir.path().join("n.md"),
        "# Data\n```python\nprint(open('data.txt').read())  # hello\n```\n\
         # Slow\n<!-- snipcheck: skip reason=\"talks to the network\" -->\n```python\nprint(1)  # 1\n```\n",
    )
    .expect("write n.md");
    fs::write(
        dir.path().join("snipcheck.toml"),
        "notes = [\"n.md\"]\n[snippet.\"n/data\"]\nfiles = { \"data.txt\" = \"hello\" }\n",
    )
    .expect("write snipcheck.toml");
    let run = snipcheck(dir.path(), &["run", "n/data"]);
    expect_code(&run, EXIT_OK);
    assert!(run.stdout.contains("    stdout | hello"), "{}", run.stdout);
    assert!(run.stdout.contains("outcome: completed"), "{}", run.stdout);

    let skipped = snipcheck(dir.path(), &["run", "n/slow"]);
    expect_code(&skipped, EXIT_OK);
    assert!(
        skipped.stdout.contains("outcome: skipped"),
        "{}",
        skipped.stdout
    );
    assert!(
        skipped
            .stdout
            .contains("not run: skipped (talks to the network)"),
        "{}",
        skipped.stdout
    );
    assert!(!skipped.stdout.contains("stdout |"), "{}", skipped.stdout);

    let unknown = snipcheck(dir.path(), &["run", "n/nope"]);
    expect_code(&unknown, EXIT_ERROR);
    assert!(
        unknown
            .stderr
            .contains("\"n/nope\" is neither a file nor a snippet id"),
        "{}",
        unknown.stderr
    );
}
