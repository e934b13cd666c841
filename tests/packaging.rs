//! snipcheck as users install it (issue 17): the wheel built by `packaging/build-wheel.sh`,
//! installed with pip, pipx and uv from the local file into fresh environments under a
//! temporary directory and run on a small notes repository there, on the user's own CPython;
//! the pre-commit hook through `pre-commit try-repo`; and the GitHub action and example
//! workflows against GitHub's schemas. The tools come from `.ci/setup` (`target/ci-tools`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn tools() -> PathBuf {
    let bin = Path::new(ROOT).join("target/ci-tools/bin");
    assert!(
        bin.join("maturin").exists(),
        "the packaging tools are missing: run `bash .ci/setup` (it puts them in target/ci-tools)"
    );
    bin
}

fn run(command: &mut Command) -> Output {
    command.output().expect("the command starts")
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The wheel, built once per test process into a temporary directory.
fn wheel() -> &'static Path {
    static WHEEL: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &WHEEL
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let built = run(Command::new("bash")
                .arg(Path::new(ROOT).join("packaging/build-wheel.sh"))
                .arg(dir.path())
                .env("SNIPCHECK_TOOLS", tools()));
            assert!(built.status.success(), "{}", text(&built));
            let path = PathBuf::from(String::from_utf8_lossy(&built.stdout).trim());
            (dir, path)
        })
        .1
}

/// A notes repository outside this one: one claim that holds, and one that names the
/// interpreter's version.
fn notes(dir: &Path) -> PathBuf {
    let notes = dir.join("notes");
    std::fs::create_dir_all(&notes).expect("notes dir");
    std::fs::write(
        notes.join("guide.md"),
        "# Guide\n\n```python\nimport json, sys\nprint(json.dumps([1, 2]))  # [1, 2]\nprint(sys.version_info >= (3, 9))  # True\n```\n",
    )
    .expect("notes");
    notes
}

/// `snipcheck verify` of the notes from an installed `bin` dir, with `python3` on PATH the
/// user's (`python_bin`), and none of the test environment's choices.
fn verify_installed(bin: &Path, python_bin: &Path, notes: &Path) -> serde_json::Value {
    let path = std::env::join_paths([bin, python_bin, Path::new("/usr/bin"), Path::new("/bin")])
        .expect("PATH");
    let output = run(Command::new(bin.join("snipcheck"))
        .args(["verify", "--no-snapshots", "--format", "json", "guide.md"])
        .current_dir(notes)
        .env_clear()
        .env("PATH", path)
        .env("HOME", notes));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    serde_json::from_slice(&output.stdout).expect("a JSON report")
}

#[test]
fn the_wheel_is_manylinux_for_any_python_3_and_carries_both_binaries_and_the_licence() {
    let wheel = wheel();
    let name = wheel.file_name().and_then(|n| n.to_str()).expect("a name");
    assert_eq!(name, "snipcheck-0.1.0-py3-none-manylinux_2_34_x86_64.whl");
    let shown = run(Command::new(tools().join("auditwheel"))
        .arg("show")
        .arg(wheel));
    assert!(shown.status.success(), "{}", text(&shown));
    assert!(
        String::from_utf8_lossy(&shown.stdout).contains("manylinux_2_34_x86_64"),
        "{}",
        text(&shown)
    );
    let listed = run(Command::new("unzip").arg("-l").arg(wheel));
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    for member in [
        "snipcheck-0.1.0.data/scripts/snipcheck",
        "snipcheck-0.1.0.data/scripts/snipcheck-worker",
        "licenses/LICENSE-MIT",
        "licenses/LICENSE-APACHE",
    ] {
        assert!(listed.contains(member), "{member} missing:\n{listed}");
    }
    // No Python inside: the worker loads the user's.
    assert!(!listed.contains("libpython"), "{listed}");
}

#[test]
fn pip_installs_the_wheel_into_a_fresh_venv_and_it_verifies_notes_on_that_venvs_python() {
    let dir = tempfile::tempdir().expect("temp dir");
    let venv = dir.path().join("venv");
    let made = run(Command::new("/usr/bin/python3.11")
        .args(["-m", "venv"])
        .arg(&venv));
    assert!(made.status.success(), "{}", text(&made));
    let installed = run(Command::new(venv.join("bin/pip"))
        .args(["install", "--no-index", "--disable-pip-version-check"])
        .arg(wheel()));
    assert!(installed.status.success(), "{}", text(&installed));
    let version = run(Command::new(venv.join("bin/snipcheck")).arg("--version"));
    assert!(
        String::from_utf8_lossy(&version.stdout).contains("embeds no Python"),
        "{}",
        text(&version)
    );
    let notes = notes(dir.path());
    let report = verify_installed(&venv.join("bin"), &venv.join("bin"), &notes);
    assert_eq!(report["summary"]["pass"], 2, "{report}");
    let executable = report["interpreter"]["executable"]
        .as_str()
        .expect("executable");
    assert!(
        executable.starts_with(&venv.display().to_string()),
        "{executable}"
    );
}

#[test]
fn pipx_and_uv_install_the_wheel_and_it_runs_on_the_users_own_python() {
    let dir = tempfile::tempdir().expect("temp dir");
    let notes = notes(dir.path());
    // The user's python3: pyenv's 3.12, under /root (mode 0700) when root.
    let python312 = Path::new(&std::env::var("HOME").expect("HOME")).join(".pyenv/versions");
    let python312 = std::fs::read_dir(&python312)
        .expect("pyenv's versions")
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("3.12."))
        })
        .expect("pyenv's 3.12")
        .join("bin");

    let pipx_home = dir.path().join("pipx");
    let pipx_bin = dir.path().join("pipx-bin");
    let pipx = run(Command::new(tools().join("pipx"))
        .args(["install", "--pip-args=--no-index"])
        .arg(wheel())
        .env("PIPX_HOME", &pipx_home)
        .env("PIPX_BIN_DIR", &pipx_bin)
        .env("PIPX_MAN_DIR", dir.path().join("pipx-man"))
        .env("PIPX_DEFAULT_PYTHON", "/usr/bin/python3.11"));
    assert!(pipx.status.success(), "{}", text(&pipx));
    let report = verify_installed(&pipx_bin, &python312, &notes);
    assert_eq!(report["summary"]["pass"], 2, "{report}");
    assert!(
        report["interpreter"]["version"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.12.")),
        "{report}"
    );

    let uv_bin = dir.path().join("uv-bin");
    let uv = run(Command::new(tools().join("uv"))
        .args([
            "tool",
            "install",
            "--offline",
            "--python",
            "/usr/bin/python3.11",
        ])
        .arg(wheel())
        .env("UV_TOOL_DIR", dir.path().join("uv-tools"))
        .env("UV_TOOL_BIN_DIR", &uv_bin)
        .env("UV_CACHE_DIR", dir.path().join("uv-cache"))
        .env("UV_PYTHON_INSTALL_DIR", dir.path().join("uv-pythons"))
        .env("UV_NO_CONFIG", "1"));
    assert!(uv.status.success(), "{}", text(&uv));
    let report = verify_installed(&uv_bin, &python312, &notes);
    assert_eq!(report["summary"]["pass"], 2, "{report}");
}

#[test]
fn the_pre_commit_hook_fails_on_a_wrong_claim_in_the_notes_and_passes_once_it_is_fixed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).expect("repo");
    let git = |args: &[&str]| {
        let out = run(Command::new("git").args(args).current_dir(&repo));
        assert!(out.status.success(), "git {args:?}: {}", text(&out));
    };
    git(&["init", "-q"]);
    git(&["config", "user.email", "test@example.com"]);
    git(&["config", "user.name", "test"]);
    let note = repo.join("guide.md");
    std::fs::write(&note, "```python\nprint(sum([1, 2, 3]))  # 7\n```\n").expect("note");
    git(&["add", "guide.md"]);
    git(&["commit", "-q", "-m", "notes"]);
    let try_repo = || {
        run(Command::new(tools().join("pre-commit"))
            .args(["try-repo", ROOT, "snipcheck", "--all-files"])
            .current_dir(&repo)
            .env("PRE_COMMIT_HOME", dir.path().join("pre-commit-home"))
            // The hook's build (maturin, in pre-commit's environment) reuses the wheel's
            // compiled dependencies.
            .env("CARGO_TARGET_DIR", Path::new(ROOT).join("target/wheel"))
            .env("PATH", {
                let mut path = std::ffi::OsString::from(tools());
                path.push(":");
                path.push(std::env::var_os("PATH").unwrap_or_default());
                path
            }))
    };
    let failing = try_repo();
    let shown = text(&failing);
    assert_eq!(failing.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("snipcheck") && shown.contains("Failed"),
        "{shown}"
    );
    assert!(shown.contains("guide.md:2"), "{shown}");
    std::fs::write(&note, "```python\nprint(sum([1, 2, 3]))  # 6\n```\n").expect("note");
    git(&["commit", "-q", "-am", "fix the claim"]);
    let passing = try_repo();
    let shown = text(&passing);
    assert_eq!(passing.status.code(), Some(0), "{shown}");
    assert!(shown.contains("Passed"), "{shown}");
}

#[test]
fn the_action_and_the_example_workflows_match_githubs_schemas() {
    let check = |schema: &str, file: &Path| {
        run(Command::new(tools().join("check-jsonschema"))
            .args(["--builtin-schema", schema])
            .arg(file))
    };
    let action = check("vendor.github-actions", &Path::new(ROOT).join("action.yml"));
    assert!(action.status.success(), "{}", text(&action));
    for workflow in ["snipcheck.yml", "snipcheck-sharded.yml"] {
        let checked = check(
            "vendor.github-workflows",
            &Path::new(ROOT).join("examples/github").join(workflow),
        );
        assert!(checked.status.success(), "{workflow}: {}", text(&checked));
    }
    // The check can fail: an action whose step lacks `shell` is not a valid composite action.
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = dir.path().join("action.yml");
    std::fs::write(
        &broken,
        "name: x\ndescription: x\nruns:\n  using: composite\n  steps:\n    - run: echo hi\n",
    )
    .expect("write");
    let refused = check("vendor.github-actions", &broken);
    assert!(!refused.status.success(), "{}", text(&refused));
}
