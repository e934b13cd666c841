//! `snipcheck run FILE.py|ID`: one file or snippet in the sandbox, with its full transcript.

use crate::cli::{Format, RunArgs};
use crate::config;
use crate::judge::{self, Verdict};
use crate::line::LineNo;
use crate::pipeline::{self, Options};
use crate::read::document::Block;
use crate::run::outcome::Outcome;
use crate::run::runner::{Job, Zygote};
use anyhow::{Context, Result, anyhow};
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

/// Runs the target and prints its transcript; `Ok(true)` when it ended as expected and every
/// claim held.
pub fn run(args: &RunArgs) -> Result<bool> {
    let (mut job, block, settings) = target(args)?;
    let config = config::load(args.config.as_deref())?;
    job.venv = crate::run::venv::resolve(
        args.venv.as_deref(),
        config.venv.as_deref().zip(config.path.as_deref()),
        crate::environment::virtual_env().as_deref(),
        crate::run::python::PYTHON_VERSION,
    )?;
    let zygote = Zygote::start_setup(&crate::run::schedule::setup(
        1,
        std::slice::from_ref(&job),
        job.venv.as_ref(),
    ))?;
    let outcome = zygote.run(&job);
    let checked = judge::check(&block, settings.as_ref(), &outcome);
    let success = !checked.is_unexpected_error()
        && checked
            .claims
            .iter()
            .all(|c| matches!(c.verdict, Verdict::Pass | Verdict::Loose));
    let text = match args.format {
        Format::Json => {
            let value = serde_json::json!({
                "python": zygote.python,
                "sandbox": outcome.layers,
                "path": job.path,
                "outcome": checked.outcome,
                "error": checked.error,
                "claims": checked.claims,
                "statements": statements(&outcome),
                "stray_output": outcome.stray_output,
                "end": outcome.end,
                "peak_memory_bytes": outcome.peak_memory_bytes,
            });
            let mut text = serde_json::to_string_pretty(&value).context("failed to serialize")?;
            text.push('\n');
            text
        }
        _ => human(&job, &zygote.python, &outcome, &checked),
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("failed to write the transcript")?;
    Ok(success)
}

fn target(args: &RunArgs) -> Result<(Job, Block, Option<config::SnippetSettings>)> {
    let config = config::load(args.config.as_deref())?;
    let timeout = match args.timeout {
        Some(secs) => config::seconds(secs).context("invalid --timeout")?,
        None => config.timeout.unwrap_or(config::DEFAULT_TIMEOUT),
    };
    let path = Path::new(&args.target);
    if path.is_file() {
        let bytes =
            std::fs::read(path).with_context(|| format!("failed to read {}", path.display()))?;
        let code = String::from_utf8(bytes).map_err(|err| {
            let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            anyhow!("{}:{line}: file is not valid UTF-8", path.display())
        })?;
        let code = code
            .strip_prefix('\u{feff}')
            .unwrap_or(&code)
            .replace("\r\n", "\n");
        let lines = u32::try_from(code.lines().count()).unwrap_or(u32::MAX);
        let block = Block {
            section: None,
            info: "python".to_owned(),
            fence_line: LineNo::FIRST,
            first_line: LineNo::FIRST,
            end_line: LineNo::new(lines),
            code: code.clone(),
            unterminated: false,
            directives: None,
            output: None,
            setup: None,
        };
        let job = Job::new(args.target.clone(), LineNo::FIRST, code, timeout);
        return Ok((job, block, None));
    }
    let prepared = pipeline::prepare(&Options {
        config: args.config.clone(),
        ..Options::default()
    })
    .with_context(|| {
        format!(
            "{:?} is neither a file nor a snippet id of the configured notes",
            args.target
        )
    })?;
    let snippet = prepared
        .snippets
        .iter()
        .find(|s| s.id == args.target)
        .ok_or_else(|| {
            anyhow!(
                "{:?} is neither a file nor a snippet id of the configured notes (ids are listed by `snipcheck verify --format json`)",
                args.target
            )
        })?;
    let job = pipeline::job(snippet, &prepared.documents, timeout);
    Ok((job, snippet.block.clone(), snippet.settings.clone()))
}

fn statements(outcome: &Outcome) -> Vec<serde_json::Value> {
    outcome
        .statements
        .as_deref()
        .unwrap_or(&[])
        .iter()
        .map(|statement| {
            let execution = outcome.execution(statement.index);
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

fn human(job: &Job, python: &str, outcome: &Outcome, checked: &judge::SnippetCheck) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "snipcheck run · Python {python} · {}", job.path);
    for statement in outcome.statements.as_deref().unwrap_or(&[]) {
        let first = statement.source.lines().next().unwrap_or("");
        let _ = writeln!(out, "{}:{}  {first}", job.path, statement.line);
        let Some(execution) = outcome.execution(statement.index) else {
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
    if let Some(error) = &checked.error {
        let line = error.line.map(|l| format!(":{l}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "error: {}{line}: {}: {}",
            job.path, error.type_name, error.message
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
