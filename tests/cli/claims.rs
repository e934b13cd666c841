//! The claim grammar and the verdict ladder: which comments are claims (output, multi-line,
//! value, exception, prose), and pass / loose / fail on each.

use crate::support::*;

#[test]
fn output_claims_pass_fail_and_printed_nothing() {
    let text = fixture_text("output.md");
    let (run, report) = verify_fixture("output.md", &[]);
    assert_eq!(run.code, EXIT_FAILED, "{}", run.stdout);
    // plain 4 + commentary 2 + script semantics 1 pass; wrong output 3 + printed nothing 2 fail.
    assert_summary(&report, 1, 5, [7, 0, 5, 0], 0);
    assert_eq!(
        ids(&report),
        [
            "output/plain",
            "output/commentary",
            "output/wrong-output",
            "output/printed-nothing",
            "output/script-semantics",
        ]
    );

    // A trailing comment on print(...) claims its output, on the same line.
    for (needle, claimed, actual) in [
        ("print(1 + 1)", "2", "2"),
        ("print(\"hello\")", "hello", "hello"),
        ("print([1, 2, 3])", "[1, 2, 3]", "[1, 2, 3]"),
        // An `Output:` marker is not part of the claim.
        ("print(\"marked\")", "marked", "marked"),
    ] {
        let line = line_of(&text, needle);
        let claim = claim_on(&report, line);
        assert_claim(claim, "output", "pass", claimed);
        assert_eq!(claim["actual"], actual);
        assert_eq!(claim["claim_line"], line);
        assert_eq!(claim["reason"], serde_json::Value::Null);
        assert_eq!(claim["after_error"], false);
    }

    // Commentary after the real output: white space, then a separator.
    let both = claim_on(&report, line_of(&text, "# [1, 2, 3, 4] - both changed!"));
    assert_claim(both, "output", "pass", "[1, 2, 3, 4] - both changed!");
    assert_eq!(both["actual"], "[1, 2, 3, 4]");
    let same = claim_on(&report, line_of(&text, "# True (same values)"));
    assert_claim(same, "output", "pass", "True (same values)");
    assert_eq!(same["actual"], "True");

    // Wrong output fails; a claim that merely starts with the output is not commentary.
    for (needle, claimed, actual) in [
        ("print(10 / 4)", "2", "2.5"),
        ("# 12", "12", "1"),
        ("# 1 2", "1 2", "1"),
    ] {
        let claim = claim_on(&report, line_of(&text, needle));
        assert_claim(claim, "output", "fail", claimed);
        assert_eq!(claim["actual"], actual);
        assert_eq!(claim["reason"], "the output differs from the claim");
        assert_eq!(claim["normalization"], serde_json::Value::Null);
    }

    // A print that prints nothing still makes its comment a claim, which fails.
    for (needle, claimed) in [
        ("print(end=\"\")", "hello"),
        ("print(\"\", end=\"\")", "nothing here"),
    ] {
        let claim = claim_on(&report, line_of(&text, needle));
        assert_claim(claim, "output", "fail", claimed);
        assert_eq!(claim["actual"], "");
        assert_eq!(
            claim["reason"],
            format!("claimed {claimed:?}, printed nothing")
        );
    }
    for id in ["output/wrong-output", "output/printed-nothing"] {
        let s = snippet(&report, id);
        assert_eq!(s["outcome"], "completed");
        assert_eq!(s["error"], serde_json::Value::Null);
    }
}

#[test]
fn a_block_runs_as_one_module_so_257_is_257() {
    // `a is b` is False line by line in a REPL, True in `python3 file.py`, where the compiler
    // shares equal constants of one code object.
    let text = fixture_text("output.md");
    let (_, report) = verify_fixture("output.md", &[]);
    let s = snippet(&report, "output/script-semantics");
    assert_eq!(s["outcome"], "completed");
    assert_eq!(claims(s).len(), 1);
    let claim = claim_on(&report, line_of(&text, "print(a is b)"));
    assert_claim(claim, "output", "pass", "True");
    assert_eq!(claim["actual"], "True");
}

#[test]
fn comment_lines_below_a_statement_are_one_claim() {
    let text = fixture_text("multiline.md");
    let (run, report) = verify_fixture("multiline.md", &[]);
    assert_eq!(run.code, EXIT_FAILED, "{}", run.stdout);
    assert_summary(&report, 1, 3, [3, 0, 2, 0], 0);

    // The claim starts on the first comment line and joins the lines with `\n`.
    let ab = claim_on(&report, line_of(&text, "print(\"a\\nb\")"));
    assert_claim(ab, "output", "pass", "a\nb");
    assert_eq!(ab["actual"], "a\nb");
    assert_eq!(ab["claim_line"], line_of(&text, "print(\"a\\nb\")") + 1);

    // Commentary is allowed on every line of a multi-line claim.
    let sep = claim_on(&report, line_of(&text, "print(1, 2, sep="));
    assert_claim(sep, "output", "pass", "1 - first\n2 - second");
    assert_eq!(sep["actual"], "1\n2");

    let xz = claim_on(&report, line_of(&text, "print(\"x\\ny\")"));
    assert_claim(xz, "output", "fail", "x\nz");
    assert_eq!(xz["actual"], "x\ny");
    assert_eq!(xz["claim_line"], line_of(&text, "# z") - 1);
    assert_eq!(xz["reason"], "the output differs from the claim");

    // Claiming fewer lines than were printed fails.
    let pq = claim_on(&report, line_of(&text, "print(\"p\\nq\")"));
    assert_claim(pq, "output", "fail", "p");
    assert_eq!(pq["actual"], "p\nq");

    // A blank line cuts the comment off its statement; a trailing comment wins over the
    // comment lines below it.
    let prose = snippet(&report, "multiline/not-claims");
    assert_eq!(prose["outcome"], "completed");
    assert_eq!(claims(prose).len(), 1);
    assert!(!has_claim_on(&report, line_of(&text, "print(\"solo\")")));
    let kept = claim_on(&report, line_of(&text, "print(\"kept\")"));
    assert_claim(kept, "output", "pass", "kept");
    assert_eq!(kept["claim_line"], line_of(&text, "print(\"kept\")"));
}

#[test]
fn value_claims_on_bare_expressions() {
    let text = fixture_text("values.md");
    let (run, report) = verify_fixture("values.md", &[]);
    assert_eq!(run.code, EXIT_FAILED, "{}", run.stdout);
    assert_summary(&report, 1, 3, [7, 0, 2, 0], 1);

    let values = snippet(&report, "values/values");
    assert_eq!(values["outcome"], "completed");
    for (needle, claimed) in [
        ("[1, 2] + [3]", "[1, 2, 3]"),
        ("{\"a\": 1}[\"a\"]", "1"),
        ("\"abc\".upper()", "'ABC'"),
        ("(1, 2)  #", "(1, 2)"),
        ("3 > 2", "True"),
        ("1 - 2", "-1"),
    ] {
        let claim = claim_on(&report, line_of(&text, needle));
        assert_claim(claim, "value", "pass", claimed);
        // The value's repr, not printed output.
        assert_eq!(claim["actual"], claimed);
    }
    assert_eq!(claims(values).len(), 6);

    let wrong = claim_on(&report, line_of(&text, "len([1, 2])"));
    assert_claim(wrong, "value", "fail", "3");
    assert_eq!(wrong["actual"], "2");
    assert_eq!(wrong["reason"], "the value differs from the claim");

    let raised = claim_on(&report, line_of(&text, "[1][5]"));
    assert_claim(raised, "value", "fail", "[1]");
    assert_eq!(raised["actual"], "IndexError: list index out of range");
    assert_eq!(
        raised["reason"],
        "claimed \"[1]\", but the statement raised IndexError"
    );
    // That IndexError is documented by nothing: an unexpected error of the snippet.
    let s = snippet(&report, "values/wrong-values");
    assert_eq!(s["outcome"], "raised");
    assert_eq!(s["error"]["type"], "IndexError");
    assert_eq!(s["error"]["line"], line_of(&text, "[1][5]"));
    assert_eq!(s["error"]["expected_by"], serde_json::Value::Null);
}

#[test]
fn prose_comments_are_not_claims() {
    // Had any of these become a claim it would fail (e.g. "Generator, not list" is not the
    // repr of a generator), so the snippet having no claims at all is the whole point.
    let text = fixture_text("values.md");
    let (_, report) = verify_fixture("values.md", &[]);
    let prose = snippet(&report, "values/prose");
    assert_eq!(prose["outcome"], "completed");
    assert_eq!(prose["error"], serde_json::Value::Null);
    // The one claim here is the assignment whose comment is a literal: it states the value
    // bound (issue 12's assignment claims).
    assert_eq!(claims(prose).len(), 1);
    assert_claim(
        claim_on(&report, line_of(&text, "y = 5  # 5")),
        "value",
        "pass",
        "5",
    );
    for needle in [
        "x = numbers()  # Generator, not list",
        "gc.collect()  # GC breaks the cycle",
        "lst.append(4)  # modifies",
        "len(lst)  # Four items now",
    ] {
        assert!(
            !has_claim_on(&report, line_of(&text, needle)),
            "{needle:?} became a claim"
        );
    }
}

#[test]
fn exception_claims() {
    let text = fixture_text("exceptions.md");
    let (run, report) = verify_fixture("exceptions.md", &[]);
    assert_eq!(run.code, EXIT_FAILED, "{}", run.stdout);
    // Only the second snippet's undocumented ValueError counts as an error.
    assert_summary(&report, 1, 2, [4, 1, 3, 0], 1);

    let first = line_of(&text, "int(\"x\")  # ValueError: invalid literal");
    let message = claim_on(&report, first);
    assert_claim(
        message,
        "exception",
        "pass",
        "ValueError: invalid literal for int() with base 10: 'x'",
    );
    assert_eq!(
        message["actual"],
        "ValueError: invalid literal for int() with base 10: 'x'"
    );
    assert_eq!(message["after_error"], false);

    let type_only = claim_on(&report, line_of(&text, "{}[\"k\"]  # KeyError"));
    assert_claim(type_only, "exception", "pass", "KeyError");
    assert_eq!(type_only["actual"], "KeyError: 'k'");

    let raises = claim_on(&report, line_of(&text, "# raises ZeroDivisionError"));
    assert_claim(raises, "exception", "pass", "raises ZeroDivisionError");
    assert_eq!(raises["actual"], "ZeroDivisionError: division by zero");

    let raise = claim_on(&report, line_of(&text, "raise ValueError(\"boom\")"));
    assert_claim(raise, "exception", "pass", "ValueError: boom");

    // A base class of the raised type is loose, and says so.
    let base = claim_on(&report, line_of(&text, "# ArithmeticError"));
    assert_claim(base, "exception", "loose", "ArithmeticError");
    assert_eq!(base["normalization"], "base-class");

    // Every exception of the first snippet is documented by a claim that holds.
    let documented = snippet(&report, "exceptions/documented");
    assert_eq!(documented["outcome"], "raised");
    assert_eq!(documented["error"]["type"], "ValueError");
    assert_eq!(documented["error"]["line"], first);
    assert_eq!(documented["error"]["expected_by"], "claim");

    let wrong_line = line_of(&text, "# ValueError: not a number");
    let wrong_message = claim_on(&report, wrong_line);
    assert_claim(
        wrong_message,
        "exception",
        "fail",
        "ValueError: not a number",
    );
    assert_eq!(
        wrong_message["reason"],
        "the exception message differs from the claim"
    );
    assert_eq!(
        wrong_message["actual"],
        "ValueError: invalid literal for int() with base 10: 'x'"
    );

    let nothing = claim_on(&report, line_of(&text, "int(\"5\")"));
    assert_claim(nothing, "exception", "fail", "ValueError");
    assert_eq!(nothing["actual"], "no exception");
    assert_eq!(
        nothing["reason"],
        "claimed ValueError, but nothing was raised"
    );

    let wrong_type = claim_on(&report, line_of(&text, "1 / 0  # KeyError"));
    assert_claim(wrong_type, "exception", "fail", "KeyError");
    assert_eq!(
        wrong_type["reason"],
        "claimed KeyError, but ZeroDivisionError was raised"
    );

    // A failing claim documents nothing: the ValueError is the snippet's unexpected error.
    let wrong = snippet(&report, "exceptions/wrong");
    assert_eq!(wrong["outcome"], "raised");
    assert_eq!(wrong["error"]["type"], "ValueError");
    assert_eq!(wrong["error"]["line"], wrong_line);
    assert_eq!(wrong["error"]["expected_by"], serde_json::Value::Null);
}

#[test]
fn loose_names_each_normalization() {
    let text = fixture_text("loose.md");
    let (run, report) = verify_fixture("loose.md", &[]);
    assert_eq!(run.code, EXIT_FAILED, "{}", run.stdout);
    assert_summary(&report, 1, 2, [1, 6, 2, 0], 0);

    for (needle, normalization) in [
        ("print(D.__mro__)", "main-prefix"),
        ("# <class 'D'> - no module prefix", "main-prefix"),
        ("# <__main__.A object at 0x7f3a2c1b0d90>", "address"),
        ("# <A object at 0x7f3a2c1b0d90>", "main-prefix+address"),
        ("print(\"a  b\")", "whitespace"),
        ("print(1, 2, 3, sep=", "whitespace"),
    ] {
        let claim = claim_on(&report, line_of(&text, needle));
        assert_eq!(claim["kind"], "output", "{needle}");
        assert_eq!(claim["verdict"], "loose", "{needle}: {claim:#}");
        assert_eq!(claim["normalization"], normalization, "{needle}");
        assert_eq!(claim["reason"], serde_json::Value::Null, "{needle}");
    }
    let mro = claim_on(&report, line_of(&text, "print(D.__mro__)"));
    assert_eq!(
        mro["actual"],
        "(<class '__main__.D'>, <class '__main__.A'>, <class 'object'>)"
    );
    // The real address is reported as it was, not masked.
    let address = claim_on(
        &report,
        line_of(&text, "# <__main__.A object at 0x7f3a2c1b0d90>"),
    );
    let actual = str_field(address, "actual");
    assert!(
        actual.starts_with("<__main__.A object at 0x") && actual != str_field(address, "claimed"),
        "{actual}"
    );

    let exact = claim_on(&report, line_of(&text, "# <class '__main__.D'>"));
    assert_claim(exact, "output", "pass", "<class '__main__.D'>");

    // Only the actual output loses `__main__.`, and an address masks only the hex digits.
    let added_prefix = claim_on(&report, line_of(&text, "print(int)"));
    assert_claim(added_prefix, "output", "fail", "<class '__main__.int'>");
    assert_eq!(added_prefix["actual"], "<class 'int'>");
    let other_class = claim_on(&report, line_of(&text, "# <__main__.B object"));
    assert_eq!(other_class["verdict"], "fail");
    assert_eq!(other_class["normalization"], serde_json::Value::Null);
}
