//! `snipcheck update [PATHS]`: regenerates `snippets/` and `expected/` from the notes. Writes
//! only the files whose content changed, each atomically, removes orphans and pending
//! `.snap.new` files it supersedes, and prints what changed. It never edits the notes.
//! `--accept-only ID` narrows it to those snippets (and removes nothing else).

use crate::cli::UpdateArgs;
use crate::files::generated::{self, Change, ChangeKind};
use crate::files::{snapshot, snippets as snippet_file};
use crate::pipeline::{self, Options};
use anyhow::{Context, Result, bail};
use std::fmt::Write as _;

/// Regenerates the files; `Ok(true)` unless snipcheck failed.
pub fn update(args: &UpdateArgs) -> Result<bool> {
    let progress = crate::report::progress::Progress::start("running snippets");
    let mut run = pipeline::execute_observed(
        &Options {
            paths: args.paths.clone(),
            config: args.run.config.clone(),
            timeout: args.run.timeout,
            jobs: args.run.jobs,
            venv: args.run.venv.clone(),
            ..Options::default()
        },
        &progress,
    )?;
    drop(progress);
    for id in &args.accept_only {
        if !run.snippets.iter().any(|s| &s.id == id) {
            bail!(
                "--accept-only {id:?}: no snippet has this id (ids are listed by `snipcheck verify --format json`)"
            );
        }
    }
    let narrowed = !args.accept_only.is_empty();
    if narrowed {
        run.complete = false;
    }
    let tracked = generated::tracked(&run.config, &run.documents)?;
    if !tracked.contains(&true) {
        bail!(
            "none of these notes is listed under `notes` in {}; snippets/ and expected/ hold only the project's configured notes",
            crate::config::FILE_NAME
        );
    }
    let mut out = String::new();
    for (document, tracked) in run.documents.iter().zip(&tracked) {
        if !tracked {
            let _ = writeln!(
                out,
                "ignored  {}: not listed under `notes` in {}, so it has no snippets/ or expected/ files",
                document.path.display(),
                crate::config::FILE_NAME
            );
        }
    }
    let keep = |id: &str| !narrowed || args.accept_only.iter().any(|a| a == id);
    let snippets: Vec<_> = run
        .snippets
        .iter()
        .filter(|s| keep(&s.id))
        .cloned()
        .collect();
    let files = snippet_file::tree(
        &run.config,
        &run.documents,
        &tracked,
        &snippets,
        run.complete,
        !narrowed,
    );
    let expected: Vec<_> = snapshot::expected(&run, &tracked)
        .into_iter()
        .filter(|e| keep(&e.id))
        .collect();
    let snaps = snapshot::tree(&run, &tracked, &expected, !narrowed);
    let mut total = 0;
    for tree in [&files, &snaps] {
        let changes = generated::compare(tree)?;
        generated::apply(tree, &changes)?;
        total += changes.len();
        describe(&mut out, &changes);
    }
    for expected in &expected {
        let pending = snapshot::pending_path(&expected.path);
        match std::fs::remove_file(&pending) {
            Ok(()) => {
                total += 1;
                let _ = writeln!(out, "{:<9}{}", "accepted", pending.display());
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                return Err(err).with_context(|| format!("failed to remove {}", pending.display()));
            }
        }
    }
    let _ = writeln!(
        out,
        "{} {} changed ({} snippet files, {} snapshots checked)",
        total,
        if total == 1 { "file" } else { "files" },
        files.files.len(),
        snaps.files.len()
    );
    if !run.report.is_success() {
        let _ = writeln!(
            out,
            "note: some claims fail or snippets error; the snapshots record that (see `snipcheck verify`)"
        );
    }
    super::extract::print(&out)?;
    Ok(true)
}

fn describe(out: &mut String, changes: &[Change]) {
    for change in changes {
        let word = match change.kind {
            ChangeKind::Missing => "created",
            ChangeKind::Stale => "updated",
            ChangeKind::Orphaned => "removed",
        };
        let _ = writeln!(out, "{word:<9}{}", change.path.display());
    }
}
