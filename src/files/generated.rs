//! Generated trees: the `snippets/` and `expected/` directories, one file per snippet at
//! `<root>/<snippet id><extension>`, compared with what is on disk and brought up to date.
//!
//! A [`Tree`] is what the files should be. [`compare`] lists the differences (stale, missing,
//! orphaned) without writing; [`apply`] writes only the files whose content changed, each
//! atomically ([`crate::atomic`]), and removes orphans. Orphans are looked for only in the
//! directories the run owns: the directories of the documents it read, and — when it read every
//! note the config lists — any other document directory under the root.

use crate::atomic;
use crate::config::Config;
use crate::read::Document;
use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What a generated directory should contain.
#[derive(Debug, Clone)]
pub struct Tree {
    /// `snippets` or `expected`, under the project directory.
    pub root: PathBuf,
    /// The extension of the files (`.py`, `.snap`).
    pub extension: &'static str,
    /// A pending extension whose files are kept while their snippet exists (`.snap.new`).
    pub pending: Option<&'static str>,
    /// Wanted files, by path relative to `root`.
    pub files: BTreeMap<PathBuf, String>,
    /// Document directories (relative to `root`) searched for orphans.
    pub documents: BTreeSet<String>,
    /// Every document directory under `root` not in `documents` is orphaned (the run read
    /// every configured note). False when paths or a filter narrowed the run.
    pub complete: bool,
    /// Whether to look for orphans at all (false under `--filter` / `--accept-only`).
    pub orphans: bool,
}

/// How a file on disk differs from the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    /// The file does not exist.
    Missing,
    /// The file exists with other content.
    Stale,
    /// The file belongs to no snippet of the run.
    Orphaned,
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The file, as `root/...`.
    pub path: PathBuf,
    /// How it differs.
    pub kind: ChangeKind,
}

impl ChangeKind {
    /// The word used in messages.
    pub fn word(self) -> &'static str {
        match self {
            ChangeKind::Missing => "missing",
            ChangeKind::Stale => "stale",
            ChangeKind::Orphaned => "orphaned",
        }
    }
}

/// Which documents have generated files: those the config's `notes` patterns list (the
/// project's own notes). A file verified ad hoc (`snipcheck verify some/other.md`) has none,
/// so nothing is compared or written for it.
pub fn tracked(config: &Config, documents: &[Document]) -> Result<Vec<bool>> {
    if config.notes.is_empty() {
        return Ok(vec![false; documents.len()]);
    }
    let listed: BTreeSet<PathBuf> = crate::read::discover::resolve_paths(&[], config)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    Ok(documents
        .iter()
        .map(|d| d.path.canonicalize().is_ok_and(|p| listed.contains(&p)))
        .collect())
}

/// A document's path as generated files name it: relative to the project directory (the
/// config's), whatever the current directory, so a run from elsewhere writes the same bytes.
pub fn document_path(base: &Path, document: &Path) -> String {
    let relative = base
        .canonicalize()
        .ok()
        .zip(document.canonicalize().ok())
        .and_then(|(base, document)| {
            document
                .strip_prefix(&base)
                .ok()
                .map(|relative| relative.display().to_string())
        });
    relative.unwrap_or_else(|| document.display().to_string())
}

/// `<base>/<dir>`, written `dir` when the base is the current directory.
pub fn root(base: &Path, dir: &str) -> PathBuf {
    if base == Path::new(".") {
        PathBuf::from(dir)
    } else {
        base.join(dir)
    }
}

impl Tree {
    /// The wanted content of `root/relative`, if any.
    pub fn wanted(&self, path: &Path) -> Option<&String> {
        path.strip_prefix(&self.root)
            .ok()
            .and_then(|rel| self.files.get(rel))
    }
}

/// Lists how the disk differs from `tree`, files in path order. `Err` only for an unreadable
/// directory or file.
pub fn compare(tree: &Tree) -> Result<Vec<Change>> {
    compare_except(tree, &BTreeSet::new())
}

/// [`compare`] for one shard of a run (`verify --partition`): `others` (paths relative to the
/// root) are the files of snippets in other shards, neither compared here nor orphans.
pub fn compare_except(tree: &Tree, others: &BTreeSet<PathBuf>) -> Result<Vec<Change>> {
    let mut changes = Vec::new();
    for (relative, content) in &tree.files {
        let path = tree.root.join(relative);
        match std::fs::read(&path) {
            Ok(bytes) if bytes == content.as_bytes() => {}
            Ok(_) => changes.push(Change {
                path,
                kind: ChangeKind::Stale,
            }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => changes.push(Change {
                path,
                kind: ChangeKind::Missing,
            }),
            Err(err) => {
                return Err(err).with_context(|| format!("failed to read {}", path.display()));
            }
        }
    }
    if tree.orphans {
        for path in orphans(tree, others)? {
            changes.push(Change {
                path,
                kind: ChangeKind::Orphaned,
            });
        }
    }
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(changes)
}

/// Writes the missing and stale files atomically and removes the orphaned ones (and
/// directories left empty by that).
pub fn apply(tree: &Tree, changes: &[Change]) -> Result<()> {
    for change in changes {
        match change.kind {
            ChangeKind::Missing | ChangeKind::Stale => {
                if let Some(content) = tree.wanted(&change.path) {
                    atomic::write(&change.path, content.as_bytes())?;
                }
            }
            ChangeKind::Orphaned => {
                std::fs::remove_file(&change.path)
                    .with_context(|| format!("failed to remove {}", change.path.display()))?;
                if let Some(dir) = change.path.parent() {
                    // Only succeeds when the directory is empty, which is what is wanted.
                    let _ = std::fs::remove_dir(dir);
                }
            }
        }
    }
    Ok(())
}

fn orphans(tree: &Tree, others: &BTreeSet<PathBuf>) -> Result<Vec<PathBuf>> {
    let wanted =
        |relative: &PathBuf| tree.files.contains_key(relative) || others.contains(relative);
    let mut found = Vec::new();
    let mut dirs: BTreeSet<String> = tree.documents.clone();
    if tree.complete {
        for entry in read_dir(&tree.root)? {
            if entry.is_dir()
                && let Some(name) = entry.file_name()
            {
                dirs.insert(name.to_string_lossy().into_owned());
            }
        }
    }
    for dir in dirs {
        let full = tree.root.join(&dir);
        for path in read_dir(&full)? {
            let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
                continue;
            };
            if path.is_dir() {
                continue;
            }
            let relative = PathBuf::from(&dir).join(&name);
            let wanted = if atomic::is_debris(&name) {
                false
            } else if let Some(stem) = tree.pending.and_then(|p| name.strip_suffix(p)) {
                wanted(&PathBuf::from(&dir).join(format!("{stem}{}", tree.extension)))
            } else if name.ends_with(tree.extension) {
                wanted(&relative)
            } else {
                // Files of other kinds (a README, editor backups) are not ours to judge.
                true
            };
            if !wanted {
                found.push(path);
            }
        }
    }
    Ok(found)
}

fn read_dir(dir: &Path) -> Result<Vec<PathBuf>> {
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            let mut paths = entries
                .map(|e| e.map(|e| e.path()))
                .collect::<std::io::Result<Vec<_>>>()
                .with_context(|| format!("failed to read {}", dir.display()))?;
            paths.sort();
            Ok(paths)
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(err) => Err(err).with_context(|| format!("failed to read {}", dir.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(root: &Path, files: &[(&str, &str)], complete: bool) -> Tree {
        Tree {
            root: root.to_path_buf(),
            extension: ".py",
            pending: None,
            files: files
                .iter()
                .map(|(p, c)| (PathBuf::from(p), (*c).to_owned()))
                .collect(),
            documents: ["doc".to_owned()].into_iter().collect(),
            complete,
            orphans: true,
        }
    }

    #[test]
    fn compare_and_apply_bring_the_disk_up_to_date() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("snippets");
        std::fs::create_dir_all(root.join("doc")).expect("mkdir");
        std::fs::create_dir_all(root.join("gone")).expect("mkdir");
        std::fs::write(root.join("doc/a.py"), "old").expect("write");
        std::fs::write(root.join("doc/b.py"), "same").expect("write");
        std::fs::write(root.join("doc/x.py"), "orphan").expect("write");
        std::fs::write(root.join("doc/notes.txt"), "not ours").expect("write");
        std::fs::write(root.join("gone/y.py"), "orphan").expect("write");
        let t = tree(
            &root,
            &[("doc/a.py", "new"), ("doc/b.py", "same"), ("doc/c.py", "c")],
            false,
        );
        let changes = compare(&t).expect("compare");
        let got: Vec<(String, ChangeKind)> = changes
            .iter()
            .map(|c| {
                (
                    c.path
                        .strip_prefix(&root)
                        .expect("under root")
                        .display()
                        .to_string(),
                    c.kind,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("doc/a.py".to_owned(), ChangeKind::Stale),
                ("doc/c.py".to_owned(), ChangeKind::Missing),
                ("doc/x.py".to_owned(), ChangeKind::Orphaned),
            ]
        );
        let complete = tree(
            &root,
            &[("doc/a.py", "new"), ("doc/b.py", "same"), ("doc/c.py", "c")],
            true,
        );
        let changes = compare(&complete).expect("compare");
        assert!(changes.iter().any(|c| c.path.ends_with("gone/y.py")));
        apply(&complete, &changes).expect("apply");
        assert!(compare(&complete).expect("compare").is_empty());
        assert_eq!(
            std::fs::read_to_string(root.join("doc/a.py")).expect("read"),
            "new"
        );
        assert!(!root.join("gone").exists());
        assert!(root.join("doc/notes.txt").exists());
    }

    #[test]
    fn other_shards_files_are_neither_compared_nor_orphans() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("expected");
        std::fs::create_dir_all(root.join("doc")).expect("mkdir");
        std::fs::write(root.join("doc/mine.py"), "mine").expect("write");
        std::fs::write(root.join("doc/theirs.py"), "whatever").expect("write");
        std::fs::write(root.join("doc/theirs.py.new"), "pending").expect("write");
        std::fs::write(root.join("doc/gone.py"), "orphan").expect("write");
        let mut t = tree(&root, &[("doc/mine.py", "mine")], true);
        t.pending = Some(".py.new");
        let others: BTreeSet<PathBuf> = [PathBuf::from("doc/theirs.py")].into_iter().collect();
        let got: Vec<(PathBuf, ChangeKind)> = compare_except(&t, &others)
            .expect("compare")
            .into_iter()
            .map(|c| (c.path, c.kind))
            .collect();
        assert_eq!(got, [(root.join("doc/gone.py"), ChangeKind::Orphaned)]);
        let all: Vec<PathBuf> = compare(&t)
            .expect("compare")
            .into_iter()
            .map(|c| c.path)
            .collect();
        assert_eq!(
            all,
            [
                root.join("doc/gone.py"),
                root.join("doc/theirs.py"),
                root.join("doc/theirs.py.new")
            ],
            "without the other shards, their files are orphans"
        );
    }
}
