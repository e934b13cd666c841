//! `expected/`: each snippet's accepted transcript, as an insta `.snap` file at
//! `expected/<snippet id>.snap`. This is the only layer that writes under `expected/`.
//!
//! In a run on several Pythons, `<id>.snap` is the first version's transcript and
//! `<id>@<version>.snap` (insta's own suffix separator, which no slug holds) another version's,
//! only where it differs from the first's ([`expected_versions`], [`review_versions`]); such a
//! file's `info:` names its `python`, and a run on one Python leaves it alone ([`tree`]).
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
/// Between a snippet id and a Python version in a version's own snapshot (`<id>@3.13.snap`):
/// insta's separator for snapshot suffixes, so cargo-insta pairs `.snap.new` and `.snap` as
/// usual; a slug never holds it, so no snippet's own file has this name.
pub const VERSION_SEPARATOR: char = '@';

/// One snippet's snapshot as the current run produces it.
#[derive(Debug, Clone)]
pub struct Expected {
    /// The snippet id.
    pub id: String,
    /// `expected/<id>.snap`, or `expected/<id>@<version>.snap` for a version's own.
    pub path: PathBuf,
    /// The content.
    pub snap: Snap,
    /// In a run on several Pythons, the version whose transcript this is (for `<id>.snap`, every
    /// version that shares it: `3.12, 3.13`); `None`: one Python.
    pub python: Option<String>,
    /// Whether it is `<id>@<python>.snap`, a version's own (its transcript differs from the
    /// first version's), rather than `<id>.snap`.
    pub versioned: bool,
}

impl Expected {
    /// Its path under `expected/`: `<id>.snap` or `<id>@<python>.snap`.
    pub fn relative(&self) -> PathBuf {
        match (&self.python, self.versioned) {
            (Some(python), true) => {
                PathBuf::from(format!("{}{VERSION_SEPARATOR}{python}{EXTENSION}", self.id))
            }
            _ => PathBuf::from(format!("{}{EXTENSION}", self.id)),
        }
    }
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
    /// The accepted file it was compared with: its own, or `<id>.snap` for a version that has
    /// no `<id>@<version>.snap` yet.
    pub compared: PathBuf,
    /// In a run on several Pythons, the other versions' own snapshots that do not match (this
    /// one is the first that does not, or the first version's when all match).
    pub also: Vec<Reviewed>,
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
        python: None,
        versioned: false,
    }
}

/// The snapshots of a snippet run on several Pythons (`runs`: each version with its outcome
/// and verdicts, in the run's order): the first version's as `<id>.snap`, exactly as a run on
/// it alone writes it, then each other version's whose transcript differs from it, as
/// `<id>@<version>.snap` with `python: "<version>"` added to its `info:`.
pub fn expected_versions(
    config: &Config,
    snippet: &Snippet,
    runs: &[(&str, &Outcome, &SnippetCheck)],
) -> Vec<Expected> {
    let Some(((python, outcome, check), others)) = runs.split_first() else {
        return Vec::new();
    };
    let mut first = expected(config, snippet, outcome, check);
    // The versions whose transcript `<id>.snap` is.
    let mut shared = vec![*python];
    let mut all = Vec::new();
    for (python, outcome, check) in others {
        let mut own = expected(config, snippet, outcome, check);
        if own.snap == first.snap {
            shared.push(python);
            continue;
        }
        for (key, value) in &mut own.snap.header {
            if let (true, Value::Map(info)) = (key == "info", value) {
                info.push(("python".to_owned(), Value::Str((*python).to_owned())));
            }
        }
        own.python = Some((*python).to_owned());
        own.versioned = true;
        own.path = crate::files::generated::root(&config.base_dir(), DIR).join(own.relative());
        all.push(own);
    }
    first.python = Some(shared.join(", "));
    all.insert(0, first);
    all
}

/// What `update` writes under `expected/`: one `.snap` per snapshot in `expected`; orphans are
/// looked for in the directories of the tracked notes `documents` (by name). With `versions`
/// (a run on several Pythons) a version's own snapshot that is not wanted (its version not in
/// the run, or its transcript now the first version's) is an orphan like any other; on one
/// Python, versions' own snapshots (and their `.snap.new`) are not this run's to judge.
pub fn tree(
    config: &Config,
    documents: BTreeSet<String>,
    expected: &[&Expected],
    complete: bool,
    orphans: bool,
    versions: bool,
) -> Tree {
    let root = crate::files::generated::root(&config.base_dir(), DIR);
    Tree {
        files: expected
            .iter()
            .map(|e| (e.relative(), e.snap.to_text()))
            .collect(),
        documents,
        complete,
        orphans,
        extension: EXTENSION,
        pending: Some(PENDING),
        root,
        owned: if versions {
            is_transcript
        } else {
            is_unversioned_transcript
        },
    }
}

/// A snipcheck transcript that is not a version's own (`info:` names no `python`).
fn is_unversioned_transcript(text: &str) -> bool {
    is_transcript(text) && parse(text).is_ok_and(|snap| snap.info("python").is_none())
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
/// in CI nothing is written. A version's own snapshot with no `<id>@<version>.snap` yet is
/// compared with `<id>.snap`; its `.snap.new` is still its own.
pub fn review(expected: Expected, write_pending: bool) -> Result<Reviewed> {
    let pending_path = pending_path(&expected.path);
    refuse_link(&expected.path)?;
    refuse_link(&pending_path)?;
    let compared = if expected.versioned && std::fs::symlink_metadata(&expected.path).is_err() {
        let first = expected.path.with_file_name(
            Path::new(&format!("{}{EXTENSION}", expected.id))
                .file_name()
                .unwrap_or_default(),
        );
        refuse_link(&first)?;
        first
    } else {
        expected.path.clone()
    };
    let label = expected.python.as_deref();
    let status = match std::fs::read(&compared) {
        Ok(bytes) => match accepted(&bytes, &expected.id) {
            Ok(accepted) if accepted.same_body(&expected.snap) => Status::Match,
            Ok(accepted) => Status::Changed {
                diff: diff_labelled(&accepted.body, &expected.snap.body, label),
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
        compared,
        also: Vec::new(),
    })
}

/// [`review`] for each snapshot of a snippet ([`expected_versions`] on several Pythons; one
/// snapshot on one Python, which is then just [`review`]): the first that does not match, with
/// the others that do not in `also`; the first version's when all match.
pub fn review_versions(expected: Vec<Expected>, write_pending: bool) -> Result<Reviewed> {
    let mut reviewed = Vec::with_capacity(expected.len());
    for one in expected {
        reviewed.push(review(one, write_pending)?);
    }
    if reviewed.is_empty() {
        anyhow::bail!("a snippet run on several Pythons has no transcript");
    }
    let at = reviewed
        .iter()
        .position(|r| r.status != Status::Match)
        .unwrap_or(0);
    let mut first = reviewed.remove(at);
    // Those before `at` match.
    first.also = reviewed
        .into_iter()
        .filter(|r| r.status != Status::Match)
        .collect();
    Ok(first)
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
    diff_labelled(accepted, new, None)
}

/// [`diff`], its two sides named for the version `python` when there is one (`accepted
/// (Python 3.13)`).
fn diff_labelled(accepted: &str, new: &str, python: Option<&str>) -> String {
    let lines = |body: &str| match body.trim_end() {
        "" => String::new(),
        body => format!("{body}\n"),
    };
    let (accepted, new) = (lines(accepted), lines(new));
    let (old_label, new_label) = match python {
        Some(python) => (
            format!("accepted (Python {python})"),
            format!("new (Python {python})"),
        ),
        None => ("accepted".to_owned(), "new".to_owned()),
    };
    similar::TextDiff::from_lines(&accepted, &new)
        .unified_diff()
        .context_radius(3)
        .header(&old_label, &new_label)
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
            python: None,
            versioned: false,
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

    fn own(dir: &Path, id: &str, python: &str, body: &str) -> Expected {
        let mut own = expected(dir, id, body);
        own.python = Some(python.to_owned());
        own.versioned = true;
        own.path = dir.join(own.relative());
        own
    }

    #[test]
    fn a_versions_own_snapshot_falls_back_to_the_first_and_names_its_version() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = expected(dir.path(), "a", "L1 print(1)\n  stdout: 1");
        std::fs::write(&first.path, first.snap.to_text()).expect("write");
        let newer = own(dir.path(), "a", "3.13", "L1 print(1)\n  stdout: 2");
        assert_eq!(newer.path, dir.path().join("a@3.13.snap"));

        // No `a@3.13.snap` yet: compared with `a.snap`, its `.snap.new` its own.
        let reviewed = review(newer.clone(), true).expect("review");
        assert_eq!(reviewed.compared, first.path);
        match &reviewed.status {
            Status::Changed { diff } => assert!(
                diff.starts_with("--- accepted (Python 3.13)\n+++ new (Python 3.13)\n")
                    && diff.contains("-  stdout: 1\n+  stdout: 2"),
                "{diff}"
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(reviewed.pending, Some(dir.path().join("a@3.13.snap.new")));

        // Its own file, once accepted, is what it is compared with.
        std::fs::write(&newer.path, newer.snap.to_text()).expect("write");
        let reviewed = review(newer.clone(), true).expect("review");
        assert_eq!(
            (reviewed.status, reviewed.compared),
            (Status::Match, newer.path.clone())
        );
        assert!(
            !dir.path().join("a@3.13.snap.new").exists(),
            "a stale .snap.new goes"
        );

        // Several versions: the first that does not match, the others that do not in `also`.
        let all = || vec![first.clone(), newer.clone()];
        let reviewed = review_versions(all(), false).expect("review");
        assert_eq!((reviewed.status, reviewed.also.len()), (Status::Match, 0));
        assert_eq!(reviewed.expected.path, first.path);
        std::fs::write(&newer.path, "---\nexpression: a\n---\nL1 print(1)\n").expect("write");
        let reviewed = review_versions(all(), false).expect("review");
        assert_eq!(reviewed.expected.path, newer.path);
        assert!(reviewed.also.is_empty());
        std::fs::write(&first.path, "---\nexpression: a\n---\nL1 print(1)\n").expect("write");
        let reviewed = review_versions(all(), false).expect("review");
        assert_eq!(reviewed.expected.path, first.path);
        assert_eq!(reviewed.also.len(), 1);
        assert_eq!(reviewed.also[0].expected.path, newer.path);
    }

    #[test]
    fn only_a_run_on_several_pythons_owns_versions_own_snapshots() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut one = expected(dir.path(), "a", "L1");
        one.snap.header.push((
            "description".to_owned(),
            Value::Str(format!("{DESCRIPTION}: …")),
        ));
        let mut versioned = one.snap.clone();
        versioned.header.push((
            "info".to_owned(),
            Value::Map(vec![("python".to_owned(), Value::Str("3.13".to_owned()))]),
        ));
        assert!(
            is_transcript(&one.snap.to_text()) && is_unversioned_transcript(&one.snap.to_text())
        );
        assert!(is_transcript(&versioned.to_text()));
        assert!(!is_unversioned_transcript(&versioned.to_text()));
    }
}
