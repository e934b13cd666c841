//! reStructuredText notes: a realistic chapter (code-block with trailing claims, a Sphinx
//! `doctest` block, `testcode`/`testoutput` pairs, `>>>` literal blocks, a literal block that
//! is shell output, blocks nested in a `.. note::` and a list item) runs end to end, with
//! claims, verdicts and ids pointing into the `.rst` file.

use crate::support::*;
use serde_json::Value;

const CHAPTER: &str = r#".. _chapter-numbers:

==================
Chapter 3: Numbers
==================

Integers
========

Python integers have arbitrary precision.

.. code-block:: python
   :caption: big numbers
   :linenos:

   big = 2 ** 100
   print(big)  # 1267650600228229401496703205376
   print(len(str(big)))  # 99

Small-int caching is an implementation detail, and each example is compiled on its own:

.. doctest::
   :options: +NORMALIZE_WHITESPACE

   >>> a = 257
   >>> b = 257
   >>> a is b
   False
   >>> a == b
   True

   >>> 7 // 2
   4

Floats
======

.. note::

   Floats are binary fractions, so some decimals cannot be represented.
   Never paste ``<script>alert(1)</script>`` into a note.

   .. testcode::

      print(0.1 + 0.2)

   .. testoutput::
      :options: +NORMALIZE_WHITESPACE

      0.30000000000000004

.. testcode::

   print(round(2.675, 2))

Rounding to an even digit surprises people; the output is not what one expects:

.. testoutput::

   2.68

Sessions
========

A literal block holding a session::

    >>> sorted({3, 1, 2})
    [1, 2, 3]
    >>> "py" * 2
    'pypy'

.. highlight:: none

Running it from the shell looks like this::

    $ python3 -c "print(1)"
    1
    >>> this would be a syntax error

Lists
=====

#. Make a list:

   .. code-block:: python

      xs = [3, 1, 2]
      xs.sort()
      print(xs)  # [1, 2, 3]
      print(xs[0])  # 3
"#;

/// Writes the chapter to a temp dir and verifies it with `--format json`.
fn verify_chapter() -> (Run, Value) {
    let dir = empty_dir();
    std::fs::write(dir.path().join("chapter.rst"), CHAPTER).expect("write the chapter");
    let run = snipcheck(
        dir.path(),
        &[
            "verify",
            "--no-snapshots",
            "--format",
            "json",
            "chapter.rst",
        ],
    );
    let report = run.json().clone();
    (run, report)
}

#[test]
fn a_chapter_runs_with_rst_lines_verdicts_and_ids() {
    let (run, report) = verify_chapter();
    assert_eq!(run.code, EXIT_FAILED, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        report["documents"][0]["problems"],
        serde_json::json!([]),
        "{:#}",
        report["documents"]
    );
    // The shell literal block after `.. highlight:: none` is not a snippet; every other
    // block is, by section.
    assert_eq!(
        ids(&report),
        [
            "chapter/integers",
            "chapter/integers-2",
            "chapter/floats",
            "chapter/floats-2",
            "chapter/sessions",
            "chapter/lists",
        ]
    );
    assert!(!has_claim_on(
        &report,
        line_of(CHAPTER, "$ python3 -c \"print(1)\"")
    ));
    assert!(!has_claim_on(
        &report,
        line_of(CHAPTER, ">>> this would be a syntax error")
    ));
    assert_summary(&report, 1, 6, [7, 0, 4, 0], 0);

    // A code-block: lines of the .rst file, options skipped.
    let integers = snippet(&report, "chapter/integers");
    assert_eq!(integers["start_line"], line_of(CHAPTER, "big = 2 ** 100"));
    assert_eq!(
        integers["end_line"],
        line_of(CHAPTER, "print(len(str(big)))")
    );
    assert_eq!(integers["section"], "Integers");
    let big = claim_on(&report, line_of(CHAPTER, "print(big)"));
    assert_claim(big, "output", "pass", "1267650600228229401496703205376");
    let digits = claim_on(&report, line_of(CHAPTER, "print(len(str(big)))"));
    assert_claim(digits, "output", "fail", "99");
    assert_eq!(digits["actual"], "31");

    // A doctest block: one claim per example that shows output, doctest's verdicts.
    let session = snippet(&report, "chapter/integers-2");
    assert_eq!(session["start_line"], line_of(CHAPTER, ">>> a = 257"));
    let claims = claims(session);
    assert_eq!(claims.len(), 3, "{session:#}");
    let floor = claim_on(&report, line_of(CHAPTER, ">>> 7 // 2"));
    assert_claim(floor, "output", "fail", "4");
    assert_eq!(floor["actual"], "3");
    assert_eq!(floor["claim_line"], line_of(CHAPTER, ">>> 7 // 2") + 1);

    // testcode/testoutput: the output block's first line is the claim's line, in a note too.
    let note = snippet(&report, "chapter/floats");
    assert_eq!(note["start_line"], line_of(CHAPTER, "print(0.1 + 0.2)"));
    let sum = claim_on(&report, line_of(CHAPTER, "print(0.1 + 0.2)"));
    assert_claim(sum, "output", "pass", "0.30000000000000004");
    assert_eq!(
        sum["claim_line"],
        line_of(CHAPTER, "   0.30000000000000004")
    );
    let rounded = claim_on(&report, line_of(CHAPTER, "print(round(2.675, 2))"));
    assert_claim(rounded, "output", "fail", "2.68");
    assert_eq!(rounded["actual"], "2.67");
    assert_eq!(rounded["claim_line"], line_of(CHAPTER, "   2.68"));

    // A `::` literal block that starts with `>>>` is a session.
    assert_claim(
        claim_on(&report, line_of(CHAPTER, ">>> sorted({3, 1, 2})")),
        "output",
        "pass",
        "[1, 2, 3]",
    );
    assert_claim(
        claim_on(&report, line_of(CHAPTER, ">>> \"py\" * 2")),
        "output",
        "pass",
        "'pypy'",
    );

    // A code-block inside a list item.
    let lists = snippet(&report, "chapter/lists");
    assert_eq!(lists["start_line"], line_of(CHAPTER, "xs = [3, 1, 2]"));
    assert_claim(
        claim_on(&report, line_of(CHAPTER, "print(xs)")),
        "output",
        "pass",
        "[1, 2, 3]",
    );
    let first = claim_on(&report, line_of(CHAPTER, "print(xs[0])"));
    assert_claim(first, "output", "fail", "3");
    assert_eq!(first["actual"], "1");
}

#[test]
fn a_doctest_block_has_repl_semantics() {
    let (_, report) = verify_chapter();
    // Each example is compiled on its own, as in the REPL: 257 is not cached, `a is b` is False.
    let is = claim_on(&report, line_of(CHAPTER, ">>> a is b"));
    assert_claim(is, "output", "pass", "False");
    assert_eq!(is["claim_line"], line_of(CHAPTER, ">>> a is b") + 1);
    assert_claim(
        claim_on(&report, line_of(CHAPTER, ">>> a == b")),
        "output",
        "pass",
        "True",
    );
    // Assignments show nothing: no claim.
    assert!(!has_claim_on(&report, line_of(CHAPTER, ">>> a = 257")));
}

#[test]
fn problems_in_rst_are_reported_with_lines() {
    let text = "Title\n=====\n\n.. code-block:: python\n\n.. testoutput::\n\n   1\n\n.. snipcheck: skip reason=\"later\"\n\nA paragraph.\n\n.. code-block:: python\n   print(1)\n\n.. code-block:: python\n\n   print(2)  # 2\n";
    let dir = empty_dir();
    std::fs::write(dir.path().join("broken.rst"), text).expect("write");
    let run = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "--format", "json", "broken.rst"],
    );
    let report = run.json();
    assert_eq!(run.code, EXIT_FAILED, "{}", run.stdout);
    let problems: Vec<(u64, String)> = report["documents"][0]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().expect("line"),
                str_field(p, "message").to_owned(),
            )
        })
        .collect();
    // The empty code-block, the orphan testoutput, the dangling directive, the content
    // without a blank line.
    let lines: Vec<u64> = problems.iter().map(|p| p.0).collect();
    assert_eq!(lines, [4, 6, 10, 15], "{problems:?}");
    let source: Vec<&str> = text.lines().collect();
    assert_eq!(source[3], ".. code-block:: python");
    assert_eq!(source[5], ".. testoutput::");
    assert!(source[9].starts_with(".. snipcheck: skip"));
    assert_eq!(source[14], "   print(1)");
    assert!(problems[0].1.contains("has no content"), "{problems:?}");
    assert!(problems[1].1.contains("without a `.. testcode::`"));
    assert!(problems[2].1.contains("not directly before"));
    assert!(problems[3].1.contains("not an option"));
    // The good block still runs.
    assert_eq!(ids(report), ["broken/title"]);
    assert_claim(
        claim_on(report, line_of(text, "print(2)")),
        "output",
        "pass",
        "2",
    );
    assert_eq!(report["summary"]["errors"], 4);
}

#[test]
fn a_directory_holds_markdown_and_rst_notes() {
    let dir = empty_dir();
    let notes = dir.path().join("notes");
    std::fs::create_dir_all(notes.join("deeper")).expect("mkdir");
    std::fs::write(notes.join("a.md"), "# A\n\n```python\nprint(1)  # 1\n```\n").expect("a");
    std::fs::write(
        notes.join("deeper").join("b.rst"),
        "B\n=\n\n.. code-block:: python\n\n   print(2)  # 2\n",
    )
    .expect("b");
    std::fs::write(notes.join("c.txt"), ">>> 1\n2\n").expect("c");
    let run = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "--format", "json", "notes"],
    );
    let report = run.json();
    assert_eq!(run.code, EXIT_OK, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(ids(report), ["a/a", "b/b"]);
    assert_summary(report, 2, 2, [2, 0, 0, 0], 0);
}

#[test]
fn the_html_report_shows_rst_as_escaped_text_with_annotated_blocks() {
    let dir = empty_dir();
    std::fs::write(dir.path().join("chapter.rst"), CHAPTER).expect("write the chapter");
    let run = snipcheck(
        dir.path(),
        &[
            "verify",
            "--no-snapshots",
            "--format",
            "html",
            "chapter.rst",
        ],
    );
    assert_eq!(run.code, EXIT_FAILED, "{}", run.stderr);
    let page = &run.stdout;
    assert!(page.contains("<article class=\"markdown rst\">"), "{page}");
    // The note's text is shown, escaped; nothing from it becomes markup.
    assert!(!page.contains("<script>alert(1)"), "{page}");
    assert!(page.contains("``&lt;script&gt;alert(1)&lt;/script&gt;``"));
    // Prose is preformatted text with its line, never rendered reST.
    let title_line = line_of(CHAPTER, "Chapter 3: Numbers") - 1;
    assert!(
        page.contains(&format!(
            "<pre class=\"rst-text\" data-line=\"{title_line}\">==================\nChapter 3: Numbers"
        )),
        "{page}"
    );
    // Every snippet is annotated, its lines numbered as in the .rst file and dedented.
    for id in [
        "chapter/integers",
        "chapter/integers-2",
        "chapter/floats",
        "chapter/floats-2",
        "chapter/sessions",
        "chapter/lists",
    ] {
        assert!(page.contains(&format!("data-id=\"{id}\"")), "{id}");
    }
    let xs = line_of(CHAPTER, "xs = [3, 1, 2]");
    assert!(
        page.contains(&format!(
            "data-line=\"{xs}\"><a class=\"ln\" href=\"#d0-L{xs}\">{xs}</a><span class=\"gutter\" aria-hidden=\"true\"></span><code>xs = [3, 1, 2]</code>"
        )),
        "{page}"
    );
    // One marker per claim: 7 pass, 4 fail.
    assert_eq!(page.matches("data-verdict=\"pass\" data-line").count(), 7);
    assert_eq!(page.matches("data-verdict=\"fail\" data-line").count(), 4);
    // The shell literal block stays text.
    assert!(page.contains("    $ python3 -c &quot;print(1)&quot;"));
}

#[test]
fn testsetup_code_runs_before_sphinx_tests_and_shows_as_a_prelude() {
    let dir = empty_dir();
    let text = "Setup\n=====\n\n.. testsetup::\n\n   import math\n   base = 10\n\n.. doctest::\n\n   >>> math.sqrt(base * 10)\n   10.0\n\n.. testcode::\n\n   print(base + 1)\n\n.. testoutput::\n\n   11\n\n.. code-block:: python\n\n   print(\"base\" in globals())  # False\n";
    std::fs::write(dir.path().join("setup.rst"), text).expect("write doc");
    let run = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "--format", "json", "setup.rst"],
    );
    let report = run.json();
    assert_eq!(run.code, EXIT_OK, "{}", run.stdout);
    assert_summary(report, 1, 3, [3, 0, 0, 0], 0);
    for id in ["setup/setup", "setup/setup-2"] {
        assert_eq!(
            snippet(report, id)["settings"]["prelude"],
            "import math\nbase = 10\n",
            "{id}"
        );
    }
    // A plain code-block is not one of Sphinx's tests: no setup, its own namespace.
    assert_eq!(snippet(report, "setup/setup-3")["settings"], Value::Null);
}
