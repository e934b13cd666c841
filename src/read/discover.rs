//! Which notes files a run reads: the command line's files, directories and globs, or the
//! config's `notes` patterns.

use super::Document;
use crate::config::{self, Config};
use anyhow::{Context, Result, bail};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A notes file a run reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Its path, as given or as a pattern matched it.
    pub path: PathBuf,
    /// The config's `notes` patterns list it: it is one of the project's own notes, with
    /// generated files under `snippets/` and `expected/`. A file verified ad hoc
    /// (`snipcheck verify some/other.md`) has none.
    pub tracked: bool,
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
    /// The names (file stems) of every note the config's `notes` list, read in this run or not
    /// (a pattern that matches nothing lists nothing here when paths were given).
    pub configured: BTreeSet<String>,
}

/// The notes files of a run. The config's patterns are expanded once, here: when paths are
/// given, a second time only to learn which notes the config lists.
pub fn resolve(args: &[String], config: &Config) -> Result<Discovered> {
    let paths = resolve_paths(args, config)?;
    if config.notes.is_empty() {
        return Ok(Discovered {
            found: paths
                .into_iter()
                .map(|path| Found {
                    path,
                    tracked: false,
                })
                .collect(),
            configured: BTreeSet::new(),
        });
    }
    let listed: Vec<PathBuf> = if args.is_empty() {
        paths.clone()
    } else {
        // A pattern of the config that matches nothing is no error here: only the paths
        // given are verified.
        resolve_paths(&[], config).unwrap_or_default()
    };
    let configured = listed
        .iter()
        .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(str::to_owned))
        .collect();
    let listed: BTreeSet<PathBuf> = listed
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    Ok(Discovered {
        found: paths
            .into_iter()
            .map(|path| Found {
                tracked: path.canonicalize().is_ok_and(|p| listed.contains(&p)),
                path,
            })
            .collect(),
        configured,
    })
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
/// reStructuredText (`.rst`, `.rest`).
fn collect_notes(dir: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("failed to read {}", dir.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("failed to read {}", dir.display()))?
            .path();
        if path.is_dir() {
            collect_notes(&path, found)?;
        } else if path.extension().is_some_and(|e| {
            ["md", "markdown", "rst", "rest"]
                .iter()
                .any(|known| e.eq_ignore_ascii_case(known))
        }) {
            found.push(path);
        }
    }
    Ok(())
}
