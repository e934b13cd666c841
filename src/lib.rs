//! snipcheck: extracts the Python blocks of technical notes, runs each in its own worker
//! process with an embedded CPython, and checks every claim the text makes against what
//! really happened.
//!
//! The pipeline is one-way, one row per snippet (see ARCHITECTURE.md): `read` (notes →
//! documents) → `plan` (ids, settings, whether each runs) → `run` (the sandboxed zygote; facts:
//! `Outcome`) → `judge` (verdicts) → `files` (`snippets/`, `expected/`) → `report` (built once,
//! rendered for people and machines); `pipeline` wires the stages, `commands` call it.

pub(crate) mod atomic;
pub(crate) mod cli;
pub(crate) mod commands;
pub(crate) mod config;
pub(crate) mod environment;
pub(crate) mod files;
pub mod judge;
pub mod line;
pub(crate) mod pipeline;
pub(crate) mod plan;
pub mod read;
pub(crate) mod report;
pub mod run;

use clap::Parser;
use std::process::ExitCode;

/// Exit code: every claim holds.
pub const EXIT_OK: u8 = 0;
/// Exit code: a claim failed or a snippet failed unexpectedly.
pub const EXIT_FAILED: u8 = 1;
/// Exit code: snipcheck itself failed.
pub const EXIT_ERROR: u8 = 2;

/// Runs one command (the CLI's signal handlers are installed first).
fn dispatch(command: cli::Command) -> anyhow::Result<bool> {
    match command {
        cli::Command::Run(args) => commands::run(&args),
        cli::Command::Doctor(args) => commands::doctor(&args),
        cli::Command::Verify(args) => commands::verify(&args),
        cli::Command::Extract(args) => commands::extract(&args),
        cli::Command::Update(args) => commands::update(&args),
        cli::Command::Review(args) => commands::review(&args),
        cli::Command::Fix(args) => commands::fix(&args),
        cli::Command::Inspect(args) => commands::inspect(&args),
        cli::Command::Report(cli::ReportCommand::Merge(args)) => commands::merge(&args),
        cli::Command::Init(args) => commands::init(&args),
        cli::Command::Completions(args) => commands::completions(&args),
        cli::Command::Man => commands::man(),
    }
}

/// The binary's entry point.
pub fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    environment::set_color_when(match cli.color {
        cli::ColorWhen::Auto => environment::ColorWhen::Auto,
        cli::ColorWhen::Always => environment::ColorWhen::Always,
        cli::ColorWhen::Never => environment::ColorWhen::Never,
    });
    // `review` changes files one decision at a time; its summary says which were done.
    let left = if matches!(cli.command, cli::Command::Review(_)) {
        "the snapshots accepted or rejected before it are listed above; the rest are still pending"
    } else if matches!(cli.command, cli::Command::Fix(_)) {
        "no note was rewritten"
    } else {
        "the report covers what finished; snippets/ and expected/ were left as they were"
    };
    let result = run::interrupt::watch().and_then(|()| dispatch(cli.command));
    if let Some(signal) = run::interrupt::signal() {
        if let Err(err) = &result {
            eprintln!("error: {}", report::terminal::visible(&err.to_string()));
        }
        eprintln!(
            "snipcheck: stopped by {}: {left}",
            run::interrupt::name(signal)
        );
        return ExitCode::from(u8::try_from(128 + signal).unwrap_or(EXIT_ERROR));
    }
    match result {
        Ok(true) => ExitCode::from(EXIT_OK),
        Ok(false) => ExitCode::from(EXIT_FAILED),
        Err(err) => {
            // Messages quote paths, config text and snippet ids: shown, never obeyed.
            let shown = |text: String| report::terminal::visible(&text).into_owned();
            eprintln!("error: {}", shown(err.to_string()));
            for cause in err.chain().skip(1) {
                eprintln!("caused by: {}", shown(cause.to_string()));
            }
            ExitCode::from(EXIT_ERROR)
        }
    }
}
