//! `fix`: a note's failing claims rewritten to what the code really does, in each claim's own
//! style, and nothing else of the note touched.
//!
//! Pure: the note's text as it is on disk (BOM, line ends and all) and its judged claims in,
//! the new text and what was rewritten or left (with why) out. [`select`] decides which claims
//! are rewritten (only `fail`, `loose` when asked; never one whose output varies), [`rewrite`]
//! locates each claim's text on its Markdown lines (`style`: a comment, an output block, a
//! session's expected output) and replaces exactly that span; a claim it cannot locate
//! unambiguously, or whose new text would not be a faithful claim of the same style, is left.

mod style;
#[cfg(test)]
mod tests;

use crate::judge::{CheckedClaim, ClaimKind, Verdict};
use crate::line::LineNo;
use crate::read::block::Block;
use crate::run::outcome::Outcome;

/// Where a claim's text lives in the note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A comment in the code: a trailing comment, or comment lines below the statement (`#`,
    /// `#>`, an `# Output:` run).
    Comment,
    /// The content of an output block under a label.
    OutputBlock,
    /// A `>>>` session example's expected output.
    Session,
}

/// A claim `fix` will try to rewrite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Markdown line of the claim text's first line.
    pub line: LineNo,
    /// What it is about.
    pub kind: ClaimKind,
    /// The claimed text, as the judge read it.
    pub claimed: String,
    /// What really happened (the judge's `actual`).
    pub actual: String,
    /// Where its text lives.
    pub place: Place,
    /// The exception the claim's statement raised, `Type: message` (`None`: it raised
    /// nothing).
    pub raised: Option<String>,
}

/// A claim left as it is, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Left {
    /// Markdown line of the claim text.
    pub line: LineNo,
    /// The claimed text.
    pub claimed: String,
    /// Why it was not rewritten.
    pub why: String,
}

/// A rewritten claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixed {
    /// Markdown line of the claim text's first line.
    pub line: LineNo,
    /// The claim text before.
    pub old: String,
    /// The claim text after.
    pub new: String,
}

/// Which claims of a block `fix` rewrites, and which failing ones it must leave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// The claims to rewrite.
    pub targets: Vec<Target>,
    /// Failing claims `fix` cannot rewrite (`unchecked`, varying output, ...).
    pub left: Vec<Left>,
    /// `loose` claims left because `--loose` was not given.
    pub loose: usize,
    /// `unjudged` claims (unstable, other Pythons, needs, fragments): never rewritten.
    pub unjudged: usize,
}

/// The claims of one block that `fix` rewrites: `fail` verdicts (and `loose` ones when
/// `loose`), unless their output varies between runs (a memory address, a date, a time of
/// day: a second run a moment later may agree with the first); `unchecked` claims are left,
/// with why.
pub fn select(
    block: &Block,
    interactive: bool,
    outcome: &Outcome,
    claims: &[CheckedClaim],
    loose: bool,
    selection: &mut Selection,
) {
    for claim in claims {
        let leave = |why: String| Left {
            line: claim.claim_line,
            claimed: claim.claimed.clone(),
            why,
        };
        match claim.verdict {
            Verdict::Pass | Verdict::NotRun => continue,
            Verdict::Unjudged | Verdict::VersionDependent => {
                selection.unjudged += 1;
                continue;
            }
            Verdict::Loose if !loose => {
                selection.loose += 1;
                continue;
            }
            Verdict::Unchecked => {
                selection.left.push(leave(format!(
                    "the statement never ran ({})",
                    claim.reason.as_deref().unwrap_or("unchecked")
                )));
                continue;
            }
            Verdict::Loose | Verdict::Fail => {}
        }
        let Some(actual) = claim.actual.clone() else {
            selection
                .left
                .push(leave("nothing was recorded for it".to_owned()));
            continue;
        };
        if has_address(&actual) {
            selection.left.push(leave(
                "its output holds a memory address, which differs between runs".to_owned(),
            ));
            continue;
        }
        if has_clock(&actual) {
            selection.left.push(leave(
                "its output holds a date or a time of day, which differs between runs".to_owned(),
            ));
            continue;
        }
        let place = if block
            .output
            .as_ref()
            .is_some_and(|o| o.line == claim.claim_line)
        {
            Place::OutputBlock
        } else if interactive {
            Place::Session
        } else {
            Place::Comment
        };
        let raised = outcome
            .executions
            .iter()
            .filter(|e| e.line == claim.line)
            .find_map(|e| e.exception.as_ref())
            .map(|e| {
                if e.message.is_empty() {
                    e.type_name.clone()
                } else {
                    format!("{}: {}", e.type_name, e.message)
                }
            });
        selection.targets.push(Target {
            line: claim.claim_line,
            kind: claim.kind,
            claimed: claim.claimed.clone(),
            actual,
            place,
            raised,
        });
    }
}

/// Whether a text holds a memory address (`0x` and six hex digits or more: `at 0x7f3a2b1c`),
/// which differs between runs.
fn has_address(text: &str) -> bool {
    text.match_indices("0x").any(|(at, _)| {
        text[at + 2..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .count()
            >= 6
    })
}

/// Whether a text holds a date (`2024-01-31`) or a time of day (`23:21:01`), which differ
/// between runs a second apart as much as between days.
fn has_clock(text: &str) -> bool {
    let shape = |pattern: &[u8]| {
        text.as_bytes().windows(pattern.len()).any(|w| {
            w.iter().zip(pattern).all(|(c, p)| match p {
                b'9' => c.is_ascii_digit(),
                p => c == p,
            })
        })
    };
    shape(b"9999-99-99") || shape(b"99:99:99")
}

/// A note rewritten.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rewrite {
    /// The new text: the old one with the rewritten claims' spans replaced, byte for byte
    /// elsewhere.
    pub text: String,
    /// The claims rewritten, in line order.
    pub fixed: Vec<Fixed>,
    /// The claims left, with why.
    pub left: Vec<Left>,
}

/// One line of the note as it is on disk: its content and its line end (`\n`, `\r\n`, `\r`,
/// or empty for a last line without one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Line<'a> {
    content: &'a str,
    end: &'a str,
}

/// Lines `first..first + old` of the note replaced by `lines`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Edit {
    first: usize,
    old: usize,
    lines: Vec<String>,
    fixed: Fixed,
}

/// Rewrites `targets` in `text`, a note's text as on disk (a BOM, any line ends). Every byte
/// outside the rewritten claims stays; a new line takes the line end of the line it replaces
/// (past the old ones: of the last one that had one).
pub fn rewrite(text: &str, targets: &[Target]) -> Rewrite {
    let (bom, body) = match text.strip_prefix('\u{feff}') {
        Some(body) => ("\u{feff}", body),
        None => ("", text),
    };
    let lines = split_lines(body);
    let mut edits: Vec<Edit> = Vec::new();
    let mut left = Vec::new();
    for target in targets {
        let leave = |why: String| Left {
            line: target.line,
            claimed: target.claimed.clone(),
            why,
        };
        let index = usize::try_from(target.line.get() - 1).unwrap_or(usize::MAX);
        if index >= lines.len() {
            left.push(leave("its line is not in the note".to_owned()));
            continue;
        }
        let found = match target.place {
            Place::Comment => style::comment(&lines, index, target),
            Place::OutputBlock => style::output_block(&lines, index, target),
            Place::Session => style::session(&lines, index, target),
        };
        match found {
            Ok(edit) => edits.push(edit),
            Err(why) => left.push(leave(why)),
        }
    }
    edits.sort_by_key(|e| e.first);
    let mut kept: Vec<Edit> = Vec::new();
    for edit in edits {
        match kept.last() {
            Some(last) if edit.first < last.first + last.old => left.push(Left {
                line: edit.fixed.line,
                claimed: edit.fixed.old.clone(),
                why: "its text shares lines with another claim's".to_owned(),
            }),
            _ => kept.push(edit),
        }
    }
    let mut out = String::with_capacity(text.len() + 64);
    out.push_str(bom);
    let mut at = 0;
    for edit in &kept {
        for line in &lines[at..edit.first] {
            out.push_str(line.content);
            out.push_str(line.end);
        }
        let old = &lines[edit.first..edit.first + edit.old];
        let fallback = lines
            .iter()
            .map(|l| l.end)
            .find(|end| !end.is_empty())
            .unwrap_or("\n");
        let count = edit.lines.len();
        for (i, new) in edit.lines.iter().enumerate() {
            let end = if i + 1 == count {
                old[old.len() - 1].end
            } else {
                match old[i.min(old.len() - 1)].end {
                    "" => fallback,
                    end => end,
                }
            };
            out.push_str(new);
            out.push_str(end);
        }
        at = edit.first + edit.old;
    }
    for line in &lines[at..] {
        out.push_str(line.content);
        out.push_str(line.end);
    }
    left.sort_by_key(|l| l.line);
    Rewrite {
        text: out,
        fixed: kept.into_iter().map(|e| e.fixed).collect(),
        left,
    }
}

/// The lines of `text`, each with its own line end (`\r\n`, a lone `\r`, `\n`: the ends the
/// reader takes as one, so line N here is the reader's line N).
fn split_lines(text: &str) -> Vec<Line<'_>> {
    let bytes = text.as_bytes();
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let end = match bytes[i] {
            b'\n' => 1,
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => 2,
            b'\r' => 1,
            _ => {
                i += 1;
                continue;
            }
        };
        lines.push(Line {
            content: &text[start..i],
            end: &text[i..i + end],
        });
        i += end;
        start = i;
    }
    if start < bytes.len() {
        lines.push(Line {
            content: &text[start..],
            end: "",
        });
    }
    lines
}
