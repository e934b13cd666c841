//! The bundled notes, run as the README says (from the repository root with its config), and a
//! copy with one claim broken.

use crate::support::*;
use serde_json::Value;
use std::path::Path;

const NOTES: &str = "notes/python-interview-notes.md";
const GOOD: &str = "# [1, 2, 3, 4] - both changed!";
const BROKEN: &str = "# [1, 2, 3] - both changed!";

fn notes_text() -> String {
    std::fs::read_to_string(Path::new(ROOT).join(NOTES)).expect("read the bundled notes")
}

/// Runs `verify --format json` on a copy of the notes (edited by `edit`) next to a copy of the
/// repository's snipcheck.toml, in a temp dir.
fn verify_copy(edit: impl Fn(&str) -> String) -> (Run, Value, String) {
    let dir = empty_dir();
    std::fs::create_dir(dir.path().join("notes")).expect("create notes/");
    let text = edit(&notes_text());
    std::fs::write(dir.path().join(NOTES), &text).expect("write notes copy");
    std::fs::copy(
        Path::new(ROOT).join("snipcheck.toml"),
        dir.path().join("snipcheck.toml"),
    )
    .expect("copy snipcheck.toml");
    // The generated files travel with the notes, as in a clone of the repository.
    for generated in ["snippets", "expected"] {
        copy_tree(
            &Path::new(ROOT).join(generated),
            &dir.path().join(generated),
        );
    }
    let run = snipcheck(dir.path(), &["verify", "--format", "json"]);
    let report = run.json().clone();
    (run, report, text)
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a directory");
    for entry in std::fs::read_dir(from).expect("read a directory") {
        let path = entry.expect("read an entry").path();
        let target = to.join(path.file_name().expect("a file name"));
        if path.is_dir() {
            copy_tree(&path, &target);
        } else if !path.to_string_lossy().ends_with(".snap.new") {
            std::fs::copy(&path, &target).expect("copy a file");
        }
    }
}

#[test]
fn the_bundled_notes_verify() {
    let text = notes_text();
    let run = snipcheck(Path::new(ROOT), &["verify", "--format", "json"]);
    assert_eq!(run.code, EXIT_OK, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    assert_summary(report, 1, 18, [17, 1, 0, 0], 0);
    assert_eq!(report["documents"][0]["path"], NOTES);
    assert_eq!(report["documents"][0]["problems"], Value::Array(Vec::new()));

    // The one loose claim: the MRO printed with `__main__.` where the notes leave it out.
    let loose: Vec<&Value> = all_claims(report)
        .into_iter()
        .filter(|c| c["verdict"] == "loose")
        .collect();
    assert_eq!(loose.len(), 1, "{loose:#?}");
    let mro = loose[0];
    assert_eq!(mro["claim_line"], 856);
    assert_eq!(
        mro["claim_line"],
        line_of(&text, "# (<class 'D'>, <class 'B'>")
    );
    assert_eq!(mro["line"], line_of(&text, "print(D.__mro__)"));
    assert_eq!(mro["kind"], "output");
    assert_eq!(mro["normalization"], "main-prefix");

    // Every snippet error is declared: by a claim, or by expect-error with a reason.
    let mut declared = Vec::new();
    for s in report["snippets"].as_array().expect("snippets") {
        assert_eq!(s["missing_expected_error"], Value::Null, "{s:#}");
        if s["error"].is_null() {
            continue;
        }
        let by = str_field(&s["error"], "expected_by");
        declared.push((
            str_field(s, "id").to_owned(),
            str_field(&s["error"], "type").to_owned(),
            by.to_owned(),
        ));
        if by == "config" {
            assert_eq!(s["settings"]["expect_error"]["type"], s["error"]["type"]);
        }
    }
    let expected = [
        (
            "python-interview-notes/2-8-descriptors",
            "TypeError",
            "claim",
        ),
        (
            "python-interview-notes/5-2-async-await-pattern",
            "ModuleNotFoundError",
            "config",
        ),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect();
    assert_eq!(declared, expected);
}

#[test]
fn one_broken_claim_in_a_copy_of_the_notes_fails_at_its_line() {
    let (run, report, text) = verify_copy(|notes| {
        assert_eq!(notes.matches(GOOD).count(), 1, "the claim to break");
        notes.replacen(GOOD, BROKEN, 1)
    });
    assert_eq!(run.code, EXIT_FAILED, "{}\n{}", run.stdout, run.stderr);
    assert_summary(&report, 1, 18, [16, 1, 1, 0], 0);

    let line = line_of(&text, BROKEN);
    assert_eq!(line, line_of(&notes_text(), GOOD));
    let failed: Vec<&Value> = all_claims(&report)
        .into_iter()
        .filter(|c| c["verdict"] != "pass" && c["verdict"] != "loose")
        .collect();
    assert_eq!(failed.len(), 1, "{failed:#?}");
    let claim = failed[0];
    assert_eq!(claim["verdict"], "fail");
    assert_eq!(claim["claim_line"], line);
    assert_eq!(claim["line"], line);
    assert_eq!(claim["kind"], "output");
    assert_eq!(claim["claimed"], "[1, 2, 3] - both changed!");
    assert_eq!(claim["actual"], "[1, 2, 3, 4]");
    assert_eq!(claim["reason"], "the output differs from the claim");
    assert_eq!(
        snippet(&report, "python-interview-notes/2-1-variables-memory-model")["claims"][0],
        *claim
    );
}

#[test]
fn the_unchanged_copy_verifies_like_the_original() {
    // Control for the test above: copying alone changes nothing.
    let (run, report, _) = verify_copy(str::to_owned);
    assert_eq!(run.code, EXIT_OK, "{}\n{}", run.stdout, run.stderr);
    assert_summary(&report, 1, 18, [17, 1, 0, 0], 0);
}

#[test]
fn config_notes_are_relative_to_the_config_file() {
    // Run from elsewhere with --config pointing into the repository.
    let dir = empty_dir();
    let config = Path::new(ROOT).join("snipcheck.toml");
    let run = snipcheck(
        dir.path(),
        &[
            "verify",
            "--format",
            "json",
            "--config",
            config.to_str().expect("UTF-8 path"),
        ],
    );
    assert_eq!(run.code, EXIT_OK, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    assert_summary(report, 1, 18, [17, 1, 0, 0], 0);
    assert_eq!(
        report["documents"][0]["path"],
        Path::new(ROOT).join(NOTES).to_str().expect("UTF-8 path")
    );
}
