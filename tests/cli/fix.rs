//! `snipcheck fix` (issue 18): each style of failing claim rewritten in place, in its own form;
//! `verify` failing before and passing after; the note byte for byte the same elsewhere (line
//! ends and BOM included); `--dry-run`, `--loose`, and the claims it must leave.
//!
//! Every note is written to a temp dir and checked by the real binary, before and after.

use crate::support::*;
use std::path::Path;

/// One claim of each style, each wrong, in blocks that build on each other.
const WRONG: &str = r#"# Fixing

## Trailing comments

```python
x = 5
print(x)  # 6 - unchanged
word = "wow"
c = word[0]  # 'x'
```

## Comment lines below

```python
print(x * 2)
# 11
for i in range(3):
    print(i)
# Output:
# 0
# 1
print({"a": x})
#> {'a': 1}
```

## Output block

```python
for i in range(3):
    print(i * i)
```

**Output:**

```
0
1
9
```

## A session

```pycon
>>> print("a\n\nb")
a
c
>>> 1 + 1
3
```

## Exceptions

```python
int("x")  # TypeError: old message
print(int("y"))  # 5
```
"#;

/// `WRONG` fixed: only the claims differ.
const FIXED: &str = r#"# Fixing

## Trailing comments

```python
x = 5
print(x)  # 5 - unchanged
word = "wow"
c = word[0]  # 'w'
```

## Comment lines below

```python
print(x * 2)
# 10
for i in range(3):
    print(i)
# Output:
# 0
# 1
# 2
print({"a": x})
#> {'a': 5}
```

## Output block

```python
for i in range(3):
    print(i * i)
```

**Output:**

```
0
1
4
```

## A session

```pycon
>>> print("a\n\nb")
a
<BLANKLINE>
b
>>> 1 + 1
2
```

## Exceptions

```python
int("x")  # ValueError: invalid literal for int() with base 10: 'x'
print(int("y"))  # ValueError: invalid literal for int() with base 10: 'y'
```
"#;

/// A temp dir holding `notes.md` with `bytes`.
fn note(bytes: &[u8]) -> tempfile::TempDir {
    let dir = empty_dir();
    std::fs::write(dir.path().join("notes.md"), bytes).expect("write the note");
    dir
}

fn read(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join("notes.md")).expect("read the note")
}

/// The failing claims of `verify --no-snapshots` on the note.
fn failing(dir: &Path) -> Vec<String> {
    let run = snipcheck(
        dir,
        &["verify", "--no-snapshots", "--format", "json", "notes.md"],
    );
    let claims: Vec<String> = run.json()["snippets"]
        .as_array()
        .expect("snippets")
        .iter()
        .flat_map(|s| s["claims"].as_array().cloned().unwrap_or_default())
        .filter(|c| c["verdict"] == "fail")
        .map(|c| c["claimed"].as_str().unwrap_or("").to_owned())
        .collect();
    let code = if claims.is_empty() {
        EXIT_OK
    } else {
        EXIT_FAILED
    };
    expect_code(&run, code);
    claims
}

/// `verify` fails the wrong note, `fix` rewrites it into `fixed` (exit 0), and `verify` then
/// passes it.
fn fixes_into(wrong: &[u8], fixed: &[u8]) -> Run {
    let dir = note(wrong);
    assert_eq!(failing(dir.path()).len(), 10);
    let run = snipcheck(dir.path(), &["fix", "notes.md"]);
    expect_code(&run, EXIT_OK);
    assert_eq!(
        String::from_utf8_lossy(&read(dir.path())),
        String::from_utf8_lossy(fixed),
        "{}",
        run.stdout
    );
    assert_eq!(read(dir.path()), fixed);
    assert_eq!(failing(dir.path()), Vec::<String>::new());
    run
}

#[test]
fn every_style_is_rewritten_and_verify_then_passes() {
    let run = fixes_into(WRONG.as_bytes(), FIXED.as_bytes());
    for line in [
        "notes.md:7: 6 - unchanged → 5 - unchanged\n",
        "notes.md:9: 'x' → 'w'\n",
        "notes.md:16: 11 → 10\n",
        "notes.md:20: 0\\n1 → 0\\n1\\n2\n",
        "notes.md:23: {'a': 1} → {'a': 5}\n",
        "notes.md:36: 0\\n1\\n9 → 0\\n1\\n4\n",
        "notes.md:45: a\\nc → a\\n<BLANKLINE>\\nb\n",
        "notes.md:48: 3 → 2\n",
        "notes.md:54: TypeError: old message → ValueError: invalid literal for int() with base 10: 'x'\n",
        "notes.md:55: 5 → ValueError: invalid literal for int() with base 10: 'y'\n",
        "rewrote 10 claims in 1 note\n",
        "`snipcheck update` regenerates them",
    ] {
        assert!(run.stdout.contains(line), "{line:?} in\n{}", run.stdout);
    }
    // Nothing else is written: no snippets/, no expected/.
    let dir = note(WRONG.as_bytes());
    expect_code(&snipcheck(dir.path(), &["fix", "notes.md"]), EXIT_OK);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["notes.md"]);
}

#[test]
fn crlf_and_a_bom_are_kept() {
    let crlf = |text: &str| format!("\u{feff}{}", text.replace('\n', "\r\n")).into_bytes();
    fixes_into(&crlf(WRONG), &crlf(FIXED));
}

#[test]
fn a_dry_run_prints_the_diff_and_writes_nothing() {
    let dir = note(WRONG.as_bytes());
    let run = snipcheck(dir.path(), &["fix", "--dry-run", "notes.md"]);
    expect_code(&run, EXIT_OK);
    assert_eq!(read(dir.path()), WRONG.as_bytes());
    assert!(
        run.stdout
            .starts_with("--- a/notes.md\n+++ b/notes.md\n@@ "),
        "{}",
        run.stdout
    );
    for line in [
        "\n-print(x)  # 6 - unchanged\n+print(x)  # 5 - unchanged\n",
        "\n-9\n+4\n",
        "\n+<BLANKLINE>\n",
        "dry run: 10 claims would be rewritten in 1 note; nothing was written\n",
    ] {
        assert!(run.stdout.contains(line), "{line:?} in\n{}", run.stdout);
    }
}

#[test]
fn claims_fix_cannot_rewrite_are_listed_and_fail_the_run() {
    let wrong =
        "```python\nprint(object())  # 5\nprint(1, 2, sep=\"\\n\")  # 3\nprint(3)  # 4\n```\n";
    let dir = note(wrong.as_bytes());
    let run = snipcheck(dir.path(), &["fix", "notes.md"]);
    expect_code(&run, EXIT_FAILED);
    assert_eq!(
        String::from_utf8_lossy(&read(dir.path())),
        wrong.replace("# 4", "# 3")
    );
    for line in [
        "notes.md:2: not fixed: its output holds a memory address, which differs between runs (claimed 5)\n",
        "notes.md:3: not fixed: it prints 2 lines; a comment on the statement's line holds one (claimed 3)\n",
        "notes.md:4: 4 → 3\n",
        "2 failing claims not fixed",
    ] {
        assert!(run.stdout.contains(line), "{line:?} in\n{}", run.stdout);
    }
}

#[test]
fn loose_claims_only_with_loose() {
    let wrong = "```python\nprint([0, 2])  # [0,2]\n```\n";
    let dir = note(wrong.as_bytes());
    let run = snipcheck(dir.path(), &["fix", "notes.md"]);
    expect_code(&run, EXIT_OK);
    assert_eq!(read(dir.path()), wrong.as_bytes());
    assert!(
        run.stdout.contains("1 loose claim left as written"),
        "{}",
        run.stdout
    );
    let run = snipcheck(dir.path(), &["fix", "--loose", "notes.md"]);
    expect_code(&run, EXIT_OK);
    assert_eq!(
        String::from_utf8_lossy(&read(dir.path())),
        wrong.replace("[0,2]", "[0, 2]")
    );
}

#[test]
fn output_that_varies_between_runs_is_never_rewritten() {
    let wrong = "```python\nimport random\nprint(random.random())  # 0.5\n```\n";
    let dir = note(wrong.as_bytes());
    let run = snipcheck(dir.path(), &["fix", "notes.md"]);
    expect_code(&run, EXIT_OK);
    assert_eq!(read(dir.path()), wrong.as_bytes());
    assert!(
        run.stdout.contains("1 unjudged claim left as written"),
        "{}",
        run.stdout
    );
}

#[test]
fn restructured_text_claims_keep_their_indentation() {
    let wrong = "Title\n=====\n\n.. code-block:: python\n\n   print(2 + 2)  # 5\n   print('a')\n   # b\n\n>>> print(1)\n2\n";
    let dir = empty_dir();
    std::fs::write(dir.path().join("notes.rst"), wrong).expect("write");
    let verify = |dir: &Path| snipcheck(dir, &["verify", "--no-snapshots", "notes.rst"]);
    expect_code(&verify(dir.path()), EXIT_FAILED);
    expect_code(&snipcheck(dir.path(), &["fix", "notes.rst"]), EXIT_OK);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.rst")).expect("read"),
        wrong
            .replace("# 5", "# 4")
            .replace("   # b", "   # a")
            .replace("\n2\n", "\n1\n")
    );
    expect_code(&verify(dir.path()), EXIT_OK);
}
