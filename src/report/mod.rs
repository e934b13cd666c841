//! Reports: the judged run added up, and rendered for people or machines.
//!
//! `Report` is built once from the documents, snippets, outcomes and checks; each renderer
//! (`human`, `json`) reads only the `Report`. This is the only layer that prints to stdout.

mod build;
pub mod human;
pub mod json;

pub use build::{
    AppliedSettings, DocumentReport, ProblemReport, Report, SnippetReport, Summary, build,
};
