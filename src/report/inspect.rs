//! `snipcheck inspect [ID | FILE:LINE]`: explains claims one by one — the Markdown around the
//! claim with the claim underlined (rustc style, annotate-snippets), the statement's full
//! stdout, stderr and traceback, claimed vs actual as a diff, each normalization of the
//! `loose` rung and whether it made them equal, and the exact command to rerun the snippet.
//! Without a target: every failing or unchecked claim, and every unexpected snippet error.
//! `--comments`: the comments read as prose that were close calls.

use super::html;
use super::terminal::Painted;
use crate::judge::{self, CheckedClaim, Verdict};
use crate::line::LineNo;
use crate::pipeline::{Run, SnippetRun};
use crate::plan::Snippet;
use crate::run::outcome::{Execution, Outcome};
use annotate_snippets::{AnnotationKind, Level, Renderer};
use anyhow::{Context, Result, bail};
use std::fmt::Write as _;
use std::path::Path;

/// What to inspect.
#[derive(Debug, Clone)]
pub enum Target {
    /// Every failing claim.
    Failing,
    /// Every claim of one snippet.
    Id(String),
    /// The claims on one notes line (or the snippet containing it).
    Line(String, LineNo),
}

impl Target {
    /// Reads `ID` or `FILE:LINE` (an existing file and a line number); none: failing claims.
    pub fn parse(target: Option<&str>) -> Target {
        let Some(t) = target else {
            return Target::Failing;
        };
        match t.rsplit_once(':') {
            Some((file, line))
                if line.parse::<u32>().is_ok_and(|l| l > 0) && Path::new(file).is_file() =>
            {
                Target::Line(file.to_owned(), LineNo::new(line.parse().unwrap_or(1)))
            }
            _ => Target::Id(t.to_owned()),
        }
    }

    /// Whether the target names this block (by id, or by a line from its fence to the line
    /// after its closing fence).
    fn covers(&self, snippet: &Snippet) -> bool {
        let block = &snippet.block;
        match self {
            Target::Failing => true,
            Target::Id(id) => &snippet.id == id,
            Target::Line(_, line) => block.fence_line <= *line && *line <= block.end_line.plus(1),
        }
    }
}

/// `--comments`: the close calls of the targeted snippets (every snippet for no target).
pub fn comments(run: &Run, target: &Target) -> Result<String> {
    let mut out = String::new();
    let mut shown = 0;
    let mut any_snippet = false;
    for row in run.rows.iter().filter(|row| target.covers(&row.snippet)) {
        any_snippet = true;
        let snippet = &row.snippet;
        let path = snippet.path.display().to_string();
        for call in judge::close_calls(&row.outcome) {
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

/// The claims and errors `target` shows: `(row, Some(claim))` for a claim, `(row, None)` for
/// the snippet's error (or a snippet with no claims).
fn select(run: &Run, target: &Target) -> Vec<(usize, Option<usize>)> {
    let mut items = Vec::new();
    for (i, row) in run.rows.iter().enumerate() {
        let claims = &row.check.claims;
        let selected: Vec<usize> = match target {
            Target::Failing => claims
                .iter()
                .enumerate()
                .filter(|(_, c)| {
                    matches!(
                        c.verdict,
                        Verdict::Fail | Verdict::Unchecked | Verdict::Unjudged
                    )
                })
                .map(|(k, _)| k)
                .collect(),
            Target::Id(_) if target.covers(&row.snippet) => (0..claims.len()).collect(),
            Target::Id(_) => continue,
            Target::Line(_, line) => {
                let on_line: Vec<usize> = claims
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.claim_line == *line || c.line == *line)
                    .map(|(k, _)| k)
                    .collect();
                if !on_line.is_empty() {
                    on_line
                } else if target.covers(&row.snippet) {
                    (0..claims.len()).collect()
                } else {
                    continue;
                }
            }
        };
        let show_error = row.check.is_unexpected_error()
            || (!matches!(target, Target::Failing) && row.check.error.is_some());
        if show_error {
            items.push((i, None));
        }
        items.extend(selected.into_iter().map(|k| (i, Some(k))));
        if matches!(target, Target::Id(_) | Target::Line(..)) && claims.is_empty() && !show_error {
            items.push((i, None));
        }
    }
    items
}

/// Explains the claims `target` selects, and writes the HTML report to `html_path` if given;
/// returns the text (its diffs painted) and whether no shown claim or error fails (like
/// `verify`).
pub fn inspect(run: &Run, target: &Target, html_path: Option<&Path>) -> Result<(Painted, bool)> {
    let items = select(run, target);
    let mut written = String::new();
    if let Some(path) = html_path
        && (!items.is_empty() || matches!(target, Target::Failing))
    {
        written = write_html(path, run, &items)?;
    }
    if items.is_empty() {
        match target {
            Target::Failing => {
                return Ok((
                    Painted::from(format!(
                        "no failing claims: every claim passes (`snipcheck verify` for the report)\n{written}"
                    )),
                    true,
                ));
            }
            Target::Id(id) => bail!(
                "no snippet has the id {id:?} (ids are listed by `snipcheck verify --format json`)"
            ),
            Target::Line(file, line) => bail!("no claim or Python block at {file}:{line}"),
        }
    }
    let mut out = Painted::default();
    let mut failing = false;
    for (i, claim) in items {
        let row = &run.rows[i];
        match claim {
            Some(k) => {
                let claim = &row.check.claims[k];
                failing |= matches!(
                    claim.verdict,
                    Verdict::Fail | Verdict::Unchecked | Verdict::Unjudged
                );
                render_claim(&mut out, run, row, claim)?;
            }
            None => {
                failing |= row.check.is_unexpected_error();
                render_error(&mut out, run, row)?;
            }
        }
    }
    out.push_str(&written);
    Ok((out, !failing))
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
    let report = super::build(run);
    let documents: Vec<&crate::read::Document> = run.notes.iter().map(|n| &n.document).collect();
    let page = html::render(&report, &documents, &expanded);
    crate::atomic::write(path, page.as_bytes())?;
    Ok(format!("HTML report written to {}\n", path.display()))
}

fn render_claim(
    out: &mut Painted,
    run: &Run,
    row: &SnippetRun,
    claim: &CheckedClaim,
) -> Result<()> {
    let snippet = &row.snippet;
    let path = snippet.path.display().to_string();
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
        Verdict::Unjudged => (
            Level::WARNING,
            format!(
                "claim not judged here: {}",
                claim
                    .reason
                    .as_deref()
                    .unwrap_or("it cannot be judged here")
            ),
        ),
        Verdict::NotRun => (
            Level::NOTE,
            "claim not run: the block is not valid Python 3".to_owned(),
        ),
        Verdict::VersionDependent => (
            Level::WARNING,
            format!(
                "claim version-dependent: {}",
                claim
                    .reason
                    .as_deref()
                    .unwrap_or("it holds on some Pythons only")
            ),
        ),
    };
    let text = markdown(run, snippet)?;
    let context = excerpt(
        text,
        &path,
        snippet,
        claim.line,
        claim.claim_line,
        "claimed here",
    );
    let rendered = Renderer::plain().render(&[level
        .primary_title(format!("{title}: {}", first_line(&claim.source)))
        .element(context)]);
    let _ = writeln!(out, "{rendered}");
    let _ = writeln!(out, "snippet: {} ({path})", snippet.id);
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
    match execution(&row.outcome, claim.line) {
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
    for (i, line) in diff.lines().enumerate() {
        out.push_str("  ");
        match super::human::diff_color(i, line) {
            Some(color) => out.paint(line, color),
            None => out.push_str(line),
        }
        out.push('\n');
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
    continued(out, snippet);
    let _ = writeln!(out, "rerun: {}", rerun(&snippet.id, &path));
    out.push('\n');
    Ok(())
}

/// Which earlier blocks the snippet ran after, and why each was pulled in.
fn continued(out: &mut Painted, snippet: &crate::plan::Snippet) {
    let Some(continues) = super::build::continues(snippet) else {
        return;
    };
    let _ = writeln!(
        out,
        "continues ({} namespace): {} earlier block{}, run first in one process",
        continues.namespace,
        continues.blocks.len(),
        if continues.blocks.len() == 1 { "" } else { "s" }
    );
    for block in &continues.blocks {
        let why = if !block.names.is_empty() {
            format!("binds {}, which this block reads", block.names.join(", "))
        } else if continues.namespace == "auto" {
            "a block it continues needs it".to_owned()
        } else {
            format!(
                "the {} namespace or a continue directive",
                continues.namespace
            )
        };
        let _ = writeln!(
            out,
            "  lines {}-{} ({}): {why}",
            block.start_line, block.end_line, block.id
        );
    }
}

fn render_error(out: &mut Painted, run: &Run, row: &SnippetRun) -> Result<()> {
    let snippet = &row.snippet;
    let check = &row.check;
    let path = snippet.path.display().to_string();
    let text = markdown(run, snippet)?;
    let (title, line) = match (&check.error, &check.missing_expected_error) {
        (_, Some(missing)) => (missing.clone(), snippet.block.fence_line),
        (Some(error), None) => (
            format!("{}: {}", error.type_name, error.message),
            error.line.unwrap_or(snippet.block.first_line),
        ),
        (None, None) => (
            format!("{}: no claims", check.outcome.as_str()),
            snippet.block.fence_line,
        ),
    };
    let level = if check.is_unexpected_error() {
        Level::ERROR
    } else {
        Level::NOTE
    };
    let rendered = Renderer::plain().render(&[level
        .primary_title(title)
        .element(excerpt(text, &path, snippet, line, line, "here"))]);
    let _ = writeln!(out, "{rendered}");
    let _ = writeln!(
        out,
        "snippet: {} ({path}) [{}]",
        snippet.id,
        check.outcome.as_str()
    );
    if let Some(error) = &check.error {
        stream(out, "traceback", &error.traceback);
    }
    if let Some(settings) = &snippet.settings {
        let _ = writeln!(
            out,
            "settings: {}",
            super::json::settings(&super::build::applied(settings))
        );
    }
    continued(out, snippet);
    let _ = writeln!(out, "rerun: {}", rerun(&snippet.id, &path));
    out.push('\n');
    Ok(())
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

/// The text of the snippet's notes file, as it was read.
fn markdown<'a>(run: &'a Run, snippet: &Snippet) -> Result<&'a str> {
    run.notes
        .iter()
        .find(|n| n.document.path == snippet.path)
        .map(|n| n.document.text.as_str())
        .with_context(|| format!("{} was not read in this run", snippet.path.display()))
}

fn execution(outcome: &Outcome, line: LineNo) -> Option<&Execution> {
    let statement = outcome
        .statements
        .as_deref()?
        .iter()
        .find(|s| s.line == line)?;
    outcome.execution(statement.index)
}

fn stream(out: &mut Painted, label: &str, text: &str) {
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
