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
use crate::read::discover;
use crate::report::{self, review::Counts};
use anyhow::{Context, Result, bail};
use rustix::event::{self, PollFd, PollFlags, Timespec};
use rustix::io::Errno;
use rustix::termios::{self, OptionalActions};
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
        for (index, one) in pending.iter().enumerate() {
            // Stopped (Ctrl-C, SIGTERM): what is left stays pending.
            if crate::run::interrupt::signal().is_some() {
                counts.skipped += pending.len() - index;
                break;
            }
            decide(one, args.accept, &mut counts)?;
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
        .map(discover::Found::read)
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

/// Asks until a key is an answer, with the terminal's input raw (one key, no Enter, no echo)
/// and its settings restored after. Ctrl-C, Ctrl-D, Escape, a stop signal (SIGTERM, SIGHUP)
/// and a terminal that went away quit.
fn answer(colors: bool) -> Result<Answer> {
    let stdin = std::io::stdin();
    let original = termios::tcgetattr(&stdin).context("failed to read the terminal's settings")?;
    let mut raw = original.clone();
    raw.make_raw();
    // Only input is raw: output keeps its line ends.
    raw.output_modes = original.output_modes;
    termios::tcsetattr(&stdin, OptionalActions::Now, &raw)
        .context("failed to set the terminal to read one key")?;
    let answer = ask_keys(&stdin, colors);
    let restored = termios::tcsetattr(&stdin, OptionalActions::Now, &original);
    let answer = answer?;
    restored.context("failed to restore the terminal's settings")?;
    Ok(answer)
}

fn ask_keys(stdin: &std::io::Stdin, colors: bool) -> Result<Answer> {
    loop {
        report::print(&report::review::question(colors))?;
        let key = key(stdin)?;
        report::print("\n")?;
        let answer = match key.as_deref() {
            Some(b"a") => Answer::Accept,
            Some(b"r") => Answer::Reject,
            Some(b"s") => Answer::Skip,
            Some(b"A") => Answer::AcceptAll,
            Some(b"q" | b"\x03" | b"\x04" | b"\x1b") | None => Answer::Quit,
            // Another key, an escape sequence (an arrow) or pasted text: ask again.
            Some(_) => continue,
        };
        return Ok(answer);
    }
}

/// What one key press sent (one read: a key, an escape sequence, a paste), or `None` when the
/// review must stop: a stop signal arrived (checked every 100 ms while waiting, as runs do) or
/// the terminal hung up.
fn key(stdin: &std::io::Stdin) -> Result<Option<Vec<u8>>> {
    let step = Timespec {
        tv_sec: 0,
        tv_nsec: 100_000_000,
    };
    loop {
        if crate::run::interrupt::signal().is_some() {
            return Ok(None);
        }
        let mut fds = [PollFd::new(stdin, PollFlags::IN)];
        match event::poll(&mut fds, Some(&step)) {
            Ok(0) | Err(Errno::INTR) => continue,
            Ok(_) => {}
            Err(err) => return Err(err).context("failed to wait for a key"),
        }
        let mut buf = [0u8; 64];
        match rustix::io::read(stdin, &mut buf) {
            Ok(0) | Err(Errno::IO) => return Ok(None),
            Ok(n) => return Ok(Some(buf[..n].to_vec())),
            Err(Errno::INTR | Errno::AGAIN) => continue,
            Err(err) => return Err(err).context("failed to read a key"),
        }
    }
}
