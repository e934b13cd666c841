//! `verify --partition SCHEME:K/N` and `report merge`: every snippet runs in exactly one shard,
//! `continue` chains stay together, and the shards' JSON reports merge into exactly the report
//! (and exit code) of the unpartitioned run, in every format `merge` offers.
//!
//! The project is a temp dir with a `snipcheck.toml`, so snapshots (`expected/`) and
//! `snippets/` are compared too: one orphaned snapshot, one orphaned snippet file and one stale
//! snippet file show that a shard neither reports the other shards' files as orphans nor loses
//! the real ones. Every run has `CI` set, so nothing is written and runs can be compared.

use crate::support::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// Twelve blocks: a `continue` chain of three, a failing claim, a documented exception, a
/// value claim, a skipped block.
const NOTE: &str = r#"# Shards

## Arithmetic

```python
print(1 + 1)  # 2
```

```python
print(2 * 3)  # 6
```

## Cells

```python
counter = 10
```

<!-- snipcheck: continue -->
```python
counter += 1
print(counter)  # 11
```

<!-- snipcheck: continue -->
```python
print(counter * 2)  # 22
```

## Strings

```python
print("ab" * 2)  # abab
```

```python
print("x".upper())  # X
```

## Broken

```python
print(sorted([3, 1, 2]))  # [3, 1, 2]
```

## Errors

```python
int("x")  # ValueError: invalid literal for int() with base 10: 'x'
```

## Values

```python
len([1, 2, 3])  # 3
```

## Skipped

<!-- snipcheck: skip reason="needs a GPU" -->
```python
import torch
```

## Last

```python
print(sum(range(4)))  # 6
```
"#;

const CHAIN: [&str; 3] = ["shards/cells", "shards/cells-2", "shards/cells-3"];

/// Runs the binary in `cwd` with `CI` set (no `.snap.new`, no rewritten `snippets/`).
fn run(cwd: &Path, args: &[&str]) -> Run {
    Snipcheck::new(args).cwd(cwd).ci().run()
}

/// A project with `note` as `notes/shards.md`, its `snippets/` and `expected/` written by
/// `update`; with `debris`, one orphaned snapshot, one orphaned and one stale snippet file.
fn project(note: &str, debris: bool) -> tempfile::TempDir {
    let dir = empty_dir();
    let root = dir.path();
    std::fs::create_dir_all(root.join("notes")).expect("mkdir notes");
    std::fs::write(root.join("snipcheck.toml"), "notes = [\"notes/*.md\"]\n").expect("config");
    std::fs::write(root.join("notes/shards.md"), note).expect("note");
    let update = run(root, &["update"]);
    assert_eq!(update.code, EXIT_OK, "{}\n{}", update.stdout, update.stderr);
    if debris {
        // Files snipcheck wrote for a snippet that no longer exists (a real snapshot and
        // snippet file, renamed): orphans.
        let snaps = root.join("expected/shards");
        let any = std::fs::read_dir(&snaps)
            .expect("expected/shards")
            .map(|e| e.expect("entry").path())
            .find(|p| p.extension().is_some_and(|e| e == "snap"))
            .expect("a snapshot");
        std::fs::copy(&any, snaps.join("gone.snap")).expect("orphan");
        std::fs::write(
            root.join("snippets/shards/gone.py"),
            "# snipcheck snippet shards/gone\nprint()\n",
        )
        .expect("orphan");
        let stale = root.join("snippets/shards/cells-2.py");
        let mut text = std::fs::read_to_string(&stale).expect("read snippet file");
        text.push_str("# edited by hand\n");
        std::fs::write(&stale, text).expect("stale");
    }
    dir
}

/// `verify --format json` of the whole project: the run and its report.
fn whole(root: &Path) -> (Run, Value) {
    let run = run(root, &["verify", "--format", "json"]);
    let report = run.json().clone();
    (run, report)
}

/// Runs every shard of `scheme:_/total`, each writing `report-K.json`; returns their exit
/// codes and reports (in shard order) and the file names.
fn shards(root: &Path, scheme: &str, total: u32) -> (Vec<i32>, Vec<Value>, Vec<String>) {
    let mut codes = Vec::new();
    let mut reports = Vec::new();
    let mut files = Vec::new();
    for k in 1..=total {
        let file = format!("{scheme}-{k}-of-{total}.json");
        let spec = format!("{scheme}:{k}/{total}");
        let shard = run(
            root,
            &[
                "verify",
                "--partition",
                &spec,
                "--format",
                "json",
                "--output",
                &file,
            ],
        );
        assert!(
            shard.code == EXIT_OK || shard.code == EXIT_FAILED,
            "{spec}: {}\n{}",
            shard.stdout,
            shard.stderr
        );
        assert!(
            shard.stdout.contains(&format!("partition {spec}:")),
            "the human summary names the shard:\n{}",
            shard.stdout
        );
        let text = std::fs::read_to_string(root.join(&file)).expect("shard report");
        let report: Value = serde_json::from_str(&text).expect("shard report is JSON");
        assert_eq!(
            report["partition"],
            serde_json::json!({"scheme": scheme, "total": total, "shards": [k]}),
            "{spec}"
        );
        codes.push(shard.code);
        reports.push(report);
        files.push(file);
    }
    (codes, reports, files)
}

/// `report merge` of `files` (given last shard first, so the order of arguments must not
/// matter), in `format`.
fn merge(root: &Path, files: &[String], format: &str) -> Run {
    let mut args = vec!["report", "merge", "--format", format];
    args.extend(files.iter().rev().map(String::as_str));
    run(root, &args)
}

#[test]
fn every_snippet_runs_in_exactly_one_shard_and_the_shards_merge_into_the_whole_run() {
    let project = project(NOTE, true);
    let root = project.path();
    let (full_run, full) = whole(root);
    assert_eq!(
        full_run.code, EXIT_FAILED,
        "the failing claim fails the run"
    );
    let all = ids(&full);
    assert_eq!(all.len(), 12, "{all:?}");
    assert!(full.get("partition").is_none());
    let cases: Vec<(&str, u32)> = (1..=4).map(|n| ("hash", n)).chain([("count", 3)]).collect();
    for (scheme, total) in cases {
        let (codes, reports, files) = shards(root, scheme, total);
        let mut seen: BTreeSet<String> = BTreeSet::new();
        for (k, report) in reports.iter().enumerate() {
            let mine = ids(report);
            for id in &mine {
                assert!(
                    seen.insert(id.clone()),
                    "{scheme}:_/{total}: {id} is in two shards"
                );
            }
            assert_eq!(
                report["summary"]["snippets"],
                mine.len(),
                "{scheme}:{}/{total}: the summary counts only the shard's snippets",
                k + 1
            );
            let chain = CHAIN
                .iter()
                .filter(|id| mine.iter().any(|m| m == *id))
                .count();
            assert!(
                chain == 0 || chain == CHAIN.len(),
                "{scheme}:{}/{total} splits the continue chain: {mine:?}",
                k + 1
            );
            // The other shards' snapshots and snippet files are not orphans; the real
            // orphans are reported by every shard (they belong to none); the stale file only
            // by the shard that owns its snippet.
            let generated = &report["generated"];
            assert_eq!(
                generated["orphaned_snapshots"],
                serde_json::json!(["expected/shards/gone.snap"]),
                "{scheme}:{}/{total}",
                k + 1
            );
            let mut files = vec![serde_json::json!({
                "path": "snippets/shards/gone.py", "change": "orphaned"})];
            if mine.iter().any(|id| id == "shards/cells-2") {
                files.insert(
                    0,
                    serde_json::json!({"path": "snippets/shards/cells-2.py", "change": "stale"}),
                );
            }
            assert_eq!(
                generated["snippet_files"],
                Value::Array(files),
                "{scheme}:{}/{total}",
                k + 1
            );
        }
        let union: BTreeSet<String> = all.iter().cloned().collect();
        assert_eq!(
            seen, union,
            "{scheme}:_/{total}: the shards cover every snippet"
        );
        let merged = merge(root, &files, "json");
        // The whole run exits 1; so does the merge, and a shard holding the failing claim.
        assert_eq!(merged.code, full_run.code, "{}", merged.stderr);
        let owner = reports
            .iter()
            .position(|r| ids(r).iter().any(|id| id == "shards/broken"))
            .expect("some shard runs shards/broken");
        assert_eq!(codes[owner], EXIT_FAILED);
        // Nothing is left out of the comparison: the merged report of every shard has no
        // partition and no merge data, so it must equal the whole run's report exactly.
        assert_eq!(
            merged.json(),
            &full,
            "{scheme}:_/{total}: merged report differs from the unpartitioned one"
        );
    }
}

#[test]
fn merged_human_junit_and_github_reports_equal_the_unpartitioned_ones() {
    let project = project(NOTE, true);
    let root = project.path();
    let (_, _, files) = shards(root, "hash", 3);
    for format in ["human", "junit", "github"] {
        let full = run(root, &["verify", "--format", format]);
        let merged = merge(root, &files, format);
        assert_eq!(merged.code, full.code, "{format}: {}", merged.stderr);
        assert_eq!(merged.stdout, full.stdout, "{format}");
    }
    // The human report shows tracebacks and statements, which only the shards' merge data
    // carries through the JSON.
    let human = merge(root, &files, "human");
    assert!(
        human.stdout.contains("print(sorted([3, 1, 2]))"),
        "{}",
        human.stdout
    );
}

#[test]
fn merge_succeeds_when_the_whole_run_does() {
    let passing = NOTE.replace("# [3, 1, 2]", "# [1, 2, 3]");
    let project = project(&passing, false);
    let root = project.path();
    let (full_run, full) = whole(root);
    assert_eq!(full_run.code, EXIT_OK, "{}", full_run.stdout);
    let (codes, _, files) = shards(root, "hash", 2);
    assert_eq!(codes, [EXIT_OK, EXIT_OK]);
    let out = root.join("merged.json");
    let out = out.to_str().expect("UTF-8 path");
    let mut args = vec!["report", "merge", "--format", "json", "--output", out];
    args.extend(files.iter().map(String::as_str));
    let merged = run(root, &args);
    assert_eq!(merged.code, EXIT_OK, "{}\n{}", merged.stdout, merged.stderr);
    assert!(merged.stdout.contains("result: ok"), "{}", merged.stdout);
    let text = std::fs::read_to_string(out).expect("merged report written");
    let report: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(report, full);
}

#[test]
fn merge_refuses_reports_that_do_not_fit_naming_the_files() {
    let project = project(NOTE, false);
    let root = project.path();
    let (_, _, three) = shards(root, "hash", 3);
    let (_, _, two) = shards(root, "hash", 2);
    let refused = |args: &[&str], expected: &str| {
        let mut all = vec!["report", "merge"];
        all.extend_from_slice(args);
        let merged = run(root, &all);
        assert_eq!(merged.code, EXIT_ERROR, "{args:?}: {}", merged.stdout);
        assert!(
            merged.stderr.contains(expected),
            "{args:?}: expected {expected:?} in:\n{}",
            merged.stderr
        );
        assert!(merged.stdout.is_empty(), "{args:?}: {}", merged.stdout);
    };
    let [t1, t2, t3] = [&three[0], &three[1], &three[2]].map(String::as_str);
    refused(
        &[t1, t2, t3, t2],
        &format!("shard 2 of 3 is in both {t2} and {t2}"),
    );
    refused(
        &[t1, t2, &two[1]],
        &format!("{} is shard hash:2/2 but {t1} is shard hash:1/3", two[1]),
    );
    refused(
        &[t1, t3],
        &format!("shard 2 of 3 missing (merged: {t1} (hash:1/3), {t3} (hash:3/3))"),
    );
    std::fs::write(
        root.join("corrupt.json"),
        "{\"python\": \"3.11.2\",\n  \"sandbox\": [}",
    )
    .expect("write");
    refused(
        &[t1, t2, "corrupt.json"],
        "corrupt.json:2:15: not a JSON report",
    );
    std::fs::write(root.join("wrong.json"), "{\"snippets\": 3}\n").expect("write");
    refused(&["wrong.json"], "wrong.json:1:");
    refused(&[t1, "absent.json"], "failed to read absent.json");
    let whole_run = run(
        root,
        &["verify", "--format", "json", "--output", "whole.json"],
    );
    assert_eq!(whole_run.code, EXIT_FAILED);
    refused(&["whole.json"], "whole.json is the report of a whole run");

    // With --allow-missing the shards present are merged, the report says which, and the exit
    // code follows their content (shard holding the failing claim or not).
    let partial = run(
        root,
        &[
            "report",
            "merge",
            "--allow-missing",
            "--format",
            "json",
            t1,
            t3,
        ],
    );
    let report = partial.json();
    assert_eq!(report["partition"]["shards"], serde_json::json!([1, 3]));
    let failing = ids(report).iter().any(|id| id == "shards/broken");
    let expected = if failing { EXIT_FAILED } else { EXIT_OK };
    assert_eq!(partial.code, expected, "{}", partial.stderr);
}

#[test]
fn bad_partition_specs_are_usage_errors() {
    let dir = empty_dir();
    let note = fixture("output.md");
    let note = note.to_str().expect("UTF-8 path");
    for (spec, why) in [
        ("hash:0/3", "shard 0 does not exist"),
        ("hash:4/3", "shard 4 does not exist"),
        ("hash:1/0", "at least 1"),
        ("hash:1", "expected hash:K/N or count:K/N"),
        ("modulo:1/2", "unknown partition scheme"),
        ("hash:one/2", "not a whole number"),
        ("garbage", "expected hash:K/N or count:K/N"),
    ] {
        let run = run(dir.path(), &["verify", note, "--partition", spec]);
        assert_eq!(run.code, EXIT_ERROR, "{spec}: {}", run.stdout);
        assert!(
            run.stderr
                .contains(&format!("invalid value '{spec}' for '--partition"))
                && run.stderr.contains(why),
            "{spec}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{spec}: nothing runs");
    }
}
