//! Integration tests: run the real `snipcheck` binary on fixture documents and on the bundled
//! notes, and assert on its JSON report, its exit code and its messages.
//!
//! Every run happens in a fresh temp dir (or with an explicit `--config`), so the repository's
//! own `snipcheck.toml` never applies unless a test asks for it. Fixtures live in
//! `tests/fixtures/` and are passed by absolute path. Expected Markdown lines are found in the
//! fixture text itself (`support::line_of`), so they follow from the document, not from a run.

#[path = "cli/support.rs"]
mod support;

#[path = "cli/claims.rs"]
mod claims;
#[path = "cli/comments.rs"]
mod comments;
#[path = "cli/documents.rs"]
mod documents;
#[path = "cli/errors.rs"]
mod errors;
#[path = "cli/execution.rs"]
mod execution;
#[path = "cli/namespaces.rs"]
mod namespaces;
#[path = "cli/notes.rs"]
mod notes;
#[path = "cli/partition.rs"]
mod partition;
#[path = "cli/rst.rs"]
mod rst;
#[path = "cli/sessions.rs"]
mod sessions;
#[path = "cli/snapshots.rs"]
mod snapshots;
#[path = "cli/styles.rs"]
mod styles;
#[path = "cli/venv.rs"]
mod venv;
#[path = "cli/zygote.rs"]
mod zygote;
