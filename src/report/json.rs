//! `--format json`: the stable, documented JSON format, a type of its own.
//!
//! Users' CI scripts read this format, and `report merge` reads it back, so it does not follow
//! the internal [`Report`] around: the types here are the schema, field by field, converted
//! from the report ([`JsonReport::from_report`]) and back ([`JsonReport::into_report`]). A
//! change here is a change of the format; a change of the internal model is not.
//!
//! A partitioned report (`verify --partition`) also carries, per snippet, [`MergeData`]: what
//! the JSON otherwise leaves out (each claim's statement, the error's traceback) and the human
//! and JUnit reports show after `report merge`.

pub use super::build::Continues;
use super::build::ExpectErrorReport;
use super::{
    AppliedSettings, DocumentReport, FileReport, GeneratedReport, ProblemReport, Report,
    SnapshotReport, SnapshotState, SnippetReport, Summary,
};
use crate::judge::{CheckedClaim, ClaimKind, ExpectedBy, OutcomeKind, SnippetError, Verdict};
use crate::line::LineNo;
use crate::plan::partition::Shards;
use crate::run::sandbox::Layer;
use crate::run::venv::Venv;
use serde::{Deserialize, Serialize};

/// Renders the report as pretty-printed JSON with a trailing newline.
pub fn render(report: &Report) -> String {
    let mut text =
        serde_json::to_string_pretty(&JsonReport::from_report(report)).unwrap_or_else(|err| {
            serde_json::json!({ "error": format!("failed to serialize the report: {err}") })
                .to_string()
        });
    text.push('\n');
    text
}

/// A snippet's applied settings as one line of JSON, as the report's `settings` has them.
pub fn settings(settings: &AppliedSettings) -> String {
    serde_json::to_string(&JsonSettings::from(settings)).unwrap_or_default()
}

/// The whole report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JsonReport {
    /// The Python version that ran the snippets.
    pub python: String,
    /// `verify --partition`: the shard(s) this report covers (absent: every snippet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<Shards>,
    /// The sandbox layers that confined the snippets.
    pub sandbox: Vec<Layer>,
    /// The virtualenv the snippets imported from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venv: Option<Venv>,
    /// The interpreter: executable, version, home, library, and why it was chosen (the first,
    /// in a run on several).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<crate::run::interpreter::Interpreter>,
    /// Every interpreter of a run on several Pythons, in order (absent: one ran).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interpreters: Vec<crate::run::interpreter::Interpreter>,
    /// The counts.
    pub summary: JsonSummary,
    /// Every document, with its file-level problems.
    pub documents: Vec<JsonDocument>,
    /// Every snippet, in document order.
    pub snippets: Vec<JsonSnippet>,
    /// `--strict`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub strict: bool,
    /// `--strict-parse`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub strict_parse: bool,
    /// `snippets/` and `expected/` files out of date (absent: not checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<JsonGenerated>,
}

/// The counts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JsonSummary {
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
    /// Claims that cannot be judged here (absent when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unjudged: usize,
    /// Snippets that failed unexpectedly, plus file-level problems.
    pub errors: usize,
    /// Blocks that are not valid Python 3.
    pub unparsable: usize,
    /// Claims in blocks that cannot run.
    #[serde(default)]
    pub not_run: usize,
    /// Claims that hold on some of the run's Pythons and fail on others (absent when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub version_dependent: usize,
    /// Blocks that parse only on a newer Python than the one they ran on (absent when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub needs_newer_python: usize,
}

/// One document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonDocument {
    /// Its path.
    pub path: String,
    /// File-level problems.
    pub problems: Vec<JsonProblem>,
}

/// A file-level problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonProblem {
    /// Where.
    pub line: LineNo,
    /// What.
    pub message: String,
}

/// One snippet.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JsonSnippet {
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
    pub error: Option<JsonError>,
    /// An `expect-error` that did not happen.
    pub missing_expected_error: Option<String>,
    /// Settings that applied.
    pub settings: Option<JsonSettings>,
    /// The earlier blocks it continued (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continues: Option<Continues>,
    /// Why it was not run (absent: it ran, or never could).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// The claims and their verdicts.
    pub claims: Vec<JsonClaim>,
    /// Output written around `sys.stdout`, straight to the process's fds.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stray_output: String,
    /// The snapshot status (absent: snapshots not checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<JsonSnapshot>,
    /// Only in a partitioned report: what `report merge` needs besides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_data: Option<MergeData>,
    /// In a run on several Pythons: version → how it ended there (absent: one ran).
    #[serde(default, skip_serializing_if = "VersionMap::is_empty")]
    pub versions: VersionMap<JsonSnippetVersion>,
}

/// How a snippet ended on one version.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JsonSnippetVersion {
    /// How the run ended there.
    pub outcome: OutcomeKind,
    /// The error that ended or marred it there.
    pub error: Option<JsonError>,
}

/// A claim's verdict on one version.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JsonClaimVersion {
    /// The verdict there.
    pub verdict: Verdict,
    /// What happened there.
    pub actual: Option<String>,
}

/// A JSON object keyed by Python version (`"3.11"`), in the run's order.
#[derive(Debug, Clone)]
pub struct VersionMap<T>(pub Vec<(String, T)>);

impl<T> Default for VersionMap<T> {
    fn default() -> Self {
        VersionMap(Vec::new())
    }
}

impl<T> VersionMap<T> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: Serialize> Serialize for VersionMap<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for VersionMap<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visit<T> {
            type Value = VersionMap<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object keyed by Python version")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(VersionMap(entries))
            }
        }
        deserializer.deserialize_map(Visit(std::marker::PhantomData))
    }
}

/// A snippet's error.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JsonError {
    /// The exception type (or `Timeout`, `UnterminatedFence`, ...).
    #[serde(rename = "type")]
    pub type_name: String,
    /// Its message.
    pub message: String,
    /// The line it points to.
    pub line: Option<LineNo>,
    /// What the sandbox blocked, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked: Option<String>,
    /// The newer Python a block needs (`3.12`), when it parses only there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needs_python: Option<String>,
    /// Who expected it (absent: an unexpected error).
    pub expected_by: Option<ExpectedBy>,
}

/// The settings that applied to a snippet.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JsonSettings {
    /// Fixture files.
    pub files: Vec<String>,
    /// The prelude's code.
    pub prelude: Option<String>,
    /// The declared error.
    pub expect_error: Option<JsonExpectError>,
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

/// A declared error.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JsonExpectError {
    /// The exception type.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Why.
    pub reason: String,
}

/// One claim and its verdict.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JsonClaim {
    /// The statement's line.
    pub line: LineNo,
    /// The claim's own line.
    pub claim_line: LineNo,
    /// What it claims.
    pub kind: ClaimKind,
    /// The claimed text.
    pub claimed: String,
    /// What really happened.
    pub actual: Option<String>,
    /// The verdict.
    pub verdict: Verdict,
    /// The normalization a `loose` verdict needed.
    pub normalization: Option<String>,
    /// Why a claim fails or is unchecked.
    pub reason: Option<String>,
    /// The statement ran after an earlier error.
    pub after_error: bool,
    /// In a run on several Pythons: version → its verdict and output there (absent: one ran).
    #[serde(default, skip_serializing_if = "VersionMap::is_empty")]
    pub versions: VersionMap<JsonClaimVersion>,
}

/// One snippet's snapshot status.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JsonSnapshot {
    /// `match`, `changed`, `missing` or `corrupt`.
    pub status: SnapshotState,
    /// `expected/<id>.snap`.
    pub path: String,
    /// The `.snap.new` left for review.
    pub pending: Option<String>,
    /// For `changed`: the diff.
    pub diff: Option<String>,
    /// For `corrupt`: what is wrong.
    pub message: Option<String>,
}

/// Generated files that do not match the notes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JsonGenerated {
    /// `snippets/` files that are stale, missing or orphaned.
    pub snippet_files: Vec<JsonFile>,
    /// They were brought up to date by this run.
    pub snippet_files_rewritten: bool,
    /// `.snap` files that belong to no snippet.
    pub orphaned_snapshots: Vec<String>,
}

/// A generated file and how it differs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JsonFile {
    /// The path.
    pub path: String,
    /// `stale`, `missing` or `orphaned`.
    pub change: String,
}

/// What a partitioned report's JSON carries besides the usual fields, for `report merge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeData {
    /// Each claim's statement source, in claim order.
    pub claim_sources: Vec<String>,
    /// The error's traceback (absent: no error, or no traceback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceback: Option<String>,
}

impl JsonReport {
    /// The report in the stable format; a partitioned report carries each snippet's
    /// [`MergeData`].
    pub fn from_report(report: &Report) -> JsonReport {
        let merge_data = report.partition.is_some();
        JsonReport {
            python: report.python.clone(),
            partition: report.partition.clone(),
            sandbox: report.sandbox.clone(),
            venv: report.venv.clone(),
            interpreter: report.interpreter.clone(),
            interpreters: report.interpreters.clone(),
            summary: JsonSummary::from(&report.summary),
            documents: report.documents.iter().map(JsonDocument::from).collect(),
            snippets: report
                .snippets
                .iter()
                .map(|s| JsonSnippet::from_snippet(s, merge_data))
                .collect(),
            strict: report.strict,
            strict_parse: report.strict_parse,
            generated: report.generated.as_ref().map(JsonGenerated::from),
        }
    }

    /// The report this JSON describes. The summary is counted again from the snippets, as
    /// every report's is; claim sources and tracebacks come from the [`MergeData`] when there
    /// is some (else they are empty, as the JSON does not carry them).
    pub fn into_report(self) -> Report {
        let documents: Vec<DocumentReport> = self
            .documents
            .into_iter()
            .map(DocumentReport::from)
            .collect();
        let snippets: Vec<SnippetReport> =
            self.snippets.into_iter().map(SnippetReport::from).collect();
        Report {
            python: self.python,
            partition: self.partition,
            sandbox: self.sandbox,
            venv: self.venv,
            interpreter: self.interpreter,
            interpreters: self.interpreters,
            summary: Summary::count(&documents, &snippets),
            documents,
            snippets,
            strict: self.strict,
            strict_parse: self.strict_parse,
            // The JSON format does not say whether the run was filtered.
            filtered: false,
            generated: self.generated.map(GeneratedReport::from),
        }
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl From<&Summary> for JsonSummary {
    fn from(s: &Summary) -> JsonSummary {
        JsonSummary {
            documents: s.documents,
            snippets: s.snippets,
            claims: s.claims,
            pass: s.pass,
            loose: s.loose,
            fail: s.fail,
            unchecked: s.unchecked,
            unjudged: s.unjudged,
            errors: s.errors,
            unparsable: s.unparsable,
            not_run: s.not_run,
            version_dependent: s.version_dependent,
            needs_newer_python: s.needs_newer_python,
        }
    }
}

impl From<&DocumentReport> for JsonDocument {
    fn from(d: &DocumentReport) -> JsonDocument {
        JsonDocument {
            path: d.path.clone(),
            problems: d
                .problems
                .iter()
                .map(|p| JsonProblem {
                    line: p.line,
                    message: p.message.clone(),
                })
                .collect(),
        }
    }
}

impl From<JsonDocument> for DocumentReport {
    fn from(d: JsonDocument) -> DocumentReport {
        DocumentReport {
            path: d.path,
            problems: d
                .problems
                .into_iter()
                .map(|p| ProblemReport {
                    line: p.line,
                    message: p.message,
                })
                .collect(),
        }
    }
}

impl JsonSnippet {
    fn from_snippet(s: &SnippetReport, merge_data: bool) -> JsonSnippet {
        JsonSnippet {
            id: s.id.clone(),
            path: s.path.clone(),
            start_line: s.start_line,
            end_line: s.end_line,
            section: s.section.clone(),
            outcome: s.outcome,
            error: s.error.as_ref().map(JsonError::from),
            missing_expected_error: s.missing_expected_error.clone(),
            settings: s.settings.as_ref().map(JsonSettings::from),
            continues: s.continues.clone(),
            skipped: s.skipped.clone(),
            claims: s
                .claims
                .iter()
                .map(|c| JsonClaim {
                    line: c.line,
                    claim_line: c.claim_line,
                    kind: c.kind,
                    claimed: c.claimed.clone(),
                    actual: c.actual.clone(),
                    verdict: c.verdict,
                    normalization: c.normalization.clone(),
                    reason: c.reason.clone(),
                    after_error: c.after_error,
                    versions: VersionMap(
                        c.versions
                            .iter()
                            .map(|v| {
                                (
                                    v.python.clone(),
                                    JsonClaimVersion {
                                        verdict: v.verdict,
                                        actual: v.actual.clone(),
                                    },
                                )
                            })
                            .collect(),
                    ),
                })
                .collect(),
            stray_output: s.stray_output.clone(),
            snapshot: s.snapshot.as_ref().map(|n| JsonSnapshot {
                status: n.status,
                path: n.path.clone(),
                pending: n.pending.clone(),
                diff: n.diff.clone(),
                message: n.message.clone(),
            }),
            merge_data: merge_data.then(|| MergeData {
                claim_sources: s.claims.iter().map(|c| c.source.clone()).collect(),
                traceback: s
                    .error
                    .as_ref()
                    .map(|e| e.traceback.clone())
                    .filter(|t| !t.is_empty()),
            }),
            versions: VersionMap(
                s.versions
                    .iter()
                    .map(|v| {
                        (
                            v.python.clone(),
                            JsonSnippetVersion {
                                outcome: v.outcome,
                                error: v.error.as_ref().map(JsonError::from),
                            },
                        )
                    })
                    .collect(),
            ),
        }
    }
}

impl From<&SnippetError> for JsonError {
    fn from(e: &SnippetError) -> JsonError {
        JsonError {
            type_name: e.type_name.clone(),
            message: e.message.clone(),
            line: e.line,
            blocked: e.blocked.clone(),
            needs_python: e.needs_python.clone(),
            expected_by: e.expected_by,
        }
    }
}

impl From<JsonError> for SnippetError {
    fn from(e: JsonError) -> SnippetError {
        SnippetError {
            type_name: e.type_name,
            message: e.message,
            line: e.line,
            traceback: String::new(),
            blocked: e.blocked,
            needs_python: e.needs_python,
            expected_by: e.expected_by,
        }
    }
}

impl From<JsonSnippet> for SnippetReport {
    fn from(s: JsonSnippet) -> SnippetReport {
        let (mut sources, traceback) = match s.merge_data {
            Some(data) => (data.claim_sources.into_iter(), data.traceback),
            None => (Vec::new().into_iter(), None),
        };
        SnippetReport {
            id: s.id,
            path: s.path,
            start_line: s.start_line,
            end_line: s.end_line,
            section: s.section,
            outcome: s.outcome,
            error: s.error.map(|e| SnippetError {
                type_name: e.type_name,
                message: e.message,
                line: e.line,
                traceback: traceback.unwrap_or_default(),
                blocked: e.blocked,
                needs_python: e.needs_python,
                expected_by: e.expected_by,
            }),
            missing_expected_error: s.missing_expected_error,
            settings: s.settings.map(|a| AppliedSettings {
                files: a.files,
                prelude: a.prelude,
                expect_error: a.expect_error.map(|e| ExpectErrorReport {
                    type_name: e.type_name,
                    reason: e.reason,
                }),
                timeout: a.timeout,
                skip: a.skip,
                continues: a.continues,
            }),
            continues: s.continues,
            skipped: s.skipped,
            claims: s
                .claims
                .into_iter()
                .map(|c| CheckedClaim {
                    line: c.line,
                    claim_line: c.claim_line,
                    kind: c.kind,
                    claimed: c.claimed,
                    actual: c.actual,
                    verdict: c.verdict,
                    normalization: c.normalization,
                    reason: c.reason,
                    after_error: c.after_error,
                    source: sources.next().unwrap_or_default(),
                    versions: c
                        .versions
                        .0
                        .into_iter()
                        .map(|(python, v)| crate::judge::versions::ClaimVersion {
                            python,
                            verdict: v.verdict,
                            actual: v.actual,
                        })
                        .collect(),
                    // The JSON does not carry it; renderers read it as at least `claim_line`.
                    claim_end_line: LineNo::FIRST,
                })
                .collect(),
            stray_output: s.stray_output,
            snapshot: s.snapshot.map(|n| SnapshotReport {
                status: n.status,
                path: n.path,
                pending: n.pending,
                diff: n.diff,
                message: n.message,
            }),
            versions: s
                .versions
                .0
                .into_iter()
                .map(|(python, v)| super::SnippetVersion {
                    python,
                    outcome: v.outcome,
                    error: v.error.map(SnippetError::from),
                })
                .collect(),
        }
    }
}

impl From<&AppliedSettings> for JsonSettings {
    fn from(a: &AppliedSettings) -> JsonSettings {
        JsonSettings {
            files: a.files.clone(),
            prelude: a.prelude.clone(),
            expect_error: a.expect_error.as_ref().map(|e| JsonExpectError {
                type_name: e.type_name.clone(),
                reason: e.reason.clone(),
            }),
            timeout: a.timeout,
            skip: a.skip.clone(),
            continues: a.continues,
        }
    }
}

impl From<&GeneratedReport> for JsonGenerated {
    fn from(g: &GeneratedReport) -> JsonGenerated {
        JsonGenerated {
            snippet_files: g
                .snippet_files
                .iter()
                .map(|f| JsonFile {
                    path: f.path.clone(),
                    change: f.change.clone(),
                })
                .collect(),
            snippet_files_rewritten: g.snippet_files_rewritten,
            orphaned_snapshots: g.orphaned_snapshots.clone(),
        }
    }
}

impl From<JsonGenerated> for GeneratedReport {
    fn from(g: JsonGenerated) -> GeneratedReport {
        GeneratedReport {
            snippet_files: g
                .snippet_files
                .into_iter()
                .map(|f| FileReport {
                    path: f.path,
                    change: f.change,
                })
                .collect(),
            snippet_files_rewritten: g.snippet_files_rewritten,
            orphaned_snapshots: g.orphaned_snapshots,
        }
    }
}
