//! Transcripts: what one snippet did, as deterministic text — every statement that printed,
//! returned or raised (its output, the claim on it and the verdict), then how the snippet
//! ended. Lines are counted within the block (`L3` is the block's third line), so editing the
//! notes above a block does not change its transcript; volatile values go through the named
//! redaction filters.

use super::redact;
use crate::judge::{CheckedClaim, ExpectedBy, SnippetCheck, Verdict};
use crate::line::LineNo;
use crate::plan::Snippet;
use crate::run::outcome::Outcome;
use crate::run::outcome::StatementKind;
use std::fmt::Write;

/// A snippet's transcript and the redaction filters that changed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript {
    /// The text.
    pub body: String,
    /// Names of the filters that changed something, in table order.
    pub filters: Vec<&'static str>,
}

/// Builds the transcript of one snippet from its facts and its judged claims.
pub fn transcript(snippet: &Snippet, outcome: &Outcome, check: &SnippetCheck) -> Transcript {
    let mut used = Vec::new();
    let mut out = String::new();
    let first = snippet.block.first_line;
    let at = |line: LineNo| relative(line, first);
    let statements = outcome.statements.as_deref().unwrap_or(&[]);
    let executions = outcome.by_index();
    for statement in statements {
        let execution = executions.get(&statement.index).copied();
        let claims: Vec<&CheckedClaim> = check
            .claims
            .iter()
            .filter(|c| c.line == statement.line)
            .collect();
        // An assignment's value (recorded for a comment that may state it) is shown only when
        // a claim is about it: a transcript records what the block did, not every binding.
        let value = execution
            .and_then(|e| e.value.as_ref())
            .filter(|_| statement.kind != StatementKind::Simple || !claims.is_empty());
        let did_something = execution.is_some_and(|e| {
            !e.stdout.is_empty()
                || !e.stderr.is_empty()
                || value.is_some()
                || e.exception.is_some()
                || e.exit_code.is_some()
        });
        if !did_something && claims.is_empty() {
            continue;
        }
        let source = statement.source.lines().next().unwrap_or("").trim();
        let more = if statement.source.trim_end().lines().count() > 1 {
            " …"
        } else {
            ""
        };
        let _ = writeln!(out, "{} {source}{more}", at(statement.line));
        if let Some(execution) = execution {
            if execution.after_error {
                let _ = writeln!(out, "  ran after an earlier error");
            }
            block(
                &mut out,
                "stdout",
                &redact::redact(&execution.stdout, &mut used),
            );
            block(
                &mut out,
                "stderr",
                &redact::redact(&execution.stderr, &mut used),
            );
            if let Some(value) = value {
                block(&mut out, "value", &redact::redact(value, &mut used));
            }
            if let Some(exc) = &execution.exception {
                let message = redact::redact(&exc.message, &mut used);
                let text = if message.is_empty() {
                    exc.type_name.clone()
                } else {
                    format!("{}: {message}", exc.type_name)
                };
                block(&mut out, "raised", &text);
            }
            if let Some(code) = &execution.exit_code {
                let _ = writeln!(out, "  sys.exit({code})");
            }
        }
        for claim in claims {
            let kind = claim.kind.as_str();
            block(
                &mut out,
                &format!("claim ({kind}, {})", at(claim.claim_line)),
                &claim.claimed,
            );
            let _ = writeln!(out, "  verdict: {}", verdict(claim));
        }
        out.push('\n');
    }
    if !outcome.epilogue_stdout.is_empty() {
        block(
            &mut out,
            "after the last statement",
            &redact::redact(&outcome.epilogue_stdout, &mut used),
        );
    }
    if !outcome.stray_output.is_empty() {
        block(
            &mut out,
            "written straight to the process's fds",
            &redact::redact(&outcome.stray_output, &mut used),
        );
    }
    let _ = write!(out, "end: {}", check.outcome.as_str());
    if let Some(reason) = snippet.settings.as_ref().and_then(|s| s.skip.as_ref()) {
        let _ = write!(out, " ({reason})");
    }
    out.push('\n');
    if let Some(error) = &check.error {
        let message = redact::redact(&error.message, &mut used);
        let line = error
            .line
            .map(|l| format!(" at {}", at(l)))
            .unwrap_or_default();
        let by = match error.expected_by {
            None => "unexpected",
            Some(ExpectedBy::Claim) => "as claimed",
            Some(ExpectedBy::Config) => "as declared by expect-error",
            Some(ExpectedBy::NotPython) => "not valid Python 3, not run",
            Some(ExpectedBy::Needs) => "needs a package not installed here",
            Some(ExpectedBy::Setup) => "uses a name no earlier block defines",
            Some(ExpectedBy::Exercise) => "an exercise the reader completes",
            Some(ExpectedBy::Versions) => "a claim documents it on other Pythons",
            Some(ExpectedBy::NewerPython) => "needs a newer Python, not run",
        };
        let text = if message.is_empty() {
            error.type_name.clone()
        } else {
            format!("{}: {message}", error.type_name)
        };
        let _ = writeln!(out, "  error{line} ({by}): {text}");
    }
    if let Some(missing) = &check.missing_expected_error {
        let _ = writeln!(out, "  error: {missing}");
    }
    let order = |name: &&str| redact::FILTERS.iter().position(|f| f.name == *name);
    used.sort_by_key(order);
    Transcript {
        body: out,
        filters: used,
    }
}

/// `L<n>` for a line inside the block (n counted from its first code line), else the Markdown
/// line (`line <n>`), for tracebacks that point into an earlier, continued block.
fn relative(line: LineNo, first: LineNo) -> String {
    match line.get().checked_sub(first.get()) {
        Some(offset) => format!("L{}", offset + 1),
        None => format!("line {line}"),
    }
}

fn block(out: &mut String, label: &str, text: &str) {
    let text = text.strip_suffix('\n').unwrap_or(text);
    if text.is_empty() && label != "stdout" && label != "stderr" {
        let _ = writeln!(out, "  {label}: (empty)");
    } else if text.is_empty() {
    } else if !text.contains('\n') {
        let _ = writeln!(out, "  {label}: {}", text.trim_end());
    } else {
        let _ = writeln!(out, "  {label}:");
        for line in text.lines() {
            let _ = writeln!(out, "    | {}", line.trim_end());
        }
    }
}

fn verdict(claim: &CheckedClaim) -> String {
    match claim.verdict {
        Verdict::Pass => "pass".to_owned(),
        Verdict::Loose => format!(
            "loose ({})",
            claim.normalization.as_deref().unwrap_or("normalized")
        ),
        Verdict::Fail => format!(
            "fail ({})",
            claim.reason.as_deref().unwrap_or("differs from the claim")
        ),
        Verdict::Unchecked => format!(
            "unchecked ({})",
            claim.reason.as_deref().unwrap_or("never ran")
        ),
        Verdict::Unjudged => format!(
            "unjudged ({})",
            claim.reason.as_deref().unwrap_or("cannot be judged here")
        ),
        Verdict::NotRun => format!(
            "not run ({})",
            claim.reason.as_deref().unwrap_or("the block does not run")
        ),
        Verdict::VersionDependent => format!(
            "version-dependent ({})",
            claim
                .reason
                .as_deref()
                .unwrap_or("holds on some Pythons only")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::{ExpectedBy, OutcomeKind, SnippetError};
    use crate::plan::Disposition;
    use crate::read::block::Block;

    fn snippet() -> Snippet {
        Snippet {
            id: "n/a".to_owned(),
            path: "n.md".into(),
            tracked: true,
            disposition: Disposition::Run,
            block: Block {
                section: None,
                info: "python".to_owned(),
                fence_line: LineNo::new(1),
                first_line: LineNo::new(2),
                end_line: LineNo::new(2),
                span: 0..18,
                code: "print x\n".to_owned(),
                unterminated: false,
                directives: None,
                output: None,
                setup: None,
                python: None,
            },
            settings: None,
            context: Vec::new(),
            namespace: crate::config::Namespace::Auto,
            chain: "n/a".to_owned(),
            undefined: Vec::new(),
        }
    }

    fn ended_by(expected_by: Option<ExpectedBy>) -> String {
        let check = SnippetCheck {
            outcome: OutcomeKind::Unparsable,
            error: Some(SnippetError {
                type_name: "SyntaxError".to_owned(),
                message: "Missing parentheses".to_owned(),
                line: Some(LineNo::new(2)),
                traceback: String::new(),
                blocked: None,
                needs_python: None,
                expected_by,
            }),
            missing_expected_error: None,
            claims: Vec::new(),
        };
        transcript(&snippet(), &Outcome::default(), &check).body
    }

    #[test]
    fn the_error_line_says_who_expected_the_error() {
        assert!(ended_by(Some(ExpectedBy::NotPython)).contains(
            "error at L1 (not valid Python 3, not run): SyntaxError: Missing parentheses"
        ));
        assert!(ended_by(Some(ExpectedBy::Config)).contains("(as declared by expect-error)"));
        assert!(ended_by(Some(ExpectedBy::Claim)).contains("(as claimed)"));
        assert!(ended_by(None).contains("(unexpected)"));
    }
}
