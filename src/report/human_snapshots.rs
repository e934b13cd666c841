//! The human report's lines about generated files: each snippet's snapshot status with the
//! diff, `snippets/` files out of date, orphaned snapshots, and their summary line.

use super::{Report, SnapshotState, SnippetReport};
use std::fmt::Write;

/// Lines under a snippet whose snapshot does not match.
pub(super) fn render_snapshot(
    out: &mut String,
    snippet: &SnippetReport,
    indent: &str,
    colors: bool,
) {
    let Some(snapshot) = &snippet.snapshot else {
        return;
    };
    let what = match snapshot.status {
        SnapshotState::Match => return,
        SnapshotState::Changed => "the transcript differs from the accepted snapshot",
        SnapshotState::Missing => "no accepted snapshot",
        SnapshotState::Corrupt => "the accepted snapshot is not a valid .snap file",
    };
    let _ = writeln!(out, "{indent}{}: snapshot: {what}", snapshot.path);
    if let Some(message) = &snapshot.message {
        let _ = writeln!(out, "{indent}  {message}");
    }
    if let Some(diff) = &snapshot.diff {
        for line in super::human::diff_lines(diff, colors) {
            let _ = writeln!(out, "{indent}  {line}");
        }
    }
    match &snapshot.pending {
        Some(pending) => {
            let _ = writeln!(
                out,
                "{indent}  new transcript written to {pending}: review with `snipcheck review`, or accept with `snipcheck update --accept-only {}`",
                snippet.id
            );
        }
        None => {
            let _ = writeln!(
                out,
                "{indent}  (CI: no .snap.new written) accept with `snipcheck update --accept-only {}`",
                snippet.id
            );
        }
    }
}

/// The `snippets/` and orphaned-snapshot section, when there is anything to say.
pub(super) fn render_generated(out: &mut String, report: &Report) {
    let Some(generated) = &report.generated else {
        return;
    };
    if generated.is_clean() {
        return;
    }
    if generated.snippet_files_rewritten && !generated.snippet_files.is_empty() {
        let _ = writeln!(
            out,
            "\nsnippets/ was out of date and has been rewritten from the notes (see `git diff`):"
        );
    } else if !generated.snippet_files.is_empty() {
        let _ = writeln!(out, "\nsnippets/ is out of date (run `snipcheck update`):");
    }
    for file in &generated.snippet_files {
        let _ = writeln!(out, "  {:<9}{}", file.change, file.path);
    }
    if !generated.orphaned_snapshots.is_empty() {
        let _ = writeln!(
            out,
            "\nsnapshots that belong to no snippet (run `snipcheck update` to remove them):"
        );
    }
    for path in &generated.orphaned_snapshots {
        let _ = writeln!(out, "  {:<9}{path}", "orphaned");
    }
}

/// `snapshots: ...` under the claims summary, and the `--strict` note.
pub(super) fn render_summary(out: &mut String, report: &Report) {
    if let Some(generated) = &report.generated {
        let count = |state: SnapshotState| {
            report
                .snippets
                .iter()
                .filter(|s| s.snapshot.as_ref().is_some_and(|x| x.status == state))
                .count()
        };
        let _ = writeln!(
            out,
            "snapshots: {} match, {} changed, {} missing, {} corrupt, {} orphaned; snippets/: {} out of date",
            count(SnapshotState::Match),
            count(SnapshotState::Changed),
            count(SnapshotState::Missing),
            count(SnapshotState::Corrupt),
            generated.orphaned_snapshots.len(),
            generated.snippet_files.len()
        );
    }
    if report.strict && report.summary.loose > 0 {
        let _ = writeln!(
            out,
            "--strict: {} loose {} fail the run",
            report.summary.loose,
            if report.summary.loose == 1 {
                "claim"
            } else {
                "claims"
            }
        );
    }
}
