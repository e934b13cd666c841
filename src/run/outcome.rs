//! Facts about one snippet's run: what the code looks like and what each statement did.
//!
//! An `Outcome` never says pass or fail; `judge::check` judges claims against it. It is folded
//! from the records the child writes (`protocol::Record`), and the runner adds what it
//! observed itself about how the process ended (`End`), which the snippet cannot forge.

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
    /// For a names request: what each block reads and binds.
    #[serde(skip)]
    pub names: Option<Vec<crate::run::protocol::BlockNames>>,
}

/// How the snippet's child process ended, as the runner observed it.
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
    /// The runner could not run it (the zygote did not start, died, or spoke garbage).
    RunnerError {
        /// What went wrong.
        message: String,
    },
}

impl Outcome {
    /// The record of statement `index`, if it finished (the first, if there are several).
    /// For a lookup per statement, index them once with [`Outcome::by_index`].
    pub fn execution(&self, index: usize) -> Option<&Execution> {
        self.executions.iter().find(|e| e.index == index)
    }

    /// The execution records by statement index (the first of each), for looking up every
    /// statement in linear time: a block of 50,000 statements is judged in milliseconds, not
    /// the seconds a search per statement takes.
    pub fn by_index(&self) -> std::collections::HashMap<usize, &Execution> {
        let mut records = std::collections::HashMap::with_capacity(self.executions.len());
        for execution in &self.executions {
            records.entry(execution.index).or_insert(execution);
        }
        records
    }
}
