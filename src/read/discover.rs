//! Which notes files a run reads: the command line's files, directories and globs, or the
//! config's `notes` patterns; and each one's name, the first part of its snippets' ids.
//!
//! A directory is walked as ripgrep walks one (the `ignore` crate): `.gitignore`, `.ignore`
//! and `.git/info/exclude` apply (in a git repository or not), hidden files and directories
//! are skipped, and so are the directories of installed packages ([`VENDORED`]). A file named
//! on the command line or in `notes` (or matched by a glob) is always read.
//!
//! A note's name is its file stem, unless another note has the same stem: then it is its path
//! relative to the config's directory, without the extension (`docs/howto/index`). Which stems
//! collide is decided over the notes the config lists, whatever a run reads, so a tracked
//! note's ids are the same in `verify docs/` and `verify docs/howto/index.md`. A note outside
//! the config is named by its path too when its stem is a configured note's name or another
//! note's of the same run.

use super::Document;
use crate::config::{self, Config};
use anyhow::{Context, Result, bail};
use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};

/// Directories a walk never enters, whatever the ignore files say: installed packages and
/// caches, whose notes (a package's README) are not the project's. Hidden ones (`.git`,
/// `.tox`, `.venv`, ...) are skipped as hidden; `build` and `dist` only when ignored.
pub const VENDORED: &[&str] = &["node_modules", "venv", "__pycache__", "site-packages"];

/// A notes file a run reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Its path, as given or as a pattern matched it.
    pub path: PathBuf,
    /// The config's `notes` patterns list it: it is one of the project's own notes, with
    /// generated files under `snippets/` and `expected/`. A file verified ad hoc
    /// (`snipcheck verify some/other.md`) has none.
    pub tracked: bool,
    /// Its name: the first part of its snippets' ids and its directory under `snippets/` and
    /// `expected/` (see the module's documentation).
    pub name: String,
}

impl Found {
    /// Reads the file, as a note of this name. `Err` only when it cannot be read at all.
    pub fn read(self) -> Result<Note> {
        let mut document = super::read(&self.path)?;
        document.name = self.name;
        Ok(Note {
            document,
            tracked: self.tracked,
        })
    }
}

/// A notes file as read, and whether the config lists it (see [`Found::tracked`]).
#[derive(Debug, Clone)]
pub struct Note {
    /// The document.
    pub document: Document,
    /// See [`Found::tracked`].
    pub tracked: bool,
}

/// The notes files of a run, and the names of the notes the config lists.
#[derive(Debug, Clone, Default)]
pub struct Discovered {
    /// The files to read: the command line's paths, or the config's `notes`, each marked with
    /// whether the config lists it.
    pub found: Vec<Found>,
    /// The names of every note the config's `notes` list, read in this run or not (a pattern
    /// that matches nothing lists nothing here when paths were given).
    pub configured: BTreeSet<String>,
}

/// The notes files of a run. The config's patterns are expanded once, here: when paths are
/// given, a second time only to learn which notes the config lists.
pub fn resolve(args: &[String], config: &Config) -> Result<Discovered> {
    let paths = resolve_paths(args, config)?;
    let base = config.base_dir();
    let listed: Vec<PathBuf> = if config.notes.is_empty() {
        Vec::new()
    } else if args.is_empty() {
        paths.clone()
    } else {
        // A pattern of the config that matches nothing is no error here: only the paths
        // given are verified.
        resolve_paths(&[], config).unwrap_or_default()
    };
    let listed_names = names(&listed, &base, &BTreeSet::new());
    let configured: BTreeSet<String> = listed_names.values().cloned().collect();
    let tracked: Vec<bool> = paths
        .iter()
        .map(|p| canonical(p).is_some_and(|p| listed_names.contains_key(&p)))
        .collect();
    // The notes outside the config are named among themselves, around the configured names.
    let outside: Vec<PathBuf> = paths
        .iter()
        .zip(&tracked)
        .filter(|(_, tracked)| !**tracked)
        .map(|(p, _)| p.clone())
        .collect();
    let outside_names = names(&outside, &base, &configured);
    let found = paths
        .into_iter()
        .zip(tracked)
        .map(|(path, tracked)| {
            let key = canonical(&path).unwrap_or_else(|| path.clone());
            let named = if tracked {
                &listed_names
            } else {
                &outside_names
            };
            let name = named.get(&key).cloned().unwrap_or_else(|| stem(&path));
            Found {
                path,
                tracked,
                name,
            }
        })
        .collect();
    Ok(Discovered { found, configured })
}

/// The names of `paths` (by canonical path, or the path itself when it has none): each its
/// stem, unless another of them, or a name in `taken`, has the same; then its path relative to
/// `base` without the extension (or, outside `base`, its path's plain components).
fn names(paths: &[PathBuf], base: &Path, taken: &BTreeSet<String>) -> HashMap<PathBuf, String> {
    let mut stems: HashMap<String, usize> = HashMap::new();
    for path in paths {
        *stems.entry(stem(path)).or_default() += 1;
    }
    let base = canonical(base);
    paths
        .iter()
        .map(|path| {
            let key = canonical(path);
            let stem = stem(path);
            let name = if stems[&stem] > 1 || taken.contains(&stem) {
                let relative = base
                    .as_ref()
                    .zip(key.as_ref())
                    .and_then(|(base, path)| path.strip_prefix(base).ok())
                    .unwrap_or(path);
                path_name(relative)
            } else {
                stem
            };
            (key.unwrap_or_else(|| path.clone()), name)
        })
        .collect()
}

/// A file's stem, the name of a note no other note shares it with.
fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| "document".to_owned())
}

/// A path as a note's name: its plain components joined by `/`, the last without its
/// extension (`docs/howto/index.md` → `docs/howto/index`).
fn path_name(path: &Path) -> String {
    let mut parts: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    if let Some(last) = parts.last_mut() {
        *last = stem(Path::new(last.as_str()));
    }
    parts.join("/")
}

fn canonical(path: &Path) -> Option<PathBuf> {
    path.canonicalize().ok()
}

fn resolve_paths(args: &[String], config: &Config) -> Result<Vec<PathBuf>> {
    let from_config = args.is_empty();
    // Where a pattern came from, for messages: the config's `notes` line, or the command line.
    let origin = |pattern: &str| {
        if from_config {
            format!(
                "{}: {pattern:?} is listed under `notes`, but ",
                config.notes_at()
            )
        } else {
            String::new()
        }
    };
    let patterns: Vec<String> = if from_config {
        if config.notes.is_empty() {
            match &config.path {
                Some(_) if config.notes_line.is_some() => bail!(
                    "{}: `notes` lists no file: list the notes to verify there, or pass Markdown or reStructuredText files",
                    config.notes_at()
                ),
                Some(_) => bail!(
                    "no notes to verify: {} has no `notes`; list the notes to verify there, or pass Markdown or reStructuredText files",
                    config.name()
                ),
                None => bail!(
                    "no notes to verify: pass Markdown or reStructuredText files, or list them under `notes` in {} (`snipcheck init` writes one)",
                    config::FILE_NAME
                ),
            }
        }
        let base = config.base_dir();
        config
            .notes
            .iter()
            .map(|p| {
                if base == Path::new(".") {
                    p.clone()
                } else {
                    base.join(p).display().to_string()
                }
            })
            .collect()
    } else {
        args.to_vec()
    };
    let mut paths = Vec::new();
    for pattern in &patterns {
        if pattern.contains(['*', '?', '[']) {
            let mut matched: Vec<PathBuf> = glob::glob(pattern)
                .with_context(|| format!("invalid glob pattern {pattern:?}"))?
                .filter_map(Result::ok)
                .filter(|p| p.is_file())
                .collect();
            if matched.is_empty() {
                if from_config {
                    bail!("{}no file matches it", origin(pattern));
                }
                bail!("no file matches {pattern:?}");
            }
            matched.sort();
            paths.extend(matched);
        } else {
            let path = PathBuf::from(pattern);
            if path.is_dir() {
                let mut found = Vec::new();
                collect_notes(&path, &mut found)?;
                found.sort();
                paths.extend(found);
            } else if path.is_file() {
                paths.push(path);
            } else if from_config {
                bail!("{}{} does not exist", origin(pattern), path.display());
            } else {
                bail!(
                    "failed to read {}: no such file or directory",
                    path.display()
                );
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    paths.retain(|p| seen.insert(p.clone()));
    Ok(paths)
}

/// The notes files under `dir`, recursively: Markdown (`.md`, `.markdown`) and
/// reStructuredText (`.rst`, `.rest`), walked as the module's documentation says.
fn collect_notes(dir: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    let walk = ignore::WalkBuilder::new(dir)
        .hidden(true)
        .ignore(true)
        .git_ignore(true)
        .git_exclude(true)
        // The user's global excludes differ from machine to machine; a run must not.
        .git_global(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|entry| {
            entry.depth() == 0
                || !entry.file_type().is_some_and(|t| t.is_dir())
                || !entry
                    .file_name()
                    .to_str()
                    .is_some_and(|name| VENDORED.contains(&name))
        })
        .build();
    for entry in walk {
        let entry = match entry {
            Ok(entry) => entry,
            // A line of an ignore file that does not parse is that file's problem; a
            // directory that cannot be read is the run's.
            Err(err) => match err.io_error() {
                Some(io) => {
                    return Err(anyhow::anyhow!("{io}"))
                        .with_context(|| format!("failed to read {}", dir.display()));
                }
                None => continue,
            },
        };
        let path = entry.path();
        // A linked file is read (what it links to is a note); a linked directory is not walked.
        if entry.depth() > 0
            && path.is_file()
            && path.extension().is_some_and(|e| {
                ["md", "markdown", "rst", "rest"]
                    .iter()
                    .any(|known| e.eq_ignore_ascii_case(known))
            })
        {
            found.push(path.to_path_buf());
        }
    }
    Ok(())
}
