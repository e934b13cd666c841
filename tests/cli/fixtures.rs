//! Every fixture's human report, kept beside the fixture: `tests/fixtures/NAME.md` (or `.rst`)
//! is verified with `snipcheck verify --no-snapshots` (from an empty temp dir, `CI=1`,
//! `NO_COLOR=1`), and its report and exit code are compared with `tests/fixtures/NAME.md.snap`.
//!
//! A new case needs no Rust: drop a `.md` or `.rst` file into `tests/fixtures/` (any depth), run
//! `cargo insta test --accept --test cli -- fixtures` (or `cargo insta review` after a plain
//! `cargo test`), read the new `.snap` beside it and commit both. A changed report fails this
//! test until the `.snap` is reviewed and accepted.
//!
//! Run-to-run noise is redacted: the header's versions and sandbox layers, the repository and
//! temp dir paths, memory addresses, `id()`-sized integers and float timings.

use crate::support::{ROOT, Snipcheck, empty_dir};
use std::ffi::OsStr;
use std::path::Path;

#[test]
fn every_fixture_report_matches_the_snapshot_beside_it() {
    insta::glob!("../fixtures", "**/*.{md,rst}", |path| {
        let dir = empty_dir();
        let run = Snipcheck::new([
            OsStr::new("verify"),
            OsStr::new("--no-snapshots"),
            path.as_os_str(),
        ])
        .cwd(dir.path())
        .env("CI", "1")
        .env("NO_COLOR", "1")
        .run();
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .expect("a UTF-8 file name");
        let mut settings = insta::Settings::clone_current();
        settings.remove_snapshot_suffix();
        settings.set_snapshot_path(path.parent().expect("a fixture dir"));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        redact_noise(&mut settings, dir.path());
        let snapshot = format!("exit code: {}\n\n{}", run.code, run.stdout);
        settings.bind(|| insta::assert_snapshot!(name, snapshot));
    });
}

/// Filters for what changes from run to run or machine to machine.
fn redact_noise(settings: &mut insta::Settings, temp: &Path) {
    settings.add_filter(
        r"(?m)^snipcheck \S+ · Python \S+ · sandbox: .*$",
        "snipcheck [VERSION] · Python [PYTHON] · sandbox: [LAYERS]",
    );
    settings.add_filter(&regex_escape(ROOT), "[ROOT]");
    let temp = temp.canonicalize().unwrap_or_else(|_| temp.to_owned());
    settings.add_filter(&regex_escape(&temp.to_string_lossy()), "[TEMP]");
    settings.add_filter(r"0x[0-9a-fA-F]+", "[ADDRESS]");
    settings.add_filter(r"\b\d{9,}\b", "[INTEGER]");
    settings.add_filter(r"\b\d+\.\d+ ?(s|ms|µs)\b", "[DURATION]");
    // The day the run happens on (`repl_semantics.md` prints it), in UTC and local time.
    for utc in [true, false] {
        let mut date = std::process::Command::new("date");
        if utc {
            date.arg("-u");
        }
        let day = date.arg("+%F").output().expect("date runs").stdout;
        let day = String::from_utf8_lossy(&day).trim().to_owned();
        settings.add_filter(&regex_escape(&day), "[TODAY]");
    }
}

/// `text` as a regex that matches it literally.
fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escape = "\\.+*?()|[]{}^$#&-~".contains(c);
            escape.then_some('\\').into_iter().chain([c])
        })
        .collect()
}
