//! Judging: every claim of a snippet against what really happened (the `check` stage).
//!
//! Which comments are claims follows from the statement they sit on and what it did:
//! - a comment that names an exception (`# TypeError: age must be int`) claims that exception;
//! - a comment on a bare `print(...)` claims its output (printing nothing fails the claim);
//! - a comment on any other statement that printed claims that output;
//! - a comment on another bare expression claims its value's repr, when the value is not
//!   `None` and the comment looks like a value (`# [1, 2]`, not `# GC breaks the cycle`);
//! - anything else is prose.
//!
//! A verdict is a ladder: `pass` (equal, or equal and followed by commentary), `loose` (equal
//! after named normalizations), `fail`, or `unchecked` (the statement never ran).

pub mod grammar;

use crate::config::SnippetSettings;
use crate::line::LineNo;
use crate::read::block::Block;
use crate::run::outcome::{End, ErrorFacts, Execution, Outcome, Statement, StatementKind};
use grammar::ExceptionClaim;
use serde::{Deserialize, Serialize};

/// What a claim is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClaimKind {
    /// What the statement printed.
    Output,
    /// The repr of a bare expression's value.
    Value,
    /// The exception the statement raised.
    Exception,
}

/// The judgment on one claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The claim equals what happened (commentary after it allowed).
    Pass,
    /// The claim equals what happened after a named normalization.
    Loose,
    /// The claim is wrong.
    Fail,
    /// The statement never ran.
    Unchecked,
    /// The block cannot run at all (it is not valid Python 3): the claim is listed, not
    /// checked, and does not fail the run (under `--strict-parse` the block itself fails it).
    #[serde(rename = "not-run")]
    NotRun,
}

/// One claim with its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckedClaim {
    /// Markdown line of the statement.
    pub line: LineNo,
    /// Markdown line of the claim text.
    pub claim_line: LineNo,
    /// Markdown line where the claim text ends: `claim_line` plus its further comment lines, at
    /// most the block's last line (an output block's claim: `claim_line`). Not in the JSON: a
    /// report read back has `LineNo::FIRST` here, which readers take as `claim_line`.
    #[serde(skip)]
    pub claim_end_line: LineNo,
    /// What it is about.
    pub kind: ClaimKind,
    /// The claimed text (comment lines joined by `\n`).
    pub claimed: String,
    /// What really happened, rendered as text; `None` when the statement never ran.
    pub actual: Option<String>,
    /// The judgment.
    pub verdict: Verdict,
    /// For `loose`: the normalizations that made it equal, joined by `+`.
    pub normalization: Option<String>,
    /// For `fail` and `unchecked`: why, in words.
    pub reason: Option<String>,
    /// The statement ran after an earlier statement raised.
    pub after_error: bool,
    /// The statement's source.
    #[serde(skip)]
    pub source: String,
}

impl CheckedClaim {
    /// A claim not judged yet: `unchecked`, no actual value, normalization or reason.
    fn new(
        line: LineNo,
        claim_line: LineNo,
        kind: ClaimKind,
        claimed: String,
        source: String,
    ) -> CheckedClaim {
        CheckedClaim {
            line,
            claim_line,
            claim_end_line: claim_line,
            kind,
            claimed,
            actual: None,
            verdict: Verdict::Unchecked,
            normalization: None,
            reason: None,
            after_error: false,
            source,
        }
    }
}

/// How a snippet's run ended, as one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutcomeKind {
    /// Every statement ran and none raised.
    Completed,
    /// Every statement ran (execution continues after an error) and at least one raised.
    Raised,
    /// The snippet ended the process itself (`sys.exit()`, `os._exit()`).
    Exited,
    /// Killed at the wall-clock limit.
    Timeout,
    /// Killed for writing more than the output limit.
    OutputLimit,
    /// Ran out of memory: a `MemoryError`, or killed at the memory cgroup's limit.
    Memory,
    /// The sandbox denied something the snippet tried (network, process creation, a write
    /// outside the scratch dir, ...).
    Blocked,
    /// A required sandbox layer could not be applied; the snippet did not run.
    SandboxFailed,
    /// The result channel broke the protocol (a forged or garbled record).
    Tampered,
    /// The process died (signal, or an exit before the snippet finished).
    Crashed,
    /// The block is not valid Python.
    Unparsable,
    /// The configured prelude raised.
    SetupFailed,
    /// The block's fence is never closed; it was not run.
    Unterminated,
    /// A `skip` directive or setting: not run, on purpose.
    Skipped,
    /// snipcheck could not run the snippet.
    RunnerError,
}

/// `SnippetError::expected_by` of a block that does not parse, reported without failing the
/// run (no `--strict-parse`).
pub const NOT_PYTHON: &str = "not-python";

/// An error that ended or marred a snippet's run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnippetError {
    /// The exception type, or a snipcheck name (`Timeout`, `Crash`, `UnterminatedFence`, ...).
    #[serde(rename = "type")]
    pub type_name: String,
    /// What happened.
    pub message: String,
    /// Markdown line.
    pub line: Option<LineNo>,
    /// The traceback, if Python produced one.
    #[serde(skip)]
    pub traceback: String,
    /// What the sandbox denied, for a `blocked` outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<String>,
    /// `None`: unexpected. `Some("claim")`: a passing exception claim documents it.
    /// `Some("config")`: `expect-error` in `snipcheck.toml` declares it.
    /// `Some("not-python")` ([`NOT_PYTHON`]): the block does not parse; without
    /// `--strict-parse` that is reported, not failed.
    pub expected_by: Option<&'static str>,
}

impl SnippetError {
    /// `Type: message`, or the type alone when there is no message.
    pub fn headline(&self) -> String {
        if self.message.is_empty() {
            self.type_name.clone()
        } else {
            format!("{}: {}", self.type_name, self.message)
        }
    }
}

/// The judgment on one snippet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnippetCheck {
    /// How the run ended.
    pub outcome: OutcomeKind,
    /// The first error not documented by a passing claim (or, failing that, the first error).
    pub error: Option<SnippetError>,
    /// A declared `expect-error` that did not happen (the snippet now runs: remove it).
    pub missing_expected_error: Option<String>,
    /// The claims in statement order.
    pub claims: Vec<CheckedClaim>,
}

impl SnippetCheck {
    /// Whether the snippet failed in a way nothing declared.
    pub fn is_unexpected_error(&self) -> bool {
        self.missing_expected_error.is_some()
            || self.error.as_ref().is_some_and(|e| e.expected_by.is_none())
    }
}

/// Judges one snippet's claims against its outcome.
pub fn check(block: &Block, settings: Option<&SnippetSettings>, outcome: &Outcome) -> SnippetCheck {
    if settings.is_some_and(|s| s.skip.is_some()) && !block.unterminated {
        return SnippetCheck {
            outcome: OutcomeKind::Skipped,
            error: None,
            missing_expected_error: None,
            claims: Vec::new(),
        };
    }
    if block.unterminated {
        return SnippetCheck {
            outcome: OutcomeKind::Unterminated,
            error: Some(SnippetError {
                type_name: "UnterminatedFence".to_owned(),
                message: format!(
                    "the code fence opened at line {} is never closed, so the block runs to the end of its container (the document, or the list item or quote it is in); it was not run",
                    block.fence_line
                ),
                line: Some(block.fence_line),
                traceback: String::new(),
                blocked: None,
                expected_by: None,
            }),
            missing_expected_error: None,
            claims: Vec::new(),
        };
    }
    if let Some(error) = &outcome.unparsable {
        let mut error_report = from_facts(error, block.first_line);
        // Values its comments state in words are claims too, listed but not run.
        let mut claims: Vec<CheckedClaim> = outcome
            .unparsable_comments
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
                    error_report.headline()
                ));
                Some(claim)
            })
            .collect();
        claims.extend(
            block
                .output
                .as_ref()
                .and_then(|output| judge_compile_error(block, output, error)),
        );
        // An output block showing the SyntaxError documents it.
        if claims
            .iter()
            .any(|c| matches!(c.verdict, Verdict::Pass | Verdict::Loose))
        {
            error_report.expected_by = Some("claim");
        }
        end_claims(&mut claims, block);
        return SnippetCheck {
            outcome: OutcomeKind::Unparsable,
            error: Some(error_report),
            missing_expected_error: None,
            claims,
        };
    }
    let statements = outcome.statements.as_deref().unwrap_or(&[]);
    let stop = stop_reason(outcome, statements);
    let mut claims: Vec<CheckedClaim> = statements
        .iter()
        .filter_map(|statement| judge(statement, outcome.execution(statement.index), &stop))
        .collect();
    // Nested prints' claims come after the top-level statements': put them in line order.
    claims.sort_by_key(|claim| claim.line);
    if let Some(output) = &block.output {
        claims.push(judge_output_block(block, output, outcome, &stop));
    }
    let (kind, mut error) = ending(block, outcome, statements, &claims);
    // An output block that shows the traceback the snippet ends with documents that error.
    if let (Some(err), Some(claim)) = (error.as_mut(), claims.last())
        && block.output.is_some()
        && claim.kind == ClaimKind::Exception
        && claim.verdict != Verdict::Fail
        && claim.verdict != Verdict::Unchecked
        && err.expected_by.is_none()
    {
        err.expected_by = Some("claim");
    }
    let mut missing_expected_error = None;
    if let Some(expect) = settings.and_then(|s| s.expect_error.as_ref()) {
        match error.as_mut() {
            Some(err) if err.expected_by.is_none() && names_type(&expect.error, err) => {
                err.expected_by = Some("config");
            }
            Some(_) => {}
            None => {
                missing_expected_error = Some(format!(
                    "expect-error {:?} is declared (snipcheck.toml or a directive), but the snippet raised nothing; remove it",
                    expect.error
                ));
            }
        }
    }
    end_claims(&mut claims, block);
    SnippetCheck {
        outcome: kind,
        error,
        missing_expected_error,
        claims,
    }
}

/// Sets where each claim's text ends, within the block's code.
fn end_claims(claims: &mut [CheckedClaim], block: &Block) {
    for claim in claims {
        let more = u32::try_from(claim.claimed.lines().count().max(1) - 1).unwrap_or(0);
        claim.claim_end_line = claim
            .claim_line
            .plus(more)
            .min(block.end_line)
            .max(claim.claim_line);
    }
}

/// Why statements after a point never ran, if they did not.
struct Stop {
    reason: String,
}

fn stop_reason(outcome: &Outcome, statements: &[Statement]) -> Stop {
    let running = outcome.executions.last().map(|e| e.index + 1).unwrap_or(0);
    let at = statements
        .get(running)
        .map(|s| format!(" at line {}", s.line))
        .unwrap_or_default();
    let reason = if outcome.sandbox_failed {
        "a sandbox layer could not be applied, so the snippet did not run".to_owned()
    } else if outcome.protocol_violation.is_some() {
        "the result channel was tampered with, so no record after it is trusted".to_owned()
    } else if outcome.prelude_error.is_some() {
        "the prelude from snipcheck.toml raised, so the snippet did not run".to_owned()
    } else if let Some(bytes) = outcome.output_limited {
        format!("the snippet was stopped for writing more than {bytes} bytes")
    } else if let Some(code) = &outcome.exit {
        format!(
            "sys.exit({}) ended the script before this statement",
            exit_argument(code.as_ref())
        )
    } else {
        match &outcome.end {
            End::Timeout { seconds } => format!("the snippet timed out after {seconds} s{at}"),
            End::OutputLimit { bytes } => {
                format!("the snippet was stopped for writing more than {bytes} bytes{at}")
            }
            End::MemoryLimit { bytes } => {
                format!(
                    "the snippet was killed out of memory (its share: {} MiB){at}",
                    bytes >> 20
                )
            }
            End::Signaled { signal } => format!("the snippet was killed by signal {signal}{at}"),
            End::Exited { status } => format!("the process exited (status {status}){at}"),
            End::RunnerError { message } => format!("snipcheck could not run it: {message}"),
            End::NotRun => "the snippet was not run".to_owned(),
        }
    };
    Stop { reason }
}

fn judge(
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
    let mut calls = Vec::new();
    for statement in statements {
        if statement.kind == StatementKind::Example {
            continue;
        }
        let execution = outcome.execution(statement.index);
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
            _ => "the statement prints nothing and has no value (an assignment, import, ...)"
                .to_owned(),
        };
        if output_like || exception_like || printed || value.is_some() {
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

/// The claim's first line and text: a trailing comment, else the comment lines below.
fn claimed_text(statement: &Statement) -> Option<(LineNo, String)> {
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

fn judge_exception(claim: &mut CheckedClaim, expected: &ExceptionClaim, execution: &Execution) {
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

fn ending(
    block: &Block,
    outcome: &Outcome,
    statements: &[Statement],
    claims: &[CheckedClaim],
) -> (OutcomeKind, Option<SnippetError>) {
    let running_line = || {
        let next = outcome.executions.last().map(|e| e.index + 1).unwrap_or(0);
        statements
            .get(next)
            .map(|s| s.line)
            .or(Some(block.first_line))
    };
    let synthetic = |type_name: &str, message: String| SnippetError {
        type_name: type_name.to_owned(),
        message,
        line: running_line(),
        traceback: String::new(),
        blocked: None,
        expected_by: None,
    };
    if outcome.sandbox_failed {
        let failed = outcome
            .layers
            .iter()
            .find(|l| l.status == crate::run::sandbox::LayerStatus::Failed)
            .map(|l| format!("layer {:?} could not be applied: {}", l.name, l.detail))
            .unwrap_or_else(|| "a sandbox layer could not be applied".to_owned());
        return (
            OutcomeKind::SandboxFailed,
            Some(synthetic(
                "SandboxError",
                format!("{failed}; the snippet did not run"),
            )),
        );
    }
    if let Some(error) = &outcome.prelude_error {
        let mut err = from_facts(error, block.first_line);
        err.message = format!("the prelude from snipcheck.toml raised: {}", err.message);
        return (OutcomeKind::SetupFailed, Some(err));
    }
    let first_error = first_exception(outcome, claims);
    if let Some(bytes) = outcome.output_limited {
        let mut error = synthetic(
            "OutputLimit",
            format!("stopped for writing more than {bytes} bytes; the output is truncated"),
        );
        error.line = outcome.executions.last().map(|e| e.line).or(error.line);
        return (OutcomeKind::OutputLimit, Some(error));
    }
    match &outcome.end {
        End::Timeout { seconds } => (
            OutcomeKind::Timeout,
            Some(synthetic(
                "Timeout",
                format!("killed after {seconds} s of wall-clock time"),
            )),
        ),
        End::OutputLimit { bytes } => (
            OutcomeKind::OutputLimit,
            Some(synthetic(
                "OutputLimit",
                format!("killed for writing more than {bytes} bytes"),
            )),
        ),
        End::MemoryLimit { bytes } => (
            OutcomeKind::Memory,
            Some(synthetic(
                "MemoryLimit",
                format!(
                    "killed by the kernel's OOM killer: the run's memory cgroup was full (this snippet's share: {} MiB)",
                    bytes >> 20
                ),
            )),
        ),
        End::Signaled { signal } => (
            OutcomeKind::Crashed,
            Some(synthetic(
                "Crash",
                format!("the process was killed by signal {signal}"),
            )),
        ),
        End::RunnerError { message } => (
            OutcomeKind::RunnerError,
            Some(synthetic("RunnerError", message.clone())),
        ),
        End::NotRun => (
            OutcomeKind::RunnerError,
            Some(synthetic("RunnerError", "not run".to_owned())),
        ),
        End::Exited { status } => {
            // The process ended by itself: now what it wrote decides, unless it broke the
            // protocol. (A crash or timeout above is reported as such whatever it wrote.)
            if let Some(violation) = &outcome.protocol_violation {
                return (
                    OutcomeKind::Tampered,
                    Some(synthetic(
                        "Tampered",
                        format!(
                            "the result channel broke the protocol ({violation}); a snippet wrote to it"
                        ),
                    )),
                );
            }

            if let Some(code) = &outcome.exit {
                // As `python3 file.py` exits: None, 0 and False are success.
                let success = matches!(
                    code,
                    None | Some(serde_json::Value::Null) | Some(serde_json::Value::Bool(false))
                ) || code.as_ref().and_then(|c| c.as_i64()) == Some(0);
                let error = if success {
                    first_error
                } else {
                    let mut error = synthetic(
                        "SystemExit",
                        format!(
                            "sys.exit({}) ended the script with a failure status",
                            exit_argument(code.as_ref())
                        ),
                    );
                    error.line = outcome
                        .executions
                        .iter()
                        .rev()
                        .find(|e| e.exit_code.is_some())
                        .or(outcome.executions.last())
                        .map(|e| e.line)
                        .or(error.line);
                    Some(error)
                };
                return (OutcomeKind::Exited, error);
            }
            if outcome.finished && *status == 0 {
                let kind = match &first_error {
                    Some(err) if err.expected_by.is_none() && err.blocked.is_some() => {
                        OutcomeKind::Blocked
                    }
                    Some(err) if err.expected_by.is_none() && err.type_name == "MemoryError" => {
                        OutcomeKind::Memory
                    }
                    _ if outcome.executions.iter().any(|e| e.exception.is_some()) => {
                        OutcomeKind::Raised
                    }
                    _ => OutcomeKind::Completed,
                };
                return (kind, first_error);
            }
            if *status == 0 {
                return (OutcomeKind::Exited, first_error);
            }
            let mut message =
                format!("the process exited with status {status} before the snippet finished");
            let tail: String = outcome
                .stray_output
                .lines()
                .rev()
                .take(3)
                .collect::<Vec<_>>()
                .join(" | ");
            if !tail.is_empty() {
                message.push_str(&format!(" ({tail})"));
            }
            (OutcomeKind::Crashed, Some(synthetic("Crash", message)))
        }
    }
}

/// The first raised exception not documented by a passing exception claim; failing that, the
/// first documented one (marked as expected by the claim).
/// The output block of a Python block (`Output:` and a code block below it): a claim on the
/// whole block's stdout, or, when it shows a traceback, on the exception the block ends with.
/// An output block under a block that does not compile, when it shows the compiler's error
/// (`SyntaxError: invalid syntax`, with or without the `File "...", line N` lines above it):
/// an exception claim on the compile error. Other output under such a block claims nothing
/// checkable, and is not a claim.
fn judge_compile_error(
    block: &Block,
    output: &crate::read::block::OutputBlock,
    error: &ErrorFacts,
) -> Option<CheckedClaim> {
    let claimed = output.text.trim_end().to_owned();
    let last = claimed.lines().last().unwrap_or("").trim();
    let expected = grammar::exception_claim(last)?;
    let mut claim = CheckedClaim::new(
        block.first_line,
        output.line,
        ClaimKind::Exception,
        claimed,
        block.code.lines().next().unwrap_or("").to_owned(),
    );
    let execution = Execution {
        index: 0,
        line: block.first_line,
        stdout: String::new(),
        stderr: String::new(),
        value: None,
        exception: Some(error.clone()),
        after_error: false,
        exit_code: None,
        doctest: None,
    };
    judge_exception(&mut claim, &expected, &execution);
    Some(claim)
}

fn judge_output_block(
    block: &Block,
    output: &crate::read::block::OutputBlock,
    outcome: &Outcome,
    stop: &Stop,
) -> CheckedClaim {
    let claimed = output.text.trim_end().to_owned();
    let traceback = claimed.contains("Traceback (most recent call last):");
    let kind = if traceback {
        ClaimKind::Exception
    } else {
        ClaimKind::Output
    };
    let mut claim = CheckedClaim::new(
        block.first_line,
        output.line,
        kind,
        claimed.clone(),
        block.code.lines().next().unwrap_or("").to_owned(),
    );
    if traceback {
        let raised = outcome.executions.iter().find_map(|e| e.exception.as_ref());
        let last = claimed.lines().last().unwrap_or("").trim();
        let expected = grammar::exception_claim(last).unwrap_or(ExceptionClaim {
            type_name: last.to_owned(),
            message: None,
        });
        match raised {
            Some(_) => {
                let execution = outcome
                    .executions
                    .iter()
                    .find(|e| e.exception.is_some())
                    .cloned();
                if let Some(execution) = execution {
                    judge_exception(&mut claim, &expected, &execution);
                }
            }
            None if !outcome.finished => claim.reason = Some(stop.reason.clone()),
            None => {
                claim.verdict = Verdict::Fail;
                claim.actual = Some("no exception".to_owned());
                claim.reason = Some(format!(
                    "the output block shows a {} traceback, but the block raised nothing",
                    expected.type_name
                ));
            }
        }
        return claim;
    }
    if !outcome.finished && outcome.exit.is_none() {
        claim.reason = Some(stop.reason.clone());
        return claim;
    }
    let mut actual: String = outcome
        .executions
        .iter()
        .map(|e| e.stdout.as_str())
        .collect();
    actual.push_str(&outcome.epilogue_stdout);
    let actual = actual.trim_end().to_owned();
    let comparison = compare(&claimed, &actual);
    claim.verdict = comparison.verdict;
    claim.normalization = comparison.normalization;
    if claim.verdict == Verdict::Fail {
        claim.reason = Some(if actual.is_empty() {
            "the output block shows output, but the block printed nothing".to_owned()
        } else {
            "the block's output differs from its output block".to_owned()
        });
    }
    claim.actual = Some(actual);
    claim
}

/// An interactive-session example: a claim when it shows expected output or a traceback, judged
/// by doctest's own verdict (so snipcheck agrees with `doctest` on every example).
fn judge_example(
    statement: &Statement,
    execution: Option<&Execution>,
    stop: &Stop,
) -> Option<CheckedClaim> {
    let example = statement.example.as_ref()?;
    let claimed = example.want.trim_end().to_owned();
    if example.skip || claimed.is_empty() {
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
    match execution.doctest.as_deref() {
        Some("success") => {
            claim.verdict = Verdict::Pass;
            claim.actual = Some(match &example.exception {
                Some(exception) => exception.trim_end().to_owned(),
                None => got,
            });
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
        _ => {
            claim.verdict = Verdict::Fail;
            claim.reason = Some(if example.exception.is_some() {
                "doctest: the example did not raise what it shows".to_owned()
            } else {
                "doctest: the output differs from what the session shows".to_owned()
            });
            claim.actual = Some(got);
        }
    }
    Some(claim)
}

fn first_exception(outcome: &Outcome, claims: &[CheckedClaim]) -> Option<SnippetError> {
    let mut documented = None;
    for execution in &outcome.executions {
        let Some(exc) = &execution.exception else {
            continue;
        };
        // An example that shows output has a claim, which already failed for the exception.
        if execution.doctest.is_some() && claims.iter().any(|c| c.line == execution.line) {
            continue;
        }
        let claimed = claims.iter().any(|c| {
            c.line == execution.line
                && c.kind == ClaimKind::Exception
                && matches!(c.verdict, Verdict::Pass | Verdict::Loose)
        });
        let mut error = from_facts(exc, execution.line);
        if claimed {
            error.expected_by = Some("claim");
            documented.get_or_insert(error);
        } else {
            return Some(error);
        }
    }
    documented
}

fn from_facts(facts: &ErrorFacts, fallback: LineNo) -> SnippetError {
    SnippetError {
        type_name: facts.type_name.clone(),
        message: facts.message.clone(),
        line: facts.line.or(Some(fallback)),
        traceback: facts.traceback.clone(),
        blocked: facts.blocked.clone(),
        expected_by: None,
    }
}

/// A `sys.exit()` argument as Python spells it.
fn exit_argument(code: Option<&serde_json::Value>) -> String {
    match code {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::Bool(true)) => "True".to_owned(),
        Some(serde_json::Value::Bool(false)) => "False".to_owned(),
        Some(serde_json::Value::String(text)) => format!("{text:?}"),
        Some(other) => other.to_string(),
    }
}

fn names_type(expected: &str, error: &SnippetError) -> bool {
    let short = |name: &str| name.rsplit('.').next().unwrap_or(name).to_owned();
    short(expected) == short(&error.type_name)
}

/// The result of comparing claimed text with actual text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// `Pass`, `Loose` or `Fail`.
    pub verdict: Verdict,
    /// The normalizations needed, for `Loose`.
    pub normalization: Option<String>,
}

/// A normalization: rewrites a text; the flag says whether it is the actual output (some
/// normalizations apply to one side only).
pub type Normalize = fn(&str, bool) -> String;

/// The normalizations of the `loose` rung, in the order they are tried.
pub const NORMALIZATIONS: &[(&str, Normalize)] = &[
    ("main-prefix", strip_main_prefix),
    ("address", mask_addresses),
    ("whitespace", collapse_whitespace),
];

/// Compares a claim with the actual text: equal (line by line, commentary allowed) is `pass`;
/// equal after the fewest normalizations is `loose`; else `fail`.
pub fn compare(claimed: &str, actual: &str) -> Comparison {
    if matches(claimed, actual) {
        return Comparison {
            verdict: Verdict::Pass,
            normalization: None,
        };
    }
    let n = NORMALIZATIONS.len();
    let mut subsets: Vec<u32> = (1..(1u32 << n)).collect();
    subsets.sort_by_key(|mask| (mask.count_ones(), *mask));
    for mask in subsets {
        let mut c = claimed.to_owned();
        let mut a = actual.to_owned();
        let mut names = Vec::new();
        for (i, (name, normalize)) in NORMALIZATIONS.iter().enumerate() {
            if mask & (1 << i) != 0 {
                c = normalize(&c, false);
                a = normalize(&a, true);
                names.push(*name);
            }
        }
        if matches(&c, &a) {
            return Comparison {
                verdict: Verdict::Loose,
                normalization: Some(names.join("+")),
            };
        }
    }
    Comparison {
        verdict: Verdict::Fail,
        normalization: None,
    }
}

fn matches(claimed: &str, actual: &str) -> bool {
    let claimed: Vec<&str> = claimed.trim_end().lines().collect();
    let actual: Vec<&str> = actual.trim_end().lines().collect();
    claimed.len() == actual.len() && claimed.iter().zip(&actual).all(|(c, a)| line_matches(c, a))
}

fn line_matches(claimed: &str, actual: &str) -> bool {
    let claimed = claimed.trim_end();
    let actual = actual.trim_end();
    claimed == actual
        || (!actual.is_empty()
            && claimed.starts_with(actual)
            && grammar::is_commentary(&claimed[actual.len()..]))
}

fn strip_main_prefix(text: &str, is_actual: bool) -> String {
    if is_actual {
        text.replace("__main__.", "")
    } else {
        text.to_owned()
    }
}

fn mask_addresses(text: &str, _is_actual: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("0x") {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 2..];
        let hex = after.chars().take_while(|c| c.is_ascii_hexdigit()).count();
        if hex > 0 {
            out.push_str("0x…");
            rest = &after[hex..];
        } else if let Some(elided) = ["...", "…"].iter().find_map(|e| after.strip_prefix(e)) {
            // A claim that writes the address as `0x...` means any address.
            out.push_str("0x…");
            rest = elided;
        } else {
            out.push_str("0x");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn collapse_whitespace(text: &str, _is_actual: bool) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_with_and_without_commentary() {
        assert_eq!(
            compare("[1, 2, 3, 4] - both changed!", "[1, 2, 3, 4]").verdict,
            Verdict::Pass
        );
        assert_eq!(compare("True (same values)", "True").verdict, Verdict::Pass);
        assert_eq!(compare("5", "5").verdict, Verdict::Pass);
        assert_eq!(compare("a\nb", "a\nb").verdict, Verdict::Pass);
    }

    #[test]
    fn fail_on_real_differences() {
        assert_eq!(compare("12", "1").verdict, Verdict::Fail);
        assert_eq!(compare("True", "False").verdict, Verdict::Fail);
        assert_eq!(compare("[1, 2] - shared", "[2]").verdict, Verdict::Fail);
        assert_eq!(compare("1 2", "1").verdict, Verdict::Fail);
        assert_eq!(compare("a", "a\nb").verdict, Verdict::Fail);
    }

    #[test]
    fn loose_names_its_normalization() {
        let c = compare(
            "(<class 'D'>, <class 'object'>)",
            "(<class '__main__.D'>, <class 'object'>)",
        );
        assert_eq!(c.verdict, Verdict::Loose);
        assert_eq!(c.normalization.as_deref(), Some("main-prefix"));
        let c = compare("<A object at 0x7f00>", "<__main__.A object at 0x7fab12>");
        assert_eq!(c.normalization.as_deref(), Some("main-prefix+address"));
        let c = compare("1 2 3", "1\n2\n3");
        assert_eq!(c.normalization.as_deref(), Some("whitespace"));
        let c = compare(
            "<__main__.A object at 0x...>",
            "<__main__.A object at 0x7f3a>",
        );
        assert_eq!(c.normalization.as_deref(), Some("address"));
    }

    #[test]
    fn the_claim_never_gets_main_prefix_stripped() {
        // Only the actual output loses `__main__.`: a claim that wrongly adds it fails.
        assert_eq!(
            compare("<class '__main__.D'>", "<class 'D'>").verdict,
            Verdict::Fail
        );
    }
}
