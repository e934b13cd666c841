//! reStructuredText notes → the same `Block`s and `Section`s the Markdown reader makes
//! (`read::extract` chooses this reader for `.rst`/`.rest` paths), so plan, run, check, reports,
//! snapshots and ids work unchanged and every line number points into the `.rst` file.
//!
//! A hand-written, line-based reader of the part of reST that holds Python, with docutils'
//! indentation rules: a construct's body is the lines after it that are blank or indented more
//! than it, so a body ends at the first non-blank line indented no more than the construct
//! itself (there is no unterminated block in reST). Nested bodies (a `.. note::`, a list item,
//! a block quote, a definition) are dedented and read again, so blocks nest as in Sphinx. Tabs
//! expand to 8-column stops and `\r\n` is accepted, as docutils does.
//!
//! What becomes a Python [`Block`]:
//!
//! - `.. code-block:: LANG`, `.. code:: LANG`, `.. sourcecode:: LANG` where `LANG` is Python
//!   ([`is_python`]: `python`, `py`, `python3`, `pycon`); `info` is `LANG`. Without a language,
//!   the `.. highlight::` language applies (as in Sphinx).
//! - `.. doctest::` (Sphinx's doctest extension): info `pycon`, a session.
//! - `.. testcode::`: info `python`; the next `.. testoutput::` in the same section (before
//!   the next `testcode`) is its [`OutputBlock`], with the `testoutput` line as label line.
//! - a doctest block (a paragraph whose first line starts with `>>>`): info `pycon`.
//! - a literal block (after a paragraph ending in `::`, or a `::` line) whose first line
//!   starts with `>>>`: info `pycon`. Other literal blocks are Python too, as Sphinx's
//!   default highlight language (`default`, i.e. Python 3) makes them — a literal block that
//!   is not Python (shell output, a grammar) is then reported `unparsable`, which does not
//!   fail the run — until a `.. highlight::` names a language that is not Python (`none`,
//!   `console`, `text`): from there on literal blocks are not Python, until another
//!   `.. highlight:: python`.
//! - a label paragraph (`Output:`, `Output::`, `**Answer:**`, [`is_output_label`]) right after
//!   a Python block, then a literal block or a non-Python `code-block`: that block's output,
//!   as in Markdown.
//!
//! A directive's first line is `fence_line`; its argument and option lines (`:linenos:`,
//! `:caption: …`, `:options: +ELLIPSIS`, `:hide:` …) are skipped (options have no effect);
//! the content starts after the blank line that ends them and is dedented by its own common
//! indentation. A line after the directive that is not an option (content without the blank
//! line, which Sphinx would read as the argument) and a directive with no content are
//! problems naming the line. Section titles are a text line with an underline of one
//! punctuation character at least as long (or at least 4 long), optionally with an overline.
//!
//! snipcheck directives are comments: `.. snipcheck: skip reason="…"` (the text of a Markdown
//! `<!-- snipcheck: … -->`, parsed by [`directive::parse_text`]) directly before a block
//! attach to it; one before anything else is a problem, as in Markdown. Comments, hyperlink
//! targets, substitution definitions and `.. highlight::` show nothing and do not separate a
//! directive from its block; a container (`.. note::`, a list item) does not either, when the
//! block is the first thing in it.
//!
//! Not read: quoted (unindented) literal blocks, Sphinx doctest groups (`testcode` pairs with
//! the next `testoutput` whatever their group; every `testsetup` runs before every `doctest`
//! and `testcode` block), `testcleanup` (not run), and the contents of directives whose body
//! is not reST (`math`, `raw`, `ipython`, …).

use crate::line::LineNo;
use crate::read::block::{
    Block, OutputBlock, Problem, Section, dangling, is_output_label, is_python, take_directives,
};
use crate::read::directive;
use std::ops::Range;

/// Tab stops every 8 columns, as docutils expands tabs.
const TAB_WIDTH: usize = 8;

/// How deep bodies may nest (each level is indented more than the last) before the rest of a
/// body is a problem rather than a deeper recursion.
const MAX_DEPTH: usize = 100;

/// Directives whose content is not reStructuredText: skipped whole, never searched for blocks.
/// (`code-block`, `code`, `sourcecode`, `doctest`, `testcode`, `testoutput` and `highlight`
/// are handled on their own; any other directive's content is read as reST.)
const OPAQUE_DIRECTIVES: &[&str] = &[
    "literalinclude",
    "include",
    "math",
    "raw",
    "parsed-literal",
    "csv-table",
    "productionlist",
    "graphviz",
    "graph",
    "digraph",
    "mermaid",
    "plot",
    "ipython",
    "jupyter-execute",
    "code-cell",
    "testcleanup",
];

/// One line of the file: its number and its text (tabs expanded, no line end), from the column
/// of the body being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Line<'a> {
    no: LineNo,
    text: &'a str,
    /// Leading spaces of `text` (0 for a blank line), computed once.
    indent: usize,
    /// Only white space.
    blank: bool,
}

impl<'a> Line<'a> {
    fn new(no: LineNo, text: &'a str) -> Line<'a> {
        let blank = text.trim().is_empty();
        Line {
            no,
            text,
            indent: if blank {
                0
            } else {
                text.len() - text.trim_start_matches(' ').len()
            },
            blank,
        }
    }

    fn is_blank(&self) -> bool {
        self.blank
    }

    fn indent(&self) -> usize {
        self.indent
    }
}

/// The Python blocks and the problems of a reStructuredText file's text (BOM already removed).
pub fn blocks(text: &str) -> (Vec<Block>, Vec<Problem>) {
    let expanded = split(text);
    let lines: Vec<Line<'_>> = expanded
        .iter()
        .enumerate()
        .map(|(i, text)| Line::new(LineNo::new(u32::try_from(i + 1).unwrap_or(u32::MAX)), text))
        .collect();
    // Sphinx's default highlight language ("default") is Python 3: literal blocks are Python
    // until a `.. highlight::` names another language.
    let mut reader = Reader {
        highlight: Some("python".to_owned()),
        spans: line_spans(text),
        ..Reader::default()
    };
    reader.body(&lines, 0);
    dangling(&mut reader.pending, &mut reader.problems);
    // As Sphinx's doctest extension runs a group's setup code before its tests (groups are
    // not told apart: every setup applies to every test, as with the `*` group).
    if !reader.setup.is_empty() {
        let setup = reader.setup.join("\n");
        for &i in &reader.tested {
            if let Some(block) = reader.blocks.get_mut(i) {
                block.setup = Some(setup.clone());
            }
        }
    }
    (reader.blocks, reader.problems)
}

/// Each line's bytes in `text` (in [`split`]'s order), from its first non-blank character to
/// its end (its line end excluded).
fn line_spans(text: &str) -> Vec<Range<usize>> {
    let mut offset = 0;
    text.split_inclusive('\n')
        .map(|raw| {
            let line = raw
                .strip_suffix('\n')
                .map_or(raw, |l| l.strip_suffix('\r').unwrap_or(l));
            let blank = line.len() - line.trim_start_matches([' ', '\t', '\x0b', '\x0c']).len();
            let span = offset + blank..offset + line.len();
            offset += raw.len();
            span
        })
        .collect()
}

/// Expands tabs to 8-column stops and turns vertical tabs and form feeds into spaces, as
/// docutils does before it reads a line.
pub fn expand_tabs(line: &str) -> String {
    if !line.contains(['\t', '\x0b', '\x0c']) {
        return line.to_owned();
    }
    let mut out = String::with_capacity(line.len() + TAB_WIDTH);
    let mut column = 0;
    for c in line.chars() {
        match c {
            '\t' => {
                let n = TAB_WIDTH - column % TAB_WIDTH;
                out.extend(std::iter::repeat_n(' ', n));
                column += n;
            }
            '\x0b' | '\x0c' => {
                out.push(' ');
                column += 1;
            }
            c => {
                out.push(c);
                column += 1;
            }
        }
    }
    out
}

/// The file's lines, tabs expanded, without line ends (`\n` or `\r\n`).
fn split(text: &str) -> Vec<String> {
    let text = text.strip_suffix('\n').unwrap_or(text);
    if text.is_empty() {
        return Vec::new();
    }
    text.split('\n')
        .map(|raw| expand_tabs(raw.strip_suffix('\r').unwrap_or(raw)))
        .collect()
}

/// The Python block a `.. testoutput::` would belong to.
#[derive(Debug, Default, Clone, Copy)]
enum TestCode {
    /// None in this section since the last `testoutput`.
    #[default]
    None,
    /// The `testcode` block at this index.
    Block(usize),
    /// A `testcode` that was a problem: its `testoutput` is consumed without another problem.
    Broken,
}

/// Finds output blocks: a Python block, a label paragraph, a literal or non-Python block.
#[derive(Debug, Default, Clone, Copy)]
enum After {
    #[default]
    Idle,
    /// Right after the Python block at this index.
    Python(usize),
    /// After that block and a label paragraph on this line.
    Label(usize, LineNo),
}

#[derive(Debug, Default)]
struct Reader {
    blocks: Vec<Block>,
    problems: Vec<Problem>,
    section: Option<Section>,
    /// `.. snipcheck: …` comments waiting for their block: line and text.
    pending: Vec<(LineNo, String)>,
    /// The language of `.. highlight::`, for literal blocks and `code-block`s without one.
    highlight: Option<String>,
    testcode: TestCode,
    after: After,
    /// The code of the file's `.. testsetup::` directives, in order.
    setup: Vec<String>,
    /// The blocks Sphinx's doctest extension tests (`doctest`, `testcode`): the setup runs
    /// before each of them.
    tested: Vec<usize>,
    /// Each line's bytes in the text, from its first non-blank character ([`line_spans`]).
    spans: Vec<Range<usize>>,
}

impl Reader {
    /// Reads one body: `lines` are dedented so that the body's own elements start in column 0.
    fn body(&mut self, lines: &[Line<'_>], depth: usize) {
        if depth > MAX_DEPTH {
            if let Some(first) = lines.iter().find(|l| !l.is_blank()) {
                self.problems.push(Problem {
                    line: first.no,
                    message: format!(
                        "indentation nested more than {MAX_DEPTH} levels deep: this part of the file is not read"
                    ),
                });
            }
            return;
        }
        let mut i = 0;
        while let Some(line) = lines.get(i) {
            if line.is_blank() {
                i += 1;
                continue;
            }
            if line.indent() > 0 {
                // A block quote: a body of its own.
                let end = indented_end(lines, i);
                self.body(&dedent(slice(lines, i, end)), depth + 1);
                i = end;
                continue;
            }
            let text = line.text;
            if is_explicit(text) {
                let end = explicit_end(lines, i);
                self.explicit(slice(lines, i, end), depth);
                i = end;
                continue;
            }
            if is_prompt(text) {
                // A doctest block: up to the next blank line.
                let end = lines
                    .iter()
                    .skip(i)
                    .position(Line::is_blank)
                    .map_or(lines.len(), |k| i + k);
                let block = slice(lines, i, end);
                self.python("pycon", line.no, block);
                i = end;
                continue;
            }
            if let Some(c) = adornment(text) {
                if let (Some(title), Some(under)) = (lines.get(i + 1), lines.get(i + 2))
                    && !title.is_blank()
                    && adornment(under.text) == Some(c)
                {
                    self.title(title);
                    i += 3;
                } else {
                    // A transition (or a stray line of punctuation).
                    self.other();
                    i += 1;
                }
                continue;
            }
            if let Some(under) = lines.get(i + 1)
                && adornment(under.text).is_some()
                && is_underline(text, under.text)
            {
                self.title(line);
                i += 2;
                continue;
            }
            // A paragraph (or a list item, a field, a table: text in this column).
            let mut j = i + 1;
            while lines
                .get(j)
                .is_some_and(|l| !l.is_blank() && l.indent() == 0)
            {
                j += 1;
            }
            let paragraph = slice(lines, i, j);
            self.paragraph(paragraph);
            let marker = paragraph
                .last()
                .filter(|l| l.text.trim_end().ends_with("::"));
            i = j;
            if lines.get(j).is_some_and(|l| !l.is_blank()) {
                // Indented right below, without a blank line: a definition, a list item's or a
                // field's body.
                let end = indented_end(lines, j);
                self.body(&dedent(slice(lines, j, end)), depth + 1);
                i = end;
            } else if let Some(marker) = marker {
                let mut k = j;
                while lines.get(k).is_some_and(Line::is_blank) {
                    k += 1;
                }
                if lines.get(k).is_some_and(|l| l.indent() > 0) {
                    let end = indented_end(lines, k);
                    self.literal(marker.no, &dedent(slice(lines, k, end)));
                    i = end;
                }
            }
        }
    }

    /// An explicit markup block (`..` in column 0 and its indented body).
    fn explicit(&mut self, lines: &[Line<'_>], depth: usize) {
        let Some((first, rest)) = lines.split_first() else {
            return;
        };
        let after = first.text.get(2..).unwrap_or("").trim_start();
        if let Some((name, argument)) = directive_head(after) {
            self.directive(&name.to_ascii_lowercase(), argument, first, rest, depth);
        } else if after.starts_with('_') || after.starts_with('|') {
            // A hyperlink target or a substitution definition: shows nothing.
        } else if after.starts_with('[') {
            // A footnote or a citation.
            self.other();
        } else {
            let text = std::iter::once(after.trim())
                .chain(rest.iter().map(|l| l.text.trim()))
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            if text.starts_with(directive::MARKER) {
                self.pending.push((first.no, text));
            }
            self.after = After::Idle;
        }
    }

    fn directive<'a>(
        &mut self,
        name: &str,
        argument: &'a str,
        first: &Line<'a>,
        rest: &[Line<'a>],
        depth: usize,
    ) {
        match name {
            "code-block" | "code" | "sourcecode" => self.code(name, argument, first, rest),
            "doctest" => match content(name, first, rest) {
                Ok(content) => {
                    let index = self.python("pycon", first.no, &content);
                    self.tested.extend(index);
                }
                Err(problem) => self.broken(problem),
            },
            "testcode" => match content(name, first, rest) {
                Ok(content) => {
                    let index = self.python("python", first.no, &content);
                    self.tested.extend(index);
                    self.testcode = index.map_or(TestCode::Broken, TestCode::Block);
                }
                Err(problem) => {
                    self.broken(problem);
                    self.testcode = TestCode::Broken;
                }
            },
            "testoutput" => self.testoutput(first, rest),
            "testsetup" => {
                match content(name, first, rest) {
                    Ok(content) => self.setup.push(joined(trimmed(&content))),
                    Err(problem) => self.broken(problem),
                }
                self.other();
            }
            "highlight" => {
                self.highlight = argument.split_whitespace().next().map(str::to_owned);
            }
            "snipcheck" => {
                self.problems.push(Problem {
                    line: first.no,
                    message: "`.. snipcheck::` is not a directive: a snipcheck directive is a comment, `.. snipcheck: …` with one colon".to_owned(),
                });
                self.pending.clear();
            }
            _ if OPAQUE_DIRECTIVES.contains(&name) => self.other(),
            _ => {
                // A container (`note`, `only`, `tab`, …): its content is reST.
                let mut content = Vec::with_capacity(rest.len() + 1);
                if !argument.is_empty() {
                    content.push(Line::new(first.no, argument));
                }
                content.extend(dedent(rest));
                self.body(&content, depth + 1);
            }
        }
    }

    /// `.. code-block:: LANG` and its aliases.
    fn code(&mut self, name: &str, argument: &str, first: &Line<'_>, rest: &[Line<'_>]) {
        let language = argument
            .split_whitespace()
            .next()
            .map(str::to_owned)
            .or_else(|| self.highlight.clone());
        match language.filter(|l| is_python(l)) {
            Some(language) => match content(name, first, rest) {
                Ok(content) => {
                    self.python(&language, first.no, &content);
                }
                Err(problem) => self.broken(problem),
            },
            None => match (self.after, content(name, first, rest)) {
                (After::Label(i, label), Ok(content)) => self.output(i, label, &content),
                _ => self.other(),
            },
        }
    }

    fn testoutput(&mut self, first: &Line<'_>, rest: &[Line<'_>]) {
        let testcode = std::mem::take(&mut self.testcode);
        self.other();
        let content = match content("testoutput", first, rest) {
            Ok(content) => content,
            Err(problem) => {
                self.problems.push(problem);
                return;
            }
        };
        let block = match testcode {
            TestCode::Block(i) => self.blocks.get_mut(i),
            TestCode::Broken => return,
            TestCode::None => None,
        };
        let Some(block) = block else {
            self.problems.push(Problem {
                line: first.no,
                message: "`.. testoutput::` without a `.. testcode::` before it in its section"
                    .to_owned(),
            });
            return;
        };
        if block.output.is_some() {
            self.problems.push(Problem {
                line: first.no,
                message: format!(
                    "`.. testoutput::` for the `.. testcode::` on line {}, which already has an output block",
                    block.fence_line
                ),
            });
            return;
        }
        if let Some(output) = output_block(first.no, &content) {
            block.output = Some(output);
        }
    }

    /// A literal block; `marker` is the line of the `::` that starts it.
    fn literal(&mut self, marker: LineNo, content: &[Line<'_>]) {
        let session = content
            .iter()
            .find(|l| !l.is_blank())
            .is_some_and(|l| is_prompt(l.text.trim_start()));
        if session {
            self.python("pycon", marker, content);
        } else if let After::Label(i, label) = self.after {
            self.output(i, label, content);
        } else if let Some(language) = self.highlight.clone().filter(|l| is_python(l)) {
            self.python(&language, marker, content);
        } else {
            self.other();
        }
    }

    /// Pushes a Python block (`content` dedented); its index, or `None` when it is empty.
    fn python(&mut self, info: &str, fence_line: LineNo, content: &[Line<'_>]) -> Option<usize> {
        let body = trimmed(content);
        let (first, last) = (body.first()?, body.last()?);
        let directives = take_directives(
            &mut self.pending,
            directive::parse_text,
            self.blocks.is_empty(),
            &mut self.problems,
        );
        self.blocks.push(Block {
            section: self.section.clone(),
            info: info.to_owned(),
            fence_line,
            first_line: first.no,
            end_line: last.no,
            span: self.span(fence_line, last.no),
            code: joined(body),
            unterminated: false,
            directives,
            output: None,
            setup: None,
            python: None,
        });
        let index = self.blocks.len() - 1;
        self.after = After::Python(index);
        Some(index)
    }

    /// The bytes from the first non-blank character of line `from` to the end of line `to`
    /// (`0..0` for a line the text does not have, which the reader never asks for).
    fn span(&self, from: LineNo, to: LineNo) -> Range<usize> {
        let line = |no: LineNo| {
            usize::try_from(no.get() - 1)
                .ok()
                .and_then(|i| self.spans.get(i))
        };
        match (line(from), line(to)) {
            (Some(from), Some(to)) => from.start..to.end,
            _ => 0..0,
        }
    }

    /// The output of block `i`, shown under the label paragraph on line `label`.
    fn output(&mut self, i: usize, label: LineNo, content: &[Line<'_>]) {
        self.other();
        if let Some(block) = self.blocks.get_mut(i)
            && block.output.is_none()
        {
            block.output = output_block(label, content);
        }
    }

    /// A Python directive that is a problem: its pending directives go with it.
    fn broken(&mut self, problem: Problem) {
        self.problems.push(problem);
        self.pending.clear();
        self.after = After::Idle;
    }

    fn title(&mut self, line: &Line<'_>) {
        self.other();
        self.testcode = TestCode::None;
        self.section = Some(Section {
            title: clean_title(line.text.trim()),
            line: line.no,
        });
    }

    fn paragraph(&mut self, lines: &[Line<'_>]) {
        dangling(&mut self.pending, &mut self.problems);
        let text = lines
            .iter()
            .map(|l| l.text.trim())
            .collect::<Vec<_>>()
            .join(" ");
        self.after = match (self.after, lines.first()) {
            (After::Python(i), Some(first)) if is_output_label(&text) => After::Label(i, first.no),
            _ => After::Idle,
        };
    }

    /// Anything shown that is not a Python block: directives before it dangle.
    fn other(&mut self) {
        dangling(&mut self.pending, &mut self.problems);
        self.after = After::Idle;
    }
}

/// A directive's content: after the argument and option lines, which end at a blank line;
/// dedented by its common indentation, blank lines around it removed. A line before that blank
/// line that is not an option, and an empty content, are problems.
fn content<'a>(name: &str, first: &Line<'a>, rest: &[Line<'a>]) -> Result<Vec<Line<'a>>, Problem> {
    let blank = rest.iter().position(Line::is_blank).unwrap_or(rest.len());
    let mut option_indent: Option<usize> = None;
    for line in rest.iter().take(blank) {
        let text = line.text.trim_start();
        if is_option(text) {
            option_indent = Some(line.indent());
        } else if option_indent.is_none_or(|o| line.indent() <= o) {
            return Err(Problem {
                line: line.no,
                message: format!(
                    "`{text}` is not an option of `.. {name}::` on line {}: a directive's content starts after a blank line below the directive and its options (Sphinx does not read this line as content)",
                    first.no
                ),
            });
        }
    }
    let body = dedent(rest.get(blank + 1..).unwrap_or_default());
    let body = trimmed(&body);
    if body.is_empty() {
        return Err(Problem {
            line: first.no,
            message: format!("`.. {name}::` has no content: its indented body is empty"),
        });
    }
    Ok(body.to_vec())
}

fn output_block(label: LineNo, content: &[Line<'_>]) -> Option<OutputBlock> {
    let body = trimmed(content);
    Some(OutputBlock {
        label_line: label,
        line: body.first()?.no,
        text: joined(body),
        python: None,
    })
}

/// The lines' text, one `\n` after each.
fn joined(lines: &[Line<'_>]) -> String {
    let mut out = String::new();
    for line in lines {
        out.push_str(line.text);
        out.push('\n');
    }
    out
}

/// `lines` without the blank lines at either end.
fn trimmed<'l, 'a>(lines: &'l [Line<'a>]) -> &'l [Line<'a>] {
    let start = lines
        .iter()
        .position(|l| !l.is_blank())
        .unwrap_or(lines.len());
    let end = lines
        .iter()
        .rposition(|l| !l.is_blank())
        .map_or(start, |k| k + 1);
    slice(lines, start, end)
}

/// `lines[start..end]`, empty when out of range.
fn slice<'l, 'a>(lines: &'l [Line<'a>], start: usize, end: usize) -> &'l [Line<'a>] {
    lines.get(start..end).unwrap_or_default()
}

/// The lines with their common indentation removed; blank lines become empty.
fn dedent<'a>(lines: &[Line<'a>]) -> Vec<Line<'a>> {
    let indent = lines
        .iter()
        .filter(|l| !l.is_blank())
        .map(Line::indent)
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| {
            if l.is_blank() {
                Line::new(l.no, "")
            } else {
                Line {
                    text: l.text.get(indent..).unwrap_or(""),
                    indent: l.indent.saturating_sub(indent),
                    ..*l
                }
            }
        })
        .collect()
}

/// The end (exclusive) of the lines from `start` that are indented (the first one may be in
/// column 0): up to the next non-blank line in column 0, blank lines at the end left out.
fn indented_end(lines: &[Line<'_>], start: usize) -> usize {
    let mut end = start;
    for (j, line) in lines.iter().enumerate().skip(start) {
        if line.is_blank() {
            continue;
        }
        if line.indent() == 0 && j > start {
            break;
        }
        end = j + 1;
    }
    end
}

/// The end (exclusive) of the explicit markup block starting at `start`: its first line and
/// the indented lines below. `..` alone before a blank line is an empty comment, one line.
fn explicit_end(lines: &[Line<'_>], start: usize) -> usize {
    let empty = lines.get(start).is_some_and(|l| l.text.trim() == "..");
    if empty && lines.get(start + 1).is_none_or(Line::is_blank) {
        return start + 1;
    }
    indented_end(lines, start)
}

/// `..` then white space (or nothing): explicit markup.
fn is_explicit(text: &str) -> bool {
    text.strip_prefix("..")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
}

/// `>>>` then white space (or nothing): an interactive prompt.
fn is_prompt(text: &str) -> bool {
    text.strip_prefix(">>>")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
}

/// `name:: argument` → (`name`, `argument`), for a directive; `None` for a comment.
fn directive_head(text: &str) -> Option<(&str, &str)> {
    let at = text.find("::")?;
    let (name, rest) = (text.get(..at)?, text.get(at + 2..)?);
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '+' | '.' | ':'));
    (valid && (rest.is_empty() || rest.starts_with(char::is_whitespace)))
        .then(|| (name, rest.trim()))
}

/// A field-list line (`:name: value`, `:flag:`), as directive options are written.
fn is_option(text: &str) -> bool {
    let Some(rest) = text.strip_prefix(':') else {
        return false;
    };
    if rest.starts_with([':', ' ']) {
        return false;
    }
    rest.match_indices(':').any(|(k, _)| {
        k > 0
            && rest
                .get(k + 1..)
                .is_some_and(|after| after.is_empty() || after.starts_with(char::is_whitespace))
    })
}

/// A section adornment: one punctuation character repeated from column 0 (`::` is a literal
/// block marker, never an adornment).
fn adornment(text: &str) -> Option<char> {
    let text = text.trim_end();
    let c = text.chars().next()?;
    (c.is_ascii_punctuation() && text != "::" && text.chars().all(|x| x == c)).then_some(c)
}

/// Whether `under` underlines `title`: at least as long, or at least 4 long (docutils warns
/// about a short underline but still makes a title).
fn is_underline(title: &str, under: &str) -> bool {
    let length = under.trim_end().chars().count();
    length >= title.trim().chars().count() || length >= 4
}

/// A title's text without inline markup: roles (`:func:`), backquotes, a reference's `_`,
/// emphasis stars and backslash escapes.
fn clean_title(title: &str) -> String {
    let chars: Vec<char> = title.chars().collect();
    let mut out = String::with_capacity(title.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            ':' => {
                // `:role:` directly before a backquote.
                let end = chars
                    .iter()
                    .skip(i + 1)
                    .position(|&x| !(x.is_alphanumeric() || matches!(x, '-' | '_' | '.' | '+')))
                    .map(|k| i + 1 + k);
                match end {
                    Some(e)
                        if e > i + 1
                            && chars.get(e) == Some(&':')
                            && chars.get(e + 1) == Some(&'`') =>
                    {
                        i = e + 1;
                        continue;
                    }
                    _ => out.push(c),
                }
            }
            '`' => {
                // A reference's `_` or `__` ends at a word boundary; `` ``_name`` `` keeps it.
                let run = chars.iter().skip(i + 1).take_while(|&&x| x == '_').count();
                let after = chars.get(i + 1 + run);
                if run > 0 && after.is_none_or(|x| !x.is_alphanumeric()) {
                    i += run;
                }
            }
            '*' => {}
            '\\' => {
                if let Some(&next) = chars.get(i + 1) {
                    out.push(next);
                    i += 1;
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::block::starts_session;

    /// What the reader makes of `text`.
    struct Read {
        blocks: Vec<Block>,
        problems: Vec<Problem>,
    }

    fn doc(text: &str) -> Read {
        let (blocks, problems) = blocks(text);
        Read { blocks, problems }
    }

    /// (first_line, end_line, info, code) of every block.
    fn summary(d: &Read) -> Vec<(u32, u32, String, String)> {
        d.blocks
            .iter()
            .map(|b| {
                (
                    b.first_line.get(),
                    b.end_line.get(),
                    b.info.clone(),
                    b.code.clone(),
                )
            })
            .collect()
    }

    fn problems(d: &Read) -> Vec<(u32, String)> {
        d.problems
            .iter()
            .map(|p| (p.line.get(), p.message.clone()))
            .collect()
    }

    #[test]
    fn code_block_with_options_and_sections() {
        let d = doc("\
Title
=====

Vars & ``ids``
--------------

.. code-block:: python
   :linenos:
   :caption: A caption
      that goes on
   :emphasize-lines: 2

   a = 1

   print(a)  # 1

After.
");
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        assert_eq!(
            summary(&d),
            vec![(
                13,
                15,
                "python".to_owned(),
                "a = 1\n\nprint(a)  # 1\n".to_owned()
            )]
        );
        let b = &d.blocks[0];
        assert_eq!(b.fence_line.get(), 7);
        assert!(!b.unterminated);
        assert_eq!(
            b.section,
            Some(Section {
                title: "Vars & ids".to_owned(),
                line: LineNo::new(4)
            })
        );
    }

    #[test]
    fn aliases_languages_and_non_python() {
        let d = doc("\
.. code:: py

   x = 1

.. sourcecode:: python3

   y = 2

.. code-block:: pycon

   >>> 1 + 1
   2

.. code-block:: bash

   >>> not python
   $ ls

.. code-block:: Python

   z = 3
");
        let infos: Vec<(u32, String)> = d
            .blocks
            .iter()
            .map(|b| (b.first_line.get(), b.info.clone()))
            .collect();
        assert_eq!(
            infos,
            vec![
                (3, "py".to_owned()),
                (7, "python3".to_owned()),
                (11, "pycon".to_owned()),
                (21, "Python".to_owned()),
            ]
        );
        assert_eq!(d.blocks[2].code, ">>> 1 + 1\n2\n");
        assert!(d.problems.is_empty(), "{:?}", d.problems);
    }

    #[test]
    fn doctest_directive_is_a_session() {
        let d = doc("\
.. doctest:: group1
   :options: +ELLIPSIS
   :hide:

   >>> a = 257
   >>> b = 257
   >>> a is b
   False

   >>> print(list(range(20)))
   [0, 1, ...]
");
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        assert_eq!(
            summary(&d),
            vec![(
                5,
                11,
                "pycon".to_owned(),
                ">>> a = 257\n>>> b = 257\n>>> a is b\nFalse\n\n>>> print(list(range(20)))\n[0, 1, ...]\n".to_owned()
            )]
        );
        assert_eq!(d.blocks[0].fence_line.get(), 1);
        assert!(starts_session(&d.blocks[0].code));
    }

    #[test]
    fn testsetup_code_runs_before_doctest_and_testcode_blocks_only() {
        let d = doc("\
.. doctest::

   >>> x + 1
   3

.. testsetup::

   x = 2

.. testcode::

   print(x)

.. code-block:: python

   print(x)

.. testsetup::
");
        let setups: Vec<Option<&str>> = d.blocks.iter().map(|b| b.setup.as_deref()).collect();
        // Sphinx runs a group's setup before each of its tests, wherever the setup stands.
        assert_eq!(setups, [Some("x = 2\n"), Some("x = 2\n"), None]);
        // An empty testsetup is a problem with its line, like any empty directive.
        assert_eq!(d.problems.len(), 1, "{:?}", d.problems);
        assert_eq!(d.problems[0].line.get(), 18);
    }

    #[test]
    fn testcode_pairs_with_the_next_testoutput() {
        let d = doc("\
Section
-------

.. testcode::

   print(1 + 1)

Some text in between.

.. testoutput::
   :options: +NORMALIZE_WHITESPACE

   2

.. testcode:: grp

   print('no output block')

Other
-----

.. testoutput::

   orphan
");
        assert_eq!(d.blocks.len(), 2);
        let first = &d.blocks[0];
        assert_eq!(first.info, "python");
        assert_eq!(first.fence_line.get(), 4);
        assert_eq!(first.first_line.get(), 6);
        assert_eq!(
            first.output,
            Some(OutputBlock {
                label_line: LineNo::new(10),
                line: LineNo::new(13),
                text: "2\n".to_owned(),
                python: None
            })
        );
        assert_eq!(d.blocks[1].output, None);
        let problems = problems(&d);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0, 22);
        assert!(
            problems[0].1.contains("without a `.. testcode::`"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_second_testoutput_and_one_after_a_new_testcode() {
        let d = doc("\
.. testcode::

   print(1)

.. testcode::

   print(2)

.. testoutput::

   2

.. testoutput::

   2
");
        assert_eq!(d.blocks[0].output, None);
        assert_eq!(d.blocks[1].output.as_ref().map(|o| o.line.get()), Some(11));
        assert_eq!(
            problems(&d).iter().map(|p| p.0).collect::<Vec<_>>(),
            vec![13]
        );
    }

    #[test]
    fn literal_blocks_are_sessions_with_prompts_and_not_python_after_highlight_none() {
        let d = doc("\
A session::

    >>> x = 2
    >>> x * 21
    42

.. highlight:: none

Shell output::

    $ python -V
    Python 3.12

Expanded form:

::

  >>> 1
  1
");
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        assert_eq!(
            summary(&d),
            vec![
                (
                    3,
                    5,
                    "pycon".to_owned(),
                    ">>> x = 2\n>>> x * 21\n42\n".to_owned()
                ),
                (18, 19, "pycon".to_owned(), ">>> 1\n1\n".to_owned()),
            ]
        );
        assert_eq!(d.blocks[0].fence_line.get(), 1);
        assert_eq!(d.blocks[1].fence_line.get(), 16);
    }

    #[test]
    fn highlight_python_makes_literal_blocks_python() {
        let d = doc("\
Before::

    not_python = 1

.. highlight:: python
   :linenothreshold: 5

Now::

    x = 1

.. code-block::

   y = 2

.. highlight:: none

Again not::

    z = 3
");
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        assert_eq!(
            summary(&d),
            vec![
                // Sphinx's default highlight language is Python 3.
                (3, 3, "python".to_owned(), "not_python = 1\n".to_owned()),
                (10, 10, "python".to_owned(), "x = 1\n".to_owned()),
                (14, 14, "python".to_owned(), "y = 2\n".to_owned()),
            ]
        );
    }

    #[test]
    fn doctest_blocks_are_sessions() {
        let d = doc("\
Intro paragraph.

>>> 1 + 1
2
>>> print('a')
a

Text >>> not a prompt.
");
        assert_eq!(
            summary(&d),
            vec![(
                3,
                6,
                "pycon".to_owned(),
                ">>> 1 + 1\n2\n>>> print('a')\na\n".to_owned()
            )]
        );
        assert_eq!(d.blocks[0].fence_line.get(), 3);
    }

    #[test]
    fn nested_in_notes_lists_and_block_quotes() {
        let d = doc("\
.. note::

   A note.

   .. code-block:: python

      a = 1  # in a note

- Item one::

      >>> 2
      2

- Item two

  .. code-block:: python

     b = 2

#. Step:

   .. warning:: Careful.

      .. code-block:: python
         :caption: deep

         c = 3

Quote:

    >>> 4
    4

Term
    .. code-block:: python

       d = 4
");
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        assert_eq!(
            summary(&d),
            vec![
                (7, 7, "python".to_owned(), "a = 1  # in a note\n".to_owned()),
                (11, 12, "pycon".to_owned(), ">>> 2\n2\n".to_owned()),
                (18, 18, "python".to_owned(), "b = 2\n".to_owned()),
                (27, 27, "python".to_owned(), "c = 3\n".to_owned()),
                (31, 32, "pycon".to_owned(), ">>> 4\n4\n".to_owned()),
                (37, 37, "python".to_owned(), "d = 4\n".to_owned()),
            ]
        );
        assert_eq!(d.blocks[0].fence_line.get(), 5);
        assert_eq!(d.blocks[1].fence_line.get(), 9);
    }

    #[test]
    fn bodies_end_at_the_first_line_indented_no_more_than_the_directive() {
        let d = doc("\
.. note::

   .. code-block:: python

      def f():

          return 1
      print(f())  # 1

   Back in the note.

Back at the top.
");
        assert_eq!(
            summary(&d),
            vec![(
                5,
                8,
                "python".to_owned(),
                "def f():\n\n    return 1\nprint(f())  # 1\n".to_owned()
            )]
        );
    }

    #[test]
    fn comments_and_opaque_directives_are_not_read() {
        let d = doc("\
.. This comment holds a block:

   .. code-block:: python

      hidden = 1

..

   >>> quoted = 1

.. math::

   a::

      >>> b

.. code-block:: text

   Literal::

       >>> not read
");
        // `..` before a blank line is an empty comment: the block quote after it is read.
        assert_eq!(
            summary(&d),
            vec![(9, 9, "pycon".to_owned(), ">>> quoted = 1\n".to_owned())]
        );
    }

    #[test]
    fn tabs_expand_to_eight_columns() {
        let d = doc(".. code-block:: python\n\n\tif True:\n\t\tx = 1\n\t  \ty = 2\n");
        assert_eq!(
            summary(&d),
            vec![(
                3,
                5,
                "python".to_owned(),
                "if True:\n        x = 1\n        y = 2\n".to_owned()
            )]
        );
        assert_eq!(expand_tabs("a\tb"), "a       b");
        assert_eq!(expand_tabs("abcdefgh\tc"), "abcdefgh        c");
    }

    #[test]
    fn empty_bodies_and_missing_blank_lines_are_problems() {
        let d = doc("\
.. code-block:: python

Text.

.. doctest::

.. testcode::
   print(1)

.. code-block:: python
   :linenos:
   x = 1

.. code-block:: text

.. code-block:: python

   ok = 1
");
        let problems = problems(&d);
        let lines: Vec<u32> = problems.iter().map(|p| p.0).collect();
        assert_eq!(lines, vec![1, 5, 8, 12], "{problems:?}");
        assert!(problems[0].1.contains("has no content"), "{problems:?}");
        assert!(problems[1].1.contains("`.. doctest::` has no content"));
        assert!(problems[2].1.contains("`print(1)` is not an option"));
        assert!(problems[3].1.contains("blank line"));
        assert_eq!(
            summary(&d),
            vec![(18, 18, "python".to_owned(), "ok = 1\n".to_owned())]
        );
    }

    #[test]
    fn directives_attach_to_the_next_python_block() {
        let d = doc("\
A
=

.. snipcheck: skip reason=\"gpu\"

.. _label:

.. code-block:: python

   x = 1

.. an ordinary comment

.. snipcheck: continue
   timeout=3

.. note::

   .. code-block:: python

      y = 2

.. snipcheck: expect-error NameError reason=\"placeholder\"

>>> undefined_name
");
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        let first = d.blocks[0].directives.as_ref().expect("directives");
        assert_eq!(first.skip.as_deref(), Some("gpu"));
        assert_eq!(first.line.get(), 4);
        let second = d.blocks[1].directives.as_ref().expect("directives");
        assert!(second.continues);
        assert_eq!(second.timeout, Some(std::time::Duration::from_secs(3)));
        assert_eq!(second.line.get(), 14);
        let third = d.blocks[2].directives.as_ref().expect("directives");
        assert_eq!(
            third.expect_error.as_ref().map(|e| e.error.as_str()),
            Some("NameError")
        );
    }

    #[test]
    fn broken_and_dangling_directives_are_problems_with_lines() {
        let d = doc("\
.. snipcheck: continue

.. code-block:: python

   x = 1

.. snipcheck: nope

.. code-block:: python

   y = 2

.. snipcheck: skip reason=\"x\"

A paragraph.

.. snipcheck:: skip reason=\"x\"

.. code-block:: python

   z = 3

.. snipcheck: continue

.. testoutput::

   3

.. snipcheck: continue
");
        let problems = problems(&d);
        let lines: Vec<u32> = problems.iter().map(|p| p.0).collect();
        assert_eq!(lines, vec![1, 7, 13, 17, 23, 25, 29], "{problems:?}");
        assert!(problems[0].1.contains("first Python block"));
        assert!(problems[1].1.contains("unknown directive \"nope\""));
        assert!(problems[2].1.contains("not directly before"));
        assert!(problems[3].1.contains("one colon"));
        assert!(problems[4].1.contains("not directly before"));
        assert!(problems[5].1.contains("without a `.. testcode::`"));
        assert!(problems[6].1.contains("not directly before"));
        assert_eq!(d.blocks.len(), 3);
        assert!(d.blocks[2].directives.is_none());
    }

    #[test]
    fn an_output_label_then_a_literal_block_is_the_output() {
        let d = doc("\
.. code-block:: python

   for i in range(2):
       print(i)

Output::

   0
   1

.. code-block:: python

   print('x')

**Output:**

.. code-block:: text

   x

.. code-block:: python

   print('y')

Not a label::

   y
");
        // The last literal block is not output (no label): Python, by Sphinx's default.
        assert_eq!(d.blocks.len(), 4);
        assert_eq!(
            d.blocks[0].output,
            Some(OutputBlock {
                label_line: LineNo::new(6),
                line: LineNo::new(8),
                text: "0\n1\n".to_owned(),
                python: None
            })
        );
        assert_eq!(
            d.blocks[1].output.as_ref().map(|o| (
                o.label_line.get(),
                o.line.get(),
                o.text.as_str()
            )),
            Some((15, 19, "x\n"))
        );
        assert_eq!(d.blocks[2].output, None);
    }

    #[test]
    fn titles_with_overlines_markup_and_short_underlines() {
        let d = doc("\
===========
 Overlined
===========

A :func:`len` and `Link`_ with *emphasis* and ``_priv``
-----------------------------------------------------------

.. code-block:: python

   a = 1

Example
::

   >>> 1
   1

----

Ab
~~

.. code-block:: python

   b = 2
");
        let titles: Vec<(u32, String)> = d
            .blocks
            .iter()
            .map(|b| {
                let s = b.section.as_ref().expect("section");
                (s.line.get(), s.title.clone())
            })
            .collect();
        assert_eq!(
            titles,
            vec![
                (5, "A len and Link with emphasis and _priv".to_owned()),
                (5, "A len and Link with emphasis and _priv".to_owned()),
                (20, "Ab".to_owned()),
            ]
        );
        // `Example` / `::` is a paragraph ending in `::` (the underline is too short).
        assert_eq!(d.blocks[1].first_line.get(), 15);
    }

    #[test]
    fn bad_input_never_panics() {
        for text in [
            "",
            "\n",
            "..",
            ".. ",
            "..\n",
            ".. code-block::",
            ".. code-block:: python",
            ".. code-block:: python\n   :linenos:",
            "::",
            "a::",
            "a::\n\n",
            ">>>",
            "=",
            "==\n==\n==",
            "x\n=\n",
            "\t\t\t",
            ".. testoutput::\n\n   x",
            ".. note:: ::\n\n   >>>",
            "é\n==\n",
            "\r\n\r\n\r",
            ":\n::\n:::\n",
            ".. |x| image:: y\n.. _t:\n.. [1] f\n",
        ] {
            let _ = doc(text);
        }
        // A staircase deeper than the nesting limit is a problem, not a stack overflow.
        let mut deep = String::new();
        for i in 0..2000 {
            deep.push_str(&" ".repeat(i));
            deep.push_str("x\n");
        }
        let d = doc(&deep);
        assert_eq!(d.problems.len(), 1, "{:?}", d.problems);
        assert!(d.problems[0].message.contains("nested"));
    }

    #[test]
    fn line_numbers_are_exact_in_a_long_file() {
        let mut text = String::new();
        for i in 0..50 {
            text.push_str(&format!("Paragraph {i}.\n\n"));
        }
        text.push_str(".. code-block:: python\n\n   x = 1\n");
        let d = doc(&text);
        assert_eq!(d.blocks[0].fence_line.get(), 101);
        assert_eq!(d.blocks[0].first_line.get(), 103);
        assert_eq!(d.blocks[0].end_line.get(), 103);
    }
}
