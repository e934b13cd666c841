//! `snipcheck verify`: run the pipeline (comparing with `snippets/` and `expected/` unless
//! `--no-snapshots`), and print the report (or write it to `--output` and print the human
//! report).

use crate::cli::{ReportFormat, VerifyArgs};
use crate::environment;
use crate::pipeline::{self, Files, Options};
use crate::report::{self, Format};
use anyhow::Result;

/// Verifies the notes; `Ok(true)` when every claim held and every generated file is current.
pub fn verify(args: &VerifyArgs) -> Result<bool> {
    let progress = report::progress::Progress::start("running snippets");
    let run = pipeline::execute(
        &Options {
            filter: args.filter.clone(),
            strict: args.strict,
            strict_parse: args.strict_parse,
            partition: args.partition,
            files: match (args.no_snapshots, environment::is_ci()) {
                (true, _) => Files::Ignore,
                (false, true) => Files::Compare,
                (false, false) => Files::CompareAndRefresh,
            },
            ..super::run_options(args.paths.clone(), &args.run)
        },
        &progress,
    )?;
    drop(progress);
    let built = report::build(&run);
    let format = match args.format {
        ReportFormat::Human => Format::Human,
        ReportFormat::Json => Format::Json,
        ReportFormat::Junit => Format::Junit,
        ReportFormat::Github => Format::Github,
        ReportFormat::Html => Format::Html(&run.notes),
    };
    report::emit(&built, format, args.output.as_deref())?;
    Ok(built.is_success())
}
