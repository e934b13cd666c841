//! `snipcheck verify`: run the pipeline and print the report.

use crate::cli::{Format, VerifyArgs};
use crate::pipeline::{self, Options};
use crate::report;
use anyhow::{Context, Result};
use std::io::Write;

/// Verifies the notes; `Ok(true)` when every claim held.
pub fn verify(args: &VerifyArgs) -> Result<bool> {
    let run = pipeline::execute(&Options {
        paths: args.paths.clone(),
        config: args.config.clone(),
        timeout: args.timeout,
        jobs: args.jobs,
    })?;
    let text = match args.format {
        Format::Human => report::human::render(&run.report),
        Format::Json => report::json::render(&run.report),
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("failed to write the report")?;
    Ok(run.report.is_success())
}
