//! The rewrite of each claim style on hand-written notes: the new text byte for byte, what was
//! left and why, line ends and the BOM kept.

use super::style::value_end;
use super::*;

fn target(line: u32, kind: ClaimKind, claimed: &str, actual: &str, place: Place) -> Target {
    Target {
        line: LineNo::new(line),
        kind,
        claimed: claimed.to_owned(),
        actual: actual.to_owned(),
        place,
        raised: None,
    }
}

fn raising(mut target: Target, raised: &str) -> Target {
    target.raised = Some(raised.to_owned());
    target
}

/// The rewrite of `text` with one target, which must be fixed.
fn fixed(text: &str, target: Target) -> String {
    let done = rewrite(text, &[target]);
    assert!(done.left.is_empty(), "{:?}", done.left);
    assert_eq!(done.fixed.len(), 1);
    done.text
}

/// Why the one target was left (and the text is unchanged).
fn left(text: &str, target: Target) -> String {
    let done = rewrite(text, &[target]);
    assert!(done.fixed.is_empty(), "{:?}", done.fixed);
    assert_eq!(done.text, text);
    assert_eq!(done.left.len(), 1);
    done.left[0].why.clone()
}

#[test]
fn a_trailing_comment_keeps_its_commentary() {
    let text = "# T\n\n```python\nx = 5\nprint(x)  # 6 - unchanged\n```\n";
    let t = target(5, ClaimKind::Output, "6 - unchanged", "5", Place::Comment);
    let done = rewrite(text, &[t]);
    assert_eq!(
        done.text,
        text.replace("# 6 - unchanged", "# 5 - unchanged")
    );
    assert_eq!(
        done.fixed,
        [Fixed {
            line: LineNo::new(5),
            old: "6 - unchanged".to_owned(),
            new: "5 - unchanged".to_owned()
        }]
    );
    // Markers and other `#` on the line stay; only the claim's value changes.
    let text = "```python\nprint(\"#\", 1)  # Output: # 2 (one)\n```\n";
    let t = target(2, ClaimKind::Output, "# 2 (one)", "# 1", Place::Comment);
    assert_eq!(fixed(text, t), text.replace("Output: # 2", "Output: # 1"));
}

#[test]
fn a_value_claim_on_an_assignment() {
    let text = "```python\nword = 'wow'\nc = word[0]  # 'x'   \n```\n";
    let t = target(3, ClaimKind::Value, "'x'", "'w'", Place::Comment);
    assert_eq!(fixed(text, t), text.replace("# 'x'", "# 'w'"));
    // A repr the judge would not read as a value claim on an assignment is left.
    let t = target(3, ClaimKind::Value, "'x'", "inf", Place::Comment);
    assert!(left(text, t).contains("would not be read back"));
}

#[test]
fn exception_claims_take_the_new_type_and_message() {
    let text = "```python\nint('x')  # TypeError: old message\nint('y')  # raises KeyError (always)\n```\n";
    let raised = "ValueError: invalid literal for int() with base 10: 'x'";
    let one = raising(
        target(
            2,
            ClaimKind::Exception,
            "TypeError: old message",
            raised,
            Place::Comment,
        ),
        raised,
    );
    let two = raising(
        target(
            3,
            ClaimKind::Exception,
            "raises KeyError (always)",
            "ValueError: y",
            Place::Comment,
        ),
        "ValueError: y",
    );
    let done = rewrite(text, &[one, two]);
    assert!(done.left.is_empty(), "{:?}", done.left);
    assert_eq!(
        done.text,
        "```python\nint('x')  # ValueError: invalid literal for int() with base 10: 'x'\nint('y')  # raises ValueError (always)\n```\n"
    );
}

#[test]
fn a_statement_that_raises_instead_of_printing() {
    let text = "```python\nprint(int('x'))  # 5\n```\n";
    let raised = "ValueError: x";
    let t = raising(
        target(2, ClaimKind::Output, "5", raised, Place::Comment),
        raised,
    );
    assert_eq!(fixed(text, t), text.replace("# 5", "# ValueError: x"));
    // An exception claim on a statement that now prints: its output.
    let text = "```python\nprint(1)  # ValueError: x\n```\n";
    let t = target(
        2,
        ClaimKind::Exception,
        "ValueError: x",
        "1",
        Place::Comment,
    );
    assert_eq!(fixed(text, t), text.replace("# ValueError: x", "# 1"));
    // One that raises nothing and prints nothing has nothing to claim.
    let text = "```python\nf()  # ValueError: x\n```\n";
    let t = target(
        2,
        ClaimKind::Exception,
        "ValueError: x",
        "no exception",
        Place::Comment,
    );
    assert!(left(text, t).contains("raises nothing"));
}

#[test]
fn multi_line_output_in_a_trailing_comment_is_left() {
    let text = "```python\nprint(1, 2, sep='\\n')  # 1 2\n```\n";
    let t = target(2, ClaimKind::Output, "1 2", "1\n2", Place::Comment);
    assert!(left(text, t).contains("2 lines"));
}

#[test]
fn comment_lines_below_a_print_take_one_line_per_output_line() {
    let text = "```python\nxs = [1, 2, 3]\nfor x in xs:\n    print(x)\n    # one\n# Output:\n# 1\n# 2\nprint(xs)\n   # [1, 2] - all\n```\n";
    let run = target(7, ClaimKind::Output, "1\n2", "1\n2\n3", Place::Comment);
    let list = target(
        10,
        ClaimKind::Output,
        "[1, 2] - all",
        "[1, 2, 3]",
        Place::Comment,
    );
    let done = rewrite(text, &[run, list]);
    assert!(done.left.is_empty(), "{:?}", done.left);
    assert_eq!(
        done.text,
        "```python\nxs = [1, 2, 3]\nfor x in xs:\n    print(x)\n    # one\n# Output:\n# 1\n# 2\n# 3\nprint(xs)\n   # [1, 2, 3] - all\n```\n"
    );
    // Fewer lines than before, and a single line that becomes several.
    let text = "```python\nprint('a\\nb')\n    # x\nprint('c')\n```\n";
    let t = target(3, ClaimKind::Output, "x", "a\n\nb", Place::Comment);
    assert_eq!(
        fixed(text, t),
        "```python\nprint('a\\nb')\n    # a\n    #\n    # b\nprint('c')\n```\n"
    );
    let text = "```python\nprint('a')\n# a\n# b\n# c\n```\n";
    let t = target(3, ClaimKind::Output, "a\nb\nc", "z", Place::Comment);
    assert_eq!(fixed(text, t), "```python\nprint('a')\n# z\n```\n");
}

#[test]
fn an_output_one_liner_stays_on_its_line() {
    let text = "```python\nfor i in range(4):\n    print(i)\n# Output: 0 1 2\n```\n";
    let t = target(4, ClaimKind::Output, "0 1 2", "0\n1\n2\n3", Place::Comment);
    assert_eq!(fixed(text, t), text.replace("0 1 2", "0 1 2 3"));
}

#[test]
fn pytest_examples_lines() {
    let text = "```python\nprint(m)\n#> {'a': 1}\n#> {'b': 2}\nprint(1)\n```\n";
    let t = target(
        3,
        ClaimKind::Output,
        "{'a': 1}\n{'b': 2}",
        "{'a': 1}\n{'b': 3}\n{'c': 4}",
        Place::Comment,
    );
    assert_eq!(
        fixed(text, t),
        "```python\nprint(m)\n#> {'a': 1}\n#> {'b': 3}\n#> {'c': 4}\nprint(1)\n```\n"
    );
    let text = "```python\nprint(m)\n#> 1\n```\n";
    let t = target(3, ClaimKind::Output, "1", "2\n3", Place::Comment);
    assert_eq!(fixed(text, t), "```python\nprint(m)\n#> 2\n#> 3\n```\n");
}

#[test]
fn an_output_block_keeps_its_fence_and_label() {
    let text = "```python\nprint(1)\nprint(2)\n```\n\n**Output:**\n\n```\n1\n3\n```\n\nEnd.\n";
    let t = target(
        9,
        ClaimKind::Output,
        "1\n3",
        "1\n2\n\n4",
        Place::OutputBlock,
    );
    assert_eq!(
        fixed(text, t),
        "```python\nprint(1)\nprint(2)\n```\n\n**Output:**\n\n```\n1\n2\n\n4\n```\n\nEnd.\n"
    );
    // Indented (a list item), after the command that ran it.
    let text = "- x\n\n  Output:\n\n  ```\n  $ python3 x.py\n    a\n  ```\n";
    let t = target(6, ClaimKind::Output, "  a", "  b", Place::OutputBlock);
    assert_eq!(fixed(text, t), text.replace("    a", "    b"));
    // A traceback: its last line names the new exception.
    let text = "Output:\n\n```\nTraceback (most recent call last):\n  File \"x.py\", line 1\nKeyError: 'a'\n```\n";
    let t = target(
        4,
        ClaimKind::Exception,
        "Traceback (most recent call last):\n  File \"x.py\", line 1\nKeyError: 'a'",
        "KeyError: 'b'",
        Place::OutputBlock,
    );
    assert_eq!(fixed(text, t), text.replace("'a'\n```", "'b'\n```"));
    // Output that would close the fence is left.
    let text = "Output:\n\n```\n1\n```\n";
    let t = target(4, ClaimKind::Output, "1", "```", Place::OutputBlock);
    assert!(left(text, t).contains("would not read back"));
}

#[test]
fn a_session_s_expected_output() {
    let text = "```pycon\n>>> print('a\\n\\nb')\na\nc\n>>> 1 + 1\n3\n```\n";
    let one = target(3, ClaimKind::Output, "a\nc", "a\n\nb", Place::Session);
    let two = target(6, ClaimKind::Output, "3", "2", Place::Session);
    let done = rewrite(text, &[one, two]);
    assert!(done.left.is_empty(), "{:?}", done.left);
    assert_eq!(
        done.text,
        "```pycon\n>>> print('a\\n\\nb')\na\n<BLANKLINE>\nb\n>>> 1 + 1\n2\n```\n"
    );
    // Indented, as in reStructuredText, and a traceback whose exception changed.
    let text = "Text::\n\n    >>> int('x')\n    Traceback (most recent call last):\n      ...\n    TypeError: old\n";
    let t = target(
        4,
        ClaimKind::Output,
        "Traceback (most recent call last):\n  ...\nTypeError: old",
        "Traceback (most recent call last):\n  File \"<doctest>\", line 1, in <module>\nValueError: new",
        Place::Session,
    );
    assert_eq!(
        fixed(text, t),
        text.replace("TypeError: old", "ValueError: new")
    );
    // An example that now raises where it showed output.
    let text = ">>> f()\n5\n";
    let t = raising(
        target(2, ClaimKind::Output, "5", "ValueError: x", Place::Session),
        "ValueError: x",
    );
    assert_eq!(
        fixed(text, t),
        ">>> f()\nTraceback (most recent call last):\n  ...\nValueError: x\n"
    );
    // An exception shown without the header: its last line.
    let text = ">>> t[0] = 1\nTypeError: old\n";
    let t = raising(
        target(
            2,
            ClaimKind::Exception,
            "TypeError: old",
            "TypeError: new",
            Place::Session,
        ),
        "TypeError: new",
    );
    assert_eq!(fixed(text, t), ">>> t[0] = 1\nTypeError: new\n");
    // Output that doctest would read as another prompt is left.
    let t = target(2, ClaimKind::Output, "5", ">>> x", Place::Session);
    assert!(left(">>> f()\n5\n", t).contains("would not read back"));
}

#[test]
fn line_ends_and_the_bom_are_kept() {
    let lf = "# T\n\n```python\nprint(5)  # 6\nprint('a')\n# b\n```\n";
    let crlf = format!("\u{feff}{}", lf.replace('\n', "\r\n"));
    let one = target(4, ClaimKind::Output, "6", "5", Place::Comment);
    let two = target(6, ClaimKind::Output, "b", "a\nc", Place::Comment);
    let done = rewrite(&crlf, &[one, two]);
    assert_eq!(
        done.text,
        "\u{feff}# T\r\n\r\n```python\r\nprint(5)  # 5\r\nprint('a')\r\n# a\r\n# c\r\n```\r\n"
    );
    // Each line keeps its own end; new lines take the end of the line they replace; a last
    // line without an end stays without one.
    let mixed = "```python\r\nprint(5)  # 6\nprint('a')\r\n# b\r\n```";
    let one = target(2, ClaimKind::Output, "6", "5", Place::Comment);
    let two = target(4, ClaimKind::Output, "b", "a\nc", Place::Comment);
    let done = rewrite(mixed, &[one, two]);
    assert_eq!(
        done.text,
        "```python\r\nprint(5)  # 5\nprint('a')\r\n# a\r\n# c\r\n```"
    );
    let last = "```python\nprint('a')\n# b";
    let t = target(3, ClaimKind::Output, "b", "a\nc", Place::Comment);
    assert_eq!(fixed(last, t), "```python\nprint('a')\n# a\n# c");
    // Old Mac line ends count as lines too.
    let mac = "```python\rprint(5)  # 6\r```\r";
    let t = target(2, ClaimKind::Output, "6", "5", Place::Comment);
    assert_eq!(fixed(mac, t), "```python\rprint(5)  # 5\r```\r");
}

#[test]
fn what_cannot_be_located_is_left() {
    let text = "```python\nprint(5)  # 6\n```\n";
    let t = target(2, ClaimKind::Output, "7", "5", Place::Comment);
    assert!(left(text, t).contains("not found"));
    let t = target(9, ClaimKind::Output, "6", "5", Place::Comment);
    assert!(left(text, t).contains("not in the note"));
    let text = "```python\nprint(m)\n\"\"\"\n{'a': 1}\n\"\"\"\n```\n";
    let t = target(3, ClaimKind::Output, "{'a': 1}", "{'a': 2}", Place::Comment);
    assert!(left(text, t).contains("string below a print"));
    // Output with control characters is not written into a note.
    let t = target(2, ClaimKind::Output, "6", "\x1b[2J", Place::Comment);
    assert!(left("```python\nprint(5)  # 6\n```\n", t).contains("control characters"));
    let t = target(2, ClaimKind::Output, "6", "", Place::Comment);
    assert!(left("```python\nprint(5)  # 6\n```\n", t).contains("printed nothing"));
}

#[test]
fn claims_on_the_same_lines_are_rewritten_once() {
    let text = "```python\nprint(5)  # 6\n```\n";
    let one = target(2, ClaimKind::Output, "6", "5", Place::Comment);
    let done = rewrite(text, &[one.clone(), one]);
    assert_eq!(done.fixed.len(), 1);
    assert_eq!(done.left.len(), 1);
    assert!(done.left[0].why.contains("shares lines"));
}

#[test]
fn the_value_ends_where_commentary_starts() {
    for (text, value) in [
        ("6 - unchanged", "6"),
        ("True, because 3 > 2 - see", "True"),
        ("[1, 2] (same)", "[1, 2]"),
        ("'a (b)'", "'a (b)'"),
        ("1, 2", "1, 2"),
        ("hello world", "hello world"),
        ("(1, 2) - the pair", "(1, 2)"),
    ] {
        assert_eq!(&text[..value_end(text)], value, "{text:?}");
    }
}

#[test]
fn addresses_and_clocks_vary_between_runs() {
    assert!(has_address("<A object at 0x7f3a2b1c9d00>"));
    assert!(!has_address("0xff"));
    assert!(!has_address("no hex here"));
    assert!(has_clock("2023-02-07 23:21:01,430 CRITICAL:my_module:disk"));
    assert!(has_clock("at 09:30:00"));
    assert!(!has_clock("1-2-3 and 12:30"));
}

#[test]
fn a_claim_that_leaves_out_the_printed_label_stays_without_it() {
    let text = "```python\nprint(f\"Tangent: {t}\")  # Output: 1.0\n```\n";
    let t = target(
        2,
        ClaimKind::Output,
        "1.0",
        "Tangent: 0.9999999999999999",
        Place::Comment,
    );
    assert_eq!(
        fixed(text, t),
        text.replace("# Output: 1.0", "# Output: 0.9999999999999999")
    );
    // A claim that writes the label keeps it.
    let text = "```python\nprint(f\"Total: {t}\")  # Total: 4\n```\n";
    let t = target(2, ClaimKind::Output, "Total: 4", "Total: 5", Place::Comment);
    assert_eq!(fixed(text, t), text.replace("# Total: 4", "# Total: 5"));
}
