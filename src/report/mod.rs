//! Reports: the judged run added up, and rendered for people or machines.
//!
//! `Report` is built once from a finished run's rows (`build`), or from shards' JSON (`merge`);
//! each renderer (`human`, `json`, `junit`, `github`, `html`) reads only the `Report` (`html`
//! also the notes as they were read, which it renders). This is the only layer that prints to
//! stdout ([`print`], [`emit`]).

pub(crate) mod build;
pub mod doctor;
pub mod files;
pub mod fix;
pub mod github;
pub mod html;
pub mod human;
mod human_snapshots;
pub mod inspect;
pub mod json;
pub mod junit;
pub mod merge;
pub mod progress;
pub mod review;
mod snapshots;
pub mod terminal;
pub mod transcript;

pub use build::{
    AppliedSettings, DocumentReport, ProblemReport, Report, SnippetReport, SnippetVersion,
    Standing, Summary, build,
};
pub use snapshots::{FileReport, GeneratedReport, SnapshotReport, SnapshotState};

use crate::read::discover::Note;
use crate::{atomic, environment};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

/// A report format and what it needs besides the report.
#[derive(Debug, Clone, Copy)]
pub enum Format<'a> {
    /// For a person (colours on a terminal).
    Human,
    /// The stable JSON format.
    Json,
    /// JUnit XML.
    Junit,
    /// GitHub workflow commands.
    Github,
    /// One HTML page, rendered from the notes as they were read.
    Html(&'a [Note]),
}

/// Renders `report` in `format` to stdout, or to `output` (atomically) with the human report
/// on stdout.
///
/// The human and GitHub formats go to terminals and CI logs: every string from a note or a run
/// in them is made visible first ([`terminal`]); JSON, JUnit and HTML carry the text as it was.
/// Only the human report on stdout may be coloured ([`environment::stdout_colors`]); a file
/// never is.
pub fn emit(report: &Report, format: Format<'_>, output: Option<&Path>) -> Result<()> {
    let human = |colors: bool| human::render_styled(&terminal::visible_report(report), colors);
    let text = match format {
        Format::Human => human(output.is_none() && environment::stdout_colors()),
        Format::Json => json::render(report),
        Format::Junit => junit::render(report),
        Format::Github => github::render(&terminal::visible_report(report)),
        Format::Html(notes) => html::render(
            report,
            &notes.iter().map(|n| &n.document).collect::<Vec<_>>(),
            &html::Expanded::failing(report),
        ),
    };
    let Some(path) = output else {
        return print(&text);
    };
    atomic::write(path, text.as_bytes())?;
    // The terminal gets the human report, coloured as stdout wants it.
    let shown = human(environment::stdout_colors());
    print(&format!("{shown}report written to {}\n", path.display()))
}

/// Writes `text` to stdout: the one place snipcheck prints its results. `text` must already be
/// safe for a terminal (see [`terminal`]); [`print_visible`] makes it so.
#[expect(
    clippy::disallowed_methods,
    reason = "the one place that writes results to stdout"
)]
pub fn print(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("failed to write to stdout")
}

/// [`print`] for [`terminal::Painted`] text (`inspect`): made visible, and coloured when stdout
/// wants colours ([`environment::stdout_colors`]).
pub fn print_painted(text: &terminal::Painted) -> Result<()> {
    print(&text.render(environment::stdout_colors()))
}

/// [`print`] for text that holds strings from notes or runs and no markup of its own (the
/// `inspect`, `run`, `extract` and `update` outputs): every control character but line breaks
/// and tabs is shown, not obeyed.
pub fn print_visible(text: &str) -> Result<()> {
    print(&terminal::visible(text))
}

#[cfg(test)]
mod tests;
