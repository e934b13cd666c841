//! Command-line arguments. clap types stop here: `lib.rs` turns them into plain values.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Proves that the Python examples in technical notes do what the text says they do.
#[derive(Debug, Parser)]
#[command(name = "snipcheck", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
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
    /// Private command: runs one snippet inside the worker process (started by `verify`).
    #[command(hide = true)]
    Worker,
}

/// Arguments of `verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Markdown files, directories or glob patterns (default: `notes` in snipcheck.toml).
    pub paths: Vec<String>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Wall-clock limit per snippet, in seconds (default: config `timeout`, else 10).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// The config file (default: ./snipcheck.toml if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// How many snippets run at once (default: the number of cores).
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: one line per snippet, details for what is not a plain pass.
    Human,
    /// One JSON object for machines.
    Json,
}
