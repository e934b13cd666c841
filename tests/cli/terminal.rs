//! The terminal is not the snippet's: whatever a note or a snippet writes — escape sequences,
//! carriage returns, bells, bidirectional overrides, messages with line breaks — reaches the
//! human, GitHub, `inspect` and `run` output shown, never obeyed, and no line of the report can
//! be forged; the JSON report keeps the text exactly as it was.

use crate::support::*;
use std::fs;

/// A note whose section title, claims and snippet try every trick on the terminal.
const NOTE: &str = "# Tricks \u{1b}]0;owned\u{7}\n\
```python\n\
print('\\x1b[2J\\x1b[Hclean screen')  # clean screen\n\
print('\\x1b]52;c;aGk=\\x07copied')  # copied\n\
print('FAIL\\rok  ')  # ok\n\
print('\\u202ekcatta')  # attack\n\
raise ValueError('boom\\nresult: ok\\x1b[0m')\n\
```\n";

/// Fails when `text` holds a character a terminal would obey (other than line breaks and tabs).
fn assert_inert(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| {
            (c.is_control() && c != '\n' && c != '\t')
                || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}')
        })
        .collect();
    assert!(bad.is_empty(), "{what} lets {bad:?} through:\n{text}");
}

#[test]
fn escape_sequences_from_notes_and_snippets_are_shown_not_obeyed() {
    let dir = empty_dir();
    fs::write(dir.path().join("tricks.md"), NOTE).expect("write");
    let human = Snipcheck::new(["verify", "tricks.md"])
        .cwd(dir.path())
        .run();
    expect_code(&human, EXIT_FAILED);
    assert_inert("the human report", &human.stdout);
    // Shown, visibly, where they were.
    assert!(
        human.stdout.contains("\\x1b[2J\\x1b[Hclean screen"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("\\x1b]52;c;aGk=\\x07copied"),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("FAIL\\rok"), "{}", human.stdout);
    assert!(human.stdout.contains("\\u{202e}kcatta"), "{}", human.stdout);
    // The message's line break cannot start a line of its own: the only result line is real.
    assert!(
        human.stdout.contains("boom\\nresult: ok\\x1b[0m"),
        "{}",
        human.stdout
    );
    let results: Vec<&str> = human
        .stdout
        .lines()
        .filter(|l| l.starts_with("result:"))
        .collect();
    assert_eq!(results, ["result: FAILED"], "{}", human.stdout);

    let github = Snipcheck::new(["verify", "tricks.md", "--format", "github"])
        .cwd(dir.path())
        .run();
    assert_inert("the GitHub report", &github.stdout);
    assert!(
        github.stdout.lines().all(|l| l.starts_with("::")),
        "every line is a workflow command snipcheck wrote:\n{}",
        github.stdout
    );

    let inspect = Snipcheck::new(["inspect", "tricks.md:7"])
        .cwd(dir.path())
        .run();
    assert_inert("inspect", &inspect.stdout);
    assert!(inspect.stdout.contains("boom"), "{}", inspect.stdout);

    let snippet = dir.path().join("tricks.py");
    fs::write(
        &snippet,
        "print('\\x1b[2J\\x07bell')\nraise ValueError('x\\x1b]0;t\\x07')\n",
    )
    .expect("write");
    let run = Snipcheck::new(["run", "tricks.py"]).cwd(dir.path()).run();
    assert_inert("run", &run.stdout);
    assert!(run.stdout.contains("\\x1b[2J\\x07bell"), "{}", run.stdout);

    // The JSON report is for machines: the text as it really was.
    let json = Snipcheck::new(["verify", "tricks.md", "--format", "json"])
        .cwd(dir.path())
        .run();
    let actual = json.json()["snippets"][0]["claims"][0]["actual"]
        .as_str()
        .expect("actual");
    assert_eq!(actual, "\u{1b}[2J\u{1b}[Hclean screen");
}

#[test]
fn error_messages_show_what_they_quote() {
    let dir = empty_dir();
    // A path that does not exist is quoted in the error.
    let run = Snipcheck::new(["verify", "nope\u{1b}]0;owned\u{7}.md"])
        .cwd(dir.path())
        .run();
    expect_code(&run, EXIT_ERROR);
    assert_inert("the error message", &run.stderr);
    assert!(
        run.stderr.contains("nope\\x1b]0;owned\\x07.md"),
        "{}",
        run.stderr
    );
}
