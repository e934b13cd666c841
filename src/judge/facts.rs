//! Hand-built blocks and outcomes for the judging tests: one-line statements, statement `i` on
//! Markdown line `i + 2` (the fence is line 1), and what each did.

use crate::config::{ExpectError, SnippetSettings};
use crate::line::LineNo;
use crate::read::block::{Block, OutputBlock};
use crate::run::outcome::{Comment, End, ErrorFacts, Execution, Outcome, Statement, StatementKind};

/// Markdown line `n`.
pub(super) fn line(n: u32) -> LineNo {
    LineNo::new(n)
}

/// The Markdown line of statement `index`.
fn line_of(index: usize) -> LineNo {
    line(u32::try_from(index).expect("a small index") + 2)
}

/// Statement `index`: `code` up to `  # `, the rest its trailing comment.
pub(super) fn statement(index: usize, kind: StatementKind, code: &str) -> Statement {
    let (source, comment) = match code.split_once("  #") {
        Some((source, comment)) => (source, Some(format!("#{comment}"))),
        None => (code, None),
    };
    Statement {
        index,
        line: line_of(index),
        end_line: line_of(index),
        kind,
        source: source.to_owned(),
        trailing_comment: comment.map(|text| Comment {
            line: line_of(index),
            text,
        }),
        comments_below: Vec::new(),
        string_below: None,
        example: None,
        nested: false,
    }
}

/// The record of statement `index`, which printed `stdout` and raised nothing.
pub(super) fn printed(index: usize, stdout: &str) -> Execution {
    Execution {
        index,
        line: line_of(index),
        stdout: stdout.to_owned(),
        stderr: String::new(),
        value: None,
        exception: None,
        after_error: false,
        exit_code: None,
        doctest: None,
    }
}

/// The record of statement `index`, a bare expression whose value's repr is `repr`.
pub(super) fn valued(index: usize, repr: &str) -> Execution {
    Execution {
        value: Some(repr.to_owned()),
        ..printed(index, "")
    }
}

/// The record of statement `index`, which raised `error`.
pub(super) fn raised(index: usize, error: ErrorFacts) -> Execution {
    Execution {
        exception: Some(error),
        ..printed(index, "")
    }
}

/// An exception `type_name: message` whose bases are `bases` (most derived first).
pub(super) fn error(type_name: &str, message: &str, bases: &[&str]) -> ErrorFacts {
    ErrorFacts {
        type_name: type_name.to_owned(),
        mro: std::iter::once(type_name)
            .chain(bases.iter().copied())
            .map(str::to_owned)
            .collect(),
        message: message.to_owned(),
        blocked: None,
        line: None,
        traceback: format!("Traceback (most recent call last):\n{type_name}: {message}"),
    }
}

/// A run that went through every record in `executions` and exited with status 0.
pub(super) fn finished(statements: Vec<Statement>, executions: Vec<Execution>) -> Outcome {
    Outcome {
        statements: Some(statements),
        executions,
        finished: true,
        end: End::Exited { status: 0 },
        ..Outcome::default()
    }
}

/// A run that stopped after `executions` and ended as `end`.
pub(super) fn stopped(statements: Vec<Statement>, executions: Vec<Execution>, end: End) -> Outcome {
    Outcome {
        finished: false,
        end,
        ..finished(statements, executions)
    }
}

/// The block the outcome's statements were read from (with their trailing comments).
pub(super) fn block(outcome: &Outcome) -> Block {
    let statements = outcome.statements.as_deref().unwrap_or(&[]);
    let code: String = statements
        .iter()
        .map(|s| match &s.trailing_comment {
            Some(comment) => format!("{}  {}\n", s.source, comment.text),
            None => format!("{}\n", s.source),
        })
        .collect();
    Block {
        section: None,
        info: "python".to_owned(),
        fence_line: line(1),
        first_line: line(2),
        end_line: line_of(statements.len().max(1) - 1),
        // The fence line, the code and the closing fence, as a Markdown reader would span it.
        span: 0..code.len() + "```python\n```".len(),
        code,
        unterminated: false,
        directives: None,
        output: None,
        setup: None,
        python: None,
    }
}

/// `block`, followed by an output block showing `text`.
pub(super) fn with_output(mut block: Block, text: &str) -> Block {
    let label = block.end_line.plus(2);
    block.output = Some(OutputBlock {
        label_line: label,
        line: label.plus(3),
        text: text.to_owned(),
        python: None,
    });
    block
}

/// Settings that declare `expect-error = type_name`.
pub(super) fn expecting(type_name: &str) -> SnippetSettings {
    SnippetSettings {
        expect_error: Some(ExpectError {
            error: type_name.to_owned(),
            reason: "needs a name defined elsewhere".to_owned(),
        }),
        ..SnippetSettings::default()
    }
}
