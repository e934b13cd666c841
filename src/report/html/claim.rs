//! What a claim's `<details>` shows: why (for `fail` and `unchecked`), the claimed text with its
//! Markdown lines, the real output, a line diff with inline emphasis (similar) for a failing
//! claim, the normalization that made a `loose` claim equal (and both sides after it), and the
//! traceback when the claim is about an exception.

use super::escape;
use crate::judge::{self, CheckedClaim, ClaimKind, Verdict};
use crate::report::SnippetReport;
use similar::{ChangeTag, TextDiff};
use std::fmt::Write;

/// The body of claim `claim` of `snippet` (in document `d`).
pub(super) fn body(out: &mut String, d: usize, snippet: &SnippetReport, claim: &CheckedClaim) {
    if let Some(reason) = &claim.reason {
        let _ = writeln!(out, "<p class=\"why\">{}</p>", escape(reason));
    }
    if claim.after_error {
        out.push_str(
            "<p class=\"after-error\">ℹ this statement ran after an earlier statement raised; \
             a script would have stopped before it</p>\n",
        );
    }
    let statement = claim.line;
    let _ = writeln!(
        out,
        "<p class=\"statement\">statement on <a href=\"#d{d}-L{statement}\">line {statement}</a>: \
         <code>{}</code></p>",
        escape(claim.source.lines().next().unwrap_or("").trim_end())
    );
    let _ = write!(
        out,
        "<figure class=\"text claimed\"><figcaption>claimed (Markdown {})</figcaption><pre>",
        match claim.claimed.lines().count() {
            0 | 1 => format!("line {}", claim.claim_line),
            n => format!(
                "lines {}–{}",
                claim.claim_line,
                claim.claim_line.plus(u32::try_from(n - 1).unwrap_or(0))
            ),
        }
    );
    for (i, line) in claim.claimed.lines().enumerate() {
        let n = claim.claim_line.plus(u32::try_from(i).unwrap_or(u32::MAX));
        let _ = write!(
            out,
            "<span class=\"row\"><span class=\"ln\">{n}</span>{}</span>",
            escape(line)
        );
    }
    out.push_str("</pre></figure>\n");
    let what = match claim.kind {
        ClaimKind::Output => format!("output of line {statement}"),
        ClaimKind::Value => format!("value (repr) of line {statement}"),
        ClaimKind::Exception => format!("exception raised by line {statement}"),
    };
    match &claim.actual {
        Some(actual) => {
            let _ = writeln!(
                out,
                "<figure class=\"text actual\"><figcaption>actual: {what}</figcaption><pre class=\"output\">{}</pre></figure>",
                if actual.is_empty() {
                    "<span class=\"empty\">(nothing)</span>".to_owned()
                } else {
                    escape(actual)
                }
            );
        }
        None => {
            let _ = writeln!(
                out,
                "<p class=\"never-ran\">actual: none — the statement on line {statement} never ran</p>"
            );
        }
    }
    match claim.verdict {
        Verdict::Fail => diff(out, claim),
        Verdict::Loose => normalization(out, claim),
        Verdict::Pass
        | Verdict::Unchecked
        | Verdict::Unjudged
        | Verdict::NotRun
        | Verdict::VersionDependent => {}
    }
    if let Some(error) = &snippet.error
        && error.line == Some(claim.line)
        && !error.traceback.is_empty()
    {
        traceback(out, &error.traceback);
    }
}

/// A traceback, whose line numbers are already Markdown lines.
pub(super) fn traceback(out: &mut String, text: &str) {
    let _ = writeln!(
        out,
        "<figure class=\"traceback\"><figcaption>traceback (line numbers of the notes file)</figcaption><pre>{}</pre></figure>",
        escape(text.trim_end())
    );
}

/// Claimed vs actual, line by line, claimed lines numbered with their Markdown lines.
fn diff(out: &mut String, claim: &CheckedClaim) {
    let claimed = format!("{}\n", claim.claimed.trim_end());
    let actual = format!("{}\n", claim.actual.as_deref().unwrap_or("").trim_end());
    let diff = TextDiff::from_lines(claimed.as_str(), actual.as_str());
    out.push_str(
        "<figure class=\"diff\"><figcaption>diff: <span class=\"del-key\">− claimed</span> \
         <span class=\"ins-key\">+ actual</span></figcaption><pre>",
    );
    for op in diff.ops() {
        for change in diff.iter_inline_changes(op) {
            let (class, sign) = match change.tag() {
                ChangeTag::Delete => ("del", "−"),
                ChangeTag::Insert => ("ins", "+"),
                ChangeTag::Equal => ("eq", " "),
            };
            let ln = change
                .old_index()
                .map(|i| {
                    claim
                        .claim_line
                        .plus(u32::try_from(i).unwrap_or(u32::MAX))
                        .to_string()
                })
                .unwrap_or_default();
            let _ = write!(
                out,
                "<span class=\"row {class}\"><span class=\"ln\">{ln}</span><span class=\"sign\">{sign}</span>"
            );
            for (emphasized, value) in change.iter_strings_lossy() {
                let value = value.trim_end_matches('\n');
                if emphasized && change.tag() != ChangeTag::Equal {
                    let _ = write!(out, "<mark>{}</mark>", escape(value));
                } else {
                    out.push_str(&escape(value));
                }
            }
            out.push_str("</span>");
        }
    }
    out.push_str("</pre></figure>\n");
}

/// The named normalizations of a `loose` claim and both sides after them.
fn normalization(out: &mut String, claim: &CheckedClaim) {
    let names = claim.normalization.as_deref().unwrap_or("normalized");
    let _ = writeln!(
        out,
        "<p class=\"normalization\">≈ equal only after normalization: <b>{}</b></p>",
        escape(names)
    );
    let applied: Vec<&(&str, judge::Normalize)> = judge::NORMALIZATIONS
        .iter()
        .filter(|(name, _)| names.split('+').any(|n| n == *name))
        .collect();
    if applied.is_empty() {
        return;
    }
    let mut claimed = claim.claimed.clone();
    let mut actual = claim.actual.clone().unwrap_or_default();
    for (_, normalize) in &applied {
        claimed = normalize(&claimed, false);
        actual = normalize(&actual, true);
    }
    let _ = writeln!(
        out,
        "<figure class=\"text normalized\"><figcaption>after {}</figcaption><pre>\
         <span class=\"row\"><span class=\"ln\">claimed</span>{}</span>\
         <span class=\"row\"><span class=\"ln\">actual</span>{}</span></pre></figure>",
        escape(names),
        escape(&claimed),
        escape(&actual)
    );
}
