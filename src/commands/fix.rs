//! `snipcheck fix [PATHS]`: runs the notes (as `verify --no-snapshots` does), then rewrites
//! each failing claim to what the code really does, in the claim's own style
//! (`files::fix`), and writes each changed note atomically, its encoding, line ends and every
//! other byte kept. `--dry-run` prints the diff and writes nothing. Nothing but the notes is
//! written: `snipcheck update` regenerates `snippets/` and `expected/`.

use crate::atomic;
use crate::cli::FixArgs;
use crate::environment;
use crate::files::fix::{self, Selection};
use crate::pipeline;
use crate::plan;
use crate::read;
use crate::report::{self, fix::Fixes, fix::NoteFix};
use anyhow::{Context, Result, bail};

/// Fixes the failing claims; `Ok(true)` when none is left that `fix` could not rewrite.
pub fn fix(args: &FixArgs) -> Result<bool> {
    let progress = report::progress::Progress::start("running snippets");
    let run = pipeline::execute(
        // `Files::Ignore`, the default: notes only, no generated file is compared.
        &super::run_options(args.paths.clone(), &args.run),
        &progress,
    )?;
    drop(progress);
    if crate::run::interrupt::signal().is_some() {
        // A stopped run's verdicts are incomplete: no note is rewritten from them.
        return Ok(false);
    }
    let mut fixes = Fixes {
        dry_run: args.dry_run,
        ..Fixes::default()
    };
    for note in &run.notes {
        let document = &note.document;
        let mut selection = Selection::default();
        for row in run.rows.iter().filter(|r| r.snippet.path == document.path) {
            fix::select(
                &row.snippet.block,
                plan::is_interactive(&row.snippet.block),
                &row.outcome,
                &row.check.claims,
                args.loose,
                &mut selection,
            );
        }
        fixes.loose += selection.loose;
        fixes.unjudged += selection.unjudged;
        let mut entry = NoteFix {
            path: document.path.clone(),
            left: selection.left,
            ..NoteFix::default()
        };
        if !selection.targets.is_empty() {
            let bytes = std::fs::read(&document.path)
                .with_context(|| format!("failed to read {}", document.path.display()))?;
            if read::extract(&document.path, &bytes).text != document.text {
                bail!(
                    "{} changed while its snippets ran; nothing was written to it (run `snipcheck fix` again)",
                    document.path.display()
                );
            }
            let text = String::from_utf8(bytes).with_context(|| {
                format!("failed to read {}: not UTF-8", document.path.display())
            })?;
            let rewrite = fix::rewrite(&text, &selection.targets);
            if rewrite.text != text {
                if args.dry_run {
                    entry.diff = Some((lf(&text), lf(&rewrite.text)));
                } else {
                    atomic::replace(&document.path, rewrite.text.as_bytes())?;
                }
            }
            entry.fixed = rewrite.fixed;
            entry.left.extend(rewrite.left);
            entry.left.sort_by_key(|l| l.line);
        }
        fixes.notes.push(entry);
    }
    report::print(&report::fix::render(&fixes, environment::stdout_colors()))?;
    Ok(fixes.is_success())
}

/// A note's text as the diff shows it: no BOM, every line end `\n`.
fn lf(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.replace("\r\n", "\n").replace('\r', "\n")
}
