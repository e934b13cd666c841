//! What both readers make of a notes file (`markdown.rs` for Markdown, `rst.rs` for
//! reStructuredText): Python [`Block`]s with their sections, output blocks and directives,
//! [`Problem`]s, and the rules they share (which info strings are Python, which paragraphs
//! label an output block, how waiting directives attach to a block or dangle).

use crate::line::LineNo;
use crate::read::directive::Directives;
use std::ops::Range;

/// A fenced Python code block (in reStructuredText: a Python `code-block`, `doctest`,
/// `testcode`, doctest block or `>>>` literal block).
#[derive(Debug, Clone)]
pub struct Block {
    /// The nearest heading above the block, or `None` before the first heading.
    pub section: Option<Section>,
    /// The fence's info string, as written (reStructuredText: the language, `pycon` for sessions).
    pub info: String,
    /// The line of the opening fence.
    pub fence_line: LineNo,
    /// The first line of code (the line after the opening fence).
    pub first_line: LineNo,
    /// The last line of code (equal to `fence_line` for an empty block).
    pub end_line: LineNo,
    /// The block's bytes in its document's `text` (`crate::read::Document::text`). Markdown:
    /// from the first character of the opening fence to the end of the closing fence's line,
    /// its line end excluded (unterminated: to the end of the fence's container), which is
    /// pulldown-cmark's range of the code block (in a MkDocs admonition, mapped back through
    /// the body's indentation). reStructuredText: from the first non-blank character of
    /// `fence_line` (the directive, the first `>>>` line, the line ending in `::` before a
    /// literal block) to the end of `end_line`, its line end excluded.
    pub span: Range<usize>,
    /// The code, with the container's indentation removed and `\n` line ends.
    pub code: String,
    /// The fence has no closing fence: the block runs to the end of its container.
    pub unterminated: bool,
    /// The `<!-- snipcheck: ... -->` directives directly before the block.
    pub directives: Option<Directives>,
    /// A code block right after this one, under a label paragraph such as `Output:` or
    /// `**Answer:**`: what the whole block prints (or the traceback it ends with).
    pub output: Option<OutputBlock>,
    /// Code the document says runs before the block (Sphinx's `.. testsetup::` for `doctest`
    /// and `testcode` blocks): run first, like a config prelude, and shown as one.
    pub setup: Option<String>,
    /// A session under an output label that names Pythons (`**Output (Python 2.x):**`, `(<=
    /// 3.7.x)`): the range (`<3.0` for Python 2, else [`python_range`]'s) and the label's line.
    /// It runs only on a Python in that range.
    pub python: Option<(String, LineNo)>,
}

/// The expected output of a Python block, written as a block of its own below a label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputBlock {
    /// The line of the label paragraph.
    pub label_line: LineNo,
    /// The first line of the output block's content.
    pub line: LineNo,
    /// The content, `\n` line ends.
    pub text: String,
    /// The Pythons its label says it is the output of (`<=3.7` for `Output (<= 3.7.x):`,
    /// `>=3.12` for `in Python 3.12+`), when it names a range: compared only on a matching one.
    pub python: Option<String>,
}

/// The labels (case ignored, `*`/`_` emphasis and a final `:` removed) that make the code
/// block after them the output of the Python block before them.
pub const OUTPUT_LABELS: &[&str] = &[
    "output",
    "outputs",
    "expected output",
    "answer",
    "result",
    "prints",
    "it prints",
];

/// Whether a paragraph's text is an output label.
/// A qualifier in parentheses (`Output (Python 3.x):`, `**Output:** (Python 2)`) is allowed,
/// and so is a sentence ending in "the following output:".
pub fn is_output_label(text: &str) -> bool {
    let cleaned: String = text
        .chars()
        .filter(|c| *c != '*' && *c != '_')
        .collect::<String>()
        .to_lowercase();
    let mut label = cleaned.trim().trim_end_matches(':').trim();
    if label.ends_with(')')
        && let Some(open) = label.rfind('(')
    {
        label = label[..open].trim().trim_end_matches(':').trim();
    }
    // A sentence that announces it: "This produces the following output:".
    OUTPUT_LABELS.contains(&label) || label.ends_with("the following output")
}

/// Whether an output label says its output is another Python's (`Output (Python 2.x):`): the
/// block is still output, not a snippet, but it claims nothing about this Python 3.
pub fn names_python_2(label: &str) -> bool {
    let label = label.to_lowercase();
    ["python 2", "python2", "py2", "python 2.", "(2.x)"]
        .iter()
        .any(|needle| label.contains(needle))
}

/// The range of Pythons an output label names, normalized (`<=3.7`, `>3.8`, `>=3.12`): an
/// operator before a version (`(<= 3.7.x)`, `(> 3.8)`) or a version followed by `+`
/// (`Python 3.12+`). A bare `Python 3.x` names no range.
pub fn python_range(label: &str) -> Option<String> {
    let label = label.to_lowercase();
    let version = |text: &str| -> Option<(String, usize)> {
        let digits: String = text
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let mut parts = digits.split('.').filter(|p| !p.is_empty());
        let major = parts.next()?;
        let minor = parts.next()?;
        Some((format!("{major}.{minor}"), digits.len()))
    };
    for op in ["<=", ">=", "==", "<", ">"] {
        if let Some(at) = label.find(op) {
            let rest = label[at + op.len()..].trim_start();
            let rest = rest.strip_prefix("python").map_or(rest, str::trim_start);
            if let Some((v, _)) = version(rest) {
                return Some(format!("{op}{v}"));
            }
        }
    }
    label.char_indices().find_map(|(at, c)| {
        let starts = c.is_ascii_digit()
            && label[..at]
                .chars()
                .last()
                .is_none_or(|p| !p.is_ascii_digit() && p != '.');
        if !starts {
            return None;
        }
        let (v, len) = version(&label[at..])?;
        label[at + len..].starts_with('+').then(|| format!(">={v}"))
    })
}

/// Whether a Python (`3.11.2`) is in a range `python_range` returned.
pub fn python_in_range(version: &str, range: &str) -> bool {
    let parse = |v: &str| -> Option<(u32, u32)> {
        let mut parts = v.split('.');
        Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
    };
    let op_len = range.find(|c: char| c.is_ascii_digit()).unwrap_or(0);
    let (op, bound) = range.split_at(op_len);
    let (Some(have), Some(bound)) = (parse(version), parse(bound)) else {
        return true;
    };
    match op {
        "<=" => have <= bound,
        ">=" => have >= bound,
        "<" => have < bound,
        ">" => have > bound,
        _ => have == bound,
    }
}

/// Whether code is an interactive session: its first line that is neither blank nor a `#`
/// comment starts with a `>>>` prompt.
pub fn starts_session(code: &str) -> bool {
    code.lines()
        .map(str::trim_start)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .is_some_and(|line| line.starts_with(">>>"))
}

/// An `# Output:` comment run that ends a block, set off from its code by a blank line (`for
/// ...:` / blank / `# Output:` / `# 0` / `# 1`): the output of the whole block, as an output
/// block under a label would be. (Right below a statement, the run is that statement's claim;
/// followed by more code, it is prose.) Not for sessions.
pub fn trailing_output_comments(block: &Block) -> Option<OutputBlock> {
    if starts_session(&block.code) {
        return None;
    }
    let lines: Vec<&str> = block.code.lines().collect();
    let end = lines.iter().rposition(|l| !l.trim().is_empty())?;
    if !lines[end].trim_start().starts_with('#') {
        return None;
    }
    let mut start = end;
    while start > 0 && lines[start - 1].trim_start().starts_with('#') {
        start -= 1;
    }
    let label = lines[start].trim_start().trim_start_matches('#').trim();
    let labelled = label
        .get(..7)
        .filter(|head| head.eq_ignore_ascii_case("output:"))
        .map(|_| label[7..].trim());
    let blank_before = start > 0 && lines[start - 1].trim().is_empty();
    let code_before = lines[..start].iter().any(|l| {
        let l = l.trim();
        !l.is_empty() && !l.starts_with('#')
    });
    if labelled.is_none() || !blank_before || !code_before {
        return None;
    }
    let strip = |l: &str| {
        let l = l.trim_start().trim_start_matches('#');
        l.strip_prefix(' ').unwrap_or(l).to_owned()
    };
    let mut text: Vec<String> = lines[start + 1..=end].iter().map(|l| strip(l)).collect();
    // `# Output: 5` on one line.
    let inline = labelled.filter(|rest| !rest.is_empty());
    let first = if let Some(rest) = inline {
        text.insert(0, rest.to_owned());
        start
    } else {
        start + 1
    };
    if text.iter().all(|l| l.trim().is_empty()) {
        return None;
    }
    let line = |k: usize| block.first_line.plus(u32::try_from(k).unwrap_or(u32::MAX));
    Some(OutputBlock {
        label_line: line(start),
        line: line(first),
        text: text.join("\n") + "\n",
        python: None,
    })
}

/// A Markdown heading (a reStructuredText section title).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The heading's text, inline markup removed.
    pub title: String,
    /// The heading's line.
    pub line: LineNo,
}

/// A problem with a notes file as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where it is.
    pub line: LineNo,
    /// What is wrong, as a lowercase fragment.
    pub message: String,
}

/// The info strings whose blocks are Python.
pub const PYTHON_INFO: &[&str] = &["python", "py", "python3", "pycon"];

/// True when a fence info string names Python: its language is the text before the first
/// white space, `,`, `{` or `:` (`python title="x.py"`, `python:path/to/file.py`, `py{1}`).
pub fn is_python(info: &str) -> bool {
    let lang = info
        .split(|c: char| c.is_whitespace() || c == ',' || c == '{' || c == ':')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    PYTHON_INFO.contains(&lang.as_str())
}

/// Parses the directive comments waiting for the Python block that starts now (`parse` reads
/// one comment as its reader keeps it). Bad directives are problems; `continue` on the file's
/// first block is a problem and dropped.
pub(crate) fn take_directives(
    pending: &mut Vec<(LineNo, String)>,
    parse: fn(&str, LineNo, &mut Directives) -> Result<(), String>,
    first_block: bool,
    problems: &mut Vec<Problem>,
) -> Option<Directives> {
    let mut directives = None;
    for (line, comment) in pending.drain(..) {
        let parsed = directives.get_or_insert_with(|| Directives {
            line,
            ..Directives::default()
        });
        if let Err(message) = parse(&comment, line, parsed) {
            problems.push(Problem {
                line,
                message: format!("invalid snipcheck directive: {message}"),
            });
        }
    }
    if let Some(d) = directives.as_mut().filter(|d| d.continues && first_block) {
        problems.push(Problem {
            line: d.line,
            message: "`continue` on the first Python block of the file: there is no block before it to continue".to_owned(),
        });
        d.continues = false;
    }
    directives
}

/// Directive comments followed by something other than a Python block.
pub(crate) fn dangling(pending: &mut Vec<(LineNo, String)>, problems: &mut Vec<Problem>) {
    for (line, _) in pending.drain(..) {
        problems.push(Problem {
            line,
            message: "this snipcheck directive is not directly before a Python code block"
                .to_owned(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_labels() {
        for label in [
            "Output:",
            "**Output:**",
            "*Expected output*:",
            "**Answer:**",
            "**Output (Python 3.x):**",
            "**Output:** (on Python 3.8)",
            "This produces the following output:",
            "produces the following output (note that the initial newline is not included):",
        ] {
            assert!(is_output_label(label), "{label}");
        }
        for prose in [
            "The output of this loop depends on the order:",
            "Output is written to a file.",
            "Run it and check the output",
        ] {
            assert!(!is_output_label(prose), "{prose}");
        }
        assert!(names_python_2("**Output (Python 2.x):**"));
        assert_eq!(
            python_range("**Output (<= 3.7.x):**").as_deref(),
            Some("<=3.7")
        );
        assert_eq!(python_range("Output (> 3.8):").as_deref(), Some(">3.8"));
        assert_eq!(
            python_range("Output in Python 3.12+:").as_deref(),
            Some(">=3.12")
        );
        assert_eq!(python_range("Output (Python 3.x):"), None);
        assert_eq!(python_range("Output:"), None);
        assert!(python_in_range("3.11.2", ">=3.8"));
        assert!(!python_in_range("3.11.2", "<=3.7"));
        assert!(!python_in_range("3.11.2", ">=3.12"));
        assert!(python_in_range("3.11.2", "==3.11"));
        assert!(!names_python_2("**Output (Python 3.x):**"));
    }

    #[test]
    fn python_info_strings() {
        for info in [
            "python",
            "py",
            "Python3",
            "pycon",
            "python title=\"x\"",
            "py,ignore",
        ] {
            assert!(is_python(info), "{info}");
        }
        for info in ["", "js", "pythonic", "text"] {
            assert!(!is_python(info), "{info}");
        }
    }
}
