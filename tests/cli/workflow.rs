//! The daily workflow (issue 4): `extract`, `update`, `verify` against `snippets/` and
//! `expected/`, `inspect`, the report formats, `--strict`, `--filter` and the directives in the
//! notes.
//!
//! Every test copies the project in `tests/workflow/project/` (a `snipcheck.toml` and
//! `notes/demo.md`) to a fresh temp dir and runs the real binary there, outside CI unless the
//! test is about CI. What a command prints is compared with insta snapshots in
//! `tests/cli/workflow/snapshots/`.

mod containment;
mod directives;
mod formats;
mod generated;
mod inspect;
mod interrupt;
