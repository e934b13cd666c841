//! Interactive sessions (`pycon`, or a block starting with `>>>`): REPL semantics, and
//! verdicts that agree with CPython's own `python3 -m doctest` on the same text.

use crate::support::*;
use serde_json::Value;
use std::process::Command;

/// The examples (Markdown lines of their `>>>`) that `python3 -m doctest` reports as failed
/// for the text of the block starting at `first_line` (the first code line).
fn doctest_failures(text: &str, first_line: u64) -> Vec<u64> {
    let lines: Vec<&str> = text.lines().collect();
    let start = usize::try_from(first_line - 1).expect("a line");
    let end = start
        + lines[start..]
            .iter()
            .position(|l| l.starts_with("```"))
            .expect("a closing fence");
    let dir = empty_dir();
    let path = dir.path().join("block.txt");
    std::fs::write(&path, lines[start..end].join("\n") + "\n").expect("write the block");
    let output = Command::new("/usr/bin/python3.11")
        .args(["-m", "doctest"])
        .arg(&path)
        .output()
        .expect("python3 runs");
    let report = String::from_utf8_lossy(&output.stdout);
    let header = format!("File \"{}\", line ", path.display());
    report
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix(&header)?;
            let number: u64 = rest.split(',').next()?.trim().parse().ok()?;
            Some(number + first_line - 1)
        })
        .collect()
}

fn failing_claim_lines(snippet: &Value) -> Vec<u64> {
    claims(snippet)
        .iter()
        .filter(|c| c["verdict"] == "fail")
        .map(|c| c["line"].as_u64().expect("a line"))
        .collect()
}

#[test]
fn a_pycon_session_has_repl_semantics_and_agrees_with_doctest() {
    let text = fixture_text("session.md");
    let (run, report) = verify_fixture("session.md", &[]);
    assert_eq!(run.code, EXIT_FAILED, "{}", run.stdout);
    let session = &report["snippets"][0];
    assert_eq!(session["id"], "session/interactive-sessions");

    // REPL semantics: each example compiled on its own, so `a is b` is False here.
    let is_line = line_of(&text, ">>> a is b");
    assert_claim(claim_on(&report, is_line), "output", "pass", "False");
    assert_eq!(claim_on(&report, is_line)["claim_line"], is_line + 1);
    assert_claim(
        claim_on(&report, line_of(&text, ">>> print(\"hi\")")),
        "output",
        "pass",
        "hi",
    );
    let raise = claim_on(&report, line_of(&text, ">>> 1 / 0"));
    assert_eq!(raise["kind"], "exception");
    assert_eq!(raise["verdict"], "pass");
    assert_eq!(raise["actual"], "ZeroDivisionError: division by zero");
    // Option comments are doctest's: ELLIPSIS passes, SKIP is no claim at all.
    assert_claim(
        claim_on(&report, line_of(&text, ">>> [1, 2, 3]")),
        "output",
        "pass",
        "[1, ...]",
    );
    assert!(!has_claim_on(
        &report,
        line_of(&text, ">>> print(\"never shown\")")
    ));
    // Wrong output, and an unexpected exception where output was shown, fail.
    let plus = claim_on(&report, line_of(&text, ">>> x + 1"));
    assert_eq!(plus["verdict"], "fail");
    assert_eq!(plus["actual"], "6");
    let int = claim_on(&report, line_of(&text, ">>> int(\"z\")"));
    assert_eq!(int["verdict"], "fail");
    assert!(
        str_field(int, "actual").starts_with("ValueError: invalid literal"),
        "{int:#}"
    );

    // Every verdict agrees with `python3 -m doctest` on the same text.
    let first = session["start_line"].as_u64().expect("a line");
    assert_eq!(failing_claim_lines(session), doctest_failures(&text, first));
}

#[test]
fn a_python_block_starting_with_a_prompt_is_a_session_and_the_script_is_not() {
    let text = fixture_text("session.md");
    let (_, report) = verify_fixture("session.md", &[]);
    let prompt_block = &report["snippets"][1];
    assert_claim(
        claim_on(&report, line_of(&text, ">>> sorted({3, 1, 2})")),
        "output",
        "pass",
        "[1, 2, 3]",
    );
    assert_eq!(
        claim_on(&report, line_of(&text, ">>> \"  spaced"))["verdict"],
        "pass",
        "NORMALIZE_WHITESPACE applies"
    );
    let first = prompt_block["start_line"].as_u64().expect("a line");
    assert_eq!(
        failing_claim_lines(prompt_block),
        doctest_failures(&text, first)
    );
    // The same assignments as a script: one module, one constant, `a is b` is True.
    assert_claim(
        claim_on(&report, line_of(&text, "print(a is b)  # True")),
        "output",
        "pass",
        "True",
    );
}

/// Typed into the REPL without `...` prompts, a statement's continuation lines look like
/// expected output to doctest; the REPL read them as code, and so does snipcheck (`codeop`,
/// the REPL's own test, says when the statement is complete).
#[test]
fn continuation_lines_without_prompts_are_read_as_the_repl_read_them() {
    let dir = empty_dir();
    let text = "```python\n>>> pairs = [\n    ('b', 2),\n    ('a', 1),\n]\n>>> sorted(pairs)\n[('a', 1), ('b', 2)]\n>>> len(pairs)\n3\n```\n";
    std::fs::write(dir.path().join("doc.md"), text).expect("write doc");
    let run = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "--format", "json", "doc.md"],
    );
    let report = run.json();
    assert_claim(
        claim_on(report, line_of(text, "sorted(pairs)")),
        "output",
        "pass",
        "[('a', 1), ('b', 2)]",
    );
    // A wrong claim after it still fails: the lines taken were code, not a claim.
    let wrong = claim_on(report, line_of(text, "len(pairs)"));
    assert_eq!(wrong["verdict"], "fail", "{wrong}");
    assert_eq!(wrong["actual"], "2");
    assert!(!has_claim_on(report, line_of(text, "    ('b', 2),")));
}

/// A compound statement typed without `...` prompts ends where the next prompt starts, as the
/// REPL ended it at the author's empty line.
#[test]
fn a_class_typed_without_prompts_ends_at_the_next_prompt() {
    let dir = empty_dir();
    let text = "```python\n>>> class Student:\n        def __init__(self, name):\n            self.name = name\n>>> Student('ada').name\n'ada'\n```\n";
    std::fs::write(dir.path().join("doc.md"), text).expect("write doc");
    let run = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "--format", "json", "doc.md"],
    );
    let report = run.json();
    assert_eq!(run.code, EXIT_OK, "{}", run.stdout);
    assert_claim(
        claim_on(report, line_of(text, "Student('ada').name")),
        "output",
        "pass",
        "'ada'",
    );
}
