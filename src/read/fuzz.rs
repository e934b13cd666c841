//! Property tests of the readers: any bytes, and above all documents made of the pieces the
//! readers care about (fences, admonitions, quotes, lists, directives, reST directives,
//! sessions, output labels) joined by any line ends, are read without a panic, an abort or an
//! unbounded recursion, and everything read points back into the text.

use super::{Document, extract};
use crate::line::LineNo;
use proptest::prelude::*;
use std::path::Path;

/// Lines that steer the readers, to be shuffled, indented and repeated.
const PIECES: &[&str] = &[
    "```python",
    "```py",
    "```pycon",
    "```",
    "~~~python",
    "~~~",
    "````",
    "!!! note \"N\"",
    "??? warning",
    "> ```python",
    "- ```python",
    "1. item",
    "<!-- snipcheck: skip reason=\"x\" -->",
    "<!-- snipcheck: continue -->",
    "<!-- snipcheck: namespace=section -->",
    "<!-- snipcheck: expect-error NameError reason=\"r\" -->",
    "<!-- snipcheck: bogus -->",
    "<!--",
    "-->",
    "---",
    "snipcheck-namespace: document",
    "# Heading",
    "Title",
    "=====",
    "**Output:**",
    "Output:",
    "print(1)  # 1",
    "x = [1, 2]",
    ">>> 1 + 1",
    "2",
    "... pass",
    "Traceback (most recent call last):",
    "ValueError: bad",
    "#> 1",
    "\"\"\"",
    ".. code-block:: python",
    ".. code-block::",
    ".. doctest::",
    ".. testcode::",
    ".. testoutput::",
    ".. testsetup::",
    ".. note::",
    ".. highlight:: none",
    ".. snipcheck: skip reason=\"x\"",
    ".. snipcheck:: bad",
    "   :linenos:",
    "Literal::",
    "::",
    "",
    "\t",
    "é ✓ \u{202e}",
];

fn document() -> impl Strategy<Value = Vec<u8>> {
    let line = (
        0usize..PIECES.len(),
        0usize..9,
        prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
    )
        .prop_map(|(piece, indent, end)| format!("{}{}{end}", " ".repeat(indent), PIECES[piece]));
    prop_oneof![
        8 => proptest::collection::vec(line, 0..60).prop_map(|lines| lines.concat().into_bytes()),
        1 => proptest::collection::vec(any::<u8>(), 0..400),
    ]
}

/// What must hold of any document read: spans inside the text on character boundaries, lines
/// inside the file.
fn check(document: &Document) {
    let lines = u32::try_from(document.text.lines().count() + 1).unwrap_or(u32::MAX);
    for block in &document.blocks {
        assert!(block.span.start <= block.span.end, "{block:?}");
        assert!(block.span.end <= document.text.len(), "{block:?}");
        assert!(
            document.text.is_char_boundary(block.span.start),
            "{block:?}"
        );
        assert!(document.text.is_char_boundary(block.span.end), "{block:?}");
        for line in [block.fence_line, block.first_line] {
            assert!(line <= LineNo::new(lines), "{block:?} in {lines} lines");
        }
    }
    for problem in &document.problems {
        assert!(problem.line <= LineNo::new(lines), "{problem:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn markdown_reads_anything(bytes in document()) {
        check(&extract(Path::new("notes/fuzz.md"), &bytes));
    }

    #[test]
    fn rst_reads_anything(bytes in document()) {
        check(&extract(Path::new("notes/fuzz.rst"), &bytes));
    }
}

#[test]
fn nesting_deeper_than_the_readers_go_is_a_problem_not_a_crash() {
    // Admonitions nested 150 deep, each body indented four more spaces, a block at the bottom.
    let mut text = String::new();
    for depth in 0..150 {
        text.push_str(&format!("{}!!! note\n\n", "    ".repeat(depth)));
    }
    text.push_str(&format!(
        "{0}```python\n{0}print(1)\n{0}```\n",
        "    ".repeat(150)
    ));
    for end in ["\n", "\r"] {
        assert_too_deep(&extract(
            Path::new("deep.md"),
            text.replace('\n', end).as_bytes(),
        ));
    }
    let mut rst = String::new();
    for depth in 0..150 {
        rst.push_str(&format!("{}.. note::\n\n", "   ".repeat(depth)));
    }
    assert_too_deep(&extract(Path::new("deep.rst"), rst.as_bytes()));
}

/// `document` was read as far as the readers go, and says where it stopped.
fn assert_too_deep(document: &Document) {
    check(document);
    assert!(
        document
            .problems
            .iter()
            .any(|p| p.message.contains("nested more than 100 levels")),
        "{:?}",
        document.problems
    );
}
