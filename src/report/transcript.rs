//! `snipcheck run`'s transcript of one snippet, for a person or as JSON.

use crate::pipeline::SnippetRun;
use crate::plan::Disposition;
use crate::run::outcome::Outcome;
use anyhow::{Context, Result};
use std::fmt::Write as _;

/// `snipcheck run --format json`: the snippet's statements, claims and end.
pub fn json(python: &str, row: &SnippetRun) -> Result<String> {
    let (outcome, checked) = (&row.outcome, &row.check);
    let value = serde_json::json!({
        "python": python,
        "sandbox": outcome.layers,
        "path": row.snippet.path.display().to_string(),
        "outcome": checked.outcome,
        "error": checked.error,
        "claims": checked.claims,
        "statements": statements(outcome),
        "stray_output": outcome.stray_output,
        "end": outcome.end,
        "peak_memory_bytes": outcome.peak_memory_bytes,
    });
    let mut text = serde_json::to_string_pretty(&value).context("failed to serialize")?;
    text.push('\n');
    Ok(text)
}

fn statements(outcome: &Outcome) -> Vec<serde_json::Value> {
    let executions = outcome.by_index();
    outcome
        .statements
        .as_deref()
        .unwrap_or(&[])
        .iter()
        .map(|statement| {
            let execution = executions.get(&statement.index).copied();
            serde_json::json!({
                "line": statement.line,
                "end_line": statement.end_line,
                "source": statement.source,
                "ran": execution.is_some(),
                "stdout": execution.map(|e| e.stdout.as_str()),
                "stderr": execution.map(|e| e.stderr.as_str()),
                "value": execution.and_then(|e| e.value.as_deref()),
                "exception": execution.and_then(|e| e.exception.as_ref()),
                "after_error": execution.is_some_and(|e| e.after_error),
            })
        })
        .collect()
}

/// `snipcheck run`'s transcript for a person: every statement with what it printed, returned
/// or raised, then how the snippet ended.
pub fn human(python: &str, row: &SnippetRun) -> String {
    let (outcome, checked) = (&row.outcome, &row.check);
    let path = row.snippet.path.display().to_string();
    let mut out = String::new();
    let _ = writeln!(out, "snipcheck run · Python {python} · {path}");
    let executions = outcome.by_index();
    for statement in outcome.statements.as_deref().unwrap_or(&[]) {
        let first = statement.source.lines().next().unwrap_or("");
        let _ = writeln!(out, "{path}:{}  {first}", statement.line);
        let Some(execution) = executions.get(&statement.index).copied() else {
            let _ = writeln!(out, "    (did not run)");
            continue;
        };
        if execution.after_error {
            let _ = writeln!(out, "    (ran after an earlier error)");
        }
        for line in execution.stdout.lines() {
            let _ = writeln!(out, "    stdout | {line}");
        }
        for line in execution.stderr.lines() {
            let _ = writeln!(out, "    stderr | {line}");
        }
        if let Some(value) = &execution.value {
            let _ = writeln!(out, "    value  | {value}");
        }
        if let Some(exc) = &execution.exception {
            let blocked = exc
                .blocked
                .as_deref()
                .map(|b| format!(" [blocked by the sandbox: {b}]"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "    raised | {}: {}{blocked}",
                exc.type_name, exc.message
            );
        }
    }
    if !outcome.stray_output.is_empty() {
        let _ = writeln!(out, "output written straight to fds 1/2:");
        for line in outcome.stray_output.lines().take(20) {
            let _ = writeln!(out, "    | {line}");
        }
    }
    let _ = writeln!(out, "outcome: {}", checked.outcome.as_str());
    if let Disposition::Skip(reason) = &row.snippet.disposition {
        let _ = writeln!(
            out,
            "not run: skipped ({reason}); remove the `skip` (snipcheck.toml or a directive) to run it"
        );
    }
    if let Some(error) = &checked.error {
        let line = error.line.map(|l| format!(":{l}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "error: {path}{line}: {}: {}",
            error.type_name, error.message
        );
    }
    if outcome.peak_memory_bytes > 0 {
        let _ = writeln!(
            out,
            "peak memory: {:.1} MiB",
            outcome.peak_memory_bytes as f64 / 1048576.0
        );
    }
    out
}
