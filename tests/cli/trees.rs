//! Whole docs trees (issue 18, part 3): notes whose stems collide get ids from their paths,
//! the same whichever files a run reads; directory walks respect `.gitignore`/`.ignore` and
//! skip hidden and vendored directories; headings in any script give readable ids; MyST
//! directive fences are read as their reStructuredText equivalents; and `snippets/` files do
//! not change when text above their block moves.

use crate::support::*;
use serde_json::Value;
use std::path::Path;

/// Writes `files` (path, text) under `dir`, making directories as needed.
fn write_tree(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write");
    }
}

/// One passing block under one heading.
fn note(heading: &str, value: u32) -> String {
    format!("# {heading}\n\n```python\nprint({value})  # {value}\n```\n")
}

/// `verify --no-snapshots --format json ARGS` in `dir`, in CI (nothing written), asserted to
/// pass; the ids, sorted.
fn verified_ids(dir: &Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["verify", "--no-snapshots", "--format", "json"];
    all.extend_from_slice(args);
    let run = Snipcheck::new(&all).cwd(dir).ci().run();
    expect_code(&run, EXIT_OK);
    let mut found = ids(run.json());
    found.sort();
    found
}

/// The files under `dir/sub`, as sorted relative paths.
fn listed(dir: &Path, sub: &str) -> Vec<String> {
    files(&dir.join(sub))
        .into_keys()
        .map(|p| p.display().to_string())
        .collect()
}

#[test]
fn colliding_stems_get_ids_from_their_paths_whatever_the_run_reads() {
    let dir = empty_dir();
    let (index, howto, guide) = (note("Intro", 1), note("Steps", 2), note("Guide", 3));
    write_tree(
        dir.path(),
        &[
            ("snipcheck.toml", "notes = [\"docs\"]\n"),
            ("docs/index.md", &index),
            ("docs/howto/index.md", &howto),
            ("docs/guide.md", &guide),
        ],
    );
    let all = ["docs/howto/index/steps", "docs/index/intro", "guide/guide"];
    assert_eq!(verified_ids(dir.path(), &[]), all);
    // The same ids when the run reads one file, or the directory, or the other index.
    assert_eq!(
        verified_ids(dir.path(), &["docs/howto/index.md"]),
        ["docs/howto/index/steps"]
    );
    assert_eq!(
        verified_ids(dir.path(), &["docs/index.md"]),
        ["docs/index/intro"]
    );
    assert_eq!(verified_ids(dir.path(), &["docs"]), all);
    // From another directory, with the config named: ids are relative to the config's.
    let elsewhere = empty_dir();
    let config = dir.path().join("snipcheck.toml");
    let note_path = dir.path().join("docs/howto/index.md");
    assert_eq!(
        verified_ids(
            elsewhere.path(),
            &[
                "--config",
                config.to_str().expect("UTF-8"),
                note_path.to_str().expect("UTF-8")
            ]
        ),
        ["docs/howto/index/steps"]
    );

    // Generated files live at the path-derived names, and only under snippets/ and expected/.
    let notes_before = files(&dir.path().join("docs"));
    expect_code(&snipcheck(dir.path(), &["update"]), EXIT_OK);
    assert_eq!(
        listed(dir.path(), "snippets"),
        [
            "docs/howto/index/steps.py",
            "docs/index/intro.py",
            "guide/guide.py"
        ]
    );
    assert_eq!(
        listed(dir.path(), "expected"),
        [
            "docs/howto/index/steps.snap",
            "docs/index/intro.snap",
            "guide/guide.snap"
        ]
    );
    let snippet_file =
        std::fs::read_to_string(dir.path().join("snippets/docs/howto/index/steps.py"))
            .expect("snippet file");
    assert!(
        snippet_file.starts_with(
            "# snipcheck snippet docs/howto/index/steps\n# from docs/howto/index.md\n"
        ),
        "{snippet_file}"
    );
    expect_code(&snipcheck(dir.path(), &["extract", "--check"]), EXIT_OK);
    expect_code(&snipcheck(dir.path(), &["verify"]), EXIT_OK);
    assert_eq!(files(&dir.path().join("docs")), notes_before);

    // Once the stems no longer collide, the other index is named by its stem again: update
    // moves its files and removes the nested directories it no longer needs.
    std::fs::remove_file(dir.path().join("docs/howto/index.md")).expect("rm");
    assert_eq!(
        verified_ids(dir.path(), &[]),
        ["guide/guide", "index/intro"]
    );
    expect_code(&snipcheck(dir.path(), &["update"]), EXIT_OK);
    assert_eq!(
        listed(dir.path(), "snippets"),
        ["guide/guide.py", "index/intro.py"]
    );
    assert_eq!(
        listed(dir.path(), "expected"),
        ["guide/guide.snap", "index/intro.snap"]
    );
    assert!(!dir.path().join("snippets/docs").exists());
    assert!(!dir.path().join("expected/docs").exists());
    assert!(
        dir.path().join("docs/howto").is_dir(),
        "notes are never removed"
    );
}

#[test]
fn notes_outside_the_config_are_named_by_path_when_their_stems_collide() {
    let dir = empty_dir();
    let (index, howto) = (note("Intro", 1), note("Steps", 2));
    write_tree(
        dir.path(),
        &[("docs/index.md", &index), ("docs/howto/index.md", &howto)],
    );
    // No config: the same rule, relative to the current directory.
    assert_eq!(
        verified_ids(dir.path(), &["docs"]),
        ["docs/howto/index/steps", "docs/index/intro"]
    );
    // A note of the config keeps its stem; one outside it that shares the stem is named by
    // its path, whether or not the configured one is read too.
    std::fs::write(
        dir.path().join("snipcheck.toml"),
        "notes = [\"docs/index.md\"]\n",
    )
    .expect("config");
    assert_eq!(
        verified_ids(dir.path(), &["docs/index.md", "docs/howto/index.md"]),
        ["docs/howto/index/steps", "index/intro"]
    );
    assert_eq!(
        verified_ids(dir.path(), &["docs/howto/index.md"]),
        ["docs/howto/index/steps"]
    );
}

#[test]
fn directory_walks_skip_ignored_hidden_and_vendored_directories() {
    let dir = empty_dir();
    // Every note that must not be read makes a false claim: reading it fails the run.
    let wrong = "```python\nprint(1)  # 2\n```\n";
    let right = "```python\nprint(1)  # 1\n```\n";
    write_tree(
        dir.path(),
        &[
            (".gitignore", "dist/\n_build/\nignored.md\n"),
            (".ignore", "drafts/\n"),
            ("a.md", right),
            ("build/b.md", right),
            ("sub/c.rst", ".. code-block:: python\n\n   print(1)  # 1\n"),
            ("dist/d.md", wrong),
            ("_build/e.md", wrong),
            ("drafts/f.md", wrong),
            ("ignored.md", wrong),
            (".hidden.md", wrong),
            (".tox/py312/g.md", wrong),
            (".venv/lib/h.md", wrong),
            (".git/i.md", wrong),
            ("node_modules/pkg/j.md", wrong),
            ("venv/k.md", wrong),
            ("__pycache__/l.md", wrong),
            ("lib/python3/site-packages/pkg/m.md", wrong),
        ],
    );
    assert_eq!(
        verified_ids(dir.path(), &["."]),
        ["a/top", "b/top", "c/top"]
    );
    // A file named on the command line is always read, ignored or vendored.
    let run = snipcheck(
        dir.path(),
        &[
            "verify",
            "--format",
            "json",
            "ignored.md",
            "node_modules/pkg/j.md",
        ],
    );
    expect_code(&run, EXIT_FAILED);
    assert_eq!(ids(run.json()), ["ignored/top", "j/top"]);
    // A directory named on the command line is walked, hidden or not.
    let run = snipcheck(dir.path(), &["verify", "--format", "json", ".tox"]);
    expect_code(&run, EXIT_FAILED);
    assert_eq!(ids(run.json()), ["g/top"]);
}

#[test]
fn headings_in_any_script_give_readable_ids() {
    let dir = empty_dir();
    let text = "# 列表\n\n```python\nprint(1)  # 1\n```\n\n## Списки и кортежи\n\n```python\nprint(2)  # 2\n```\n\n# 列表\n\n```python\nprint(3)  # 3\n```\n\n# ✅ Done!\n\n```python\nprint(4)  # 4\n```\n";
    write_tree(
        dir.path(),
        &[("snipcheck.toml", "notes = [\"n.md\"]\n"), ("n.md", text)],
    );
    let run = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "--format", "json"],
    );
    expect_code(&run, EXIT_OK);
    assert_eq!(
        ids(run.json()),
        ["n/列表", "n/списки-и-кортежи", "n/列表-2", "n/done"]
    );
    // The filter finds them by id, and the files are named by them.
    let run = snipcheck(
        dir.path(),
        &[
            "verify",
            "--no-snapshots",
            "--format",
            "json",
            "--filter",
            "n/списки",
        ],
    );
    expect_code(&run, EXIT_OK);
    assert_eq!(ids(run.json()), ["n/списки-и-кортежи"]);
    expect_code(&snipcheck(dir.path(), &["update"]), EXIT_OK);
    assert_eq!(
        listed(dir.path(), "snippets"),
        [
            "n/done.py",
            "n/списки-и-кортежи.py",
            "n/列表-2.py",
            "n/列表.py"
        ]
    );
}

const MYST: &str = r#"# MyST

```{testsetup}
import math
```

```{code-block} python
:linenos:
:caption: big numbers

print(2 ** 10)  # 1024
```

```{code-cell} ipython3
---
tags: [hide-input]
---
print(len("abc"))  # 3
```

```{doctest}
>>> 7 // 2
4
```

```{testcode}
print(math.floor(2.5))
```

```{testoutput}
:options: +NORMALIZE_WHITESPACE

2
```

```python title="area.py"
print(6 * 7)  # 42
```

```python:path/to/file.py
print("x".upper())  # X
```

```{code-block} javascript
console.log(1)  // 2
```
"#;

#[test]
fn myst_directive_fences_run_as_their_rst_equivalents() {
    let dir = empty_dir();
    write_tree(dir.path(), &[("myst.md", MYST)]);
    let run = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "--format", "json", "myst.md"],
    );
    expect_code(&run, EXIT_FAILED);
    let report: &Value = run.json();
    assert_eq!(report["documents"][0]["problems"], serde_json::json!([]));
    assert_eq!(
        ids(report),
        [
            "myst/myst",
            "myst/myst-2",
            "myst/myst-3",
            "myst/myst-4",
            "myst/myst-5",
            "myst/myst-6"
        ],
        "the JavaScript block is not read; the setup block is no snippet"
    );
    // Options are not code: the block starts at its first line of code.
    assert_eq!(
        snippet(report, "myst/myst")["start_line"],
        line_of(MYST, "print(2 ** 10)")
    );
    assert_claim(
        claim_on(report, line_of(MYST, "print(2 ** 10)")),
        "output",
        "pass",
        "1024",
    );
    assert_claim(
        claim_on(report, line_of(MYST, "print(len(\"abc\"))")),
        "output",
        "pass",
        "3",
    );
    // The doctest is a session, judged as one: its wrong output fails.
    let floor = claim_on(report, line_of(MYST, ">>> 7 // 2"));
    assert_claim(floor, "output", "fail", "4");
    assert_eq!(floor["actual"], "3");
    // testcode runs after testsetup; its testoutput is its output block.
    let testcode = claim_on(report, line_of(MYST, "print(math.floor(2.5))"));
    assert_claim(testcode, "output", "pass", "2");
    assert_eq!(
        testcode["claim_line"],
        line_of(MYST, "print(math.floor(2.5))") + 6
    );
    assert_claim(
        claim_on(report, line_of(MYST, "6 * 7")),
        "output",
        "pass",
        "42",
    );
    assert_claim(
        claim_on(report, line_of(MYST, "\"x\".upper()")),
        "output",
        "pass",
        "X",
    );
    assert_summary(report, 1, 6, [5, 0, 1, 0], 0);
}

#[test]
fn snippet_files_do_not_change_when_text_above_their_block_moves() {
    let dir = updated_project();
    let before = files(&dir.path().join("snippets"));
    // A line added to the first section moves every later block down.
    edit_notes(dir.path(), |t| {
        t.replacen("## Lists\n", "## Lists\n\nOne more sentence.\n", 1)
    });
    let run = snipcheck(dir.path(), &["extract", "--check"]);
    expect_code(&run, EXIT_OK);
    assert_eq!(files(&dir.path().join("snippets")), before);
    expect_code(&snipcheck(dir.path(), &["verify"]), EXIT_OK);
    assert_eq!(files(&dir.path().join("snippets")), before);
    // Editing a block's code does make its file stale.
    edit_notes(dir.path(), |t| {
        t.replace("a = [1, 2]", "a = [1, 2]  # changed")
    });
    let run = snipcheck(dir.path(), &["extract", "--check"]);
    expect_code(&run, EXIT_FAILED);
    assert!(run.stdout.contains("stale"), "{}", run.stdout);
}

// Noise (issue 18, part 4).

#[test]
fn a_wrong_claim_is_one_github_annotation_with_its_snapshot_folded_in() {
    let dir = empty_dir();
    let text = "# A\n\n```python\nprint(1)  # 1\nprint(\"x\")  # x\n```\n";
    write_tree(
        dir.path(),
        &[("snipcheck.toml", "notes = [\"n.md\"]\n"), ("n.md", text)],
    );
    expect_code(&snipcheck(dir.path(), &["update"]), EXIT_OK);
    std::fs::write(dir.path().join("n.md"), text.replace("# 1\n", "# 2\n")).expect("edit");
    let run = Snipcheck::new(["verify", "--format", "github"])
        .cwd(dir.path())
        .ci()
        .run();
    expect_code(&run, EXIT_FAILED);
    let annotations: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error file=n.md,"))
        .collect();
    // The notes get one annotation (snippets/ being stale is a finding about another file).
    assert_eq!(annotations.len(), 1, "{}", run.stdout);
    let claim = annotations[0];
    assert!(
        claim.starts_with("::error file=n.md,line=4,title=snipcheck%3A claim fails::"),
        "{claim}"
    );
    // The snapshot's state and diff are in the claim's annotation.
    assert!(
        claim
            .contains("snapshot: transcript differs from the accepted snapshot: expected/n/a.snap"),
        "{claim}"
    );
    assert!(claim.contains("-L1 print(1)"), "{claim}");

    // A snapshot that changed with no failing claim is still annotated on its own.
    std::fs::write(
        dir.path().join("n.md"),
        text.replace("print(\"x\")  # x\n", "print(\"x\")  # x\nprint(\"y\")\n"),
    )
    .expect("edit");
    let run = Snipcheck::new(["verify", "--format", "github"])
        .cwd(dir.path())
        .ci()
        .run();
    expect_code(&run, EXIT_FAILED);
    let titles: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error file=n.md,"))
        .filter_map(|l| l.split("title=").nth(1)?.split("::").next())
        .collect();
    assert_eq!(
        titles,
        ["snipcheck%3A transcript differs from the accepted snapshot"],
        "{}",
        run.stdout
    );
}

#[test]
fn documents_without_a_snippet_matching_the_filter_are_not_printed() {
    let dir = empty_dir();
    let (a, b) = (note("Alpha", 1), note("Beta", 2));
    write_tree(dir.path(), &[("a.md", &a), ("b.md", &b)]);
    let run = snipcheck(
        dir.path(),
        &[
            "verify",
            "--no-snapshots",
            "--filter",
            "beta",
            "a.md",
            "b.md",
        ],
    );
    expect_code(&run, EXIT_OK);
    let report = without_header(&run.stdout);
    assert!(report.contains("\nb.md\n"), "{report}");
    assert!(!report.contains("a.md"), "{report}");
    // Without a filter both are listed.
    let run = snipcheck(dir.path(), &["verify", "--no-snapshots", "a.md", "b.md"]);
    expect_code(&run, EXIT_OK);
    assert!(run.stdout.contains("\na.md\n") && run.stdout.contains("\nb.md\n"));
}
