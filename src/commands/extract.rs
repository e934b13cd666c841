//! `snipcheck extract`: writes every Python block to `snippets/<document>/<id>.py`, or with
//! `--check` only lists the stale, missing and orphaned files (exit 1 if there are any). Runs
//! no Python: it stops the pipeline after planning.

use crate::cli::ExtractArgs;
use crate::files::{generated, snippets as snippet_files};
use crate::pipeline::{self, Options};
use crate::report::{self, files};
use anyhow::{Result, bail};

/// Extracts (or checks) the snippet files; `Ok(false)` when `--check` found differences.
pub fn extract(args: &ExtractArgs) -> Result<bool> {
    let prepared = pipeline::prepare(&Options {
        paths: args.paths.clone(),
        config: args.config.clone(),
        ..Options::default()
    })?;
    if !prepared.notes.iter().any(|n| n.tracked) {
        bail!(
            "none of these notes is listed under `notes` in {}; snippets/ holds only the project's configured notes",
            prepared.config.name()
        );
    }
    let snippets: Vec<&crate::plan::Snippet> =
        prepared.snippets.iter().filter(|s| s.tracked).collect();
    let tree = snippet_files::tree(
        &prepared.config,
        pipeline::notes_tracked(&prepared.notes)?,
        &snippets,
        prepared.scope.complete,
        !prepared.scope.filtered,
    );
    let changes = generated::compare(&tree)?;
    if !args.check {
        generated::apply(&tree, &changes)?;
    }
    report::print_visible(&files::extracted(&tree, &changes, args.check))?;
    Ok(!args.check || changes.is_empty())
}
