//! snipcheck: extracts the Python blocks of technical notes, runs each in its own worker
//! process with an embedded CPython, and checks every claim the text makes against what
//! really happened.
//!
//! The pipeline is one-way (see ARCHITECTURE.md):
//! `document` (Markdown → blocks) → `plan` (ids, settings) → `runner` + `python` (facts:
//! `Outcome`) → `check` (judgments: verdicts) → `report` (human, JSON).

pub mod check;
pub mod claim;
pub mod cli;
pub mod config;
pub mod document;
pub mod line;
pub mod outcome;
pub mod plan;
pub mod python;
pub mod report;
pub mod runner;

use anyhow::{Context, Result, bail};
use clap::Parser;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit code: every claim holds.
pub const EXIT_OK: u8 = 0;
/// Exit code: a claim failed or a snippet failed unexpectedly.
pub const EXIT_FAILED: u8 = 1;
/// Exit code: snipcheck itself failed.
pub const EXIT_ERROR: u8 = 2;

/// The binary's entry point.
pub fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Worker => python::worker_main(),
        cli::Command::Verify(args) => verify(&args),
    };
    match result {
        Ok(true) => ExitCode::from(EXIT_OK),
        Ok(false) => ExitCode::from(EXIT_FAILED),
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("caused by: {cause}");
            }
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// `snipcheck verify`: returns whether every claim held.
pub fn verify(args: &cli::VerifyArgs) -> Result<bool> {
    let config = config::load(args.config.as_deref())?;
    let paths = resolve_paths(&args.paths, &config)?;
    let documents = paths
        .iter()
        .map(|path| document::read(path))
        .collect::<Result<Vec<_>>>()?;
    let snippets = plan::plan(&documents, &config)?;
    let timeout = match args.timeout {
        Some(secs) => config::seconds(secs).context("invalid --timeout")?,
        None => config.timeout.unwrap_or(config::DEFAULT_TIMEOUT),
    };
    let jobs: Vec<runner::Job> = snippets
        .iter()
        .map(|snippet| job(snippet, &documents, timeout))
        .collect();
    let parallelism = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
    });
    let runnable: Vec<usize> = (0..snippets.len())
        .filter(|&i| !snippets[i].block.unterminated)
        .collect();
    let runnable_jobs: Vec<runner::Job> = runnable.iter().map(|&i| jobs[i].clone()).collect();
    let mut outcomes = vec![outcome::Outcome::default(); snippets.len()];
    for (i, outcome) in runnable
        .iter()
        .zip(runner::run_all(&runnable_jobs, parallelism))
    {
        outcomes[*i] = outcome;
    }
    let checks = snippets
        .iter()
        .zip(&outcomes)
        .map(|(snippet, outcome)| check::check(&snippet.block, snippet.settings.as_ref(), outcome))
        .collect();
    let report = report::build(
        &documents,
        &snippets,
        &outcomes,
        checks,
        python::PYTHON_VERSION,
    );
    let text = match args.format {
        cli::Format::Human => report::human::render(&report),
        cli::Format::Json => report::json::render(&report),
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("failed to write the report")?;
    Ok(report.is_success())
}

fn job(
    snippet: &plan::Snippet,
    documents: &[document::Document],
    timeout: std::time::Duration,
) -> runner::Job {
    let settings = snippet.settings.as_ref();
    runner::Job {
        path: documents[snippet.document].path.display().to_string(),
        first_line: snippet.block.first_line,
        code: snippet.block.code.clone(),
        prelude: settings.and_then(|s| s.prelude.clone()),
        files: settings.map(|s| s.files.clone()).unwrap_or_default(),
        timeout: settings.and_then(|s| s.timeout).unwrap_or(timeout),
        output_limit: runner::DEFAULT_OUTPUT_LIMIT,
    }
}

/// Expands the command-line paths (files, directories, globs), or the config's `notes`.
fn resolve_paths(args: &[String], config: &config::Config) -> Result<Vec<PathBuf>> {
    let patterns: Vec<String> = if args.is_empty() {
        if config.notes.is_empty() {
            bail!(
                "no notes to verify: pass Markdown files, or list them under `notes` in {}",
                config::FILE_NAME
            );
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
                bail!("no file matches {pattern:?}");
            }
            matched.sort();
            paths.extend(matched);
        } else {
            let path = PathBuf::from(pattern);
            if path.is_dir() {
                let mut found = Vec::new();
                collect_markdown(&path, &mut found)?;
                found.sort();
                paths.extend(found);
            } else if path.is_file() {
                paths.push(path);
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

fn collect_markdown(dir: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("failed to read {}", dir.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("failed to read {}", dir.display()))?
            .path();
        if path.is_dir() {
            collect_markdown(&path, found)?;
        } else if path
            .extension()
            .is_some_and(|e| e == "md" || e == "markdown")
        {
            found.push(path);
        }
    }
    Ok(())
}
