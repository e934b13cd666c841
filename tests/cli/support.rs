//! Running the real binary and reading what it printed: [`Snipcheck`] builds every run,
//! [`Run`] is its result; then the JSON report's accessors, the fixtures, and the workflow's
//! test project. The hostile suite includes this file too (`tests/hostile/main.rs`).

use serde_json::Value;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_snipcheck");
/// The repository root.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The exit codes documented by `snipcheck --help`.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

/// One run of the binary to be: its arguments, cwd and environment. `CI` and the colour
/// variables (`NO_COLOR`, `FORCE_COLOR`, `CLICOLOR_FORCE`) are removed from the inherited
/// environment, so a run is the same on a laptop and in CI unless the test sets them; stdin is
/// closed (snipcheck never reads it).
#[derive(Debug)]
pub struct Snipcheck {
    command: Command,
    label: String,
}

impl Snipcheck {
    /// `snipcheck ARGS`.
    pub fn new<S: AsRef<OsStr>>(args: impl IntoIterator<Item = S>) -> Snipcheck {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .env_remove("CI")
            .env_remove("NO_COLOR")
            .env_remove("FORCE_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .stdin(Stdio::null());
        let label = format!("{:?}", command.get_args().collect::<Vec<_>>());
        Snipcheck { command, label }
    }

    /// Runs in `dir`.
    pub fn cwd(mut self, dir: &Path) -> Snipcheck {
        self.command.current_dir(dir);
        self
    }

    /// Sets `key` to `value` in the binary's environment.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Snipcheck {
        self.command.env(key, value);
        self
    }

    /// Removes `key` from the binary's environment.
    pub fn env_remove(mut self, key: &str) -> Snipcheck {
        self.command.env_remove(key);
        self
    }

    /// In CI (`CI=true`): no `.snap.new`, no rewritten `snippets/`.
    pub fn ci(self) -> Snipcheck {
        self.env("CI", "true")
    }

    /// The process to start, for a test that watches or kills it itself (then [`Run::new`]
    /// checks what it printed).
    pub fn command(self) -> Command {
        self.command
    }

    /// Runs the binary to its end; see [`Run::new`] for what is asserted.
    pub fn run(mut self) -> Run {
        let started = Instant::now();
        let output = self
            .command
            .output()
            .unwrap_or_else(|err| panic!("cannot run {BIN}: {err}"));
        Run::new(&self.label, output, started.elapsed())
    }
}

/// One finished run of the binary.
#[derive(Debug)]
pub struct Run {
    /// What ran (a case name, or the arguments), for failure messages.
    pub label: String,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    json: OnceLock<Value>,
}

impl Run {
    /// A finished run. Fails the test if the binary panicked, died by a signal, or printed
    /// anything but UTF-8.
    pub fn new(label: &str, output: Output, elapsed: Duration) -> Run {
        let stdout = String::from_utf8(output.stdout)
            .unwrap_or_else(|err| panic!("{label}: stdout is not UTF-8: {err}"));
        let stderr = String::from_utf8(output.stderr)
            .unwrap_or_else(|err| panic!("{label}: stderr is not UTF-8: {err}"));
        assert!(
            !stderr.contains("panicked"),
            "snipcheck panicked on {label}:\n{stderr}"
        );
        let code = output.status.code().unwrap_or_else(|| {
            panic!(
                "snipcheck was killed by a signal on {label} ({:?}):\n{stderr}",
                output.status
            )
        });
        Run {
            label: label.to_owned(),
            code,
            stdout,
            stderr,
            elapsed,
            json: OnceLock::new(),
        }
    }

    /// The stdout parsed as the JSON report.
    pub fn json(&self) -> &Value {
        self.json.get_or_init(|| {
            serde_json::from_str(&self.stdout).unwrap_or_else(|err| {
                panic!(
                    "{}: stdout is not a JSON report ({err}); exit {}\nstdout:\n{}\nstderr:\n{}",
                    self.label, self.code, self.stdout, self.stderr
                )
            })
        })
    }
}

/// Runs the binary with `args` in `cwd` (outside CI, no `NO_COLOR`).
pub fn snipcheck(cwd: &Path, args: &[&str]) -> Run {
    Snipcheck::new(args).cwd(cwd).run()
}

/// Asserts the exit code, showing the output when it differs.
#[track_caller]
pub fn expect_code(run: &Run, code: i32) {
    assert_eq!(
        run.code, code,
        "exit code of {}\nstdout:\n{}\nstderr:\n{}",
        run.label, run.stdout, run.stderr
    );
}

/// A fresh, empty working directory (no `snipcheck.toml` in it).
pub fn empty_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("create a temp dir")
}

/// The absolute path of a fixture.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(ROOT).join("tests").join("fixtures").join(name)
}

/// The text of a fixture.
pub fn fixture_text(name: &str) -> String {
    let path = fixture(name);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("read {}: {err}", path.display()))
}

/// Runs `snipcheck verify --format json <fixture> <extra...>` in an empty temp dir and returns
/// the run and its parsed report.
pub fn verify_fixture(name: &str, extra: &[&str]) -> (Run, Value) {
    let dir = empty_dir();
    let path = fixture(name);
    let path = path.to_str().expect("UTF-8 fixture path");
    let mut args = vec!["verify", "--format", "json", path];
    args.extend_from_slice(extra);
    let run = snipcheck(dir.path(), &args);
    let report = run.json().clone();
    (run, report)
}

/// The 1-based number of the only line of `text` that contains `needle`.
pub fn line_of(text: &str, needle: &str) -> u64 {
    let found: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| line.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{needle:?} must be on exactly one line, found on {found:?}"
    );
    u64::try_from(found[0]).expect("line fits u64")
}

/// The snippet with this id.
pub fn snippet<'a>(report: &'a Value, id: &str) -> &'a Value {
    let snippets = report["snippets"].as_array().expect("snippets array");
    let found: Vec<&Value> = snippets.iter().filter(|s| s["id"] == id).collect();
    assert_eq!(
        found.len(),
        1,
        "expected one snippet {id:?}, ids are {:?}",
        ids(report)
    );
    found[0]
}

/// The ids of every snippet, in report order.
pub fn ids(report: &Value) -> Vec<String> {
    report["snippets"]
        .as_array()
        .expect("snippets array")
        .iter()
        .map(|s| s["id"].as_str().expect("id is a string").to_owned())
        .collect()
}

/// The claims of one snippet.
pub fn claims(snippet: &Value) -> &Vec<Value> {
    snippet["claims"].as_array().expect("claims array")
}

/// Every claim of the report, in order.
pub fn all_claims(report: &Value) -> Vec<&Value> {
    report["snippets"]
        .as_array()
        .expect("snippets array")
        .iter()
        .flat_map(claims)
        .collect()
}

/// The one claim whose statement starts on Markdown line `line`.
pub fn claim_on(report: &Value, line: u64) -> &Value {
    let found: Vec<&Value> = all_claims(report)
        .into_iter()
        .filter(|c| c["line"] == line)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one claim on line {line}, got {found:#?}"
    );
    found[0]
}

/// Whether any claim's statement starts on Markdown line `line`.
pub fn has_claim_on(report: &Value, line: u64) -> bool {
    all_claims(report).iter().any(|c| c["line"] == line)
}

/// Asserts the fields every claim carries, for one claim.
#[track_caller]
pub fn assert_claim(claim: &Value, kind: &str, verdict: &str, claimed: &str) {
    assert_eq!(claim["kind"], kind, "kind of {claim:#}");
    assert_eq!(claim["verdict"], verdict, "verdict of {claim:#}");
    assert_eq!(claim["claimed"], claimed, "claimed text of {claim:#}");
}

/// Asserts the run's counts. Only these keys are compared, so the summary may grow.
#[track_caller]
pub fn assert_summary(
    report: &Value,
    documents: u64,
    snippets: u64,
    [pass, loose, fail, unchecked]: [u64; 4],
    errors: u64,
) {
    let expected = serde_json::json!({
        "documents": documents,
        "snippets": snippets,
        "claims": pass + loose + fail + unchecked,
        "pass": pass,
        "loose": loose,
        "fail": fail,
        "unchecked": unchecked,
        "errors": errors,
    });
    let actual: serde_json::Map<String, Value> = expected
        .as_object()
        .expect("an object")
        .keys()
        .map(|key| (key.clone(), report["summary"][key].clone()))
        .collect();
    assert_eq!(
        Value::Object(actual),
        expected,
        "summary of {}",
        report["documents"]
    );
}

/// The string value of a JSON field, failing the test if it is not a string.
pub fn str_field<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string in {value:#}"))
}

// -------------------------------------------------------------------------------------------
// The workflow's test project (`tests/workflow/project`).
// -------------------------------------------------------------------------------------------

/// A fresh copy of `tests/workflow/project` in a temp dir.
pub fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("create a temp dir");
    copy_dir(&Path::new(ROOT).join("tests/workflow/project"), dir.path());
    dir
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// `update` in a fresh project, asserted to succeed.
pub fn updated_project() -> tempfile::TempDir {
    let dir = project();
    let run = snipcheck(dir.path(), &["update"]);
    expect_code(&run, 0);
    dir
}

/// Every file under `dir`, relative path → content.
pub fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    collect(dir, dir, &mut out);
    out
}

fn collect(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            collect(base, &path, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.insert(
                path.strip_prefix(base).expect("under base").to_path_buf(),
                bytes,
            );
        }
    }
}

/// Rewrites `notes/demo.md` in the project with `edit`.
pub fn edit_notes(dir: &Path, edit: impl FnOnce(String) -> String) {
    let path = dir.join("notes/demo.md");
    let text = std::fs::read_to_string(&path).expect("read notes");
    let new = edit(text.clone());
    assert_ne!(new, text, "the edit changed nothing");
    std::fs::write(&path, new).expect("write notes");
}

/// The 1-based line of the project's `notes/demo.md` that first contains `needle`.
pub fn demo_line_of(dir: &Path, needle: &str) -> usize {
    let text = std::fs::read_to_string(dir.join("notes/demo.md")).expect("read notes");
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("{needle:?} is not in the notes"))
}

/// A human report without its first line (version and sandbox layers, which depend on the
/// machine), for snapshots.
pub fn without_header(report: &str) -> String {
    let (first, rest) = report.split_once('\n').unwrap_or((report, ""));
    assert!(
        first.starts_with("snipcheck "),
        "not a human report:\n{report}"
    );
    rest.to_owned()
}
