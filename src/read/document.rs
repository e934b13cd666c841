//! Reading a notes file and extracting its Python blocks (the `extract` stage).
//!
//! A `Document` is everything later stages need from one notes file (Markdown here,
//! reStructuredText in `rst.rs`, chosen by extension in [`extract`]): its Python blocks with
//! their section and Markdown coordinates, and the problems found while reading it. Reading
//! never fails on bad content: non-UTF-8 bytes, an unterminated fence and the like become
//! `Problem`s or flagged blocks, so one bad file or block never stops the others. Only an
//! unreadable path is an `Err`.

use crate::line::LineNo;
use crate::read::directive::{self, Directives};
use anyhow::{Context, Result};
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::path::{Path, PathBuf};

/// One notes file, read and split into Python blocks.
#[derive(Debug, Clone)]
pub struct Document {
    /// The path as the user gave it (relative paths stay relative), used in every message.
    pub path: PathBuf,
    /// The file stem, the first part of every snippet id.
    pub name: String,
    /// Python blocks in document order.
    pub blocks: Vec<Block>,
    /// Problems that concern the whole file (e.g. it is not UTF-8).
    pub problems: Vec<Problem>,
    /// `snipcheck-namespace: section` (or `snipcheck:` then `namespace: section`) in the
    /// Markdown front matter, with its line.
    pub namespace: Option<(LineNo, crate::config::Namespace)>,
}

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

/// Whether code is an interactive session: its first line that is neither blank nor a `#`
/// comment starts with a `>>>` prompt.
pub fn starts_session(code: &str) -> bool {
    code.lines()
        .map(str::trim_start)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .is_some_and(|line| line.starts_with(">>>"))
}

/// Finds output blocks: a Python block, then a label paragraph, then a non-Python code block.
#[derive(Debug, Default)]
enum OutputScan {
    #[default]
    Idle,
    AfterPython(usize),
    InLabel(usize, LineNo, String),
    /// After a label; `false`: the label names another Python (the block is skipped).
    AfterLabel(usize, LineNo, bool),
    InOutput(usize, LineNo, LineNo, String, bool),
    /// A Python-fenced block under the label: output unless it is a session.
    InPythonOutput(usize, LineNo, LineNo, String, bool),
}

impl OutputScan {
    /// Advances over one event; true when the event closed a code block that is the output of
    /// the Python block before it (so it is not a snippet of its own). After an output block,
    /// another label may follow (`Output (Python 2.x):` then `Output (Python 3.x):`).
    fn step(&mut self, event: &Event<'_>, line: LineNo, blocks: &mut [Block]) -> bool {
        let state = std::mem::take(self);
        let mut consumed = false;
        *self = match (state, event) {
            (OutputScan::AfterPython(i), Event::Start(Tag::Paragraph)) => {
                OutputScan::InLabel(i, line, String::new())
            }
            (OutputScan::InLabel(i, at, mut label), Event::Text(t) | Event::Code(t)) => {
                label.push_str(t);
                OutputScan::InLabel(i, at, label)
            }
            (
                state @ OutputScan::InLabel(..),
                Event::Start(Tag::Strong | Tag::Emphasis)
                | Event::End(TagEnd::Strong | TagEnd::Emphasis),
            ) => state,
            (OutputScan::InLabel(i, at, label), Event::End(TagEnd::Paragraph)) => {
                if is_output_label(&label) {
                    OutputScan::AfterLabel(i, at, !names_python_2(&label))
                } else {
                    OutputScan::Idle
                }
            }
            (OutputScan::AfterLabel(i, at, claims), Event::Start(Tag::CodeBlock(kind))) => {
                match kind {
                    // Output shown in a python fence (for the colours): output unless a
                    // session.
                    CodeBlockKind::Fenced(info) if is_python(info) => {
                        OutputScan::InPythonOutput(i, at, line.plus(1), String::new(), claims)
                    }
                    CodeBlockKind::Fenced(_) => {
                        OutputScan::InOutput(i, at, line.plus(1), String::new(), claims)
                    }
                    CodeBlockKind::Indented => {
                        OutputScan::InOutput(i, at, line, String::new(), claims)
                    }
                }
            }
            (OutputScan::InOutput(i, at, first, mut text, claims), Event::Text(t)) => {
                text.push_str(t);
                OutputScan::InOutput(i, at, first, text, claims)
            }
            (OutputScan::InPythonOutput(i, at, first, mut text, claims), Event::Text(t)) => {
                text.push_str(t);
                OutputScan::InPythonOutput(i, at, first, text, claims)
            }
            (OutputScan::InOutput(i, at, first, text, claims), Event::End(TagEnd::CodeBlock)) => {
                consumed = true;
                attach(blocks, i, at, first, &text, claims);
                OutputScan::AfterPython(i)
            }
            (
                OutputScan::InPythonOutput(i, at, first, text, claims),
                Event::End(TagEnd::CodeBlock),
            ) => {
                if starts_session(&text) {
                    OutputScan::Idle
                } else {
                    consumed = true;
                    attach(blocks, i, at, first, &text, claims);
                    OutputScan::AfterPython(i)
                }
            }
            (state @ (OutputScan::InOutput(..) | OutputScan::InPythonOutput(..)), _) => state,
            _ => OutputScan::Idle,
        };
        consumed
    }
}

/// Makes `text` the output of block `i`, unless the label named another Python or the block
/// already has its output.
fn attach(blocks: &mut [Block], i: usize, at: LineNo, first: LineNo, text: &str, claims: bool) {
    if let Some(block) = blocks.get_mut(i).filter(|b| claims && b.output.is_none()) {
        block.output = Some(OutputBlock {
            label_line: at,
            line: first,
            text: text.replace("\r\n", "\n"),
        });
    }
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

/// Reads and extracts one notes file. `Err` only when the file cannot be read at all.
pub fn read(path: &Path) -> Result<Document> {
    let bytes =
        std::fs::read(path).with_context(|| format!("failed to read {}", path.display()))?;
    Ok(extract(path, &bytes))
}

/// Extracts the Python blocks of a notes file from its bytes: reStructuredText for a `.rst` or
/// `.rest` path (`rst.rs`), Markdown for any other.
pub fn extract(path: &Path, bytes: &[u8]) -> Document {
    let name = path
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| "document".to_owned());
    let mut document = Document {
        path: path.to_path_buf(),
        name,
        blocks: Vec::new(),
        problems: Vec::new(),
        namespace: None,
    };
    let text = match decode(bytes) {
        Ok(text) => text,
        Err(problem) => {
            document.problems.push(problem);
            return document;
        }
    };
    let (blocks, problems) = if is_rst(path) {
        crate::read::rst::blocks(text)
    } else {
        match front_matter_namespace(text) {
            Ok(namespace) => document.namespace = namespace,
            Err(problem) => document.problems.push(problem),
        }
        blocks(text)
    };
    document.blocks = blocks;
    document.problems.extend(problems);
    document
}

/// The `namespace` a Markdown file's YAML front matter sets for snipcheck: a top-level
/// `snipcheck-namespace: VALUE`, or `namespace: VALUE` indented under a top-level `snipcheck:`.
/// Only these keys are read (snipcheck does not parse YAML at large); a bad value is a problem
/// naming its line.
fn front_matter_namespace(
    text: &str,
) -> Result<Option<(LineNo, crate::config::Namespace)>, Problem> {
    let mut lines = text.lines();
    if lines.next().map(str::trim_end) != Some("---") {
        return Ok(None);
    }
    let mut under_snipcheck = false;
    for (index, line) in lines.enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim_end() == "---" || line.trim_end() == "..." {
            break;
        }
        let number = LineNo::new(u32::try_from(index + 2).unwrap_or(u32::MAX));
        let indented = line.starts_with([' ', '\t']);
        if !indented {
            under_snipcheck = line.trim_end() == "snipcheck:";
        }
        let value = if !indented {
            line.strip_prefix("snipcheck-namespace:")
        } else if under_snipcheck {
            line.trim_start().strip_prefix("namespace:")
        } else {
            None
        };
        if let Some(value) = value {
            let value = value.trim().trim_matches(['"', '\'']);
            return match crate::config::Namespace::parse(value) {
                Some(namespace) => Ok(Some((number, namespace))),
                None => Err(Problem {
                    line: number,
                    message: format!(
                        "invalid snipcheck front matter: namespace must be block, section or document, got {value:?}"
                    ),
                }),
            };
        }
    }
    Ok(None)
}

/// Whether a path names a reStructuredText file (`.rst`, `.rest`, any case).
pub fn is_rst(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("rst") || e.eq_ignore_ascii_case("rest"))
}

/// A notes file's bytes as text, a leading BOM dropped (`\r\n` is left to the readers). Bytes
/// that are not UTF-8 are a problem naming the line of the first bad byte.
fn decode(bytes: &[u8]) -> Result<&str, Problem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|err| {
        let valid = bytes.get(..err.valid_up_to()).unwrap_or_default();
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        Problem {
            line: LineNo::new(u32::try_from(line).unwrap_or(u32::MAX)),
            message: format!(
                "file is not valid UTF-8 (invalid byte at offset {})",
                err.valid_up_to()
            ),
        }
    })
}

/// True when a fence info string names Python.
pub fn is_python(info: &str) -> bool {
    let lang = info
        .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    PYTHON_INFO.contains(&lang.as_str())
}

fn blocks(text: &str) -> (Vec<Block>, Vec<Problem>) {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    let mut blocks = Vec::new();
    let mut section: Option<Section> = None;
    let mut heading: Option<(LineNo, String)> = None;
    let mut open: Option<Block> = None;
    let mut problems = Vec::new();
    // Directive comments seen since the last block-level element, waiting for their block.
    let mut pending: Vec<(LineNo, String)> = Vec::new();
    let mut html: Option<(LineNo, String)> = None;
    let mut output = OutputScan::Idle;
    let lines = crate::line::LineIndex::new(text);
    // The last block-level element was a MkDocs admonition's title (`!!! note "…"`): its body,
    // indented by four spaces, is an indented code block to CommonMark.
    let mut admonition = false;
    let mut skip_indented = false;
    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match &event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) if admonition => {
                admonition = false;
                let first = lines.line(range.start);
                let last = lines.line(range.end.saturating_sub(1));
                let (inner, inner_problems) = admonition_body(text, first, last);
                for mut block in inner {
                    if block.section.is_none() {
                        block.section = section.clone();
                    }
                    blocks.push(block);
                }
                problems.extend(inner_problems);
                skip_indented = true;
                continue;
            }
            Event::Start(Tag::Paragraph) => {
                let start = text[range.start..].trim_start();
                admonition = ["!!! ", "??? ", "???+ "]
                    .iter()
                    .any(|p| start.starts_with(p));
            }
            Event::Start(
                Tag::Heading { .. }
                | Tag::CodeBlock(_)
                | Tag::List(_)
                | Tag::BlockQuote(_)
                | Tag::Table(_)
                | Tag::HtmlBlock,
            ) => admonition = false,
            _ => {}
        }
        if skip_indented {
            if matches!(event, Event::End(TagEnd::CodeBlock)) {
                skip_indented = false;
            }
            continue;
        }
        let before = blocks.len();
        let is_output = output.step(&event, lines.line(range.start), &mut blocks);
        match &event {
            Event::Start(Tag::HtmlBlock) => {
                html = Some((lines.line(range.start), String::new()));
            }
            Event::Html(t) => {
                if let Some((_, buf)) = html.as_mut() {
                    buf.push_str(t);
                }
            }
            Event::End(TagEnd::HtmlBlock) => {
                if let Some((line, buf)) = html.take()
                    && directive::is_directive(&buf)
                {
                    pending.push((line, buf));
                }
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) if is_python(info) => {}
            Event::Start(
                Tag::Paragraph
                | Tag::Heading { .. }
                | Tag::CodeBlock(_)
                | Tag::Table(_)
                | Tag::MetadataBlock(_),
            )
            | Event::Rule => dangling(&mut pending, &mut problems),
            _ => {}
        }
        match event {
            Event::Start(Tag::Heading { level, .. }) if level <= HeadingLevel::H6 => {
                heading = Some((lines.line(range.start), String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((line, title)) = heading.take() {
                    section = Some(Section {
                        title: title.trim().to_owned(),
                        line,
                    });
                }
            }
            Event::Text(t) | Event::Code(t) if heading.is_some() => {
                if let Some((_, title)) = heading.as_mut() {
                    title.push_str(&t);
                }
            }
            // A fence with no info string is a Python block when it holds a session (decided
            // at its end, from its code).
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if is_python(&info) || info.trim().is_empty() =>
            {
                let fence_line = lines.line(range.start);
                let directives = if is_python(&info) {
                    take_directives(
                        &mut pending,
                        directive::parse,
                        blocks.is_empty(),
                        &mut problems,
                    )
                } else {
                    None
                };
                open = Some(Block {
                    directives,
                    section: section.clone(),
                    info: info.to_string(),
                    fence_line,
                    first_line: fence_line.plus(1),
                    end_line: fence_line,
                    code: String::new(),
                    unterminated: !is_closed(&text[range.clone()]),
                    output: None,
                    setup: None,
                });
            }
            Event::Text(t) if open.is_some() => {
                if let Some(block) = open.as_mut() {
                    block.code.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(mut block) = open
                    .take()
                    .filter(|b| !is_output && (is_python(&b.info) || starts_session(&b.code)))
                {
                    block.code = block.code.replace("\r\n", "\n");
                    let lines = u32::try_from(block.code.lines().count()).unwrap_or(u32::MAX);
                    block.end_line = block.fence_line.plus(lines);
                    blocks.push(block);
                }
            }
            _ => {}
        }
        if blocks.len() > before && !blocks[before].unterminated {
            output = OutputScan::AfterPython(before);
        }
    }
    dangling(&mut pending, &mut problems);
    (blocks, problems)
}

/// The Python blocks of a MkDocs admonition's body (lines `first..=last` of `text`, indented
/// by up to four spaces), with lines in `text`'s numbering.
fn admonition_body(text: &str, first: LineNo, last: LineNo) -> (Vec<Block>, Vec<Problem>) {
    let skip = usize::try_from(first.get().saturating_sub(1)).unwrap_or(usize::MAX);
    let take = usize::try_from(last.get().saturating_sub(first.get()) + 1).unwrap_or(0);
    let body: String = text
        .split_inclusive('\n')
        .skip(skip)
        .take(take)
        .map(|line| {
            let indent = line.len() - line.trim_start_matches(' ').len();
            &line[indent.min(4)..]
        })
        .collect();
    let shift = first.get().saturating_sub(1);
    let (mut blocks, mut problems) = self::blocks(&body);
    for block in &mut blocks {
        block.fence_line = block.fence_line.plus(shift);
        block.first_line = block.first_line.plus(shift);
        block.end_line = block.end_line.plus(shift);
        if let Some(section) = block.section.as_mut() {
            section.line = section.line.plus(shift);
        }
        if let Some(directives) = block.directives.as_mut() {
            directives.line = directives.line.plus(shift);
        }
        if let Some(output) = block.output.as_mut() {
            output.label_line = output.label_line.plus(shift);
            output.line = output.line.plus(shift);
        }
    }
    for problem in &mut problems {
        problem.line = problem.line.plus(shift);
    }
    (blocks, problems)
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

/// Whether the source of a fenced block (opening fence to end of block) ends with a closing
/// fence of the same character, at least as long as the opening one.
fn is_closed(source: &str) -> bool {
    let strip = |line: &str| {
        line.trim_start_matches([' ', '\t', '>'])
            .trim_end()
            .to_owned()
    };
    let mut lines = source.lines();
    let opening = strip(lines.next().unwrap_or(""));
    let Some(fence_char) = opening.chars().next() else {
        return false;
    };
    let open_len = opening.chars().take_while(|&c| c == fence_char).count();
    let Some(last) = lines.last() else {
        return false;
    };
    let last = strip(last);
    last.len() >= open_len && last.chars().all(|c| c == fence_char)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Document {
        extract(Path::new("notes/t.md"), text.as_bytes())
    }

    #[test]
    fn front_matter_sets_the_namespace() {
        use crate::config::Namespace;
        let flat = doc("---\ntitle: Cheats\nsnipcheck-namespace: section\n---\n# A\n");
        assert_eq!(flat.namespace, Some((LineNo::new(3), Namespace::Section)));
        let nested = doc("---\nsnipcheck:\n  namespace: \"document\"\ntags: [a]\n---\n");
        assert_eq!(
            nested.namespace,
            Some((LineNo::new(3), Namespace::Document))
        );
        // Only under `snipcheck:`, only in the front matter.
        let other = doc("---\nbuild:\n  namespace: document\n---\nsnipcheck-namespace: section\n");
        assert_eq!(other.namespace, None);
        let bad = doc("---\nsnipcheck-namespace: chapter\n---\n");
        assert_eq!(bad.namespace, None);
        assert_eq!(bad.problems.len(), 1);
        assert_eq!(bad.problems[0].line.get(), 2);
        assert!(bad.problems[0].message.contains("chapter"));
    }

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
        assert!(!names_python_2("**Output (Python 3.x):**"));
    }

    #[test]
    fn blocks_inside_mkdocs_admonitions_are_found_with_their_lines() {
        let d = doc(
            "# A\n\n!!! warning \"Careful\"\n    Intro text.\n\n    More text.\n\n    ```python\n    print(1)  # 1\n    ```\n\n```python\nx = 2\n```\n\n    not an admonition: plain indented code\n",
        );
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        let found: Vec<(u32, u32, &str)> = d
            .blocks
            .iter()
            .map(|b| (b.fence_line.get(), b.first_line.get(), b.code.as_str()))
            .collect();
        assert_eq!(found, [(8, 9, "print(1)  # 1\n"), (12, 13, "x = 2\n")]);
        assert_eq!(
            d.blocks[0].section.as_ref().map(|s| s.title.as_str()),
            Some("A")
        );
    }

    #[test]
    fn finds_python_blocks_with_markdown_lines_and_sections() {
        let d = doc(
            "# Title\n\n## 2.1 Vars & `ids`\n\n```python\na = 1\nprint(a)\n```\n\n```js\nx\n```\n\n~~~py\nb = 2\n~~~\n",
        );
        assert_eq!(d.blocks.len(), 2);
        let first = &d.blocks[0];
        assert_eq!(first.first_line.get(), 6);
        assert_eq!(first.end_line.get(), 7);
        assert_eq!(first.code, "a = 1\nprint(a)\n");
        assert_eq!(
            first.section.as_ref().map(|s| s.title.as_str()),
            Some("2.1 Vars & ids")
        );
        assert!(!first.unterminated);
        assert_eq!(d.blocks[1].first_line.get(), 15);
        assert_eq!(d.blocks[1].info, "py");
    }

    #[test]
    fn fences_in_list_items_lose_their_indentation_but_keep_lines() {
        let d = doc("- item\n\n  ```python\n  x = 1\n  print(x)\n  ```\n");
        assert_eq!(d.blocks.len(), 1);
        assert_eq!(d.blocks[0].code, "x = 1\nprint(x)\n");
        assert_eq!(d.blocks[0].first_line.get(), 4);
    }

    #[test]
    fn crlf_and_bom_are_accepted() {
        let d = extract(
            Path::new("t.md"),
            b"\xEF\xBB\xBF# H\r\n\r\n```python\r\nx = 1\r\n```\r\n",
        );
        assert_eq!(d.blocks.len(), 1);
        assert_eq!(d.blocks[0].code, "x = 1\n");
        assert_eq!(d.blocks[0].first_line.get(), 4);
        assert!(!d.blocks[0].unterminated);
    }

    #[test]
    fn unterminated_fence_is_flagged() {
        let d = doc("```python\nprint(1)\n```\n\n```python\nprint(2)\n```\n\n```python\nx = 1\n");
        assert_eq!(d.blocks.len(), 3);
        assert!(!d.blocks[0].unterminated);
        assert!(d.blocks[2].unterminated);
    }

    #[test]
    fn non_utf8_is_a_problem_with_a_line() {
        let d = extract(Path::new("t.md"), b"# ok\n\nbad \xff here\n");
        assert!(d.blocks.is_empty());
        assert_eq!(d.problems.len(), 1);
        assert_eq!(d.problems[0].line.get(), 3);
        assert!(d.problems[0].message.contains("UTF-8"));
    }

    #[test]
    fn directives_attach_to_the_next_python_block() {
        let d = doc(
            "# A\n\n<!-- snipcheck: skip reason=\"gpu\" -->\n```python\nx = 1\n```\n\n<!-- other comment -->\n\n<!-- snipcheck: continue -->\n\n<!-- snipcheck: timeout=3 -->\n```python\ny = 2\n```\n",
        );
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        let first = d.blocks[0].directives.as_ref().expect("directives");
        assert_eq!(first.skip.as_deref(), Some("gpu"));
        assert_eq!(first.line.get(), 3);
        let second = d.blocks[1].directives.as_ref().expect("directives");
        assert!(second.continues);
        assert_eq!(second.timeout, Some(std::time::Duration::from_secs(3)));
        assert_eq!(second.line.get(), 10);
    }

    #[test]
    fn broken_and_dangling_directives_are_problems_with_lines() {
        let d = doc(
            "<!-- snipcheck: continue -->\n```python\nx = 1\n```\n\n<!-- snipcheck: nope -->\n```python\ny = 2\n```\n\n<!-- snipcheck: continue -->\n\ntext\n",
        );
        let problems: Vec<(u32, &str)> = d
            .problems
            .iter()
            .map(|p| (p.line.get(), p.message.as_str()))
            .collect();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert_eq!(problems[0].0, 1);
        assert!(problems[0].1.contains("first Python block"), "{problems:?}");
        assert_eq!(problems[1].0, 6);
        assert!(
            problems[1].1.contains("unknown directive \"nope\""),
            "{problems:?}"
        );
        assert_eq!(problems[2].0, 11);
        assert!(
            problems[2].1.contains("not directly before"),
            "{problems:?}"
        );
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
