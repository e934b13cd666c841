//! One document's Markdown as HTML: pulldown-cmark's renderer over the document's events, with
//! the Python blocks the report has snippets for replaced by annotated markup (a line element
//! per code line, markers on claim lines, details under them), raw HTML turned into text,
//! links restricted to safe schemes and images shown as text (the page fetches nothing).

use super::{Expanded, claim, claim_id, escape, first_line, verdict_mark};
use crate::judge::{ExpectedBy, Verdict};
use crate::line::LineNo;
use crate::read::block::Block;
use crate::report::{SnapshotState, SnippetReport, Standing};
use pulldown_cmark::{CodeBlockKind, CowStr, Event, Tag, TagEnd};
use std::fmt::Write;

/// Renders document `d` (its Markdown `text` and the Python `blocks` read from it) with its
/// snippets annotated: a code block is a snippet's when its byte range is the span of the
/// block the snippet was planned from.
pub(super) fn document(
    out: &mut String,
    d: usize,
    text: &str,
    blocks: &[Block],
    snippets: &[(usize, &SnippetReport)],
    expanded: &Expanded,
    strict: bool,
) {
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut capture: Option<(usize, &SnippetReport, String)> = None;
    let mut rendered: Vec<usize> = Vec::new();
    for (event, range) in crate::read::markdown::parser(text).into_offset_iter() {
        if let Some((_, _, code)) = capture.as_mut() {
            match event {
                Event::Text(t) => code.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    if let Some((s, snippet, code)) = capture.take() {
                        let mut html = String::new();
                        block(&mut html, d, s, snippet, &code, expanded, strict);
                        events.push(Event::Html(html.into()));
                    }
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) => {
                let snippet = blocks
                    .iter()
                    .find(|block| block.span == range)
                    .and_then(|block| {
                        snippets
                            .iter()
                            .find(|(_, s)| s.start_line == block.first_line)
                    });
                match snippet {
                    Some(&(s, snippet)) => {
                        rendered.push(s);
                        capture = Some((s, snippet, String::new()));
                    }
                    None => events.push(event),
                }
            }
            Event::Start(Tag::HtmlBlock) => events.push(Event::Html(
                "<pre class=\"raw-html\" title=\"raw HTML in the note, shown as text\">".into(),
            )),
            Event::End(TagEnd::HtmlBlock) => events.push(Event::Html("</pre>\n".into())),
            Event::Html(t) => events.push(Event::Text(t)),
            Event::InlineHtml(t) => {
                events.push(Event::Html("<code class=\"raw-html\">".into()));
                events.push(Event::Text(t));
                events.push(Event::Html("</code>".into()));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => events.push(Event::Start(Tag::Link {
                link_type,
                dest_url: if is_safe_url(&dest_url) {
                    dest_url
                } else {
                    CowStr::from("")
                },
                title,
                id,
            })),
            Event::Start(Tag::Image { dest_url, .. }) => events.push(Event::Html(
                format!(
                    "<span class=\"image\" title=\"image not loaded: {}\">[image: ",
                    escape(&dest_url)
                )
                .into(),
            )),
            Event::End(TagEnd::Image) => events.push(Event::Html("]</span>".into())),
            other => events.push(other),
        }
    }
    pulldown_cmark::html::push_html(out, events.into_iter());
    // Blocks CommonMark shows as something else (a MkDocs admonition's body is an indented
    // code block): annotated after the document, so that every claim has its marker.
    let source: Vec<&str> = text.lines().collect();
    let missed: Vec<&(usize, &SnippetReport)> = snippets
        .iter()
        .filter(|(s, _)| !rendered.contains(s))
        .collect();
    if !missed.is_empty() {
        out.push_str(
            "<section class=\"nested-blocks\"><h3>Python blocks inside other blocks (admonitions)</h3>\n",
        );
        for &&(s, snippet) in &missed {
            let from = usize::try_from(snippet.start_line.get()).unwrap_or(1) - 1;
            let to = usize::try_from(snippet.end_line.get()).unwrap_or(0);
            let lines = source.get(from..to.min(source.len())).unwrap_or(&[]);
            let indent = lines
                .iter()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.len() - l.trim_start().len())
                .min()
                .unwrap_or(0);
            let code: String = lines
                .iter()
                .map(|l| format!("{}\n", l.get(indent..).unwrap_or("")))
                .collect();
            block(out, d, s, snippet, &code, expanded, strict);
        }
        out.push_str("</section>\n");
    }
}

/// Whether a link target is safe to keep: a fragment, a relative path, or http(s)/mailto.
fn is_safe_url(url: &str) -> bool {
    let url = url.trim();
    match url.find([':', '/', '?', '#']) {
        Some(i) if url.as_bytes()[i] == b':' => {
            let scheme = url[..i].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto")
        }
        _ => true,
    }
}

/// The annotated markup of one snippet's block (also `rst.rs`'s).
pub(super) fn block(
    out: &mut String,
    d: usize,
    s: usize,
    snippet: &SnippetReport,
    code: &str,
    expanded: &Expanded,
    strict: bool,
) {
    let (status, badge) = status(snippet, strict);
    let claims = snippet.claims.len();
    let _ = write!(
        out,
        "<div class=\"snippet {status}\" id=\"snippet-{s}\" data-id=\"{}\">\n\
         <div class=\"snippet-head\"><span class=\"badge {status}\" data-outcome=\"{}\">{badge}</span> \
         <code class=\"snippet-id\">{}</code> · lines {}–{} · {claims} {} · <span class=\"outcome\">{}</span>",
        escape(&snippet.id),
        snippet.outcome.as_str(),
        escape(&snippet.id),
        snippet.start_line,
        snippet.end_line,
        if claims == 1 { "claim" } else { "claims" },
        snippet.outcome.as_str(),
    );
    settings(out, snippet);
    let lines: Vec<&str> = code.lines().collect();
    let last = snippet
        .start_line
        .plus(u32::try_from(lines.len().max(1) - 1).unwrap_or(0));
    let outside = |claim: &crate::judge::CheckedClaim| {
        let end = claim_end(claim);
        lines.is_empty() || end < snippet.start_line || end > last
    };
    // A passing claim whose text is outside the block (an output block under a label) has no
    // code line to sit on: its compact marker sits in the head.
    for (k, claim) in snippet.claims.iter().enumerate() {
        if outside(claim) && is_compact(claim) {
            out.push(' ');
            claim_details(out, d, s, k, snippet, expanded.claims.contains(&(s, k)));
        }
    }
    out.push_str("</div>\n<div class=\"code\" role=\"group\" aria-label=\"Python block\">\n");
    let error_line = snippet.error.as_ref().and_then(|e| e.line);
    for (i, source) in lines.iter().enumerate() {
        let line = snippet
            .start_line
            .plus(u32::try_from(i).unwrap_or(u32::MAX));
        let on_line: Vec<usize> = (0..claims)
            .filter(|&k| snippet.claims[k].claim_line == line)
            .collect();
        let covering: Option<Verdict> = snippet
            .claims
            .iter()
            .filter(|c| c.claim_line <= line && line <= claim_end(c))
            .map(|c| c.verdict)
            .max_by_key(|v| severity(*v));
        let mut classes = String::from("line");
        if let Some(verdict) = covering {
            let _ = write!(classes, " claimed {}", verdict_mark(verdict).0);
        }
        if snippet.claims.iter().any(|c| c.line == line) {
            classes.push_str(" statement");
        }
        if error_line == Some(line) {
            classes.push_str(" error-line");
        }
        let gutter = match on_line
            .iter()
            .map(|&k| snippet.claims[k].verdict)
            .max_by_key(|v| severity(*v))
        {
            Some(verdict) => verdict_mark(verdict).1,
            None if error_line == Some(line) => "⚠",
            None => "",
        };
        let _ = write!(
            out,
            "<div class=\"{classes}\" id=\"d{d}-L{line}\" data-line=\"{line}\"><a class=\"ln\" href=\"#d{d}-L{line}\">{line}</a><span class=\"gutter\" aria-hidden=\"true\">{gutter}</span><code>{}</code>",
            escape(source)
        );
        // Passing claims end on this line: compact markers on the line itself, no row.
        for (k, claim) in snippet.claims.iter().enumerate() {
            if claim_end(claim) == line && is_compact(claim) {
                claim_details(out, d, s, k, snippet, expanded.claims.contains(&(s, k)));
            }
        }
        out.push_str("</div>\n");
        for (k, claim) in snippet.claims.iter().enumerate() {
            if claim_end(claim) == line && !is_compact(claim) {
                claim_details(out, d, s, k, snippet, expanded.claims.contains(&(s, k)));
            }
        }
    }
    for (k, claim) in snippet.claims.iter().enumerate() {
        if outside(claim) && !is_compact(claim) {
            claim_details(out, d, s, k, snippet, expanded.claims.contains(&(s, k)));
        }
    }
    out.push_str("</div>\n");
    error(out, d, s, snippet, expanded.errors.contains(&s));
    extras(out, snippet);
    out.push_str("</div>\n");
}

/// The last Markdown line of a claim's text in the block (in a report read back from JSON,
/// without `claim_end_line`, its first line).
fn claim_end(claim: &crate::judge::CheckedClaim) -> LineNo {
    claim.claim_end_line.max(claim.claim_line)
}

fn severity(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Pass | Verdict::NotRun => 0,
        Verdict::Loose | Verdict::Unjudged | Verdict::VersionDependent => 1,
        Verdict::Unchecked => 2,
        Verdict::Fail => 3,
    }
}

/// Whether a claim is shown compact: a passing claim is only its marker (on its code line, or
/// in the snippet's head when its text is outside the block), the summary of a `<details>`
/// holding what every other claim shows in a row of its own; the rest keep their row.
fn is_compact(claim: &crate::judge::CheckedClaim) -> bool {
    claim.verdict == Verdict::Pass
}

/// A claim's `<details>`: the marker as its summary (alone, for a compact claim), the body
/// (`claim.rs`) under it.
fn claim_details(
    out: &mut String,
    d: usize,
    s: usize,
    k: usize,
    snippet: &SnippetReport,
    open: bool,
) {
    let claim = &snippet.claims[k];
    let (class, icon) = verdict_mark(claim.verdict);
    let kind = claim.kind.as_str();
    let hint = match claim.verdict {
        Verdict::Pass => "the output",
        Verdict::Loose => "the normalization",
        Verdict::Fail => "the diff",
        Verdict::Unchecked | Verdict::Unjudged | Verdict::NotRun | Verdict::VersionDependent => {
            "why"
        }
    };
    let tooltip = match claim.verdict {
        Verdict::Pass | Verdict::Loose | Verdict::Fail => format!(
            "{class}: claimed {} · actual {}",
            first_line(&claim.claimed, 60),
            claim
                .actual
                .as_deref()
                .map_or_else(|| "(never ran)".to_owned(), |a| first_line(a, 60))
        ),
        Verdict::Unchecked => format!(
            "unchecked: {}",
            claim.reason.as_deref().unwrap_or("the statement never ran")
        ),
        Verdict::Unjudged => format!(
            "not judged here: {}",
            claim
                .reason
                .as_deref()
                .unwrap_or("it cannot be judged here")
        ),
        Verdict::NotRun => format!(
            "not run: {}",
            claim
                .reason
                .as_deref()
                .unwrap_or("the block is not valid Python 3")
        ),
        Verdict::VersionDependent => format!(
            "version-dependent: {}",
            claim
                .reason
                .as_deref()
                .unwrap_or("it holds on some Pythons only")
        ),
    };
    let compact = is_compact(claim);
    let _ = write!(
        out,
        "<details class=\"claim {class}{}\" id=\"{}\"{}>{}<summary><span class=\"marker {class}\" \
         id=\"marker-{s}-{k}\" data-verdict=\"{class}\" data-line=\"{}\" title=\"{}\">{icon} {class}</span>",
        if compact { " compact" } else { "" },
        claim_id(s, k),
        if open { " open" } else { "" },
        if compact { "" } else { "\n" },
        claim.claim_line,
        escape(&tooltip),
    );
    if !compact {
        let _ = write!(
            out,
            " <span class=\"claim-summary\">{kind} claim on line {} · {hint}</span>",
            claim.claim_line
        );
    }
    out.push_str("</summary>\n<div class=\"claim-body\">\n");
    if compact {
        let _ = writeln!(
            out,
            "<p class=\"claim-summary\">{kind} claim on line {}</p>",
            claim.claim_line
        );
    }
    claim::body(out, d, snippet, claim);
    out.push_str("</div>\n</details>");
    if !compact {
        out.push('\n');
    }
}

fn error(out: &mut String, d: usize, s: usize, snippet: &SnippetReport, open: bool) {
    let unexpected = snippet.is_unexpected_error();
    let not_python = snippet
        .error
        .as_ref()
        .is_some_and(|e| e.expected_by == Some(ExpectedBy::NotPython));
    let (class, word) = if unexpected {
        ("error", "⚠ error")
    } else if not_python {
        ("note", "ℹ not Python 3, not run")
    } else {
        ("note", "ℹ raised, as expected")
    };
    if let Some(missing) = &snippet.missing_expected_error {
        let _ = writeln!(
            out,
            "<details class=\"snippet-error error\" id=\"error-{s}\"{}><summary><span class=\"marker error\">⚠ error</span> \
             {}</summary></details>",
            if open { " open" } else { "" },
            escape(missing)
        );
    }
    let Some(error) = &snippet.error else {
        return;
    };
    let at = error
        .line
        .map(|l| format!(" at <a href=\"#d{d}-L{l}\">line {l}</a>"))
        .unwrap_or_default();
    let why = match error.expected_by {
        None => "",
        Some(ExpectedBy::Claim) => " (documented by a passing claim)",
        Some(ExpectedBy::Config) => " (declared by expect-error)",
        Some(ExpectedBy::NotPython) => {
            " (not valid Python 3: reported, not run; --strict-parse fails it)"
        }
        Some(ExpectedBy::Needs) => {
            " (needs a package not installed here: not judged; use --venv, --strict fails it)"
        }
        Some(ExpectedBy::Exercise) => " (an exercise the reader completes: reported, not failed)",
        Some(ExpectedBy::Setup) => {
            " (uses a name no earlier block defines: a fragment, not judged; --strict fails it)"
        }
        Some(ExpectedBy::NewerPython) => {
            " (needs a newer Python than the one that ran: not judged; --strict fails it)"
        }
        Some(ExpectedBy::Versions) => {
            " (a claim documents it on other Pythons: version-dependent; --strict fails it)"
        }
    };
    let message = error.headline();
    let _ = writeln!(
        out,
        "<details class=\"snippet-error {class}\" id=\"{}\"{}><summary><span class=\"marker {class}\">{word}</span> \
         <code>{}</code>{at}{why}</summary>",
        if snippet.missing_expected_error.is_some() {
            format!("error-{s}-raised")
        } else {
            format!("error-{s}")
        },
        if open { " open" } else { "" },
        escape(&first_line(&message, 200)),
    );
    if message.lines().count() > 1 || message.chars().count() > 200 {
        let _ = writeln!(out, "<pre class=\"message\">{}</pre>", escape(&message));
    }
    if let Some(blocked) = &error.blocked {
        let _ = writeln!(
            out,
            "<p class=\"blocked\">the sandbox denied: {}</p>",
            escape(blocked)
        );
    }
    if !error.traceback.is_empty() {
        claim::traceback(out, &error.traceback);
    }
    out.push_str("</details>\n");
}

fn extras(out: &mut String, snippet: &SnippetReport) {
    if !snippet.stray_output.is_empty() {
        let _ = writeln!(
            out,
            "<details class=\"stray\"><summary>output written straight to the process's fds</summary>\
             <pre>{}</pre></details>",
            escape(&snippet.stray_output)
        );
    }
    if let Some(snapshot) = &snippet.snapshot
        && snapshot.status != SnapshotState::Match
    {
        let word = match snapshot.status {
            SnapshotState::Changed => "transcript differs from the accepted snapshot",
            SnapshotState::Missing => "no accepted snapshot",
            _ => "accepted snapshot is not a valid .snap file",
        };
        let _ = write!(
            out,
            "<details class=\"snapshot error\"><summary><span class=\"marker error\">⚠ snapshot</span> \
             {word}: <code>{}</code></summary>",
            escape(&snapshot.path)
        );
        if let Some(diff) = snapshot.diff.as_ref().or(snapshot.message.as_ref()) {
            let _ = write!(out, "<pre>{}</pre>", escape(diff));
        }
        out.push_str("</details>\n");
    }
}

fn settings(out: &mut String, snippet: &SnippetReport) {
    if let Some(continues) = &snippet.continues {
        let _ = write!(
            out,
            " · <span class=\"continues\">{}</span>",
            escape(&continues.describe())
        );
    }
    if let Some(reason) = snippet.skipped_by_the_text() {
        let _ = write!(
            out,
            " · <span class=\"skipped\">not run: {}</span>",
            escape(reason)
        );
    }
    let Some(settings) = &snippet.settings else {
        return;
    };
    let parts = settings.describe();
    if !parts.is_empty() {
        let _ = write!(
            out,
            " · <span class=\"settings\">settings: {}</span>",
            escape(&parts.join("; "))
        );
    }
}

/// The snippet's status class and badge text (icon and word), as the human report labels it.
fn status(snippet: &SnippetReport, strict: bool) -> (&'static str, &'static str) {
    match snippet.standing(strict) {
        Standing::Failed => ("fail", "✗ FAIL"),
        Standing::Skipped => ("skip", "⤼ skipped"),
        Standing::NotPython => ("skip", "⤼ not Python 3"),
        Standing::Loose => ("loose", "≈ loose"),
        Standing::Unjudged => ("unjudged", "– not judged here"),
        Standing::VersionDependent => ("version-dependent", "≠ version-dependent"),
        Standing::Ok => ("pass", "✓ ok"),
    }
}
