//! `--format html`: one self-contained page that shows the notes as checked.
//!
//! Each document is rendered from the text its reader parsed (`Document::text`; no notes file
//! is opened here) with pulldown-cmark's HTML renderer, parsing as the reader does (a
//! reStructuredText document as its escaped source, `rst.rs`); the Python blocks the report
//! has snippets for, found by their byte ranges, are replaced by annotated markup
//! (`markdown.rs`): one element per code line with its Markdown line number, a marker on every
//! claim line (icon and word, never colour alone) summarizing a `<details>` with the real
//! output, the diff, the normalization or the traceback (`claim.rs`): a row under the line, or
//! for a passing claim the marker alone on the line itself, its details on demand, so passing
//! claims add no rows. A summary bar and a
//! table of contents that jumps to every failing claim come first. The page has no script at
//! all, fetches nothing (CSS inline, a strict Content-Security-Policy) and reads without
//! JavaScript and on paper.
//!
//! Notes and outputs are untrusted: every string that comes from them reaches the page through
//! [`escape`] (or pulldown-cmark's own escaping of Markdown text); raw HTML in the notes is
//! shown as text, never passed through.

mod claim;
mod markdown;
mod rst;
#[cfg(test)]
mod tests;

use super::{Report, SnapshotState};
use crate::judge::Verdict;
use crate::read::Document;
use crate::run::sandbox::LayerStatus;
use std::collections::HashSet;
use std::fmt::Write;

/// Which `<details>` start open: the rest are one click away.
#[derive(Debug, Clone, Default)]
pub struct Expanded {
    /// Claims, as (snippet index in the report, claim index in the snippet).
    pub claims: HashSet<(usize, usize)>,
    /// Snippets whose error details start open.
    pub errors: HashSet<usize>,
}

impl Expanded {
    /// What `verify` opens: every failing or unchecked claim (and loose one under `--strict`)
    /// and every unexpected error.
    pub fn failing(report: &Report) -> Expanded {
        let mut expanded = Expanded::default();
        for (s, snippet) in report.snippets.iter().enumerate() {
            if snippet.is_unexpected_error() {
                expanded.errors.insert(s);
            }
            for (k, claim) in snippet.claims.iter().enumerate() {
                if matches!(
                    claim.verdict,
                    Verdict::Fail | Verdict::Unchecked | Verdict::Unjudged
                ) || (report.strict && claim.verdict == Verdict::Loose)
                {
                    expanded.claims.insert((s, k));
                }
            }
        }
        expanded
    }
}

/// Renders the report as one HTML page; each of `report.documents` is rendered from the text
/// of the document read for it (the one with its path): no file is read again.
pub fn render(report: &Report, documents: &[&Document], expanded: &Expanded) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let title = match report.documents.as_slice() {
        [one] => format!("snipcheck: {}", one.path),
        documents => format!("snipcheck: {} documents", documents.len()),
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"snipcheck {}\">\n\
         <title>{}</title>\n<style>\n{}</style>\n</head>\n<body>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&title),
        include_str!("style.css"),
    );
    summary(&mut out, report);
    toc(&mut out, report);
    out.push_str("<main>\n");
    for (d, document) in report.documents.iter().enumerate() {
        let snippets: Vec<(usize, &super::SnippetReport)> = report
            .snippets
            .iter()
            .enumerate()
            .filter(|(_, s)| s.path == document.path)
            .collect();
        let _ = writeln!(
            out,
            "<section class=\"document\" id=\"doc-{d}\">\n<h1 class=\"document-path\">{}</h1>",
            escape(&document.path)
        );
        for problem in &document.problems {
            let _ = writeln!(
                out,
                "<p class=\"problem\" role=\"alert\"><span class=\"marker error\">⚠ error</span> \
                 line {}: {}</p>",
                problem.line,
                escape(&problem.message)
            );
        }
        let (text, blocks) = documents
            .iter()
            .find(|read| read.path.to_string_lossy() == document.path)
            .map_or(("", &[][..]), |read| (read.text.as_str(), &read.blocks[..]));
        if crate::read::is_rst(std::path::Path::new(&document.path)) {
            out.push_str("<article class=\"markdown rst\">\n");
            rst::document(&mut out, d, text, &snippets, expanded, report.strict);
        } else {
            out.push_str("<article class=\"markdown\">\n");
            markdown::document(
                &mut out,
                d,
                text,
                blocks,
                &snippets,
                expanded,
                report.strict,
            );
        }
        out.push_str("</article>\n</section>\n");
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// The page's Content-Security-Policy: no script, no fetch, inline style and data images only.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// Escapes text for HTML element content and quoted attribute values: `&`, `<`, `>`, `"` and
/// `'`. Every string from notes, outputs and paths goes through here.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A verdict's class, icon and word: the marker reads without colour.
fn verdict_mark(verdict: Verdict) -> (&'static str, &'static str) {
    let icon = match verdict {
        Verdict::Pass => "✓",
        Verdict::Loose => "≈",
        Verdict::Fail => "✗",
        Verdict::Unchecked => "?",
        Verdict::Unjudged => "–",
        Verdict::NotRun => "–",
        Verdict::VersionDependent => "≠",
    };
    (verdict.as_str(), icon)
}

/// The anchor of a claim's details.
fn claim_id(snippet: usize, claim: usize) -> String {
    format!("claim-{snippet}-{claim}")
}

fn summary(out: &mut String, report: &Report) {
    let s = &report.summary;
    let ok = report.is_success();
    let _ = writeln!(
        out,
        "<header class=\"summary {}\" id=\"summary\">\n<p class=\"result\">\
         <span class=\"badge {}\">{}</span> snipcheck {} · <span class=\"python\"{}>Python {}</span>\
         {}</p>\n<ul class=\"counts\">",
        if ok { "ok" } else { "failed" },
        if ok { "pass" } else { "fail" },
        if ok {
            "✓ result: ok"
        } else {
            "✗ result: FAILED"
        },
        env!("CARGO_PKG_VERSION"),
        report
            .interpreter
            .as_ref()
            .map(|python| format!(
                " title=\"{} ({})\"",
                escape(&python.executable.display().to_string()),
                escape(&python.source)
            ))
            .unwrap_or_default(),
        escape(&report.python),
        if report.strict {
            " · <span class=\"strict\">--strict: loose fails</span>"
        } else {
            ""
        },
    );
    for (verdict, n) in [
        (Verdict::Pass, s.pass),
        (Verdict::Loose, s.loose),
        (Verdict::Fail, s.fail),
        (Verdict::Unchecked, s.unchecked),
        (Verdict::Unjudged, s.unjudged),
        (Verdict::NotRun, s.not_run),
        (Verdict::VersionDependent, s.version_dependent),
    ] {
        if matches!(
            verdict,
            Verdict::NotRun | Verdict::Unjudged | Verdict::VersionDependent
        ) && n == 0
        {
            // Shown only when a block that cannot run states values.
            continue;
        }
        let (class, icon) = verdict_mark(verdict);
        let _ = writeln!(
            out,
            "<li class=\"count {class}\" data-verdict=\"{class}\"><span aria-hidden=\"true\">{icon}</span> \
             <span class=\"n\">{n}</span> {class}</li>"
        );
    }
    let _ = writeln!(
        out,
        "<li class=\"count errors\" data-verdict=\"errors\"><span aria-hidden=\"true\">⚠</span> \
         <span class=\"n\">{}</span> {}</li>\n<li class=\"count total\" data-verdict=\"claims\">\
         <span class=\"n\">{}</span> claims in <span class=\"n-snippets\">{}</span> snippets of \
         <span class=\"n-documents\">{}</span> {}</li>\n</ul>",
        s.errors,
        if s.errors == 1 { "error" } else { "errors" },
        s.claims,
        s.snippets,
        s.documents,
        if s.documents == 1 {
            "document"
        } else {
            "documents"
        },
    );
    sandbox(out, report);
    snapshots(out, report);
    out.push_str("</header>\n");
}

fn sandbox(out: &mut String, report: &Report) {
    if report.sandbox.is_empty() {
        out.push_str("<p class=\"sandbox\">sandbox: nothing ran</p>\n");
        return;
    }
    if let Some(missing) = crate::run::sandbox::floor::accepted_minimal(&report.sandbox) {
        let _ = writeln!(
            out,
            "<p class=\"sandbox minimal\"><b>sandbox: minimal</b> (--sandbox=minimal), below the floor: {}</p>",
            escape(missing)
        );
    }
    let layers = || {
        report
            .sandbox
            .iter()
            .filter(|l| l.name != crate::run::sandbox::floor::NAME)
    };
    let active = layers().filter(|l| l.status == LayerStatus::Active).count();
    let _ = writeln!(
        out,
        "<details class=\"sandbox\"><summary>sandbox: <span class=\"n-active\">{active}</span> of \
         {} layers active</summary>\n<ul>",
        layers().count()
    );
    for layer in &report.sandbox {
        let (class, word) = match layer.status {
            LayerStatus::Active => ("pass", "✓ active"),
            LayerStatus::Unavailable => ("loose", "– unavailable"),
            LayerStatus::Failed => ("fail", "✗ failed"),
        };
        let _ = writeln!(
            out,
            "<li><span class=\"marker {class}\">{word}</span> <b>{}</b>: {}</li>",
            escape(&layer.name),
            escape(&layer.detail)
        );
    }
    out.push_str("</ul></details>\n");
}

fn snapshots(out: &mut String, report: &Report) {
    let states: Vec<SnapshotState> = report
        .snippets
        .iter()
        .filter_map(|s| s.snapshot.as_ref().map(|snap| snap.status))
        .collect();
    if states.is_empty() {
        return;
    }
    let count = |state: SnapshotState| states.iter().filter(|&&s| s == state).count();
    let _ = writeln!(
        out,
        "<p class=\"snapshots\">snapshots: {} match, {} changed, {} missing, {} corrupt</p>",
        count(SnapshotState::Match),
        count(SnapshotState::Changed),
        count(SnapshotState::Missing),
        count(SnapshotState::Corrupt),
    );
}

fn toc(out: &mut String, report: &Report) {
    out.push_str("<nav class=\"toc\" aria-label=\"contents\">\n<h2>Contents</h2>\n<ul>\n");
    for (d, document) in report.documents.iter().enumerate() {
        let _ = writeln!(
            out,
            "<li><a href=\"#doc-{d}\">{}</a>",
            escape(&document.path)
        );
        let mut failing = Vec::new();
        let mut loose = Vec::new();
        for (s, snippet) in report
            .snippets
            .iter()
            .enumerate()
            .filter(|(_, s)| s.path == document.path)
        {
            if snippet.is_unexpected_error() {
                let line = snippet
                    .error
                    .as_ref()
                    .and_then(|e| e.line)
                    .unwrap_or(snippet.start_line);
                let what = match (&snippet.error, &snippet.missing_expected_error) {
                    (_, Some(missing)) => missing.clone(),
                    (Some(error), None) => format!("{}: {}", error.type_name, error.message),
                    (None, None) => "the snippet failed".to_owned(),
                };
                failing.push(format!(
                    "<li><a class=\"error\" href=\"#error-{s}\"><span class=\"marker error\">⚠ error</span> \
                     line {line}: {}</a></li>",
                    escape(&first_line(&what, 100))
                ));
            }
            // A snippet whose claims hold but whose transcript is not its snapshot still fails
            // the run: it is listed too, linking to the snippet.
            if let Some(snapshot) = snippet.snapshot.as_ref().filter(|s| s.is_failure()) {
                failing.push(format!(
                    "<li><a class=\"fail\" href=\"#snippet-{s}\"><span class=\"marker fail\">✗ snapshot</span> \
                     line {}: {} ({})</a></li>",
                    snippet.start_line,
                    escape(&snapshot.path),
                    snapshot_word(snapshot.status)
                ));
            }
            for (k, claim) in snippet.claims.iter().enumerate() {
                let (class, icon) = verdict_mark(claim.verdict);
                let item = format!(
                    "<li><a class=\"{class}\" href=\"#{}\"><span class=\"marker {class}\">{icon} {class}</span> \
                     line {}: <code>{}</code></a></li>",
                    claim_id(s, k),
                    claim.claim_line,
                    escape(&first_line(&claim.source, 80))
                );
                match claim.verdict {
                    Verdict::Fail | Verdict::Unchecked => failing.push(item),
                    Verdict::Loose | Verdict::Unjudged | Verdict::VersionDependent
                        if report.strict =>
                    {
                        failing.push(item)
                    }
                    Verdict::Loose | Verdict::Unjudged | Verdict::VersionDependent => {
                        loose.push(item)
                    }
                    Verdict::Pass | Verdict::NotRun => {}
                }
            }
        }
        if failing.is_empty() {
            out.push_str("<p class=\"none\">No failing claims.</p>\n");
        } else {
            let _ = writeln!(
                out,
                "<h3>Failing</h3>\n<ul class=\"failing\">\n{}\n</ul>",
                failing.join("\n")
            );
        }
        if !loose.is_empty() {
            let _ = writeln!(
                out,
                "<h3>Loose or not judged</h3>\n<ul class=\"loose\">\n{}\n</ul>",
                loose.join("\n")
            );
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n</nav>\n");
}

/// A failing snapshot's status in words.
fn snapshot_word(status: SnapshotState) -> &'static str {
    match status {
        SnapshotState::Match => "matches",
        SnapshotState::Changed => "transcript differs from the accepted snapshot",
        SnapshotState::Missing => "no accepted snapshot",
        SnapshotState::Corrupt => "not a valid .snap file",
    }
}

/// The first line of `text`, trimmed, cut to `max` characters.
fn first_line(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    if line.chars().count() > max {
        let cut: String = line.chars().take(max).collect();
        format!("{cut}…")
    } else {
        line.to_owned()
    }
}
