//! `--format human`: one line per snippet, details for everything that is not a plain pass,
//! and a summary line. Every detail starts with `path:line` so editors and terminals can jump
//! to the Markdown line.

use super::{Report, SnippetReport};
use crate::check::{CheckedClaim, Verdict};
use std::fmt::Write;

/// Renders the report for a person.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "snipcheck {} · Python {}",
        env!("CARGO_PKG_VERSION"),
        report.python
    );
    for document in &report.documents {
        let _ = writeln!(out, "\n{}", document.path);
        for problem in &document.problems {
            let _ = writeln!(
                out,
                "  error  {}:{}: {}",
                document.path, problem.line, problem.message
            );
        }
        for snippet in report.snippets.iter().filter(|s| s.path == document.path) {
            render_snippet(&mut out, snippet);
        }
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "\n{} {}, {} {}, {} {}: {} pass, {} loose, {} fail, {} unchecked; {} {}",
        s.documents,
        plural(s.documents, "document"),
        s.snippets,
        plural(s.snippets, "snippet"),
        s.claims,
        plural(s.claims, "claim"),
        s.pass,
        s.loose,
        s.fail,
        s.unchecked,
        s.errors,
        plural(s.errors, "error"),
    );
    let verdict = if report.is_success() { "ok" } else { "FAILED" };
    let _ = writeln!(out, "result: {verdict}");
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

fn label(snippet: &SnippetReport) -> &'static str {
    let failed = snippet.is_unexpected_error()
        || snippet
            .claims
            .iter()
            .any(|c| matches!(c.verdict, Verdict::Fail | Verdict::Unchecked));
    if failed {
        "FAIL "
    } else if snippet.claims.iter().any(|c| c.verdict == Verdict::Loose) {
        "loose"
    } else {
        "ok   "
    }
}

fn render_snippet(out: &mut String, snippet: &SnippetReport) {
    let claims = snippet.claims.len();
    let _ = writeln!(
        out,
        "  {}  {}  lines {}-{}  {} {}  [{}]",
        label(snippet),
        snippet.id,
        snippet.start_line,
        snippet.end_line,
        claims,
        plural(claims, "claim"),
        serde_json::to_value(snippet.outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
    );
    let indent = "         ";
    if let Some(settings) = &snippet.settings {
        let mut parts = Vec::new();
        if !settings.files.is_empty() {
            parts.push(format!("files {}", settings.files.join(", ")));
        }
        if let Some(prelude) = &settings.prelude {
            let lines = prelude.lines().count();
            parts.push(format!("prelude ({lines} {})", plural(lines, "line")));
        }
        if let Some(expect) = &settings.expect_error {
            parts.push(format!(
                "expect-error {} ({})",
                expect.type_name, expect.reason
            ));
        }
        if let Some(timeout) = settings.timeout {
            parts.push(format!("timeout {timeout} s"));
        }
        let _ = writeln!(out, "{indent}settings: {}", parts.join("; "));
    }
    if let Some(error) = &snippet.error {
        let line = error.line.map(|l| format!(":{l}")).unwrap_or_default();
        let note = match error.expected_by {
            None => "error",
            Some("claim") => "raised, as claimed",
            Some(_) => "raised, as declared by expect-error",
        };
        let message = if error.message.is_empty() {
            error.type_name.clone()
        } else {
            format!("{}: {}", error.type_name, error.message)
        };
        let _ = writeln!(out, "{indent}{}{line}: {note}: {message}", snippet.path);
        if error.expected_by.is_none() && !error.traceback.is_empty() {
            for tb_line in error.traceback.trim_end().lines() {
                let _ = writeln!(out, "{indent}  | {tb_line}");
            }
        }
    }
    if let Some(missing) = &snippet.missing_expected_error {
        let _ = writeln!(
            out,
            "{indent}{}:{}: error: {missing}",
            snippet.path, snippet.start_line
        );
    }
    for claim in &snippet.claims {
        if claim.verdict != Verdict::Pass {
            render_claim(out, snippet, claim, indent);
        }
    }
    if !snippet.stray_output.is_empty() {
        let _ = writeln!(out, "{indent}output written straight to the process's fds:");
        for line in snippet.stray_output.lines().take(10) {
            let _ = writeln!(out, "{indent}  | {line}");
        }
    }
}

fn render_claim(out: &mut String, snippet: &SnippetReport, claim: &CheckedClaim, indent: &str) {
    let verdict = match claim.verdict {
        Verdict::Pass => "pass".to_owned(),
        Verdict::Loose => format!(
            "loose ({})",
            claim.normalization.as_deref().unwrap_or("normalized")
        ),
        Verdict::Fail => "fail".to_owned(),
        Verdict::Unchecked => "unchecked".to_owned(),
    };
    let after = if claim.after_error {
        " [ran after an earlier error]"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "{indent}{}:{}: {verdict}{after}: {}",
        snippet.path,
        claim.claim_line,
        claim.source.lines().next().unwrap_or("").trim()
    );
    if let Some(reason) = &claim.reason {
        let _ = writeln!(out, "{indent}  {reason}");
    }
    let pad = format!("{indent}           ");
    let _ = writeln!(
        out,
        "{indent}  claimed: {}",
        claim.claimed.replace('\n', &format!("\n{pad}"))
    );
    if let Some(actual) = &claim.actual {
        let shown = if actual.is_empty() {
            "(nothing)"
        } else {
            actual
        };
        let _ = writeln!(
            out,
            "{indent}  actual:  {}",
            shown.replace('\n', &format!("\n{pad}"))
        );
        if claim.verdict == Verdict::Fail && (claim.claimed.contains('\n') || actual.contains('\n'))
        {
            let diff = similar::TextDiff::from_lines(claim.claimed.as_str(), actual.as_str());
            for line in diff
                .unified_diff()
                .header("claimed", "actual")
                .to_string()
                .lines()
            {
                let _ = writeln!(out, "{indent}  {line}");
            }
        }
    }
}
