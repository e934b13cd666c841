//! The pipeline every command shares: config → read → plan → run → judge → files, one row per
//! snippet.
//!
//! [`prepare`] reads the config and the notes and plans the snippets (`extract` stops there);
//! [`execute`] runs them, judges each, and — when asked — compares each with its generated
//! files. Every stage completes the same [`SnippetRun`]; the report is built once, from the
//! finished rows (`report::build`).

use crate::config::{self, Config};
use crate::files::generated::{self, Change, ChangeKind};
use crate::files::snapshot::{self, Reviewed};
use crate::files::snippets as snippet_files;
use crate::judge::{self, SnippetCheck};
use crate::plan::partition::{self, Partition};
use crate::plan::{self, Snippet};
use crate::read::discover::{self, Note};
use crate::run::interpreter::{self, Interpreter};
use crate::run::outcome::Outcome;
use crate::run::venv::{self, Venv};
use crate::run::{runner, schedule};
use anyhow::{Context, Result, bail};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::Duration;

/// What to run, from the command line.
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
    /// `--strict`: `loose` and `unjudged` verdicts fail the run.
    pub strict: bool,
    /// `--strict-parse`: blocks that are not valid Python 3 fail the run (else reported only).
    pub strict_parse: bool,
    /// `--venv`: the virtualenv the snippets import from (else config `venv`, else
    /// `$VIRTUAL_ENV`).
    pub venv: Option<PathBuf>,
    /// `--no-venv`: ignore an active virtualenv (`$VIRTUAL_ENV`).
    pub no_venv: bool,
    /// `--python`: the CPython the snippets run on (a version or a path; else config
    /// `python`, else the venv's, else `python3` on `PATH`).
    pub python: Option<String>,
    /// `--partition`: run only this shard of the snippets.
    pub partition: Option<Partition>,
    /// Compare each snippet with its generated files (`snippets/`, `expected/`).
    pub files: Files,
}

/// What a run does with the generated files of the configured notes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Files {
    /// Nothing (`--no-snapshots`, `update`, `inspect`, `run`).
    #[default]
    Ignore,
    /// Compare; write nothing (CI).
    Compare,
    /// Compare, leave a `.snap.new` beside each snapshot that differs, and bring `snippets/`
    /// up to date (`verify` outside CI).
    CompareAndRefresh,
}

/// Which snippets a run covers.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The run covers every configured note and every snippet of them (no paths, no filter),
    /// so a generated file that matches none of them is an orphan.
    pub complete: bool,
    /// Some snippets were left out by `--filter`.
    pub filtered: bool,
    /// `--partition`: the shard run.
    pub partition: Option<Partition>,
    /// `--partition`: the planned snippets left to other shards (not run, not reported; their
    /// generated files are neither compared nor orphans).
    pub outside: Vec<Snippet>,
}

/// The stages before anything runs: what `extract` needs, and where `execute` starts.
#[derive(Debug)]
pub struct Prepared {
    /// The loaded config.
    pub config: Config,
    /// The notes read, in the order given.
    pub notes: Vec<Note>,
    /// The planned snippets of this run, in document order.
    pub snippets: Vec<Snippet>,
    /// Which snippets the run covers.
    pub scope: Scope,
    /// The interpreter and virtualenv the snippets run with.
    pub runtime: Runtime,
}

/// The CPython the snippets run on, and the virtualenv they import from.
#[derive(Debug, Clone)]
pub struct Runtime {
    /// The interpreter, and why it was chosen (the first of several).
    pub python: Interpreter,
    /// The further interpreters of a run on several versions (`--python 3.11,3.13`), in the
    /// order given (empty: one version).
    pub others: Vec<Interpreter>,
    /// The virtualenv.
    pub venv: Option<Venv>,
}

impl Runtime {
    /// Every interpreter of the run, the first first.
    pub fn pythons(&self) -> impl Iterator<Item = &Interpreter> {
        std::iter::once(&self.python).chain(&self.others)
    }
}

/// Chooses the runtime: the venv (`--venv`, the config's, else `$VIRTUAL_ENV` unless
/// `--no-venv`), then the interpreters ([`interpreter::resolve_all`]: a venv brings its own),
/// then reads the venv, which must match the interpreter's version. A venv serves one
/// version: with several, it is an error.
pub fn runtime(options: &Options, config: &Config) -> Result<Runtime> {
    let active = if options.no_venv {
        None
    } else {
        crate::environment::virtual_env()
    };
    let chosen = venv::choose(
        options.venv.as_deref(),
        config.venv.as_deref().zip(config.path.as_deref()),
        active.as_deref(),
    );
    let mut pythons = interpreter::resolve_all(
        options.python.as_deref(),
        config.python.as_deref().zip(config.path.as_deref()),
        chosen
            .as_ref()
            .map(|(root, source)| (root.as_path(), source.as_str())),
    )?;
    let python = pythons.remove(0);
    if let Some((root, source)) = chosen.as_ref().filter(|_| !pythons.is_empty()) {
        bail!(
            "the venv at {} ({source}) serves one Python, and this run names several ({}): run each version with its own venv, or use --no-venv",
            root.display(),
            std::iter::once(&python)
                .chain(&pythons)
                .map(Interpreter::minor)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let venv = chosen
        .map(|(root, source)| venv::load(&root, &source, &python.version))
        .transpose()?;
    Ok(Runtime {
        python,
        others: pythons,
        venv,
    })
}

/// One snippet, completed by every stage: planned, run, judged, compared with its files.
#[derive(Debug, Clone)]
pub struct SnippetRun {
    /// The plan: id, document, block, settings, context.
    pub snippet: Snippet,
    /// What happened (the default for a snippet that was not run).
    pub outcome: Outcome,
    /// The verdicts.
    pub check: SnippetCheck,
    /// Its accepted snapshot, compared (`None`: not compared).
    pub snapshot: Option<Reviewed>,
    /// In a run on several Pythons, each version's run and judgment, in the run's order
    /// (empty: one ran); `outcome` is then the first to run it, `check` their merge
    /// ([`judge::versions::merge`]).
    pub versions: Vec<VersionRun>,
}

/// One version's run of a snippet, in a run on several Pythons.
#[derive(Debug, Clone)]
pub struct VersionRun {
    /// The version (`3.12`).
    pub python: String,
    /// What happened there.
    pub outcome: Outcome,
    /// The verdicts there.
    pub check: SnippetCheck,
}

/// The generated-file findings of a run that belong to no one snippet.
#[derive(Debug, Clone, Default)]
pub struct Generated {
    /// `snippets/` files out of date.
    pub snippet_files: Vec<Change>,
    /// They were rewritten.
    pub rewritten: bool,
    /// `expected/` files that belong to no snippet.
    pub orphaned_snapshots: Vec<PathBuf>,
}

/// The interpreter and sandbox layers of a run.
#[derive(Debug, Clone)]
pub struct Sandbox {
    /// The Python version.
    pub python: String,
    /// The sandbox layers as the zygote prepared them (empty when nothing ran).
    pub layers: Vec<crate::run::sandbox::Layer>,
}

/// Everything a run produced.
#[derive(Debug)]
pub struct Run {
    /// The loaded config.
    pub config: Config,
    /// The notes read.
    pub notes: Vec<Note>,
    /// One row per snippet, in document order.
    pub rows: Vec<SnippetRun>,
    /// Which snippets the run covers.
    pub scope: Scope,
    /// The interpreter and sandbox that ran them.
    pub sandbox: Sandbox,
    /// The virtualenv the snippets imported from.
    pub venv: Option<Venv>,
    /// The interpreter the snippets ran on, and why it was chosen (the first of several).
    pub python: Interpreter,
    /// Every interpreter of a run on several Pythons, in order (empty: one ran).
    pub interpreters: Vec<Interpreter>,
    /// `--strict`.
    pub strict: bool,
    /// `--strict-parse` (or the config's `strict-parse`).
    pub strict_parse: bool,
    /// Generated-file findings (`None`: not compared).
    pub generated: Option<Generated>,
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

/// Reads the config and the notes and plans the snippets, without running anything. The
/// shard of `--partition` is chosen after planning and `--filter`; a `continue` chain goes
/// where its first block goes, even when the filter leaves that block out.
pub fn prepare(options: &Options) -> Result<Prepared> {
    let config = config::load(options.config.as_deref())?;
    let runtime = runtime(options, &config)?;
    let discovered = discover::resolve(&options.paths, &config)?;
    let notes = discovered
        .found
        .into_iter()
        .map(discover::Found::read)
        .collect::<Result<Vec<_>>>()?;
    let mut snippets = plan::plan(
        &notes,
        &config,
        &discovered.configured,
        &runtime.python.version,
    )?;
    link_auto(&mut snippets, &runtime.python)?;
    let roots: HashMap<String, String> = snippets
        .iter()
        .map(|s| s.id.clone())
        .zip(partition::chain_roots(&snippets))
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
    if let Some(partition) = &options.partition {
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
        scope: Scope {
            complete: options.paths.is_empty() && !filtered,
            filtered,
            partition: options.partition,
            outside,
        },
        config,
        notes,
        snippets,
        runtime,
    })
}

/// Links the blocks of every `namespace = "auto"` document to the earlier blocks that bind
/// what they read. The names come from CPython's parser, in a sandboxed child of a zygote
/// started for this alone (the CLI never starts Python); nothing runs. A document of one
/// block has nothing to link.
fn link_auto(snippets: &mut [Snippet], python: &Interpreter) -> Result<()> {
    let mut documents: Vec<std::ops::Range<usize>> = Vec::new();
    for (i, snippet) in snippets.iter().enumerate() {
        match documents.last_mut() {
            Some(range) if snippets[range.start].path == snippet.path => range.end = i + 1,
            _ => documents.push(i..i + 1),
        }
    }
    documents.retain(|range| {
        range.len() > 1
            && snippets[range.clone()]
                .iter()
                .any(|s| s.namespace == crate::config::Namespace::Auto)
    });
    if documents.is_empty() {
        return Ok(());
    }
    let zygote = runner::Zygote::start_setup(&crate::run::protocol::Setup {
        slots: 1,
        python: Some(python.clone()),
        ..Default::default()
    })?;
    for range in documents {
        let document = &mut snippets[range];
        let path = document[0].path.display().to_string();
        // Each block, then each prelude (config or Sphinx's testsetup): what a block's own
        // prelude binds is not looked for in earlier blocks.
        let preludes: Vec<(usize, &str)> = document
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((i, s.settings.as_ref()?.prelude.as_deref()?)))
            .collect();
        let cells: Vec<crate::run::protocol::NamesCell<'_>> = document
            .iter()
            .map(|s| crate::run::protocol::NamesCell {
                first_line: s.block.first_line,
                code: &s.block.code,
                interactive: plan::is_interactive(&s.block),
            })
            .chain(
                preludes
                    .iter()
                    .map(|&(_, code)| crate::run::protocol::NamesCell {
                        first_line: crate::line::LineNo::FIRST,
                        code,
                        interactive: false,
                    }),
            )
            .collect();
        let mut names = zygote.names(&path, &cells)?;
        let prelude_names = names.split_off(document.len());
        for (&(i, _), prelude) in preludes.iter().zip(prelude_names) {
            let bound = |(name, _): &(String, crate::line::LineNo)| !prelude.binds.contains(name);
            names[i].reads.retain(bound);
            names[i].deferred.retain(bound);
        }
        plan::link_auto(document, &names);
    }
    Ok(())
}

/// Runs the whole pipeline: [`prepare`], then [`execute_prepared`].
pub fn execute(options: &Options, observer: &dyn Observer) -> Result<Run> {
    execute_prepared(prepare(options)?, options, observer)
}

/// Runs, judges and (as `options.files` says) compares the prepared snippets. The timeout, the
/// virtualenv and the parallelism are resolved here, once, for every command. On several
/// Pythons, every snippet runs on each in turn (one zygote each, the plan's dispositions for
/// that version), and each row merges their judgments ([`judge::versions::merge`]).
pub fn execute_prepared(
    prepared: Prepared,
    options: &Options,
    observer: &dyn Observer,
) -> Result<Run> {
    let Prepared {
        config,
        notes,
        snippets,
        scope,
        runtime,
    } = prepared;
    let timeout = match options.timeout {
        Some(secs) => config::seconds(secs).context("invalid --timeout")?,
        None => config.timeout.unwrap_or(config::DEFAULT_TIMEOUT),
    };
    let parallelism = options.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
    });
    let strict_parse = options.strict_parse || config.strict_parse;
    let settings = Judging {
        timeout,
        parallelism,
        strict: options.strict,
        strict_parse,
        newer: Newer::default(),
    };
    let mut runs: Vec<(String, Vec<SnippetRun>, Sandbox)> = Vec::new();
    for python in runtime.pythons() {
        let one = Runtime {
            python: python.clone(),
            others: Vec::new(),
            venv: runtime.venv.clone(),
        };
        let planned: Vec<Snippet> = snippets
            .iter()
            .map(|snippet| Snippet {
                disposition: plan::Disposition::of(
                    &snippet.block,
                    snippet.settings.as_ref(),
                    &python.version,
                ),
                ..snippet.clone()
            })
            .collect();
        let (rows, sandbox) = run_version(planned, &one, observer, &settings)?;
        runs.push((python.minor(), rows, sandbox));
        if crate::run::interrupt::signal().is_some() {
            break;
        }
    }
    let several = !runtime.others.is_empty();
    let (mut rows, sandbox) = if several {
        merge_versions(runs)
    } else {
        let (_, rows, sandbox) = runs.remove(0);
        (rows, sandbox)
    };
    // A stopped run compares and writes no generated file: its transcripts are incomplete.
    let files = if crate::run::interrupt::signal().is_some() {
        Files::Ignore
    } else {
        options.files
    };
    let generated = match files {
        Files::Ignore => None,
        Files::Compare => compare_files(&config, &notes, &mut rows, &scope, false)?,
        Files::CompareAndRefresh => compare_files(&config, &notes, &mut rows, &scope, true)?,
    };
    let interpreters = if several {
        runtime.pythons().cloned().collect()
    } else {
        Vec::new()
    };
    Ok(Run {
        config,
        notes,
        rows,
        scope,
        sandbox,
        venv: runtime.venv.clone(),
        python: runtime.python,
        interpreters,
        strict: options.strict,
        strict_parse,
        generated,
    })
}

/// How a run judges, resolved once.
struct Judging {
    timeout: Duration,
    parallelism: usize,
    strict: bool,
    strict_parse: bool,
    newer: Newer,
}

/// What the run learnt about newer Pythons, asked once: the installed ones newer than each
/// running version, and whether each parses a block.
#[derive(Default)]
struct Newer {
    installed: std::cell::RefCell<HashMap<(u32, u32), Vec<Interpreter>>>,
    parses: std::cell::RefCell<HashMap<(String, String), bool>>,
}

/// A script block that does not parse on `python` but does on a newer supported Python
/// installed here needs that one ([`judge::versions::mark_needs_newer`]): the oldest such is
/// named. Only such blocks are compiled, each once per newer version, by that interpreter
/// (`Interpreter::parses`: nothing runs).
fn mark_needs_newer(rows: &mut [SnippetRun], python: &Interpreter, newer: &Newer) {
    let Some(minor) = python.minor_number() else {
        return;
    };
    let mut candidates: Vec<&mut SnippetRun> = rows
        .iter_mut()
        .filter(|r| {
            r.check.outcome == judge::OutcomeKind::Unparsable
                && !plan::is_interactive(&r.snippet.block)
        })
        .collect();
    if candidates.is_empty() {
        return;
    }
    let installed = newer
        .installed
        .borrow_mut()
        .entry(minor)
        .or_insert_with(|| interpreter::newer_than(minor))
        .clone();
    for row in &mut candidates {
        for candidate in &installed {
            let code = &row.snippet.block.code;
            let parses = *newer
                .parses
                .borrow_mut()
                .entry((candidate.minor(), code.clone()))
                .or_insert_with(|| candidate.parses(code).unwrap_or(false));
            if parses {
                judge::versions::mark_needs_newer(
                    &mut row.check,
                    &candidate.minor(),
                    &python.minor(),
                );
                break;
            }
        }
    }
}

/// The snippets run and judged on one Python: run, judged in their chains, dated, and the
/// failing chains run again ([`unstable`]).
fn run_version(
    snippets: Vec<Snippet>,
    runtime: &Runtime,
    observer: &dyn Observer,
    settings: &Judging,
) -> Result<(Vec<SnippetRun>, Sandbox)> {
    let started = std::time::SystemTime::now();
    let (ran, sandbox) = run_snippets(
        snippets,
        settings.timeout,
        settings.parallelism,
        runtime,
        observer,
        FIRST_SEED,
    )?;
    // What could not be judged in each block, for the blocks that continue it.
    let causes: HashMap<String, Vec<judge::Cause>> = ran
        .iter()
        .map(|(snippet, outcome)| {
            (
                snippet.id.clone(),
                judge::unjudgeable_causes(outcome, &snippet.undefined),
            )
        })
        .filter(|(_, causes)| !causes.is_empty())
        .collect();
    let mut rows: Vec<SnippetRun> = ran
        .into_iter()
        .map(|(snippet, outcome)| {
            let upstream: Vec<judge::Cause> = snippet
                .context
                .iter()
                .filter_map(|cell| causes.get(&cell.id))
                .flatten()
                .cloned()
                .collect();
            let check = lenient_needs(
                lenient_parse(
                    judge::judge_in_chain(&snippet, &outcome, &upstream),
                    settings.strict_parse,
                ),
                &snippet.undefined,
                settings.strict,
            );
            SnippetRun {
                snippet,
                outcome,
                check,
                snapshot: None,
                versions: Vec::new(),
            }
        })
        .collect();
    mark_needs_newer(&mut rows, &runtime.python, &settings.newer);
    let dates = crate::environment::days_since(started);
    for row in &mut rows {
        judge::mark_dated(&mut row.check.claims, &dates);
    }
    if crate::run::interrupt::signal().is_none() {
        unstable(&mut rows, settings.timeout, settings.parallelism, runtime)?;
    }
    Ok((rows, sandbox))
}

/// One row per snippet from each version's rows (same snippets, same order): the plan and
/// outcome of the first version that ran it, the merged judgment, every version's run. The
/// sandbox is the first version's.
fn merge_versions(runs: Vec<(String, Vec<SnippetRun>, Sandbox)>) -> (Vec<SnippetRun>, Sandbox) {
    let sandbox = runs[0].2.clone();
    let count = runs[0].1.len();
    let mut columns: Vec<std::vec::IntoIter<SnippetRun>> = Vec::new();
    let mut pythons: Vec<String> = Vec::new();
    for (python, rows, _) in runs {
        pythons.push(python);
        columns.push(rows.into_iter());
    }
    let mut merged = Vec::with_capacity(count);
    for _ in 0..count {
        let each: Vec<SnippetRun> = columns.iter_mut().filter_map(Iterator::next).collect();
        let checks: Vec<(String, SnippetCheck)> = pythons
            .iter()
            .cloned()
            .zip(each.iter().map(|row| row.check.clone()))
            .collect();
        let first = judge::versions::representative(&checks);
        let check = judge::versions::merge(&checks);
        let versions: Vec<VersionRun> = pythons
            .iter()
            .zip(&each)
            .map(|(python, row)| VersionRun {
                python: python.clone(),
                outcome: row.outcome.clone(),
                check: row.check.clone(),
            })
            .collect();
        let Some(row) = each.into_iter().nth(first) else {
            continue;
        };
        merged.push(SnippetRun {
            check,
            versions,
            ..row
        });
    }
    (merged, sandbox)
}

/// Runs every snippet that runs (not skipped, not unterminated) in one zygote; each snippet
/// comes back with its outcome, in the order given (the default outcome for those not run).
fn run_snippets(
    snippets: Vec<Snippet>,
    timeout: Duration,
    parallelism: usize,
    runtime: &Runtime,
    observer: &dyn Observer,
    hash_seed: u32,
) -> Result<(Vec<(Snippet, Outcome)>, Sandbox)> {
    let venv = runtime.venv.as_ref();
    let mut outcomes = vec![Outcome::default(); snippets.len()];
    let mut sandbox = Sandbox {
        python: runtime.python.version.clone(),
        layers: Vec::new(),
    };
    // The runnable blocks of each chain, in document order, run in one child.
    let mut chains: Vec<Vec<usize>> = Vec::new();
    let mut chain_of: HashMap<&str, usize> = HashMap::new();
    for (i, snippet) in snippets.iter().enumerate() {
        if !snippet.runs() {
            continue;
        }
        // Chain ids are snippet ids, unique across documents.
        let next = chains.len();
        let index = *chain_of.entry(snippet.chain.as_str()).or_insert(next);
        if index == next {
            chains.push(Vec::new());
        }
        chains[index].push(i);
    }
    if chains.is_empty() {
        return Ok((snippets.into_iter().zip(outcomes).collect(), sandbox));
    }
    let jobs: Vec<Vec<runner::Job>> = chains
        .iter()
        .map(|chain| {
            chain
                .iter()
                .map(|&i| {
                    let mut job = job(&snippets[i], timeout);
                    job.venv = venv.cloned();
                    job
                })
                .collect()
        })
        .collect();
    let needs: Vec<BTreeSet<String>> = jobs
        .iter()
        .map(|chain| chain.iter().flat_map(schedule::modules_needed).collect())
        .collect();
    let mut setup = schedule::setup_for(parallelism, jobs.iter().flatten(), &needs, venv);
    setup.hash_seed = hash_seed;
    setup.python = Some(runtime.python.clone());
    let zygote = runner::Zygote::start_setup(&setup)?;
    observer.started(chains.iter().map(Vec::len).sum());
    // Likely-slow chains start first, so that none is left running alone at the end;
    // results go back to document order.
    let order = schedule::dispatch_order(&needs, &zygote.loaded_modules, &setup.preload);
    let dispatched: Vec<Vec<runner::Job>> = order.iter().map(|&k| jobs[k].clone()).collect();
    let finished = zygote.run_chains_with(&dispatched, parallelism, &|| observer.finished_one());
    for (&k, chain_outcomes) in order.iter().zip(finished) {
        for (&i, outcome) in chains[k].iter().zip(chain_outcomes) {
            outcomes[i] = outcome;
        }
    }
    sandbox = Sandbox {
        python: zygote.python.clone(),
        layers: zygote.layers.clone(),
    };
    Ok((snippets.into_iter().zip(outcomes).collect(), sandbox))
}

/// The hash seed of a run; [`unstable`]'s second run uses another.
const FIRST_SEED: u32 = 0;

/// Output that differs between runs is not the text's fault. The chains of the rows with a
/// failing claim run a second time, in a new zygote (a new process: other addresses, ids and
/// times) with another hash seed (another set and dict order of strings); a failing claim
/// whose output differs between the two runs is `unchecked`, as unstable, with both outputs.
/// A run with no failing claim runs once.
fn unstable(
    rows: &mut [SnippetRun],
    timeout: Duration,
    parallelism: usize,
    runtime: &Runtime,
) -> Result<()> {
    let failing: BTreeSet<&str> = rows
        .iter()
        .filter(|r| {
            r.check
                .claims
                .iter()
                .any(|c| c.verdict == judge::Verdict::Fail)
        })
        .map(|r| r.snippet.chain.as_str())
        .collect();
    if failing.is_empty() {
        return Ok(());
    }
    let again: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].snippet.runs() && failing.contains(rows[i].snippet.chain.as_str()))
        .collect();
    let snippets: Vec<Snippet> = again.iter().map(|&i| rows[i].snippet.clone()).collect();
    let (ran, _) = run_snippets(
        snippets,
        timeout,
        parallelism,
        runtime,
        &Unobserved,
        FIRST_SEED + 1,
    )?;
    for (&i, (snippet, outcome)) in again.iter().zip(ran) {
        let second = judge::judge_snippet(&snippet, &outcome);
        judge::mark_unstable(&mut rows[i].check.claims, &second.claims);
    }
    Ok(())
}

/// Without `--strict`, a block that ends with a `ModuleNotFoundError` (a package that is not
/// installed where snipcheck runs: `needs numpy`, use `--venv`) is reported as needing it, and
/// one that ends with a `NameError` for a name no earlier block defines (`undefined`: a
/// fragment whose setup the text does not show) as such; their claims are `unjudged`, and
/// neither fails the run.
fn lenient_needs(mut check: SnippetCheck, undefined: &[String], strict: bool) -> SnippetCheck {
    if strict {
        return check;
    }
    if let Some(error) = check.error.as_mut().filter(|e| e.expected_by.is_none()) {
        if error.type_name == "ModuleNotFoundError" {
            error.expected_by = Some(judge::ExpectedBy::Needs);
        } else if judge::undefined_name(&error.type_name, &error.message, undefined).is_some() {
            error.expected_by = Some(judge::ExpectedBy::Setup);
        }
    }
    check
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
pub fn job(snippet: &Snippet, timeout: Duration) -> runner::Job {
    let settings = snippet.settings.as_ref();
    runner::Job {
        path: snippet.path.display().to_string(),
        first_line: snippet.block.first_line,
        code: snippet.block.code.clone(),
        prelude: settings.and_then(|s| s.prelude.clone()),
        context: snippet.context.clone(),
        files: settings.map(|s| s.files.clone()).unwrap_or_default(),
        timeout: settings.and_then(|s| s.timeout).unwrap_or(timeout),
        output_limit: runner::DEFAULT_OUTPUT_LIMIT,
        limits: crate::run::sandbox::Limits::default(),
        interactive: plan::is_interactive(&snippet.block),
        venv: None,
    }
}

/// Compares each row of a tracked note with `snippets/` and `expected/`, recording each
/// snapshot's status in its row. With `write` (outside CI): leaves a `.snap.new` for each
/// snapshot that differs and brings `snippets/` up to date (plain derived files with nothing
/// to review but a `git diff`); the run still fails, once, for what was out of date. `None`
/// when no note of the run is tracked.
fn compare_files(
    config: &Config,
    notes: &[Note],
    rows: &mut [SnippetRun],
    scope: &Scope,
    write: bool,
) -> Result<Option<Generated>> {
    if !notes.iter().any(|n| n.tracked) {
        return Ok(None);
    }
    let orphans = !scope.filtered;
    let names = notes_tracked(notes)?;
    let tracked: Vec<&Snippet> = rows
        .iter()
        .map(|r| &r.snippet)
        .filter(|s| s.tracked)
        .collect();
    let tree = snippet_files::tree(config, names.clone(), &tracked, scope.complete, orphans);
    let outside = |extension: &str| -> BTreeSet<PathBuf> {
        scope
            .outside
            .iter()
            .filter(|snippet| snippet.tracked)
            .map(|snippet| PathBuf::from(format!("{}{extension}", snippet.id)))
            .collect()
    };
    let snippet_changes = generated::compare_except(&tree, &outside(snippet_files::EXTENSION))?;
    if write {
        generated::apply(&tree, &snippet_changes)?;
    }
    let versions: Vec<String> = rows
        .first()
        .map(|row| row.versions.iter().map(|v| v.python.clone()).collect())
        .unwrap_or_default();
    let expected: Vec<(usize, Vec<snapshot::Expected>)> = rows
        .iter()
        .enumerate()
        .filter(|(_, row)| row.snippet.tracked)
        .map(|(i, row)| (i, expected(config, row)))
        .collect();
    let snaps: Vec<&snapshot::Expected> = expected.iter().flat_map(|(_, e)| e).collect();
    let snap_tree = snapshot::tree(
        config,
        names,
        &snaps,
        scope.complete,
        orphans,
        !versions.is_empty(),
    );
    // Another shard's snippets keep their versions' own snapshots too.
    let mut others = outside(snapshot::EXTENSION);
    for version in versions.iter().skip(1) {
        others.extend(outside(&format!(
            "{}{version}{}",
            snapshot::VERSION_SEPARATOR,
            snapshot::EXTENSION
        )));
    }
    let orphaned_snapshots = generated::compare_except(&snap_tree, &others)?
        .into_iter()
        .filter(|c| c.kind == ChangeKind::Orphaned)
        .map(|c| c.path)
        .collect();
    for (i, expected) in expected {
        rows[i].snapshot = Some(snapshot::review_versions(expected, write)?);
    }
    Ok(Some(Generated {
        rewritten: write && !snippet_changes.is_empty(),
        snippet_files: snippet_changes,
        orphaned_snapshots,
    }))
}

/// The names of the tracked notes (their directories under `snippets/` and `expected/`); an
/// error naming the note whose name cannot be such a directory.
pub fn notes_tracked(notes: &[Note]) -> Result<BTreeSet<String>> {
    notes
        .iter()
        .filter(|n| n.tracked)
        .map(|n| {
            generated::check_document(&n.document.path, &n.document.name)?;
            Ok(n.document.name.clone())
        })
        .collect()
}

/// The snapshots a row should have: its transcript; on several Pythons, the first version's
/// and each other version's that differs from it ([`snapshot::expected_versions`]).
pub fn expected(config: &Config, row: &SnippetRun) -> Vec<snapshot::Expected> {
    if row.versions.is_empty() {
        return vec![snapshot::expected(
            config,
            &row.snippet,
            &row.outcome,
            &row.check,
        )];
    }
    let runs: Vec<(&str, &Outcome, &SnippetCheck)> = row
        .versions
        .iter()
        .map(|v| (v.python.as_str(), &v.outcome, &v.check))
        .collect();
    snapshot::expected_versions(config, &row.snippet, &runs)
}
