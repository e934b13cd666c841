//! Snapshots of the full human and JSON reports on the bundled notes, run from the repository
//! root with its snipcheck.toml. The Python version is replaced by `[PYTHON]`.

use crate::support::*;
use std::path::Path;

/// The Python version the report names (taken from the JSON report, checked for shape).
fn python_version() -> String {
    let run = snipcheck(Path::new(ROOT), &["verify", "--format", "json"]);
    let version = str_field(run.json(), "python").to_owned();
    let parts: Vec<&str> = version.split('.').collect();
    assert!(
        parts.len() == 3 && parts[0] == "3" && parts.iter().all(|p| p.parse::<u32>().is_ok()),
        "unexpected Python version {version:?}"
    );
    version
}

/// Replaces `from` (which must occur exactly once) by `to`.
fn redact(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?} in:\n{text}");
    text.replace(from, to)
}

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(Path::new(ROOT).join("tests").join("snapshots"));
    settings
}

#[test]
fn human_report_of_the_bundled_notes() {
    let version = python_version();
    let run = snipcheck(Path::new(ROOT), &["verify"]);
    assert_eq!(run.code, EXIT_OK, "{}\n{}", run.stdout, run.stderr);
    let report = redact(
        &run.stdout,
        &format!("· Python {version} ·"),
        "· Python [PYTHON] ·",
    );
    settings().bind(|| insta::assert_snapshot!("bundled_notes_human", report));
}

#[test]
fn json_report_of_the_bundled_notes() {
    let version = python_version();
    let run = snipcheck(Path::new(ROOT), &["verify", "--format", "json"]);
    assert_eq!(run.code, EXIT_OK, "{}\n{}", run.stdout, run.stderr);
    let report = redact(
        &run.stdout,
        &format!("\"python\": \"{version}\","),
        "\"python\": \"[PYTHON]\",",
    );
    settings().bind(|| insta::assert_snapshot!("bundled_notes_json", report));
}
