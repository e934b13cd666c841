//! Colours (issue 17): `--color auto|always|never`, `NO_COLOR`, `FORCE_COLOR` and
//! `CLICOLOR_FORCE`, the flag beating the environment; diffs coloured in the human and
//! `inspect` outputs; never in machine formats or in a file written with `--output`; and a
//! snippet's own escape sequences still shown, never obeyed, among snipcheck's colours.

use crate::support::*;
use std::fs;

/// A failing multi-line output claim (a claimed-vs-actual diff), and a line that prints an
/// escape sequence of its own.
const NOTE: &str =
    "# Colours\n\n```python\nprint('a\\nb')\n# a\n# c\nprint('\\x1b[2Jcleared')  # cleared\n```\n";

/// The SGR sequence snipcheck paints removed lines (claimed) with.
const RED: &str = "\u{1b}[31m";
/// ... and added lines (actual).
const GREEN: &str = "\u{1b}[32m";

fn note() -> tempfile::TempDir {
    let dir = empty_dir();
    fs::write(dir.path().join("colours.md"), NOTE).expect("write the note");
    dir
}

/// `verify colours.md` with `args` and the environment `env`.
fn verify(dir: &tempfile::TempDir, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Snipcheck::new(
        ["verify", "--no-snapshots", "colours.md"]
            .iter()
            .chain(args)
            .copied(),
    )
    .cwd(dir.path());
    for (key, value) in env {
        command = command.env(key, value);
    }
    let run = command.run();
    expect_code(&run, EXIT_FAILED);
    run
}

#[track_caller]
fn assert_coloured(run: &Run, coloured: bool) {
    let has = run.stdout.contains(RED) && run.stdout.contains(GREEN);
    let any = run.stdout.contains('\u{1b}');
    if coloured {
        assert!(has, "{}: no coloured diff:\n{}", run.label, run.stdout);
    } else {
        assert!(!any, "{}: colours:\n{}", run.label, run.stdout);
    }
}

#[test]
fn the_flag_and_each_variable_turn_colours_on_or_off() {
    let dir = note();
    // Not a terminal: no colours unless asked.
    assert_coloured(&verify(&dir, &[], &[]), false);
    assert_coloured(&verify(&dir, &["--color", "always"], &[]), true);
    assert_coloured(&verify(&dir, &[], &[("FORCE_COLOR", "1")]), true);
    assert_coloured(&verify(&dir, &[], &[("CLICOLOR_FORCE", "1")]), true);
    assert_coloured(&verify(&dir, &[], &[("FORCE_COLOR", "0")]), false);
    // NO_COLOR (any non-empty value) beats the forcing variables; an empty one is unset.
    assert_coloured(
        &verify(&dir, &[], &[("NO_COLOR", "1"), ("FORCE_COLOR", "1")]),
        false,
    );
    assert_coloured(
        &verify(&dir, &[], &[("NO_COLOR", ""), ("FORCE_COLOR", "1")]),
        true,
    );
    // The flag beats the environment, both ways.
    assert_coloured(
        &verify(&dir, &["--color", "always"], &[("NO_COLOR", "1")]),
        true,
    );
    assert_coloured(
        &verify(
            &dir,
            &["--color", "never"],
            &[("FORCE_COLOR", "1"), ("CLICOLOR_FORCE", "1")],
        ),
        false,
    );
    assert_coloured(&verify(&dir, &["--color", "auto"], &[]), false);
}

#[test]
fn the_diff_is_coloured_and_the_snippets_escapes_are_still_shown() {
    let dir = note();
    let run = verify(&dir, &["--color", "always"], &[]);
    assert!(
        run.stdout.contains(&format!("{RED}-c\u{1b}[0m")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("{GREEN}+b\u{1b}[0m")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("\\x1b[2Jcleared"), "{}", run.stdout);
    assert!(!run.stdout.contains("\u{1b}[2J"), "{}", run.stdout);

    let inspect = Snipcheck::new(["inspect", "colours.md:5", "--color", "always"])
        .cwd(dir.path())
        .run();
    expect_code(&inspect, EXIT_FAILED);
    assert!(
        inspect.stdout.contains(&format!("  {RED}-c\u{1b}[0m\n")),
        "{}",
        inspect.stdout
    );
    assert!(
        inspect.stdout.contains(&format!("  {GREEN}+b\u{1b}[0m\n")),
        "{}",
        inspect.stdout
    );
    let plain = Snipcheck::new(["inspect", "colours.md:5"])
        .cwd(dir.path())
        .run();
    assert!(!plain.stdout.contains('\u{1b}'), "{}", plain.stdout);
    assert!(plain.stdout.contains("\n  -c\n  +b\n"), "{}", plain.stdout);

    let escapes = Snipcheck::new(["inspect", "colours.md:7", "--color", "always"])
        .cwd(dir.path())
        .run();
    assert!(
        escapes.stdout.contains("\\x1b[2Jcleared"),
        "{}",
        escapes.stdout
    );
    assert!(!escapes.stdout.contains("\u{1b}[2J"), "{}", escapes.stdout);
}

#[test]
fn machine_formats_and_output_files_are_never_coloured() {
    let dir = note();
    for format in ["json", "junit", "github", "html"] {
        let run = verify(
            &dir,
            &["--format", format, "--color", "always"],
            &[("FORCE_COLOR", "1")],
        );
        // The snippet's own ESC is in the JSON as `\u001b`; no raw ESC anywhere.
        assert!(
            !run.stdout.contains(RED) && !run.stdout.contains(GREEN),
            "{format}:\n{}",
            run.stdout
        );
    }
    let file = dir.path().join("report.txt");
    let run = verify(
        &dir,
        &[
            "--output",
            file.to_str().expect("UTF-8 path"),
            "--color",
            "always",
        ],
        &[],
    );
    let written = fs::read_to_string(&file).expect("read the report");
    assert!(!written.contains('\u{1b}'), "{written}");
    assert!(written.contains("\n           -c\n"), "{written}");
    // The terminal's copy is coloured as asked.
    assert_coloured(&run, true);
}
