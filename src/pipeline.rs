//! The pipeline every command shares: config → documents → plan → run → check → report.
//!
//! Commands (`verify`, and later `update`, `inspect`, ...) call [`execute`] and then render or
//! store what they need from the [`Run`]; none of them re-implements a stage.

use crate::check::{self, SnippetCheck};
use crate::config::{self, Config};
use crate::document::{self, Document};
use crate::outcome::Outcome;
use crate::partition::Partition;
use crate::plan::{self, Snippet};
use crate::report::{self, Report};
use crate::venv::{self, Venv};
use crate::{environment, imports, python, runner};
use anyhow::{Context, Result, bail};
use std::collections::BTreeSet;
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
    /// `--strict-parse`: blocks that are not valid Python 3 fail the run (else reported only).
    pub strict_parse: bool,
    /// `--venv`: the virtualenv the snippets import from (else config `venv`, else
    /// `$VIRTUAL_ENV`).
    pub venv: Option<PathBuf>,
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
    /// `--partition`: the planned snippets left to other shards (not run, not reported; their
    /// generated files are neither compared nor orphans). Empty without a partition.
    pub outside: Vec<Snippet>,
    /// `--partition`: the shard `snippets` are.
    pub partition: Option<Partition>,
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
    /// See [`Prepared::outside`].
    pub outside: Vec<Snippet>,
    /// See [`Prepared::partition`].
    pub partition: Option<Partition>,
}

/// Reads the config and the documents and plans the snippets, without running anything.
pub fn prepare(options: &Options) -> Result<Prepared> {
    prepare_partitioned(options, None)
}

/// [`prepare`], keeping only the snippets of one shard (`verify --partition`). The shard is
/// chosen after planning and `--filter`; a `continue` chain goes where its first block goes,
/// even when the filter leaves that block out.
pub fn prepare_partitioned(options: &Options, partition: Option<Partition>) -> Result<Prepared> {
    let config = config::load(options.config.as_deref())?;
    let paths = resolve_paths(&options.paths, &config)?;
    let documents = paths
        .iter()
        .map(|path| document::read(path))
        .collect::<Result<Vec<_>>>()?;
    let mut snippets = plan::plan(&documents, &config)?;
    let roots: std::collections::HashMap<String, String> = snippets
        .iter()
        .map(|s| s.id.clone())
        .zip(crate::partition::chain_roots(&snippets))
        .collect();
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
    let mut outside = Vec::new();
    if let Some(partition) = &partition {
        let chains: Vec<String> = snippets
            .iter()
            .map(|s| roots.get(&s.id).cloned().unwrap_or_else(|| s.id.clone()))
            .collect();
        let selected = partition.selects(&chains);
        let (mine, others): (Vec<_>, Vec<_>) = snippets
            .into_iter()
            .zip(selected)
            .partition(|(_, selected)| *selected);
        snippets = mine.into_iter().map(|(s, _)| s).collect();
        outside = others.into_iter().map(|(s, _)| s).collect();
    }
    Ok(Prepared {
        complete: options.paths.is_empty() && !filtered,
        config,
        documents,
        snippets,
        filtered,
        outside,
        partition,
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
    execute_partitioned(options, None, observer)
}

/// [`execute_observed`] for one shard of the snippets (`verify --partition`): the others are
/// planned but neither run nor reported, and the report records the shard.
pub fn execute_partitioned(
    options: &Options,
    partition: Option<Partition>,
    observer: &dyn Observer,
) -> Result<Run> {
    let Prepared {
        config,
        documents,
        snippets,
        complete,
        filtered,
        outside,
        partition,
    } = prepare_partitioned(options, partition)?;
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
    let venv = venv::resolve(
        options.venv.as_deref(),
        config.venv.as_deref().zip(config.path.as_deref()),
        environment::virtual_env().as_deref(),
        python::PYTHON_VERSION,
    )?;
    let jobs: Vec<runner::Job> = runnable
        .iter()
        .map(|&i| {
            let mut job = job(&snippets[i], &documents, timeout);
            job.venv = venv.clone();
            job
        })
        .collect();
    let mut outcomes = vec![Outcome::default(); snippets.len()];
    let mut sandbox = Sandbox {
        python: python::PYTHON_VERSION.to_owned(),
        home: python::PYTHON_HOME.to_owned(),
        layers: Vec::new(),
    };
    if !jobs.is_empty() {
        let needs: Vec<BTreeSet<String>> = jobs.iter().map(modules_needed).collect();
        let setup = setup_for(parallelism, &jobs, &needs, venv.as_ref());
        let zygote = runner::Zygote::start_setup(&setup)?;
        observer.started(jobs.len());
        // Likely-slow snippets start first, so that none is left running alone at the end;
        // results go back to document order.
        let order = dispatch_order(&needs, &setup.preload);
        let dispatched: Vec<runner::Job> = order.iter().map(|&k| jobs[k].clone()).collect();
        let finished = zygote.run_all_with(&dispatched, parallelism, &|| observer.finished_one());
        for (&k, outcome) in order.iter().zip(finished) {
            outcomes[runnable[k]] = outcome;
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
    let strict_parse = options.strict_parse || config.strict_parse;
    let checks: Vec<SnippetCheck> = checks
        .into_iter()
        .map(|check| lenient_parse(check, strict_parse))
        .collect();
    let mut report = report::build(&documents, &snippets, &outcomes, checks, &sandbox);
    report.strict = options.strict;
    report.partition = partition.map(|p| p.shards());
    report.strict_parse = strict_parse;
    report.venv = venv;
    Ok(Run {
        config,
        documents,
        snippets,
        outcomes,
        sandbox,
        report,
        complete,
        filtered,
        outside,
        partition,
    })
}

/// The zygote for `jobs`: `slots` children at once, the venv readable, and preloaded the
/// modules that more than `slots` jobs import (except names a job's fixture files provide in
/// its scratch dir). A module imported by at most `slots` jobs is cheaper to import in those
/// children, side by side, than once in the zygote, where every child waits for it.
pub fn setup(slots: usize, jobs: &[runner::Job], venv: Option<&Venv>) -> runner::Setup {
    let needs: Vec<BTreeSet<String>> = jobs.iter().map(modules_needed).collect();
    setup_for(slots, jobs, &needs, venv)
}

/// The modules a job's child will import: its code's, its prelude's and its context cells'
/// imports, and `doctest` when it runs a session (the harness runs sessions with it).
fn modules_needed(job: &runner::Job) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let cells = job.context.iter().map(|c| c.code.as_str());
    for code in std::iter::once(job.code.as_str())
        .chain(job.prelude.as_deref())
        .chain(cells)
    {
        names.extend(imports::scan(code));
    }
    if job.interactive || job.context.iter().any(|c| c.interactive) {
        names.insert("doctest".to_owned());
    }
    names
}

/// [`setup`] with each job's [`modules_needed`] already known.
fn setup_for(
    slots: usize,
    jobs: &[runner::Job],
    needs: &[BTreeSet<String>],
    venv: Option<&Venv>,
) -> runner::Setup {
    let mut importers: std::collections::BTreeMap<&str, usize> = Default::default();
    for name in needs.iter().flatten() {
        *importers.entry(name.as_str()).or_default() += 1;
    }
    let shadowed: BTreeSet<String> = jobs
        .iter()
        .flat_map(|job| imports::shadowed_by_files(job.files.keys()))
        .collect();
    runner::Setup {
        slots,
        read_only: venv.map(Venv::read_only).unwrap_or_default(),
        preload: importers
            .into_iter()
            .filter(|(name, count)| {
                *count > slots.max(1) && !shadowed.contains(name.split('.').next().unwrap_or(name))
            })
            .map(|(name, _)| name.to_owned())
            .collect(),
    }
}

/// Modules the zygote has loaded before any preloading (the harness's own imports and what
/// they pull in): importing them costs a child nothing.
const LOADED_IN_ZYGOTE: &[&str] = &[
    "abc",
    "ast",
    "atexit",
    "builtins",
    "codecs",
    "collections",
    "contextlib",
    "copy",
    "copyreg",
    "dataclasses",
    "enum",
    "errno",
    "functools",
    "gc",
    "io",
    "itertools",
    "json",
    "keyword",
    "linecache",
    "operator",
    "os",
    "re",
    "reprlib",
    "signal",
    "stat",
    "string",
    "sys",
    "textwrap",
    "threading",
    "time",
    "token",
    "tokenize",
    "traceback",
    "types",
    "typing",
    "warnings",
    "weakref",
];

/// The order to start `jobs` in: the ones that import more modules the children must load
/// themselves first (a stable sort, so document order otherwise). A heuristic for scheduling
/// only: every result is reported in document order.
fn dispatch_order(needs: &[BTreeSet<String>], preloaded: &[String]) -> Vec<usize> {
    let costs: Vec<usize> = needs
        .iter()
        .map(|names| {
            names
                .iter()
                .filter(|name| {
                    let top = name.split('.').next().unwrap_or(name);
                    !LOADED_IN_ZYGOTE.contains(&top) && !preloaded.iter().any(|p| p == *name)
                })
                .count()
        })
        .collect();
    let mut order: Vec<usize> = (0..needs.len()).collect();
    order.sort_by_key(|&k| std::cmp::Reverse(costs[k]));
    order
}

/// Without `--strict-parse`, a block that is not valid Python 3 (Python 2, a placeholder, a
/// shell session under a python fence) is reported as `unparsable` but does not fail the run.
fn lenient_parse(mut check: SnippetCheck, strict_parse: bool) -> SnippetCheck {
    if !strict_parse
        && check.outcome == check::OutcomeKind::Unparsable
        && let Some(error) = check.error.as_mut().filter(|e| e.expected_by.is_none())
    {
        error.expected_by = Some(check::NOT_PYTHON);
    }
    check
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
                interactive: cell.interactive,
            })
            .collect(),
        files: settings.map(|s| s.files.clone()).unwrap_or_default(),
        timeout: settings.and_then(|s| s.timeout).unwrap_or(timeout),
        output_limit: runner::DEFAULT_OUTPUT_LIMIT,
        limits: crate::sandbox::Limits::default(),
        interactive: plan::is_interactive(&snippet.block),
        venv: None,
    }
}

/// Expands the command-line paths (files, directories, globs), or the config's `notes`.
pub fn resolve_paths(args: &[String], config: &Config) -> Result<Vec<PathBuf>> {
    let patterns: Vec<String> = if args.is_empty() {
        if config.notes.is_empty() {
            bail!(
                "no notes to verify: pass Markdown or reStructuredText files, or list them under `notes` in {}",
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
                collect_notes(&path, &mut found)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::line::LineNo;

    fn job(code: &str) -> runner::Job {
        runner::Job::new("doc.md", LineNo::FIRST, code, Duration::from_secs(1))
    }

    #[test]
    fn the_zygote_preloads_what_more_jobs_import_than_run_at_once() {
        let mut jobs = vec![
            job("import asyncio\nimport json"),
            job("import asyncio"),
            job("from asyncio import run\nimport random"),
            job("import json"),
        ];
        let mut session = job(">>> 1\n1\n");
        session.interactive = true;
        jobs.push(session.clone());
        jobs.push(session.clone());
        jobs.push(session);
        assert_eq!(setup(2, &jobs, None).preload, ["asyncio", "doctest"]);
        assert_eq!(
            setup(1, &jobs, None).preload,
            ["asyncio", "doctest", "json"]
        );
        assert!(setup(8, &jobs, None).preload.is_empty());

        // A fixture file `random.py` must be what `import random` finds in that snippet's
        // scratch dir: never a preloaded copy.
        let mut shadowing = job("import random");
        shadowing
            .files
            .insert("random.py".to_owned(), "x = 1\n".to_owned());
        jobs.push(shadowing);
        jobs.push(job("import random"));
        assert!(!setup(1, &jobs, None).preload.contains(&"random".to_owned()));
    }

    #[test]
    fn snippets_that_load_modules_themselves_start_first() {
        let jobs = [
            job("print(1)"),
            job("import asyncio"),
            job("import json"),
            job("import asyncio, multiprocessing"),
            job("import sys"),
        ];
        let needs: Vec<BTreeSet<String>> = jobs.iter().map(modules_needed).collect();
        assert_eq!(dispatch_order(&needs, &[]), [3, 1, 0, 2, 4]);
        // A preloaded module costs the child nothing.
        assert_eq!(
            dispatch_order(&needs, &["asyncio".to_owned()]),
            [3, 0, 1, 2, 4]
        );
    }
}
