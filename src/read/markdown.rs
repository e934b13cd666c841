//! Markdown notes → Python [`Block`]s: pulldown-cmark's events over the text (with the
//! options of [`parser`], which the HTML report parses with too), fenced Python blocks and
//! fences holding a `>>>` session, their sections, the `<!-- snipcheck: … -->` directives
//! before them, output blocks under a label paragraph, the blocks inside a MkDocs
//! admonition (an indented code block to CommonMark), read again from its body, and MyST's
//! directive fences (`myst`).

use crate::line::LineNo;
use crate::read::block::{
    Block, OutputBlock, Problem, Section, dangling, is_output_label, is_python, names_python_2,
    python_range, starts_session, take_directives,
};
use crate::read::directive;
use crate::read::myst::{self, Fence};
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// The parser of a Markdown text, with the extensions snipcheck reads notes with (tables,
/// footnotes, strikethrough, task lists, YAML front matter): the HTML report parses with it
/// too, so its code blocks are the reader's, at the same byte ranges.
pub(crate) fn parser(text: &str) -> Parser<'_> {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    Parser::new_ext(text, options)
}

/// How deep MkDocs admonitions are read inside each other; a deeper body is a problem, not a
/// deeper recursion (no notes nest anywhere near this, and the stack stays bounded).
const MAX_DEPTH: usize = 100;

/// The Python blocks and the problems of a Markdown file's text (as [`crate::read::Document`]
/// keeps it); every block's `span` indexes `text`.
pub(crate) fn blocks(text: &str) -> (Vec<Block>, Vec<Problem>) {
    blocks_at(text, 0)
}

/// [`blocks`] of a text `depth` admonitions deep.
fn blocks_at(text: &str, depth: usize) -> (Vec<Block>, Vec<Problem>) {
    let mut blocks = Vec::new();
    let mut section: Option<Section> = None;
    let mut heading: Option<(LineNo, String)> = None;
    let mut open: Option<Block> = None;
    let mut problems = Vec::new();
    // Directive comments seen since the last block-level element, waiting for their block.
    let mut pending: Vec<(LineNo, String)> = Vec::new();
    let mut html: Option<(LineNo, String)> = None;
    let mut output = OutputScan::Idle;
    // The paragraph being read (its line and text), and the Pythons the last one named when it
    // was an output label (`**Output (Python 2.x):**`): the session right under it is theirs.
    let mut paragraph: Option<(LineNo, String)> = None;
    let mut version_label: Option<(String, LineNo)> = None;
    let lines = crate::line::LineIndex::new(text);
    // The last block-level element was a MkDocs admonition's title (`!!! note "…"`): its body,
    // indented by four spaces, is an indented code block to CommonMark.
    let mut admonition = false;
    let mut skip_indented = false;
    // MyST: the open block's directive, a `{testoutput}`/`{testsetup}` being read (its fence
    // line and text), the `{testcode}` block of this section still without output, the blocks
    // `{testsetup}` code runs before, and that code.
    let mut open_myst: Option<Fence> = None;
    let mut capture: Option<(Fence, LineNo, String)> = None;
    let mut testcode: Option<usize> = None;
    let mut tested: Vec<usize> = Vec::new();
    let mut setups: Vec<String> = Vec::new();
    for (event, range) in parser(text).into_offset_iter() {
        match &event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) if admonition => {
                admonition = false;
                let first = lines.line(range.start);
                let last = lines.line(range.end.saturating_sub(1));
                let (inner, inner_problems) = if depth < MAX_DEPTH {
                    admonition_body(text, first, last, depth + 1)
                } else {
                    let message = format!(
                        "admonitions nested more than {MAX_DEPTH} levels deep: this part of the file is not read"
                    );
                    (
                        Vec::new(),
                        vec![Problem {
                            line: first,
                            message,
                        }],
                    )
                };
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
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if is_python(info)
                    || matches!(
                        myst::fence(info),
                        Some(Fence::Python { .. } | Fence::TestCode)
                    ) => {}
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
        match &event {
            Event::Start(Tag::Paragraph) => {
                paragraph = Some((lines.line(range.start), String::new()));
                version_label = None;
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, text)) = paragraph.as_mut() {
                    text.push_str(t);
                }
            }
            Event::End(TagEnd::Paragraph) => {
                version_label = paragraph.take().and_then(|(line, label)| {
                    let range = if !is_output_label(&label) {
                        None
                    } else if names_python_2(&label) {
                        Some("<3.0".to_owned())
                    } else {
                        python_range(&label)
                    };
                    range.map(|range| (range, line))
                });
            }
            Event::Start(Tag::CodeBlock(_)) => {}
            Event::Start(_) | Event::Rule => version_label = None,
            _ => {}
        }
        match event {
            Event::Start(Tag::Heading { level, .. }) if level <= HeadingLevel::H6 => {
                heading = Some((lines.line(range.start), String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                testcode = None;
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
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let fence_line = lines.line(range.start);
                let directive = myst::fence(&info);
                let info = match &directive {
                    Some(Fence::Python { info, .. }) => info.clone(),
                    Some(Fence::TestCode) => "python".to_owned(),
                    Some(other) => {
                        capture = Some((other.clone(), fence_line, String::new()));
                        continue;
                    }
                    None if is_python(&info) || info.trim().is_empty() => info.to_string(),
                    None => continue,
                };
                open_myst = directive;
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
                    info,
                    fence_line,
                    first_line: fence_line.plus(1),
                    end_line: fence_line,
                    span: range.clone(),
                    code: String::new(),
                    unterminated: !is_closed(&text[range.clone()]),
                    output: None,
                    setup: None,
                    python: None,
                });
            }
            Event::Text(t) if open.is_some() => {
                if let Some(block) = open.as_mut() {
                    block.code.push_str(&t);
                }
            }
            Event::Text(t) if capture.is_some() => {
                if let Some((_, _, text)) = capture.as_mut() {
                    text.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((directive, fence_line, text)) = capture.take() {
                    let text = text.replace("\r\n", "\n");
                    let options = myst::option_lines(&text);
                    let content = myst::without_lines(&text, options);
                    if directive == Fence::TestSetup {
                        setups.push(content.to_owned());
                    } else {
                        let blank = content.lines().take_while(|l| l.trim().is_empty()).count();
                        let output = OutputBlock {
                            label_line: fence_line,
                            line: fence_line.plus(count(options + blank) + 1),
                            text: myst::without_lines(content, blank).to_owned(),
                            python: None,
                        };
                        test_output(&mut blocks, testcode.take(), output, &mut problems);
                    }
                }
                let directive = open_myst.take();
                if let Some(mut block) = open
                    .take()
                    .filter(|b| !is_output && (is_python(&b.info) || starts_session(&b.code)))
                {
                    block.code = block.code.replace("\r\n", "\n");
                    let options = if directive.is_some() {
                        myst::option_lines(&block.code)
                    } else {
                        0
                    };
                    if options > 0 {
                        block.code = myst::without_lines(&block.code, options).to_owned();
                        block.first_line = block.first_line.plus(count(options));
                    }
                    let lines = count(block.code.lines().count());
                    block.end_line = if lines == 0 {
                        block.fence_line
                    } else {
                        block.first_line.plus(lines - 1)
                    };
                    if starts_session(&block.code) {
                        block.python = version_label.take();
                    }
                    match directive {
                        Some(Fence::TestCode) => {
                            testcode = Some(blocks.len());
                            tested.push(blocks.len());
                        }
                        Some(Fence::Python { tested: true, .. }) => tested.push(blocks.len()),
                        _ => {}
                    }
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
    // As Sphinx's doctest extension runs a group's setup code before its tests (groups are
    // not told apart, as in `rst.rs`).
    if !setups.is_empty() {
        let setup = setups.join("\n");
        for &i in &tested {
            if let Some(block) = blocks.get_mut(i) {
                block.setup = Some(setup.clone());
            }
        }
    }
    (blocks, problems)
}

/// A number of lines as a line offset.
fn count(lines: usize) -> u32 {
    u32::try_from(lines).unwrap_or(u32::MAX)
}

/// Makes a `{testoutput}` the output of the section's `{testcode}` block (`testcode`), or says
/// why it cannot be, as `rst.rs` does for `.. testoutput::`.
fn test_output(
    blocks: &mut [Block],
    testcode: Option<usize>,
    output: OutputBlock,
    problems: &mut Vec<Problem>,
) {
    let line = output.label_line;
    match testcode.and_then(|i| blocks.get_mut(i)) {
        None => problems.push(Problem {
            line,
            message: "`{testoutput}` without a `{testcode}` before it in its section".to_owned(),
        }),
        Some(block) if block.output.is_some() => problems.push(Problem {
            line,
            message: format!(
                "`{{testoutput}}` for the `{{testcode}}` on line {}, which already has an output block",
                block.fence_line
            ),
        }),
        Some(block) => block.output = Some(output),
    }
}

/// The `namespace` a Markdown file's YAML front matter sets for snipcheck: a top-level
/// `snipcheck-namespace: VALUE`, or `namespace: VALUE` indented under a top-level `snipcheck:`.
/// Only these keys are read (snipcheck does not parse YAML at large); a bad value is a problem
/// naming its line.
pub(crate) fn front_matter_namespace(
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
                        "invalid snipcheck front matter: namespace must be auto, block, section or document, got {value:?}"
                    ),
                }),
            };
        }
    }
    Ok(None)
}

/// The Python blocks of a MkDocs admonition's body (lines `first..=last` of `text`, indented
/// by up to four spaces), with lines and spans in `text`'s numbering.
fn admonition_body(
    text: &str,
    first: LineNo,
    last: LineNo,
    depth: usize,
) -> (Vec<Block>, Vec<Problem>) {
    let skip = usize::try_from(first.get().saturating_sub(1)).unwrap_or(usize::MAX);
    let take = usize::try_from(last.get().saturating_sub(first.get()) + 1).unwrap_or(0);
    let mut body = String::new();
    // Where each body line starts, in `body` and in `text` (its indentation dropped).
    let mut starts: Vec<(usize, usize)> = Vec::new();
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i >= skip && i - skip < take {
            let indent = (line.len() - line.trim_start_matches(' ').len()).min(4);
            starts.push((body.len(), offset + indent));
            body.push_str(&line[indent..]);
        }
        offset += line.len();
    }
    let in_text = |at: usize| {
        let line = starts.partition_point(|&(start, _)| start <= at);
        starts
            .get(line.saturating_sub(1))
            .map_or(at, |&(start, origin)| origin + (at - start))
    };
    let shift = first.get().saturating_sub(1);
    let (mut blocks, mut problems) = blocks_at(&body, depth);
    for block in &mut blocks {
        block.fence_line = block.fence_line.plus(shift);
        block.first_line = block.first_line.plus(shift);
        block.end_line = block.end_line.plus(shift);
        block.span = if block.span.is_empty() {
            in_text(block.span.start)..in_text(block.span.start)
        } else {
            in_text(block.span.start)..in_text(block.span.end - 1) + 1
        };
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

/// Finds output blocks: a Python block, then a label paragraph, then a non-Python code block.
#[derive(Debug, Default)]
enum OutputScan {
    #[default]
    Idle,
    AfterPython(usize),
    /// A label paragraph (or heading: `#### Output:`): the block before it, the label's line,
    /// its text before any inline code, and the inline code after it (`**Answer:** `False``).
    InLabel(usize, LineNo, String, Option<String>),
    /// After a label; `None`: the label names another Python (the block is skipped), else
    /// the range of Pythons it names (`python_range`).
    AfterLabel(usize, LineNo, Option<Option<String>>),
    InOutput(usize, LineNo, LineNo, String, Option<Option<String>>),
    /// A Python-fenced block under the label: output unless it is a session or holds code
    /// (`holds_code`): then it is a block of its own.
    InPythonOutput(usize, LineNo, LineNo, String, Option<Option<String>>),
}

impl OutputScan {
    /// Advances over one event; true when the event closed a code block that is the output of
    /// the Python block before it (so it is not a snippet of its own). After an output block,
    /// another label may follow (`Output (Python 2.x):` then `Output (Python 3.x):`).
    fn step(&mut self, event: &Event<'_>, line: LineNo, blocks: &mut [Block]) -> bool {
        let state = std::mem::take(self);
        let mut consumed = false;
        *self = match (state, event) {
            (OutputScan::AfterPython(i), Event::Start(Tag::Paragraph | Tag::Heading { .. })) => {
                OutputScan::InLabel(i, line, String::new(), None)
            }
            (OutputScan::InLabel(i, at, mut label, None), Event::Text(t)) => {
                label.push_str(t);
                OutputScan::InLabel(i, at, label, None)
            }
            // The answer given inline, right after the label.
            (OutputScan::InLabel(i, at, label, None), Event::Code(t)) => {
                OutputScan::InLabel(i, at, label, Some(t.to_string()))
            }
            // Text after the inline answer: only closing punctuation keeps it an answer.
            (OutputScan::InLabel(i, at, label, Some(code)), Event::Text(t)) => {
                if t.trim().chars().all(|c| matches!(c, '.' | ',' | ';' | '!')) {
                    OutputScan::InLabel(i, at, label, Some(code))
                } else {
                    OutputScan::Idle
                }
            }
            (
                state @ OutputScan::InLabel(..),
                Event::Start(Tag::Strong | Tag::Emphasis)
                | Event::End(TagEnd::Strong | TagEnd::Emphasis),
            ) => state,
            (
                OutputScan::InLabel(i, at, label, Some(code)),
                Event::End(TagEnd::Paragraph | TagEnd::Heading(_)),
            ) => {
                if is_output_label(&label) && !code.trim().is_empty() {
                    let claims = (!names_python_2(&label)).then(|| python_range(&label));
                    attach(blocks, i, at, at, &code, claims);
                }
                OutputScan::Idle
            }
            (
                OutputScan::InLabel(i, at, label, None),
                Event::End(TagEnd::Paragraph | TagEnd::Heading(_)),
            ) => {
                if is_output_label(&label) {
                    // `None`: another Python's output; else the range of Pythons it names.
                    OutputScan::AfterLabel(
                        i,
                        at,
                        (!names_python_2(&label)).then(|| python_range(&label)),
                    )
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
            // A session under the label (`>>> x, y` then its output) is a session of its own
            // (a fence without an info string holding one is a Python block), not output.
            (OutputScan::InOutput(_, _, _, text, _), Event::End(TagEnd::CodeBlock))
                if starts_session(&text) =>
            {
                OutputScan::Idle
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
                if starts_session(&text) || holds_code(&text) {
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

/// Whether a Python-fenced block under an output label holds more code rather than output
/// (`**Answer:**` then `x.append(3)` and `print(x)`): a line that starts a statement — a
/// keyword, an assignment, a call standing alone. Code is never compared as output.
fn holds_code(text: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "def", "class", "import", "from", "for", "while", "if", "elif", "else", "try", "except",
        "finally", "with", "return", "yield", "raise", "assert", "del", "pass", "break",
        "continue", "global", "nonlocal", "async", "await", "print",
    ];
    // A traceback or a syntax error's display quotes code, but is output.
    let shown_error = text.lines().map(str::trim).any(|line| {
        line.starts_with("Traceback (most recent call last):") || line.starts_with("File \"")
    }) || text
        .lines()
        .rev()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .is_some_and(|last| {
            let name: String = last
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '.'))
                .collect();
            ["Error", "Exception", "Warning"]
                .iter()
                .any(|end| name.ends_with(end))
                && last[name.len()..].starts_with([':', ' '])
                || last == name && name.ends_with("Error")
        });
    !shown_error
        && text.lines().map(str::trim).any(|line| {
            let word: String = line
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let next = &line[word.len()..];
            let keyword = KEYWORDS.contains(&word.as_str())
                && (next.is_empty() || next.starts_with([' ', '(', ':']));
            // `name = …`, `obj.attr += …`, `xs.append(3)`: a target or a call, not a value.
            let target: String = line
                .chars()
                .take_while(|c| {
                    c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '\'' | '"')
                })
                .collect();
            let after = line[target.len()..].trim_start();
            let named = target.starts_with(|c: char| c.is_alphabetic() || c == '_');
            let assignment = named
                && ((after.starts_with('=') && !after.starts_with("=="))
                    || ["+=", "-=", "*=", "/=", "|=", "&="]
                        .iter()
                        .any(|op| after.starts_with(op)));
            let call =
                named && target.contains('.') && after.starts_with('(') && line.ends_with(')');
            keyword || assignment || call
        })
}

#[cfg(test)]
mod answer_tests {
    use super::holds_code;

    #[test]
    fn code_under_an_answer_label_is_told_from_output() {
        for code in [
            "x.append(3)\nprint(x)",
            "total = 5",
            "for i in range(3):\n    pass",
            "import os",
        ] {
            assert!(holds_code(code), "{code:?}");
        }
        for output in [
            "[1, 1]",
            "True",
            "{'a': 1}",
            "Hello, world!",
            "3.14",
            "a == b",
            "None",
            "  File \"<input>\", line 3\n    a = \"wtf_\" + i\n        ^\nSyntaxError: invalid syntax",
            "x = 5\nTypeError: unsupported operand",
        ] {
            assert!(!holds_code(output), "{output:?}");
        }
    }
}

/// Makes `text` the output of block `i`, unless the label named another Python or the block
/// already has its output.
fn attach(
    blocks: &mut [Block],
    i: usize,
    at: LineNo,
    first: LineNo,
    text: &str,
    claims: Option<Option<String>>,
) {
    let Some(python) = claims else { return };
    if let Some(block) = blocks.get_mut(i).filter(|b| b.output.is_none()) {
        block.output = Some(OutputBlock {
            label_line: at,
            line: first,
            text: text.replace("\r\n", "\n"),
            python,
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

    /// What the reader makes of `text`.
    struct Read {
        blocks: Vec<Block>,
        problems: Vec<Problem>,
    }

    fn doc(text: &str) -> Read {
        let (blocks, problems) = blocks(text);
        Read { blocks, problems }
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
    fn unterminated_fence_is_flagged() {
        let d = doc("```python\nprint(1)\n```\n\n```python\nprint(2)\n```\n\n```python\nx = 1\n");
        assert_eq!(d.blocks.len(), 3);
        assert!(!d.blocks[0].unterminated);
        assert!(d.blocks[2].unterminated);
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
    fn myst_directive_fences_are_read_as_their_rst_equivalents() {
        let d = doc(concat!(
            "# A\n\n",
            "```{testsetup}\nimport math\n```\n\n",
            "```{code-block} python\n:linenos:\n:caption: x\n\nprint(1)  # 1\n```\n\n",
            "```{code-cell} ipython3\n---\ntags: [hide]\n---\nx = 2\n```\n\n",
            "```{doctest}\n>>> 1 + 1\n2\n```\n\n",
            "```{testcode}\nprint(math.pi > 3)\n```\n\n",
            "```{testoutput}\n:options: +NORMALIZE_WHITESPACE\n\nTrue\n```\n\n",
            "```python title=\"x.py\"\ny = 3\n```\n\n",
            "```python:path/to/file.py\nz = 4\n```\n\n",
            "```{code-block} javascript\nlet x = 1\n```\n\n",
            "```{testoutput}\n2\n```\n",
        ));
        let found: Vec<(&str, u32, u32, &str)> = d
            .blocks
            .iter()
            .map(|b| {
                (
                    b.info.as_str(),
                    b.first_line.get(),
                    b.end_line.get(),
                    b.code.as_str(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("python", 11, 11, "print(1)  # 1\n"),
                ("python", 18, 18, "x = 2\n"),
                ("pycon", 22, 23, ">>> 1 + 1\n2\n"),
                ("python", 27, 27, "print(math.pi > 3)\n"),
                ("python title=\"x.py\"", 37, 37, "y = 3\n"),
                ("python:path/to/file.py", 41, 41, "z = 4\n"),
            ]
        );
        let output = d.blocks[3].output.as_ref().expect("testoutput");
        assert_eq!((output.label_line.get(), output.line.get()), (30, 33));
        assert_eq!(output.text, "True\n");
        let setups: Vec<Option<&str>> = d.blocks.iter().map(|b| b.setup.as_deref()).collect();
        assert_eq!(
            setups,
            [
                None,
                None,
                Some("import math\n"),
                Some("import math\n"),
                None,
                None
            ],
            "testsetup runs before doctest and testcode blocks only"
        );
        // The second testoutput has no testcode left in its section.
        assert_eq!(d.problems.len(), 1, "{:?}", d.problems);
        assert_eq!(d.problems[0].line.get(), 48);
        assert!(d.problems[0].message.contains("without a `{testcode}`"));
    }
}
