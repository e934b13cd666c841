//! What `fix` prints: under `--dry-run` the unified diff of each note it would rewrite (coloured
//! as the human report colours diffs), then each rewritten claim (`path:line: old → new`),
//! each failing claim it left and why, and a summary. Every string from a note or a run is
//! shown, never obeyed ([`super::terminal`]).

use super::human::diff_lines;
use super::terminal::{visible, visible_line};
use crate::files::fix::{Fixed, Left};
use std::fmt::Write as _;
use std::path::PathBuf;

/// What `fix` did to one note.
#[derive(Debug, Clone, Default)]
pub struct NoteFix {
    /// The note, as the user named it.
    pub path: PathBuf,
    /// The claims rewritten (or, under `--dry-run`, that would be).
    pub fixed: Vec<Fixed>,
    /// The failing claims left, with why.
    pub left: Vec<Left>,
    /// Under `--dry-run`: the note's text before and after (line ends as `\n`).
    pub diff: Option<(String, String)>,
}

/// What `fix` did.
#[derive(Debug, Clone, Default)]
pub struct Fixes {
    /// One entry per note read.
    pub notes: Vec<NoteFix>,
    /// `--dry-run`: nothing was written.
    pub dry_run: bool,
    /// `loose` claims left because `--loose` was not given.
    pub loose: usize,
    /// `unjudged` claims, never rewritten.
    pub unjudged: usize,
}

impl Fixes {
    /// Whether every failing claim was rewritten (exit 0).
    pub fn is_success(&self) -> bool {
        self.notes.iter().all(|n| n.left.is_empty())
    }
}

/// `fix`'s output.
pub fn render(fixes: &Fixes, colors: bool) -> String {
    let mut out = String::new();
    for note in &fixes.notes {
        let Some((before, after)) = &note.diff else {
            continue;
        };
        if before == after {
            continue;
        }
        let path = note.path.display().to_string();
        let diff = similar::TextDiff::from_lines(before, after)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{path}"), &format!("b/{path}"))
            .to_string();
        for line in diff_lines(&visible(&diff), colors) {
            let _ = writeln!(out, "{line}");
        }
    }
    for note in &fixes.notes {
        let path = visible_line(&note.path.to_string_lossy()).into_owned();
        let fixed = note.fixed.iter().map(|fixed| {
            (
                fixed.line,
                format!(
                    "{path}:{}: {} → {}",
                    fixed.line,
                    visible_line(&fixed.old),
                    visible_line(&fixed.new)
                ),
            )
        });
        let left = note.left.iter().map(|left| {
            (
                left.line,
                format!(
                    "{path}:{}: not fixed: {} (claimed {})",
                    left.line,
                    visible_line(&left.why),
                    visible_line(&left.claimed)
                ),
            )
        });
        let mut lines: Vec<_> = fixed.chain(left).collect();
        lines.sort_by_key(|(line, _)| *line);
        for (_, line) in lines {
            let _ = writeln!(out, "{line}");
        }
    }
    summary(&mut out, fixes);
    out
}

fn summary(out: &mut String, fixes: &Fixes) {
    let fixed: usize = fixes.notes.iter().map(|n| n.fixed.len()).sum();
    let notes = fixes.notes.iter().filter(|n| !n.fixed.is_empty()).count();
    let left: usize = fixes.notes.iter().map(|n| n.left.len()).sum();
    let claims = |n: usize| if n == 1 { "claim" } else { "claims" };
    let in_notes = if notes == 1 { "note" } else { "notes" };
    if fixes.dry_run {
        let _ = writeln!(
            out,
            "dry run: {fixed} {} would be rewritten in {notes} {in_notes}; nothing was written",
            claims(fixed)
        );
    } else if fixed == 0 {
        let _ = writeln!(out, "no claim rewritten; no note was written");
    } else {
        let _ = writeln!(
            out,
            "rewrote {fixed} {} in {notes} {in_notes}",
            claims(fixed)
        );
    }
    if left > 0 {
        let _ = writeln!(
            out,
            "{left} failing {} not fixed (listed above, with why): edit {} by hand",
            claims(left),
            if left == 1 { "it" } else { "them" }
        );
    }
    if fixes.loose > 0 {
        let _ = writeln!(
            out,
            "{} loose {} left as written (`--loose` rewrites them to the exact output)",
            fixes.loose,
            claims(fixes.loose)
        );
    }
    if fixes.unjudged > 0 {
        let _ = writeln!(
            out,
            "{} unjudged {} left as written (unstable output, other Pythons, missing packages or setup: never rewritten)",
            fixes.unjudged,
            claims(fixes.unjudged)
        );
    }
    if fixed > 0 {
        let _ = writeln!(
            out,
            "snippets/ and expected/ are not touched: `snipcheck update` regenerates them from the {} notes",
            if fixes.dry_run { "rewritten" } else { "fixed" }
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::line::LineNo;

    fn fixes(dry_run: bool) -> Fixes {
        Fixes {
            notes: vec![NoteFix {
                path: PathBuf::from("notes/a.md"),
                fixed: vec![Fixed {
                    line: LineNo::new(5),
                    old: "6 - unchanged".to_owned(),
                    new: "5 - unchanged".to_owned(),
                }],
                left: vec![Left {
                    line: LineNo::new(9),
                    claimed: "<A at 0x1>\x1b[2J".to_owned(),
                    why: "its output holds a memory address, which differs between runs".to_owned(),
                }],
                diff: dry_run.then(|| {
                    (
                        "a\nprint(x)  # 6 - unchanged\nb\n".to_owned(),
                        "a\nprint(x)  # 5 - unchanged\nb\n".to_owned(),
                    )
                }),
            }],
            dry_run,
            loose: 1,
            unjudged: 0,
        }
    }

    #[test]
    fn each_claim_on_its_line_then_the_summary() {
        let out = render(&fixes(false), false);
        assert_eq!(
            out,
            "notes/a.md:5: 6 - unchanged → 5 - unchanged\n\
             notes/a.md:9: not fixed: its output holds a memory address, which differs between runs (claimed <A at 0x1>\\x1b[2J)\n\
             rewrote 1 claim in 1 note\n\
             1 failing claim not fixed (listed above, with why): edit it by hand\n\
             1 loose claim left as written (`--loose` rewrites them to the exact output)\n\
             snippets/ and expected/ are not touched: `snipcheck update` regenerates them from the fixed notes\n"
        );
        assert!(!fixes(false).is_success());
    }

    #[test]
    fn a_dry_run_shows_the_diff() {
        let out = render(&fixes(true), false);
        assert!(
            out.starts_with(
                "--- a/notes/a.md\n+++ b/notes/a.md\n@@ -1,3 +1,3 @@\n a\n-print(x)  # 6 - unchanged\n+print(x)  # 5 - unchanged\n b\n"
            ),
            "{out}"
        );
        assert!(out.contains("notes/a.md:5: 6 - unchanged → 5 - unchanged\n"));
        assert!(
            out.contains("dry run: 1 claim would be rewritten in 1 note; nothing was written\n")
        );
    }
}
