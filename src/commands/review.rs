//! `snipcheck review [PATHS]`: the pending snapshots (`.snap.new`) under `expected/`, each
//! shown with its diff, then accepted, rejected or skipped: asked one key at a time on a
//! terminal, all at once with `--accept` / `--reject`, or only listed (exit 1) when there is no
//! terminal to ask on. Runs no snippet; reads and writes only `.snap` and `.snap.new` files
//! (`files::snapshot::pending`).

use crate::cli::ReviewArgs;
use crate::environment;
use crate::files::generated;
use crate::files::snapshot::{self, pending::Pending};
use crate::pipeline;
use crate::read::{self, discover};
use crate::report::{self, review::Counts};
use anyhow::{Result, bail};
use std::collections::BTreeSet;

/// Reviews the pending snapshots; `Ok(false)` when some are pending and nobody could be asked.
pub fn review(args: &ReviewArgs) -> Result<bool> {
    let config = crate::config::load(args.config.as_deref())?;
    let root = generated::root(&config.base_dir(), snapshot::DIR);
    let documents = documents(&args.paths, &config)?;
    let pending = snapshot::pending::find(&root, documents.as_ref())?;
    if pending.is_empty() {
        report::print(report::review::NOTHING_PENDING)?;
        return Ok(true);
    }
    let colors = environment::stdout_colors();
    if args.accept || args.reject {
        let mut counts = Counts::default();
        for pending in &pending {
            decide(pending, args.accept, &mut counts)?;
        }
        report::print(&report::review::summary(counts))?;
        return Ok(true);
    }
    if !environment::interactive() {
        for pending in &pending {
            report::print(&format!(
                "{}\n",
                report::review::pending(pending, None, colors)
            ))?;
        }
        report::print(&report::review::listed(pending.len()))?;
        return Ok(false);
    }
    ask(&pending, colors)?;
    Ok(true)
}

/// The directories under `expected/` of the notes `paths` name (`None`: every one), resolved
/// as `verify` resolves them.
fn documents(paths: &[String], config: &crate::config::Config) -> Result<Option<BTreeSet<String>>> {
    if paths.is_empty() {
        return Ok(None);
    }
    let notes = discover::resolve(paths, config)?
        .found
        .into_iter()
        .filter(|found| found.tracked)
        .map(|found| {
            Ok(discover::Note {
                document: read::read(&found.path)?,
                tracked: true,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if notes.is_empty() {
        bail!(
            "none of these notes is listed under `notes` in {}; expected/ holds snapshots of the project's configured notes only",
            crate::config::FILE_NAME
        );
    }
    pipeline::notes_tracked(&notes).map(Some)
}

/// Accepts or rejects one pending snapshot and says so.
fn decide(pending: &Pending, accept: bool, counts: &mut Counts) -> Result<()> {
    if accept {
        snapshot::pending::accept(pending)?;
        counts.accepted += 1;
    } else {
        snapshot::pending::reject(pending)?;
        counts.rejected += 1;
    }
    report::print(&report::review::done(
        if accept { "accepted" } else { "rejected" },
        pending,
    ))
}

/// One answer to the question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Accept,
    Reject,
    Skip,
    AcceptAll,
    Quit,
}

/// Asks about each pending snapshot in turn, then prints the summary (what was not decided
/// when the user quit counts as skipped).
fn ask(pending: &[Pending], colors: bool) -> Result<()> {
    let mut counts = Counts::default();
    let mut all = false;
    for (index, one) in pending.iter().enumerate() {
        if crate::run::interrupt::signal().is_some() {
            counts.skipped += pending.len() - index;
            break;
        }
        if all {
            decide(one, true, &mut counts)?;
            continue;
        }
        report::print(&format!(
            "\n{}",
            report::review::pending(one, Some((index + 1, pending.len())), colors)
        ))?;
        match answer(colors)? {
            Answer::Accept => decide(one, true, &mut counts)?,
            Answer::Reject => decide(one, false, &mut counts)?,
            Answer::Skip => {
                counts.skipped += 1;
                report::print(&report::review::done("skipped", one))?;
            }
            Answer::AcceptAll => {
                all = true;
                decide(one, true, &mut counts)?;
            }
            Answer::Quit => {
                counts.skipped += pending.len() - index;
                break;
            }
        }
    }
    report::print(&report::review::summary(counts))
}

/// Reads one key until it is an answer; Ctrl-C, Ctrl-D, Escape and the end of input quit.
fn answer(colors: bool) -> Result<Answer> {
    let term = console::Term::stdout();
    loop {
        report::print(&report::review::question(colors))?;
        let key = match term.read_key_raw() {
            Ok(key) => key,
            // The terminal went away (hung up, end of input): stop asking.
            Err(_) => {
                report::print("\n")?;
                return Ok(Answer::Quit);
            }
        };
        let answer = match key {
            console::Key::Char('a') => Answer::Accept,
            console::Key::Char('r') => Answer::Reject,
            console::Key::Char('s') => Answer::Skip,
            console::Key::Char('A') => Answer::AcceptAll,
            console::Key::Char('q' | '\x04') | console::Key::CtrlC | console::Key::Escape => {
                Answer::Quit
            }
            _ => {
                report::print("\n")?;
                continue;
            }
        };
        report::print("\n")?;
        return Ok(answer);
    }
}
