//! Reading notes (the `extract` stage): which files (`discover`), each file's text and Python
//! blocks ([`read`], [`extract`]: Markdown in `markdown`, reStructuredText in `rst`, the types
//! and rules both share in `block`) and the `snipcheck:` directives before a block
//! (`directive`).
//!
//! A [`Document`] is everything later stages need from one notes file: its decoded text, its
//! Python blocks with their sections, Markdown coordinates and byte ranges in that text, and
//! the problems found while reading it. Reading never fails on bad content: non-UTF-8 bytes,
//! an unterminated fence and the like become `Problem`s or flagged blocks, so one bad file or
//! block never stops the others. Only an unreadable path is an `Err`.

pub mod block;
pub mod directive;
pub mod discover;
#[cfg(test)]
mod fuzz;
pub mod markdown;
pub mod myst;
pub mod rst;

use crate::line::LineNo;
use anyhow::{Context, Result};
use block::{Block, Problem};
use std::path::{Path, PathBuf};

/// One notes file, read and split into Python blocks.
#[derive(Debug, Clone)]
pub struct Document {
    /// The path as the user gave it (relative paths stay relative), used in every message.
    pub path: PathBuf,
    /// The file stem, the first part of every snippet id.
    pub name: String,
    /// The text the reader parsed: a leading BOM dropped and every line end (`\r\n`, and a
    /// lone `\r` as old Mac files have, which CommonMark and Python both take as one) as `\n`
    /// (line numbers unchanged); every block's `span` indexes it. A file that is not UTF-8 is not
    /// parsed (its problem says why): its text is a lossy decoding, bad bytes as U+FFFD.
    pub text: String,
    /// Python blocks in document order.
    pub blocks: Vec<Block>,
    /// Problems that concern the whole file (e.g. it is not UTF-8).
    pub problems: Vec<Problem>,
    /// The document's own `namespace`, with the line that sets it: `snipcheck-namespace:
    /// section` (or `snipcheck:` then `namespace: section`) in the Markdown front matter, or a
    /// `namespace=` directive before the first Python block (`None`: the config's applies).
    pub namespace: Option<(LineNo, crate::config::Namespace)>,
}

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
    let (text, problem) = decode(bytes);
    let mut document = Document {
        path: path.to_path_buf(),
        name,
        text,
        blocks: Vec::new(),
        problems: problem.into_iter().collect(),
        namespace: None,
    };
    if !document.problems.is_empty() {
        return document;
    }
    let (blocks, problems) = if is_rst(path) {
        rst::blocks(&document.text)
    } else {
        match markdown::front_matter_namespace(&document.text) {
            Ok(namespace) => document.namespace = namespace,
            Err(problem) => document.problems.push(problem),
        }
        markdown::blocks(&document.text)
    };
    document.blocks = blocks;
    for block in &mut document.blocks {
        if block.output.is_none() {
            block.output = block::trailing_output_comments(block);
        }
    }
    document.problems.extend(problems);
    settle_namespace(&mut document);
    document
}

/// A document's `namespace` is set once, for the whole document: by its front matter or by a
/// directive before its first Python block. A directive anywhere else, or one that repeats the
/// front matter's, is a problem of this note (the note fails, every other note is checked); the
/// misplaced setting is dropped, so the document runs as the rest of it says.
fn settle_namespace(document: &mut Document) {
    let first = document
        .blocks
        .first()
        .map_or(LineNo::FIRST, |block| block.fence_line);
    let mut problems = Vec::new();
    for (index, block) in document.blocks.iter_mut().enumerate() {
        let Some(directives) = block.directives.as_mut() else {
            continue;
        };
        if directives.namespace.is_none() {
            continue;
        }
        let message = if index > 0 {
            format!(
                "`namespace` applies to a whole document: put it before the document's first Python block (line {})",
                first
            )
        } else if let Some((front, _)) = document.namespace {
            format!(
                "`namespace` is set both in the front matter (line {front}) and by this directive; keep one"
            )
        } else {
            // Decided here, once: the document's namespace, whichever way it was written.
            document.namespace = directives.namespace.take().map(|n| (directives.line, n));
            continue;
        };
        problems.push(Problem {
            line: directives.line,
            message,
        });
        directives.namespace = None;
    }
    document.problems.extend(problems);
}

/// Whether a path names a reStructuredText file (`.rst`, `.rest`, any case).
pub fn is_rst(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("rst") || e.eq_ignore_ascii_case("rest"))
}

/// A notes file's bytes as text: a leading BOM dropped, every line end (`\r\n`, `\r`, `\n`)
/// as `\n`. Bytes that are not UTF-8 are a problem naming the line of the first bad byte (the
/// text is then lossy).
fn decode(bytes: &[u8]) -> (String, Option<Problem>) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => (line_ends(text), None),
        Err(err) => {
            let valid = bytes.get(..err.valid_up_to()).unwrap_or_default();
            let line = line_ends(&String::from_utf8_lossy(valid))
                .matches('\n')
                .count()
                + 1;
            let problem = Problem {
                line: LineNo::new(u32::try_from(line).unwrap_or(u32::MAX)),
                message: format!(
                    "file is not valid UTF-8 (invalid byte at offset {})",
                    err.valid_up_to()
                ),
            };
            (line_ends(&String::from_utf8_lossy(bytes)), Some(problem))
        }
    }
}

/// Every line end as `\n`: `\r\n` (Windows), a lone `\r` (old Mac OS), `\n`.
fn line_ends(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Document {
        extract(Path::new("notes/t.md"), text.as_bytes())
    }

    /// Every block's span, as the text it slices.
    fn sliced(d: &Document) -> Vec<&str> {
        d.blocks.iter().map(|b| &d.text[b.span.clone()]).collect()
    }

    #[test]
    fn old_mac_line_ends_are_read_like_lf_and_crlf() {
        let md = "# H\n\n```python\nx = 1\nprint(x)  # 1\n```\n\n!!! note\n    ```python\n    y = 2\n    ```\n";
        let rst = "Title\n=====\n\n.. code-block:: python\n\n   print(2)  # 2\n\n>>> 1 + 1\n2\n";
        for (name, lf) in [("notes/t.md", md), ("notes/t.rst", rst)] {
            let read = |ends: &str| extract(Path::new(name), lf.replace('\n', ends).as_bytes());
            let (unix, windows, mac) = (read("\n"), read("\r\n"), read("\r"));
            assert!(!unix.blocks.is_empty(), "{name}");
            for other in [&windows, &mac] {
                assert_eq!(other.text, unix.text, "{name}");
                assert!(other.problems.is_empty(), "{name}: {:?}", other.problems);
                let lines = |d: &Document| -> Vec<(LineNo, LineNo, String)> {
                    d.blocks
                        .iter()
                        .map(|b| (b.first_line, b.end_line, b.code.clone()))
                        .collect()
                };
                assert_eq!(lines(other), lines(&unix), "{name}");
            }
        }
        // A bad byte is reported on its line whatever the line ends.
        let mac = extract(Path::new("notes/t.md"), b"a\rb\rc \xff\r");
        assert_eq!(mac.problems.len(), 1);
        assert_eq!(mac.problems[0].line, LineNo::new(3));
    }

    #[test]
    fn markdown_keeps_its_text_and_each_block_s_span() {
        let lf = "# H\n\n```python\nx = 1\n```\n\n- item\n\n  ```python\n  y = 2\n  ```\n\n\
                  !!! note \"N\"\n    Text.\n\n    ~~~~py\n    z = 3\n    ~~~~\n\nEnd.\n";
        let bytes = [
            b"\xEF\xBB\xBF".as_slice(),
            lf.replace('\n', "\r\n").as_bytes(),
        ]
        .concat();
        let d = extract(Path::new("notes/t.md"), &bytes);
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        assert_eq!(d.text, lf);
        assert_eq!(
            sliced(&d),
            [
                "```python\nx = 1\n```",
                "```python\n  y = 2\n  ```",
                "~~~~py\n    z = 3\n    ~~~~",
            ]
        );
        for block in &d.blocks {
            assert_eq!(
                LineNo::of_offset(&d.text, block.span.start),
                block.fence_line
            );
        }
    }

    #[test]
    fn rst_keeps_its_text_and_each_block_s_span() {
        let lf = "Title\n=====\n\n.. code-block:: python\n   :linenos:\n\n   x = 1\n\n\
                  >>> 1 + 1\n2\n\nLiteral::\n\n    >>> print(3)\n    3\n\n\
                  .. note::\n\n   .. testcode::\n\n      w = 4";
        let bytes = [
            b"\xEF\xBB\xBF".as_slice(),
            lf.replace('\n', "\r\n").as_bytes(),
        ]
        .concat();
        let d = extract(Path::new("notes/t.rst"), &bytes);
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        assert_eq!(d.text, lf);
        assert_eq!(
            sliced(&d),
            [
                ".. code-block:: python\n   :linenos:\n\n   x = 1",
                ">>> 1 + 1\n2",
                "Literal::\n\n    >>> print(3)\n    3",
                ".. testcode::\n\n      w = 4",
            ]
        );
        for block in &d.blocks {
            assert_eq!(
                LineNo::of_offset(&d.text, block.span.start),
                block.fence_line
            );
        }
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
    fn markdown_crlf_and_bom_are_accepted() {
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
    fn rst_crlf_and_bom_are_accepted() {
        let d = extract(
            Path::new("t.rst"),
            b"\xEF\xBB\xBFTitle\r\n=====\r\n\r\n.. code-block:: python\r\n\r\n   x = 1\r\n   print(x)  # 1\r\n",
        );
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        let found: Vec<(u32, u32, &str, &str)> = d
            .blocks
            .iter()
            .map(|b| {
                (
                    b.first_line.get(),
                    b.end_line.get(),
                    b.info.as_str(),
                    b.code.as_str(),
                )
            })
            .collect();
        assert_eq!(found, [(6, 7, "python", "x = 1\nprint(x)  # 1\n")]);
        assert_eq!(
            d.blocks[0]
                .section
                .as_ref()
                .map(|s| (s.title.as_str(), s.line.get())),
            Some(("Title", 1))
        );
    }

    #[test]
    fn non_utf8_is_a_problem_with_a_line() {
        let d = extract(Path::new("t.md"), b"# ok\n\nbad \xff here\n");
        assert!(d.blocks.is_empty());
        assert_eq!(d.problems.len(), 1);
        assert_eq!(d.problems[0].line.get(), 3);
        assert!(d.problems[0].message.contains("UTF-8"));
        assert_eq!(d.text, "# ok\n\nbad \u{fffd} here\n");
        let d = extract(Path::new("t.rst"), b"Title\n=====\n\nbad \xff\n");
        assert!(d.blocks.is_empty());
        assert_eq!(d.problems.len(), 1);
        assert_eq!(d.problems[0].line.get(), 4);
        assert!(d.problems[0].message.contains("UTF-8"));
    }

    #[test]
    fn the_extension_chooses_the_reader() {
        let text = b"```python\nx = 1\n```\n\n.. code-block:: python\n\n   y = 2\n";
        let md = extract(Path::new("n.md"), text);
        assert_eq!(md.blocks.len(), 1);
        assert_eq!(md.blocks[0].code, "x = 1\n");
        for name in ["n.rst", "n.REST", "n.Rst"] {
            let rst = extract(Path::new(name), text);
            assert_eq!(rst.blocks.len(), 1, "{name}");
            assert_eq!(rst.blocks[0].code, "y = 2\n", "{name}");
            assert_eq!(rst.name, "n");
        }
    }
}
