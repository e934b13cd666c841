//! Pending snapshots: the `.snap.new` files `verify` leaves under `expected/`, found, checked
//! and then accepted (the `.snap` replaced by their content) or rejected (removed), as
//! `snipcheck review` does them.
//!
//! [`find`] reads everything before anything is changed: each `.snap.new` must be a plain file
//! holding a snipcheck transcript whose `expression:` is the snippet its path names, and
//! neither it nor its `.snap` may be a symbolic link; any other case is an error naming the
//! file. [`accept`] and [`reject`] then touch only those two files, through
//! [`crate::atomic`] and [`remove_pending`].

use super::{
    Corrupt, EXTENSION, PENDING, Snap, VERSION_SEPARATOR, diff, is_transcript, parse, pending_path,
    refuse_link,
};
use crate::atomic;
use crate::files::generated::check_path;
use anyhow::{Context, Result, bail};
use std::collections::BTreeSet;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// One pending snapshot and the accepted one it would replace.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The snippet id (the header's `expression:`, which its path names too).
    pub id: String,
    /// The Python version of a version's own snapshot (`<id>@<version>.snap.new`, its header's
    /// `info: python:` the same), in a run on several Pythons.
    pub python: Option<String>,
    /// `expected/<id>.snap.new`.
    pub path: PathBuf,
    /// `expected/<id>.snap`.
    pub accepted: PathBuf,
    /// The pending snapshot.
    pub new: Snap,
    /// What the `.snap` holds now.
    pub old: Accepted,
    /// The `.snap.new` file's text, which accepting writes to the `.snap` unchanged.
    text: String,
}

/// The accepted snapshot beside a pending one.
#[derive(Debug, Clone)]
pub enum Accepted {
    /// There is none yet: the snippet is new.
    Missing,
    /// A snapshot.
    Snap(Snap),
    /// A file that is not one (its text, read lossily, and why).
    Corrupt {
        /// The file's text.
        text: String,
        /// What is wrong with it.
        corrupt: Corrupt,
    },
}

impl Pending {
    /// A unified diff from the accepted body to the pending one (every line added when there
    /// is no accepted snapshot); empty when the bodies are the same.
    pub fn diff(&self) -> String {
        let old = match &self.old {
            Accepted::Missing => "",
            Accepted::Snap(snap) => &snap.body,
            Accepted::Corrupt { text, .. } => text,
        };
        if matches!(&self.old, Accepted::Snap(snap) if snap.same_body(&self.new)) {
            return String::new();
        }
        diff(old, &self.new.body)
    }
}

/// Every pending snapshot under `root` (`expected/`), in path order; only in the directories of
/// `documents` (note names) when given. Reads, never writes; `Err` names the first file that
/// is a link or not a snipcheck snapshot, before anything is changed.
pub fn find(root: &Path, documents: Option<&BTreeSet<String>>) -> Result<Vec<Pending>> {
    let dirs: Vec<PathBuf> = match documents {
        Some(documents) => documents.iter().map(PathBuf::from).collect(),
        None => vec![PathBuf::new()],
    };
    let mut found = Vec::new();
    for dir in dirs {
        check_path(root, &dir)?;
        walk(root, &dir, &mut found)?;
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(found)
}

/// Accepts a pending snapshot: its text replaces the `.snap` atomically, then the `.snap.new`
/// is removed.
pub fn accept(pending: &Pending) -> Result<()> {
    refuse_link(&pending.accepted)?;
    atomic::write(&pending.accepted, pending.text.as_bytes())?;
    remove_pending(&pending.path)?;
    Ok(())
}

/// Rejects a pending snapshot: the `.snap.new` is removed, the `.snap` left as it is.
pub fn reject(pending: &Pending) -> Result<()> {
    remove_pending(&pending.path)?;
    Ok(())
}

/// Removes the pending snapshot at `path` (never through a link); `Ok(false)` when there was
/// none. `verify` (a snapshot that matches again), `update` (one it supersedes) and `review`
/// all remove pending snapshots this way.
pub fn remove_pending(path: &Path) -> Result<bool> {
    refuse_link(path)?;
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(err) => Err(err).with_context(|| format!("failed to remove {}", path.display())),
    }
}

/// Collects the pending snapshots under `root/dir`, recursively (a snippet id may hold more
/// than one `/`).
fn walk(root: &Path, dir: &Path, found: &mut Vec<Pending>) -> Result<()> {
    let full = root.join(dir);
    let entries = match std::fs::read_dir(&full) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(err).with_context(|| format!("failed to read {}", full.display())),
    };
    let mut names: Vec<std::ffi::OsString> = entries
        .map(|entry| entry.map(|e| e.file_name()))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("failed to read {}", full.display()))?;
    names.sort();
    for name in names {
        // A name that is not UTF-8 is no name snipcheck gives.
        let Some(name) = name.to_str() else {
            continue;
        };
        if atomic::is_debris(name) {
            continue;
        }
        let relative = dir.join(name);
        let path = root.join(&relative);
        let meta = std::fs::symlink_metadata(&path)
            .with_context(|| format!("failed to inspect {}", path.display()))?;
        if meta.file_type().is_symlink() {
            // A linked snapshot, or a linked directory that may hold some, is never followed.
            if name.ends_with(PENDING) || path.is_dir() {
                check_path(root, &relative)?;
            }
            continue;
        }
        if meta.is_dir() {
            walk(root, &relative, found)?;
        } else if let Some(stem) = name.strip_suffix(PENDING) {
            check_path(root, &relative)?;
            found.push(read_pending(&path, &dir.join(stem))?);
        }
    }
    Ok(())
}

/// Reads and checks one pending snapshot; `id_path` is its path under the root without the
/// extension, which must be the snippet id its header names.
fn read_pending(path: &Path, id_path: &Path) -> Result<Pending> {
    let not_ours = |why: String| {
        anyhow::anyhow!(
            "{}: not a snapshot snipcheck wrote ({why}); `snipcheck review` accepts only the .snap.new files `snipcheck verify` leaves, so move or remove this one",
            path.display()
        )
    };
    let Some(bytes) = read_plain(path)? else {
        bail!("{} disappeared while it was read", path.display());
    };
    let text = String::from_utf8(bytes).map_err(|_| not_ours("not UTF-8".to_owned()))?;
    let new = parse(&text)
        .map_err(|corrupt| not_ours(format!("line {}: {}", corrupt.line, corrupt.message)))?;
    if !is_transcript(&text) {
        return Err(not_ours(
            "its description is not a snipcheck transcript's".to_owned(),
        ));
    }
    // `<id>@<version>`: a version's own snapshot, which names its version (a slug never holds
    // the separator; a note's directory may).
    let stem = id_path.display().to_string();
    let (id, python) = match id_path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|name| name.rsplit_once(VERSION_SEPARATOR))
    {
        Some((_, version)) => {
            let id = stem[..stem.len() - version.len() - 1].to_owned();
            if new.info("python") != Some(version) {
                return Err(not_ours(format!(
                    "its path is that of Python {version}'s own snapshot, but its header's `info:` names {}",
                    new.info("python")
                        .map_or("no python".to_owned(), |p| format!("python {p:?}"))
                )));
            }
            (id, Some(version.to_owned()))
        }
        None => (stem, None),
    };
    match new.field("expression") {
        Some(expression) if expression == id => {}
        Some(other) => {
            return Err(not_ours(format!(
                "its header names snippet {other:?}, but its path is that of {id:?}"
            )));
        }
        None => return Err(not_ours("its header names no snippet".to_owned())),
    }
    let accepted = PathBuf::from(
        path.to_str()
            .and_then(|p| p.strip_suffix(PENDING))
            .map(|stem| format!("{stem}{EXTENSION}"))
            .with_context(|| format!("{}: not a .snap.new path", path.display()))?,
    );
    debug_assert_eq!(pending_path(&accepted), path);
    refuse_link(&accepted)?;
    let old = match read_plain(&accepted)? {
        None => Accepted::Missing,
        Some(bytes) => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            match parse(&text) {
                Ok(snap) if std::str::from_utf8(&bytes).is_ok() => Accepted::Snap(snap),
                Ok(_) => Accepted::Corrupt {
                    text,
                    corrupt: Corrupt {
                        line: crate::line::LineNo::FIRST,
                        message: "the file is not valid UTF-8".to_owned(),
                    },
                },
                Err(corrupt) => Accepted::Corrupt { text, corrupt },
            }
        }
    };
    Ok(Pending {
        id,
        python,
        path: path.to_path_buf(),
        accepted,
        new,
        old,
        text,
    })
}

/// The bytes of the file at `path`, never through a symbolic link (`O_NOFOLLOW`); `None` when
/// it does not exist.
fn read_plain(path: &Path) -> Result<Option<Vec<u8>>> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path);
    let mut file = match file {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) if err.raw_os_error() == Some(libc::ELOOP) => {
            refuse_link(path)?;
            return Err(err).with_context(|| format!("failed to read {}", path.display()));
        }
        Err(err) => return Err(err).with_context(|| format!("failed to read {}", path.display())),
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .with_context(|| format!("failed to read {}", path.display()))?;
    Ok(Some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::snapshot::Value;

    fn snap(id: &str, body: &str) -> String {
        Snap {
            header: vec![
                ("source".to_owned(), Value::Str("notes/n.md".to_owned())),
                (
                    "description".to_owned(),
                    Value::Str("snipcheck transcript: what each statement printed".to_owned()),
                ),
                ("expression".to_owned(), Value::Str(id.to_owned())),
                (
                    "info".to_owned(),
                    Value::Map(vec![("lines".to_owned(), Value::Str("3-5".to_owned()))]),
                ),
            ],
            body: body.to_owned(),
        }
        .to_text()
    }

    #[test]
    fn finds_checks_accepts_and_rejects() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("expected");
        std::fs::create_dir_all(root.join("n")).expect("mkdir");
        std::fs::create_dir_all(root.join("m")).expect("mkdir");
        std::fs::write(root.join("n/a.snap"), snap("n/a", "L1 x\n  stdout: 1")).expect("write");
        std::fs::write(root.join("n/a.snap.new"), snap("n/a", "L1 x\n  stdout: 2")).expect("write");
        std::fs::write(root.join("n/b.snap.new"), snap("n/b", "L1 y")).expect("write");
        std::fs::write(root.join("m/c.snap.new"), snap("m/c", "L1 z")).expect("write");
        std::fs::write(root.join("n/.snipcheck-tmp-x"), "debris").expect("write");

        let all = find(&root, None).expect("find");
        let ids: Vec<&str> = all.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["m/c", "n/a", "n/b"]);
        let only_n: BTreeSet<String> = ["n".to_owned()].into_iter().collect();
        let pending = find(&root, Some(&only_n)).expect("find");
        assert_eq!(pending.len(), 2);
        let (a, b) = (&pending[0], &pending[1]);
        assert_eq!(a.new.info("lines"), Some("3-5"));
        assert!(
            a.diff().contains("-  stdout: 1\n+  stdout: 2"),
            "{}",
            a.diff()
        );
        assert!(matches!(b.old, Accepted::Missing));
        assert!(b.diff().contains("+L1 y"), "{}", b.diff());
        assert!(!b.diff().contains("\n-"), "nothing removed: {}", b.diff());

        accept(a).expect("accept");
        reject(b).expect("reject");
        assert_eq!(
            std::fs::read_to_string(root.join("n/a.snap")).expect("read"),
            snap("n/a", "L1 x\n  stdout: 2")
        );
        assert!(!root.join("n/a.snap.new").exists());
        assert!(!root.join("n/b.snap.new").exists());
        assert!(!root.join("n/b.snap").exists(), "rejecting writes nothing");
        assert_eq!(find(&root, Some(&only_n)).expect("find").len(), 0);
        assert!(!remove_pending(&root.join("n/a.snap.new")).expect("gone"));
    }

    #[test]
    fn links_and_foreign_files_are_errors_naming_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("expected");
        std::fs::create_dir_all(root.join("n")).expect("mkdir");
        let error = |root: &Path| find(root, None).expect_err("must be refused").to_string();
        std::fs::write(root.join("n/a.snap.new"), "not a snapshot\n").expect("write");
        let message = error(&root);
        assert!(
            message.contains("n/a.snap.new: not a snapshot snipcheck wrote (line 1"),
            "{message}"
        );
        std::fs::write(root.join("n/a.snap.new"), snap("n/other", "L1")).expect("write");
        assert!(
            error(&root).contains("names snippet \"n/other\""),
            "{}",
            error(&root)
        );
        std::fs::write(
            root.join("n/a.snap.new"),
            b"---\nexpression: n/a\n---\n\xff\n",
        )
        .expect("write");
        assert!(error(&root).contains("not UTF-8"), "{}", error(&root));
        std::fs::remove_file(root.join("n/a.snap.new")).expect("rm");

        let outside = dir.path().join("outside.snap");
        std::fs::write(&outside, snap("n/a", "L1")).expect("write");
        std::os::unix::fs::symlink(&outside, root.join("n/a.snap.new")).expect("symlink");
        assert!(
            error(&root).contains("a.snap.new is a symbolic link"),
            "{}",
            error(&root)
        );
        std::fs::remove_file(root.join("n/a.snap.new")).expect("rm");

        std::fs::write(root.join("n/a.snap.new"), snap("n/a", "L1")).expect("write");
        std::os::unix::fs::symlink(&outside, root.join("n/a.snap")).expect("symlink");
        assert!(
            error(&root).contains("a.snap is a symbolic link"),
            "{}",
            error(&root)
        );
        std::fs::remove_file(root.join("n/a.snap")).expect("rm");

        std::os::unix::fs::symlink(dir.path(), root.join("linked")).expect("symlink");
        assert!(
            error(&root).contains("linked is a symbolic link"),
            "{}",
            error(&root)
        );
        assert_eq!(
            std::fs::read_to_string(&outside).expect("read"),
            snap("n/a", "L1"),
            "nothing behind a link changed"
        );
    }

    #[test]
    fn a_versions_own_pending_snapshot_names_its_version_in_its_path_and_header() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("expected");
        std::fs::create_dir_all(root.join("n")).expect("mkdir");
        let own = |python: &str| {
            snap("n/a", "L1 x").replace(
                "  lines: 3-5\n",
                &format!("  lines: 3-5\n  python: \"{python}\"\n"),
            )
        };
        std::fs::write(root.join("n/a@3.13.snap.new"), own("3.13")).expect("write");
        let found = find(&root, None).expect("find");
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].id.as_str(), found[0].python.as_deref()),
            ("n/a", Some("3.13"))
        );
        assert_eq!(found[0].accepted, root.join("n/a@3.13.snap"));
        accept(&found[0]).expect("accept");
        assert_eq!(
            std::fs::read_to_string(root.join("n/a@3.13.snap")).expect("read"),
            own("3.13")
        );
        assert!(
            !root.join("n/a.snap").exists(),
            "the first version's is untouched"
        );

        // A path and a header that disagree on the version are not snipcheck's.
        std::fs::write(root.join("n/a@3.12.snap.new"), own("3.13")).expect("write");
        let message = find(&root, None).expect_err("refused").to_string();
        assert!(
            message.contains(
                "Python 3.12's own snapshot, but its header's `info:` names python \"3.13\""
            ),
            "{message}"
        );
        std::fs::write(root.join("n/a@3.12.snap.new"), snap("n/a", "L1 x")).expect("write");
        let message = find(&root, None).expect_err("refused").to_string();
        assert!(message.contains("names no python"), "{message}");
    }
}
