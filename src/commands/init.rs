//! `snipcheck init [DIR] [--pyproject]`: a starting config listing the notes under DIR that
//! hold Python blocks (found as `verify DIR` finds them), and `*.snap.new` in `.gitignore`.
//! It owns exactly those two files: the config is never overwritten, and an existing
//! `pyproject.toml` or `.gitignore` only gains lines at its end.

use crate::cli::InitArgs;
use crate::config::{self, Config};
use crate::{atomic, read, report};
use anyhow::{Context, Result, bail};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The `.gitignore` line for pending snapshots.
const IGNORE: &str = "*.snap.new";

/// Writes the config and the `.gitignore` line and prints what it wrote.
pub fn init(args: &InitArgs) -> Result<bool> {
    // Empty: the current directory, so that messages name `snipcheck.toml`, not `./snipcheck.toml`.
    let dir = args.dir.clone().unwrap_or_default();
    if !searched(&dir).is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    let file = dir.join(config::FILE_NAME);
    let pyproject = dir.join(config::PYPROJECT);
    if file.exists() {
        bail!(
            "{} already exists: init never overwrites a config",
            file.display()
        );
    }
    if pyproject.is_file() && config::has_table(&pyproject) {
        bail!(
            "{} already has a {} table: init never overwrites a config",
            pyproject.display(),
            config::TABLE
        );
    }
    let (notes, skipped) = notes_under(&dir)?;
    let mut out = String::new();
    for path in &skipped {
        let _ = writeln!(
            out,
            "not listed: {}: its name is not UTF-8, which a TOML string cannot hold",
            path.display()
        );
    }
    let table = config::starter(&notes, args.pyproject);
    let written = if args.pyproject {
        if !pyproject.is_file() {
            bail!(
                "{} does not exist: --pyproject appends to an existing one (without it, init writes {})",
                pyproject.display(),
                config::FILE_NAME
            );
        }
        let before = std::fs::read(&pyproject)
            .with_context(|| format!("failed to read {}", pyproject.display()))?;
        let mut after = before.clone();
        if !after.is_empty() && !after.ends_with(b"\n") {
            after.push(b'\n');
        }
        if !after.is_empty() {
            after.push(b'\n');
        }
        after.extend_from_slice(table.as_bytes());
        check_loads(&pyproject, &after)?;
        atomic::write(&real(&pyproject), &after)?;
        format!(
            "appended a {} table to {}",
            config::TABLE,
            pyproject.display()
        )
    } else {
        check_loads(&file, table.as_bytes())?;
        atomic::write(&file, table.as_bytes())?;
        format!("wrote {}", file.display())
    };
    let listed = match notes.len() {
        0 => "no notes found".to_owned(),
        1 => "1 note".to_owned(),
        n => format!("{n} notes"),
    };
    let _ = writeln!(out, "{written} ({listed}):\n");
    for line in table.lines() {
        let _ = writeln!(out, "    {line}");
    }
    let _ = writeln!(out, "\n{}", ignore_pending(&dir)?);
    report::print_visible(&out)?;
    Ok(true)
}

/// The notes under `dir` with at least one Python block, relative to `dir` (glob characters
/// escaped: `notes` entries are patterns), and those whose names TOML cannot hold.
fn notes_under(dir: &Path) -> Result<(Vec<String>, Vec<PathBuf>)> {
    let dir = searched(dir);
    let root = dir.to_str().with_context(|| {
        format!(
            "{} is not UTF-8: init lists notes relative to it",
            dir.display()
        )
    })?;
    let found = read::discover::resolve(&[root.to_owned()], &Config::default())?;
    let mut notes = Vec::new();
    let mut skipped = Vec::new();
    for found in found.found {
        if read::read(&found.path)?.blocks.is_empty() {
            continue;
        }
        let relative = found.path.strip_prefix(dir).unwrap_or(&found.path);
        match relative.to_str() {
            Some(name) => notes.push(glob::Pattern::escape(name)),
            None => skipped.push(found.path.clone()),
        }
    }
    Ok((notes, skipped))
}

/// Fails unless `bytes`, the config about to be written to `path`, loads as snipcheck would
/// load it (an existing `pyproject.toml` may make an appended table invalid, e.g. an inline
/// `tool = {...}`).
fn check_loads(path: &Path, bytes: &[u8]) -> Result<()> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{} is not valid UTF-8", path.display()))?;
    let loaded = if config::is_pyproject(path) {
        config::parse_pyproject(path, text).and_then(|table| {
            table.map(drop).with_context(|| {
                format!("{} would hold no {} table", path.display(), config::TABLE)
            })
        })
    } else {
        config::parse(path, text).map(drop)
    };
    loaded.with_context(|| {
        format!(
            "init wrote nothing: the new config in {} would not load",
            path.display()
        )
    })
}

/// Adds `*.snap.new` to `dir/.gitignore` (creating it) unless a line already says it;
/// returns what it did.
fn ignore_pending(dir: &Path) -> Result<String> {
    let path = dir.join(".gitignore");
    let exists = path.exists();
    let mut text = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(err) => {
            return Err(err).with_context(|| format!("failed to read {}", path.display()));
        }
    };
    if text
        .split(|&b| b == b'\n')
        .any(|line| line.trim_ascii() == IGNORE.as_bytes())
    {
        return Ok(format!("{} already ignores {IGNORE}", path.display()));
    }
    if !text.is_empty() && !text.ends_with(b"\n") {
        text.push(b'\n');
    }
    text.extend_from_slice(format!("{IGNORE}\n").as_bytes());
    atomic::write(&real(&path), &text)?;
    Ok(if !exists {
        format!("created {} with {IGNORE}", path.display())
    } else {
        format!("added {IGNORE} to {}", path.display())
    })
}

/// The directory to search: `dir`, or `.` for the empty path.
fn searched(dir: &Path) -> &Path {
    if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }
}

/// The file a path names, through symbolic links, so that replacing it keeps the link.
fn real(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}
