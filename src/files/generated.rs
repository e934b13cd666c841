//! Generated trees: the `snippets/` and `expected/` directories, one file per snippet at
//! `<root>/<snippet id><extension>`, compared with what is on disk and brought up to date.
//!
//! A [`Tree`] is what the files should be. [`compare`] lists the differences (stale, missing,
//! orphaned) without writing; [`apply`] writes only the files whose content changed, each
//! atomically ([`crate::atomic`]), and removes orphans. Orphans are looked for only in the
//! directories the run owns: the directories of the documents it read, and — when it read every
//! note the config lists — any other document directory under the root.
//!
//! Nothing outside the two roots is ever read, written or removed: every name that becomes a
//! path component is checked ([`check_name`]: never empty, `.`, `..`, a separator or a NUL), a
//! symbolic link at the root, at a document directory or at a file is an error naming it (never
//! followed, never removed), and an orphan is removed only when its content is one snipcheck
//! generates ([`Tree::owned`]); any other file is not snipcheck's to judge.

use crate::atomic;
use anyhow::{Context, Result, bail};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

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
    /// Whether a file's content is one snipcheck generates here (its header): only such a file
    /// is ever an orphan, and removed.
    pub owned: fn(&str) -> bool,
}

/// Why `name` cannot name a file or directory under a generated root, if it cannot: it must
/// be one plain path component.
pub fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        Err("it is empty")
    } else if name == "." || name == ".." {
        Err("it names a directory itself, not one inside snippets/ and expected/")
    } else if name.contains(['/', '\\']) {
        Err("it holds a path separator")
    } else if name.contains('\0') {
        Err("it holds a NUL byte")
    } else {
        Ok(())
    }
}

/// A notes file's name (its stem, or its path relative to the config's directory when stems
/// collide: the first part of its snippets' ids) as the directory of its generated files: each
/// `/`-separated part must be a plain name. An error naming the file when it cannot be one.
pub fn check_document(path: &Path, name: &str) -> Result<()> {
    name.split('/').try_for_each(check_name).or_else(|why| {
        bail!(
            "{}: its name {name:?} cannot be a directory under snippets/ and expected/ ({why}); rename the file",
            path.display()
        )
    })
}

/// Fails when `root`, or any path from it down to `root/relative`, is a symbolic link, or when
/// `relative` is not a plain relative path: snipcheck never writes, reads or removes through a
/// link, and never leaves its root. Paths that do not exist yet are fine.
pub fn check_path(root: &Path, relative: &Path) -> Result<()> {
    for component in relative.components() {
        let plain = match component {
            Component::Normal(name) => name.to_str().is_some_and(|n| check_name(n).is_ok()),
            _ => false,
        };
        if !plain {
            bail!(
                "{}: not a plain path inside {} (a generated file's name comes from a note's name and a snippet id)",
                relative.display(),
                root.display()
            );
        }
    }
    let mut path = root.to_path_buf();
    let mut levels = vec![path.clone()];
    for component in relative.components() {
        path.push(component);
        levels.push(path.clone());
    }
    for level in levels {
        match std::fs::symlink_metadata(&level) {
            Ok(meta) if meta.file_type().is_symlink() => bail!(
                "{} is a symbolic link: snipcheck never writes, reads or removes through one under {}; replace it with the real directory or file",
                level.display(),
                root.display()
            ),
            Ok(_) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => break,
            Err(err) => {
                return Err(err).with_context(|| format!("failed to inspect {}", level.display()));
            }
        }
    }
    Ok(())
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
    for document in &tree.documents {
        check_path(&tree.root, Path::new(document))?;
    }
    let mut changes = Vec::new();
    for (relative, content) in &tree.files {
        check_path(&tree.root, relative)?;
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
            // Unreadable (a directory in its place, no permission): not what it should be;
            // writing it says what stops that.
            Err(_) => changes.push(Change {
                path,
                kind: ChangeKind::Stale,
            }),
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
        let relative = change.path.strip_prefix(&tree.root).with_context(|| {
            format!(
                "{} is not inside {}",
                change.path.display(),
                tree.root.display()
            )
        })?;
        check_path(&tree.root, relative)?;
        match change.kind {
            ChangeKind::Missing | ChangeKind::Stale => {
                if let Some(content) = tree.wanted(&change.path) {
                    atomic::write(&change.path, content.as_bytes())?;
                }
            }
            ChangeKind::Orphaned => {
                std::fs::remove_file(&change.path)
                    .with_context(|| format!("failed to remove {}", change.path.display()))?;
                // Each directory left empty, up to (not including) the root: removing one
                // only succeeds when it is empty, which is what is wanted.
                let mut dir = change.path.parent();
                while let Some(parent) =
                    dir.filter(|d| *d != tree.root && d.starts_with(&tree.root))
                {
                    if std::fs::remove_dir(parent).is_err() {
                        break;
                    }
                    dir = parent.parent();
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
        check_path(&tree.root, Path::new(""))?;
        // A note named by its path (`docs/howto/index`) has its directory deeper down.
        document_dirs(tree, Path::new(""), &mut dirs)?;
    }
    for dir in dirs {
        check_path(&tree.root, Path::new(&dir))?;
        let full = tree.root.join(&dir);
        for path in read_dir(&full)? {
            // A name that is not UTF-8 is no name snipcheck gives.
            let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
                continue;
            };
            let relative = PathBuf::from(&dir).join(&name);
            check_path(&tree.root, &relative)?;
            if path.is_dir() {
                continue;
            }
            let orphan = if atomic::is_debris(&name) {
                true
            } else if let Some(stem) = tree.pending.and_then(|p| name.strip_suffix(p)) {
                !wanted(&PathBuf::from(&dir).join(format!("{stem}{}", tree.extension)))
                    && is_owned(tree, &path)
            } else if name.ends_with(tree.extension) {
                !wanted(&relative) && is_owned(tree, &path)
            } else {
                // Files of other kinds (a README, editor backups) are not ours to judge.
                false
            };
            if orphan {
                found.push(path);
            }
        }
    }
    Ok(found)
}

/// Every directory under `root/dir`, recursively, as a path relative to the root; each is
/// checked (no link, plain names) before it is entered.
fn document_dirs(tree: &Tree, dir: &Path, dirs: &mut BTreeSet<String>) -> Result<()> {
    for entry in read_dir(&tree.root.join(dir))? {
        let Some(name) = entry.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if check_name(name).is_err() {
            continue;
        }
        let relative = dir.join(name);
        check_path(&tree.root, &relative)?;
        if entry.is_dir() {
            let Some(text) = relative.to_str() else {
                continue;
            };
            dirs.insert(text.to_owned());
            document_dirs(tree, &relative, dirs)?;
        }
    }
    Ok(())
}

/// Whether the file at `path` (not a link: checked before) holds what snipcheck generates in
/// this tree; a file snipcheck did not write is never removed, whatever its name.
fn is_owned(tree: &Tree, path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| (tree.owned)(&text))
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
            owned: |text| !text.starts_with("not ours"),
        }
    }

    #[test]
    fn only_plain_names_become_path_components() {
        for name in ["demo", "python-interview-notes", ".hidden", "a.b", "é"] {
            assert_eq!(check_name(name), Ok(()), "{name:?}");
        }
        for name in ["", ".", "..", "a/b", "/abs", "a\\b", "a\0b"] {
            assert!(check_name(name).is_err(), "{name:?}");
        }
        let err = check_document(Path::new("notes/...md"), "..").expect_err("..");
        assert!(
            err.to_string().starts_with("notes/...md: its name \"..\""),
            "{err}"
        );
    }

    #[test]
    fn links_and_escaping_paths_are_refused_before_anything_is_touched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("snippets");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(root.join("doc")).expect("mkdir");
        std::fs::create_dir_all(&outside).expect("mkdir");
        std::fs::write(outside.join("x.py"), "precious").expect("write");
        assert!(check_path(&root, Path::new("doc/a.py")).is_ok());
        assert!(
            check_path(&root, Path::new("new/a.py")).is_ok(),
            "not there yet"
        );
        for escaping in ["../x.py", "/etc/passwd", "doc/../../x.py", "./doc/a.py"] {
            assert!(
                check_path(&root, Path::new(escaping)).is_err(),
                "{escaping}"
            );
        }
        std::os::unix::fs::symlink(&outside, root.join("linked")).expect("symlink");
        std::os::unix::fs::symlink(outside.join("x.py"), root.join("doc/l.py")).expect("symlink");
        let err = check_path(&root, Path::new("linked/x.py")).expect_err("linked dir");
        assert!(
            err.to_string().contains("linked is a symbolic link"),
            "{err}"
        );
        assert!(check_path(&root, Path::new("doc/l.py")).is_err());

        // A tree naming the linked directory, or holding the linked file, fails to compare,
        // and nothing behind the links changes.
        let mut t = tree(&root, &[("doc/l.py", "new")], true);
        assert!(compare(&t).is_err());
        t.files.clear();
        t.documents = ["linked".to_owned()].into_iter().collect();
        assert!(compare(&t).is_err());
        let mut parent = tree(&root, &[], false);
        parent.documents = ["..".to_owned()].into_iter().collect();
        assert!(compare(&parent).is_err());
        assert_eq!(
            std::fs::read_to_string(outside.join("x.py")).expect("read"),
            "precious"
        );
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
