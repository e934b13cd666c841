//! The pipeline every command shares: config → documents → plan → run → check → report.
//!
//! Commands (`verify`, and later `update`, `inspect`, ...) call [`execute`] and then render or
//! store what they need from the [`Run`]; none of them re-implements a stage.

use crate::check::{self, SnippetCheck};
use crate::config::{self, Config};
use crate::document::{self, Document};
use crate::outcome::Outcome;
use crate::plan::{self, Snippet};
use crate::report::{self, Report};
use crate::{python, runner};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What to run, resolved from the command line and the config.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Paths, directories or globs from the command line (empty: the config's `notes`).
    pub paths: Vec<String>,
    /// The config file (`None`: `./snipcheck.toml` if present).
    pub config: Option<PathBuf>,
    /// `--timeout`, in seconds.
    pub timeout: Option<f64>,
    /// `-j`.
    pub jobs: Option<usize>,
    /// `--filter`: only the snippets whose id or section contains this (`*` globs allowed).
    pub filter: Option<String>,
    /// `--strict`: `loose` verdicts fail the run.
    pub strict: bool,
}

/// The stages before anything runs: what `extract` needs, and where `execute` starts.
#[derive(Debug)]
pub struct Prepared {
    /// The loaded config.
    pub config: Config,
    /// The documents read.
    pub documents: Vec<Document>,
    /// The planned snippets, narrowed by `--filter`.
    pub snippets: Vec<Snippet>,
    /// The run covers every configured note and every snippet of them (no paths, no filter),
    /// so a generated file that matches none of them is an orphan.
    pub complete: bool,
    /// Some snippets were left out by `--filter`.
    pub filtered: bool,
}

/// Everything a run produced, stage by stage.
#[derive(Debug)]
pub struct Run {
    /// The loaded config.
    pub config: Config,
    /// The documents read.
    pub documents: Vec<Document>,
    /// The planned snippets.
    pub snippets: Vec<Snippet>,
    /// One outcome per snippet (default for snippets that were not run).
    pub outcomes: Vec<Outcome>,
    /// The interpreter and sandbox that ran them.
    pub sandbox: Sandbox,
    /// The report (verdicts included).
    pub report: Report,
    /// See [`Prepared::complete`].
    pub complete: bool,
    /// See [`Prepared::filtered`].
    pub filtered: bool,
}

/// Reads the config and the documents and plans the snippets, without running anything.
pub fn prepare(options: &Options) -> Result<Prepared> {
    let config = config::load(options.config.as_deref())?;
    let paths = resolve_paths(&options.paths, &config)?;
    let documents = paths
        .iter()
        .map(|path| document::read(path))
        .collect::<Result<Vec<_>>>()?;
    let mut snippets = plan::plan(&documents, &config)?;
    let mut filtered = false;
    if let Some(pattern) = &options.filter {
        let before = snippets.len();
        snippets.retain(|snippet| plan::matches_filter(snippet, pattern));
        if snippets.is_empty() {
            bail!(
                "no snippet matches --filter {pattern:?} (ids are listed by `snipcheck verify --format json`)"
            );
        }
        filtered = snippets.len() < before;
    }
    Ok(Prepared {
        complete: options.paths.is_empty() && !filtered,
        config,
        documents,
        snippets,
        filtered,
    })
}

/// The interpreter and sandbox layers of a run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Sandbox {
    /// The Python version.
    pub python: String,
    /// The interpreter's home.
    pub home: String,
    /// The sandbox layers as the zygote prepared them (empty when nothing ran).
    pub layers: Vec<crate::sandbox::Layer>,
}

/// Runs the whole pipeline.
pub fn execute(options: &Options) -> Result<Run> {
    execute_observed(options, &Unobserved)
}

/// Told how a run advances (a progress bar listens).
pub trait Observer: Sync {
    /// `total` snippets are about to run.
    fn started(&self, total: usize);
    /// One more snippet finished.
    fn finished_one(&self);
}

/// The observer that ignores everything.
pub struct Unobserved;

impl Observer for Unobserved {
    fn started(&self, _total: usize) {}
    fn finished_one(&self) {}
}

/// [`execute`], telling `observer` how the run advances.
pub fn execute_observed(options: &Options, observer: &dyn Observer) -> Result<Run> {
    let Prepared {
        config,
        documents,
        snippets,
        complete,
        filtered,
    } = prepare(options)?;
    let timeout = match options.timeout {
        Some(secs) => config::seconds(secs).context("invalid --timeout")?,
        None => config.timeout.unwrap_or(config::DEFAULT_TIMEOUT),
    };
    let parallelism = options.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
    });
    let runnable: Vec<usize> = (0..snippets.len())
        .filter(|&i| {
            !snippets[i].block.unterminated
                && snippets[i]
                    .settings
                    .as_ref()
                    .is_none_or(|s| s.skip.is_none())
        })
        .collect();
    let jobs: Vec<runner::Job> = runnable
        .iter()
        .map(|&i| job(&snippets[i], &documents, timeout))
        .collect();
    let mut outcomes = vec![Outcome::default(); snippets.len()];
    let mut sandbox = Sandbox {
        python: python::PYTHON_VERSION.to_owned(),
        home: python::PYTHON_HOME.to_owned(),
        layers: Vec::new(),
    };
    if !jobs.is_empty() {
        let zygote = runner::Zygote::start(parallelism)?;
        observer.started(jobs.len());
        let finished = zygote.run_all_with(&jobs, parallelism, &|| observer.finished_one());
        for (&i, outcome) in runnable.iter().zip(finished) {
            outcomes[i] = outcome;
        }
        sandbox = Sandbox {
            python: zygote.python.clone(),
            home: zygote.home.clone(),
            layers: zygote.layers.clone(),
        };
    }
    let checks: Vec<SnippetCheck> = snippets
        .iter()
        .zip(&outcomes)
        .map(|(snippet, outcome)| check::check(&snippet.block, snippet.settings.as_ref(), outcome))
        .collect();
    let mut report = report::build(&documents, &snippets, &outcomes, checks, &sandbox);
    report.strict = options.strict;
    Ok(Run {
        config,
        documents,
        snippets,
        outcomes,
        sandbox,
        report,
        complete,
        filtered,
    })
}

/// The runner's job for a planned snippet, with its settings applied.
pub fn job(snippet: &Snippet, documents: &[Document], timeout: Duration) -> runner::Job {
    let settings = snippet.settings.as_ref();
    runner::Job {
        path: documents[snippet.document].path.display().to_string(),
        first_line: snippet.block.first_line,
        code: snippet.block.code.clone(),
        prelude: settings.and_then(|s| s.prelude.clone()),
        context: snippet
            .context
            .iter()
            .map(|cell| runner::Cell {
                path: documents[snippet.document].path.display().to_string(),
                first_line: cell.first_line,
                code: cell.code.clone(),
            })
            .collect(),
        files: settings.map(|s| s.files.clone()).unwrap_or_default(),
        timeout: settings.and_then(|s| s.timeout).unwrap_or(timeout),
        output_limit: runner::DEFAULT_OUTPUT_LIMIT,
        limits: crate::sandbox::Limits::default(),
        interactive: plan::is_interactive(&snippet.block),
    }
}

/// Expands the command-line paths (files, directories, globs), or the config's `notes`.
pub fn resolve_paths(args: &[String], config: &Config) -> Result<Vec<PathBuf>> {
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
