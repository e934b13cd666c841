//! Facts about one snippet's run: what the code looks like and what each statement did.
//!
//! An `Outcome` never says pass or fail; `check` judges claims against it. The records arrive
//! from the harness as JSON lines (`Record`), and the runner adds what it observed itself
//! about how the process ended (`End`), which the snippet cannot forge.

use crate::line::LineNo;
use crate::run::sandbox::Layer;
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
    /// A bare triple-quoted string right below a `print(...)` with no comment: its output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string_below: Option<Comment>,
    /// For an example of an interactive session: what doctest expects of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<Example>,
    /// A `print(...)` nested in a compound statement whose output the text marks (`#>` lines
    /// or a string below it): its record holds that print's own output, each time it ran.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nested: bool,
}

/// What an interactive-session example expects, as CPython's doctest parsed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    /// The expected output (up to the next prompt or blank line), possibly a traceback.
    pub want: String,
    /// Markdown line of the expected output's first line.
    pub want_line: LineNo,
    /// The expected exception's last line (`ValueError: msg`), when `want` is a traceback.
    pub exception: Option<String>,
    /// `# doctest: +SKIP`: not run, not a claim.
    pub skip: bool,
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
    /// One example (`>>> ...`) of an interactive session.
    Example,
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
    /// What the sandbox denied, when this is a `PermissionError` from a sandbox layer
    /// (`network`, `process creation`, `write outside scratch`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<String>,
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
    /// For an interactive-session example, doctest's verdict: `success`, `failure` or
    /// `exception`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doctest: Option<String>,
}

/// One JSON line from the harness.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Record {
    /// The child's sandbox layers, written before any snippet code runs.
    Sandbox {
        /// Each layer as applied.
        layers: Vec<Layer>,
        /// A required layer failed; the snippet did not run.
        failed: bool,
    },
    /// The interpreter started.
    Start {
        /// `sys.version`'s first word.
        python: String,
    },
    /// The block does not parse.
    Unparsable {
        /// The SyntaxError.
        error: ErrorFacts,
        /// Comments at the end of code lines, as far as tokenize got.
        #[serde(default)]
        comments: Vec<Comment>,
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
    /// The snippet wrote past the output cap and was stopped.
    #[serde(rename = "output-limit")]
    OutputLimit {
        /// The cap, in bytes.
        bytes: usize,
    },
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
    /// The sandbox layers as the child applied them.
    pub layers: Vec<Layer>,
    /// A required sandbox layer failed, so no snippet code ran.
    pub sandbox_failed: bool,
    /// The result channel broke the protocol (a forged or garbled record): its records are
    /// not to be trusted.
    pub protocol_violation: Option<String>,
    /// The snippet's peak resident memory, in bytes.
    pub peak_memory_bytes: u64,
    /// The harness stopped the snippet for writing past the output cap (this many bytes).
    pub output_limited: Option<usize>,
    /// The Python version that ran it.
    pub python: Option<String>,
    /// The top-level statements (absent when the block did not parse or the run died first).
    pub statements: Option<Vec<Statement>>,
    /// The SyntaxError when the block does not parse.
    pub unparsable: Option<ErrorFacts>,
    /// For a block that does not parse: the comments at the end of its code lines.
    pub unparsable_comments: Vec<Comment>,
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
    /// Killed by the kernel for passing the memory cgroup's limit.
    MemoryLimit {
        /// The limit, in bytes.
        bytes: u64,
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
    /// Parses the result channel's JSON lines and folds them into an outcome, checking that
    /// they follow the protocol: sandbox, start, then `unparsable` or analysis, prelude,
    /// statements in strictly increasing order, an optional exit, and end, with nothing after.
    /// A line cut off by a kill (no final newline) is ignored; anything else out of place is
    /// recorded as a protocol violation.
    pub fn from_result_channel(bytes: &[u8], end: End) -> Outcome {
        let mut outcome = Outcome {
            end,
            ..Outcome::default()
        };
        let complete = match bytes.iter().rposition(|&b| b == b'\n') {
            Some(last) => &bytes[..=last],
            None => &[][..],
        };
        let mut stage = Stage::Sandbox;
        for (number, line) in complete.split(|&b| b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            let record = match serde_json::from_slice::<Record>(line) {
                Ok(record) => record,
                Err(err) => {
                    outcome.violate(format!("record {} is not valid: {err}", number + 1));
                    break;
                }
            };
            match stage.next(&record, &outcome.executions) {
                Some(next) => stage = next,
                None => {
                    outcome.violate(format!(
                        "record {} ({}) is out of place",
                        number + 1,
                        record.name()
                    ));
                    break;
                }
            }
            outcome.fold(record);
        }
        outcome
    }

    fn violate(&mut self, message: String) {
        self.protocol_violation.get_or_insert(message);
    }

    fn fold(&mut self, record: Record) {
        match record {
            Record::Sandbox { layers, failed } => {
                self.layers = layers;
                self.sandbox_failed = failed;
            }
            Record::Start { python } => self.python = Some(python),
            Record::Unparsable { error, comments } => {
                self.unparsable = Some(error);
                self.unparsable_comments = comments;
            }
            Record::Analysis { statements } => self.statements = Some(statements),
            Record::Prelude { error, .. } => self.prelude_error = error,
            Record::Statement(execution) => self.executions.push(execution),
            Record::Exit { code } => self.exit = Some(code),
            Record::OutputLimit { bytes } => {
                self.output_limited = Some(bytes);
                self.truncated = true;
            }
            Record::End {
                top_level_await,
                epilogue_stdout,
                epilogue_stderr: _,
                epilogue_error: _,
                truncated,
            } => {
                self.finished = true;
                self.top_level_await = top_level_await;
                self.epilogue_stdout = epilogue_stdout;
                self.truncated |= truncated;
            }
        }
    }

    /// The record of statement `index`, if it finished.
    pub fn execution(&self, index: usize) -> Option<&Execution> {
        self.executions.iter().find(|e| e.index == index)
    }
}

impl Record {
    fn name(&self) -> &'static str {
        match self {
            Record::Sandbox { .. } => "sandbox",
            Record::Start { .. } => "start",
            Record::Unparsable { .. } => "unparsable",
            Record::Analysis { .. } => "analysis",
            Record::Prelude { .. } => "prelude",
            Record::Statement(_) => "statement",
            Record::Exit { .. } => "exit",
            Record::OutputLimit { .. } => "output-limit",
            Record::End { .. } => "end",
        }
    }
}

/// Where the result channel is in the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Sandbox,
    Start,
    Analysis,
    Prelude,
    Statements,
    Exited,
    Done,
}

impl Stage {
    fn next(self, record: &Record, executions: &[Execution]) -> Option<Stage> {
        match (self, record) {
            (Stage::Sandbox, Record::Sandbox { failed: false, .. }) => Some(Stage::Start),
            (Stage::Sandbox, Record::Sandbox { failed: true, .. }) => Some(Stage::Done),
            (Stage::Start, Record::Start { .. }) => Some(Stage::Analysis),
            (Stage::Analysis, Record::Unparsable { .. }) => Some(Stage::Done),
            (Stage::Analysis, Record::Analysis { .. }) => Some(Stage::Prelude),
            (Stage::Prelude, Record::Prelude { error: None, .. }) => Some(Stage::Statements),
            (Stage::Prelude, Record::Prelude { error: Some(_), .. }) => Some(Stage::Done),
            (Stage::Statements, Record::Statement(execution)) => {
                let increasing = executions
                    .last()
                    .is_none_or(|last| execution.index > last.index);
                increasing.then_some(if execution.exit_code.is_some() {
                    Stage::Exited
                } else {
                    Stage::Statements
                })
            }
            (
                Stage::Statements | Stage::Exited,
                Record::Exit { .. } | Record::OutputLimit { .. },
            ) => Some(Stage::Exited),
            (Stage::Statements | Stage::Exited, Record::End { .. }) => Some(Stage::Done),
            _ => None,
        }
    }
}
