//! `--format junit`: a JUnit XML report (via quick-junit) for CI test dashboards. One
//! `<testsuite>` per snippet (its `file` attribute is the Markdown path), one `<testcase>` per
//! claim named after its Markdown line, plus a testcase for how the snippet ran and one for its
//! snapshot when snapshots were checked. File-level problems get a suite of their own. The
//! output validates against the common JUnit schema (Jenkins' `junit-10.xsd`). A run below the
//! sandbox's floor (`--sandbox=minimal`) gives every suite a `sandbox` property saying so.

use super::{Report, SnapshotState, SnippetReport};
use crate::judge::{CheckedClaim, ExpectedBy, Verdict};
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

/// Renders the report as JUnit XML.
pub fn render(report: &Report) -> String {
    let mut junit = quick_junit::Report::new("snipcheck");
    for document in &report.documents {
        if document.problems.is_empty() {
            continue;
        }
        let mut suite = TestSuite::new(document.path.clone());
        suite
            .extra
            .insert("file".into(), document.path.clone().into());
        for problem in &document.problems {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(format!(
                "{}:{}: {}",
                document.path, problem.line, problem.message
            ));
            status.set_type("problem");
            let mut case = TestCase::new(format!("{}:{}", document.path, problem.line), status);
            case.set_classname(document.path.clone());
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    let minimal = crate::run::sandbox::floor::accepted_minimal(&report.sandbox);
    for snippet in &report.snippets {
        let mut suite = suite(report, snippet);
        if let Some(missing) = minimal {
            suite.add_property(quick_junit::Property::new(
                "sandbox",
                format!("minimal (--sandbox=minimal), below the floor: {missing}"),
            ));
        }
        junit.add_test_suite(suite);
    }
    match junit.to_string() {
        Ok(text) => without_root_skipped(text),
        Err(err) => format!("<!-- failed to serialize the JUnit report: {err} -->\n"),
    }
}

/// quick-junit writes a `skipped` count on the root `<testsuites>`, which the common schema
/// (Jenkins' `junit-10.xsd`) does not allow there (it does on each `<testsuite>`, where the
/// count stays), so it is dropped from the root element only.
fn without_root_skipped(text: String) -> String {
    let Some(start) = text.find("<testsuites ") else {
        return text;
    };
    let end = text[start..].find('>').map_or(text.len(), |e| start + e);
    let root = &text[start..end];
    let Some(attr) = root.find(" skipped=\"") else {
        return text;
    };
    let attr_end = root[attr + 10..]
        .find('"')
        .map_or(root.len(), |q| attr + 10 + q + 1);
    format!(
        "{}{}{}",
        &text[..start + attr],
        &root[attr_end..],
        &text[end..]
    )
}

fn suite(report: &Report, snippet: &SnippetReport) -> TestSuite {
    let mut suite = TestSuite::new(snippet.id.clone());
    suite
        .extra
        .insert("file".into(), snippet.path.clone().into());
    if let Some(continues) = &snippet.continues {
        suite.add_property(quick_junit::Property::new(
            "continues",
            continues.describe(),
        ));
    }
    let run_name = format!("{}:{} runs", snippet.path, snippet.start_line);
    let outcome = snippet.outcome.as_str();
    let run_status = if let Some(reason) = snippet.settings.as_ref().and_then(|s| s.skip.as_ref()) {
        let mut status = TestCaseStatus::skipped();
        status.set_message(format!("skipped: {reason}"));
        status
    } else if let Some((error, (what, then))) = snippet
        .error
        .as_ref()
        .and_then(|e| Some((e, reported_only(e.expected_by?)?)))
    {
        let mut status = TestCaseStatus::skipped();
        status.set_message(format!(
            "{what} ({}:{}: {}): {then}",
            snippet.path,
            error.line.unwrap_or(snippet.start_line),
            error.headline()
        ));
        status
    } else if snippet.is_unexpected_error() {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        let (kind, message) = match (&snippet.error, &snippet.missing_expected_error) {
            (_, Some(missing)) => ("expect-error".to_owned(), missing.clone()),
            (Some(error), None) => (error.type_name.clone(), error.message.clone()),
            (None, None) => (outcome.to_owned(), outcome.to_owned()),
        };
        let line = snippet
            .error
            .as_ref()
            .and_then(|e| e.line)
            .unwrap_or(snippet.start_line);
        status.set_type(kind.clone());
        status.set_message(format!("{}:{line}: {kind}: {message}", snippet.path));
        if let Some(error) = &snippet.error
            && !error.traceback.is_empty()
        {
            status.set_description(error.traceback.clone());
        }
        status
    } else {
        TestCaseStatus::success()
    };
    let mut run = TestCase::new(run_name, run_status);
    run.set_classname(snippet.id.clone());
    run.set_system_out(format!("outcome: {outcome}"));
    suite.add_test_case(run);
    for claim in &snippet.claims {
        suite.add_test_case(case(report, snippet, claim));
    }
    if let Some(snapshot) = &snippet.snapshot {
        let status = if snapshot.status == SnapshotState::Match {
            TestCaseStatus::success()
        } else {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let word = match snapshot.status {
                SnapshotState::Changed => "the transcript differs from the accepted snapshot",
                SnapshotState::Missing => "no accepted snapshot",
                SnapshotState::Corrupt => "the accepted snapshot is not a valid .snap file",
                SnapshotState::Match => "",
            };
            status.set_type("snapshot");
            status.set_message(format!("{}: {word}", snapshot.path));
            if let Some(detail) = snapshot.diff.as_ref().or(snapshot.message.as_ref()) {
                status.set_description(detail.clone());
            }
            status
        };
        let mut case = TestCase::new(format!("{} snapshot", snapshot.path), status);
        case.set_classname(snippet.id.clone());
        suite.add_test_case(case);
    }
    suite
}

fn case(report: &Report, snippet: &SnippetReport, claim: &CheckedClaim) -> TestCase {
    let name = format!(
        "{}:{}: {}",
        snippet.path,
        claim.claim_line,
        claim.source.lines().next().unwrap_or("").trim()
    );
    let detail = || {
        format!(
            "claimed: {}\nactual:  {}",
            claim.claimed,
            claim.actual.as_deref().unwrap_or("(never ran)")
        )
    };
    let status = match claim.verdict {
        Verdict::Pass => TestCaseStatus::success(),
        Verdict::Loose if !report.strict => TestCaseStatus::success(),
        // Counted apart, failing only under --strict (an unchecked claim fails the run).
        Verdict::Unjudged if !report.strict => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(format!(
                "unjudged: {}",
                claim
                    .reason
                    .as_deref()
                    .unwrap_or("it cannot be judged here")
            ));
            status
        }
        Verdict::VersionDependent if !report.strict => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(format!(
                "version-dependent: {}",
                claim
                    .reason
                    .as_deref()
                    .unwrap_or("it holds on some Pythons only")
            ));
            status
        }
        Verdict::NotRun => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(format!(
                "not run: {}",
                claim
                    .reason
                    .as_deref()
                    .unwrap_or("the block is not valid Python 3")
            ));
            status
        }
        verdict => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let word = match verdict {
                Verdict::Loose => format!(
                    "loose ({}) under --strict",
                    claim.normalization.as_deref().unwrap_or("normalized")
                ),
                Verdict::Unchecked => "unchecked".to_owned(),
                Verdict::Unjudged => "unjudged under --strict".to_owned(),
                Verdict::VersionDependent => "version-dependent under --strict".to_owned(),
                _ => "fail".to_owned(),
            };
            status.set_type(word.clone());
            let reason = claim
                .reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            status.set_message(format!(
                "{}:{}: {word}{reason}",
                snippet.path, claim.claim_line
            ));
            status.set_description(detail());
            status
        }
    };
    let mut case = TestCase::new(name, status);
    case.set_classname(snippet.id.clone());
    if claim.verdict == Verdict::Loose && !report.strict {
        case.set_system_out(format!(
            "loose ({})\n{}",
            claim.normalization.as_deref().unwrap_or("normalized"),
            detail()
        ));
    }
    case
}

/// A snippet ending reported without failing the run: what it is, and what follows.
fn reported_only(by: ExpectedBy) -> Option<(&'static str, &'static str)> {
    match by {
        ExpectedBy::NotPython => Some(("not valid Python 3", "not run; --strict-parse fails it")),
        ExpectedBy::Needs => Some((
            "needs a package not installed here",
            "not judged; use --venv, --strict fails it",
        )),
        ExpectedBy::Exercise => Some(("an exercise the reader completes", "reported, not failed")),
        ExpectedBy::Setup => Some((
            "uses a name no earlier block of the document defines",
            "a fragment, not judged; --strict fails it",
        )),
        ExpectedBy::NewerPython => Some((
            "needs a newer Python than the one that ran",
            "not judged; run it on that version with --python, --strict fails it",
        )),
        ExpectedBy::Versions => Some((
            "raises an error a claim documents on other Pythons",
            "version-dependent; --strict fails it",
        )),
        ExpectedBy::Claim | ExpectedBy::Config => None,
    }
}
