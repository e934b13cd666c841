//! The Python chosen at run time (issue 16): the same binary runs the notes on CPython 3.9 to
//! 3.13 — Debian's 3.11 and pyenv's others, whose files live under `/root` (mode 0700), out of
//! reach of the sandbox's dropped uid until the zygote binds them back — and says which ran.

use crate::support::*;
use serde_json::Value;
use std::path::Path;

/// The versions pyenv holds on these machines besides Debian's 3.11.
const PYENV: &[&str] = &["3.9", "3.10", "3.12", "3.13"];

fn interpreter(report: &Value) -> (&str, &str, &str) {
    let python = &report["interpreter"];
    (
        python["version"].as_str().expect("a version"),
        python["executable"].as_str().expect("an executable"),
        python["source"].as_str().expect("a source"),
    )
}

#[test]
fn the_bundled_notes_hold_on_every_supported_cpython() {
    // Debian's by its path; pyenv's by version.
    let debian = [("/usr/bin/python3.11", "3.11")];
    let pyenv = PYENV.iter().map(|v| (*v, *v));
    for (spec, version) in debian.into_iter().chain(pyenv) {
        let run = snipcheck(
            Path::new(ROOT),
            &[
                "verify",
                "--no-snapshots",
                "--format",
                "json",
                "--python",
                spec,
            ],
        );
        assert_eq!(
            run.code, EXIT_OK,
            "{version}: {}\n{}",
            run.stdout, run.stderr
        );
        let report = run.json();
        let (ran, _, source) = interpreter(report);
        assert!(
            ran.starts_with(&format!("{version}.")),
            "{version}: ran {ran}"
        );
        assert_eq!(source, format!("--python {spec}"));
        assert_eq!(report["summary"]["claims"], 18, "{version}");
        assert_eq!(report["summary"]["fail"], 0, "{version}");
        // pyenv's interpreters live under /root: bound back for the dropped uid, alone.
        let layers = report["sandbox"].as_array().expect("layers");
        let exposed = layers.iter().find(|l| l["name"] == "interpreter files");
        if spec != "/usr/bin/python3.11" {
            let exposed = exposed.expect("pyenv's files are bound back");
            assert_eq!(exposed["status"], "active", "{version}: {exposed}");
            assert!(
                exposed["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("/root hidden but for")),
                "{exposed}"
            );
        } else {
            assert!(exposed.is_none(), "Debian's files are world-readable");
        }
    }
}

#[test]
fn a_snippet_sees_the_chosen_interpreter_and_nothing_else_of_root() {
    let dir = empty_dir();
    std::fs::write(
        dir.path().join("notes.md"),
        "```python\nimport sys, os, asyncio\nprint(sys.version_info[:2])  # (3, 12)\nprint(sys.executable.endswith('python3.12'))  # True\nprint(os.path.exists('/root/.bashrc'), 'LD_LIBRARY_PATH' in os.environ, 'PYTHONHASHSEED' in os.environ)  # False False False\n```\n",
    )
    .expect("write notes");
    let run = snipcheck(
        dir.path(),
        &[
            "verify",
            "--no-snapshots",
            "--format",
            "json",
            "--python",
            "3.12",
            "notes.md",
        ],
    );
    assert_eq!(run.code, EXIT_OK, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.json()["summary"]["pass"], 3, "{}", run.stdout);
}

#[test]
fn every_fixture_runs_on_every_supported_cpython_without_a_harness_failure() {
    let fixtures: Vec<_> = std::fs::read_dir(Path::new(ROOT).join("tests/fixtures"))
        .expect("fixtures")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md" || e == "rst"))
        .collect();
    assert!(fixtures.len() > 20, "{fixtures:?}");
    for version in PYENV {
        for fixture in &fixtures {
            let dir = empty_dir();
            let run = Snipcheck::new([
                "verify".as_ref(),
                "--no-snapshots".as_ref(),
                "--format".as_ref(),
                "json".as_ref(),
                "--python".as_ref(),
                std::ffi::OsStr::new(version),
                fixture.as_os_str(),
            ])
            .cwd(dir.path())
            .run();
            assert!(
                run.code == EXIT_OK || run.code == EXIT_FAILED,
                "{version} {}: exit {}\n{}",
                fixture.display(),
                run.code,
                run.stderr
            );
            for snippet in run.json()["snippets"].as_array().expect("snippets") {
                let outcome = snippet["outcome"].as_str().unwrap_or("");
                assert!(
                    !["crashed", "sandbox-failed", "tampered", "runner-error"].contains(&outcome),
                    "{version} {}: {} ended {outcome}: {snippet}",
                    fixture.display(),
                    snippet["id"]
                );
            }
        }
    }
}

#[test]
fn an_unsupported_or_missing_python_is_a_clear_error() {
    let dir = empty_dir();
    std::fs::write(
        dir.path().join("notes.md"),
        "```python\nprint(1)  # 1\n```\n",
    )
    .expect("write notes");
    for (spec, says) in [
        ("3.8", "snipcheck runs CPython 3.9 to 3.13"),
        ("/no/such/python3", "/no/such/python3"),
        ("/bin/true", "did not answer as CPython 3 does"),
    ] {
        let run = snipcheck(
            dir.path(),
            &["verify", "--no-snapshots", "--python", spec, "notes.md"],
        );
        assert_eq!(run.code, EXIT_ERROR, "{spec}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{spec}: {}", run.stderr);
    }
}

#[test]
fn a_venv_of_another_version_runs_on_its_own_interpreter_with_its_packages() {
    let dir = empty_dir();
    // Snippets run as a uid of their own: the venv must be readable to others.
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    let python312 = Snipcheck::new(["doctor", "--format", "json", "--python", "3.12"])
        .cwd(dir.path())
        .run();
    let base = python312.json()["executable"]
        .as_str()
        .expect("3.12's executable")
        .to_owned();
    let venv = dir.path().join(".venv");
    let made = std::process::Command::new(&base)
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .status()
        .expect("make a venv");
    assert!(made.success());
    // A small local package, installed by hand (no network).
    let package = venv.join("lib/python3.12/site-packages/tinypkg");
    std::fs::create_dir_all(&package).expect("package dir");
    std::fs::write(
        package.join("__init__.py"),
        "import sys\nWHERE = 'venv %d.%d' % sys.version_info[:2]\n",
    )
    .expect("package");
    std::fs::write(
        dir.path().join("notes.md"),
        "```python\nimport tinypkg\nprint(tinypkg.WHERE)  # venv 3.12\n```\n",
    )
    .expect("notes");
    let run = Snipcheck::new([
        "verify".as_ref(),
        "--no-snapshots".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        "--venv".as_ref(),
        venv.as_os_str(),
        "notes.md".as_ref(),
    ])
    .cwd(dir.path())
    .env_remove("SNIPCHECK_PYTHON")
    .run();
    assert_eq!(run.code, EXIT_OK, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    let (version, executable, source) = interpreter(report);
    assert!(version.starts_with("3.12."), "{version}");
    assert!(
        executable.starts_with(&venv.display().to_string()),
        "{executable}"
    );
    assert_eq!(source, "the venv's interpreter (--venv)");
    assert_eq!(report["summary"]["pass"], 1, "{}", run.stdout);

    // Naming another version for the same venv is a clear error.
    let mismatch = Snipcheck::new([
        "verify".as_ref(),
        "--no-snapshots".as_ref(),
        "--python".as_ref(),
        "3.11".as_ref(),
        "--venv".as_ref(),
        venv.as_os_str(),
        "notes.md".as_ref(),
    ])
    .cwd(dir.path())
    .run();
    assert_eq!(mismatch.code, EXIT_ERROR, "{}", mismatch.stderr);
    assert!(
        mismatch.stderr.contains("pyvenv.cfg") && mismatch.stderr.contains("3.11"),
        "{}",
        mismatch.stderr
    );
}
