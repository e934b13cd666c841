//! Running the binary and reading its JSON report.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_snipcheck");
/// The repository root.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The exit codes documented by `snipcheck --help`.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

/// One finished run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// The stdout parsed as the JSON report.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|err| {
            panic!(
                "stdout is not a JSON report ({err}); exit {}\nstdout:\n{}\nstderr:\n{}",
                self.code, self.stdout, self.stderr
            )
        })
    }
}

/// Runs the binary with `args` in `cwd`. Fails the test if it panicked or died by a signal.
pub fn snipcheck(cwd: &Path, args: &[&str]) -> Run {
    snipcheck_with(cwd, args, &mut Command::new(BIN))
}

/// [`snipcheck`] in CI (`CI=true`: no `.snap.new`, no rewritten `snippets/`), colours off.
pub fn snipcheck_in_ci(cwd: &Path, args: &[&str]) -> Run {
    let mut command = Command::new(BIN);
    command.env("CI", "true").env_remove("NO_COLOR");
    snipcheck_with(cwd, args, &mut command)
}

fn snipcheck_with(cwd: &Path, args: &[&str], command: &mut Command) -> Run {
    let started = Instant::now();
    let output = command
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|err| panic!("cannot run {BIN}: {err}"));
    let elapsed = started.elapsed();
    let stdout = String::from_utf8(output.stdout).expect("stdout is UTF-8");
    let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
    assert!(
        !stderr.contains("panicked"),
        "snipcheck panicked on {args:?}:\n{stderr}"
    );
    let code = output
        .status
        .code()
        .unwrap_or_else(|| panic!("snipcheck was killed by a signal on {args:?}:\n{stderr}"));
    Run {
        code,
        stdout,
        stderr,
        elapsed,
    }
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
    let report = run.json();
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
