//! Adding up a finished run into a `Report`, once, from its rows.

use super::snapshots::{FileReport, GeneratedReport, SnapshotReport, SnapshotState};
use crate::config::SnippetSettings;
use crate::files::snapshot::{Reviewed, Status};
use crate::judge::{CheckedClaim, OutcomeKind, SnippetError, Verdict};
use crate::line::LineNo;
use crate::pipeline::{Generated, Run, SnippetRun};
use serde::{Deserialize, Serialize};

/// Everything a renderer needs. Built once from a finished run ([`build`]), or from the JSON
/// of shards (`report merge`); the JSON format itself is `report::json`'s.
#[derive(Debug, Clone)]
pub struct Report {
    /// The Python version that ran the snippets.
    pub python: String,
    /// `verify --partition`: the shard(s) of a partition this report covers (`None`: every
    /// snippet of the run).
    pub partition: Option<crate::plan::partition::Shards>,
    /// The sandbox layers that confined them.
    pub sandbox: Vec<crate::run::sandbox::Layer>,
    /// The virtualenv the snippets imported from, if any.
    pub venv: Option<crate::run::venv::Venv>,
    /// The interpreter that ran them, and why it was chosen (`None`: a merged report whose
    /// shards did not say); the first, in a run on several.
    pub interpreter: Option<crate::run::interpreter::Interpreter>,
    /// Every interpreter of a run on several Pythons, in order (empty: one ran).
    pub interpreters: Vec<crate::run::interpreter::Interpreter>,
    /// The counts.
    pub summary: Summary,
    /// Every document, with its file-level problems.
    pub documents: Vec<DocumentReport>,
    /// Every snippet, in document order.
    pub snippets: Vec<SnippetReport>,
    /// `--strict`: `loose` claims fail the run.
    pub strict: bool,
    /// `--strict-parse`: blocks that are not valid Python 3 fail the run.
    pub strict_parse: bool,
    /// `--filter` left some snippets out: a document none of whose snippets is reported is not
    /// shown by the human report (unless it has problems).
    pub filtered: bool,
    /// `snippets/` and `expected/` files out of date (`None`: not checked).
    pub generated: Option<GeneratedReport>,
}

/// The counts of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Documents read.
    pub documents: usize,
    /// Python blocks found.
    pub snippets: usize,
    /// Claims found.
    pub claims: usize,
    /// Claims that hold.
    pub pass: usize,
    /// Claims that hold after a normalization.
    pub loose: usize,
    /// Claims that are wrong.
    pub fail: usize,
    /// Claims on statements that never ran.
    pub unchecked: usize,
    /// Claims that cannot be judged here (a missing package, a blocked subprocess, unstable
    /// output).
    pub unjudged: usize,
    /// Snippets that failed unexpectedly, plus file-level problems.
    pub errors: usize,
    /// Blocks that are not valid Python 3 (errors too under `--strict-parse`).
    pub unparsable: usize,
    /// Claims in blocks that cannot run (not valid Python 3): listed, not checked.
    pub not_run: usize,
    /// Claims that hold on some of the run's Pythons and fail on others.
    pub version_dependent: usize,
    /// Blocks that parse only on a newer Python than the one they ran on (not judged there).
    pub needs_newer_python: usize,
}

/// One document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentReport {
    /// Its path.
    pub path: String,
    /// File-level problems.
    pub problems: Vec<ProblemReport>,
}

/// A file-level problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemReport {
    /// Where.
    pub line: LineNo,
    /// What.
    pub message: String,
}

/// One snippet.
#[derive(Debug, Clone)]
pub struct SnippetReport {
    /// Stable id.
    pub id: String,
    /// The document's path.
    pub path: String,
    /// First code line.
    pub start_line: LineNo,
    /// Last code line.
    pub end_line: LineNo,
    /// The section title.
    pub section: Option<String>,
    /// How the run ended.
    pub outcome: OutcomeKind,
    /// The error that ended or marred it.
    pub error: Option<SnippetError>,
    /// An `expect-error` that did not happen.
    pub missing_expected_error: Option<String>,
    /// Settings from `snipcheck.toml` that applied.
    pub settings: Option<AppliedSettings>,
    /// The earlier blocks it continued (`None`: none).
    pub continues: Option<Continues>,
    /// Why it was not run: a `skip`'s reason, or the label that says it is another Python's
    /// session (`None`: it ran, or never could).
    pub skipped: Option<String>,
    /// The claims and their verdicts.
    pub claims: Vec<CheckedClaim>,
    /// Output written around `sys.stdout`, straight to the process's fds.
    pub stray_output: String,
    /// The snippet's snapshot status (`None`: snapshots not checked).
    pub snapshot: Option<SnapshotReport>,
    /// In a run on several Pythons, how it ended on each (empty: one ran).
    pub versions: Vec<SnippetVersion>,
}

/// How a snippet ended on one of the run's Pythons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnippetVersion {
    /// The version (`3.12`).
    pub python: String,
    /// How the run ended there.
    pub outcome: OutcomeKind,
    /// The error that ended or marred it there.
    pub error: Option<SnippetError>,
}

impl SnippetReport {
    /// Whether its versions ended differently (another outcome or error): then every report
    /// shows each.
    pub fn versions_differ(&self) -> bool {
        let headline = |v: &SnippetVersion| {
            (
                v.outcome,
                v.error.as_ref().map(|e| (e.headline(), e.expected_by)),
            )
        };
        self.versions
            .windows(2)
            .any(|pair| headline(&pair[0]) != headline(&pair[1]))
    }
}

/// The earlier blocks a snippet continued, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Continues {
    /// The document's namespace rule (`auto`, `section`, `document`; `block` with only
    /// `continue` directives).
    pub namespace: String,
    /// The blocks, oldest first.
    pub blocks: Vec<ContinuedBlock>,
}

/// One block a snippet continued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContinuedBlock {
    /// Its id.
    pub id: String,
    /// Its first code line.
    pub start_line: LineNo,
    /// Its last code line.
    pub end_line: LineNo,
    /// Under `auto`: the names it binds that the snippet reads (empty: a block it continues
    /// needs it, or a directive or the namespace put it there).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
}

impl Continues {
    /// In words, as the human report and the HTML report show it: `continues lines 4-5,
    /// 8-9 (auto: xs, total)`; more than six blocks are counted, not listed.
    pub fn describe(&self) -> String {
        const LISTED: usize = 6;
        let mut ranges: Vec<String> = self
            .blocks
            .iter()
            .take(LISTED)
            .map(|b| format!("{}-{}", b.start_line, b.end_line))
            .collect();
        if self.blocks.len() > LISTED {
            ranges.push(format!("… {} blocks in all", self.blocks.len()));
        }
        let mut names: Vec<&str> = self
            .blocks
            .iter()
            .flat_map(|b| b.names.iter().map(String::as_str))
            .collect();
        names.sort_unstable();
        names.dedup();
        let why = if names.is_empty() {
            self.namespace.clone()
        } else {
            format!("{}: {}", self.namespace, names.join(", "))
        };
        format!("continues lines {} ({why})", ranges.join(", "))
    }
}

/// The `snipcheck.toml` settings that applied to a snippet, shown in every report.
#[derive(Debug, Clone)]
pub struct AppliedSettings {
    /// Fixture files created in the scratch dir.
    pub files: Vec<String>,
    /// The prelude's code.
    pub prelude: Option<String>,
    /// The declared error and why.
    pub expect_error: Option<ExpectErrorReport>,
    /// The snippet's own timeout, in seconds.
    pub timeout: Option<f64>,
    /// Why it is skipped.
    pub skip: Option<String>,
    /// It shares the namespace of the block before it.
    pub continues: bool,
}

impl AppliedSettings {
    /// Each setting in words (`files data.txt`, `prelude (3 lines)`, ...), as every report
    /// shows them.
    pub fn describe(&self) -> Vec<String> {
        let mut parts = Vec::new();
        if !self.files.is_empty() {
            parts.push(format!("files {}", self.files.join(", ")));
        }
        if let Some(prelude) = &self.prelude {
            let lines = prelude.lines().count();
            let unit = if lines == 1 { "line" } else { "lines" };
            parts.push(format!("prelude ({lines} {unit})"));
        }
        if let Some(expect) = &self.expect_error {
            parts.push(format!(
                "expect-error {} ({})",
                expect.type_name, expect.reason
            ));
        }
        if let Some(timeout) = self.timeout {
            parts.push(format!("timeout {timeout} s"));
        }
        if let Some(reason) = &self.skip {
            parts.push(format!("skip ({reason})"));
        }
        if self.continues {
            parts.push("continue (shares the previous block's namespace)".to_owned());
        }
        parts
    }
}

/// A declared error.
#[derive(Debug, Clone)]
pub struct ExpectErrorReport {
    /// The exception type.
    pub type_name: String,
    /// Why.
    pub reason: String,
}

impl Report {
    /// Whether the run succeeded: every claim `pass`, `loose`, `unjudged` or
    /// `version-dependent` (`pass` under `--strict`: what could not be judged here, or holds
    /// on some Pythons only, is counted apart, never failing otherwise),
    /// no unexpected error, and — when they were checked — every snapshot and snippet file up
    /// to date.
    pub fn is_success(&self) -> bool {
        self.summary.fail == 0
            && self.summary.unchecked == 0
            && !(self.strict && self.summary.unjudged > 0)
            && !(self.strict && self.summary.version_dependent > 0)
            && !(self.strict && self.summary.needs_newer_python > 0)
            && self.summary.errors == 0
            && !(self.strict && self.summary.loose > 0)
            && self
                .generated
                .as_ref()
                .is_none_or(GeneratedReport::is_clean)
            && !self
                .snippets
                .iter()
                .any(|s| s.snapshot.as_ref().is_some_and(SnapshotReport::is_failure))
    }
}

/// How a snippet stands, as every report labels it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// An unexpected error, a failing or unchecked claim, a loose or unjudged one under
    /// `--strict`, or a failing snapshot.
    Failed,
    /// Not run on purpose (`skip`).
    Skipped,
    /// Not valid Python 3, reported without failing.
    NotPython,
    /// Every claim holds, some only after a normalization.
    Loose,
    /// No claim fails, but some hold on some of the run's Pythons only.
    VersionDependent,
    /// No claim fails, but some could not be judged here (a missing package, a blocked
    /// subprocess, unstable output).
    Unjudged,
    /// Every claim holds.
    Ok,
}

impl SnippetReport {
    /// Why it was not run, when the text (not a `skip` the settings show) decided it: a
    /// session labelled as another Python's.
    pub fn skipped_by_the_text(&self) -> Option<&str> {
        let by_settings = self.settings.as_ref().is_some_and(|s| s.skip.is_some());
        self.skipped.as_deref().filter(|_| !by_settings)
    }

    /// How the snippet stands (`strict`: `--strict`, loose claims fail).
    pub fn standing(&self, strict: bool) -> Standing {
        let loose = self.claims.iter().any(|c| c.verdict == Verdict::Loose);
        let unjudged = self.claims.iter().any(|c| c.verdict == Verdict::Unjudged)
            || self.outcome == OutcomeKind::NeedsNewerPython;
        let versions = self
            .claims
            .iter()
            .any(|c| c.verdict == Verdict::VersionDependent);
        let failed = self.is_unexpected_error()
            || self
                .claims
                .iter()
                .any(|c| matches!(c.verdict, Verdict::Fail | Verdict::Unchecked))
            || (strict && (loose || unjudged || versions))
            || self
                .snapshot
                .as_ref()
                .is_some_and(SnapshotReport::is_failure);
        if failed {
            Standing::Failed
        } else if self.outcome == OutcomeKind::Skipped {
            Standing::Skipped
        } else if self.outcome == OutcomeKind::Unparsable {
            Standing::NotPython
        } else if versions {
            Standing::VersionDependent
        } else if unjudged {
            Standing::Unjudged
        } else if loose {
            Standing::Loose
        } else {
            Standing::Ok
        }
    }

    /// Whether this snippet has an unexpected error.
    pub fn is_unexpected_error(&self) -> bool {
        crate::judge::is_unexpected(self.error.as_ref(), self.missing_expected_error.as_deref())
    }
}

/// Builds the report of a finished run.
pub fn build(run: &Run) -> Report {
    let python = run
        .rows
        .iter()
        .find_map(|row| row.outcome.python.clone())
        .unwrap_or_else(|| run.sandbox.python.clone());
    let documents: Vec<DocumentReport> = run
        .notes
        .iter()
        .map(|note| DocumentReport {
            path: note.document.path.display().to_string(),
            problems: note
                .document
                .problems
                .iter()
                .map(|p| ProblemReport {
                    line: p.line,
                    message: p.message.clone(),
                })
                .collect(),
        })
        .collect();
    let snippets: Vec<SnippetReport> = run.rows.iter().map(snippet).collect();
    let python = if run.interpreters.is_empty() {
        python
    } else {
        run.interpreters
            .iter()
            .map(|p| p.version.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    Report {
        python,
        partition: run.scope.partition.map(|p| p.shards()),
        sandbox: run.sandbox.layers.clone(),
        venv: run.venv.clone(),
        interpreter: Some(run.python.clone()),
        interpreters: run.interpreters.clone(),
        summary: Summary::count(&documents, &snippets),
        documents,
        snippets,
        strict: run.strict,
        strict_parse: run.strict_parse,
        filtered: run.scope.filtered,
        generated: run.generated.as_ref().map(generated),
    }
}

fn snippet(row: &SnippetRun) -> SnippetReport {
    let SnippetRun {
        snippet,
        outcome,
        check,
        snapshot,
        versions,
    } = row;
    SnippetReport {
        id: snippet.id.clone(),
        path: snippet.path.display().to_string(),
        start_line: snippet.block.first_line,
        end_line: snippet.block.end_line,
        section: snippet.block.section.as_ref().map(|s| s.title.clone()),
        outcome: check.outcome,
        error: check.error.clone(),
        missing_expected_error: check.missing_expected_error.clone(),
        settings: snippet.settings.as_ref().map(applied),
        continues: continues(snippet),
        skipped: match &snippet.disposition {
            crate::plan::Disposition::Skip(reason) => Some(reason.clone()),
            _ => None,
        },
        claims: check.claims.clone(),
        stray_output: outcome.stray_output.clone(),
        snapshot: snapshot.as_ref().map(snapshot_report),
        versions: versions
            .iter()
            .map(|v| SnippetVersion {
                python: v.python.clone(),
                outcome: v.check.outcome,
                error: v.check.error.clone(),
            })
            .collect(),
    }
}

/// The blocks a planned snippet continues, as reports show them.
pub(crate) fn continues(snippet: &crate::plan::Snippet) -> Option<Continues> {
    if snippet.context.is_empty() {
        return None;
    }
    Some(Continues {
        namespace: snippet.namespace.name().to_owned(),
        blocks: snippet
            .context
            .iter()
            .map(|cell| ContinuedBlock {
                id: cell.id.clone(),
                start_line: cell.first_line,
                end_line: cell.end_line,
                names: cell.names.clone(),
            })
            .collect(),
    })
}

fn snapshot_report(reviewed: &Reviewed) -> SnapshotReport {
    let (status, mut diff, message) = match &reviewed.status {
        Status::Match => (SnapshotState::Match, None, None),
        Status::Changed { diff } => (SnapshotState::Changed, Some(diff.clone()), None),
        Status::Missing => (SnapshotState::Missing, None, None),
        Status::Corrupt(corrupt) => (
            SnapshotState::Corrupt,
            None,
            Some(format!(
                "{}:{}: {}",
                reviewed.compared.display(),
                corrupt.line,
                corrupt.message
            )),
        ),
    };
    // On several Pythons: the version whose transcript differs, the file it was compared with
    // when that version has none of its own yet, and the other versions that differ too (their
    // diffs, each naming its version, follow).
    let mut notes: Vec<String> = Vec::new();
    if let (Some(python), false) = (&reviewed.expected.python, status == SnapshotState::Match) {
        let mut note = format!("on Python {python}");
        if reviewed.compared != reviewed.expected.path {
            note.push_str(&format!(
                " (no {} yet: compared with {})",
                reviewed.expected.path.display(),
                reviewed.compared.display()
            ));
        }
        notes.push(note);
    }
    notes.extend(message);
    for other in &reviewed.also {
        let also = snapshot_report(other);
        let what = match also.status {
            SnapshotState::Match => continue,
            SnapshotState::Changed => "differs",
            SnapshotState::Missing => "has no accepted snapshot",
            SnapshotState::Corrupt => "is not a valid .snap file",
        };
        let python = other.expected.python.as_deref().unwrap_or_default();
        let mut note = format!("also on Python {python}: {} {what}", also.path);
        if other.compared != other.expected.path {
            note.push_str(&format!(
                " (compared with {}, as it does not exist yet)",
                other.compared.display()
            ));
        }
        if let Status::Corrupt(corrupt) = &other.status {
            note.push_str(&format!(" (line {}: {})", corrupt.line, corrupt.message));
        }
        if let Some(pending) = also.pending {
            note.push_str(&format!("; new transcript written to {pending}"));
        }
        notes.push(note);
        if let Some(other) = also.diff {
            diff = Some(diff.map_or(other.clone(), |d| format!("{d}{other}")));
        }
    }
    SnapshotReport {
        status,
        path: reviewed.expected.path.display().to_string(),
        pending: reviewed.pending.as_ref().map(|p| p.display().to_string()),
        diff,
        message: (!notes.is_empty()).then(|| notes.join("; ")),
    }
}

fn generated(generated: &Generated) -> GeneratedReport {
    GeneratedReport {
        snippet_files: generated
            .snippet_files
            .iter()
            .map(|change| FileReport {
                path: change.path.display().to_string(),
                change: change.kind.word().to_owned(),
            })
            .collect(),
        snippet_files_rewritten: generated.rewritten,
        orphaned_snapshots: generated
            .orphaned_snapshots
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
    }
}

impl Summary {
    /// The counts of these documents and snippets (`build`, and `report merge` after joining
    /// the shards).
    pub fn count(documents: &[DocumentReport], snippets: &[SnippetReport]) -> Summary {
        let mut summary = Summary {
            documents: documents.len(),
            snippets: snippets.len(),
            ..Summary::default()
        };
        summary.errors = documents.iter().map(|d| d.problems.len()).sum();
        for snippet in snippets {
            summary.errors += usize::from(snippet.is_unexpected_error());
            summary.unparsable += usize::from(snippet.outcome == OutcomeKind::Unparsable);
            summary.needs_newer_python +=
                usize::from(snippet.outcome == OutcomeKind::NeedsNewerPython);
            for claim in &snippet.claims {
                summary.claims += 1;
                match claim.verdict {
                    Verdict::Pass => summary.pass += 1,
                    Verdict::Loose => summary.loose += 1,
                    Verdict::Fail => summary.fail += 1,
                    Verdict::Unchecked => summary.unchecked += 1,
                    Verdict::Unjudged => summary.unjudged += 1,
                    Verdict::NotRun => summary.not_run += 1,
                    Verdict::VersionDependent => summary.version_dependent += 1,
                }
            }
        }
        summary
    }
}

pub(crate) fn applied(settings: &SnippetSettings) -> AppliedSettings {
    AppliedSettings {
        files: settings.files.keys().cloned().collect(),
        prelude: settings.prelude.clone(),
        expect_error: settings.expect_error.as_ref().map(|e| ExpectErrorReport {
            type_name: e.error.clone(),
            reason: e.reason.clone(),
        }),
        timeout: settings.timeout.map(|t| t.as_secs_f64()),
        skip: settings.skip.clone(),
        continues: settings.continues,
    }
}
