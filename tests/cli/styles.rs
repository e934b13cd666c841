//! Claim styles beyond trailing comments: output blocks under a label (`Output:`,
//! `**Answer:**`), `#>` comments and a triple-quoted string below a `print`.

use crate::support::*;

#[test]
fn an_output_block_under_a_label_claims_the_whole_output() {
    let text = fixture_text("output_blocks.md");
    let (run, report) = verify_fixture("output_blocks.md", &[]);
    assert_eq!(run.code, EXIT_FAILED, "{}", run.stdout);

    let squares = claim_on(&report, line_of(&text, "for i in range(3):"));
    assert_claim(squares, "output", "pass", "0\n1\n4");
    // The label, a blank line, the fence, then the first output line.
    assert_eq!(squares["claim_line"], line_of(&text, "**Output:**") + 3);

    let sorted = claim_on(&report, line_of(&text, "words = [\"b\", \"a\"]"));
    assert_claim(sorted, "output", "fail", "['b', 'a']");
    assert_eq!(sorted["actual"], "['a', 'b']");
    assert_eq!(sorted["claim_line"], line_of(&text, "```text") + 1);
}

#[test]
fn an_output_block_with_a_traceback_claims_the_exception() {
    let text = fixture_text("output_blocks.md");
    let (_, report) = verify_fixture("output_blocks.md", &[]);
    let raises = snippet(&report, "output_blocks/it-raises");
    let claim = claim_on(&report, line_of(&text, "d = {}"));
    assert_eq!(claim["kind"], "exception");
    assert_eq!(claim["verdict"], "pass");
    assert_eq!(claim["actual"], "KeyError: 'missing'");
    // The traceback it shows documents the error: not counted as unexpected.
    assert_eq!(raises["outcome"], "raised");
    assert_eq!(raises["error"]["expected_by"], "claim");
    assert_eq!(report["summary"]["errors"], 0);
}

#[test]
fn pytest_examples_comments_and_strings_below_a_print_are_claims() {
    let text = fixture_text("output_blocks.md");
    let (_, report) = verify_fixture("output_blocks.md", &[]);
    let list = claim_on(&report, line_of(&text, "print([1, 2])"));
    assert_claim(list, "output", "pass", "[1, 2]");
    assert_eq!(list["claim_line"], line_of(&text, "#> [1, 2]"));
    let string = claim_on(&report, line_of(&text, "print(\"a\")"));
    assert_claim(string, "output", "pass", "a");
}

#[test]
fn a_code_block_under_prose_is_not_an_output_block() {
    let text = fixture_text("output_blocks.md");
    let (_, report) = verify_fixture("output_blocks.md", &[]);
    assert!(!has_claim_on(&report, line_of(&text, "print(1)")));
    assert_eq!(
        claims(snippet(&report, "output_blocks/not-a-label")).len(),
        0
    );
    assert_summary(&report, 1, 6, [5, 1, 2, 0], 0);
}

#[test]
fn an_output_comment_run_after_a_loop_claims_its_output() {
    let text = fixture_text("output_blocks.md");
    let (_, report) = verify_fixture("output_blocks.md", &[]);
    let squares = snippet(&report, "output_blocks/output-comments-after-a-loop");
    let claims = claims(squares);
    assert_eq!(claims.len(), 3, "{squares:#}");
    // `# Output:` then one line per output line.
    assert_claim(&claims[0], "output", "pass", "0\n1\n2");
    assert_eq!(claims[0]["claim_line"], line_of(&text, "# 0"));
    // On one line: equal once white space is collapsed.
    assert_claim(&claims[1], "output", "loose", "a b");
    assert_eq!(claims[1]["normalization"], "whitespace");
    // A loop that prints nothing fails its explicit claim.
    assert_claim(&claims[2], "output", "fail", "1");
    // Any other comment after a compound statement is prose.
    assert!(!has_claim_on(
        &report,
        line_of(&text, "with open(\"f.txt\", \"w\") as f:")
    ));
}

#[test]
fn styles_of_public_docs_nested_prints_other_pythons_and_unlabelled_sessions() {
    let text = fixture_text("real_styles.md");
    let (run, report) = verify_fixture("real_styles.md", &["--no-snapshots"]);
    assert_eq!(run.code, EXIT_FAILED, "{}", run.stdout);

    // A print nested in `except`, a loop or a `with`, with a string or `#>` lines below it.
    let nested = claim_on(&report, line_of(&text, "    print(e)"));
    assert_claim(nested, "output", "pass", "x must be >= 0");
    assert_eq!(nested["claim_line"], line_of(&text, "    print(e)") + 1);
    assert_claim(
        claim_on(&report, line_of(&text, "    #> 0") - 1),
        "output",
        "pass",
        "0\n1",
    );
    let with = claim_on(&report, line_of(&text, "print(\"wrote\")"));
    assert_claim(with, "output", "fail", "written");
    assert_eq!(with["actual"], "wrote");
    // `#>` lines below win over a trailing remark.
    let remark = claim_on(&report, line_of(&text, "print({\"a\": 1})"));
    assert_claim(remark, "output", "pass", "{'a': 1}");
    assert_eq!(remark["claim_line"], line_of(&text, "#> {'a': 1}"));

    // Output for another Python is not a claim; the Python 3 one is, and neither python
    // fence is a snippet of its own.
    let division = claim_on(&report, line_of(&text, "print(10 / 4)"));
    assert_claim(division, "output", "pass", "2.5");
    assert_eq!(
        ids(&report)
            .iter()
            .filter(|id| id.contains("two-pythons"))
            .count(),
        1
    );

    // The compiler's error shown under a block that does not compile documents it.
    let compile = snippet(&report, "real_styles/compile-error-shown");
    assert_eq!(compile["outcome"], "unparsable");
    assert_eq!(compile["error"]["expected_by"], "claim");
    assert_eq!(claims(compile)[0]["kind"], "exception");
    assert_eq!(claims(compile)[0]["verdict"], "pass");

    // A fence without an info string is a snippet when it holds a session, and only then.
    let session = snippet(&report, "real_styles/unlabelled-session");
    assert_claim(&claims(session)[0], "output", "pass", "2");
    assert_eq!(
        ids(&report)
            .iter()
            .filter(|id| id.contains("unlabelled"))
            .count(),
        1
    );

    // A comment before the first prompt: still a session, with the REPL's `a is b`.
    let repl = snippet(&report, "real_styles/comment-first");
    assert_claim(&claims(repl)[0], "output", "pass", "False");

    // The expected output of an example ending in a bare `...` line starts after it.
    let loop_claim = &claims(snippet(&report, "real_styles/continuation-lines"))[0];
    assert_claim(loop_claim, "output", "pass", "0\n1");
    assert_eq!(
        loop_claim["claim_line"],
        line_of(&text, ">>> for i in range(2):") + 3
    );
}
