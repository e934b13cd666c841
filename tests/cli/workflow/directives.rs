//! Directives in the notes and the same keys in `snipcheck.toml`.

use crate::support::*;

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|err| panic!("{err}\n{}\n{}", run.stdout, run.stderr))
}

fn snippet<'a>(json: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    json["snippets"]
        .as_array()
        .expect("snippets")
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no snippet {id}"))
}

#[test]
fn skip_continue_expect_error_and_timeout_apply() {
    let dir = updated_project();
    let run = snipcheck(dir.path(), &["verify", "--format", "json"]);
    expect_code(&run, 0);
    let json = json(&run);
    let skipped = snippet(&json, "demo/skipped");
    assert_eq!(skipped["outcome"], "skipped");
    assert_eq!(skipped["settings"]["skip"], "needs a GPU");
    let cells = snippet(&json, "demo/cells-2");
    assert_eq!(cells["settings"]["continue"], true);
    assert_eq!(cells["claims"][0]["actual"], "11");
    assert_eq!(cells["claims"][0]["verdict"], "pass");
    let placeholder = snippet(&json, "demo/placeholder");
    assert_eq!(placeholder["error"]["type"], "NameError");
    assert_eq!(placeholder["error"]["expected_by"], "config");
    let settings = snippet(&json, "demo/config-settings");
    assert_eq!(settings["settings"]["timeout"], 30.0);
    assert_eq!(settings["settings"]["prelude"], "greeting = 'hi'");
}

#[test]
fn a_timeout_directive_is_enforced() {
    let dir = updated_project();
    edit_notes(dir.path(), |t| {
        t.replace(
            "<!-- snipcheck: timeout=30 -->",
            "<!-- snipcheck: timeout=0.5 -->\n",
        )
        .replace(
            "print(greeting)  # hi",
            "import time\ntime.sleep(5)\nprint(greeting)  # hi",
        )
    });
    let run = snipcheck(
        dir.path(),
        &["verify", "--format", "json", "--no-snapshots"],
    );
    expect_code(&run, 1);
    let json = json(&run);
    assert_eq!(snippet(&json, "demo/config-settings")["outcome"], "timeout");
}

#[test]
fn broken_directives_are_errors_naming_file_and_line() {
    let dir = updated_project();
    edit_notes(dir.path(), |t| {
        t.replace(
            "<!-- snipcheck: continue -->",
            "<!-- snipcheck: continu -->",
        )
        .replace(
            "## Placeholder",
            "<!-- snipcheck: skip reason=\"nothing follows\" -->\n\nJust text.\n\n## Placeholder",
        )
    });
    let typo = demo_line_of(dir.path(), "snipcheck: continu ");
    let dangling = demo_line_of(dir.path(), "nothing follows");
    let run = snipcheck(dir.path(), &["verify", "--no-snapshots"]);
    expect_code(&run, 1);
    assert!(
        run.stdout.contains(&format!(
            "error  notes/demo.md:{typo}: invalid snipcheck directive: unknown directive \"continu\""
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "error  notes/demo.md:{dangling}: this snipcheck directive is not directly before a Python code block"
        )),
        "{}",
        run.stdout
    );
    insta::assert_snapshot!(
        "broken_directives_summary",
        run.stdout.lines().last().unwrap_or("")
    );
}

#[test]
fn a_directive_and_the_config_setting_the_same_key_is_an_error() {
    let dir = updated_project();
    let config = dir.path().join("snipcheck.toml");
    let text = std::fs::read_to_string(&config).expect("config");
    std::fs::write(&config, text + "timeout = 9\n").expect("config");
    let run = snipcheck(dir.path(), &["verify"]);
    expect_code(&run, 2);
    let line = demo_line_of(dir.path(), "timeout=30");
    assert!(
        run.stderr.contains(&format!(
            "snippet \"demo/config-settings\" sets timeout both in notes/demo.md:{line} and in snipcheck.toml:4"
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn config_keys_skip_and_continue_and_unknown_keys() {
    let dir = updated_project();
    let config = dir.path().join("snipcheck.toml");
    let text = std::fs::read_to_string(&config).expect("config");
    std::fs::write(
        &config,
        format!("{text}\n[snippet.\"demo/lists\"]\nskip = true\nreason = \"slow\"\n"),
    )
    .expect("config");
    let run = snipcheck(
        dir.path(),
        &["verify", "--format", "json", "--no-snapshots"],
    );
    expect_code(&run, 0);
    assert_eq!(snippet(&json(&run), "demo/lists")["outcome"], "skipped");
    std::fs::write(
        &config,
        format!("{text}\n[snippet.\"demo/lists\"]\nskip = true\n"),
    )
    .expect("config");
    let table = config_line(&config, "[snippet.\"demo/lists\"]");
    let run = snipcheck(dir.path(), &["verify"]);
    expect_code(&run, 2);
    assert!(
        run.stderr.contains(&format!(
            "snipcheck.toml:{table}: snippet \"demo/lists\" sets skip without a reason"
        )),
        "{}",
        run.stderr
    );
    std::fs::write(
        &config,
        format!("{text}\n[snippet.\"demo/lists\"]\ncontinues = true\n"),
    )
    .expect("config");
    let key = config_line(&config, "continues = true");
    let run = snipcheck(dir.path(), &["verify"]);
    expect_code(&run, 2);
    assert!(
        run.stderr
            .contains(&format!("snipcheck.toml:{key}: unknown field `continues`")),
        "{}",
        run.stderr
    );
}

fn config_line(config: &std::path::Path, needle: &str) -> usize {
    std::fs::read_to_string(config)
        .expect("config")
        .lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("{needle:?} is not in the config"))
}
