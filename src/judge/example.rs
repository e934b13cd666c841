//! Interactive sessions (`>>>` examples): each example that shows output or a traceback is a
//! claim, judged by doctest's own verdict; output doctest fails that the `loose` rung's named
//! normalizations make equal is `loose`, as for any claim.

use super::ending::Stop;
use super::{CheckedClaim, ClaimKind, Verdict};
use crate::run::outcome::{Execution, Statement};

/// The exception an example's expected output shows without a traceback header: its last line,
/// when that names an exception (`TypeError: ...`, `SyntaxError: invalid syntax`).
fn headless_exception(want: &str) -> Option<super::grammar::ExceptionClaim> {
    let last = want.lines().rev().find(|l| !l.trim().is_empty())?.trim();
    super::grammar::exception_claim(last)
}

/// Whether the expected output `want` is what the REPL showed for `execution`: its stdout and
/// its stderr, one after the other (the REPL interleaves them on one terminal).
fn shows_stderr(want: &str, execution: &Execution) -> bool {
    let (out, err) = (execution.stdout.as_str(), execution.stderr.as_str());
    !err.trim().is_empty()
        && [format!("{out}{err}"), format!("{err}{out}")]
            .iter()
            .any(|both| both.trim_end() == want.trim_end())
}

/// The output an example shows written as comments (`>>> d.get('name')` then `# 'Rose'`, so
/// that the session can be pasted and run): the comments' text, when every line of `want` is a
/// comment.
fn commented_want(want: &str) -> Option<String> {
    let lines: Vec<&str> = want.lines().filter(|l| !l.trim().is_empty()).collect();
    (!lines.is_empty() && lines.iter().all(|l| l.trim_start().starts_with('#'))).then(|| {
        lines
            .iter()
            .map(|l| super::grammar::comment_text(l))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// An example whose output is written as comments, judged as a comment claim is, against what
/// the REPL showed: `loose` (normalization `commented`: doctest, comparing exactly, fails it)
/// when the comments' text is the output or the exception raised; `Some(None)` when it is a
/// sentence about the example (prose). `None` leaves the example to doctest's verdict: it
/// showed nothing, or raised what the comment does not name.
fn judge_commented(
    claim: &CheckedClaim,
    stated: &str,
    execution: &Execution,
) -> Option<Option<CheckedClaim>> {
    let mut claim = CheckedClaim {
        claimed: stated.to_owned(),
        ..claim.clone()
    };
    let got = execution.stdout.trim_end().to_owned();
    match (headless_exception(stated), &execution.exception) {
        (Some(expected), Some(_)) => {
            claim.kind = ClaimKind::Exception;
            super::claims::judge_exception(&mut claim, &expected, execution);
        }
        (None, None) if !got.is_empty() => {
            let comparison = super::normalize::compare(stated, &got);
            if comparison.verdict == Verdict::Fail && super::grammar::is_remark(stated, &got) {
                return Some(None);
            }
            claim.verdict = comparison.verdict;
            claim.normalization = comparison.normalization;
            claim.actual = Some(got);
            if claim.verdict == Verdict::Fail {
                claim.reason = Some("the output differs from the comment that shows it".to_owned());
                return Some(Some(claim));
            }
        }
        _ => return None,
    }
    if matches!(claim.verdict, Verdict::Pass | Verdict::Loose) {
        claim.normalization = Some(match claim.normalization.take() {
            Some(more) => format!("commented+{more}"),
            None => "commented".to_owned(),
        });
        claim.verdict = Verdict::Loose;
    }
    Some(Some(claim))
}

/// An interactive-session example: a claim when it shows expected output or a traceback, judged
/// by doctest's own verdict (so snipcheck agrees with `doctest` on every example), or, when it
/// shows its output as comments, as a comment claim.
pub(super) fn judge_example(
    statement: &Statement,
    execution: Option<&Execution>,
    stop: &Stop,
) -> Option<CheckedClaim> {
    let example = statement.example.as_ref()?;
    let claimed = example.want.trim_end().to_owned();
    if example.skip || claimed.is_empty() || super::grammar::is_placeholder(&claimed) {
        return None;
    }
    let kind = if example.exception.is_some() {
        ClaimKind::Exception
    } else {
        ClaimKind::Output
    };
    let mut claim = CheckedClaim::new(
        statement.line,
        example.want_line,
        kind,
        claimed,
        statement.source.clone(),
    );
    let Some(execution) = execution else {
        claim.reason = Some(stop.reason.clone());
        return Some(claim);
    };
    let got = execution.stdout.trim_end().to_owned();
    // An exception shown as people show it, without doctest's traceback header, or with a body
    // doctest cannot read (an unindented `File` line): its last line names it (`TypeError:
    // 'tuple' object ...`, or `SyntaxError: invalid syntax` under the `File "<stdin>"` lines
    // the REPL prints for a syntax error).
    let headless = headless_exception(&claim.claimed);
    if execution.doctest.as_deref() != Some("success")
        && let Some(judged) = commented_want(&claim.claimed)
            .and_then(|stated| judge_commented(&claim, &stated, execution))
    {
        return judged;
    }
    match execution.doctest.as_deref() {
        Some("success") => {
            claim.verdict = Verdict::Pass;
            claim.actual = Some(match &example.exception {
                Some(exception) => exception.trim_end().to_owned(),
                None => got,
            });
        }
        // doctest read a traceback it could not parse as expected output and compared it with
        // the traceback: the last lines decide, as a reader compares them.
        Some("failure")
            if got.starts_with("Traceback (most recent call last):") && headless.is_some() =>
        {
            let last = |text: &str| {
                text.lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("")
                    .trim()
                    .to_owned()
            };
            let (shown, raised) = (last(&claim.claimed), last(&got));
            claim.kind = ClaimKind::Exception;
            if shown == raised {
                claim.verdict = Verdict::Pass;
            } else {
                claim.verdict = Verdict::Fail;
                claim.reason = Some("the exception differs from what the session shows".to_owned());
            }
            claim.actual = Some(raised);
        }
        Some("exception") if execution.exception.is_some() && headless.is_some() => {
            if let Some(expected) = &headless {
                claim.kind = ClaimKind::Exception;
                super::claims::judge_exception(&mut claim, expected, execution);
            }
        }
        Some("exception") => {
            claim.verdict = Verdict::Fail;
            let raised = execution
                .exception
                .as_ref()
                .map(|e| format!("{}: {}", e.type_name, e.message))
                .unwrap_or_default();
            claim.reason = Some(format!("doctest: the example raised {raised}"));
            claim.actual = Some(raised);
        }
        // The REPL shows what an example writes to stderr (a logging handler's line, a
        // warning) among its output; doctest sees only stdout.
        Some("failure")
            if example.exception.is_none() && shows_stderr(&claim.claimed, execution) =>
        {
            claim.verdict = Verdict::Pass;
            claim.actual = Some(claim.claimed.clone());
        }
        _ => {
            // doctest compares exactly; a reader forgives what the `loose` rung names.
            let forgiven = example
                .exception
                .is_none()
                .then(|| super::normalize::compare(&claim.claimed, &got))
                .filter(|c| c.verdict != Verdict::Fail);
            if let Some(comparison) = forgiven {
                claim.verdict = Verdict::Loose;
                claim.normalization = Some(
                    comparison
                        .normalization
                        .unwrap_or_else(|| "commentary".to_owned()),
                );
                claim.actual = Some(got);
                return Some(claim);
            }
            claim.verdict = Verdict::Fail;
            claim.reason = Some(if example.exception.is_some() {
                "doctest: the example did not raise what it shows".to_owned()
            } else {
                "doctest: the output differs from what the session shows".to_owned()
            });
            // What the REPL showed: stderr too.
            claim.actual = Some(if execution.stderr.trim().is_empty() {
                got
            } else {
                format!("{}{}", execution.stdout, execution.stderr)
                    .trim_end()
                    .to_owned()
            });
        }
    }
    Some(claim)
}
