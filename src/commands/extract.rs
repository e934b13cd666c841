//! `snipcheck extract`: writes every Python block to `snippets/<document>/<id>.py`, or with
//! `--check` only lists the stale, missing and orphaned files (exit 1 if there are any). Runs
//! no Python: it stops the pipeline after planning.

use crate::cli::ExtractArgs;
use crate::files::generated::{self, Change};
use crate::files::snippets as snippet_file;
use crate::pipeline::{self, Options};
use anyhow::{Context, Result, bail};
use std::fmt::Write as _;
use std::io::Write;

/// Extracts (or checks) the snippet files; `Ok(false)` when `--check` found differences.
pub fn extract(args: &ExtractArgs) -> Result<bool> {
    let prepared = pipeline::prepare(&Options {
        paths: args.paths.clone(),
        config: args.config.clone(),
        ..Options::default()
    })?;
    let tracked = generated::tracked(&prepared.config, &prepared.documents)?;
    if !tracked.contains(&true) {
        bail!(
            "none of these notes is listed under `notes` in {}; snippets/ holds only the project's configured notes",
            crate::config::FILE_NAME
        );
    }
    let tree = snippet_file::tree(
        &prepared.config,
        &prepared.documents,
        &tracked,
        &prepared.snippets,
        prepared.complete,
        !prepared.filtered,
    );
    let changes = generated::compare(&tree)?;
    let mut out = String::new();
    if args.check {
        if changes.is_empty() {
            let _ = writeln!(
                out,
                "{}: {} files up to date",
                tree.root.display(),
                tree.files.len()
            );
        } else {
            list(&mut out, &changes, "");
            let _ = writeln!(
                out,
                "{} of {} out of date: run `snipcheck update` (or `snipcheck extract`)",
                changes.len(),
                tree.root.display()
            );
        }
    } else {
        generated::apply(&tree, &changes)?;
        list(&mut out, &changes, "");
        let _ = writeln!(
            out,
            "{}: {} written, {} removed, {} unchanged",
            tree.root.display(),
            changes
                .iter()
                .filter(|c| c.kind != generated::ChangeKind::Orphaned)
                .count(),
            changes
                .iter()
                .filter(|c| c.kind == generated::ChangeKind::Orphaned)
                .count(),
            tree.files.len()
                - changes
                    .iter()
                    .filter(|c| c.kind != generated::ChangeKind::Orphaned)
                    .count(),
        );
    }
    print(&out)?;
    Ok(!args.check || changes.is_empty())
}

/// One line per change: `stale    snippets/doc/id.py`.
pub(crate) fn list(out: &mut String, changes: &[Change], indent: &str) {
    for change in changes {
        let _ = writeln!(
            out,
            "{indent}{:<9}{}",
            change.kind.word(),
            change.path.display()
        );
    }
}

pub(crate) fn print(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("failed to write to stdout")
}
