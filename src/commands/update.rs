//! `snipcheck update [PATHS]`: regenerates `snippets/` and `expected/` from the notes. Writes
//! only the files whose content changed, each atomically, removes orphans and pending
//! `.snap.new` files it supersedes, and prints what changed. It never edits the notes.
//! `--accept-only ID` narrows it to those snippets (and removes nothing else).

use crate::cli::UpdateArgs;
use crate::files::generated::{self, Change};
use crate::files::{snapshot, snippets as snippet_files};
use crate::pipeline;
use crate::report::{self, files};
use anyhow::{Result, bail};

/// Regenerates the files; `Ok(true)` unless snipcheck failed.
pub fn update(args: &UpdateArgs) -> Result<bool> {
    let progress = report::progress::Progress::start("running snippets");
    let run = pipeline::execute(
        &super::run_options(args.paths.clone(), &args.run),
        &progress,
    )?;
    drop(progress);
    if crate::run::interrupt::signal().is_some() {
        // Snapshots of a stopped run would record its interruption: write nothing.
        return Ok(false);
    }
    for id in &args.accept_only {
        if !run.rows.iter().any(|r| &r.snippet.id == id) {
            bail!(
                "--accept-only {id:?}: no snippet has this id (ids are listed by `snipcheck verify --format json`)"
            );
        }
    }
    if !run.notes.iter().any(|n| n.tracked) {
        bail!(
            "none of these notes is listed under `notes` in {}; snippets/ and expected/ hold only the project's configured notes",
            run.config.name()
        );
    }
    let narrowed = !args.accept_only.is_empty();
    let complete = run.scope.complete && !narrowed;
    let keep = |id: &str| !narrowed || args.accept_only.iter().any(|a| a == id);
    let rows: Vec<&pipeline::SnippetRun> = run
        .rows
        .iter()
        .filter(|r| r.snippet.tracked && keep(&r.snippet.id))
        .collect();
    let snippets: Vec<&crate::plan::Snippet> = rows.iter().map(|r| &r.snippet).collect();
    let tracked = pipeline::notes_tracked(&run.notes)?;
    let files = snippet_files::tree(&run.config, tracked.clone(), &snippets, complete, !narrowed);
    let expected: Vec<snapshot::Expected> = rows
        .iter()
        .flat_map(|row| pipeline::expected(&run.config, row))
        .collect();
    let snaps = snapshot::tree(
        &run.config,
        tracked,
        &expected.iter().collect::<Vec<_>>(),
        complete,
        !narrowed,
        run.rows.first().is_some_and(|row| !row.versions.is_empty()),
    );
    let mut changes: Vec<Change> = Vec::new();
    for tree in [&files, &snaps] {
        let found = generated::compare(tree)?;
        generated::apply(tree, &found)?;
        changes.extend(found);
    }
    let mut accepted = Vec::new();
    for expected in &expected {
        let pending = snapshot::pending_path(&expected.path);
        if snapshot::remove_pending(&pending)? {
            accepted.push(pending);
        }
    }
    let built = report::build(&run);
    report::print_visible(&files::updated(&files::Updated {
        config: run.config.name(),
        ignored: run
            .notes
            .iter()
            .filter(|n| !n.tracked)
            .map(|n| n.document.path.clone())
            .collect(),
        changes,
        accepted,
        snippet_files: files.files.len(),
        snapshots: snaps.files.len(),
        success: built.is_success(),
    }))?;
    Ok(true)
}
