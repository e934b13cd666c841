//! Command-line arguments. clap types stop here: `lib.rs` turns them into plain values.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// `--version`: what runs the snippets (`-V`: the version alone).
const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\nembeds no Python: snipcheck-worker runs the snippets on the CPython 3.9-3.13 chosen at run time\n(--python, $SNIPCHECK_PYTHON, config `python`, the venv's, else python3 on PATH), through its stable ABI"
);

/// Proves that the Python examples in technical notes do what the text says they do.
#[derive(Debug, Parser)]
#[command(name = "snipcheck", version, long_version = LONG_VERSION, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// When to colour the human and `inspect` outputs: `auto` (a terminal, unless NO_COLOR is
    /// set; FORCE_COLOR or CLICOLOR_FORCE force it), `always` or `never`. Never in JSON, JUnit,
    /// GitHub, HTML or a file written with --output.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Colours on a terminal, as the environment allows.
    Auto,
    /// Colours, whatever the environment says.
    Always,
    /// No colours.
    Never,
}

/// The exit codes, shown under every `--help`.
pub const EXIT_CODES: &str = "Exit codes:
  0  every claim holds (pass or loose) and no snippet failed unexpectedly
  1  a claim failed or was never checked, or a snippet failed unexpectedly
  2  snipcheck itself failed (unreadable path, bad config, ...)";

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every Python block of the notes and check every claim.
    #[command(after_help = EXIT_CODES)]
    Verify(VerifyArgs),
    /// Write every Python block to snippets/<document>/<id>.py (--check: only compare).
    #[command(after_help = EXIT_CODES)]
    Extract(ExtractArgs),
    /// Regenerate snippets/ and expected/ from the notes (atomic writes; the notes are never
    /// edited).
    #[command(after_help = EXIT_CODES)]
    Update(UpdateArgs),
    /// Review the pending snapshots (`.snap.new`) that `verify` left under expected/: each
    /// diff, then accept, reject or skip it (`--accept` / `--reject`: all of them, for scripts).
    #[command(after_help = REVIEW_EXIT_CODES)]
    Review(ReviewArgs),
    /// Rewrite each failing claim in the notes to what the code really does, in the claim's own
    /// style, and nothing else (--dry-run: print the diff, write nothing).
    #[command(after_help = FIX_EXIT_CODES)]
    Fix(FixArgs),
    /// Explain claims: the Markdown around each, the statement's output, claimed vs actual,
    /// the normalizations tried and the command to rerun it (default: every failing claim).
    #[command(after_help = EXIT_CODES)]
    Inspect(InspectArgs),
    /// Run one Python file or one snippet (by id) in the sandbox and print its transcript.
    #[command(after_help = EXIT_CODES)]
    Run(RunArgs),
    /// Show the Python in use, the config in use, and which sandbox layers are active here, and
    /// why not.
    Doctor(DoctorArgs),
    /// Write a starting config (snipcheck.toml, or a [tool.snipcheck] table appended to
    /// pyproject.toml) listing the notes found under DIR, and ignore `*.snap.new` in .gitignore.
    #[command(after_help = EXIT_CODES)]
    Init(InitArgs),
    /// Print a completion script for a shell (e.g. `snipcheck completions bash >
    /// ~/.local/share/bash-completion/completions/snipcheck`).
    Completions(CompletionsArgs),
    /// Print the man page (roff; e.g. `snipcheck man > ~/.local/share/man/man1/snipcheck.1`).
    Man,
    /// Work with JSON reports written by `verify --format json` (`merge`: join the shards of a
    /// `--partition` run).
    #[command(subcommand)]
    Report(ReportCommand),
}

/// Options of every command that runs snippets.
#[derive(Debug, Clone, clap::Args)]
pub struct RunOptions {
    /// Wall-clock limit per snippet, in seconds (default: config `timeout`, else 10).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// The config file: a snipcheck.toml, or a pyproject.toml's [tool.snipcheck] (default:
    /// ./snipcheck.toml, else ./pyproject.toml if it has that table).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// How many snippets run at once (default: the number of cores).
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,
    /// A virtualenv whose site-packages the snippets may import (read-only, inside the
    /// sandbox only). Default: config `venv`, else the active one ($VIRTUAL_ENV).
    #[arg(long, value_name = "PATH")]
    pub venv: Option<PathBuf>,
    /// The CPython the snippets run on: a version (`3.12`: `python3.12` on PATH, else
    /// pyenv's or uv's) or an interpreter's path; several separated by `,` (`3.11,3.13`) run
    /// every snippet on each. Default: config `python`, else the venv's own, else `python3`
    /// on PATH. Any CPython 3.9-3.13 with a shared libpython.
    #[arg(long, value_name = "VERSION|PATH[,...]")]
    pub python: Option<String>,
    /// Ignore the active virtualenv ($VIRTUAL_ENV).
    #[arg(long)]
    pub no_venv: bool,
    /// Where the sandbox is below its floor (`snipcheck doctor`): `full` refuses to run,
    /// `minimal` runs with the layers there are and every report says so (default: config
    /// `sandbox`, else full).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub sandbox: Option<Sandbox>,
}

/// `--sandbox`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Sandbox {
    /// Refuse to run below the floor.
    Full,
    /// Run below the floor, and say so in every report.
    Minimal,
}

/// Arguments of `verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Markdown or reStructuredText files, directories or glob patterns (default: `notes` in
    /// snipcheck.toml).
    pub paths: Vec<String>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Timeout, config and parallelism.
    #[command(flatten)]
    pub run: RunOptions,
    /// Write the report to FILE (the human summary still goes to the terminal).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Treat `loose` and `unjudged` verdicts as failures.
    #[arg(long)]
    pub strict: bool,
    /// Fail on blocks that are not valid Python 3 (default: report them as `unparsable`
    /// without failing; config `strict-parse = true` does the same).
    #[arg(long)]
    pub strict_parse: bool,
    /// Only the snippets whose id or section contains PATTERN (`*` globs allowed).
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// Do not compare with snippets/ and expected/ (ad-hoc checks of notes without them).
    #[arg(long)]
    pub no_snapshots: bool,
    /// Run only shard K of N (1-based), for CI matrices: `hash:K/N` assigns each snippet by a
    /// stable hash of its id, `count:K/N` round-robin in document order; a `continue` chain
    /// stays in one shard. Join the shards' `--format json` reports with `snipcheck report
    /// merge`.
    #[arg(long, value_name = "SCHEME:K/N", value_parser = parse_partition)]
    pub partition: Option<crate::plan::partition::Partition>,
}

fn parse_partition(text: &str) -> Result<crate::plan::partition::Partition, String> {
    text.parse()
}

/// `snipcheck report ...`.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Join the JSON reports of `verify --partition SCHEME:K/N --format json` (one per shard)
    /// into the report one unpartitioned run would have written, and exit as it would have.
    #[command(after_help = EXIT_CODES)]
    Merge(MergeArgs),
}

/// Arguments of `report merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shards' JSON reports (`verify --partition ... --format json --output FILE`).
    #[arg(required = true, value_name = "REPORT.json")]
    pub reports: Vec<PathBuf>,
    /// Report format (no `html`: the shards' JSON does not carry the notes' Markdown).
    #[arg(long, value_enum, default_value_t = MergeFormat::Human)]
    pub format: MergeFormat,
    /// Write the merged report to FILE (the human summary still goes to the terminal).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Merge even when some shards of 1..N are missing (the report says which).
    #[arg(long)]
    pub allow_missing: bool,
}

/// Report formats of `report merge`: those of `verify` that need nothing but the JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MergeFormat {
    /// For people: one line per snippet, details for what is not a plain pass.
    Human,
    /// One JSON object for machines.
    Json,
    /// JUnit XML: one testsuite per snippet, one testcase per claim.
    Junit,
    /// GitHub Actions annotations on the Markdown lines.
    Github,
}

/// Report formats of `verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// For people: one line per snippet, details for what is not a plain pass.
    Human,
    /// One JSON object for machines.
    Json,
    /// JUnit XML: one testsuite per snippet, one testcase per claim.
    Junit,
    /// GitHub Actions annotations on the Markdown lines.
    Github,
    /// One self-contained HTML page: the notes rendered, every claim marked (pass, loose,
    /// fail, unchecked) with its output, diff, normalization or traceback one click away.
    Html,
}

/// Arguments of `extract`.
#[derive(Debug, clap::Args)]
pub struct ExtractArgs {
    /// Markdown or reStructuredText files, directories or glob patterns (default: `notes` in
    /// snipcheck.toml).
    pub paths: Vec<String>,
    /// Write nothing: list stale, missing and orphaned files and exit 1 if there are any.
    #[arg(long)]
    pub check: bool,
    /// The config file: a snipcheck.toml, or a pyproject.toml's [tool.snipcheck] (default:
    /// ./snipcheck.toml, else ./pyproject.toml if it has that table).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Arguments of `update`.
#[derive(Debug, clap::Args)]
pub struct UpdateArgs {
    /// Markdown or reStructuredText files, directories or glob patterns (default: `notes` in
    /// snipcheck.toml).
    pub paths: Vec<String>,
    /// Only accept the snapshot (and snippet file) of this snippet id; repeatable.
    #[arg(long, value_name = "ID")]
    pub accept_only: Vec<String>,
    /// Timeout, config and parallelism.
    #[command(flatten)]
    pub run: RunOptions,
}

/// The exit codes of `review`.
pub const REVIEW_EXIT_CODES: &str = "Exit codes:
  0  nothing is pending, or every pending snapshot was reviewed (asked, --accept, --reject)
  1  snapshots are pending and there is no terminal to ask on (they are listed with their diffs)
  2  snipcheck itself failed (a linked or foreign .snap.new, bad config, ...)";

/// Arguments of `review`.
#[derive(Debug, clap::Args)]
pub struct ReviewArgs {
    /// Only the pending snapshots of these notes: files, directories or glob patterns, as
    /// `verify` takes them (default: every one under expected/).
    pub paths: Vec<String>,
    /// Accept every pending snapshot without asking (the `.snap` takes its content).
    #[arg(long, conflicts_with = "reject")]
    pub accept: bool,
    /// Reject every pending snapshot without asking (the `.snap.new` is removed).
    #[arg(long)]
    pub reject: bool,
    /// The config file (default: ./snipcheck.toml if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// The exit codes of `fix`.
pub const FIX_EXIT_CODES: &str = "Exit codes:
  0  every failing claim was rewritten (or none failed)
  1  some failing claims were not rewritten (listed, each with why)
  2  snipcheck itself failed (unreadable path, bad config, ...)";

/// Arguments of `fix`.
#[derive(Debug, clap::Args)]
pub struct FixArgs {
    /// Markdown or reStructuredText files, directories or glob patterns (default: `notes` in
    /// snipcheck.toml).
    pub paths: Vec<String>,
    /// Write nothing: print the unified diff of each note that would change.
    #[arg(long)]
    pub dry_run: bool,
    /// Also rewrite `loose` claims (equal only after a named normalization) to the exact output.
    #[arg(long)]
    pub loose: bool,
    /// Timeout, config and parallelism.
    #[command(flatten)]
    pub run: RunOptions,
}

/// Arguments of `inspect`.
#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// A snippet id, or FILE:LINE (a claim's or statement's Markdown line). Default: every
    /// failing claim of the configured notes.
    pub target: Option<String>,
    /// Also write the HTML report of the run to FILE, with the inspected claims expanded.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// List the comments read as prose that were close calls (they look like output, or
    /// their statement printed or has a value), each with why it is not a claim; of the
    /// target's snippets, or of every snippet without a target.
    #[arg(long)]
    pub comments: bool,
    /// Timeout, config and parallelism.
    #[command(flatten)]
    pub run: RunOptions,
}

/// Arguments of `run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// A Python file, or a snippet id such as `python-interview-notes/2-1-variables-memory-model`.
    pub target: String,
    /// Transcript format (`human` or `json`).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Wall-clock limit, in seconds (default: config `timeout`, else 10).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// The config file: a snipcheck.toml, or a pyproject.toml's [tool.snipcheck] (default:
    /// ./snipcheck.toml, else ./pyproject.toml if it has that table).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A virtualenv whose site-packages the code may import (default: config `venv`, else
    /// $VIRTUAL_ENV).
    #[arg(long, value_name = "PATH")]
    pub venv: Option<PathBuf>,
    /// The CPython the snippets run on: a version (`3.12`: `python3.12` on PATH, else
    /// pyenv's or uv's) or an interpreter's path. Default: config `python`, else the venv's
    /// own, else `python3` on PATH. Any CPython 3.9-3.13 with a shared libpython.
    #[arg(long, value_name = "VERSION|PATH")]
    pub python: Option<String>,
    /// Ignore the active virtualenv ($VIRTUAL_ENV).
    #[arg(long)]
    pub no_venv: bool,
    /// Where the sandbox is below its floor: `full` refuses, `minimal` runs and says so
    /// (default: config `sandbox`, else full).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub sandbox: Option<Sandbox>,
}

/// Arguments of `doctor`.
#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// Output format (`human` or `json`).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// The config file: a snipcheck.toml, or a pyproject.toml's [tool.snipcheck] (default:
    /// ./snipcheck.toml, else ./pyproject.toml if it has that table).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The CPython to check: a version (`3.12`) or an interpreter's path (default: config
    /// `python`, else the active venv's, else `python3` on PATH).
    #[arg(long, value_name = "VERSION|PATH")]
    pub python: Option<String>,
}

/// Arguments of `init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The project directory: the config goes there, and the notes are found under it
    /// (default: the current directory).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Append a [tool.snipcheck] table to DIR/pyproject.toml instead of writing
    /// snipcheck.toml.
    #[arg(long)]
    pub pyproject: bool,
}

/// Arguments of `completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The completion script for `args`' shell, from the same definitions as the parser.
pub fn completions(args: &CompletionsArgs) -> String {
    let mut command = <Cli as clap::CommandFactory>::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "snipcheck", &mut script);
    String::from_utf8_lossy(&script).into_owned()
}

/// The man page (roff), from the same definitions as the parser: one page with the command's
/// title, synopsis, description and options, then a section per visible subcommand (its
/// synopsis, description and options), the exit codes and the version.
pub fn man_page() -> anyhow::Result<String> {
    use clap_mangen::Man;
    let mut command = <Cli as clap::CommandFactory>::command();
    // Gives every subcommand its full name (`snipcheck report merge`) for its synopsis.
    command.build();
    let top = Man::new(command.clone());
    let mut page = String::new();
    page.push_str(&roff(|w| top.render_title(w))?);
    // roff's string for a typewriter apostrophe, defined once, after the title.
    page.push_str(ROFF_PREAMBLE);
    page.push_str(&roff(|w| top.render_name_section(w))?);
    page.push_str(&roff(|w| top.render_synopsis_section(w))?);
    page.push_str(&roff(|w| top.render_description_section(w))?);
    page.push_str(&roff(|w| top.render_options_section(w))?);
    man_subcommands(&command, &mut page)?;
    page.push_str(
        &roff(|w| top.render_extra_section(w))?.replace(".SH EXTRA", ".SH \"EXIT CODES\""),
    );
    page.push_str(&roff(|w| top.render_version_section(w))?);
    Ok(page)
}

/// The two lines roff (the crate) writes before every rendering.
const ROFF_PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";

/// A section per visible subcommand of `command` (and theirs, depth first), its own sections
/// as subsections.
fn man_subcommands(command: &clap::Command, page: &mut String) -> anyhow::Result<()> {
    for sub in command
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let name = sub.get_bin_name().unwrap_or(sub.get_name());
        page.push_str(&format!(".SH \"{}\"\n", name.to_uppercase()));
        // The global options are described once, under the command's own OPTIONS.
        let globals: Vec<clap::Id> = sub
            .get_arguments()
            .filter(|a| a.is_global_set())
            .map(|a| a.get_id().clone())
            .collect();
        let own = globals
            .iter()
            .fold(sub.clone(), |sub, id| sub.mut_arg(id, |a| a.hide(true)));
        let man = clap_mangen::Man::new(own.clone());
        let mut sections = roff(|w| man.render_synopsis_section(w))?;
        sections.push_str(&roff(|w| man.render_description_section(w))?);
        if own.get_arguments().any(|a| !a.is_hide_set()) {
            sections.push_str(&roff(|w| man.render_options_section(w))?);
        }
        page.push_str(
            &sections
                .replace("\n.SH ", "\n.SS ")
                .replacen(".SH ", ".SS ", 1),
        );
        man_subcommands(sub, page)?;
    }
    Ok(())
}

/// One clap_mangen rendering as text, without the preamble roff repeats in each.
fn roff(
    render: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> anyhow::Result<String> {
    let mut out = Vec::new();
    render(&mut out).map_err(|err| anyhow::anyhow!("failed to render the man page: {err}"))?;
    let text = String::from_utf8_lossy(&out);
    let body = text
        .strip_prefix(ROFF_PREAMBLE)
        .ok_or_else(|| anyhow::anyhow!("failed to render the man page: roff's preamble changed"))?;
    Ok(body.to_owned())
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: one line per snippet, details for what is not a plain pass.
    Human,
    /// One JSON object for machines.
    Json,
}
