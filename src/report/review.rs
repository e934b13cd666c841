//! What `review` prints: each pending snapshot (its snippet, the note and line it comes from,
//! the diff from the accepted snapshot, coloured on a terminal), the question, what was done,
//! and the summary. Every string read from a snapshot is shown, never obeyed ([`terminal`]).

use super::human::{diff_lines, paint};
use super::terminal::{visible, visible_line};
use crate::files::snapshot::pending::{Accepted, Pending};
use std::fmt::Write as _;

const BOLD: &str = "1";

/// What a review did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// `.snap` files replaced by their pending snapshot.
    pub accepted: usize,
    /// `.snap.new` files removed.
    pub rejected: usize,
    /// `.snap.new` files left pending.
    pub skipped: usize,
}

/// One pending snapshot: `[position/total]` (when asking), the snippet id, where it comes from
/// (the header's `source:` and first line, its section), the files, and the diff.
pub fn pending(pending: &Pending, position: Option<(usize, usize)>, colors: bool) -> String {
    let mut out = String::new();
    if let Some((index, total)) = position {
        let _ = write!(out, "[{index}/{total}] ");
    }
    let _ = write!(out, "{}", paint(&visible_line(&pending.id), BOLD, colors));
    if let Some(python) = &pending.python {
        let _ = write!(out, " on Python {}", visible_line(python));
    }
    if let Some(source) = pending.new.field("source") {
        let line = pending
            .new
            .info("lines")
            .and_then(|lines| lines.split('-').next())
            .map(|first| format!(":{first}"))
            .unwrap_or_default();
        let _ = write!(out, "  {}{}", visible_line(source), visible_line(&line));
    }
    if let Some(section) = pending.new.info("section") {
        let _ = write!(out, "  section {:?}", visible_line(section).as_ref());
    }
    out.push('\n');
    let path = visible_line(&pending.path.to_string_lossy()).into_owned();
    let accepted = visible_line(&pending.accepted.to_string_lossy()).into_owned();
    match &pending.old {
        Accepted::Missing => {
            let _ = writeln!(out, "  {path}: a new snapshot ({accepted} does not exist)");
        }
        Accepted::Snap(_) => {
            let _ = writeln!(out, "  {path} would replace {accepted}");
        }
        Accepted::Corrupt { corrupt, .. } => {
            let _ = writeln!(
                out,
                "  {path} would replace {accepted}, which is not a valid .snap file (line {}: {})",
                corrupt.line,
                visible_line(&corrupt.message)
            );
        }
    }
    let diff = pending.diff();
    if diff.is_empty() {
        let _ = writeln!(
            out,
            "  (the same transcript as the accepted one; only the header differs)"
        );
    }
    for shown in diff_lines(&visible(&diff), colors) {
        let _ = writeln!(out, "  {shown}");
    }
    out
}

/// The question after each pending snapshot (no line break: the answer is one key).
pub fn question(colors: bool) -> String {
    let key = |k: &str| paint(k, BOLD, colors);
    format!(
        "{}ccept  {}eject  {}kip  accept {}ll remaining  {}uit? ",
        key("[a]"),
        key("[r]"),
        key("[s]"),
        key("[A]"),
        key("[q]")
    )
}

/// What was done with a pending snapshot: `accepted expected/doc/id.snap.new`, as `update`
/// says it.
pub fn done(word: &str, pending: &Pending) -> String {
    format!(
        "{word:<9}{}\n",
        visible_line(&pending.path.to_string_lossy())
    )
}

/// The listing's last line, without a terminal to ask on: how to accept or reject.
pub fn listed(total: usize) -> String {
    format!(
        "{total} pending {}: accept with `snipcheck review --accept` (one snippet: `snipcheck update --accept-only <id>`), reject with `snipcheck review --reject`, or run `snipcheck review` in a terminal to decide one by one\n",
        if total == 1 { "snapshot" } else { "snapshots" }
    )
}

/// The last line of a review.
pub fn summary(counts: Counts) -> String {
    format!(
        "accepted {}, rejected {}, skipped {}\n",
        counts.accepted, counts.rejected, counts.skipped
    )
}

/// What a review with nothing pending says.
pub const NOTHING_PENDING: &str = "no pending snapshots\n";
