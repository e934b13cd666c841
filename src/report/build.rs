//! Adding up a run into a `Report`.

use super::snapshots::{GeneratedReport, SnapshotReport};
use crate::config::SnippetSettings;
use crate::judge::{CheckedClaim, OutcomeKind, SnippetCheck, SnippetError, Verdict};
use crate::line::LineNo;
use crate::plan::Snippet;
use crate::read::document::Document;
use crate::run::outcome::Outcome;
use serde::{Deserialize, Serialize};

/// Everything a renderer needs.
///
/// It is also read back from `--format json` (`report merge`): a field the JSON leaves out when
/// empty needs `#[serde(default)]`, and a field the JSON never carries needs to be rebuilt by
/// `report::merge`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// The Python version that ran the snippets.
    pub python: String,
    /// `verify --partition`: the shard(s) of a partition this report covers (`None`: every
    /// snippet of the run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<crate::plan::partition::Shards>,
    /// The sandbox layers that confined them.
    pub sandbox: Vec<crate::run::sandbox::Layer>,
    /// The virtualenv the snippets imported from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venv: Option<crate::run::venv::Venv>,
    /// The counts.
    pub summary: Summary,
    /// Every document, with its file-level problems.
    pub documents: Vec<DocumentReport>,
    /// Every snippet, in document order.
    pub snippets: Vec<SnippetReport>,
    /// `--strict`: `loose` claims fail the run.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub strict: bool,
    /// `--strict-parse`: blocks that are not valid Python 3 fail the run.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub strict_parse: bool,
    /// `snippets/` and `expected/` files out of date (`None`: not checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<GeneratedReport>,
}

/// The counts of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Snippets that failed unexpectedly, plus file-level problems.
    pub errors: usize,
    /// Blocks that are not valid Python 3 (errors too under `--strict-parse`).
    pub unparsable: usize,
    /// Claims in blocks that cannot run (not valid Python 3): listed, not checked.
    #[serde(default)]
    pub not_run: usize,
}

/// One document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentReport {
    /// Its path.
    pub path: String,
    /// File-level problems.
    pub problems: Vec<ProblemReport>,
}

/// A file-level problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemReport {
    /// Where.
    pub line: LineNo,
    /// What.
    pub message: String,
}

/// One snippet.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// The claims and their verdicts.
    pub claims: Vec<CheckedClaim>,
    /// Output written around `sys.stdout`, straight to the process's fds.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stray_output: String,
    /// The snippet's snapshot status (`None`: snapshots not checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<SnapshotReport>,
    /// Only in a partitioned report's JSON: what the JSON otherwise leaves out (each claim's
    /// statement, the error's traceback) and `report merge` needs to render the merged report
    /// as `verify` would. `None` everywhere else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_data: Option<super::merge::MergeData>,
}

/// The `snipcheck.toml` settings that applied to a snippet, shown in every report.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<String>,
    /// It shares the namespace of the block before it.
    #[serde(
        rename = "continue",
        default,
        skip_serializing_if = "std::ops::Not::not"
    )]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExpectErrorReport {
    /// The exception type.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Why.
    pub reason: String,
}

impl Report {
    /// Whether the run succeeded: every claim `pass` or `loose` (`pass` under `--strict`), no
    /// unexpected error, and — when they were checked — every snapshot and snippet file up to
    /// date.
    pub fn is_success(&self) -> bool {
        self.summary.fail == 0
            && self.summary.unchecked == 0
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
    /// An unexpected error, a failing or unchecked claim, a loose one under `--strict`, or a
    /// failing snapshot.
    Failed,
    /// Not run on purpose (`skip`).
    Skipped,
    /// Not valid Python 3, reported without failing.
    NotPython,
    /// Every claim holds, some only after a normalization.
    Loose,
    /// Every claim holds.
    Ok,
}

impl SnippetReport {
    /// How the snippet stands (`strict`: `--strict`, loose claims fail).
    pub fn standing(&self, strict: bool) -> Standing {
        let loose = self.claims.iter().any(|c| c.verdict == Verdict::Loose);
        let failed = self.is_unexpected_error()
            || self
                .claims
                .iter()
                .any(|c| matches!(c.verdict, Verdict::Fail | Verdict::Unchecked))
            || (strict && loose)
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
        } else if loose {
            Standing::Loose
        } else {
            Standing::Ok
        }
    }

    /// Whether this snippet has an unexpected error.
    pub fn is_unexpected_error(&self) -> bool {
        self.missing_expected_error.is_some()
            || self.error.as_ref().is_some_and(|e| e.expected_by.is_none())
    }
}

/// Builds the report of a run.
pub fn build(
    documents: &[Document],
    snippets: &[Snippet],
    outcomes: &[Outcome],
    checks: Vec<SnippetCheck>,
    sandbox: &crate::pipeline::Sandbox,
) -> Report {
    let python = outcomes
        .iter()
        .find_map(|o| o.python.clone())
        .unwrap_or_else(|| sandbox.python.clone());
    let documents: Vec<DocumentReport> = documents
        .iter()
        .map(|d| DocumentReport {
            path: d.path.display().to_string(),
            problems: d
                .problems
                .iter()
                .map(|p| ProblemReport {
                    line: p.line,
                    message: p.message.clone(),
                })
                .collect(),
        })
        .collect();
    let snippets: Vec<SnippetReport> = snippets
        .iter()
        .zip(outcomes)
        .zip(checks)
        .map(|((snippet, outcome), check)| SnippetReport {
            id: snippet.id.clone(),
            path: documents[snippet.document].path.clone(),
            start_line: snippet.block.first_line,
            end_line: snippet.block.end_line,
            section: snippet.block.section.as_ref().map(|s| s.title.clone()),
            outcome: check.outcome,
            error: check.error,
            missing_expected_error: check.missing_expected_error,
            settings: snippet.settings.as_ref().map(applied),
            claims: check.claims,
            stray_output: outcome.stray_output.clone(),
            snapshot: None,
            merge_data: None,
        })
        .collect();
    let summary = Summary::count(&documents, &snippets);
    Report {
        python,
        partition: None,
        sandbox: sandbox.layers.clone(),
        venv: None,
        summary,
        documents,
        snippets,
        strict: false,
        strict_parse: false,
        generated: None,
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
            for claim in &snippet.claims {
                summary.claims += 1;
                match claim.verdict {
                    Verdict::Pass => summary.pass += 1,
                    Verdict::Loose => summary.loose += 1,
                    Verdict::Fail => summary.fail += 1,
                    Verdict::Unchecked => summary.unchecked += 1,
                    Verdict::NotRun => summary.not_run += 1,
                }
            }
        }
        summary
    }
}

fn applied(settings: &SnippetSettings) -> AppliedSettings {
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
