//! Judging on hand-built outcomes (no Python run): what `check` makes of what a snippet did.

use super::facts::{
    block, error, expecting, finished, line, printed, raised, statement, stopped, valued,
    with_output,
};
use super::*;
use crate::run::outcome::{Comment, End, Example, StatementKind as Kind};
use crate::run::sandbox::{Layer, LayerStatus};

/// `check` on the block the outcome's statements come from, with no settings.
fn judged(outcome: &Outcome) -> SnippetCheck {
    check(&block(outcome), None, outcome, &[])
}

/// The only claim of a check.
fn only(checked: &SnippetCheck) -> &CheckedClaim {
    assert_eq!(checked.claims.len(), 1, "{checked:#?}");
    &checked.claims[0]
}

#[test]
fn a_trailing_output_claim_that_matches_passes() {
    let outcome = finished(
        vec![statement(0, Kind::Print, "print(1 + 1)  # 2")],
        vec![printed(0, "2\n")],
    );
    let checked = judged(&outcome);
    let claim = only(&checked);
    assert_eq!(
        (claim.kind, claim.verdict, claim.actual.as_deref()),
        (ClaimKind::Output, Verdict::Pass, Some("2"))
    );
    assert_eq!((claim.line, claim.claim_line), (line(2), line(2)));
    assert_eq!(checked.outcome, OutcomeKind::Completed);
    assert_eq!(checked.error, None);
    assert!(!checked.is_unexpected_error());
}

#[test]
fn a_trailing_output_claim_that_differs_fails_with_the_actual_output() {
    let outcome = finished(
        vec![statement(0, Kind::Print, "print(1 + 1)  # 3")],
        vec![printed(0, "2\n")],
    );
    let checked = judged(&outcome);
    let claim = only(&checked);
    assert_eq!(claim.verdict, Verdict::Fail);
    assert_eq!(claim.actual.as_deref(), Some("2"));
    assert_eq!(
        claim.reason.as_deref(),
        Some("the output differs from the claim")
    );
    assert_eq!(checked.outcome, OutcomeKind::Completed);
}

#[test]
fn a_print_claim_that_printed_nothing_fails() {
    let outcome = finished(
        vec![statement(0, Kind::Print, "print(end='')  # 2")],
        vec![printed(0, "")],
    );
    let claim = only(&judged(&outcome)).clone();
    assert_eq!(claim.verdict, Verdict::Fail);
    assert_eq!(claim.actual.as_deref(), Some(""));
    assert_eq!(
        claim.reason.as_deref(),
        Some("claimed \"2\", printed nothing")
    );
}

#[test]
fn a_value_claim_passes_after_stripping_the_main_prefix_from_the_actual_repr() {
    let outcome = finished(
        vec![statement(0, Kind::Expression, "type(d)  # <class 'D'>")],
        vec![valued(0, "<class '__main__.D'>")],
    );
    let checked = judged(&outcome);
    let claim = only(&checked);
    assert_eq!(
        (claim.kind, claim.verdict, claim.normalization.as_deref()),
        (ClaimKind::Value, Verdict::Loose, Some("main-prefix"))
    );
    assert_eq!(claim.actual.as_deref(), Some("<class '__main__.D'>"));
}

#[test]
fn an_output_claim_with_an_elided_address_is_loose_by_address() {
    let outcome = finished(
        vec![statement(0, Kind::Print, "print(a)  # <A object at 0x...>")],
        vec![printed(0, "<A object at 0x7f3a9c>\n")],
    );
    let claim = only(&judged(&outcome)).clone();
    assert_eq!(claim.verdict, Verdict::Loose);
    assert_eq!(claim.normalization.as_deref(), Some("address"));
}

#[test]
fn an_output_claim_that_differs_in_spacing_is_loose_by_whitespace() {
    let outcome = finished(
        vec![statement(0, Kind::Print, "print(*'ab')  # a   b")],
        vec![printed(0, "a b\n")],
    );
    let claim = only(&judged(&outcome)).clone();
    assert_eq!(claim.verdict, Verdict::Loose);
    assert_eq!(claim.normalization.as_deref(), Some("whitespace"));
}

#[test]
fn an_exception_claim_naming_a_base_class_is_loose_and_documents_the_error() {
    let key_error = error("KeyError", "'k'", &["LookupError", "Exception"]);
    let outcome = finished(
        vec![statement(0, Kind::Expression, "d['k']  # LookupError: 'k'")],
        vec![raised(0, key_error)],
    );
    let checked = judged(&outcome);
    let claim = only(&checked);
    assert_eq!(
        (claim.kind, claim.verdict, claim.normalization.as_deref()),
        (ClaimKind::Exception, Verdict::Loose, Some("base-class"))
    );
    assert_eq!(claim.actual.as_deref(), Some("KeyError: 'k'"));
    let error = checked.error.as_ref().expect("the KeyError is reported");
    assert_eq!(error.type_name, "KeyError");
    assert_eq!(error.expected_by, Some(ExpectedBy::Claim));
    assert_eq!(checked.outcome, OutcomeKind::Raised);
    assert!(!checked.is_unexpected_error());
}

#[test]
fn an_exception_claim_that_matches_passes_and_documents_the_error() {
    let message = "invalid literal for int() with base 10: 'x'";
    let outcome = finished(
        vec![statement(
            0,
            Kind::Expression,
            &format!("int('x')  # ValueError: {message}"),
        )],
        vec![raised(0, error("ValueError", message, &["Exception"]))],
    );
    let checked = judged(&outcome);
    let claim = only(&checked);
    assert_eq!(
        (claim.kind, claim.verdict),
        (ClaimKind::Exception, Verdict::Pass)
    );
    assert_eq!(
        claim.actual.as_deref(),
        Some("ValueError: invalid literal for int() with base 10: 'x'")
    );
    let error = checked.error.as_ref().expect("reported, as claimed");
    assert_eq!(
        (error.expected_by, error.line),
        (Some(ExpectedBy::Claim), Some(line(2)))
    );
    assert!(!checked.is_unexpected_error());
}

#[test]
fn an_exception_claim_of_another_type_fails_and_leaves_the_error_unexpected() {
    let outcome = finished(
        vec![statement(0, Kind::Expression, "int('x')  # TypeError")],
        vec![raised(0, error("ValueError", "bad", &["Exception"]))],
    );
    let checked = judged(&outcome);
    let claim = only(&checked);
    assert_eq!(
        (claim.kind, claim.verdict),
        (ClaimKind::Exception, Verdict::Fail)
    );
    assert_eq!(
        claim.reason.as_deref(),
        Some("claimed TypeError, but ValueError was raised")
    );
    assert_eq!(checked.error.as_ref().map(|e| e.expected_by), Some(None));
    assert!(checked.is_unexpected_error());
}

#[test]
fn an_exception_claim_with_another_message_fails() {
    let outcome = finished(
        vec![statement(0, Kind::Expression, "f()  # ValueError: bad")],
        vec![raised(0, error("ValueError", "worse", &["Exception"]))],
    );
    let claim = only(&judged(&outcome)).clone();
    assert_eq!(claim.verdict, Verdict::Fail);
    assert_eq!(
        claim.reason.as_deref(),
        Some("the exception message differs from the claim")
    );
}

#[test]
fn an_exception_claim_on_a_statement_that_raised_nothing_fails() {
    let outcome = finished(
        vec![statement(0, Kind::Expression, "int('1')  # ValueError")],
        vec![valued(0, "1")],
    );
    let checked = judged(&outcome);
    let claim = only(&checked);
    assert_eq!(
        (claim.kind, claim.verdict, claim.actual.as_deref()),
        (ClaimKind::Exception, Verdict::Fail, Some("no exception"))
    );
    assert_eq!(
        claim.reason.as_deref(),
        Some("claimed ValueError, but nothing was raised")
    );
    assert_eq!(checked.outcome, OutcomeKind::Completed);
}

#[test]
fn a_claim_after_an_uncaught_error_is_judged_and_marked_after_error() {
    let after = crate::run::outcome::Execution {
        after_error: true,
        ..printed(1, "2\n")
    };
    let outcome = finished(
        vec![
            statement(0, Kind::Expression, "int('x')"),
            statement(1, Kind::Print, "print(2)  # 2"),
        ],
        vec![raised(0, error("ValueError", "bad", &["Exception"])), after],
    );
    let checked = judged(&outcome);
    let claim = only(&checked);
    assert_eq!((claim.verdict, claim.after_error), (Verdict::Pass, true));
    assert_eq!(claim.line, line(3));
    assert_eq!(checked.outcome, OutcomeKind::Raised);
    let error = checked.error.as_ref().expect("the ValueError is reported");
    assert_eq!(
        (error.type_name.as_str(), error.line, error.expected_by),
        ("ValueError", Some(line(2)), None)
    );
    assert!(checked.is_unexpected_error());
}

#[test]
fn a_timeout_leaves_later_claims_unchecked_with_the_line_that_was_running() {
    let outcome = stopped(
        vec![
            statement(0, Kind::Print, "print(1)  # 1"),
            statement(1, Kind::Expression, "time.sleep(9)"),
            statement(2, Kind::Print, "print(2)  # 2"),
        ],
        vec![printed(0, "1\n")],
        End::Timeout { seconds: 2.0 },
    );
    let checked = judged(&outcome);
    let verdicts: Vec<Verdict> = checked.claims.iter().map(|c| c.verdict).collect();
    assert_eq!(verdicts, [Verdict::Pass, Verdict::Unchecked]);
    let never = &checked.claims[1];
    assert_eq!(
        (never.kind, never.actual.as_deref()),
        (ClaimKind::Output, None)
    );
    assert_eq!(
        never.reason.as_deref(),
        Some("the snippet timed out after 2 s at line 3")
    );
    assert_eq!(checked.outcome, OutcomeKind::Timeout);
    let error = checked.error.as_ref().expect("a timeout is an error");
    assert_eq!(
        (error.type_name.as_str(), error.message.as_str(), error.line),
        (
            "Timeout",
            "killed after 2 s of wall-clock time",
            Some(line(3))
        )
    );
    assert!(checked.is_unexpected_error());
}

#[test]
fn a_signal_is_a_crash_at_the_statement_that_was_running() {
    let outcome = stopped(
        vec![statement(0, Kind::Print, "print(1)  # 1")],
        Vec::new(),
        End::Signaled { signal: 11 },
    );
    let checked = judged(&outcome);
    assert_eq!(
        only(&checked).reason.as_deref(),
        Some("the snippet was killed by signal 11 at line 2")
    );
    assert_eq!(checked.outcome, OutcomeKind::Crashed);
    let error = checked.error.as_ref().expect("a crash is an error");
    assert_eq!(
        (error.type_name.as_str(), error.message.as_str(), error.line),
        (
            "Crash",
            "the process was killed by signal 11",
            Some(line(2))
        )
    );
}

#[test]
fn an_early_exit_is_a_crash_that_quotes_the_last_stray_lines() {
    let outcome = Outcome {
        stray_output: "a\nb\nc\nd\n".to_owned(),
        ..stopped(
            vec![statement(0, Kind::Simple, "os.write(1, b'...')")],
            Vec::new(),
            End::Exited { status: 1 },
        )
    };
    let checked = judged(&outcome);
    assert_eq!(checked.outcome, OutcomeKind::Crashed);
    assert_eq!(
        checked.error.map(|e| e.message),
        Some("the process exited with status 1 before the snippet finished (d | c | b)".to_owned())
    );
}

#[test]
fn a_failed_sandbox_layer_names_the_layer_and_runs_nothing() {
    let outcome = Outcome {
        sandbox_failed: true,
        layers: vec![Layer {
            name: "landlock".to_owned(),
            status: LayerStatus::Failed,
            detail: "not supported by this kernel".to_owned(),
        }],
        ..stopped(
            vec![statement(0, Kind::Print, "print(1)  # 1")],
            Vec::new(),
            End::Exited { status: 1 },
        )
    };
    let checked = judged(&outcome);
    let claim = only(&checked);
    assert_eq!(claim.verdict, Verdict::Unchecked);
    assert_eq!(
        claim.reason.as_deref(),
        Some("a sandbox layer could not be applied, so the snippet did not run")
    );
    assert_eq!(checked.outcome, OutcomeKind::SandboxFailed);
    let error = checked.error.as_ref().expect("a failed layer is an error");
    assert_eq!(error.type_name, "SandboxError");
    assert_eq!(
        error.message,
        "layer \"landlock\" could not be applied: not supported by this kernel; the snippet did not run"
    );
    assert!(checked.is_unexpected_error());
}

#[test]
fn a_failure_status_from_sys_exit_is_an_error_at_the_exit_and_stops_later_claims() {
    let exit = crate::run::outcome::Execution {
        exit_code: Some(serde_json::json!(2)),
        ..printed(0, "")
    };
    let outcome = Outcome {
        exit: Some(Some(serde_json::json!(2))),
        ..stopped(
            vec![
                statement(0, Kind::Expression, "sys.exit(2)"),
                statement(1, Kind::Print, "print(1)  # 1"),
            ],
            vec![exit],
            End::Exited { status: 2 },
        )
    };
    let checked = judged(&outcome);
    assert_eq!(
        only(&checked).reason.as_deref(),
        Some("sys.exit(2) ended the script before this statement")
    );
    assert_eq!(checked.outcome, OutcomeKind::Exited);
    let error = checked
        .error
        .as_ref()
        .expect("a failure status is an error");
    assert_eq!(
        (error.type_name.as_str(), error.line),
        ("SystemExit", Some(line(2)))
    );
    assert_eq!(
        error.message,
        "sys.exit(2) ended the script with a failure status"
    );
}

#[test]
fn the_output_limit_points_at_the_last_statement_that_ran() {
    let outcome = Outcome {
        output_limited: Some(100),
        ..stopped(
            vec![
                statement(0, Kind::Simple, "x = 1"),
                statement(1, Kind::Simple, "for _ in range(10**9): print(x)"),
            ],
            vec![printed(0, ""), printed(1, "1\n1\n")],
            End::Exited { status: 0 },
        )
    };
    let checked = judged(&outcome);
    assert_eq!(checked.outcome, OutcomeKind::OutputLimit);
    let error = checked.error.expect("the limit is an error");
    assert_eq!(
        (error.type_name.as_str(), error.line),
        ("OutputLimit", Some(line(3)))
    );
}

#[test]
fn a_comment_on_an_assignment_that_printed_nothing_is_prose_but_a_close_call() {
    let outcome = finished(
        vec![statement(0, Kind::Simple, "x = [1, 2]  # [1, 2]")],
        vec![printed(0, "")],
    );
    let checked = judged(&outcome);
    assert!(checked.claims.is_empty(), "{checked:#?}");
    assert_eq!(checked.outcome, OutcomeKind::Completed);
    let calls = close_calls(&outcome);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].comment, "[1, 2]");
    assert_eq!(
        calls[0].why,
        "the statement prints nothing and has no value (an assignment, import, ...)"
    );
}

#[test]
fn a_literal_comment_on_an_assignment_claims_the_value_it_bound() {
    let bound = |index, value: &str| crate::run::outcome::Execution {
        value: Some(value.to_owned()),
        ..printed(index, "")
    };
    let outcome = finished(
        vec![
            statement(0, Kind::Simple, "c = word[0]  # 'w'"),
            statement(1, Kind::Simple, "x = [1, 2]  # [1, 3]"),
            statement(2, Kind::Simple, "d = {}  # O(1) lookup"),
            statement(
                3,
                Kind::Simple,
                "count = Counter('hello')  # Counter({'h': 1})",
            ),
        ],
        vec![
            bound(0, "'w'"),
            bound(1, "[1, 2]"),
            bound(2, "{}"),
            bound(3, "Counter({'l': 2, 'h': 1})"),
        ],
    );
    let checked = judged(&outcome);
    let verdicts: Vec<(ClaimKind, Verdict)> =
        checked.claims.iter().map(|c| (c.kind, c.verdict)).collect();
    assert_eq!(
        verdicts,
        [
            (ClaimKind::Value, Verdict::Pass),
            (ClaimKind::Value, Verdict::Fail),
            (ClaimKind::Value, Verdict::Fail),
        ]
    );
    // `O(1) lookup` is prose: neither a literal nor a dict's own form.
    assert!(checked.claims.iter().all(|c| c.line != line(4)));
}

#[test]
fn an_output_block_is_a_claim_on_everything_the_block_printed() {
    let outcome = finished(
        vec![
            statement(0, Kind::Print, "print(1)"),
            statement(1, Kind::Print, "print(2)"),
        ],
        vec![printed(0, "1\n"), printed(1, "2\n")],
    );
    let shown = with_output(block(&outcome), "1\n2\n");
    let claim_line = shown.output.as_ref().map(|o| o.line);
    let checked = check(&shown, None, &outcome, &[]);
    let claim = only(&checked);
    assert_eq!(
        (claim.kind, claim.verdict, claim.actual.as_deref()),
        (ClaimKind::Output, Verdict::Pass, Some("1\n2"))
    );
    assert_eq!((claim.line, Some(claim.claim_line)), (line(2), claim_line));

    let wrong = with_output(block(&outcome), "1\n3\n");
    let checked = check(&wrong, None, &outcome, &[]);
    assert_eq!(only(&checked).verdict, Verdict::Fail);
    assert_eq!(
        only(&checked).reason.as_deref(),
        Some("the block's output differs from its output block")
    );
}

#[test]
fn an_output_block_showing_the_traceback_documents_the_error() {
    let outcome = finished(
        vec![statement(0, Kind::Expression, "int('x')")],
        vec![raised(0, error("ValueError", "bad", &["Exception"]))],
    );
    let shown = with_output(
        block(&outcome),
        "Traceback (most recent call last):\n  File \"<stdin>\", line 1\nValueError: bad\n",
    );
    let checked = check(&shown, None, &outcome, &[]);
    let claim = only(&checked);
    assert_eq!(
        (claim.kind, claim.verdict),
        (ClaimKind::Exception, Verdict::Pass)
    );
    assert_eq!(
        checked.error.as_ref().and_then(|e| e.expected_by),
        Some(ExpectedBy::Claim)
    );
    assert_eq!(checked.outcome, OutcomeKind::Raised);
}

#[test]
fn a_declared_expect_error_that_happens_is_expected_by_config() {
    let outcome = finished(
        vec![statement(0, Kind::Print, "print(undefined)")],
        vec![raised(
            0,
            error("NameError", "name 'undefined' is not defined", &[]),
        )],
    );
    let checked = check(
        &block(&outcome),
        Some(&expecting("NameError")),
        &outcome,
        &[],
    );
    assert_eq!(
        checked.error.as_ref().and_then(|e| e.expected_by),
        Some(ExpectedBy::Config)
    );
    assert_eq!(checked.missing_expected_error, None);
    assert!(!checked.is_unexpected_error());

    let other = finished(
        vec![statement(0, Kind::Expression, "d['k']")],
        vec![raised(0, error("KeyError", "'k'", &["LookupError"]))],
    );
    let checked = check(&block(&other), Some(&expecting("NameError")), &other, &[]);
    assert_eq!(checked.error.as_ref().map(|e| e.expected_by), Some(None));
    assert!(checked.is_unexpected_error());
}

#[test]
fn a_declared_expect_error_that_does_not_happen_is_reported_missing() {
    let outcome = finished(
        vec![statement(0, Kind::Print, "print(1)  # 1")],
        vec![printed(0, "1\n")],
    );
    let checked = check(
        &block(&outcome),
        Some(&expecting("NameError")),
        &outcome,
        &[],
    );
    assert_eq!(only(&checked).verdict, Verdict::Pass);
    assert_eq!(checked.error, None);
    assert_eq!(
        checked.missing_expected_error.as_deref(),
        Some(
            "expect-error \"NameError\" is declared (snipcheck.toml or a directive), but the snippet raised nothing; remove it"
        )
    );
    assert!(checked.is_unexpected_error());
}

#[test]
fn an_unterminated_fence_is_not_run_even_when_skipped() {
    let outcome = finished(
        vec![statement(0, Kind::Print, "print(1)  # 1")],
        vec![printed(0, "1\n")],
    );
    let planned = |block: Block, settings: Option<SnippetSettings>| Snippet {
        id: "n/a".to_owned(),
        path: "n.md".into(),
        tracked: false,
        disposition: Disposition::of(&block, settings.as_ref(), "3.11"),
        block,
        settings,
        context: Vec::new(),
        namespace: crate::config::Namespace::Auto,
        chain: "n/a".to_owned(),
        undefined: Vec::new(),
    };
    let mut open = block(&outcome);
    open.unterminated = true;
    let skip = SnippetSettings {
        skip: Some("slow".to_owned()),
        ..SnippetSettings::default()
    };
    // The outcome says the block ran and printed; what the plan decided wins.
    let checked = judge_snippet(&planned(open, Some(skip.clone())), &outcome);
    assert_eq!(checked.outcome, OutcomeKind::Unterminated);
    assert!(checked.claims.is_empty());
    let error = checked.error.expect("an unterminated fence is an error");
    assert_eq!(
        (error.type_name.as_str(), error.line),
        ("UnterminatedFence", Some(line(1)))
    );

    let checked = judge_snippet(&planned(block(&outcome), Some(skip)), &outcome);
    assert_eq!(
        (checked.outcome, checked.error, checked.claims.len()),
        (OutcomeKind::Skipped, None, 0)
    );

    let checked = judge_snippet(&planned(block(&outcome), None), &outcome);
    assert_eq!(
        (checked.outcome, only(&checked).verdict),
        (OutcomeKind::Completed, Verdict::Pass)
    );
}

#[test]
fn a_block_that_does_not_compile_lists_stated_values_and_judges_its_compile_error() {
    let syntax = ErrorFacts {
        line: Some(line(2)),
        ..error("SyntaxError", "invalid syntax", &["Exception"])
    };
    let outcome = Outcome {
        unparsable: Some(syntax),
        unparsable_comments: vec![Comment {
            line: line(3),
            text: "# Returns 45.".to_owned(),
        }],
        ..finished(Vec::new(), Vec::new())
    };
    let mut unparsable = block(&outcome);
    unparsable.code = "print 'hi'\nsum(range(10))  # Returns 45.\n".to_owned();
    let shown = with_output(unparsable.clone(), "SyntaxError: invalid syntax\n");
    let checked = check(&shown, None, &outcome, &[]);
    assert_eq!(checked.outcome, OutcomeKind::Unparsable);
    let verdicts: Vec<(ClaimKind, Verdict)> =
        checked.claims.iter().map(|c| (c.kind, c.verdict)).collect();
    assert_eq!(
        verdicts,
        [
            (ClaimKind::Value, Verdict::NotRun),
            (ClaimKind::Exception, Verdict::Pass)
        ]
    );
    assert_eq!(checked.claims[0].claimed, "45");
    assert_eq!(
        checked.claims[0].reason.as_deref(),
        Some("the block is not valid Python 3 (SyntaxError: invalid syntax), so it never runs")
    );
    assert_eq!(
        checked.error.as_ref().and_then(|e| e.expected_by),
        Some(ExpectedBy::Claim)
    );

    let checked = check(&unparsable, None, &outcome, &[]);
    assert_eq!(checked.claims.len(), 1);
    assert_eq!(checked.error.as_ref().map(|e| e.expected_by), Some(None));
}

#[test]
fn a_session_example_takes_doctests_verdict() {
    let mut example = statement(0, Kind::Example, ">>> 1 + 1");
    example.example = Some(Example {
        want: "2\n".to_owned(),
        want_line: line(3),
        exception: None,
        skip: false,
    });
    let mut differs = example.clone();
    differs.index = 1;
    let mut quoted = example.clone();
    quoted.index = 2;
    quoted.example = Some(Example {
        want: "\"hi\"\n".to_owned(),
        want_line: line(5),
        exception: None,
        skip: false,
    });
    let ran = |index, verdict: &str, got: &str| crate::run::outcome::Execution {
        doctest: Some(verdict.to_owned()),
        ..printed(index, got)
    };
    let outcome = finished(
        vec![example, differs, quoted],
        vec![
            ran(0, "success", "2\n"),
            ran(1, "failure", "3\n"),
            ran(2, "failure", "'hi'\n"),
        ],
    );
    let checked = judged(&outcome);
    let verdicts: Vec<Verdict> = checked.claims.iter().map(|c| c.verdict).collect();
    // doctest's verdict, except that output equal after a named normalization is `loose`.
    assert_eq!(verdicts, [Verdict::Pass, Verdict::Fail, Verdict::Loose]);
    assert_eq!(
        checked.claims[1].reason.as_deref(),
        Some("doctest: the output differs from what the session shows")
    );
    assert_eq!(checked.claims[2].normalization.as_deref(), Some("quotes"));
}

#[test]
fn as_str_is_the_word_serde_writes() {
    fn word<T: Serialize>(value: T) -> String {
        serde_json::to_value(value)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .expect("a word")
    }
    let outcomes = [
        OutcomeKind::Completed,
        OutcomeKind::Raised,
        OutcomeKind::Exited,
        OutcomeKind::Timeout,
        OutcomeKind::OutputLimit,
        OutcomeKind::Memory,
        OutcomeKind::Blocked,
        OutcomeKind::SandboxFailed,
        OutcomeKind::Tampered,
        OutcomeKind::Crashed,
        OutcomeKind::Unparsable,
        OutcomeKind::SetupFailed,
        OutcomeKind::Unterminated,
        OutcomeKind::Skipped,
        OutcomeKind::RunnerError,
    ];
    for kind in outcomes {
        assert_eq!(kind.as_str(), word(kind));
        assert_eq!(
            serde_json::from_value::<OutcomeKind>(kind.as_str().into()).ok(),
            Some(kind)
        );
    }
    let verdicts = [
        Verdict::Pass,
        Verdict::Loose,
        Verdict::Fail,
        Verdict::Unchecked,
        Verdict::NotRun,
    ];
    for verdict in verdicts {
        assert_eq!(verdict.as_str(), word(verdict));
    }
    for kind in [ClaimKind::Output, ClaimKind::Value, ClaimKind::Exception] {
        assert_eq!(kind.as_str(), word(kind));
    }
    let words: Vec<&str> = [
        ExpectedBy::Claim,
        ExpectedBy::Config,
        ExpectedBy::NotPython,
        ExpectedBy::Needs,
        ExpectedBy::Setup,
        ExpectedBy::Exercise,
    ]
    .into_iter()
    .inspect(|by| assert_eq!(by.as_str(), word(*by)))
    .map(ExpectedBy::as_str)
    .collect();
    assert_eq!(
        words,
        [
            "claim",
            "config",
            "not-python",
            "needs",
            "setup",
            "exercise"
        ]
    );
}

#[test]
fn python_2_code_on_python_3_is_named_and_its_claims_unjudged() {
    assert_eq!(
        python_2_only("NameError", "name 'xrange' is not defined").as_deref(),
        Some("uses `xrange`, a builtin of Python 2 that Python 3 removed")
    );
    assert!(
        python_2_only(
            "AttributeError",
            "'dict' object has no attribute 'iteritems'"
        )
        .is_some()
    );
    assert!(
        python_2_only(
            "TypeError",
            "'cmp' is an invalid keyword argument for sort()"
        )
        .is_some()
    );
    // Other errors are other errors.
    assert_eq!(python_2_only("NameError", "name 'xs' is not defined"), None);
    assert_eq!(
        python_2_only("AttributeError", "'dict' object has no attribute 'foo'"),
        None
    );
    assert_eq!(
        python_2_only(
            "AttributeError",
            "'list' object has no attribute 'iteritems'"
        ),
        None
    );
    let outcome = finished(
        vec![statement(
            0,
            Kind::Print,
            "print(sorted([2, 1], cmp=f))  # [1, 2]",
        )],
        vec![raised(
            0,
            error(
                "TypeError",
                "'cmp' is an invalid keyword argument for sort()",
                &[],
            ),
        )],
    );
    let checked = judged(&outcome);
    assert_eq!(only(&checked).verdict, Verdict::Unjudged);
    assert!(
        only(&checked)
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("the text is about Python 2"))
    );
}

#[test]
fn a_claim_on_output_that_shows_the_day_of_the_run_is_unjudged() {
    let outcome = finished(
        vec![statement(
            0,
            Kind::Print,
            "print(stamp())  # 2023-02-07 23:21:01,430 started",
        )],
        vec![printed(0, "2026-12-03 15:40:54,851 started\n")],
    );
    let mut checked = judged(&outcome);
    assert_eq!(only(&checked).verdict, Verdict::Fail);
    mark_dated(&mut checked.claims, &["2026-12-03".to_owned()]);
    assert_eq!(only(&checked).verdict, Verdict::Unjudged);
    assert!(
        only(&checked)
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("date and time of the run (2026-12-03)"))
    );
    // Wrong where the two days do not matter: it still fails.
    let outcome = outcome_wrong_word();
    let mut checked = judged(&outcome);
    mark_dated(&mut checked.claims, &["2026-12-03".to_owned()]);
    assert_eq!(only(&checked).verdict, Verdict::Fail);
    // Another day than the run's: a date the code computes, judged as any output.
    let outcome = outcome_fixed_date();
    let mut checked = judged(&outcome);
    mark_dated(&mut checked.claims, &["2026-12-03".to_owned()]);
    assert_eq!(only(&checked).verdict, Verdict::Fail);
}

fn outcome_wrong_word() -> Outcome {
    finished(
        vec![statement(
            0,
            Kind::Print,
            "print(stamp())  # 2023-02-07 23:21:01,430 started",
        )],
        vec![printed(0, "2026-12-03 15:40:54,851 stopped\n")],
    )
}

fn outcome_fixed_date() -> Outcome {
    finished(
        vec![statement(0, Kind::Print, "print(d)  # 2023-02-07")],
        vec![printed(0, "2024-01-01\n")],
    )
}

#[test]
fn a_snippet_error_reads_back_from_its_json_without_the_traceback() {
    let mut error = ending::from_facts(&error("NameError", "x", &[]), line(4));
    error.expected_by = Some(ExpectedBy::NotPython);
    let json = serde_json::to_string(&error).expect("serializes");
    assert_eq!(
        json,
        r#"{"type":"NameError","message":"x","line":4,"expected_by":"not-python"}"#
    );
    let back: SnippetError = serde_json::from_str(&json).expect("reads back");
    assert_eq!(
        back,
        SnippetError {
            traceback: String::new(),
            ..error.clone()
        }
    );
    error.blocked = Some("network".to_owned());
    let json = serde_json::to_string(&error).expect("serializes");
    assert!(json.contains(r#""blocked":"network""#), "{json}");
    let back: SnippetError = serde_json::from_str(&json).expect("reads back");
    assert_eq!(back.blocked.as_deref(), Some("network"));
}

#[test]
fn a_session_that_shows_output_as_comments_is_loose_by_commented() {
    let example = |index: usize, source: &str, want: &str| {
        let mut s = statement(index, Kind::Example, source);
        s.example = Some(Example {
            want: want.to_owned(),
            want_line: line(2 + 2 * index as u32),
            exception: None,
            skip: false,
        });
        s
    };
    let ran = |execution: crate::run::outcome::Execution| crate::run::outcome::Execution {
        doctest: Some("failure".to_owned()),
        ..execution
    };
    let outcome = finished(
        vec![
            example(0, ">>> d.get('name')", "# 'Rose'\n"),
            example(1, ">>> d.get('age')", "# 34\n"),
            example(
                2,
                ">>> d['eye']",
                "# Traceback (most recent call last):\n#   File \"<stdin>\", line 1, in <module>\n# KeyError: 'eye'\n",
            ),
            example(3, ">>> d['eye']", "# ValueError: no\n"),
            example(
                4,
                ">>> d.get('name')",
                "# look at what it gives back here\n",
            ),
            example(5, ">>> d.clear()", "# now it is empty\n"),
        ],
        vec![
            ran(printed(0, "'Rose'\n")),
            ran(printed(1, "33\n")),
            ran(raised(
                2,
                error("KeyError", "'eye'", &["LookupError", "Exception"]),
            )),
            ran(raised(
                3,
                error("KeyError", "'eye'", &["LookupError", "Exception"]),
            )),
            ran(printed(4, "'Rose'\n")),
            ran(printed(5, "")),
        ],
    );
    let checked = judged(&outcome);
    let got: Vec<(u32, Verdict, Option<&str>)> = checked
        .claims
        .iter()
        .map(|c| (c.line.get(), c.verdict, c.normalization.as_deref()))
        .collect();
    // The comments' text is judged as a comment claim; doctest, comparing `# 'Rose'` with
    // `'Rose'`, would fail all of them. A sentence is prose; a comment under an example that
    // shows nothing is left to doctest.
    assert_eq!(
        got,
        [
            (2, Verdict::Loose, Some("commented")),
            (3, Verdict::Fail, None),
            (4, Verdict::Loose, Some("commented")),
            (5, Verdict::Fail, None),
            (7, Verdict::Fail, None),
        ]
    );
    assert_eq!(checked.claims[0].claimed, "'Rose'");
    assert_eq!(checked.claims[1].actual.as_deref(), Some("33"));
    assert_eq!(
        checked.claims[1].reason.as_deref(),
        Some("the output differs from the comment that shows it")
    );
    assert_eq!(checked.claims[4].claimed, "# now it is empty");
}

#[test]
fn a_session_traceback_after_a_block_that_could_not_be_judged_is_unjudged() {
    let mut example = statement(0, Kind::Example, ">>> C(43)");
    example.example = Some(Example {
        want: "Traceback (most recent call last):\n   ...\nValueError: x must be at most 42\n"
            .to_owned(),
        want_line: line(3),
        exception: Some("ValueError: x must be at most 42".to_owned()),
        skip: false,
    });
    // doctest printed the NameError's traceback as the example's output.
    let outcome = finished(
        vec![example],
        vec![crate::run::outcome::Execution {
            doctest: Some("failure".to_owned()),
            ..printed(
                0,
                "Traceback (most recent call last):\n  File \"<stdin>\", line 1, in <module>\nNameError: name 'C' is not defined\n",
            )
        }],
    );
    let mut checked = judged(&outcome);
    assert_eq!(only(&checked).verdict, Verdict::Fail);
    let upstream = [Cause {
        line: line(1),
        what: "needs attrs (not installed where snipcheck ran: use --venv)".to_owned(),
    }];
    unjudged_after(&mut checked.claims, &outcome.executions, &upstream, None);
    assert_eq!(only(&checked).verdict, Verdict::Unjudged);
    assert_eq!(
        only(&checked).reason.as_deref(),
        Some(
            "a block it continues needs attrs (not installed where snipcheck ran: use --venv) (line 1), so this cannot be judged here"
        )
    );
}
