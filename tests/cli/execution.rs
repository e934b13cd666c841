//! How a snippet runs: execution goes on after an error, a timeout or `sys.exit()` leaves later
//! claims unchecked, top-level `await` works.

use crate::support::*;
use serde_json::Value;
use std::time::Duration;

#[test]
fn claims_after_an_error_are_still_judged_and_marked() {
    let text = fixture_text("after_error.md");
    let (run, report) = verify_fixture("after_error.md", &[]);
    assert_eq!(run.code, EXIT_FAILED, "{}", run.stdout);
    assert_summary(&report, 1, 2, [3, 0, 1, 0], 1);

    // `print(items[5])` raises and has no claim: an unexpected error at its line.
    let undocumented = snippet(&report, "after_error/undocumented-error");
    assert_eq!(undocumented["outcome"], "raised");
    assert_eq!(undocumented["error"]["type"], "IndexError");
    assert_eq!(undocumented["error"]["message"], "list index out of range");
    assert_eq!(
        undocumented["error"]["line"],
        line_of(&text, "print(items[5])")
    );
    assert_eq!(undocumented["error"]["expected_by"], Value::Null);

    // Both later statements ran: one claim holds, the other is judged wrong (not skipped).
    let len = claim_on(&report, line_of(&text, "print(len(items))"));
    assert_claim(len, "output", "pass", "2");
    assert_eq!(len["after_error"], true);
    let wrong = claim_on(&report, line_of(&text, "print(items[0])"));
    assert_claim(wrong, "output", "fail", "100");
    assert_eq!(wrong["actual"], "1");
    assert_eq!(wrong["after_error"], true);

    // A documented error is not an error of the snippet; what follows is still marked.
    let documented = snippet(&report, "after_error/documented-error");
    assert_eq!(documented["outcome"], "raised");
    assert_eq!(documented["error"]["type"], "KeyError");
    assert_eq!(documented["error"]["expected_by"], "claim");
    let key = claim_on(&report, line_of(&text, "d[\"missing\"]"));
    assert_claim(key, "exception", "pass", "KeyError: 'missing'");
    assert_eq!(key["after_error"], false);
    let still = claim_on(&report, line_of(&text, "print(\"still running\")"));
    assert_claim(still, "output", "pass", "still running");
    assert_eq!(still["after_error"], true);
}

#[test]
fn a_timeout_leaves_later_claims_unchecked() {
    let text = fixture_text("timeout.md");
    let (run, report) = verify_fixture("timeout.md", &["--timeout", "1"]);
    assert_eq!(run.code, EXIT_FAILED, "{}", run.stdout);
    // Killed at the limit, not left running (the loop never ends by itself).
    assert!(
        run.elapsed < Duration::from_secs(8),
        "took {:?}",
        run.elapsed
    );
    assert_summary(&report, 1, 1, [1, 0, 0, 2], 1);

    let loop_line = line_of(&text, "while True:");
    let s = snippet(&report, "timeout/timeout");
    assert_eq!(s["outcome"], "timeout");
    assert_eq!(s["error"]["type"], "Timeout");
    assert_eq!(s["error"]["line"], loop_line);
    assert_eq!(s["error"]["expected_by"], Value::Null);

    let before = claim_on(&report, line_of(&text, "print(\"before\")"));
    assert_claim(before, "output", "pass", "before");

    let reason = format!("the snippet timed out after 1 s at line {loop_line}");
    for (needle, kind, claimed) in [
        ("print(\"after\")", "output", "after"),
        ("len(\"never\")", "value", "5"),
    ] {
        let claim = claim_on(&report, line_of(&text, needle));
        assert_claim(claim, kind, "unchecked", claimed);
        assert_eq!(claim["actual"], Value::Null);
        assert_eq!(claim["reason"], reason);
        assert_eq!(claim["after_error"], false);
    }
}

#[test]
fn sys_exit_leaves_later_claims_unchecked() {
    let text = fixture_text("exit.md");
    let (run, report) = verify_fixture("exit.md", &[]);
    // sys.exit(0) is no error, but a claim that was never checked fails the run.
    assert_eq!(run.code, EXIT_FAILED, "{}", run.stdout);
    assert_summary(&report, 1, 1, [1, 0, 0, 1], 0);
    let s = snippet(&report, "exit/exit");
    assert_eq!(s["outcome"], "exited");
    assert_eq!(s["error"], Value::Null);

    let start = claim_on(&report, line_of(&text, "print(\"start\")"));
    assert_claim(start, "output", "pass", "start");
    let unreachable = claim_on(&report, line_of(&text, "print(\"unreachable\")"));
    assert_claim(unreachable, "output", "unchecked", "unreachable");
    assert_eq!(unreachable["actual"], Value::Null);
    assert_eq!(
        unreachable["reason"],
        "sys.exit(0) ended the script before this statement"
    );
}

#[test]
fn top_level_await_runs_with_asyncio_preimported() {
    let text = fixture_text("await.md");
    let (run, report) = verify_fixture("await.md", &[]);
    assert_eq!(run.code, EXIT_OK, "{}", run.stdout);
    assert_summary(&report, 1, 1, [2, 0, 0, 0], 0);
    let s = snippet(&report, "await/top-level-await");
    assert_eq!(s["outcome"], "completed");
    assert_eq!(s["error"], Value::Null);
    let answer = claim_on(&report, line_of(&text, "print(await answer())"));
    assert_claim(answer, "output", "pass", "42");
    let gathered = claim_on(&report, line_of(&text, "print(results)"));
    assert_claim(gathered, "output", "pass", "[42, 42]");
}

/// Limits measure the snippet, not the harness: a block of 50,000 statements that print
/// nothing (`python3 file.py` runs it in 0.3 s and about 110 MB) runs to its end — not an
/// output limit (the harness's records for it are over 10 MiB), not a memory kill (compiled
/// whole, its wrapped statements needed over 800 MB) — and its claims are judged, including
/// `is` on equal constants far apart, which holds as in one compiled module.
#[test]
fn a_block_of_many_quiet_statements_runs_as_plain_python_would() {
    let dir = empty_dir();
    let mut code = String::from("a = 25700\n");
    code.extend((0..50_000).map(|i| format!("x{i} = {i}\n")));
    code.push_str("b = 25700\nprint(a is b)  # True\nprint(x49999)  # 49999\n");
    let text = format!("```python\n{code}```\n");
    let path = dir.path().join("long.md");
    std::fs::write(&path, &text).expect("write");
    // The wall clock is not what this measures (the block takes about 6 s here, closer to the
    // default 10 on a loaded machine): give it room, so only the output cap and memory count.
    let run = snipcheck(
        dir.path(),
        &[
            "verify",
            "--no-snapshots",
            "--timeout",
            "60",
            "--format",
            "json",
            "long.md",
        ],
    );
    let report = run.json();
    assert_eq!(
        report["snippets"][0]["outcome"], "completed",
        "{}",
        run.stdout
    );
    assert_claim(
        claim_on(report, line_of(&text, "print(x49999)")),
        "output",
        "pass",
        "49999",
    );
    assert_claim(
        claim_on(report, line_of(&text, "print(a is b)")),
        "output",
        "pass",
        "True",
    );
    expect_code(&run, EXIT_OK);
}
