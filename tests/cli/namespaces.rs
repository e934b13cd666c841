//! Shared namespaces across blocks: `namespace = "block" | "section" | "document"` in the
//! config, or `<!-- snipcheck: namespace=... -->` before a document's first block.

use crate::support::*;
use serde_json::Value;

#[test]
fn a_section_namespace_lets_blocks_build_on_each_other_within_their_section() {
    let text = fixture_text("namespaces.md");
    let (run, report) = verify_fixture("namespaces.md", &["--no-snapshots"]);
    assert_eq!(run.code, EXIT_OK, "{}", run.stdout);
    assert_summary(&report, 1, 6, [4, 0, 0, 0], 0);
    // A script block continues the one before it.
    assert_claim(
        claim_on(&report, line_of(&text, "print(xs)")),
        "output",
        "pass",
        "[1, 2, 3]",
    );
    // A session continues a script block, and a script block continues a session.
    assert_claim(
        claim_on(&report, line_of(&text, "[1, 2, 3, 4]") - 1),
        "output",
        "pass",
        "[1, 2, 3, 4]",
    );
    // The skipped block between them never ran, so `xs.clear()` did not happen.
    assert_eq!(snippet(&report, "namespaces/lists-4")["outcome"], "skipped");
    assert_claim(
        claim_on(&report, line_of(&text, "print(len(xs))")),
        "output",
        "pass",
        "4",
    );
    // A new section starts afresh.
    assert_claim(
        claim_on(&report, line_of(&text, "print(\"xs\" in globals())")),
        "output",
        "pass",
        "False",
    );
}

#[test]
fn the_config_sets_the_namespace_and_auto_is_the_default() {
    let text = fixture_text("namespaces.md").replace("<!-- snipcheck: namespace=section -->", "");
    let dir = empty_dir();
    std::fs::write(dir.path().join("doc.md"), &text).expect("write doc");

    // Default (`auto`): each block continues the blocks that bind what it reads, in place
    // changes included, and nothing else: the new section reads no `xs` and runs alone.
    let auto = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "--format", "json", "doc.md"],
    );
    let report = auto.json();
    assert_eq!(auto.code, EXIT_OK, "{}", auto.stdout);
    assert_eq!(report["summary"]["pass"], 4);
    let continued: Vec<&str> = snippet(report, "doc/lists-5")["continues"]["blocks"]
        .as_array()
        .expect("continues")
        .iter()
        .map(|b| b["id"].as_str().expect("id"))
        .collect();
    assert_eq!(continued, ["doc/lists", "doc/lists-2", "doc/lists-3"]);
    assert_eq!(snippet(report, "doc/dicts")["continues"], Value::Null);

    // `block`: every block alone, as `python3 file.py` runs it.
    std::fs::write(dir.path().join("snipcheck.toml"), "namespace = \"block\"\n").expect("config");
    let alone = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "--format", "json", "doc.md"],
    );
    let report = alone.json();
    assert_eq!(alone.code, EXIT_FAILED, "{}", alone.stdout);
    assert_eq!(snippet(report, "doc/lists-2")["error"]["type"], "NameError");

    // `document`: the next section sees the earlier sections' names too.
    std::fs::write(
        dir.path().join("snipcheck.toml"),
        "namespace = \"document\"\n",
    )
    .expect("config");
    let shared = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "--format", "json", "doc.md"],
    );
    let report = shared.json();
    assert_eq!(shared.code, EXIT_FAILED, "{}", shared.stdout);
    let dicts = claim_on(report, line_of(&text, "print(\"xs\" in globals())"));
    assert_claim(dicts, "output", "fail", "False");
    assert_eq!(dicts["actual"], "True");
    assert_eq!(report["summary"]["pass"], 3);
    assert_eq!(report["summary"]["errors"], 0);
}

#[test]
fn a_namespace_directive_after_the_first_block_is_a_problem_of_that_note_naming_its_line() {
    let dir = empty_dir();
    let text = "# A\n\n```python\nx = 1\n```\n\n<!-- snipcheck: namespace=document -->\n```python\nprint(x)  # 1\n```\n";
    std::fs::write(dir.path().join("late.md"), text).expect("write doc");
    // Blocks alone unless a directive says otherwise, so that a misplaced one shows.
    std::fs::write(dir.path().join("snipcheck.toml"), "namespace = \"block\"\n")
        .expect("write config");
    std::fs::write(
        dir.path().join("fine.md"),
        "```python\nprint(2)  # 2\n```\n",
    )
    .expect("write doc");
    let run = snipcheck(
        dir.path(),
        &[
            "verify",
            "--no-snapshots",
            "--format",
            "json",
            "late.md",
            "fine.md",
        ],
    );
    // The note fails with its problem; the misplaced setting is not applied; the other note
    // is still checked.
    assert_eq!(run.code, EXIT_FAILED, "{}", run.stdout);
    let report = run.json();
    let problem = &report["documents"][0]["problems"][0];
    assert_eq!(problem["line"], 7);
    assert!(
        problem["message"]
            .as_str()
            .is_some_and(|m| m.contains("first Python block (line 3)")),
        "{problem}"
    );
    assert_eq!(snippet(report, "late/a-2")["error"]["type"], "NameError");
    assert_claim(claim_on(report, 2), "output", "pass", "2");

    let bad = "<!-- snipcheck: namespace=chapter -->\n```python\nx = 1\n```\n";
    std::fs::write(dir.path().join("bad.md"), bad).expect("write doc");
    let run = snipcheck(dir.path(), &["verify", "--no-snapshots", "bad.md"]);
    assert_eq!(run.code, EXIT_FAILED, "{}", run.stdout);
    assert!(
        run.stdout.contains("bad.md:1")
            && run
                .stdout
                .contains("namespace must be auto, block, section or document"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_nested_print_claim_belongs_to_its_own_block_in_a_shared_namespace() {
    let dir = empty_dir();
    let text = "# Chain\n\n<!-- snipcheck: namespace=document -->\n```python\ndef show(x):\n    print(x)\n    #> 1\n\nshow(1)\n```\n\n```python\nfor i in range(3):\n    if i == 2:\n        print(\"two\")\n        #> two\nshow(5)\n```\n";
    std::fs::write(dir.path().join("chain.md"), text).expect("write doc");
    let run = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "--format", "json", "chain.md"],
    );
    let report = run.json();
    assert_eq!(run.code, EXIT_OK, "{}", run.stdout);
    // `show(5)` in the second block runs the first block's print: its output is not the
    // first block's claim (that block's run printed 1), nor any claim of the second block.
    assert_claim(
        claim_on(report, line_of(text, "    print(x)")),
        "output",
        "pass",
        "1",
    );
    assert_claim(
        claim_on(report, line_of(text, "print(\"two\")")),
        "output",
        "pass",
        "two",
    );
    assert_eq!(all_claims(report).len(), 2);
}

#[test]
fn front_matter_sets_a_documents_namespace_and_a_directive_too_is_a_problem_of_that_note() {
    let dir = empty_dir();
    let text = "---\ntitle: Cheat sheet\nsnipcheck-namespace: document\n---\n\n# A\n\n```python\nx = 1\n```\n\n# B\n\n```python\nprint(x + 1)  # 2\n```\n";
    std::fs::write(dir.path().join("front.md"), text).expect("write doc");
    let run = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "--format", "json", "front.md"],
    );
    let report = run.json();
    assert_eq!(run.code, EXIT_OK, "{}", run.stdout);
    assert_claim(
        claim_on(report, line_of(text, "print(x + 1)")),
        "output",
        "pass",
        "2",
    );

    let both = text.replace("# A\n\n", "# A\n\n<!-- snipcheck: namespace=section -->\n");
    std::fs::write(dir.path().join("both.md"), both).expect("write doc");
    let run = snipcheck(dir.path(), &["verify", "--no-snapshots", "both.md"]);
    assert_eq!(run.code, EXIT_FAILED, "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "both.md:8: `namespace` is set both in the front matter (line 3) and by this directive"
        ),
        "{}",
        run.stdout
    );
    // The front matter's namespace still applies.
    assert!(run.stdout.contains("1 claim: 1 pass"), "{}", run.stdout);
}

/// Every report format shows which blocks a snippet continued.
#[test]
fn every_report_format_shows_the_chain() {
    let dir = empty_dir();
    let text =
        "# A\n```python\nxs = [1]\n```\n```python\nxs.append(2)\nprint(xs)  # [1, 2, 3]\n```\n";
    std::fs::write(dir.path().join("doc.md"), text).expect("write doc");
    let chain = "continues lines 3-3 (auto: xs)";
    for format in ["human", "html", "github"] {
        let run = snipcheck(
            dir.path(),
            &["verify", "--no-snapshots", "--format", format, "doc.md"],
        );
        assert_eq!(run.code, EXIT_FAILED, "{format}: {}", run.stdout);
        assert!(run.stdout.contains(chain), "{format}: {}", run.stdout);
    }
    let junit = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "--format", "junit", "doc.md"],
    );
    assert!(
        junit
            .stdout
            .contains(&format!("<property name=\"continues\" value=\"{chain}\"/>")),
        "{}",
        junit.stdout
    );
    let json = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "--format", "json", "doc.md"],
    );
    let blocks = &snippet(json.json(), "doc/a-2")["continues"]["blocks"];
    assert_eq!(blocks[0]["id"], "doc/a");
    assert_eq!(blocks[0]["names"][0], "xs");
}
