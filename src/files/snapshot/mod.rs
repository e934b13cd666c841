//! `expected/`: each snippet's accepted transcript, as an insta `.snap` file at
//! `expected/<snippet id>.snap`. This is the only layer that writes under `expected/`.
//!
//! [`expected`] turns a snippet's run into the snapshot it should have; [`review`] compares it
//! with the accepted one, as `verify` does, and leaves a `<name>.snap.new` beside it when it
//! differs (never in CI, insta's rule; see [`crate::environment::is_ci`]); [`tree`] is what
//! `update` writes.

mod format;
mod redact;
mod transcript;

pub use format::{Corrupt, Snap, Value, parse};
pub use transcript::{Transcript, transcript};

use crate::atomic;
use crate::config::Config;
use crate::files::generated::Tree;
use crate::judge::SnippetCheck;
use crate::plan::Snippet;
use crate::run::outcome::Outcome;
use anyhow::{Context, Result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The directory of accepted snapshots, under the project directory.
pub const DIR: &str = "expected";
/// The extension of accepted snapshots.
pub const EXTENSION: &str = ".snap";
/// How every snapshot's description starts.
const DESCRIPTION: &str = "snipcheck transcript";
/// The extension of pending snapshots, insta's.
pub const PENDING: &str = ".snap.new";

/// One snippet's snapshot as the current run produces it.
#[derive(Debug, Clone)]
pub struct Expected {
    /// The snippet id.
    pub id: String,
    /// `expected/<id>.snap`.
    pub path: PathBuf,
    /// The content.
    pub snap: Snap,
}

/// How a snippet's transcript compares with its accepted snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Same body.
    Match,
    /// Different body; a unified diff from accepted to new.
    Changed {
        /// The diff.
        diff: String,
    },
    /// No accepted snapshot.
    Missing,
    /// The accepted file is not a `.snap` file.
    Corrupt(Corrupt),
}

/// The comparison of one snippet.
#[derive(Debug, Clone)]
pub struct Reviewed {
    /// The snapshot the run produced.
    pub expected: Expected,
    /// How it compares.
    pub status: Status,
    /// The `.snap.new` written for it.
    pub pending: Option<PathBuf>,
}

/// The snapshot a snippet should have, from its run and its verdicts.
pub fn expected(
    config: &Config,
    snippet: &Snippet,
    outcome: &Outcome,
    check: &SnippetCheck,
) -> Expected {
    let root = crate::files::generated::root(&config.base_dir(), DIR);
    let Transcript { body, filters } = transcript(snippet, outcome, check);
    let mut info = vec![(
        "lines".to_owned(),
        Value::Str(format!(
            "{}-{}",
            snippet.block.first_line, snippet.block.end_line
        )),
    )];
    if let Some(section) = &snippet.block.section {
        info.push(("section".to_owned(), Value::Str(section.title.clone())));
    }
    info.push((
        "filters".to_owned(),
        Value::List(filters.iter().map(|f| (*f).to_owned()).collect()),
    ));
    let snap = Snap {
        header: vec![
            (
                "source".to_owned(),
                Value::Str(crate::files::generated::document_path(
                    &config.base_dir(),
                    &snippet.path,
                )),
            ),
            (
                "description".to_owned(),
                Value::Str(format!(
                    "{DESCRIPTION}: what each statement printed, returned or raised, each claim's verdict, and the end"
                )),
            ),
            ("expression".to_owned(), Value::Str(snippet.id.clone())),
            ("info".to_owned(), Value::Map(info)),
        ],
        body,
    };
    Expected {
        id: snippet.id.clone(),
        path: root.join(format!("{}{EXTENSION}", snippet.id)),
        snap,
    }
}

/// What `update` writes under `expected/`: one `.snap` per snippet in `expected`; orphans are
/// looked for in the directories of the tracked notes `documents` (by name).
pub fn tree(
    config: &Config,
    documents: BTreeSet<String>,
    expected: &[&Expected],
    complete: bool,
    orphans: bool,
) -> Tree {
    let root = crate::files::generated::root(&config.base_dir(), DIR);
    Tree {
        files: expected
            .iter()
            .map(|e| {
                (
                    PathBuf::from(format!("{}{EXTENSION}", e.id)),
                    e.snap.to_text(),
                )
            })
            .collect(),
        documents,
        complete,
        orphans,
        extension: EXTENSION,
        pending: Some(PENDING),
        root,
        owned: is_transcript,
    }
}

/// Whether `text` is a snapshot snipcheck wrote: a `.snap` whose description is a snipcheck
/// transcript's. Any other file under `expected/` is never removed as an orphan.
fn is_transcript(text: &str) -> bool {
    parse(text).is_ok_and(|snap| {
        snap.header.iter().any(|(key, value)| {
            key == "description"
                && matches!(value, Value::Str(description) if description.starts_with(DESCRIPTION))
        })
    })
}

/// The path of the pending snapshot beside `path`.
pub fn pending_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".new");
    PathBuf::from(name)
}

/// Compares a snapshot with the accepted one. With `write_pending` (outside CI), writes a
/// `.snap.new` when it differs or is missing and removes a stale `.snap.new` when it matches;
/// in CI nothing is written.
pub fn review(expected: Expected, write_pending: bool) -> Result<Reviewed> {
    let pending_path = pending_path(&expected.path);
    refuse_link(&expected.path)?;
    refuse_link(&pending_path)?;
    let status = match std::fs::read_to_string(&expected.path) {
        Ok(text) => match parse(&text) {
            Ok(accepted) if accepted.same_body(&expected.snap) => Status::Match,
            Ok(accepted) => Status::Changed {
                diff: diff(&accepted.body, &expected.snap.body),
            },
            Err(corrupt) => Status::Corrupt(corrupt),
        },
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Status::Missing,
        Err(err) => {
            return Err(err).with_context(|| format!("failed to read {}", expected.path.display()));
        }
    };
    let mut pending = None;
    if write_pending {
        if status == Status::Match {
            match std::fs::remove_file(&pending_path) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => {
                    return Err(err)
                        .with_context(|| format!("failed to remove {}", pending_path.display()));
                }
            }
        } else {
            atomic::write(&pending_path, expected.snap.to_text().as_bytes())?;
            pending = Some(pending_path);
        }
    }
    Ok(Reviewed {
        expected,
        status,
        pending,
    })
}

/// Fails when `path` is a symbolic link: a snapshot is never read, written or removed through
/// one (its directories are checked with the tree, `generated::check_path`).
pub fn refuse_link(path: &Path) -> Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => anyhow::bail!(
            "{} is a symbolic link: snipcheck never reads, writes or removes a snapshot through one; replace it with the real file",
            path.display()
        ),
        _ => Ok(()),
    }
}

/// A unified diff from the accepted body to the new one.
pub fn diff(accepted: &str, new: &str) -> String {
    let accepted = format!("{}\n", accepted.trim_end());
    let new = format!("{}\n", new.trim_end());
    similar::TextDiff::from_lines(&accepted, &new)
        .unified_diff()
        .context_radius(3)
        .header("accepted", "new")
        .to_string()
}
