//! Which comments are claims, and their verdicts: trailing comments, comment runs and strings
//! below a statement, judged against what the statement printed, returned or raised (see the
//! parent module for the rules); and the close calls, comments read as prose near a claim.

use super::ending::{Stop, stop_reason};
use super::example::judge_example;
use super::grammar::{self, ExceptionClaim};
use super::normalize::compare;
use super::{CheckedClaim, ClaimKind, SnippetError, Verdict};
use crate::line::LineNo;
use crate::read::block::Block;
use crate::run::outcome::{Comment, Execution, Outcome, Statement, StatementKind};

/// A comment that was read as prose although it was near a claim: its text looks like output
/// or names an exception, or its statement printed or produced a value. `inspect --comments`
/// lists these so that an author can see what snipcheck chose not to check, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseCall {
    /// Markdown line of the comment.
    pub line: LineNo,
    /// Markdown line of the statement it belongs to.
    pub statement_line: LineNo,
    /// The statement's source.
    pub source: String,
    /// The comment's text (marker removed).
    pub comment: String,
    /// Why it is not a claim.
    pub why: String,
}

/// The comments of a run that were close calls (see [`CloseCall`]), in statement order.
pub fn close_calls(outcome: &Outcome) -> Vec<CloseCall> {
    let statements = outcome.statements.as_deref().unwrap_or(&[]);
    let stop = stop_reason(outcome, statements);
    let executions = outcome.by_index();
    let mut calls = Vec::new();
    for statement in statements {
        if statement.kind == StatementKind::Example {
            continue;
        }
        let execution = executions.get(&statement.index).copied();
        let Some((line, text)) = claimed_text(statement).or_else(|| {
            // A compound statement's other comments below it (not an `# Output:` run).
            let first = statement.comments_below.first()?;
            Some((first.line, grammar::comment_text(&first.text)))
        }) else {
            continue;
        };
        if judge(statement, execution, &stop).is_some() {
            continue;
        }
        let output_like = grammar::is_output_like(&text);
        let exception_like = grammar::exception_claim(&text).is_some();
        let printed = execution.is_some_and(|e| !e.stdout.is_empty());
        let value = execution.and_then(|e| e.value.as_ref());
        let why = match (statement.kind, execution) {
            (StatementKind::Print, Some(e)) if grammar::is_remark(&text, &e.stdout) => {
                "a sentence about the code: most of its words are not in what the print printed"
                    .to_owned()
            }
            (StatementKind::Compound, _) => {
                "a comment after a compound statement is a claim only as an `# Output:` run"
                    .to_owned()
            }
            (_, None) => {
                "the statement never ran, and a comment on a statement that prints nothing is prose"
                    .to_owned()
            }
            (StatementKind::Expression, Some(_)) if value.is_some() => format!(
                "the expression's value is {}, but the comment does not read as a value",
                value.map_or("", String::as_str)
            ),
            (StatementKind::Expression, Some(_)) => {
                "the expression's value is None and it printed nothing".to_owned()
            }
            (StatementKind::Simple, Some(_)) if value.is_some() => format!(
                "the assignment bound {}, but the comment is neither a literal nor that value's own form",
                value.map_or("", String::as_str)
            ),
            _ => "the statement prints nothing and has no value (an assignment, import, ...)"
                .to_owned(),
        };
        // An assignment's value is recorded for every assignment: only a comment that looks
        // like a value makes it a close call.
        let valued = value.is_some() && statement.kind != StatementKind::Simple;
        if output_like || exception_like || printed || valued {
            calls.push(CloseCall {
                line,
                statement_line: statement.line,
                source: statement.source.clone(),
                comment: text,
                why,
            });
        }
    }
    calls
}

/// The values the comments of a block that does not compile state in words: claims too,
/// listed as `not-run` with the compile error as their reason.
pub(super) fn not_run(
    block: &Block,
    comments: &[Comment],
    error: &SnippetError,
) -> Vec<CheckedClaim> {
    comments
        .iter()
        .filter_map(|comment| {
            let claimed = grammar::stated_value(&grammar::comment_text(&comment.text))?;
            let source = block
                .code
                .lines()
                .nth(
                    usize::try_from(comment.line.get().checked_sub(block.first_line.get())?)
                        .ok()?,
                )
                .unwrap_or("")
                .to_owned();
            let mut claim = CheckedClaim::new(
                comment.line,
                comment.line,
                ClaimKind::Value,
                claimed,
                source,
            );
            claim.verdict = Verdict::NotRun;
            claim.reason = Some(format!(
                "the block is not valid Python 3 ({}), so it never runs",
                error.headline()
            ));
            Some(claim)
        })
        .collect()
}

/// The claim a statement's comment makes, judged; `None` when the comment is prose.
pub(super) fn judge(
    statement: &Statement,
    execution: Option<&Execution>,
    stop: &Stop,
) -> Option<CheckedClaim> {
    if statement.kind == StatementKind::Example {
        return judge_example(statement, execution, stop);
    }
    if statement.kind == StatementKind::Compound && statement.comments_below.is_empty() {
        return None;
    }
    let (claim_line, claimed) = claimed_text(statement)?;
    let exception_claim = grammar::exception_claim(&claimed);
    let output_like = grammar::is_output_like(&claimed);
    let base = |kind: ClaimKind| CheckedClaim {
        after_error: execution.is_some_and(|e| e.after_error),
        ..CheckedClaim::new(
            statement.line,
            claim_line,
            kind,
            claimed.clone(),
            statement.source.clone(),
        )
    };
    let Some(execution) = execution else {
        let kind = if exception_claim.is_some() {
            ClaimKind::Exception
        } else if claims_output(statement) {
            ClaimKind::Output
        } else if statement.kind == StatementKind::Expression {
            // It never ran, so whether it would have printed (an output claim) or returned a
            // value is unknown; a comment on it cannot silently vanish from the count.
            if output_like {
                ClaimKind::Value
            } else {
                ClaimKind::Output
            }
        } else {
            return None;
        };
        let mut claim = base(kind);
        claim.reason = Some(stop.reason.clone());
        return Some(claim);
    };
    let printed = !execution.stdout.is_empty();
    let kind = match (&exception_claim, &execution.exception) {
        (Some(_), None) if printed || claims_output(statement) => ClaimKind::Output,
        (Some(_), _) => ClaimKind::Exception,
        (None, _) if claims_output(statement) || printed => ClaimKind::Output,
        (None, _)
            if statement.kind == StatementKind::Expression
                && output_like
                && (execution.value.is_some() || execution.exception.is_some()) =>
        {
            ClaimKind::Value
        }
        // A simple assignment (the harness records the value it bound): a comment that is a
        // literal (`c = word[0]  # 'w'`, `x = [1, 2]  # [1, 2]`), or the constructor form of
        // the bound value's own type (`Counter({...})` for a Counter), states the target's
        // repr; prose stays prose (`d = {}  # O(1) lookup`).
        (None, _)
            if statement.kind == StatementKind::Simple
                && output_like
                && (execution.value.is_some() || execution.exception.is_some())
                && (grammar::looks_literal(&claimed)
                    || execution
                        .value
                        .as_deref()
                        .is_some_and(|repr| grammar::same_constructor(&claimed, repr))) =>
        {
            ClaimKind::Value
        }
        _ => return None,
    };
    let mut claim = base(kind);
    match kind {
        ClaimKind::Exception => {
            let expected = exception_claim.unwrap_or(ExceptionClaim {
                type_name: claimed.clone(),
                message: None,
            });
            judge_exception(&mut claim, &expected, execution);
        }
        ClaimKind::Output | ClaimKind::Value => {
            let actual = if kind == ClaimKind::Output {
                execution
                    .stdout
                    .strip_suffix('\n')
                    .unwrap_or(&execution.stdout)
                    .to_owned()
            } else {
                execution.value.clone().unwrap_or_default()
            };
            if let Some(exc) = &execution.exception
                && actual.is_empty()
            {
                claim.actual = Some(format!("{}: {}", exc.type_name, exc.message));
                claim.verdict = Verdict::Fail;
                claim.reason = Some(format!(
                    "claimed {:?}, but the statement raised {}",
                    claim.claimed, exc.type_name
                ));
                return Some(claim);
            }
            if actual.is_empty() && kind == ClaimKind::Output {
                claim.actual = Some(String::new());
                claim.verdict = Verdict::Fail;
                claim.reason = Some(format!("claimed {:?}, printed nothing", claim.claimed));
                return Some(claim);
            }
            let comparison = compare(&claimed, &actual);
            // A sentence about the code on or below a print that does not state its output
            // (`# notice that ...`): prose. One that does (`# True (small ints are cached)`)
            // is a claim that holds.
            if comparison.verdict == Verdict::Fail
                && kind == ClaimKind::Output
                && statement.kind == StatementKind::Print
                && grammar::is_remark(&claimed, &actual)
            {
                return None;
            }
            claim.actual = Some(actual);
            claim.verdict = comparison.verdict;
            claim.normalization = comparison.normalization;
            if claim.verdict == Verdict::Fail {
                claim.reason = Some(match kind {
                    ClaimKind::Output => "the output differs from the claim".to_owned(),
                    _ => "the value differs from the claim".to_owned(),
                });
            }
        }
    }
    Some(claim)
}

/// Whether the statement's comment is about its output whatever it printed: a bare `print(...)`,
/// or a compound statement with an explicit `# Output:` run below it.
fn claims_output(statement: &Statement) -> bool {
    matches!(
        statement.kind,
        StatementKind::Print | StatementKind::Compound
    )
}

/// The claim's first line and text: a trailing comment, else the comment lines below.
fn claimed_text(statement: &Statement) -> Option<(LineNo, String)> {
    // An exercise's `# ?` asks the reader, a tool directive (`# type: int`, `# noqa`) speaks to
    // a tool: neither claims anything.
    stated_text(statement)
        .filter(|(_, text)| !grammar::is_placeholder(text) && !grammar::is_directive(text))
}

fn stated_text(statement: &Statement) -> Option<(LineNo, String)> {
    if let Some(comment) = &statement.trailing_comment {
        let text = grammar::comment_text(&comment.text);
        return (!text.is_empty()).then_some((comment.line, text));
    }
    if statement.comments_below.is_empty()
        && let Some(string) = &statement.string_below
    {
        return (!string.text.trim().is_empty()).then(|| (string.line, string.text.clone()));
    }
    let first = statement.comments_below.first()?;
    // `# Output:` alone on the first line starts a run of output lines below it.
    let lines: Vec<(LineNo, String)> = statement
        .comments_below
        .iter()
        .map(|c| (c.line, grammar::comment_text(&c.text)))
        .skip_while(|(_, text)| text.is_empty())
        .collect();
    let line = lines.first().map_or(first.line, |(line, _)| *line);
    let text = lines
        .into_iter()
        .map(|(_, text)| text)
        .collect::<Vec<_>>()
        .join("\n");
    (!text.trim().is_empty()).then_some((line, text))
}

/// Judges an exception claim against what the statement raised: the type (or a base class of
/// it, `base-class`), then the message if the claim has one.
pub(super) fn judge_exception(
    claim: &mut CheckedClaim,
    expected: &ExceptionClaim,
    execution: &Execution,
) {
    let Some(exc) = &execution.exception else {
        claim.actual = Some(if execution.stdout.is_empty() {
            "no exception".to_owned()
        } else {
            execution.stdout.trim_end().to_owned()
        });
        claim.verdict = Verdict::Fail;
        claim.reason = Some(format!(
            "claimed {}, but nothing was raised",
            expected.type_name
        ));
        return;
    };
    claim.actual = Some(if exc.message.is_empty() {
        exc.type_name.clone()
    } else {
        format!("{}: {}", exc.type_name, exc.message)
    });
    let short = |name: &str| name.rsplit('.').next().unwrap_or(name).to_owned();
    let mut normalizations: Vec<String> = Vec::new();
    if short(&expected.type_name) != short(&exc.type_name) {
        if exc
            .mro
            .iter()
            .any(|t| short(t) == short(&expected.type_name))
        {
            normalizations.push("base-class".to_owned());
        } else {
            claim.verdict = Verdict::Fail;
            claim.reason = Some(format!(
                "claimed {}, but {} was raised",
                expected.type_name, exc.type_name
            ));
            return;
        }
    }
    if let Some(message) = &expected.message {
        let comparison = compare(message, &exc.message);
        if comparison.verdict == Verdict::Fail {
            claim.verdict = Verdict::Fail;
            claim.reason = Some("the exception message differs from the claim".to_owned());
            return;
        }
        normalizations.extend(comparison.normalization);
    }
    if normalizations.is_empty() {
        claim.verdict = Verdict::Pass;
    } else {
        claim.verdict = Verdict::Loose;
        claim.normalization = Some(normalizations.join("+"));
    }
}
