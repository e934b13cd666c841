//! `--format human`: one line per snippet, details for everything that is not a plain pass,
//! and a summary line. Every detail starts with `path:line` so editors and terminals can jump
//! to the Markdown line.

use super::{Report, SnippetReport, Standing};
use crate::judge::{CheckedClaim, ExpectedBy, Verdict};
use std::fmt::Write;

/// Renders the report for a person; `colors`: ANSI colours on the verdict words, on a failing
/// claim's claimed and actual text and on diffs (only for stdout when it wants them, see
/// [`crate::environment::stdout_colors`]; never for a file).
pub fn render_styled(report: &Report, colors: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "snipcheck {} · Python {}{}",
        env!("CARGO_PKG_VERSION"),
        report.python,
        sandbox_summary(&report.sandbox)
    );
    if let Some(line) = minimal_line(&report.sandbox) {
        let _ = writeln!(out, "{line}");
    }
    let several = &report.interpreters;
    for python in report
        .interpreter
        .iter()
        .filter(|_| several.is_empty())
        .chain(several)
    {
        let _ = writeln!(
            out,
            "python: {} ({})",
            python.executable.display(),
            python.source
        );
    }
    if let Some(partition) = &report.partition {
        let _ = writeln!(
            out,
            "partition {}: only these shards' snippets are run and counted (`snipcheck report merge` joins the shards)",
            partition.describe()
        );
    }
    if let Some(venv) = &report.venv {
        let _ = writeln!(
            out,
            "venv {} (Python {}, from {}): its site-packages are read-only inside the sandbox",
            venv.root.display(),
            venv.version,
            venv.source
        );
    }
    for document in &report.documents {
        let shown = |s: &&SnippetReport| s.path == document.path;
        if report.filtered
            && document.problems.is_empty()
            && !report.snippets.iter().any(|s| shown(&s))
        {
            continue;
        }
        let _ = writeln!(out, "\n{}", document.path);
        for problem in &document.problems {
            let _ = writeln!(
                out,
                "  error  {}:{}: {}",
                document.path, problem.line, problem.message
            );
        }
        for snippet in report.snippets.iter().filter(|s| s.path == document.path) {
            render_snippet(&mut out, snippet, report.strict, colors);
        }
    }
    super::human_snapshots::render_generated(&mut out, report);
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
    // What `--strict` makes of the verdicts counted apart below.
    let under_strict = if report.strict {
        ", failing under --strict"
    } else {
        ""
    };
    if s.unjudged > 0 {
        let _ = writeln!(
            out,
            "{} {} not judged here (a missing package or setup, a blocked subprocess, unstable output, another Python's output): counted apart{}",
            s.unjudged,
            plural(s.unjudged, "claim"),
            under_strict
        );
    }
    if s.version_dependent > 0 {
        let _ = writeln!(
            out,
            "{} {} version-dependent (hold on some of the run's Pythons, fail on others): counted apart{}",
            s.version_dependent,
            plural(s.version_dependent, "claim"),
            under_strict
        );
    }
    if s.needs_newer_python > 0 {
        let _ = writeln!(
            out,
            "{} {} a newer Python than the one {} ran on (installed here: add it with --python): not judged, counted apart{}",
            s.needs_newer_python,
            if s.needs_newer_python == 1 {
                "block needs"
            } else {
                "blocks need"
            },
            if s.needs_newer_python == 1 {
                "it"
            } else {
                "they"
            },
            under_strict
        );
    }
    if s.not_run > 0 {
        let _ = writeln!(
            out,
            "{} {} in blocks that cannot run: listed, not checked",
            s.not_run,
            plural(s.not_run, "claim")
        );
    }
    if s.unparsable > 0 {
        let _ = writeln!(
            out,
            "{} {} not valid Python 3{}",
            s.unparsable,
            plural(s.unparsable, "block"),
            if report.strict_parse {
                " (--strict-parse: they fail the run)"
            } else {
                " (reported, not failed; --strict-parse fails them)"
            }
        );
    }
    super::human_snapshots::render_summary(&mut out, report);
    let verdict = if report.is_success() {
        paint("ok", GREEN, colors)
    } else {
        paint("FAILED", RED, colors)
    };
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

pub(crate) const GREEN: &str = "32";
const YELLOW: &str = "33";
const RED: &str = "31";
const CYAN: &str = "36";
const BOLD: &str = "1";

/// The lines of a unified diff (`similar`'s, headers first), painted when `colors`: the
/// `---`/`+++` headers bold, hunk markers cyan, removed lines (claimed, accepted) red, added
/// lines (actual, new) green.
pub(crate) fn diff_lines(diff: &str, colors: bool) -> impl Iterator<Item = String> + '_ {
    diff.lines()
        .enumerate()
        .map(move |(i, line)| match diff_color(i, line) {
            Some(color) => paint(line, color, colors),
            None => line.to_owned(),
        })
}

/// The colour of line `index` of a unified diff (see [`diff_lines`]).
pub(crate) fn diff_color(index: usize, line: &str) -> Option<&'static str> {
    if index < 2 && (line.starts_with("--- ") || line.starts_with("+++ ")) {
        Some(BOLD)
    } else if line.starts_with("@@") {
        Some(CYAN)
    } else if line.starts_with('-') {
        Some(RED)
    } else if line.starts_with('+') {
        Some(GREEN)
    } else {
        None
    }
}

/// `text` in an ANSI colour when `colors`.
pub(crate) fn paint(text: &str, color: &str, colors: bool) -> String {
    if colors {
        format!("\x1b[{color}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

fn label(snippet: &SnippetReport, strict: bool, colors: bool) -> String {
    match snippet.standing(strict) {
        Standing::Failed => paint("FAIL ", RED, colors),
        Standing::Skipped | Standing::NotPython => paint("skip ", YELLOW, colors),
        Standing::Loose => paint("loose", YELLOW, colors),
        Standing::Unjudged => paint("n/a  ", YELLOW, colors),
        Standing::VersionDependent => paint("vers ", YELLOW, colors),
        Standing::Ok => paint("ok   ", GREEN, colors),
    }
}

fn render_snippet(out: &mut String, snippet: &SnippetReport, strict: bool, colors: bool) {
    let claims = snippet.claims.len();
    let _ = writeln!(
        out,
        "  {}  {}  lines {}-{}  {} {}  [{}]",
        label(snippet, strict, colors),
        snippet.id,
        snippet.start_line,
        snippet.end_line,
        claims,
        plural(claims, "claim"),
        snippet.outcome.as_str(),
    );
    let indent = "         ";
    if let Some(settings) = &snippet.settings {
        let parts = settings.describe();
        if !parts.is_empty() {
            let _ = writeln!(out, "{indent}settings: {}", parts.join("; "));
        }
    }
    if let Some(reason) = snippet.skipped_by_the_text() {
        let _ = writeln!(out, "{indent}not run: {reason}");
    }
    if let Some(continues) = &snippet.continues {
        let _ = writeln!(out, "{indent}{}", continues.describe());
    }
    if let Some(error) = &snippet.error {
        let line = error.line.map(|l| format!(":{l}")).unwrap_or_default();
        let newer;
        let note = match error.expected_by {
            Some(ExpectedBy::NewerPython) => {
                let needed = error.needs_python.as_deref().unwrap_or("a newer version");
                newer = format!(
                    "needs Python ≥ {needed}, not judged on this one (run it with --python {needed}; --strict fails it)"
                );
                newer.as_str()
            }
            None => "error",
            Some(ExpectedBy::Claim) => "raised, as claimed",
            Some(ExpectedBy::NotPython) => {
                "not Python 3, not run (reported only; --strict-parse fails it)"
            }
            Some(ExpectedBy::Config) => "raised, as declared by expect-error",
            Some(ExpectedBy::Needs) => {
                "needs a package not installed here, not judged (use --venv; --strict fails it)"
            }
            Some(ExpectedBy::Exercise) => "an exercise the reader completes, reported only",
            Some(ExpectedBy::Setup) => {
                "a fragment: uses a name no earlier block defines, not judged (--strict fails it)"
            }
            Some(ExpectedBy::Versions) => {
                "raised where a claim documents it on other Pythons: version-dependent (--strict fails it)"
            }
        };
        let message = error.headline();
        let _ = writeln!(out, "{indent}{}{line}: {note}: {message}", snippet.path);
        if error.expected_by.is_none() && !error.traceback.is_empty() {
            for tb_line in error.traceback.trim_end().lines() {
                let _ = writeln!(out, "{indent}  | {tb_line}");
            }
        }
    }
    if snippet.versions_differ() {
        for version in &snippet.versions {
            let error = version
                .error
                .as_ref()
                .map(|e| format!(": {}", e.headline()))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{indent}on {}: {}{error}",
                version.python,
                version.outcome.as_str()
            );
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
            render_claim(out, snippet, claim, indent, colors);
        }
    }
    super::human_snapshots::render_snapshot(out, snippet, indent, colors);
    if !snippet.stray_output.is_empty() {
        let _ = writeln!(out, "{indent}output written straight to the process's fds:");
        for line in snippet.stray_output.lines().take(10) {
            let _ = writeln!(out, "{indent}  | {line}");
        }
    }
}

fn render_claim(
    out: &mut String,
    snippet: &SnippetReport,
    claim: &CheckedClaim,
    indent: &str,
    colors: bool,
) {
    let verdict = match claim.verdict {
        Verdict::Pass => "pass".to_owned(),
        Verdict::Loose => format!(
            "loose ({})",
            claim.normalization.as_deref().unwrap_or("normalized")
        ),
        Verdict::Fail => "fail".to_owned(),
        Verdict::Unchecked => "unchecked".to_owned(),
        Verdict::Unjudged => "not judged here".to_owned(),
        Verdict::NotRun => "not run".to_owned(),
        Verdict::VersionDependent => "version-dependent".to_owned(),
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
    // A failing claim's two sides in the diff's colours: claimed as removed, actual as added.
    let failing = colors && claim.verdict == Verdict::Fail;
    let side = |text: &str, color: &str| {
        text.split('\n')
            .map(|line| paint(line, color, failing && !line.is_empty()))
            .collect::<Vec<_>>()
            .join(&format!("\n{pad}"))
    };
    let _ = writeln!(out, "{indent}  claimed: {}", side(&claim.claimed, RED));
    if claim.verdict == Verdict::VersionDependent {
        for version in &claim.versions {
            let actual = version.actual.as_deref().unwrap_or("(never ran)");
            let _ = writeln!(
                out,
                "{indent}  {:<8} {}: {}",
                format!("{}:", version.python),
                version.verdict.as_str(),
                side(
                    if actual.is_empty() {
                        "(nothing)"
                    } else {
                        actual
                    },
                    GREEN
                )
            );
        }
        return;
    }
    if let Some(actual) = &claim.actual {
        let shown = if actual.is_empty() {
            "(nothing)"
        } else {
            actual
        };
        let _ = writeln!(out, "{indent}  actual:  {}", side(shown, GREEN));
        if claim.verdict == Verdict::Fail && (claim.claimed.contains('\n') || actual.contains('\n'))
        {
            let diff = similar::TextDiff::from_lines(claim.claimed.as_str(), actual.as_str())
                .unified_diff()
                .header("claimed", "actual")
                .to_string();
            for line in diff_lines(&diff, colors) {
                let _ = writeln!(out, "{indent}  {line}");
            }
        }
    }
}

/// ` · sandbox: 9 of 10 layers active (unavailable: cgroup)`, or nothing when nothing ran;
/// below the floor by `--sandbox=minimal`, it says so first, with what was missing.
fn sandbox_summary(layers: &[crate::run::sandbox::Layer]) -> String {
    use crate::run::sandbox::{LayerStatus, floor};
    let layers: Vec<_> = layers.iter().filter(|l| l.name != floor::NAME).collect();
    if layers.is_empty() {
        return String::new();
    }
    let active = layers
        .iter()
        .filter(|l| l.status == LayerStatus::Active)
        .count();
    let missing: Vec<&str> = layers
        .iter()
        .filter(|l| l.status != LayerStatus::Active)
        .map(|l| l.name.as_str())
        .collect();
    let mut text = format!(" · sandbox: {active} of {} layers active", layers.len());
    if !missing.is_empty() {
        text.push_str(&format!(
            " (not: {}; see `snipcheck doctor`)",
            missing.join(", ")
        ));
    }
    text
}

/// The header's second line when the run accepted a sandbox below its floor.
fn minimal_line(layers: &[crate::run::sandbox::Layer]) -> Option<String> {
    crate::run::sandbox::floor::accepted_minimal(layers)
        .map(|missing| format!("sandbox: MINIMAL (--sandbox=minimal), below the floor: {missing}"))
}
