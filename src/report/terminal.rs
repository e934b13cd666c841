//! The terminal is not the snippet's: every string from a note or a run that reaches a terminal
//! or a CI log (the human, `inspect`, `run` and GitHub formats, and error messages) has its
//! control characters shown, never obeyed, so that a snippet's output cannot clear the screen,
//! retitle the window, write the clipboard (OSC 52), hide text, move the cursor back over a
//! line, or forge a line of the report.
//!
//! [`visible`] keeps line breaks and tabs (for text the renderers indent line by line);
//! [`visible_line`] also shows line breaks, for text printed inside one line, so a message
//! cannot start a line of its own (`ValueError("x\nresult: ok")`). [`visible_report`] applies
//! both to every string of a report from a note or a run.

use super::{AppliedSettings, GeneratedReport, Report, SnapshotReport, SnippetReport};
use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` would be obeyed by a terminal rather than shown: C0 controls (ESC, BEL, CR,
/// NUL, BS, ...), DEL, C1 controls (CSI, OSC, ... as single code points), and the Unicode
/// formatting characters that reorder or hide text (bidirectional overrides and isolates, the
/// zero-width and invisible ones).
fn obeyed(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}'
        )
}

fn escape<'a>(text: &'a str, keep: &[char]) -> Cow<'a, str> {
    if !text.chars().any(|c| obeyed(c) && !keep.contains(&c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !obeyed(c) || keep.contains(&c) {
            out.push(c);
            continue;
        }
        let _ = match c {
            '\n' => write!(out, "\\n"),
            '\r' => write!(out, "\\r"),
            '\t' => write!(out, "\\t"),
            c if u32::from(c) < 0x100 => write!(out, "\\x{:02x}", u32::from(c)),
            c => write!(out, "\\u{{{:x}}}", u32::from(c)),
        };
    }
    Cow::Owned(out)
}

/// `text` with every control character shown as an escape (`\x1b`, `\r`, `\x07`,
/// `\u{202e}`), except line breaks and tabs.
pub fn visible(text: &str) -> Cow<'_, str> {
    escape(text, &['\n', '\t'])
}

/// Text for a terminal with colours of snipcheck's own (`inspect`): what is written holds
/// strings from notes and runs, made [`visible`] by [`Painted::render`]; only the ranges
/// written with [`Painted::paint`] are coloured there, so no colour comes from a snippet.
#[derive(Debug, Clone, Default)]
pub struct Painted {
    text: String,
    spans: Vec<(std::ops::Range<usize>, &'static str)>,
}

impl Painted {
    /// Appends `text`.
    pub fn push_str(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// Appends `c`.
    pub fn push(&mut self, c: char) {
        self.text.push(c);
    }

    /// Appends `text` in `color` (an SGR parameter such as `31`).
    pub fn paint(&mut self, text: &str, color: &'static str) {
        let start = self.text.len();
        self.text.push_str(text);
        self.spans.push((start..self.text.len(), color));
    }

    /// The text made [`visible`], the painted ranges coloured when `colors`.
    pub fn render(&self, colors: bool) -> String {
        let mut out = String::with_capacity(self.text.len());
        let mut at = 0;
        for (range, color) in &self.spans {
            out.push_str(&visible(&self.text[at..range.start]));
            let shown = visible(&self.text[range.clone()]);
            if colors {
                let _ = write!(out, "\x1b[{color}m{shown}\x1b[0m");
            } else {
                out.push_str(&shown);
            }
            at = range.end;
        }
        out.push_str(&visible(&self.text[at..]));
        out
    }
}

impl From<String> for Painted {
    fn from(text: String) -> Painted {
        Painted {
            text,
            spans: Vec::new(),
        }
    }
}

impl std::fmt::Write for Painted {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.text.push_str(text);
        Ok(())
    }
}

/// `text` as one line: [`visible`], and line breaks shown as `\n` too.
pub fn visible_line(text: &str) -> Cow<'_, str> {
    escape(text, &['\t'])
}

fn line(text: &mut String) {
    if let Cow::Owned(shown) = visible_line(text) {
        *text = shown;
    }
}

fn block(text: &mut String) {
    if let Cow::Owned(shown) = visible(text) {
        *text = shown;
    }
}

fn line_opt(text: &mut Option<String>) {
    if let Some(text) = text {
        line(text);
    }
}

fn block_opt(text: &mut Option<String>) {
    if let Some(text) = text {
        block(text);
    }
}

/// The report with every string from a note or a run made [`visible`] (text the renderers
/// print line by line: outputs, claims, tracebacks, diffs) or [`visible_line`] (everything
/// printed inside one line: paths, ids, sections, messages, reasons, statements, settings).
pub fn visible_report(report: &Report) -> Report {
    let mut report = report.clone();
    line(&mut report.python);
    for layer in &mut report.sandbox {
        line(&mut layer.name);
        line(&mut layer.detail);
    }
    for document in &mut report.documents {
        line(&mut document.path);
        for problem in &mut document.problems {
            line(&mut problem.message);
        }
    }
    for snippet in &mut report.snippets {
        visible_snippet(snippet);
    }
    if let Some(generated) = &mut report.generated {
        visible_generated(generated);
    }
    report
}

fn visible_snippet(snippet: &mut SnippetReport) {
    line(&mut snippet.id);
    line(&mut snippet.path);
    line_opt(&mut snippet.section);
    if let Some(error) = &mut snippet.error {
        line(&mut error.type_name);
        line(&mut error.message);
        block(&mut error.traceback);
        line_opt(&mut error.blocked);
    }
    line_opt(&mut snippet.missing_expected_error);
    line_opt(&mut snippet.skipped);
    if let Some(settings) = &mut snippet.settings {
        visible_settings(settings);
    }
    for claim in &mut snippet.claims {
        block(&mut claim.claimed);
        block_opt(&mut claim.actual);
        line_opt(&mut claim.normalization);
        line_opt(&mut claim.reason);
        block(&mut claim.source);
    }
    block(&mut snippet.stray_output);
    if let Some(snapshot) = &mut snippet.snapshot {
        visible_snapshot(snapshot);
    }
}

fn visible_settings(settings: &mut AppliedSettings) {
    for file in &mut settings.files {
        line(file);
    }
    block_opt(&mut settings.prelude);
    if let Some(expect) = &mut settings.expect_error {
        line(&mut expect.type_name);
        line(&mut expect.reason);
    }
    line_opt(&mut settings.skip);
}

fn visible_snapshot(snapshot: &mut SnapshotReport) {
    line(&mut snapshot.path);
    line_opt(&mut snapshot.pending);
    block_opt(&mut snapshot.diff);
    line_opt(&mut snapshot.message);
}

fn visible_generated(generated: &mut GeneratedReport) {
    for file in &mut generated.snippet_files {
        line(&mut file.path);
    }
    for path in &mut generated.orphaned_snapshots {
        line(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sequence_a_terminal_would_obey_is_shown_instead() {
        let cases = [
            ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),       // clear the screen
            ("\x1b]0;owned\x07", "\\x1b]0;owned\\x07"), // retitle the window
            ("\x1b]52;c;aGk=\x07", "\\x1b]52;c;aGk=\\x07"), // write the clipboard
            ("\x1b[8mhidden\x1b[0m", "\\x1b[8mhidden\\x1b[0m"), // conceal
            ("FAIL\rok  ", "FAIL\\rok  "),              // overwrite the line
            ("ab\x08\x08ok", "ab\\x08\\x08ok"),         // backspace over it
            ("a\0b\x7fc", "a\\x00b\\x7fc"),             // NUL, DEL
            ("\u{9b}31m", "\\x9b31m"),                  // C1 CSI
            ("\u{202e}kcatta", "\\u{202e}kcatta"),      // right-to-left override
            ("a\u{200b}b", "a\\u{200b}b"),              // zero-width space
        ];
        for (raw, shown) in cases {
            assert_eq!(visible(raw), shown, "{raw:?}");
            assert!(!visible(raw).chars().any(obeyed), "{raw:?}");
        }
        assert_eq!(visible("two\nlines\tand a tab"), "two\nlines\tand a tab");
        assert_eq!(visible_line("x\nresult: ok"), "x\\nresult: ok");
        assert!(matches!(visible("plain é ✓"), Cow::Borrowed(_)));
    }
}
