//! The pipeline every command shares: config → documents → plan → run → check → report.
//!
//! Commands (`verify`, and later `update`, `inspect`, ...) call [`execute`] and then render or
//! store what they need from the [`Run`]; none of them re-implements a stage.

use crate::config::{self, Config};
use crate::environment;
use crate::judge::{self, SnippetCheck};
use crate::plan::partition::Partition;
use crate::plan::{self, Snippet};
use crate::read::document::{self, Document};
use crate::report::{self, Report};
use crate::run::outcome::Outcome;
use crate::run::venv;
use crate::run::{python, runner, schedule};
use anyhow::{Context, Result, bail};
use std::collections::BTreeSet;
use std::path::PathBuf;
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
    let paths = crate::read::discover::resolve_paths(&options.paths, &config)?;
    let documents = paths
        .iter()
        .map(|path| document::read(path))
        .collect::<Result<Vec<_>>>()?;
    let mut snippets = plan::plan(&documents, &config)?;
    let roots: std::collections::HashMap<String, String> = snippets
        .iter()
        .map(|s| s.id.clone())
        .zip(crate::plan::partition::chain_roots(&snippets))
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
    pub layers: Vec<crate::run::sandbox::Layer>,
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
        let needs: Vec<BTreeSet<String>> = jobs.iter().map(schedule::modules_needed).collect();
        let setup = schedule::setup_for(parallelism, &jobs, &needs, venv.as_ref());
        let zygote = runner::Zygote::start_setup(&setup)?;
        observer.started(jobs.len());
        // Likely-slow snippets start first, so that none is left running alone at the end;
        // results go back to document order.
        let order = schedule::dispatch_order(&needs, &setup.preload);
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
        .map(|(snippet, outcome)| judge::check(&snippet.block, snippet.settings.as_ref(), outcome))
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

/// Without `--strict-parse`, a block that is not valid Python 3 (Python 2, a placeholder, a
/// shell session under a python fence) is reported as `unparsable` but does not fail the run.
fn lenient_parse(mut check: SnippetCheck, strict_parse: bool) -> SnippetCheck {
    if !strict_parse
        && check.outcome == judge::OutcomeKind::Unparsable
        && let Some(error) = check.error.as_mut().filter(|e| e.expected_by.is_none())
    {
        error.expected_by = Some(judge::ExpectedBy::NotPython);
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
        limits: crate::run::sandbox::Limits::default(),
        interactive: plan::is_interactive(&snippet.block),
        venv: None,
    }
}
