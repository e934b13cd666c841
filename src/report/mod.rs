//! Reports: the judged run added up, and rendered for people or machines.
//!
//! `Report` is built once from the documents, snippets, outcomes and checks; each renderer
//! (`human`, `json`, `junit`, `github`, `html`) reads only the `Report` (`html` also the
//! documents' Markdown, which it renders). This is the only layer that prints to stdout.

mod build;
pub mod github;
pub mod html;
pub mod human;
mod human_snapshots;
pub mod json;
pub mod junit;
pub mod merge;
pub mod progress;
mod snapshots;

pub use build::{
    AppliedSettings, DocumentReport, ProblemReport, Report, SnippetReport, Standing, Summary, build,
};
pub use snapshots::{FileReport, GeneratedReport, SnapshotReport, SnapshotState};
