//! Unit tests of the HTML renderer over hand-built reports and a document read in memory (its
//! path does not exist): escaping of the notes' raw HTML, of outputs, tracebacks and paths;
//! links and images; one marker per claim; blocks found by their spans, claim details after
//! their last line; and a snapshot of the page body for a small document.

use super::{Expanded, escape, render};
use crate::judge::{CheckedClaim, ClaimKind, OutcomeKind, SnippetError, Verdict};
use crate::line::LineNo;
use crate::read::{Document, extract};
use crate::report::{DocumentReport, Report, SnippetReport, Summary};
use std::path::Path;

const SOURCE: &str = "# Demo <em>notes</em>\n\
\n\
<script>alert('note')</script>\n\
\n\
Inline <img src=x onerror=alert(1)>, [bad](javascript:alert(2)), [good](https://example.org/a?b=1&c=2)\n\
and ![pixel](https://example.invalid/p.png).\n\
\n\
```python\n\
print(1)  # 1\n\
print('<script>alert(3)</script>')  # <b>bold</b>\n\
print(A)  # <class 'A'>\n\
f()\n\
print(2)  # 2\n\
```\n\
\n\
```js\n\
let x = '<i>';\n\
```\n";

fn claim(line: u32, verdict: Verdict, claimed: &str, actual: Option<&str>) -> CheckedClaim {
    CheckedClaim {
        line: LineNo::new(line),
        claim_line: LineNo::new(line),
        claim_end_line: LineNo::new(line),
        kind: ClaimKind::Output,
        claimed: claimed.to_owned(),
        actual: actual.map(str::to_owned),
        verdict,
        normalization: (verdict == Verdict::Loose).then(|| "main-prefix".to_owned()),
        reason: match verdict {
            Verdict::Fail => Some("the output differs from the claim".to_owned()),
            Verdict::Unchecked => Some("f() <crashed> before this statement".to_owned()),
            _ => None,
        },
        after_error: false,
        source: format!("statement on {line}"),
        versions: Vec::new(),
    }
}

fn report() -> Report {
    let claims = vec![
        claim(9, Verdict::Pass, "1", Some("1")),
        claim(
            10,
            Verdict::Fail,
            "<b>bold</b>",
            Some("<script>alert(3)</script>"),
        ),
        claim(
            11,
            Verdict::Loose,
            "<class 'A'>",
            Some("<class '__main__.A'>"),
        ),
        claim(13, Verdict::Unchecked, "2", None),
    ];
    let snippet = SnippetReport {
        id: "demo/demo-notes".to_owned(),
        path: "notes/<demo>.md".to_owned(),
        start_line: LineNo::new(9),
        end_line: LineNo::new(13),
        section: Some("Demo notes".to_owned()),
        outcome: OutcomeKind::Crashed,
        error: Some(SnippetError {
            type_name: "NameError".to_owned(),
            message: "name 'f' is not defined <x>".to_owned(),
            line: Some(LineNo::new(12)),
            traceback: "Traceback (most recent call last):\n  File \"notes/<demo>.md\", line 12, in <module>\n    f()\n</pre><script>alert(4)</script>\n".to_owned(),
            blocked: None,
            needs_python: None,
            expected_by: None,
        }),
        missing_expected_error: None,
        settings: None,
        continues: None,
        skipped: None,
        claims,
        stray_output: String::new(),
        snapshot: None,
        versions: Vec::new(),
    };
    Report {
        python: "3.x".to_owned(),
        partition: None,
        sandbox: Vec::new(),
        summary: Summary {
            documents: 1,
            snippets: 1,
            claims: 4,
            pass: 1,
            loose: 1,
            fail: 1,
            unchecked: 1,
            unjudged: 0,
            errors: 1,
            unparsable: 0,
            not_run: 0,
            version_dependent: 0,
            needs_newer_python: 0,
        },
        documents: vec![DocumentReport {
            path: "notes/<demo>.md".to_owned(),
            problems: Vec::new(),
        }],
        snippets: vec![snippet],
        strict: false,
        strict_parse: false,
        filtered: false,
        venv: None,
        interpreter: None,
        interpreters: Vec::new(),
        generated: None,
    }
}

/// The document as read, in memory: its path does not exist.
fn document() -> Document {
    let document = extract(Path::new("notes/<demo>.md"), SOURCE.as_bytes());
    assert!(!document.path.exists());
    document
}

fn page() -> String {
    let report = report();
    render(&report, &[&document()], &Expanded::failing(&report))
}

#[test]
fn escape_escapes_the_five_special_characters() {
    assert_eq!(
        escape("<a href=\"x\" title='y'>&amp;</a>"),
        "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;"
    );
    assert_eq!(escape("plain ✓ text"), "plain ✓ text");
}

#[test]
fn nothing_from_notes_or_outputs_becomes_markup() {
    let page = page();
    for injected in [
        "<script",
        "<img",
        "<em>",
        "<b>bold",
        "<x>",
        "<i>",
        "</pre><script>",
        "javascript:",
        "src=\"https://example.invalid",
    ] {
        let at = page.find(injected);
        assert!(
            at.is_none(),
            "{injected:?} reached the page as markup: …{}…",
            at.map_or("", |i| &page
                [i.saturating_sub(80)..(i + 80).min(page.len())])
        );
    }
}

#[test]
fn raw_html_in_the_notes_is_shown_as_text() {
    let page = page();
    assert!(page.contains(
        "<pre class=\"raw-html\" title=\"raw HTML in the note, shown as text\">&lt;script&gt;alert(&#39;note&#39;)&lt;/script&gt;"
    ) || page.contains("&lt;script&gt;alert('note')&lt;/script&gt;"));
    assert!(page.contains("<code class=\"raw-html\">&lt;img src=x onerror=alert(1)&gt;</code>"));
    assert!(
        page.contains("<h1>Demo &lt;em&gt;notes&lt;/em&gt;</h1>")
            || page.contains("Demo <code class=\"raw-html\">&lt;em&gt;</code>notes")
    );
}

#[test]
fn outputs_claims_and_tracebacks_are_escaped() {
    let page = page();
    assert!(
        page.contains("&lt;script&gt;alert(3)&lt;/script&gt;"),
        "output"
    );
    assert!(page.contains("&lt;b&gt;bold&lt;/b&gt;"), "claim");
    assert!(
        page.contains("&lt;/pre&gt;&lt;script&gt;alert(4)&lt;/script&gt;"),
        "traceback"
    );
    assert!(
        page.contains("name &#39;f&#39; is not defined &lt;x&gt;"),
        "message"
    );
    assert!(page.contains("notes/&lt;demo&gt;.md"), "path");
}

#[test]
fn links_keep_safe_targets_only_and_images_are_not_loaded() {
    let page = page();
    assert!(page.contains("<a href=\"\">bad</a>"));
    assert!(page.contains("<a href=\"https://example.org/a?b=1&amp;c=2\">good</a>"));
    assert!(page.contains(
        "<span class=\"image\" title=\"image not loaded: https://example.invalid/p.png\">[image: pixel]</span>"
    ));
    assert!(page.contains(&format!("content=\"{}\"", super::CSP)));
}

#[test]
fn every_claim_has_one_marker_and_failing_ones_start_open() {
    let page = page();
    for (k, (verdict, icon, line)) in [
        ("pass", "✓", 9),
        ("fail", "✗", 10),
        ("loose", "≈", 11),
        ("unchecked", "?", 13),
    ]
    .into_iter()
    .enumerate()
    {
        let marker = format!(
            "<span class=\"marker {verdict}\" id=\"marker-0-{k}\" data-verdict=\"{verdict}\" data-line=\"{line}\""
        );
        assert_eq!(page.matches(&marker).count(), 1, "{marker}");
        assert!(page.contains(&format!(">{icon} {verdict}</span>")));
        let open = matches!(verdict, "fail" | "unchecked");
        let compact = verdict == "pass";
        let details = format!(
            "<details class=\"claim {verdict}{}\" id=\"claim-0-{k}\"{}>",
            if compact { " compact" } else { "" },
            if open { " open" } else { "" }
        );
        assert_eq!(page.matches(&details).count(), 1, "{details}");
        // A passing claim is its marker alone, inside its code line's element; the others are
        // a row of their own after the line, their summary saying what they hold.
        let line_end = format!("id=\"d0-L{line}\"");
        let line = &page[page.find(&line_end).expect("line")..];
        let line = &line[..line.find("</div>\n").expect("end of line")];
        assert_eq!(line.contains(&details), compact, "{line}");
        let summary = &page[page.find(&details).expect("details")..];
        let summary = &summary[..summary.find("</summary>").expect("summary")];
        assert_eq!(summary.contains("claim-summary"), !compact, "{summary}");
        assert_eq!(
            summary.matches("<span").count(),
            if compact { 1 } else { 2 }
        );
    }
    assert_eq!(
        page.matches("data-verdict=\"").count(),
        4 + 6,
        "markers + counts"
    );
    assert!(page.contains("<details class=\"snippet-error error\" id=\"error-0\" open>"));
    assert!(page.contains("<a class=\"fail\" href=\"#claim-0-1\">"));
    // The JavaScript block is plain Markdown, escaped by pulldown-cmark.
    assert!(page.contains("let x = &#39;&lt;i&gt;&#39;;") || page.contains("let x = '&lt;i&gt;';"));
}

#[test]
fn a_failing_claim_has_a_diff_and_a_loose_one_its_normalization() {
    let page = page();
    let fail = &page[page.find("id=\"claim-0-1\"").expect("fail claim")..];
    let fail = &fail[..fail.find("</details>").expect("end")];
    assert!(fail.contains("<figure class=\"diff\">"));
    assert!(fail.contains("<span class=\"row del\"><span class=\"ln\">10</span>"));
    let loose = &page[page.find("id=\"claim-0-2\"").expect("loose claim")..];
    let loose = &loose[..loose.find("</details>").expect("end")];
    assert!(loose.contains("equal only after normalization: <b>main-prefix</b>"));
    assert!(
        loose.contains("&lt;class &#39;A&#39;&gt;</span></pre>"),
        "{loose}"
    );
}

#[test]
fn snapshot_of_a_small_document() {
    let page = page();
    let body = &page[page.find("<body>").expect("body")..];
    insta::assert_snapshot!(body.replace(env!("CARGO_PKG_VERSION"), "[version]"));
}

#[test]
fn the_page_comes_from_the_document_in_memory_and_its_blocks_spans() {
    let report = report();
    let page = render(&report, &[&document()], &Expanded::default());
    let article = &page[page.find("<article").expect("article")..];
    assert!(article.contains("<div class=\"snippet fail\" id=\"snippet-0\""));
    for line in 9..=13 {
        assert!(article.contains(&format!("id=\"d0-L{line}\"")), "{line}");
    }
    assert!(!article.contains("nested-blocks"));
    // A fence that is not a block the reader found (here: a span that misses it) is plain
    // code; the snippet is then annotated after the document.
    let mut moved = document();
    moved.blocks[0].span.start += 1;
    let page = render(&report, &[&moved], &Expanded::default());
    assert!(page.contains("<pre><code class=\"language-python\">print(1)  # 1\n"));
    assert!(page.contains("<section class=\"nested-blocks\">"));
}

#[test]
fn a_claim_s_details_follow_the_last_line_of_its_text() {
    let mut report = report();
    report.snippets[0].claims[0].claim_end_line = LineNo::new(10);
    let page = render(&report, &[&document()], &Expanded::default());
    let at = |needle: &str| page.find(needle).expect(needle);
    assert!(at("id=\"d0-L10\"") < at("id=\"claim-0-0\""));
    assert!(at("id=\"claim-0-0\"") < at("id=\"d0-L11\""));
    assert!(at("id=\"d0-L9\"") < at("id=\"d0-L10\""));
}

#[test]
fn a_block_that_is_not_python_3_is_said_so_not_declared() {
    let mut report = report();
    let error = report.snippets[0].error.as_mut().expect("an error");
    error.expected_by = Some(crate::judge::ExpectedBy::NotPython);
    let page = render(&report, &[&document()], &Expanded::default());
    assert!(
        page.contains("(not valid Python 3: reported, not run; --strict-parse fails it)"),
        "{page}"
    );
    assert!(!page.contains("declared by expect-error"), "{page}");
}

#[test]
fn a_snippet_failing_only_on_its_snapshot_is_in_the_contents() {
    let mut report = report();
    let snippet = &mut report.snippets[0];
    snippet.claims.retain(|c| c.verdict == Verdict::Pass);
    snippet.error = None;
    snippet.snapshot = Some(crate::report::snapshots::SnapshotReport {
        status: crate::report::SnapshotState::Changed,
        path: "expected/<demo>/demo.snap".to_owned(),
        pending: None,
        diff: Some("-a\n+b\n".to_owned()),
        message: None,
    });
    let page = render(&report, &[&document()], &Expanded::failing(&report));
    let contents = &page[page.find("<nav class=\"toc\"").expect("contents")..];
    let contents = &contents[..contents.find("</nav>").expect("end of contents")];
    assert!(
        contents.contains("href=\"#snippet-0\"")
            && contents.contains(
                "expected/&lt;demo&gt;/demo.snap (transcript differs from the accepted snapshot)"
            ),
        "{contents}"
    );
    assert!(!contents.contains("No failing claims."), "{contents}");
}

#[test]
fn spaces_in_claims_and_statements_are_shown_as_written() {
    let mut report = report();
    let spaced = &mut report.snippets[0].claims[0];
    spaced.claimed = "    a  b|".to_owned();
    spaced.actual = Some("    a  b|".to_owned());
    spaced.source = "print(\"    a  b|\")".to_owned();
    let page = render(&report, &[&document()], &Expanded::failing(&report));
    let body = &page[page.find("id=\"claim-0-0\"").expect("claim")..];
    let body = &body[..body.find("</details>").expect("end")];
    // The text keeps every space, in elements whose white space is preserved.
    assert!(
        body.contains("<code>print(&quot;    a  b|&quot;)</code>"),
        "{body}"
    );
    assert!(body.contains("<p class=\"statement\">"), "{body}");
    assert!(body.contains(">    a  b|</span></pre>"), "{body}");
    assert!(
        body.contains("<pre class=\"output\">    a  b|</pre>"),
        "{body}"
    );
    let css = include_str!("style.css");
    assert!(
        css.contains(".claim-body .statement code, nav.toc li code { white-space: pre-wrap; }"),
        "statements keep their spaces"
    );
    assert!(css.contains("white-space: pre-wrap; word-break: break-word; }"));
    assert!(
        page.contains(".claim-body .statement code"),
        "the page carries the rule"
    );
}

#[test]
fn a_passing_claim_outside_its_block_is_a_marker_in_the_head() {
    let mut report = report();
    let outside = &mut report.snippets[0].claims[0];
    outside.claim_line = LineNo::new(15);
    outside.claim_end_line = LineNo::new(16);
    let page = render(&report, &[&document()], &Expanded::default());
    let head = &page[page.find("<div class=\"snippet-head\">").expect("head")..];
    let head = &head[..head.find("<div class=\"code\"").expect("code")];
    assert!(
        head.contains(
            "<details class=\"claim pass compact\" id=\"claim-0-0\"><summary><span class=\"marker pass\" \
             id=\"marker-0-0\" data-verdict=\"pass\" data-line=\"15\""
        ),
        "{head}"
    );
    assert!(head.contains("<pre class=\"output\">1</pre>"), "{head}");
    assert_eq!(page.matches("id=\"claim-0-0\"").count(), 1);
}
