//! Third-party packages: `--venv PATH`, the config's `venv` and `$VIRTUAL_ENV`. The venv's
//! site-packages join the snippet's `sys.path` inside the sandbox only, read-only.

use crate::support::*;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A real venv (made by the embedded interpreter's own `python3.11 -m venv`, without pip) in a
/// world-readable temp dir, with `greetlib` installed by hand and a `.pth` file.
struct Venv {
    dir: tempfile::TempDir,
    marker: PathBuf,
}

impl Venv {
    fn new() -> Venv {
        let dir = empty_dir();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod temp dir");
        let root = dir.path().join("venv");
        let status = Command::new("/usr/bin/python3.11")
            .args(["-m", "venv", "--without-pip"])
            .arg(&root)
            .status()
            .expect("run python3.11 -m venv");
        assert!(status.success(), "python3.11 -m venv failed");
        let site = root.join("lib/python3.11/site-packages");
        let marker = dir.path().join("imported-outside-the-sandbox");
        std::fs::write(
            site.join("greetlib.py"),
            "def greet(name):\n    return f\"hello {name}\"\n",
        )
        .expect("greetlib");
        // Import-time code that leaves a trace if it ever runs outside the sandbox.
        let trace = format!(
            "import os\ntry:\n    open({:?}, 'w').write('x')\nexcept OSError as exc:\n    BLOCKED = exc\n",
            marker.display().to_string()
        );
        std::fs::write(site.join("tracer.py"), &trace).expect("tracer");
        std::fs::write(
            site.join("tracer.pth"),
            format!(
                "import os; open({:?}, 'w').write('pth')\n",
                marker.display().to_string()
            ),
        )
        .expect("pth");
        make_readable(dir.path());
        Venv { dir, marker }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("venv")
    }
}

fn make_readable(path: &Path) {
    let status = Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(path)
        .status()
        .expect("chmod");
    assert!(status.success());
}

const DOC: &str = "# Packages

```python
import greetlib, sys
print(greetlib.greet(\"docs\"))  # hello docs
print(any(\"dist-packages\" in p for p in sys.path))  # False
```

```python
import tracer
print(isinstance(tracer.BLOCKED, OSError))  # True
```

```python
import greetlib
open(greetlib.__file__, \"a\")  # raises PermissionError
```
";

fn write_doc(dir: &Path) {
    std::fs::write(dir.join("doc.md"), DOC).expect("write doc");
}

#[test]
fn a_venv_given_by_flag_config_or_environment_is_imported_inside_the_sandbox_only() {
    let venv = Venv::new();
    let root = venv.root();
    let greetlib = root.join("lib/python3.11/site-packages/greetlib.py");
    let before = std::fs::read(&greetlib).expect("read greetlib");
    let work = empty_dir();
    write_doc(work.path());
    let root_str = root.to_str().expect("utf-8 path");

    let by_flag = snipcheck(
        work.path(),
        &[
            "verify",
            "--no-snapshots",
            "--format",
            "json",
            "--venv",
            root_str,
            "doc.md",
        ],
    );
    let report = by_flag.json();
    assert_eq!(by_flag.code, EXIT_OK, "{}", by_flag.stdout);
    assert_summary(report, 1, 3, [4, 0, 0, 0], 0);
    assert_eq!(report["venv"]["source"], "--venv");
    assert_eq!(report["venv"]["version"], "3.11.2");

    // The venv's files are read-only inside the sandbox, and its import-time code (a module's
    // and a .pth file's) never ran outside it: the trace file was never written.
    assert_eq!(std::fs::read(&greetlib).expect("read greetlib"), before);
    assert!(!venv.marker.exists(), "venv code ran outside the sandbox");

    // The same from the environment, as an activated venv sets it.
    let by_env = Snipcheck::new(["verify", "--no-snapshots", "--format", "json", "doc.md"])
        .env("VIRTUAL_ENV", &root)
        .cwd(work.path())
        .run();
    assert_eq!(by_env.code, EXIT_OK);
    assert_eq!(by_env.json()["venv"]["source"], "$VIRTUAL_ENV");

    // And from the config, relative to the config's directory.
    std::fs::write(
        work.path().join("snipcheck.toml"),
        format!("venv = {:?}\n", root_str),
    )
    .expect("config");
    let by_config = snipcheck(
        work.path(),
        &["verify", "--no-snapshots", "--format", "json", "doc.md"],
    );
    assert_eq!(by_config.code, EXIT_OK, "{}", by_config.stdout);
    assert!(
        by_config.json()["venv"]["source"]
            .as_str()
            .is_some_and(|s| s.contains("snipcheck.toml")),
        "{}",
        by_config.stdout
    );
    assert!(!venv.marker.exists(), "venv code ran outside the sandbox");
}

#[test]
fn without_a_venv_its_packages_are_not_importable() {
    let work = empty_dir();
    write_doc(work.path());
    let run = Snipcheck::new(["verify", "--no-snapshots", "--format", "json", "doc.md"])
        .env_remove("VIRTUAL_ENV")
        .cwd(work.path())
        .run();
    // A package that is not installed here says nothing about the text: the block is reported
    // as needing it, not failed — unless --strict.
    assert_eq!(run.code, EXIT_OK, "{}", run.stdout);
    let report = run.json();
    let error = &report["snippets"][0]["error"];
    assert_eq!(error["type"], "ModuleNotFoundError");
    assert_eq!(error["expected_by"], "needs");
    assert!(report.get("venv").is_none());
    let strict = Snipcheck::new([
        "verify",
        "--no-snapshots",
        "--strict",
        "--format",
        "json",
        "doc.md",
    ])
    .env_remove("VIRTUAL_ENV")
    .cwd(work.path())
    .run();
    assert_eq!(strict.code, EXIT_FAILED, "{}", strict.stdout);
    assert_eq!(
        strict.json()["snippets"][0]["error"]["expected_by"],
        Value::Null
    );
}

#[test]
fn a_venv_of_another_python_is_a_clear_error() {
    let venv = Venv::new();
    let cfg = venv.root().join("pyvenv.cfg");
    let text = std::fs::read_to_string(&cfg).expect("cfg");
    let line = text
        .lines()
        .position(|l| l.starts_with("version"))
        .expect("a version line")
        + 1;
    let changed: String = text
        .lines()
        .map(|l| {
            if l.starts_with("version") {
                "version = 3.12.4".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&cfg, changed).expect("rewrite cfg");
    let work = empty_dir();
    write_doc(work.path());
    let run = snipcheck(
        work.path(),
        &[
            "verify",
            "--no-snapshots",
            "--venv",
            venv.root().to_str().expect("utf-8"),
            "doc.md",
        ],
    );
    assert_eq!(run.code, EXIT_ERROR, "{}", run.stdout);
    assert!(
        run.stderr.contains(&format!("pyvenv.cfg:{line}"))
            && run.stderr.contains("3.12.4")
            && run.stderr.contains("3.11"),
        "{}",
        run.stderr
    );

    let missing = snipcheck(
        work.path(),
        &[
            "verify",
            "--no-snapshots",
            "--venv",
            "no-such-venv",
            "doc.md",
        ],
    );
    assert_eq!(missing.code, EXIT_ERROR);
    assert!(
        missing.stderr.contains("no-such-venv") && missing.stderr.contains("--venv"),
        "{}",
        missing.stderr
    );
}
