//! The parts of a report about generated files: each snippet's snapshot status (`expected/`)
//! and the `snippets/` files that are out of date. `verify` fills them in after the pipeline
//! ran; renderers read them like the rest of the report.

use serde::{Deserialize, Serialize};

/// How a snippet's transcript compares with its accepted snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SnapshotState {
    /// The transcript equals the accepted snapshot.
    Match,
    /// It differs.
    Changed,
    /// There is no accepted snapshot.
    Missing,
    /// The accepted file is not a valid `.snap` file.
    Corrupt,
}

/// One snippet's snapshot status.
#[derive(Debug, Clone)]
pub struct SnapshotReport {
    /// The comparison.
    pub status: SnapshotState,
    /// `expected/<id>.snap`.
    pub path: String,
    /// The `.snap.new` left for review (never in CI).
    pub pending: Option<String>,
    /// For `changed`: a unified diff from the accepted transcript to the new one.
    pub diff: Option<String>,
    /// For `corrupt`: what is wrong, with the `.snap` line.
    pub message: Option<String>,
}

/// Generated files that do not match the notes.
#[derive(Debug, Clone, Default)]
pub struct GeneratedReport {
    /// `snippets/` files that are stale, missing or orphaned.
    pub snippet_files: Vec<FileReport>,
    /// Those files were brought up to date by this run (outside CI).
    pub snippet_files_rewritten: bool,
    /// `.snap` files under `expected/` that belong to no snippet.
    pub orphaned_snapshots: Vec<String>,
}

/// A generated file and how it differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    /// The path.
    pub path: String,
    /// `stale`, `missing` or `orphaned`.
    pub change: String,
}

impl SnapshotReport {
    /// Whether the snapshot fails the run.
    pub fn is_failure(&self) -> bool {
        self.status != SnapshotState::Match
    }
}

impl GeneratedReport {
    /// Whether every generated file is up to date.
    pub fn is_clean(&self) -> bool {
        self.snippet_files.is_empty() && self.orphaned_snapshots.is_empty()
    }
}
