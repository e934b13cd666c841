//! One reStructuredText document as HTML. There is no reST renderer here: the source is shown
//! as escaped preformatted paragraphs (split at blank lines), and the lines of every Python
//! block the report has a snippet for are replaced by the same annotated markup as a Markdown
//! block (`markdown::block`: a line element per code line, markers on claim lines, details).

use super::{Expanded, escape, markdown};
use crate::report::SnippetReport;
use std::fmt::Write;

/// Renders document `d` (its reST `text`, `\n` line ends) with its snippets annotated.
pub(super) fn document(
    out: &mut String,
    d: usize,
    text: &str,
    snippets: &[(usize, &SnippetReport)],
    expanded: &Expanded,
    strict: bool,
) {
    let lines: Vec<&str> = text.lines().collect();
    let mut ordered: Vec<(usize, &SnippetReport)> = snippets.to_vec();
    ordered.sort_by_key(|(_, snippet)| snippet.start_line);
    let mut next = 0;
    for (s, snippet) in ordered {
        let start = usize::try_from(snippet.start_line.get()).unwrap_or(usize::MAX) - 1;
        let end = usize::try_from(snippet.end_line.get()).unwrap_or(usize::MAX);
        // A snippet whose lines are not in this text (the file changed since the run, or an
        // overlap) leaves the lines as text.
        let Some(code) = lines.get(start..end).filter(|_| start >= next) else {
            continue;
        };
        prose(out, lines.get(next..start).unwrap_or_default(), next + 1);
        markdown::block(out, d, s, snippet, &dedent(code), expanded, strict);
        next = end;
    }
    prose(out, lines.get(next..).unwrap_or_default(), next + 1);
}

/// Text lines as preformatted paragraphs; `first` is the line number of `lines[0]`.
fn prose(out: &mut String, lines: &[&str], first: usize) {
    let mut paragraph: Option<usize> = None;
    for (i, line) in lines.iter().enumerate() {
        let blank = line.trim().is_empty();
        match (paragraph, blank) {
            (None, false) => {
                paragraph = Some(i);
                let _ = write!(
                    out,
                    "<pre class=\"rst-text\" data-line=\"{}\">{}",
                    first + i,
                    escape(line)
                );
            }
            (Some(_), false) => {
                let _ = write!(out, "\n{}", escape(line));
            }
            (Some(_), true) => {
                out.push_str("</pre>\n");
                paragraph = None;
            }
            (None, true) => {}
        }
    }
    if paragraph.is_some() {
        out.push_str("</pre>\n");
    }
}

/// A block's source lines without their common indentation (tabs expanded as the reader does).
fn dedent(lines: &[&str]) -> String {
    let expanded: Vec<String> = lines
        .iter()
        .map(|l| crate::read::rst::expand_tabs(l))
        .collect();
    let indent = expanded
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    let mut code = String::new();
    for line in &expanded {
        code.push_str(line.get(indent..).unwrap_or(""));
        code.push('\n');
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_is_escaped_and_split_at_blank_lines() {
        let mut out = String::new();
        prose(
            &mut out,
            &["Title <b>", "=====", "", "", "a & b", "  </pre><script>"],
            3,
        );
        assert_eq!(
            out,
            "<pre class=\"rst-text\" data-line=\"3\">Title &lt;b&gt;\n=====</pre>\n\
             <pre class=\"rst-text\" data-line=\"7\">a &amp; b\n  &lt;/pre&gt;&lt;script&gt;</pre>\n"
        );
    }

    #[test]
    fn block_lines_lose_their_common_indentation() {
        assert_eq!(
            dedent(&["   def f():", "", "       return 1"]),
            "def f():\n\n    return 1\n"
        );
        assert_eq!(dedent(&["\tx = 1"]), "x = 1\n");
    }
}
