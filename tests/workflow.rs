//! Integration tests of the daily workflow (issue 4): `extract`, `update`, `verify` against
//! `snippets/` and `expected/`, `inspect`, the report formats, `--strict`, `--filter` and the
//! directives in the notes.
//!
//! Every test copies the project in `tests/workflow/project/` (a `snipcheck.toml` and
//! `notes/demo.md`) to a fresh temp dir and runs the real binary there, with `CI` removed from
//! the environment unless the test is about CI. What a command prints is compared with insta
//! snapshots in `tests/snapshots/`.

#[path = "workflow/support.rs"]
mod support;

#[path = "workflow/directives.rs"]
mod directives;
#[path = "workflow/formats.rs"]
mod formats;
#[path = "workflow/generated.rs"]
mod generated;
#[path = "workflow/inspect.rs"]
mod inspect;
#[path = "workflow/interrupt.rs"]
mod interrupt;
