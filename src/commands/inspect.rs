//! `snipcheck inspect [ID | FILE:LINE]`: explains claims one by one — the Markdown around the
//! claim with the claim underlined (rustc style, annotate-snippets), the statement's full
//! stdout, stderr and traceback, claimed vs actual as a diff, each normalization of the
//! `loose` rung and whether it made them equal, and the exact command to rerun the snippet.
//! Without a target: every failing or unchecked claim, and every unexpected snippet error.

use crate::cli::InspectArgs;
use crate::judge::{self, CheckedClaim, Verdict};
use crate::line::LineNo;
use crate::pipeline::{self, Options, Run};
use crate::plan::Snippet;
use crate::report::{SnippetReport, html};
use crate::run::outcome::{Execution, Outcome};
use annotate_snippets::{AnnotationKind, Level, Renderer};
use anyhow::{Context, Result, bail};
use std::fmt::Write as _;
use std::path::Path;

/// What to inspect.
enum Target {
    /// Every failing claim.
    Failing,
    /// Every claim of one snippet.
    Id(String),
    /// The claims on one Markdown line (or the snippet containing it).
    Line(String, LineNo),
}

/// `--comments`: the close calls of the targeted snippets (every snippet for no target).
fn comments(run: &Run, target: &Target) -> Result<String> {
    let mut out = String::new();
    let mut shown = 0;
    let mut any_snippet = false;
    for (snippet, outcome) in run.snippets.iter().zip(&run.outcomes) {
        let block = &snippet.block;
        let selected = match target {
            Target::Failing => true,
            Target::Id(id) => &snippet.id == id,
            Target::Line(_, line) => block.fence_line <= *line && *line <= block.end_line.plus(1),
        };
        if !selected {
            continue;
        }
        any_snippet = true;
        let path = run.documents[snippet.document].path.display().to_string();
        for call in judge::close_calls(outcome) {
            shown += 1;
            let _ = writeln!(
                out,
                "{path}:{}: {}  (snippet {})",
                call.line, call.comment, snippet.id
            );
            for (k, line) in call.source.lines().enumerate() {
                let marker = if k == 0 { "statement" } else { "         " };
                let _ = writeln!(out, "    {marker} | {line}");
            }
            let _ = writeln!(out, "    not a claim: {}\n", call.why);
        }
    }
    if !any_snippet {
        match target {
            Target::Id(id) => bail!(
                "no snippet has the id {id:?} (ids are listed by `snipcheck verify --format json`)"
            ),
            Target::Line(file, line) => bail!("no Python block at {file}:{line}"),
            Target::Failing => {}
        }
    }
    let _ = writeln!(
        out,
        "{shown} close {}: comments read as prose although they look like output or sit on a statement that printed or has a value",
        if shown == 1 { "call" } else { "calls" }
    );
    Ok(out)
}

/// Inspects claims; `Ok(false)` when a shown claim fails (like `verify`).
pub fn inspect(args: &InspectArgs) -> Result<bool> {
    let target = match &args.target {
        None => Target::Failing,
        Some(t) => match t.rsplit_once(':') {
            Some((file, line))
                if line.parse::<u32>().is_ok_and(|l| l > 0) && Path::new(file).is_file() =>
            {
                Target::Line(file.to_owned(), LineNo::new(line.parse().unwrap_or(1)))
            }
            _ => Target::Id(t.clone()),
        },
    };
    let options = Options {
        paths: match &target {
            Target::Line(file, _) => vec![file.clone()],
            _ => Vec::new(),
        },
        filter: match &target {
            Target::Id(id) => Some(id.clone()),
            _ => None,
        },
        config: args.run.config.clone(),
        timeout: args.run.timeout,
        jobs: args.run.jobs,
        strict: false,
        strict_parse: false,
        venv: args.run.venv.clone(),
    };
    let progress = crate::report::progress::Progress::start("running snippets");
    let run = pipeline::execute_observed(&options, &progress)?;
    drop(progress);
    if args.comments {
        super::extract::print(&comments(&run, &target)?)?;
        return Ok(true);
    }
    let mut items: Vec<(usize, Option<usize>)> = Vec::new();
    for (i, report) in run.report.snippets.iter().enumerate() {
        let selected: Vec<usize> = match &target {
            Target::Failing => report
                .claims
                .iter()
                .enumerate()
                .filter(|(_, c)| matches!(c.verdict, Verdict::Fail | Verdict::Unchecked))
                .map(|(k, _)| k)
                .collect(),
            Target::Id(id) if &report.id == id => (0..report.claims.len()).collect(),
            Target::Id(_) => continue,
            Target::Line(_, line) => {
                let on_line: Vec<usize> = report
                    .claims
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.claim_line == *line || c.line == *line)
                    .map(|(k, _)| k)
                    .collect();
                let block = &run.snippets[i].block;
                if !on_line.is_empty() {
                    on_line
                } else if block.fence_line <= *line && *line <= block.end_line.plus(1) {
                    (0..report.claims.len()).collect()
                } else {
                    continue;
                }
            }
        };
        let show_error = report.is_unexpected_error()
            || (!matches!(target, Target::Failing) && report.error.is_some());
        if show_error {
            items.push((i, None));
        }
        items.extend(selected.into_iter().map(|k| (i, Some(k))));
        if matches!(target, Target::Id(_) | Target::Line(..))
            && report.claims.is_empty()
            && !show_error
        {
            items.push((i, None));
        }
    }
    let mut written = String::new();
    if let Some(path) = &args.html
        && (!items.is_empty() || matches!(target, Target::Failing))
    {
        written = write_html(path, &run, &items)?;
    }
    if items.is_empty() {
        match &target {
            Target::Failing => {
                super::extract::print(&format!(
                    "no failing claims: every claim passes (`snipcheck verify` for the report)\n{written}"
                ))?;
                return Ok(true);
            }
            Target::Id(id) => bail!(
                "no snippet has the id {id:?} (ids are listed by `snipcheck verify --format json`)"
            ),
            Target::Line(file, line) => bail!("no claim or Python block at {file}:{line}"),
        }
    }
    let mut out = String::new();
    let mut failing = false;
    for (i, claim) in items {
        let report = &run.report.snippets[i];
        match claim {
            Some(k) => {
                let claim = &report.claims[k];
                failing |= matches!(claim.verdict, Verdict::Fail | Verdict::Unchecked);
                render_claim(&mut out, &run, i, claim)?;
            }
            None => {
                failing |= report.is_unexpected_error();
                render_error(&mut out, &run, i)?;
            }
        }
    }
    out.push_str(&written);
    super::extract::print(&out)?;
    Ok(!failing)
}

/// Writes the run's HTML report to `path` with the inspected claims and errors expanded;
/// returns the line that says so.
fn write_html(path: &Path, run: &Run, items: &[(usize, Option<usize>)]) -> Result<String> {
    let mut expanded = html::Expanded::default();
    for &(i, claim) in items {
        match claim {
            Some(k) => expanded.claims.insert((i, k)),
            None => expanded.errors.insert(i),
        };
    }
    let page = html::render(&run.report, &html::read_sources(&run.report)?, &expanded);
    crate::atomic::write(path, page.as_bytes())?;
    Ok(format!("HTML report written to {}\n", path.display()))
}

fn render_claim(out: &mut String, run: &Run, i: usize, claim: &CheckedClaim) -> Result<()> {
    let snippet = &run.snippets[i];
    let report = &run.report.snippets[i];
    let (level, title) = match claim.verdict {
        Verdict::Pass => (Level::NOTE, "claim holds".to_owned()),
        Verdict::Loose => (
            Level::WARNING,
            format!(
                "claim holds only after normalization ({})",
                claim.normalization.as_deref().unwrap_or("normalized")
            ),
        ),
        Verdict::Fail => (Level::ERROR, "claim fails".to_owned()),
        Verdict::Unchecked => (
            Level::ERROR,
            "claim unchecked: the statement never ran".to_owned(),
        ),
        Verdict::NotRun => (
            Level::NOTE,
            "claim not run: the block is not valid Python 3".to_owned(),
        ),
    };
    let text = markdown(run, snippet)?;
    let context = excerpt(
        &text,
        &report.path,
        snippet,
        claim.line,
        claim.claim_line,
        "claimed here",
    );
    let rendered = Renderer::plain().render(&[level
        .primary_title(format!("{title}: {}", first_line(&claim.source)))
        .element(context)]);
    let _ = writeln!(out, "{rendered}");
    let _ = writeln!(out, "snippet: {} ({})", report.id, report.path);
    if let Some(reason) = &claim.reason {
        let _ = writeln!(out, "why: {reason}");
    }
    if claim.after_error {
        let _ = writeln!(
            out,
            "note: this statement ran after an earlier statement raised; a script would have stopped before it"
        );
    }
    let _ = writeln!(out, "statement:");
    for line in claim.source.lines() {
        let _ = writeln!(out, "  | {line}");
    }
    let outcome = &run.outcomes[i];
    match execution(outcome, claim.line) {
        Some(execution) => {
            stream(out, "stdout", &execution.stdout);
            stream(out, "stderr", &execution.stderr);
            if let Some(value) = &execution.value {
                stream(out, "value", value);
            }
            if let Some(exc) = &execution.exception {
                stream(
                    out,
                    "raised",
                    &format!("{}: {}", exc.type_name, exc.message),
                );
                stream(out, "traceback", &exc.traceback);
            }
        }
        None => {
            let _ = writeln!(out, "output: none, the statement never ran");
        }
    }
    let actual = claim.actual.as_deref().unwrap_or("");
    let _ = writeln!(out, "claimed vs actual ({} claim):", claim.kind.as_str());
    let diff = similar::TextDiff::from_lines(
        format!("{}\n", claim.claimed.trim_end()),
        format!("{}\n", actual.trim_end()),
    )
    .unified_diff()
    .header("claimed", "actual")
    .to_string();
    for line in diff.lines() {
        let _ = writeln!(out, "  {line}");
    }
    if diff.is_empty() {
        let _ = writeln!(out, "  (identical)");
    }
    let _ = writeln!(out, "normalizations tried (the `loose` rung, each alone):");
    for (name, normalize) in judge::NORMALIZATIONS {
        let c = normalize(&claim.claimed, false);
        let a = normalize(actual, true);
        let verdict = judge::compare(&c, &a).verdict;
        let result = if verdict == Verdict::Pass {
            "equal after it"
        } else {
            "still differs"
        };
        let _ = writeln!(out, "  {name:<12} {result}");
    }
    let _ = writeln!(out, "rerun: {}", rerun(&report.id, &report.path));
    out.push('\n');
    Ok(())
}

fn render_error(out: &mut String, run: &Run, i: usize) -> Result<()> {
    let snippet = &run.snippets[i];
    let report = &run.report.snippets[i];
    let text = markdown(run, snippet)?;
    let (title, line) = match (&report.error, &report.missing_expected_error) {
        (_, Some(missing)) => (missing.clone(), snippet.block.fence_line),
        (Some(error), None) => (
            format!("{}: {}", error.type_name, error.message),
            error.line.unwrap_or(snippet.block.first_line),
        ),
        (None, None) => (
            format!("{}: no claims", report.outcome.as_str()),
            snippet.block.fence_line,
        ),
    };
    let level = if report.is_unexpected_error() {
        Level::ERROR
    } else {
        Level::NOTE
    };
    let rendered = Renderer::plain().render(&[level.primary_title(title).element(excerpt(
        &text,
        &report.path,
        snippet,
        line,
        line,
        "here",
    ))]);
    let _ = writeln!(out, "{rendered}");
    let _ = writeln!(
        out,
        "snippet: {} ({}) [{}]",
        report.id,
        report.path,
        report.outcome.as_str()
    );
    if let Some(error) = &report.error {
        stream(out, "traceback", &error.traceback);
    }
    render_settings(out, report);
    let _ = writeln!(out, "rerun: {}", rerun(&report.id, &report.path));
    out.push('\n');
    Ok(())
}

fn render_settings(out: &mut String, report: &SnippetReport) {
    if let Some(settings) = &report.settings
        && let Ok(json) = serde_json::to_string(settings)
    {
        let _ = writeln!(out, "settings: {json}");
    }
}

/// The Markdown around `line` (a few lines either side, within the block and its fences),
/// with `claim_line`'s comment (or the whole line) underlined.
fn excerpt<'a>(
    text: &'a str,
    path: &'a str,
    snippet: &Snippet,
    line: LineNo,
    claim_line: LineNo,
    label: &'a str,
) -> annotate_snippets::Snippet<'a, annotate_snippets::Annotation<'a>> {
    let block = &snippet.block;
    let first = line
        .get()
        .saturating_sub(3)
        .max(block.fence_line.get())
        .max(1);
    let last = claim_line
        .get()
        .max(line.get())
        .saturating_add(2)
        .min(block.end_line.get() + 1);
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let offset = |n: u32| starts.get(n as usize - 1).copied().unwrap_or(text.len());
    let start = offset(first);
    let end = starts
        .get(last as usize)
        .map_or(text.len(), |&e| e.saturating_sub(1));
    let source = &text[start..end.max(start)];
    let claim_start = offset(claim_line.get())
        .saturating_sub(start)
        .min(source.len());
    let claim_text = source[claim_start..].lines().next().unwrap_or("");
    let (from, to) = match claim_text.find('#') {
        Some(hash) => (hash, claim_text.trim_end().len()),
        None => {
            let indent = claim_text.len() - claim_text.trim_start().len();
            (indent, claim_text.trim_end().len())
        }
    };
    let span = (claim_start + from)..(claim_start + to.max(from));
    annotate_snippets::Snippet::source(source)
        .line_start(first as usize)
        .path(path)
        .fold(false)
        .annotation(AnnotationKind::Primary.span(span).label(label))
}

fn markdown(run: &Run, snippet: &Snippet) -> Result<String> {
    let path = &run.documents[snippet.document].path;
    let bytes =
        std::fs::read(path).with_context(|| format!("failed to read {}", path.display()))?;
    Ok(String::from_utf8_lossy(&bytes).replace("\r\n", "\n"))
}

fn execution(outcome: &Outcome, line: LineNo) -> Option<&Execution> {
    let statement = outcome
        .statements
        .as_deref()?
        .iter()
        .find(|s| s.line == line)?;
    outcome.execution(statement.index)
}

fn stream(out: &mut String, label: &str, text: &str) {
    if text.is_empty() {
        let _ = writeln!(out, "{label}: (empty)");
        return;
    }
    let _ = writeln!(out, "{label}:");
    for line in text.trim_end_matches('\n').lines() {
        let _ = writeln!(out, "  | {line}");
    }
}

fn first_line(source: &str) -> &str {
    source.lines().next().unwrap_or("").trim()
}

/// The command that reruns just this snippet: its document and its id, so it works whether
/// or not the config lists the document.
fn rerun(id: &str, path: &str) -> String {
    format!("snipcheck verify '{path}' --filter '{id}'")
}
