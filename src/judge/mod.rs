//! Judging: every claim of a snippet against what really happened.
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
//!
//! This file holds the judgment's types, [`judge_snippet`] and [`check`]; each kind of claim, the snippet's ending
//! and the normalizations have a file of their own.

mod claims;
mod ending;
mod example;
#[cfg(test)]
mod facts;
pub mod grammar;
mod normalize;
mod output_block;
#[cfg(test)]
mod tests;
pub mod versions;

pub use claims::{CloseCall, close_calls};
pub use normalize::{Comparison, NORMALIZATIONS, Normalize, compare, strip_label};

use crate::config::SnippetSettings;
use crate::line::LineNo;
use crate::plan::{Disposition, Snippet};
use crate::read::block::Block;
use crate::run::outcome::{ErrorFacts, Outcome};
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

impl ClaimKind {
    /// The word the JSON report uses.
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimKind::Output => "output",
            ClaimKind::Value => "value",
            ClaimKind::Exception => "exception",
        }
    }
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
    /// It cannot be judged here: the sandbox blocked what it is about, it needs a package
    /// that is not installed, or its output differs between runs. Counted apart; fails the
    /// run only under `--strict`.
    Unjudged,
    /// The block cannot run at all (it is not valid Python 3): the claim is listed, not
    /// checked, and does not fail the run (under `--strict-parse` the block itself fails it).
    #[serde(rename = "not-run")]
    NotRun,
    /// In a run on several Pythons, it holds on some and fails on others
    /// ([`versions::merge`]). Counted apart; fails the run only under `--strict`.
    #[serde(rename = "version-dependent")]
    VersionDependent,
}

impl Verdict {
    /// The word the JSON report uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Loose => "loose",
            Verdict::Fail => "fail",
            Verdict::Unchecked => "unchecked",
            Verdict::Unjudged => "unjudged",
            Verdict::NotRun => "not-run",
            Verdict::VersionDependent => "version-dependent",
        }
    }
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
    /// In a run on several Pythons, each version's verdict (empty: one ran).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<versions::ClaimVersion>,
}

impl CheckedClaim {
    /// A claim not judged yet: `unchecked`, no actual value, normalization or reason.
    pub(crate) fn new(
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
            versions: Vec::new(),
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
    /// The block does not parse on the running Python but does on a newer one installed here:
    /// not judged on this one.
    NeedsNewerPython,
    /// The configured prelude raised.
    SetupFailed,
    /// The block's fence is never closed; it was not run.
    Unterminated,
    /// A `skip` directive or setting: not run, on purpose.
    Skipped,
    /// snipcheck could not run the snippet.
    RunnerError,
}

impl OutcomeKind {
    /// The word the JSON report uses.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Completed => "completed",
            OutcomeKind::Raised => "raised",
            OutcomeKind::Exited => "exited",
            OutcomeKind::Timeout => "timeout",
            OutcomeKind::OutputLimit => "output-limit",
            OutcomeKind::Memory => "memory",
            OutcomeKind::Blocked => "blocked",
            OutcomeKind::SandboxFailed => "sandbox-failed",
            OutcomeKind::Tampered => "tampered",
            OutcomeKind::Crashed => "crashed",
            OutcomeKind::Unparsable => "unparsable",
            OutcomeKind::NeedsNewerPython => "needs-newer-python",
            OutcomeKind::SetupFailed => "setup-failed",
            OutcomeKind::Unterminated => "unterminated",
            OutcomeKind::Skipped => "skipped",
            OutcomeKind::RunnerError => "runner-error",
        }
    }
}

/// Why an error does not fail the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExpectedBy {
    /// A passing exception claim documents it.
    Claim,
    /// `expect-error` (in `snipcheck.toml` or a directive) declares it.
    Config,
    /// The block does not parse; without `--strict-parse` that is reported, not failed.
    NotPython,
    /// The block imports a package that is not installed where snipcheck runs: it cannot be
    /// judged here; without `--strict` that is reported, not failed.
    Needs,
    /// A `NameError` for a name no earlier block of the document binds (`namespace = "auto"`):
    /// the block is a fragment of code whose setup the text does not show, so it cannot be
    /// judged; without `--strict` that is reported, not failed.
    Setup,
    /// The `SyntaxError` of a session's exercise (`>>> symbols = ?`): a placeholder the reader
    /// replaces, reported, not failed.
    Exercise,
    /// In a run on several Pythons, an error a claim documents on other versions (the claim
    /// is `version-dependent`): reported, not failed (unless `--strict`).
    #[serde(rename = "version-dependent")]
    Versions,
    /// The block does not parse on the running Python but does on a newer one installed here
    /// (`needs_python`): not judged on this one; without `--strict` that is reported, not
    /// failed.
    NewerPython,
}

impl ExpectedBy {
    /// The word the JSON report uses.
    pub fn as_str(self) -> &'static str {
        match self {
            ExpectedBy::Claim => "claim",
            ExpectedBy::Config => "config",
            ExpectedBy::NotPython => "not-python",
            ExpectedBy::Needs => "needs",
            ExpectedBy::Setup => "setup",
            ExpectedBy::Exercise => "exercise",
            ExpectedBy::Versions => "version-dependent",
            ExpectedBy::NewerPython => "newer-python",
        }
    }
}

/// An error that ended or marred a snippet's run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnippetError {
    /// The exception type, or a snipcheck name (`Timeout`, `Crash`, `UnterminatedFence`, ...).
    #[serde(rename = "type")]
    pub type_name: String,
    /// What happened.
    pub message: String,
    /// Markdown line.
    pub line: Option<LineNo>,
    /// The traceback, if Python produced one (not in the JSON: read back empty).
    #[serde(skip)]
    pub traceback: String,
    /// What the sandbox denied, for a `blocked` outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<String>,
    /// For a `needs-newer-python` outcome: the oldest newer Python that parses the block
    /// (`3.12`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needs_python: Option<String>,
    /// `None`: unexpected; else why it does not fail the run.
    pub expected_by: Option<ExpectedBy>,
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
        is_unexpected(self.error.as_ref(), self.missing_expected_error.as_deref())
    }
}

/// Whether a snippet with this error and this unmet `expect-error` failed in a way nothing
/// declared: the one rule, for a fresh check and for a report read back from JSON.
pub fn is_unexpected(error: Option<&SnippetError>, missing_expected_error: Option<&str>) -> bool {
    missing_expected_error.is_some() || error.is_some_and(|e| e.expected_by.is_none())
}

/// Judges a planned snippet: one that was not run (skipped, unterminated, as `plan` decided)
/// from its plan, one that ran from its outcome ([`check`]).
pub fn judge_snippet(snippet: &Snippet, outcome: &Outcome) -> SnippetCheck {
    judge_in_chain(snippet, outcome, &[])
}

/// [`judge_snippet`] for a block that continued earlier ones: `upstream` are the reasons their
/// runs could not be judged ([`unjudgeable_causes`] of each), which a claim this block fails on
/// an exception inherits (a class never defined because its block lacked a package).
pub fn judge_in_chain(snippet: &Snippet, outcome: &Outcome, upstream: &[Cause]) -> SnippetCheck {
    match &snippet.disposition {
        Disposition::Skip(_) => SnippetCheck {
            outcome: OutcomeKind::Skipped,
            error: None,
            missing_expected_error: None,
            claims: Vec::new(),
        },
        Disposition::Unterminated => unterminated(&snippet.block),
        Disposition::Run => {
            let mut check = check(
                &snippet.block,
                snippet.settings.as_ref(),
                outcome,
                &snippet.undefined,
            );
            unjudged_after(&mut check.claims, &outcome.executions, upstream, None);
            if let Some(error) = check.error.as_mut() {
                explain_undefined(error, &snippet.undefined);
            }
            check
        }
    }
}

/// Why part of a run cannot be judged here, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// The statement's line.
    pub line: LineNo,
    /// In words: `the sandbox blocked process creation`, `needs numpy (not installed where
    /// snipcheck ran: use --venv)`.
    pub what: String,
}

/// What in a run cannot be judged here: statements the sandbox blocked (a subprocess, the
/// network, a file outside the scratch dir), imports of modules that are not installed where
/// snipcheck runs, and (`undefined`: the names the plan found no earlier block binding) uses
/// of names the document never set up. The text may well be right where its author ran it.
pub fn unjudgeable_causes(outcome: &Outcome, undefined: &[String]) -> Vec<Cause> {
    outcome
        .executions
        .iter()
        .filter_map(|e| {
            let exception = e.exception.as_ref()?;
            if let Some(blocked) = &exception.blocked {
                return Some(Cause {
                    line: e.line,
                    what: format!("the sandbox blocked {blocked}"),
                });
            }
            if let Some(what) = python_2_only(&exception.type_name, &exception.message) {
                return Some(Cause {
                    line: e.line,
                    what: format!("{what}: the text is about Python 2"),
                });
            }
            if let Some(name) = undefined_name(&exception.type_name, &exception.message, undefined)
            {
                return Some(Cause {
                    line: e.line,
                    what: format!(
                        "uses `{name}`, which no earlier block of this document defines (setup the text does not show)"
                    ),
                });
            }
            let module = (exception.type_name == "ModuleNotFoundError")
                .then(|| missing_module(&exception.message))
                .flatten()?;
            Some(Cause {
                line: e.line,
                what: format!("needs {module} (not installed where snipcheck ran: use --venv)"),
            })
        })
        .collect()
}

/// The builtins Python 3.0 removed ("What's New In Python 3.0"). `reduce` and `reload` are
/// not among them: they moved to `functools` and `importlib`, so a Python 3 text that uses them
/// without the import is a fragment.
const PYTHON_2_BUILTINS: &[&str] = &[
    "apply",
    "basestring",
    "buffer",
    "cmp",
    "coerce",
    "execfile",
    "file",
    "intern",
    "long",
    "raw_input",
    "unichr",
    "unicode",
    "xrange",
];

/// The `dict` methods Python 3.0 removed (`has_key`, the `iter*` and `view*` methods).
const PYTHON_2_DICT_METHODS: &[&str] = &[
    "has_key",
    "iteritems",
    "iterkeys",
    "itervalues",
    "viewitems",
    "viewkeys",
    "viewvalues",
];

/// What an exception says about Python 2 code run on Python 3: a builtin, a `dict` method or
/// the `cmp=` argument of sorting that Python 3.0 removed. `None`: anything else.
fn python_2_only(type_name: &str, message: &str) -> Option<String> {
    let quoted = |text: &str| text.split('\'').nth(1).map(str::to_owned);
    match type_name {
        "NameError" => quoted(message)
            .filter(|name| PYTHON_2_BUILTINS.contains(&name.as_str()))
            .map(|name| format!("uses `{name}`, a builtin of Python 2 that Python 3 removed")),
        "AttributeError" if message.starts_with("'dict' object has no attribute") => message
            .rsplit('\'')
            .nth(1)
            .filter(|method| PYTHON_2_DICT_METHODS.contains(method))
            .map(|method| {
                format!("uses `dict.{method}`, a method of Python 2 that Python 3 removed")
            }),
        "TypeError" if message.starts_with("'cmp' is an invalid keyword argument") => {
            Some("uses `cmp=`, the argument of Python 2's sorting that Python 3 removed".to_owned())
        }
        _ => None,
    }
}

/// `No module named 'numpy.linalg'` → `numpy`.
fn missing_module(message: &str) -> Option<&str> {
    let name = message
        .strip_prefix("No module named '")?
        .split('\'')
        .next()?;
    name.split('.').next().filter(|n| !n.is_empty())
}

/// A failing claim cannot be judged where something it depends on could not run here: a claim
/// on the statement itself (`own`: the block's first such cause), on a later statement of the
/// block that raised after it (a session's later example, or a script's statement run after
/// the error) or printed nothing (a print inside a `with` whose context manager never got
/// defined), or — for `upstream` causes, in the blocks this one continues —
/// on any statement that raised. It becomes `unjudged` with the reason, never `fail`. One
/// that ran and printed something else still fails.
fn unjudged_after(
    claims: &mut [CheckedClaim],
    executions: &[crate::run::outcome::Execution],
    upstream: &[Cause],
    own: Option<&Cause>,
) {
    if own.is_none() && upstream.is_empty() {
        return;
    }
    // A session example's exception is shown in its output, as the REPL shows it.
    let raised = |at: LineNo| {
        executions.iter().any(|e| {
            e.line == at
                && (e.exception.is_some()
                    || e.stdout.starts_with("Traceback (most recent call last):"))
        })
    };
    for claim in claims.iter_mut() {
        if claim.verdict != Verdict::Fail {
            continue;
        }
        let reason = match own {
            Some(cause)
                if claim.line == cause.line
                    || (claim.line > cause.line
                        && (raised(claim.line) || claim.actual.as_deref() == Some(""))) =>
            {
                Some(format!(
                    "{} at line {}, so this cannot be judged here",
                    cause.what, cause.line
                ))
            }
            _ => upstream
                .first()
                .filter(|_| raised(claim.line))
                .map(|cause| {
                    format!(
                        "a block it continues {} (line {}), so this cannot be judged here",
                        cause.what, cause.line
                    )
                }),
        };
        if let Some(reason) = reason {
            claim.verdict = Verdict::Unjudged;
            claim.reason = Some(reason);
        }
    }
}

/// A failing claim after a session's exercise (`>>> symbols = ?`: the reader writes that line;
/// `exercise` is the session's first) shows what the reader's answer makes of the session, not
/// what this code does: `unjudged`.
fn after_exercise(claims: &mut [CheckedClaim], exercise: Option<&crate::run::outcome::Statement>) {
    let Some(exercise) = exercise else {
        return;
    };
    for claim in claims
        .iter_mut()
        .filter(|c| c.verdict == Verdict::Fail && c.line > exercise.line)
    {
        claim.verdict = Verdict::Unjudged;
        claim.reason = Some(format!(
            "it follows the exercise at line {} (`{}`), which the reader completes: it shows their answer's result, so this cannot be judged here",
            exercise.line,
            exercise.source.trim()
        ));
    }
}

/// A failing claim whose output shows the date of the run (`dates`: the run's calendar days,
/// `YYYY-MM-DD`, in UTC and local time) where the claim shows another date is `unjudged`: the
/// block prints the time it runs (`datetime.now()`, a log line's `asctime`), so the text shows
/// the author's day. A claim wrong elsewhere still fails.
pub fn mark_dated(claims: &mut [CheckedClaim], dates: &[String]) {
    for claim in claims.iter_mut().filter(|c| c.verdict == Verdict::Fail) {
        let Some(actual) = claim.actual.as_deref() else {
            continue;
        };
        let Some(today) = dates.iter().find(|d| actual.contains(d.as_str())) else {
            continue;
        };
        // The claim with each of its dates replaced by today's must be what was printed,
        // up to the time of day (digits where the output has digits).
        let claimed = replace_dates(&claim.claimed, today);
        if !same_but_digits(&claimed, actual) {
            continue;
        }
        claim.verdict = Verdict::Unjudged;
        claim.reason = Some(format!(
            "the output shows the date and time of the run ({today}); the text shows another run's, so this cannot be judged here"
        ));
    }
}

/// `text` with every `YYYY-MM-DD` in it replaced by `today`.
fn replace_dates(text: &str, today: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let is_date = bytes.len() >= i + 10
            && bytes[i..i + 10].iter().enumerate().all(|(k, b)| match k {
                4 | 7 => *b == b'-',
                _ => b.is_ascii_digit(),
            });
        if is_date {
            out.push_str(today);
            i += 10;
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Whether `a` and `b` differ only in which digits they show (same length, digits where the
/// other has digits): a time of day, milliseconds.
fn same_but_digits(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim_end(), b.trim_end());
    a.chars().count() == b.chars().count()
        && a.chars()
            .zip(b.chars())
            .all(|(x, y)| x == y || (x.is_ascii_digit() && y.is_ascii_digit()))
}

/// A failing claim whose output differed in a second run of its block (another process,
/// another hash seed) is `unjudged`: what the block prints varies between runs (the order of
/// a set of strings, an address, an id, the time), so the text cannot be held to one run.
pub fn mark_unstable(claims: &mut [CheckedClaim], second: &[CheckedClaim]) {
    for claim in claims.iter_mut().filter(|c| c.verdict == Verdict::Fail) {
        let Some(other) = second.iter().find(|c| c.claim_line == claim.claim_line) else {
            continue;
        };
        let (one, two) = (
            claim.actual.as_deref().unwrap_or(""),
            other.actual.as_deref().unwrap_or(""),
        );
        if one != two && varies_where_it_differs(&claim.claimed, one, two) {
            claim.verdict = Verdict::Unjudged;
            claim.reason = Some(format!(
                "unstable: the output differs between runs (hash seed, addresses, time): {} in one, {} in another",
                one_line(claim.actual.as_deref().unwrap_or("")),
                one_line(other.actual.as_deref().unwrap_or(""))
            ));
        }
    }
}

/// Whether a claim differs from the first run's output only where the two runs differ from
/// each other: token by token (words, numbers, single symbols; white space ignored), the
/// tokens that changed between runs match anything, the others must be the claim's. Output
/// whose shape changed between runs cannot be aligned, so it counts as varying. A claim that
/// is wrong where the runs agree (`B` where both printed `A`) still fails.
fn varies_where_it_differs(claimed: &str, one: &str, two: &str) -> bool {
    if compare(claimed, two).verdict != Verdict::Fail {
        return true;
    }
    let (one, two) = (tokens(one), tokens(two));
    if one.len() != two.len() {
        return true;
    }
    let claimed = tokens(claimed);
    claimed.len() >= one.len()
        && one
            .iter()
            .zip(&two)
            .zip(&claimed)
            .all(|((a, b), c)| a != b || a == c)
}

/// Words and numbers (runs of letters, digits and `_`) and single other characters, without
/// white space.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let word = c.is_alphanumeric() || c == '_';
        match (word, start) {
            (true, None) => start = Some(i),
            (true, Some(_)) => {}
            (false, Some(from)) => {
                out.push(&text[from..i]);
                start = None;
            }
            (false, None) => {}
        }
        if !word && !c.is_whitespace() {
            out.push(&text[i..i + c.len_utf8()]);
        }
    }
    if let Some(from) = start {
        out.push(&text[from..]);
    }
    out
}

/// A short one-line rendering of an output, for a reason.
fn one_line(text: &str) -> String {
    let flat = text.replace('\n', "⏎");
    let short: String = flat.chars().take(40).collect();
    if short.len() < flat.len() {
        format!("{short:?}…")
    } else {
        format!("{short:?}")
    }
}

/// The name of a `NameError` (`type_name`, `message`) when it is one of `undefined`: a name
/// the block reads that no earlier block of its document binds, nor the block itself.
pub fn undefined_name<'a>(
    type_name: &str,
    message: &'a str,
    undefined: &[String],
) -> Option<&'a str> {
    if type_name != "NameError" {
        return None;
    }
    message
        .strip_prefix("name '")
        .and_then(|rest| rest.split_once('\''))
        .map(|(name, _)| name)
        .filter(|name| undefined.iter().any(|u| u == name))
}

/// Under `namespace = "auto"`, a `NameError` for a name no earlier block of the document binds
/// says so, so a fragment (`connect_to_db()`) is told apart from setup the run missed.
fn explain_undefined(error: &mut SnippetError, undefined: &[String]) {
    if undefined_name(&error.type_name, &error.message, undefined).is_some() {
        error
            .message
            .push_str(" — no earlier block of this document defines it");
    }
}

/// Judges the claims of a block that ran against its outcome.
/// `undefined`: the names the block reads that no earlier block binds (`Snippet::undefined`).
pub fn check(
    block: &Block,
    settings: Option<&SnippetSettings>,
    outcome: &Outcome,
    undefined: &[String],
) -> SnippetCheck {
    if let Some(error) = &outcome.unparsable {
        return unparsable(block, outcome, error);
    }
    let statements = outcome.statements.as_deref().unwrap_or(&[]);
    let stop = ending::stop_reason(outcome, statements);
    let executions = outcome.by_index();
    let mut claims: Vec<CheckedClaim> = statements
        .iter()
        .filter_map(|statement| {
            let execution = executions.get(&statement.index).copied();
            claims::judge(statement, execution, &stop)
        })
        .collect();
    // Nested prints' claims come after the top-level statements': put them in line order.
    claims.sort_by_key(|claim| claim.line);
    let causes = unjudgeable_causes(outcome, undefined);
    unjudged_after(&mut claims, &outcome.executions, &[], causes.first());
    let exercises: Vec<&crate::run::outcome::Statement> = statements
        .iter()
        .filter(|s| {
            s.kind == crate::run::outcome::StatementKind::Example && grammar::is_exercise(&s.source)
        })
        .collect();
    after_exercise(&mut claims, exercises.first().copied());
    if let Some(output) = &block.output {
        claims.push(output_block::judge_output_block(
            block, output, outcome, &stop,
        ));
    }
    // Python 2's `print(a, b)` printed a tuple.
    for claim in claims.iter_mut().filter(|c| {
        c.verdict == Verdict::Fail
            && c.kind == ClaimKind::Output
            && c.actual
                .as_deref()
                .is_some_and(|actual| grammar::is_python_2_print(&c.claimed, actual))
    }) {
        claim.verdict = Verdict::Unjudged;
        claim.reason = Some(
            "it shows what Python 2's print statement printed (the tuple of the print's arguments); Python 3 prints the items, so this cannot be judged here".to_owned(),
        );
    }
    let (kind, mut error) = ending::ending(block, outcome, statements, &claims);
    // A session's exercise does not parse until the reader completes it.
    if let Some(err) = error.as_mut().filter(|e| {
        e.expected_by.is_none()
            && e.type_name == "SyntaxError"
            && e.line
                .is_some_and(|l| exercises.iter().any(|s| s.line == l))
    }) {
        err.expected_by = Some(ExpectedBy::Exercise);
    }
    // An output block that shows the traceback the snippet ends with documents that error.
    if let (Some(err), Some(claim)) = (error.as_mut(), claims.last())
        && block.output.is_some()
        && claim.kind == ClaimKind::Exception
        && claim.verdict != Verdict::Fail
        && claim.verdict != Verdict::Unchecked
        && err.expected_by.is_none()
    {
        err.expected_by = Some(ExpectedBy::Claim);
    }
    let expect = settings.and_then(|s| s.expect_error.as_ref());
    let missing_expected_error = expect.and_then(|expect| match error.as_mut() {
        Some(err) if err.expected_by.is_none() && names_type(&expect.error, err) => {
            err.expected_by = Some(ExpectedBy::Config);
            None
        }
        Some(_) => None,
        None => Some(format!(
            "expect-error {:?} is declared (snipcheck.toml or a directive), but the snippet raised nothing; remove it",
            expect.error
        )),
    });
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

/// A block whose fence is never closed: not run, an error at the fence.
fn unterminated(block: &Block) -> SnippetCheck {
    SnippetCheck {
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
            needs_python: None,
            expected_by: None,
        }),
        missing_expected_error: None,
        claims: Vec::new(),
    }
}

/// A block that does not compile: the values its comments state are listed, not run; an output
/// block showing the compile error is judged, and documents the error when it passes.
fn unparsable(block: &Block, outcome: &Outcome, error: &ErrorFacts) -> SnippetCheck {
    let mut error_report = ending::from_facts(error, block.first_line);
    let mut claims = claims::not_run(block, &outcome.unparsable_comments, &error_report);
    claims.extend(
        block
            .output
            .as_ref()
            .and_then(|output| output_block::judge_compile_error(block, output, error)),
    );
    if claims
        .iter()
        .any(|c| matches!(c.verdict, Verdict::Pass | Verdict::Loose))
    {
        error_report.expected_by = Some(ExpectedBy::Claim);
    }
    end_claims(&mut claims, block);
    SnippetCheck {
        outcome: OutcomeKind::Unparsable,
        error: Some(error_report),
        missing_expected_error: None,
        claims,
    }
}

/// Whether an `expect-error` type names the error's type (module prefixes ignored).
fn names_type(expected: &str, error: &SnippetError) -> bool {
    let short = |name: &str| name.rsplit('.').next().unwrap_or(name).to_owned();
    short(expected) == short(&error.type_name)
}
