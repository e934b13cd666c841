//! Output blocks (`Output:` and a code block below a Python block): a claim on the whole
//! block's stdout, or, when it shows a traceback, on the exception the block ends with; under a
//! block that does not compile, on the compiler's error.

use super::claims::judge_exception;
use super::ending::Stop;
use super::grammar::{self, ExceptionClaim};
use super::normalize::compare;
use super::{CheckedClaim, ClaimKind, Verdict};
use crate::read::block::{Block, OutputBlock};
use crate::run::outcome::{ErrorFacts, Execution, Outcome};

/// The output block of a Python block: a claim on the whole block's stdout, or, when it shows a
/// traceback, on the exception the block ends with.
pub(super) fn judge_output_block(
    block: &Block,
    output: &OutputBlock,
    outcome: &Outcome,
    stop: &Stop,
) -> CheckedClaim {
    let claimed = without_command(output.text.trim_end()).to_owned();
    // Output labelled for other Pythons (`Output (<= 3.7.x):`) is compared only on one of them.
    if let (Some(range), Some(python)) = (&output.python, &outcome.python)
        && !crate::read::block::python_in_range(python, range)
    {
        let mut claim = CheckedClaim::new(
            block.first_line,
            output.line,
            ClaimKind::Output,
            claimed,
            block.code.lines().next().unwrap_or("").to_owned(),
        );
        claim.verdict = Verdict::Unjudged;
        claim.reason = Some(format!(
            "the label says this is the output of Python {range}; this is Python {python}, so it is not compared"
        ));
        return claim;
    }
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

/// An output block that starts with the command that ran the script (`$ python3 list.py`, as a
/// shell session shows it) claims the output after it: the command is not output.
fn without_command(text: &str) -> &str {
    let first = text.lines().next().unwrap_or("");
    let command = ["$ ", "% "]
        .iter()
        .find_map(|prompt| first.trim_start().strip_prefix(prompt))
        .is_some_and(|command| {
            command.split_whitespace().next().is_some_and(|program| {
                program
                    .rsplit('/')
                    .next()
                    .is_some_and(|p| p.starts_with("python"))
            })
        });
    if command {
        text.split_once('\n').map_or("", |(_, rest)| rest)
    } else {
        text
    }
}

/// An output block under a block that does not compile, when it shows the compiler's error
/// (`SyntaxError: invalid syntax`, with or without the `File "...", line N` lines above it):
/// an exception claim on the compile error. Other output under such a block claims nothing
/// checkable, and is not a claim.
pub(super) fn judge_compile_error(
    block: &Block,
    output: &OutputBlock,
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
