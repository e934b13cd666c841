//! Reading Markdown: which fences are Python, Markdown line numbers, and documents or blocks
//! that are broken (unterminated fence, unparsable block, CRLF/BOM, non-UTF-8) without
//! stopping the others.

use crate::support::*;
use serde_json::Value;

#[test]
fn an_unterminated_fence_is_reported_and_earlier_blocks_still_run() {
    let text = fixture_text("unterminated.md");
    assert!(
        !text.trim_end().ends_with("```"),
        "the fixture must end inside its last block"
    );
    let (run, report) = verify_fixture("unterminated.md", &[]);
    assert_eq!(run.code, EXIT_FAILED, "{}", run.stdout);
    assert_summary(&report, 1, 2, [1, 0, 0, 0], 1);

    let closed = snippet(&report, "unterminated/closed");
    assert_eq!(closed["outcome"], "completed");
    let checked = claim_on(&report, line_of(&text, "print(\"checked\")"));
    assert_claim(checked, "output", "pass", "checked");

    // The open fence is the second ```python line; the block is not run, so its claim is
    // not even collected.
    let fence_line = text
        .lines()
        .enumerate()
        .filter(|(_, l)| *l == "```python")
        .map(|(i, _)| u64::try_from(i + 1).expect("line"))
        .nth(1)
        .expect("two fences");
    let open = snippet(&report, "unterminated/open");
    assert_eq!(open["outcome"], "unterminated");
    assert_eq!(open["start_line"], fence_line + 1);
    assert_eq!(open["error"]["type"], "UnterminatedFence");
    assert_eq!(open["error"]["line"], fence_line);
    assert_eq!(open["error"]["expected_by"], Value::Null);
    assert!(
        str_field(&open["error"], "message")
            .contains(&format!("opened at line {fence_line} is never closed")),
        "{:#}",
        open["error"]
    );
    assert_eq!(claims(open).len(), 0);
}

#[test]
fn an_unparsable_block_is_reported_and_the_others_still_run() {
    let text = fixture_text("unparsable.md");
    let (run, report) = verify_fixture("unparsable.md", &[]);
    // Not valid Python 3 is reported, distinct from failing claims, and does not fail the run.
    assert_eq!(run.code, EXIT_OK, "{}", run.stdout);
    assert_summary(&report, 1, 7, [2, 0, 0, 0], 0);
    assert_eq!(report["summary"]["unparsable"], 5);
    assert_eq!(
        ids(&report),
        [
            "unparsable/before",
            "unparsable/broken",
            "unparsable/after",
            "unparsable/not-python-3",
            "unparsable/not-python-3-2",
            "unparsable/not-python-3-3",
            "unparsable/only-the-compiler-rejects-it",
        ]
    );

    let broken = snippet(&report, "unparsable/broken");
    assert_eq!(broken["outcome"], "unparsable");
    assert_eq!(broken["error"]["type"], "SyntaxError");
    // The Markdown line of the bad code, not its line inside the block.
    assert_eq!(broken["error"]["line"], line_of(&text, "def f(:"));
    assert_eq!(broken["error"]["expected_by"], "not-python");
    // Nothing of it ran: the `# 1` claim below the syntax error is not judged.
    assert_eq!(claims(broken).len(), 0);

    // Python 2, a cheat-sheet placeholder and a shell session under a python fence.
    for (id, needle, message) in [
        (
            "unparsable/not-python-3",
            "print \"hello\"",
            "Missing parentheses in call to 'print'",
        ),
        (
            "unparsable/not-python-3-2",
            "<list> = [<el>, ...]",
            "invalid syntax",
        ),
        (
            "unparsable/not-python-3-3",
            "$ pip install",
            "invalid syntax",
        ),
    ] {
        let block = snippet(&report, id);
        assert_eq!(block["outcome"], "unparsable", "{id}");
        assert_eq!(block["error"]["line"], line_of(&text, needle), "{id}");
        assert!(
            str_field(&block["error"], "message").contains(message),
            "{id}: {}",
            block["error"]
        );
        assert_eq!(claims(block).len(), 0, "{id}");
    }

    for (id, needle, claimed) in [
        ("unparsable/before", "print(\"before\")", "before"),
        ("unparsable/after", "print(\"after\")", "after"),
    ] {
        assert_eq!(snippet(&report, id)["outcome"], "completed", "{id}");
        assert_claim(
            claim_on(&report, line_of(&text, needle)),
            "output",
            "pass",
            claimed,
        );
    }
}

#[test]
fn strict_parse_fails_on_blocks_that_are_not_python_3() {
    let (run, report) = verify_fixture("unparsable.md", &["--strict-parse"]);
    assert_eq!(run.code, EXIT_FAILED, "{}", run.stdout);
    assert_summary(&report, 1, 7, [2, 0, 0, 0], 5);
    assert_eq!(report["strict_parse"], true);
    let broken = snippet(&report, "unparsable/broken");
    assert_eq!(broken["error"]["expected_by"], Value::Null);

    // The same from the config, and the human report says why the run failed.
    let dir = empty_dir();
    std::fs::write(dir.path().join("snipcheck.toml"), "strict-parse = true\n").expect("config");
    let path = fixture("unparsable.md");
    let human = snipcheck(dir.path(), &["verify", path.to_str().expect("utf-8")]);
    assert_eq!(human.code, EXIT_FAILED, "{}", human.stdout);
    assert!(
        human
            .stdout
            .contains("5 blocks not valid Python 3 (--strict-parse: they fail the run)"),
        "{}",
        human.stdout
    );
    let lenient = snipcheck(
        empty_dir().path(),
        &["verify", path.to_str().expect("utf-8")],
    );
    assert!(
        lenient.stdout.contains(
            "5 blocks not valid Python 3 (reported, not failed; --strict-parse fails them)"
        ),
        "{}",
        lenient.stdout
    );
}

#[test]
fn fence_styles_and_non_python_blocks() {
    let text = fixture_text("fences.md");
    let (run, report) = verify_fixture("fences.md", &[]);
    // The non-Python blocks all hold a wrong claim (`print(1)  # 2`): had any run, exit 1.
    assert_eq!(run.code, EXIT_OK, "{}", run.stdout);
    assert_summary(&report, 1, 6, [6, 0, 0, 0], 0);
    assert_eq!(
        ids(&report),
        [
            "fences/fences",
            "fences/fences-2",
            "fences/fences-3",
            "fences/fences-4",
            "fences/fences-5",
            "fences/fences-6",
        ]
    );
    for (index, (first, last, claimed)) in [
        ("print(\"tilde\")", "print(\"tilde\")", "tilde"),
        ("print(\"py\")", "print(\"py\")", "py"),
        ("print(\"python3\")", "print(\"python3\")", "python3"),
        // Indented under a list item: lines kept, indentation removed (else it would not
        // parse: `def` indented at top level is an IndentationError).
        ("def double(n):", "print(double(2))", "4"),
        ("> print(\"quoted\")", "> print(\"quoted\")", "quoted"),
        ("print(\"titled\")", "print(\"titled\")", "titled"),
    ]
    .into_iter()
    .enumerate()
    {
        let s = &report["snippets"][index];
        assert_eq!(s["outcome"], "completed", "{s:#}");
        assert_eq!(s["start_line"], line_of(&text, first), "{s:#}");
        assert_eq!(s["end_line"], line_of(&text, last), "{s:#}");
        assert_eq!(s["section"], "Fences");
        let c = claims(s);
        assert_eq!(c.len(), 1, "{s:#}");
        assert_claim(&c[0], "output", "pass", claimed);
        assert_eq!(c[0]["line"], line_of(&text, last));
    }
}

/// Line endings and BOM must change nothing: the same blocks, lines and verdicts as LF, for
/// Windows (CRLF) and old Mac OS (CR alone) line ends alike.
#[test]
fn crlf_line_ends_and_a_bom_change_nothing() {
    let text = fixture_text("line_endings.md");
    assert!(!text.contains('\r'), "the committed fixture is LF");
    let crlf = text.replace('\n', "\r\n");
    let cr = text.replace('\n', "\r");
    let variants: [(&str, Vec<u8>); 6] = [
        ("lf", text.as_bytes().to_vec()),
        ("crlf", crlf.as_bytes().to_vec()),
        (
            "bom",
            [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        ),
        (
            "bom+crlf",
            [b"\xEF\xBB\xBF".as_slice(), crlf.as_bytes()].concat(),
        ),
        ("cr", cr.as_bytes().to_vec()),
        (
            "bom+cr",
            [b"\xEF\xBB\xBF".as_slice(), cr.as_bytes()].concat(),
        ),
    ];
    let mut reports = Vec::new();
    for (name, bytes) in variants {
        let dir = empty_dir();
        let path = dir.path().join("line_endings.md");
        std::fs::write(&path, bytes).expect("write fixture");
        let path = path.to_str().expect("UTF-8 path");
        let run = snipcheck(dir.path(), &["verify", "--format", "json", path]);
        assert_eq!(run.code, EXIT_OK, "{name}: {}", run.stdout);
        let report = run.json();
        eprintln!("variant: {name}");
        assert_summary(report, 1, 2, [4, 0, 0, 0], 0);
        for (needle, kind, claimed) in [
            ("print(x)", "output", "[1, 2]"),
            ("print(\"a\\nb\")", "output", "a\nb"),
            ("1 / 0", "exception", "ZeroDivisionError: division by zero"),
            ("print(f())", "output", "1"),
        ] {
            let claim = claim_on(report, line_of(&text, needle));
            assert_claim(claim, kind, "pass", claimed);
        }
        let multi = claim_on(report, line_of(&text, "print(\"a\\nb\")"));
        assert_eq!(multi["claim_line"], line_of(&text, "# a"), "{name}");
        // The section title has no stray `\r` either.
        assert_eq!(report["snippets"][0]["id"], "line_endings/line-endings");
        assert_eq!(
            report["snippets"][1]["start_line"],
            line_of(&text, "def f():")
        );
        let mut snippets = report["snippets"].clone();
        for s in snippets.as_array_mut().expect("array") {
            s["path"] = Value::Null;
        }
        reports.push((name, snippets));
    }
    let (_, lf) = &reports[0];
    for (name, snippets) in &reports[1..] {
        assert_eq!(snippets, lf, "{name} differs from LF");
    }
}

#[test]
fn a_non_utf8_file_is_an_error_with_its_line_and_other_files_still_run() {
    let dir = empty_dir();
    let bad = dir.path().join("latin1.md");
    // Line 7 holds a Latin-1 é (0xE9), which is not UTF-8. The block above it is fine.
    std::fs::write(
        &bad,
        b"# Notes\n\n```python\nprint(1)  # 1\n```\n\ncaf\xe9\n".as_slice(),
    )
    .expect("write fixture");
    let good = fixture("await.md");
    let bad_path = bad.to_str().expect("UTF-8 path");
    let good_path = good.to_str().expect("UTF-8 path");

    let run = snipcheck(
        dir.path(),
        &["verify", "--format", "json", bad_path, good_path],
    );
    assert_eq!(run.code, EXIT_FAILED, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    // The bad file is one error and contributes no snippet; await.md still runs.
    assert_summary(report, 2, 1, [2, 0, 0, 0], 1);
    assert_eq!(ids(report), ["await/top-level-await"]);
    let documents = report["documents"].as_array().expect("documents");
    assert_eq!(documents[0]["path"], bad_path);
    let problems = documents[0]["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0]["line"], 7);
    assert!(
        str_field(&problems[0], "message").contains("not valid UTF-8"),
        "{:#}",
        problems[0]
    );
    assert_eq!(documents[1]["problems"], Value::Array(Vec::new()));

    // The human report names the file and the line, editor-style.
    let human = snipcheck(dir.path(), &["verify", bad_path]);
    assert_eq!(human.code, EXIT_FAILED);
    assert!(
        human
            .stdout
            .contains(&format!("{bad_path}:7: file is not valid UTF-8")),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("result: FAILED"), "{}", human.stdout);
}
