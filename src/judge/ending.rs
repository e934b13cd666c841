//! How a snippet's run ended: its `OutcomeKind` and the error that ended or marred it, and, for
//! claims on statements that never ran, why they did not.
//!
//! The order decides: a sandbox layer that failed, then a prelude that raised, then the output
//! limit, then how the process ended (a kill or crash whatever it wrote; an exit of its own
//! judged by what it wrote).

use super::{CheckedClaim, ClaimKind, ExpectedBy, OutcomeKind, SnippetError, Verdict};
use crate::line::LineNo;
use crate::read::block::Block;
use crate::run::outcome::{End, ErrorFacts, Outcome, Statement};
use crate::run::sandbox::LayerStatus;

/// Why statements after a point never ran, if they did not.
pub(super) struct Stop {
    /// In words, for the `reason` of an `unchecked` claim.
    pub(super) reason: String,
}

/// Why the statements that have no execution record never ran.
pub(super) fn stop_reason(outcome: &Outcome, statements: &[Statement]) -> Stop {
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

/// How the snippet ended, and the error to report (see the module's order).
pub(super) fn ending(
    block: &Block,
    outcome: &Outcome,
    statements: &[Statement],
    claims: &[CheckedClaim],
) -> (OutcomeKind, Option<SnippetError>) {
    // The statement that was running when the snippet stopped (the block's first line when none
    // had finished): where an error snipcheck names itself points.
    let next = outcome.executions.last().map(|e| e.index + 1).unwrap_or(0);
    let running = statements
        .get(next)
        .map(|s| s.line)
        .or(Some(block.first_line));
    if outcome.sandbox_failed {
        let failed = outcome
            .layers
            .iter()
            .find(|l| l.status == LayerStatus::Failed)
            .map(|l| format!("layer {:?} could not be applied: {}", l.name, l.detail))
            .unwrap_or_else(|| "a sandbox layer could not be applied".to_owned());
        let message = format!("{failed}; the snippet did not run");
        return (
            OutcomeKind::SandboxFailed,
            Some(synthetic("SandboxError", message, running)),
        );
    }
    if let Some(error) = &outcome.prelude_error {
        let mut err = from_facts(error, block.first_line);
        err.message = format!("the prelude from snipcheck.toml raised: {}", err.message);
        return (OutcomeKind::SetupFailed, Some(err));
    }
    if let Some(bytes) = outcome.output_limited {
        let message =
            format!("stopped for writing more than {bytes} bytes; the output is truncated");
        let line = outcome.executions.last().map(|e| e.line).or(running);
        return (
            OutcomeKind::OutputLimit,
            Some(synthetic("OutputLimit", message, line)),
        );
    }
    // A process that did not end by itself (killed, or never started) is reported as such
    // whatever it wrote.
    let (kind, type_name, message) = match &outcome.end {
        End::Exited { status } => return exited(outcome, *status, claims, running),
        End::Timeout { seconds } => (
            OutcomeKind::Timeout,
            "Timeout",
            format!("killed after {seconds} s of wall-clock time"),
        ),
        End::OutputLimit { bytes } => (
            OutcomeKind::OutputLimit,
            "OutputLimit",
            format!("killed for writing more than {bytes} bytes"),
        ),
        End::MemoryLimit { bytes } => (
            OutcomeKind::Memory,
            "MemoryLimit",
            format!(
                "killed by the kernel's OOM killer: the run's memory cgroup was full (this snippet's share: {} MiB)",
                bytes >> 20
            ),
        ),
        End::Signaled { signal } => (
            OutcomeKind::Crashed,
            "Crash",
            format!("the process was killed by signal {signal}"),
        ),
        End::RunnerError { message } => (OutcomeKind::RunnerError, "RunnerError", message.clone()),
        End::NotRun => (
            OutcomeKind::RunnerError,
            "RunnerError",
            "not run".to_owned(),
        ),
    };
    (kind, Some(synthetic(type_name, message, running)))
}

/// A process that ended by itself: now what it wrote decides, unless it broke the protocol.
fn exited(
    outcome: &Outcome,
    status: i32,
    claims: &[CheckedClaim],
    running: Option<LineNo>,
) -> (OutcomeKind, Option<SnippetError>) {
    if let Some(violation) = &outcome.protocol_violation {
        let message = format!(
            "the result channel broke the protocol: {violation}; its records are not trusted"
        );
        return (
            OutcomeKind::Tampered,
            Some(synthetic("Tampered", message, running)),
        );
    }
    let first_error = first_exception(outcome, claims);
    if let Some(code) = &outcome.exit {
        return (
            OutcomeKind::Exited,
            system_exit(outcome, code.as_ref(), first_error, running),
        );
    }
    if outcome.finished && status == 0 {
        let kind = match &first_error {
            Some(err) if err.expected_by.is_none() && err.blocked.is_some() => OutcomeKind::Blocked,
            Some(err) if err.expected_by.is_none() && err.type_name == "MemoryError" => {
                OutcomeKind::Memory
            }
            _ if outcome.executions.iter().any(|e| e.exception.is_some()) => OutcomeKind::Raised,
            _ => OutcomeKind::Completed,
        };
        return (kind, first_error);
    }
    if status == 0 {
        return (OutcomeKind::Exited, first_error);
    }
    let message = crash_message(status, &outcome.stray_output);
    (
        OutcomeKind::Crashed,
        Some(synthetic("Crash", message, running)),
    )
}

/// The error of a snippet that called `sys.exit(code)`: none of its own for a success status
/// (as `python3 file.py` exits: `None`, `0` and `False`), so the first exception if any.
fn system_exit(
    outcome: &Outcome,
    code: Option<&serde_json::Value>,
    first_error: Option<SnippetError>,
    running: Option<LineNo>,
) -> Option<SnippetError> {
    let success = matches!(
        code,
        None | Some(serde_json::Value::Null) | Some(serde_json::Value::Bool(false))
    ) || code.and_then(|c| c.as_i64()) == Some(0);
    if success {
        return first_error;
    }
    let message = format!(
        "sys.exit({}) ended the script with a failure status",
        exit_argument(code)
    );
    let line = outcome
        .executions
        .iter()
        .rev()
        .find(|e| e.exit_code.is_some())
        .or(outcome.executions.last())
        .map(|e| e.line)
        .or(running);
    Some(synthetic("SystemExit", message, line))
}

/// A process that exited with `status` before the snippet finished, with the last three lines
/// it wrote straight to its fds.
fn crash_message(status: i32, stray_output: &str) -> String {
    let mut message =
        format!("the process exited with status {status} before the snippet finished");
    let tail: String = stray_output
        .lines()
        .rev()
        .take(3)
        .collect::<Vec<_>>()
        .join(" | ");
    if !tail.is_empty() {
        message.push_str(&format!(" ({tail})"));
    }
    message
}

/// An error snipcheck names itself (`Timeout`, `Crash`, ...): no traceback, not expected.
fn synthetic(type_name: &str, message: String, line: Option<LineNo>) -> SnippetError {
    SnippetError {
        type_name: type_name.to_owned(),
        message,
        line,
        traceback: String::new(),
        blocked: None,
        needs_python: None,
        expected_by: None,
    }
}

/// The first raised exception not documented by a passing exception claim; failing that, the
/// first documented one (marked as expected by the claim).
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
            error.expected_by = Some(ExpectedBy::Claim);
            documented.get_or_insert(error);
        } else {
            return Some(error);
        }
    }
    documented
}

/// The error Python reported, at its own line or else at `fallback`.
pub(super) fn from_facts(facts: &ErrorFacts, fallback: LineNo) -> SnippetError {
    SnippetError {
        type_name: facts.type_name.clone(),
        message: facts.message.clone(),
        line: facts.line.or(Some(fallback)),
        traceback: facts.traceback.clone(),
        blocked: facts.blocked.clone(),
        needs_python: None,
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
