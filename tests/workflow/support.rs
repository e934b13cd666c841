//! Running the binary in a copy of the test project.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_snipcheck");
/// The repository root.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// One finished run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

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

/// Runs snipcheck in `dir` outside CI.
pub fn snipcheck(dir: &Path, args: &[&str]) -> Run {
    snipcheck_env(dir, args, &[])
}

/// Runs snipcheck in `dir` with extra environment variables (`CI` is removed first).
pub fn snipcheck_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .current_dir(dir)
        .env_remove("CI")
        .env_remove("NO_COLOR");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command
        .output()
        .unwrap_or_else(|err| panic!("cannot run {BIN}: {err}"));
    let run = Run {
        code: output.status.code().unwrap_or_else(|| {
            panic!(
                "snipcheck was killed by a signal on {args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        }),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "snipcheck panicked on {args:?}:\n{}",
        run.stderr
    );
    run
}

/// Asserts the exit code, showing the output when it differs.
#[track_caller]
pub fn expect_code(run: &Run, code: i32) {
    assert_eq!(
        run.code, code,
        "exit code\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
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

/// The 1-based line of `notes/demo.md` that contains `needle`.
pub fn line_of(dir: &Path, needle: &str) -> usize {
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
