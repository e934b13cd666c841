//! What `extract` and `update` say about the generated files they checked or wrote.

use crate::files::generated::{Change, ChangeKind, Tree};
use std::fmt::Write as _;
use std::path::PathBuf;

/// What `update` did.
#[derive(Debug, Clone)]
pub struct Updated {
    /// The config in use (`Config::name`).
    pub config: String,
    /// Notes not listed under `notes` in the config (they have no generated files).
    pub ignored: Vec<PathBuf>,
    /// The files created, updated or removed, `snippets/` first.
    pub changes: Vec<Change>,
    /// The pending `.snap.new` files removed (their snapshots accepted).
    pub accepted: Vec<PathBuf>,
    /// How many `snippets/` files were checked.
    pub snippet_files: usize,
    /// How many snapshots were checked.
    pub snapshots: usize,
    /// The run itself succeeded (every claim held).
    pub success: bool,
}

/// `update`'s report: one line per change, then a summary line.
pub fn updated(updated: &Updated) -> String {
    let mut out = String::new();
    for path in &updated.ignored {
        let _ = writeln!(
            out,
            "ignored  {}: not listed under `notes` in {}, so it has no snippets/ or expected/ files",
            path.display(),
            updated.config
        );
    }
    for change in &updated.changes {
        let word = match change.kind {
            ChangeKind::Missing => "created",
            ChangeKind::Stale => "updated",
            ChangeKind::Orphaned => "removed",
        };
        let _ = writeln!(out, "{word:<9}{}", change.path.display());
    }
    for pending in &updated.accepted {
        let _ = writeln!(out, "{:<9}{}", "accepted", pending.display());
    }
    let total = updated.changes.len() + updated.accepted.len();
    let _ = writeln!(
        out,
        "{} {} changed ({} snippet files, {} snapshots checked)",
        total,
        if total == 1 { "file" } else { "files" },
        updated.snippet_files,
        updated.snapshots
    );
    if !updated.success {
        let _ = writeln!(
            out,
            "note: some claims fail or snippets error; the snapshots record that (see `snipcheck verify`)"
        );
    }
    out
}

/// `extract`'s report (`check`: `extract --check`, nothing was written).
pub fn extracted(tree: &Tree, changes: &[Change], check: bool) -> String {
    let mut out = String::new();
    list(&mut out, changes, "");
    let orphaned = changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Orphaned)
        .count();
    let written = changes.len() - orphaned;
    if check && changes.is_empty() {
        let _ = writeln!(
            out,
            "{}: {} files up to date",
            tree.root.display(),
            tree.files.len()
        );
    } else if check {
        let _ = writeln!(
            out,
            "{} of {} out of date: run `snipcheck update` (or `snipcheck extract`)",
            changes.len(),
            tree.root.display()
        );
    } else {
        let _ = writeln!(
            out,
            "{}: {written} written, {orphaned} removed, {} unchanged",
            tree.root.display(),
            tree.files.len() - written,
        );
    }
    out
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
