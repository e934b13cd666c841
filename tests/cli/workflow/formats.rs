//! Report formats (`junit`, `github`, `--output`), `--strict` and `--filter`.
//!
//! `tests/workflow/junit-10.xsd` is the common JUnit schema (Jenkins' `junit-10.xsd`, MIT, its
//! licence header kept), as pytest's own test suite ships it (`testing/example_scripts/`).

use crate::support::*;
use std::path::Path;
use std::process::Command;

/// A project whose notes have a failing claim as well as the loose one.
fn failing_project() -> tempfile::TempDir {
    let dir = updated_project();
    edit_notes(dir.path(), |t| {
        t.replace(
            "print(a)  # [1, 2, 3] - shared",
            "print(a)  # [1, 2] - shared",
        )
    });
    expect_code(&snipcheck(dir.path(), &["update"]), 0);
    dir
}

#[test]
fn junit_validates_against_the_junit_schema_and_output_keeps_the_summary() {
    let dir = failing_project();
    let run = snipcheck(
        dir.path(),
        &["verify", "--format", "junit", "--output", "report.xml"],
    );
    expect_code(&run, 1);
    // The terminal still gets the human report.
    assert!(run.stdout.contains("result: FAILED"), "{}", run.stdout);
    assert!(
        run.stdout.ends_with("report written to report.xml\n"),
        "{}",
        run.stdout
    );
    let xml = std::fs::read_to_string(dir.path().join("report.xml")).expect("report.xml");
    let schema = Path::new(ROOT).join("tests/workflow/junit-10.xsd");
    let lint = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&schema)
        .arg(dir.path().join("report.xml"))
        .output()
        .expect("xmllint is installed by .ci/setup (libxml2-utils)");
    assert!(
        lint.status.success(),
        "report.xml does not validate:\n{}\n{xml}",
        String::from_utf8_lossy(&lint.stderr)
    );
    let line = demo_line_of(dir.path(), "print(a)  # [1, 2] - shared");
    assert!(
        xml.contains(&format!(
            "name=\"notes/demo.md:{line}: print(a)  # [1, 2] - shared\""
        )),
        "{xml}"
    );
    assert!(xml.contains("file=\"notes/demo.md\""), "{xml}");
    // One testcase per claim, plus one per snippet for the run and one for its snapshot.
    let cases = xml.matches("<testcase ").count();
    assert_eq!(cases, 5 + 8 + 8, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 1, "{xml}");
    assert_eq!(xml.matches("<skipped").count(), 1, "{xml}");
    insta::assert_snapshot!("junit_report", xml);
}

#[test]
fn github_annotations_point_at_the_markdown_lines() {
    let dir = failing_project();
    let run = snipcheck(dir.path(), &["verify", "--format", "github"]);
    expect_code(&run, 1);
    insta::assert_snapshot!("github_report", run.stdout);
    let notes = std::fs::read_to_string(dir.path().join("notes/demo.md")).expect("notes");
    let lines: Vec<&str> = notes.lines().collect();
    let mut seen = Vec::new();
    for annotation in run
        .stdout
        .lines()
        .filter(|l| l.contains("file=notes/demo.md,line="))
    {
        let level = annotation[2..].split(' ').next().expect("level");
        let line: usize = annotation
            .split("line=")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .and_then(|n| n.parse().ok())
            .expect("a line number");
        seen.push((level.to_owned(), lines[line - 1].to_owned()));
    }
    assert_eq!(
        seen,
        [
            ("error".to_owned(), "print(a)  # [1, 2] - shared".to_owned()),
            ("warning".to_owned(), "print(A)  # <class 'A'>".to_owned()),
        ]
    );
    let strict = snipcheck(dir.path(), &["verify", "--format", "github", "--strict"]);
    assert!(
        strict.stdout.contains(
            "::error file=notes/demo.md,line=18,title=snipcheck%3A loose claim (--strict)::"
        ),
        "{}",
        strict.stdout
    );
}

#[test]
fn strict_turns_loose_verdicts_into_failures() {
    let dir = updated_project();
    expect_code(&snipcheck(dir.path(), &["verify"]), 0);
    let run = snipcheck(dir.path(), &["verify", "--strict"]);
    expect_code(&run, 1);
    assert!(
        run.stdout.contains("  FAIL   demo/classes"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("--strict: 1 loose claim fail the run"),
        "{}",
        run.stdout
    );
    let run = snipcheck(dir.path(), &["verify", "--strict", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(json["strict"], true);
}

#[test]
fn filter_selects_snippets_by_id_or_section() {
    let dir = updated_project();
    let ids = |args: &[&str]| -> Vec<String> {
        let mut full = vec!["verify", "--format", "json"];
        full.extend_from_slice(args);
        let run = snipcheck(dir.path(), &full);
        expect_code(&run, 0);
        let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
        json["snippets"]
            .as_array()
            .expect("snippets")
            .iter()
            .map(|s| s["id"].as_str().expect("id").to_owned())
            .collect()
    };
    assert_eq!(ids(&["--filter", "cells"]), ["demo/cells", "demo/cells-2"]);
    assert_eq!(ids(&["--filter", "demo/cells-2"]), ["demo/cells-2"]);
    assert_eq!(
        ids(&["--filter", "Config Settings"]),
        ["demo/config-settings"]
    );
    assert_eq!(
        ids(&["--filter", "demo/c*"]),
        [
            "demo/classes",
            "demo/cells",
            "demo/cells-2",
            "demo/config-settings"
        ]
    );
    assert_eq!(ids(&["--filter", "demo/cell?"]), ["demo/cells"]);
    let run = snipcheck(dir.path(), &["verify", "--filter", "nothing-like-this"]);
    expect_code(&run, 2);
    assert!(
        run.stderr
            .contains("no snippet matches --filter \"nothing-like-this\""),
        "{}",
        run.stderr
    );
}
