//! `snipcheck verify`: run the pipeline, compare with `snippets/` and `expected/`, and print
//! the report (or write it to `--output` and print the human report).

use crate::atomic;
use crate::cli::{ReportFormat, VerifyArgs};
use crate::environment;
use crate::files::generated::{self, ChangeKind};
use crate::files::snapshot::{self, Status};
use crate::files::snippets as snippet_file;
use crate::pipeline::{self, Options, Run};
use crate::report::{self, FileReport, GeneratedReport, SnapshotReport, SnapshotState};
use anyhow::Result;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Verifies the notes; `Ok(true)` when every claim held and every generated file is current.
pub fn verify(args: &VerifyArgs) -> Result<bool> {
    let progress = crate::report::progress::Progress::start("running snippets");
    let mut run = pipeline::execute_partitioned(
        &Options {
            paths: args.paths.clone(),
            config: args.run.config.clone(),
            timeout: args.run.timeout,
            jobs: args.run.jobs,
            filter: args.filter.clone(),
            strict: args.strict,
            strict_parse: args.strict_parse,
            venv: args.run.venv.clone(),
        },
        args.partition,
        &progress,
    )?;
    drop(progress);
    if !args.no_snapshots {
        compare_generated(&mut run, !environment::is_ci())?;
    }
    let text = match args.format {
        ReportFormat::Human => {
            report::human::render_styled(&run.report, environment::stdout_colors())
        }
        ReportFormat::Json => report::json::render(&run.report),
        ReportFormat::Junit => report::junit::render(&run.report),
        ReportFormat::Github => report::github::render(&run.report),
        ReportFormat::Html => report::html::render(
            &run.report,
            &run.documents,
            &report::html::Expanded::failing(&run.report),
        ),
    };
    match &args.output {
        Some(path) => {
            atomic::write(path, text.as_bytes())?;
            let human = report::human::render_styled(&run.report, environment::stdout_colors());
            super::extract::print(&format!("{human}report written to {}\n", path.display()))?;
        }
        None => super::extract::print(&text)?,
    }
    Ok(run.report.is_success())
}

/// Compares the run with `snippets/` and `expected/` and records the result in the report.
/// With `write` (outside CI): leaves a `.snap.new` for each snapshot that differs, and brings
/// `snippets/` up to date (plain derived files with nothing to review but a `git diff`); the
/// run still fails, once, for what was out of date. In CI nothing is written.
pub fn compare_generated(run: &mut Run, write: bool) -> Result<()> {
    let tracked = generated::tracked(&run.config, &run.documents)?;
    if !tracked.contains(&true) {
        return Ok(());
    }
    let orphans = !run.filtered;
    let tree = snippet_file::tree(
        &run.config,
        &run.documents,
        &tracked,
        &run.snippets,
        run.complete,
        orphans,
    );
    let changes = generated::compare_except(
        &tree,
        &outside_files(run, &tracked, snippet_file::EXTENSION),
    )?;
    if write {
        generated::apply(&tree, &changes)?;
    }
    let snippet_files: Vec<FileReport> = changes
        .into_iter()
        .map(|change| FileReport {
            path: change.path.display().to_string(),
            change: change.kind.word().to_owned(),
        })
        .collect();
    let expected = snapshot::expected(run, &tracked);
    let snap_tree = snapshot::tree(run, &tracked, &expected, orphans);
    let snap_outside = outside_files(run, &tracked, snapshot::EXTENSION);
    let orphaned_snapshots = generated::compare_except(&snap_tree, &snap_outside)?
        .into_iter()
        .filter(|c| c.kind == ChangeKind::Orphaned)
        .map(|c| c.path.display().to_string())
        .collect();
    let reviewed = snapshot::review(expected, write)?;
    for reviewed in reviewed {
        let report = &mut run.report.snippets[reviewed.expected.index];
        let (status, diff, message) = match reviewed.status {
            Status::Match => (SnapshotState::Match, None, None),
            Status::Changed { diff } => (SnapshotState::Changed, Some(diff), None),
            Status::Missing => (SnapshotState::Missing, None, None),
            Status::Corrupt(corrupt) => (
                SnapshotState::Corrupt,
                None,
                Some(format!(
                    "{}:{}: {}",
                    reviewed.expected.path.display(),
                    corrupt.line,
                    corrupt.message
                )),
            ),
        };
        report.snapshot = Some(SnapshotReport {
            status,
            path: reviewed.expected.path.display().to_string(),
            pending: reviewed.pending.map(|p| p.display().to_string()),
            diff,
            message,
        });
    }
    let snippet_files_rewritten = write && !snippet_files.is_empty();
    run.report.generated = Some(GeneratedReport {
        snippet_files,
        snippet_files_rewritten,
        orphaned_snapshots,
    });
    Ok(())
}

/// Under `--partition`: the generated files (relative to their root) of the snippets other
/// shards run, which this shard neither compares nor counts as orphans.
fn outside_files(run: &Run, tracked: &[bool], extension: &str) -> BTreeSet<PathBuf> {
    run.outside
        .iter()
        .filter(|snippet| tracked[snippet.document])
        .map(|snippet| PathBuf::from(format!("{}{extension}", snippet.id)))
        .collect()
}
