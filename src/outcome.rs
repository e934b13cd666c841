//! Facts about one snippet's run: what the code looks like and what each statement did.
//!
//! An `Outcome` never says pass or fail; `check` judges claims against it. The records arrive
//! from the harness as JSON lines (`Record`), and the runner adds what it observed itself
//! about how the process ended (`End`), which the snippet cannot forge.

use crate::line::LineNo;
use serde::{Deserialize, Serialize};

/// A top-level statement as the harness's `ast`/`tokenize` pass saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// Position among the top-level statements.
    pub index: usize,
    /// First Markdown line.
    pub line: LineNo,
    /// Last Markdown line.
    pub end_line: LineNo,
    /// `print` (a bare `print(...)` call), `expression` (another bare expression), `simple` or
    /// `compound`.
    pub kind: StatementKind,
    /// The statement's source text.
    pub source: String,
    /// A comment at the end of the statement's last line.
    pub trailing_comment: Option<Comment>,
    /// Comment-only lines directly below the statement (when it has no trailing comment).
    pub comments_below: Vec<Comment>,
}

/// What kind of top-level statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatementKind {
    /// A bare `print(...)` call.
    Print,
    /// Any other bare expression.
    Expression,
    /// Any other simple statement (assignment, import, `del`, `raise`, ...).
    Simple,
    /// `def`, `class`, `for`, `if`, `with`, `try`, ...
    Compound,
}

/// A `#` comment with its Markdown line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    /// Markdown line of the comment.
    pub line: LineNo,
    /// The comment text including the leading `#`.
    pub text: String,
}

/// An exception as the harness recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorFacts {
    /// Type name (`TypeError`; `module.Name` outside builtins and `__main__`).
    #[serde(rename = "type")]
    pub type_name: String,
    /// The type's MRO names, most derived first.
    #[serde(default)]
    pub mro: Vec<String>,
    /// `str(exception)`, bounded.
    pub message: String,
    /// Deepest Markdown line of the snippet in the traceback.
    pub line: Option<LineNo>,
    /// The formatted traceback, bounded; Markdown line numbers.
    #[serde(default)]
    pub traceback: String,
}

/// What one top-level statement did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Execution {
    /// Index into the statements.
    pub index: usize,
    /// Markdown line of the statement.
    pub line: LineNo,
    /// What it printed to `sys.stdout`.
    pub stdout: String,
    /// What it printed to `sys.stderr`.
    pub stderr: String,
    /// `repr()` of a bare expression's value, unless `None`.
    pub value: Option<String>,
    /// The exception it raised.
    pub exception: Option<ErrorFacts>,
    /// It ran after an earlier statement had raised (a script would have stopped before it).
    pub after_error: bool,
    /// It called `sys.exit()` with this code (`null` for no code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<serde_json::Value>,
}

/// One JSON line from the harness.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Record {
    /// The interpreter started.
    Start {
        /// `sys.version`'s first word.
        python: String,
    },
    /// The block does not parse.
    Unparsable {
        /// The SyntaxError.
        error: ErrorFacts,
    },
    /// The block parsed; its statements.
    Analysis {
        /// Top-level statements.
        statements: Vec<Statement>,
    },
    /// The configured prelude ran.
    Prelude {
        /// What it printed.
        stdout: String,
        /// What it printed to stderr.
        stderr: String,
        /// What it raised.
        error: Option<ErrorFacts>,
    },
    /// A statement finished.
    Statement(Execution),
    /// The snippet called `sys.exit()`.
    Exit {
        /// The exit code.
        code: Option<serde_json::Value>,
    },
    /// The module finished (possibly after errors), threads joined, atexit handlers run.
    End {
        /// The block used top-level `await` and ran in an event loop.
        top_level_await: bool,
        /// Output of atexit handlers and threads after the last statement.
        epilogue_stdout: String,
        /// Stderr after the last statement.
        epilogue_stderr: String,
        /// An exception from the epilogue.
        epilogue_error: Option<ErrorFacts>,
        /// Some captured output was cut at the size limit.
        truncated: bool,
    },
}

/// Everything known about one snippet's run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Outcome {
    /// The Python version that ran it.
    pub python: Option<String>,
    /// The top-level statements (absent when the block did not parse or the run died first).
    pub statements: Option<Vec<Statement>>,
    /// The SyntaxError when the block does not parse.
    pub unparsable: Option<ErrorFacts>,
    /// The prelude's error, if it raised.
    pub prelude_error: Option<ErrorFacts>,
    /// What each statement that finished did, in order.
    pub executions: Vec<Execution>,
    /// The module ran to its end (`End` record seen).
    pub finished: bool,
    /// The snippet used top-level await.
    pub top_level_await: bool,
    /// `sys.exit()` was called with this code.
    pub exit: Option<Option<serde_json::Value>>,
    /// Output after the last statement (atexit handlers, threads).
    pub epilogue_stdout: String,
    /// Output written to the process's own fds, bypassing `sys.stdout`/`sys.stderr`.
    pub stray_output: String,
    /// Captured output was truncated.
    pub truncated: bool,
    /// How the process ended, as the runner observed it.
    pub end: End,
}

/// How the worker process ended, observed by the parent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum End {
    /// Not run (e.g. an unterminated fence).
    #[default]
    NotRun,
    /// Exited with this status.
    Exited {
        /// The exit status.
        status: i32,
    },
    /// Killed by this signal (not by the runner).
    Signaled {
        /// The signal number.
        signal: i32,
    },
    /// Killed by the runner at the wall-clock limit.
    Timeout {
        /// The limit, in seconds.
        seconds: f64,
    },
    /// Killed by the runner for writing more than the output limit.
    OutputLimit {
        /// The limit, in bytes.
        bytes: usize,
    },
    /// The worker could not be started or spoke garbage.
    RunnerError {
        /// What went wrong.
        message: String,
    },
}

impl Outcome {
    /// Folds the harness's records into an outcome.
    pub fn from_records(records: impl IntoIterator<Item = Record>, end: End) -> Outcome {
        let mut outcome = Outcome {
            end,
            ..Outcome::default()
        };
        for record in records {
            match record {
                Record::Start { python } => outcome.python = Some(python),
                Record::Unparsable { error } => outcome.unparsable = Some(error),
                Record::Analysis { statements } => outcome.statements = Some(statements),
                Record::Prelude { error, .. } => outcome.prelude_error = error,
                Record::Statement(execution) => outcome.executions.push(execution),
                Record::Exit { code } => outcome.exit = Some(code),
                Record::End {
                    top_level_await,
                    epilogue_stdout,
                    epilogue_stderr: _,
                    epilogue_error: _,
                    truncated,
                } => {
                    outcome.finished = true;
                    outcome.top_level_await = top_level_await;
                    outcome.epilogue_stdout = epilogue_stdout;
                    outcome.truncated |= truncated;
                }
            }
        }
        outcome
    }

    /// The record of statement `index`, if it finished.
    pub fn execution(&self, index: usize) -> Option<&Execution> {
        self.executions.iter().find(|e| e.index == index)
    }
}
