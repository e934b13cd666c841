//! The CLI test binary: the real `snipcheck` binary run on fixture documents, on the bundled
//! notes and on a small project, asserted on its reports, its exit codes and its messages.
//!
//! Every run happens in a fresh temp dir (or with an explicit `--config`), so the repository's
//! own `snipcheck.toml` never applies unless a test asks for it. Fixtures live in
//! `tests/fixtures/` and are passed by absolute path. Expected Markdown lines are found in the
//! fixture text itself (`support::line_of`), so they follow from the document, not from a run.
//! All runs go through [`support::Snipcheck`].

mod support;

// One behaviour of the tool each, on fixture documents.
mod chains;
mod claims;
mod color;
mod comments;
mod documents;
mod errors;
mod execution;
mod fix;
mod floor;
mod init;
mod namespaces;
mod notes;
mod partition;
mod pyproject;
mod pythons;
mod review;
mod rst;
mod run;
mod sessions;
mod shell;
mod signals;
mod snapshots;
mod styles;
mod terminal;
mod trees;
mod venv;
mod zygote;

// Every fixture's human report, beside the fixture.
mod fixtures;
// The HTML report in headless Chromium.
mod html;
// The daily workflow on `tests/workflow/project`.
mod workflow;
