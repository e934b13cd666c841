//! Shell completions and the man page (issue 17), generated from the parser's own definitions:
//! every subcommand `--help` lists is in both.

use crate::support::*;

/// The subcommands `snipcheck --help` lists (but `help`).
fn subcommands() -> Vec<String> {
    let help = snipcheck(&std::env::temp_dir(), &["--help"]);
    expect_code(&help, EXIT_OK);
    let listed = help
        .stdout
        .split("Commands:\n")
        .nth(1)
        .expect("a Commands section");
    let names: Vec<String> = listed
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect();
    for expected in ["verify", "init", "completions", "man", "report"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} not in {names:?}"
        );
    }
    names
}

#[test]
fn completions_are_generated_for_each_shell() {
    let dir = empty_dir();
    let commands = subcommands();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = snipcheck(dir.path(), &["completions", shell]);
        expect_code(&run, EXIT_OK);
        for command in &commands {
            assert!(
                run.stdout.contains(command.as_str()),
                "{shell}: no {command}:\n{}",
                run.stdout
            );
        }
        assert!(run.stdout.contains("color"), "{shell}: no --color");
    }
    // bash accepts the script.
    let script = dir.path().join("snipcheck.bash");
    let bash = snipcheck(dir.path(), &["completions", "bash"]);
    std::fs::write(&script, &bash.stdout).expect("write the script");
    let checked = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("run bash -n");
    assert!(
        checked.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&checked.stderr)
    );
    let unknown = snipcheck(dir.path(), &["completions", "tcsh"]);
    expect_code(&unknown, EXIT_ERROR);
}

#[test]
fn the_man_page_is_roff_and_documents_every_subcommand() {
    let run = snipcheck(&std::env::temp_dir(), &["man"]);
    expect_code(&run, EXIT_OK);
    let page = &run.stdout;
    assert!(page.starts_with(".TH snipcheck 1 "), "{page}");
    for command in subcommands() {
        let heading = format!(".SH \"SNIPCHECK {}\"\n", command.to_uppercase());
        assert!(page.contains(&heading), "no {heading:?}:\n{page}");
    }
    assert!(page.contains(".SH \"SNIPCHECK REPORT MERGE\"\n"), "{page}");
    assert!(!page.contains("WORKER"), "the private command stays out");
    for option in ["\\-\\-pyproject", "\\-\\-color", "\\-\\-partition"] {
        assert!(page.contains(option), "no {option}:\n{page}");
    }
    assert!(page.contains(".SH \"EXIT CODES\""), "{page}");
}
