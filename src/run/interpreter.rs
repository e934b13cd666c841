//! The CPython the snippets run on: chosen at run time, probed once, loaded by the worker.
//!
//! Chosen by `--python VERSION|PATH`, else `$SNIPCHECK_PYTHON`, else the config's `python`,
//! else the virtualenv's own interpreter (`--venv`, the config's `venv`, `$VIRTUAL_ENV`), else
//! `python3` on `PATH`. A
//! version (`3.12`) is looked for as `python3.12` on `PATH`, then among pyenv's and uv's
//! installs. The interpreter is asked once (`-I -c`, nothing of the notes runs) for its
//! version, home and shared library; the worker (`snipcheck-worker`, built for CPython's stable
//! ABI) then loads that library under the name it links, `libpython3.so`
//! ([`Interpreter::library_dir`]), and initializes it with that home.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// The oldest and newest CPython minor versions snipcheck runs.
pub const SUPPORTED: [(u32, u32); 2] = [(3, 9), (3, 13)];

/// A probed CPython.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Interpreter {
    /// Its `sys.executable` (a virtualenv's own when it is one).
    pub executable: PathBuf,
    /// `sys.version`'s number (`3.12.1`).
    pub version: String,
    /// `sys.base_prefix`: where its standard library lives.
    pub home: PathBuf,
    /// Its shared library (`libpython3.12.so.1.0`).
    pub library: PathBuf,
    /// Why this one: `--python 3.12`, `python in snipcheck.toml`, `the venv's interpreter`,
    /// `python3 on PATH`.
    pub source: String,
}

impl Interpreter {
    /// `3.12` of `3.12.1`.
    pub fn minor(&self) -> String {
        let mut parts = self.version.split('.');
        match (parts.next(), parts.next()) {
            (Some(major), Some(minor)) => format!("{major}.{minor}"),
            _ => self.version.clone(),
        }
    }

    /// The `(major, minor)` of its version.
    pub fn minor_number(&self) -> Option<(u32, u32)> {
        let mut parts = self.version.split('.').map(|p| p.parse::<u32>().ok());
        Some((parts.next()??, parts.next()??))
    }

    /// Whether `code` compiles on this interpreter as a module (top-level `await` allowed, as
    /// the harness allows it). Nothing runs: the interpreter is started isolated (`-I`) and
    /// only `compile`s the text it reads from stdin; one that does not answer within
    /// [`PARSE_TIMEOUT`] is taken as not parsing it.
    pub fn parses(&self, code: &str) -> Result<bool> {
        use std::io::Write;
        let mut child = std::process::Command::new(&self.executable)
            .args(["-I", "-c", PARSE])
            .env_clear()
            .env("LC_ALL", "C.UTF-8")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .with_context(|| format!("cannot run {}", self.executable.display()))?;
        if let Some(mut stdin) = child.stdin.take() {
            // A child that exits early closes the pipe: its status says what it thought.
            let _ = stdin.write_all(code.as_bytes());
        }
        let deadline = std::time::Instant::now() + PARSE_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait()? {
                return Ok(status.success());
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Ok(false);
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// Makes `dir/libpython3.so` the interpreter's library (a symlink), for the worker's
    /// `LD_LIBRARY_PATH`: the worker links that name, and this makes it this CPython.
    pub fn library_dir(&self, dir: &Path) -> Result<PathBuf> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("failed to create {}", dir.display()))?;
        let link = dir.join("libpython3.so");
        std::os::unix::fs::symlink(&self.library, &link).with_context(|| {
            format!(
                "failed to link {} to {}",
                link.display(),
                self.library.display()
            )
        })?;
        Ok(dir.to_path_buf())
    }
}

/// How long [`Interpreter::parses`] waits for an answer.
pub const PARSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Compiles stdin, runs nothing: exit 0 when it parses.
const PARSE: &str = "import ast, sys
compile(sys.stdin.read(), '<block>', 'exec', ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)";

/// The installed supported CPythons newer than `minor` (`(3, 11)`), oldest first: each
/// version found as [`find`] finds it; the ones not installed are left out.
pub fn newer_than(minor: (u32, u32)) -> Vec<Interpreter> {
    let (major, newest) = SUPPORTED[1];
    (minor.1 + 1..=newest)
        .filter(|_| minor.0 == major)
        .filter_map(|m| {
            let version = format!("{major}.{m}");
            find(&version, format!("installed {version}")).ok()
        })
        .collect()
}

/// What the probe prints, as JSON.
const PROBE: &str = "import json, sys, sysconfig, os
v = sysconfig.get_config_var
print(json.dumps({
    'implementation': sys.implementation.name,
    'version': sys.version.split()[0],
    'minor': list(sys.version_info[:2]),
    'executable': sys.executable,
    'base_prefix': sys.base_prefix,
    'shared': bool(v('Py_ENABLE_SHARED')),
    'libdirs': [d for d in (v('LIBDIR'), os.path.join(sys.base_prefix, 'lib'), v('LIBPL')) if d],
    'names': [n for n in (v('INSTSONAME'), v('LDLIBRARY')) if n],
}))";

#[derive(serde::Deserialize)]
struct Probed {
    implementation: String,
    version: String,
    minor: (u32, u32),
    executable: PathBuf,
    base_prefix: PathBuf,
    shared: bool,
    libdirs: Vec<PathBuf>,
    names: Vec<String>,
}

/// Picks the interpreter: the first of [`resolve_all`] (`doctor` and `run` use one).
pub fn resolve(
    cli: Option<&str>,
    config: Option<(&str, &Path)>,
    venv: Option<(&Path, &str)>,
) -> Result<Interpreter> {
    let mut all = resolve_all(cli, config, venv)?;
    Ok(all.remove(0))
}

/// Picks the interpreters: `cli` (`--python`), else `$SNIPCHECK_PYTHON`, else `config` (its
/// `python` and the config file's path), else `venv` (a virtualenv's root and where that
/// choice came from), else `python3` on `PATH`. A spec may name several, separated by `,`
/// (`3.11,3.12,3.13`): each is found in turn; never empty, one per minor version.
pub fn resolve_all(
    cli: Option<&str>,
    config: Option<(&str, &Path)>,
    venv: Option<(&Path, &str)>,
) -> Result<Vec<Interpreter>> {
    if let Some(spec) = cli {
        return find_all(spec, |one| format!("--python {one}"));
    }
    if let Some(spec) = std::env::var("SNIPCHECK_PYTHON")
        .ok()
        .filter(|s| !s.is_empty())
    {
        return find_all(&spec, |_| "$SNIPCHECK_PYTHON".to_owned())
            .with_context(|| format!("$SNIPCHECK_PYTHON={spec}"));
    }
    if let Some((spec, file)) = config {
        return find_all(spec, |one| {
            format!("python = {one:?} in {}", file.display())
        })
        .with_context(|| format!("{}: `python = {spec:?}`", file.display()));
    }
    if let Some((root, source)) = venv {
        let python = root.join("bin/python");
        return probe(&python, format!("the venv's interpreter ({source})"))
            .map(|one| vec![one])
            .with_context(|| format!("the venv at {} ({source})", root.display()));
    }
    find("python3", "python3 on PATH".to_owned())
        .map(|one| vec![one])
        .context(
            "no usable python3 on PATH: name one with --python VERSION|PATH or `python = \"3.12\"` in snipcheck.toml",
        )
}

/// Each interpreter of a `,`-separated `spec`, in order; `source` says why each was chosen.
/// Two of one minor version is an error: reports key their results by it.
fn find_all(spec: &str, source: impl Fn(&str) -> String) -> Result<Vec<Interpreter>> {
    let mut found: Vec<Interpreter> = Vec::new();
    for one in spec.split(',').map(str::trim) {
        if one.is_empty() {
            bail!("{spec:?}: an empty Python in the list");
        }
        let python = find(one, source(one))?;
        if let Some(twin) = found.iter().find(|p| p.minor() == python.minor()) {
            bail!(
                "{spec:?} names Python {} twice ({} and {}): name each version once",
                python.minor(),
                twin.executable.display(),
                python.executable.display()
            );
        }
        found.push(python);
    }
    Ok(found)
}

/// The interpreter `spec` names: a path (it has a `/`), a version (`3.12`: `python3.12` on
/// `PATH`, then pyenv's and uv's installs, newest patch first), or a command on `PATH`.
pub fn find(spec: &str, source: String) -> Result<Interpreter> {
    if spec.contains('/') {
        return probe(Path::new(spec), source);
    }
    let is_version =
        spec.split('.').count() == 2 && spec.split('.').all(|p| p.parse::<u32>().is_ok());
    let command = if is_version {
        format!("python{spec}")
    } else {
        spec.to_owned()
    };
    let mut tried = Vec::new();
    let mut candidates: Vec<PathBuf> = on_path(&command);
    if is_version {
        candidates.extend(installed(spec));
    }
    for candidate in candidates {
        match probe(&candidate, source.clone()) {
            Ok(found) if !is_version || found.minor() == spec => return Ok(found),
            Ok(found) => tried.push(format!("{} is {}", candidate.display(), found.version)),
            Err(err) => tried.push(format!("{}: {err:#}", candidate.display())),
        }
    }
    if tried.is_empty() {
        bail!(
            "no `{command}` found on PATH{}",
            if is_version {
                ", in pyenv's versions or in uv's pythons"
            } else {
                ""
            }
        );
    }
    bail!("no usable `{command}`: {}", tried.join("; "))
}

/// Every executable named `command` on `PATH`, in order.
fn on_path(command: &str) -> Vec<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join(command))
                .filter(|p| {
                    std::fs::metadata(p)
                        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `bin/pythonX.Y` of pyenv's (`$PYENV_ROOT`, else `~/.pyenv`) and uv's
/// (`~/.local/share/uv/python`) installs of version `minor`, newest patch first.
fn installed(minor: &str) -> Vec<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let roots: Vec<(PathBuf, String)> = [
        std::env::var_os("PYENV_ROOT")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".pyenv")))
            .map(|r| (r.join("versions"), format!("{minor}."))),
        home.as_ref().map(|h| {
            (
                h.join(".local/share/uv/python"),
                format!("cpython-{minor}."),
            )
        }),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut found: Vec<(Vec<u32>, PathBuf)> = Vec::new();
    for (root, prefix) in roots {
        let Ok(entries) = std::fs::read_dir(&root) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(rest) = name.strip_prefix(&prefix) else {
                continue;
            };
            let patch: Vec<u32> = rest
                .split(|c: char| !c.is_ascii_digit())
                .take(1)
                .filter_map(|p| p.parse().ok())
                .collect();
            let python = entry.path().join(format!("bin/python{minor}"));
            if python.is_file() {
                found.push((patch, python));
            }
        }
    }
    found.sort_by(|a, b| b.0.cmp(&a.0));
    found.into_iter().map(|(_, p)| p).collect()
}

/// Asks `executable` what it is (nothing of the notes runs), and checks that snipcheck can
/// run it: CPython 3.9-3.13 with a shared library.
pub fn probe(executable: &Path, source: String) -> Result<Interpreter> {
    let output = std::process::Command::new(executable)
        .args(["-I", "-c", PROBE])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("LC_ALL", "C.UTF-8")
        .stdin(std::process::Stdio::null())
        .output()
        .with_context(|| format!("cannot run {}", executable.display()))?;
    if !output.status.success() {
        bail!(
            "{} failed: {}",
            executable.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let probed: Probed = serde_json::from_slice(&output.stdout).with_context(|| {
        format!(
            "{} did not answer as CPython 3 does (is it Python 2?)",
            executable.display()
        )
    })?;
    if probed.implementation != "cpython" {
        bail!(
            "{} is {} {}: snipcheck runs CPython",
            executable.display(),
            probed.implementation,
            probed.version
        );
    }
    let [(lo_major, lo_minor), (hi_major, hi_minor)] = SUPPORTED;
    if probed.minor < SUPPORTED[0] || probed.minor > SUPPORTED[1] {
        bail!(
            "{} is CPython {}: snipcheck runs CPython {lo_major}.{lo_minor} to {hi_major}.{hi_minor}",
            executable.display(),
            probed.version
        );
    }
    let library = probed
        .libdirs
        .iter()
        .flat_map(|dir| probed.names.iter().map(move |name| dir.join(name)))
        .find(|p| p.is_file());
    let Some(library) = library.filter(|_| probed.shared) else {
        bail!(
            "{} (CPython {}) has no shared libpython: snipcheck loads CPython as a library; use a build configured with --enable-shared (Debian's and Ubuntu's python3.X, pyenv with PYTHON_CONFIGURE_OPTS=--enable-shared, uv's)",
            executable.display(),
            probed.version
        );
    };
    Ok(Interpreter {
        executable: probed.executable,
        version: probed.version,
        home: probed.base_prefix,
        library,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_is_its_minor() {
        let python = Interpreter {
            executable: PathBuf::from("/usr/bin/python3.11"),
            version: "3.11.2".to_owned(),
            home: PathBuf::from("/usr"),
            library: PathBuf::from("/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0"),
            source: "test".to_owned(),
        };
        assert_eq!(python.minor(), "3.11");
    }

    #[test]
    fn a_path_that_is_not_python_is_an_error_naming_it() {
        let err = find("/bin/true", "test".to_owned()).expect_err("not python");
        assert!(format!("{err:#}").contains("/bin/true"), "{err:#}");
        let err = find("/no/such/python", "test".to_owned()).expect_err("missing");
        assert!(format!("{err:#}").contains("/no/such/python"), "{err:#}");
    }

    #[test]
    fn a_block_parses_on_the_versions_whose_grammar_has_it() {
        let python = find("/usr/bin/python3.11", "test".to_owned()).expect("Debian's 3.11");
        assert!(python.parses("x = 1\nawait f()\n").expect("3.11 answers"));
        assert!(
            !python
                .parses("type Point = tuple[int, int]\n")
                .expect("3.11 answers")
        );
        assert!(!python.parses("print 'hello'\n").expect("3.11 answers"));
        let newer = newer_than((3, 11));
        let names: Vec<String> = newer.iter().map(Interpreter::minor).collect();
        assert_eq!(names, ["3.12", "3.13"], "pyenv's newer versions");
        assert!(
            newer[0]
                .parses("type Point = tuple[int, int]\n")
                .expect("3.12 answers")
        );
    }

    #[test]
    fn debians_python_is_probed_with_its_shared_library() {
        let python = find("/usr/bin/python3.11", "test".to_owned()).expect("Debian's 3.11");
        assert_eq!(python.minor(), "3.11");
        assert_eq!(python.home, PathBuf::from("/usr"));
        assert!(python.library.is_file(), "{python:?}");
    }
}
