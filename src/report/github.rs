//! `--format github`: GitHub Actions workflow commands, one line per finding, so failures show
//! as annotations on the Markdown lines of a pull request: `::error file=…,line=…::` for a
//! failing or unchecked claim, an unexpected snippet error, a file-level problem or an
//! out-of-date snapshot; `::warning` for a `loose` claim (`::error` under `--strict`). Then a
//! `::notice` with the summary. A run below the sandbox's floor (`--sandbox=minimal`) starts
//! with a `::warning` that says what was missing.
//!
//! A wrong claim is one annotation: when a snippet has a failing claim, its snapshot's state
//! (and diff) is folded into the first failing claim's annotation rather than annotated again
//! on the snippet's first line; the claim's output is what changed the transcript, and the
//! diff still shows anything else that did.

use super::{Report, SnapshotState};
use crate::judge::{ExpectedBy, Verdict};
use crate::line::LineNo;
use std::fmt::Write;

/// Renders the report as GitHub Actions annotations.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    if let Some(missing) = crate::run::sandbox::floor::accepted_minimal(&report.sandbox) {
        let _ = writeln!(
            out,
            "::warning title={}::{}",
            property("snipcheck: sandbox below its floor (--sandbox=minimal)"),
            data(missing)
        );
    }
    for document in &report.documents {
        for problem in &document.problems {
            annotate(
                &mut out,
                "error",
                &document.path,
                problem.line,
                "snipcheck: problem",
                &problem.message,
            );
        }
    }
    for snippet in &report.snippets {
        // Endings reported without failing the run: the level, what it is, what follows.
        let reported = snippet.error.as_ref().and_then(|e| {
            let (level, what, then) = match e.expected_by? {
                ExpectedBy::NotPython => (
                    "notice",
                    "is not valid Python 3",
                    "not run; --strict-parse makes this fail",
                ),
                ExpectedBy::Needs => (
                    "warning",
                    "needs a package not installed here",
                    "not judged; use --venv, --strict makes this fail",
                ),
                ExpectedBy::Exercise => (
                    "notice",
                    "is an exercise the reader completes",
                    "reported, not failed",
                ),
                ExpectedBy::Setup => (
                    "warning",
                    "uses a name no earlier block of the document defines",
                    "a fragment, not judged; --strict makes this fail",
                ),
                ExpectedBy::NewerPython => (
                    "warning",
                    "needs a newer Python than the one that ran",
                    "not judged; run it on that version with --python, --strict makes this fail",
                ),
                ExpectedBy::Versions => (
                    "warning",
                    "raises an error a claim documents on other Pythons",
                    "version-dependent; --strict makes this fail",
                ),
                ExpectedBy::Claim | ExpectedBy::Config => return None,
            };
            Some((e, level, what, then))
        });
        if let Some((error, level, what, then)) = reported {
            annotate(
                &mut out,
                level,
                &snippet.path,
                error.line.unwrap_or(snippet.start_line),
                &format!("snipcheck: {} {what}", snippet.id),
                &format!("{}\n{then}", error.headline()),
            );
        }
        if snippet.is_unexpected_error() {
            let (line, message) = match (&snippet.error, &snippet.missing_expected_error) {
                (_, Some(missing)) => (snippet.start_line, missing.clone()),
                (Some(error), None) => (
                    error.line.unwrap_or(snippet.start_line),
                    format!("{}: {}", error.type_name, error.message),
                ),
                (None, None) => (snippet.start_line, "the snippet failed".to_owned()),
            };
            annotate(
                &mut out,
                "error",
                &snippet.path,
                line,
                &format!("snipcheck: {}", snippet.id),
                &message,
            );
        }
        let mut snapshot_note = snapshot_annotation(snippet);
        let folds = snippet.claims.iter().any(|c| c.verdict == Verdict::Fail);
        for claim in &snippet.claims {
            let (level, word) = match claim.verdict {
                Verdict::Pass => continue,
                Verdict::Loose if report.strict => ("error", "loose claim (--strict)"),
                Verdict::Loose => ("warning", "loose claim"),
                Verdict::Fail => ("error", "claim fails"),
                Verdict::Unchecked => ("error", "claim unchecked"),
                Verdict::Unjudged if report.strict => ("error", "claim not judged here (--strict)"),
                Verdict::Unjudged => ("warning", "claim not judged here"),
                Verdict::NotRun => ("notice", "claim not run (not valid Python 3)"),
                Verdict::VersionDependent if report.strict => {
                    ("error", "claim version-dependent (--strict)")
                }
                Verdict::VersionDependent => ("warning", "claim version-dependent"),
            };
            let mut message = format!(
                "claimed: {}\nactual: {}",
                claim.claimed,
                claim.actual.as_deref().unwrap_or("(never ran)")
            );
            if let Some(normalization) = &claim.normalization {
                message.push_str(&format!("\nequal after: {normalization}"));
            }
            if let Some(reason) = &claim.reason {
                message = format!("{reason}\n{message}");
            }
            // The blocks it ran after are part of why it printed what it did.
            if let Some(continues) = &snippet.continues {
                message.push_str(&format!("\n{}", continues.describe()));
            }
            if claim.verdict == Verdict::Fail
                && let Some((what, detail)) = snapshot_note.take()
            {
                message.push_str(&format!("\nsnapshot: {what}: {detail}"));
            }
            annotate(
                &mut out,
                level,
                &snippet.path,
                claim.claim_line,
                &format!("snipcheck: {word}"),
                &message,
            );
        }
        if let Some((what, detail)) = snapshot_note.filter(|_| !folds) {
            annotate(
                &mut out,
                "error",
                &snippet.path,
                snippet.start_line,
                &format!("snipcheck: {what}"),
                &detail,
            );
        }
    }
    if let Some(generated) = &report.generated {
        for file in &generated.snippet_files {
            let _ = writeln!(
                out,
                "::error file={},title={}::{}",
                property(&file.path),
                property("snipcheck: snippets/ out of date"),
                data(&format!(
                    "{} is {} (run `snipcheck update`)",
                    file.path, file.change
                ))
            );
        }
        for path in &generated.orphaned_snapshots {
            let _ = writeln!(
                out,
                "::error file={},title={}::{}",
                property(path),
                property("snipcheck: orphaned snapshot"),
                data(&format!(
                    "{path} belongs to no snippet (run `snipcheck update`)"
                ))
            );
        }
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "::notice title=snipcheck::{}",
        data(&format!(
            "{} snippets, {} claims: {} pass, {} loose, {} fail, {} unchecked; {} errors — {}",
            s.snippets,
            s.claims,
            s.pass,
            s.loose,
            s.fail,
            s.unchecked,
            s.errors,
            if report.is_success() { "ok" } else { "FAILED" }
        ))
    );
    out
}

/// What is wrong with a snippet's snapshot, if anything: the title and the message.
fn snapshot_annotation(snippet: &super::SnippetReport) -> Option<(&'static str, String)> {
    let snapshot = snippet
        .snapshot
        .as_ref()
        .filter(|s| s.status != SnapshotState::Match)?;
    let what = match snapshot.status {
        SnapshotState::Changed => "transcript differs from the accepted snapshot",
        SnapshotState::Missing => "no accepted snapshot",
        _ => "accepted snapshot is not a valid .snap file",
    };
    let detail = snapshot
        .diff
        .as_ref()
        .or(snapshot.message.as_ref())
        .cloned()
        .unwrap_or_default();
    Some((
        what,
        format!(
            "{} (run `snipcheck update` to accept)\n{detail}",
            snapshot.path
        ),
    ))
}

fn annotate(out: &mut String, level: &str, file: &str, line: LineNo, title: &str, message: &str) {
    let _ = writeln!(
        out,
        "::{level} file={},line={line},title={}::{}",
        property(file),
        property(title),
        data(message)
    );
}

/// Escapes a workflow command's message (`%`, CR, LF), as the Actions toolkit does.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (also `:` and `,`).
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}
