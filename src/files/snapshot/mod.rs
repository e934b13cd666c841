//! `expected/`: each snippet's accepted transcript, as an insta `.snap` file at
//! `expected/<snippet id>.snap`. This is the only layer that writes under `expected/`.
//!
//! [`expected`] turns a snippet's run into the snapshot it should have; [`review`] compares it
//! with the accepted one, as `verify` does, and leaves a `<name>.snap.new` beside it when it
//! differs (never in CI, insta's rule; see [`crate::environment::is_ci`]); [`tree`] is what
//! `update` writes; [`pending`] finds the `.snap.new` files and accepts or rejects them
//! (`review`).

mod format;
pub mod pending;
mod redact;
mod transcript;

pub use format::{Corrupt, Snap, Value, parse};
pub use pending::remove_pending;
pub use transcript::{Transcript, transcript};

use crate::atomic;
use crate::config::Config;
use crate::files::generated::Tree;
use crate::judge::SnippetCheck;
use crate::line::LineNo;
use crate::plan::Snippet;
use crate::run::outcome::Outcome;
use anyhow::Result;
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
    let status = match std::fs::read(&expected.path) {
        Ok(bytes) => match accepted(&bytes, &expected.id) {
            Ok(accepted) if accepted.same_body(&expected.snap) => Status::Match,
            Ok(accepted) => Status::Changed {
                diff: diff(&accepted.body, &expected.snap.body),
            },
            Err(corrupt) => Status::Corrupt(corrupt),
        },
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Status::Missing,
        // One unreadable snapshot is that snippet's problem, not the run's.
        Err(err) => Status::Corrupt(Corrupt {
            line: LineNo::FIRST,
            message: format!("cannot be read: {err}"),
        }),
    };
    let mut pending = None;
    if write_pending {
        if status == Status::Match {
            remove_pending(&pending_path)?;
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

/// An accepted snapshot's bytes as the snapshot of snippet `id`: UTF-8, insta's format, and a
/// header whose `expression` names this snippet (a header that names another one, or none, is
/// not this snippet's accepted transcript, whatever its body).
fn accepted(bytes: &[u8], id: &str) -> Result<Snap, Corrupt> {
    let text = std::str::from_utf8(bytes).map_err(|err| {
        let valid = &bytes[..err.valid_up_to()];
        Corrupt {
            line: LineNo::new(
                u32::try_from(valid.iter().filter(|&&b| b == b'\n').count() + 1)
                    .unwrap_or(u32::MAX),
            ),
            message: "the file is not valid UTF-8".to_owned(),
        }
    })?;
    let snap = parse(text)?;
    let expression = snap.header.iter().find_map(|(key, value)| match value {
        Value::Str(expression) if key == "expression" => Some(expression.as_str()),
        _ => None,
    });
    let at = text
        .lines()
        .position(|line| line.starts_with("expression:"))
        .map_or(LineNo::FIRST, |index| {
            LineNo::new(u32::try_from(index + 1).unwrap_or(u32::MAX))
        });
    match expression {
        Some(expression) if expression == id => Ok(snap),
        Some(other) => Err(Corrupt {
            line: at,
            message: format!("the header names snippet {other:?}, not {id:?}"),
        }),
        None => Err(Corrupt {
            line: LineNo::FIRST,
            message: format!("the header has no `expression:` naming the snippet ({id:?})"),
        }),
    }
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

/// A unified diff from the accepted body to the new one (an empty body has no lines, so a
/// new snapshot's diff only adds).
pub fn diff(accepted: &str, new: &str) -> String {
    let lines = |body: &str| match body.trim_end() {
        "" => String::new(),
        body => format!("{body}\n"),
    };
    let (accepted, new) = (lines(accepted), lines(new));
    similar::TextDiff::from_lines(&accepted, &new)
        .unified_diff()
        .context_radius(3)
        .header("accepted", "new")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expected(dir: &Path, id: &str, body: &str) -> Expected {
        Expected {
            id: id.to_owned(),
            path: dir.join(format!("{id}{EXTENSION}")),
            snap: Snap {
                header: vec![
                    ("source".to_owned(), Value::Str("notes/n.md".to_owned())),
                    ("expression".to_owned(), Value::Str(id.to_owned())),
                ],
                body: body.to_owned(),
            },
        }
    }

    fn status(expected: Expected) -> Status {
        review(expected, false)
            .expect("a snapshot's problem is its status")
            .status
    }

    #[test]
    fn a_bad_accepted_snapshot_is_that_snippets_problem_with_its_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let good = expected(dir.path(), "a", "L1 print(1)\n  stdout: 1");
        std::fs::write(&good.path, good.snap.to_text()).expect("write");
        assert_eq!(status(good.clone()), Status::Match);

        let corrupt = |bytes: &[u8]| {
            std::fs::write(&good.path, bytes).expect("write");
            match status(good.clone()) {
                Status::Corrupt(corrupt) => (corrupt.line.get(), corrupt.message),
                other => panic!("{bytes:?} is {other:?}"),
            }
        };
        let (line, message) = corrupt(b"---\nsource: x\nexpression: a\n---\nL1 \xff\n");
        assert_eq!((line, message.as_str()), (5, "the file is not valid UTF-8"));
        // Another snippet's snapshot, or one that names none, is not this one's, even with
        // the same body.
        let body = "L1 print(1)\n  stdout: 1\n";
        let (line, message) =
            corrupt(format!("---\nsource: x\nexpression: b\n---\n{body}").as_bytes());
        assert_eq!(line, 3);
        assert!(
            message.contains("names snippet \"b\", not \"a\""),
            "{message}"
        );
        let (line, message) = corrupt(format!("---\n---\n{body}").as_bytes());
        assert_eq!(line, 1);
        assert!(message.contains("no `expression:`"), "{message}");
        let (line, _) = corrupt(b"no header at all\n");
        assert_eq!(line, 1);

        // Unreadable (here: a directory where the file should be).
        std::fs::remove_file(&good.path).expect("remove");
        std::fs::create_dir(&good.path).expect("mkdir");
        match status(good) {
            Status::Corrupt(corrupt) => assert!(corrupt.message.starts_with("cannot be read")),
            other => panic!("{other:?}"),
        }
    }
}
