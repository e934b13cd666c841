//! Third-party packages: the virtualenv whose site-packages the snippets may import.
//!
//! Chosen by `--venv PATH`, else the config's `venv`, else the active one (`$VIRTUAL_ENV`).
//! Its `pyvenv.cfg` must name the embedded interpreter's minor version (a wheel built for
//! another CPython would crash or refuse to load). Its site-packages, and the directories its
//! `.pth` files add, are readable inside the sandbox and nothing more; they join `sys.path`
//! only in the snippet's child, after every sandbox layer is in place, so no code of the venv
//! ever runs outside the sandbox (`.pth` files included).

use crate::line::LineNo;
use anyhow::{Context, Result, bail};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A validated virtualenv.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Venv {
    /// Its root (the directory holding `pyvenv.cfg`).
    pub root: PathBuf,
    /// Where the choice came from: `--venv`, `snipcheck.toml` or `$VIRTUAL_ENV`.
    pub source: String,
    /// The Python version its `pyvenv.cfg` names.
    pub version: String,
    /// `lib/pythonX.Y/site-packages`.
    pub site_packages: PathBuf,
    /// Existing directories named by its `.pth` files (editable installs and the like).
    pub pth_dirs: Vec<PathBuf>,
    /// `include-system-site-packages = true`: the system's site-packages stay on `sys.path`.
    pub system_site_packages: bool,
}

impl Venv {
    /// Every directory the sandbox must let the snippet read.
    pub fn read_only(&self) -> Vec<PathBuf> {
        std::iter::once(self.site_packages.clone())
            .chain(self.pth_dirs.iter().cloned())
            .collect()
    }
}

/// Picks the venv's root and where the choice came from: `cli`, else `config` (already
/// resolved against the config's directory), else `virtual_env` (the value of `$VIRTUAL_ENV`,
/// unless `--no-venv`).
pub fn choose(
    cli: Option<&Path>,
    config: Option<(&Path, &Path)>,
    virtual_env: Option<&std::ffi::OsStr>,
) -> Option<(PathBuf, String)> {
    match (cli, config, virtual_env) {
        (Some(path), _, _) => Some((path.to_path_buf(), "--venv".to_owned())),
        (None, Some((path, config)), _) => {
            Some((path.to_path_buf(), format!("venv in {}", config.display())))
        }
        (None, None, Some(env)) if !env.is_empty() => {
            Some((PathBuf::from(env), "$VIRTUAL_ENV".to_owned()))
        }
        _ => None,
    }
}

/// Picks the venv ([`choose`]) and reads it ([`load`]); `python` is the version snippets run
/// on.
pub fn resolve(
    cli: Option<&Path>,
    config: Option<(&Path, &Path)>,
    virtual_env: Option<&std::ffi::OsStr>,
    python: &str,
) -> Result<Option<Venv>> {
    choose(cli, config, virtual_env)
        .map(|(root, source)| load(&root, &source, python))
        .transpose()
}

/// Reads and checks the venv at `root`.
pub fn load(root: &Path, source: &str, python: &str) -> Result<Venv> {
    let cfg_path = root.join("pyvenv.cfg");
    if !root.is_dir() {
        let what = if root.exists() {
            "not a directory"
        } else {
            "no such directory"
        };
        bail!("venv {} ({source}): {what}", root.display());
    }
    let text = std::fs::read_to_string(&cfg_path).with_context(|| {
        format!(
            "venv {} ({source}) is not a virtualenv: cannot read {}",
            root.display(),
            cfg_path.display()
        )
    })?;
    let mut version = None;
    let mut system_site_packages = false;
    for (index, line) in text.lines().enumerate() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        let line_no = LineNo::new(u32::try_from(index + 1).unwrap_or(u32::MAX));
        match key {
            "version" | "version_info" => version = Some((value.to_owned(), line_no)),
            "include-system-site-packages" => {
                system_site_packages = value.eq_ignore_ascii_case("true");
            }
            _ => {}
        }
    }
    let Some((version, line)) = version else {
        bail!(
            "venv {} ({source}): {} names no Python version (no `version` line)",
            root.display(),
            cfg_path.display()
        );
    };
    let minor = |v: &str| -> String { v.split('.').take(2).collect::<Vec<_>>().join(".") };
    if minor(&version) != minor(python) {
        bail!(
            "venv {} ({source}) was made by Python {version} ({}:{line}), but the snippets run on Python {python}: its compiled packages would not load; drop --python to run on the venv's own interpreter, or make the venv with python{} -m venv",
            root.display(),
            cfg_path.display(),
            minor(python)
        );
    }
    let site_packages = root
        .join("lib")
        .join(format!("python{}", minor(python)))
        .join("site-packages");
    if !site_packages.is_dir() {
        bail!(
            "venv {} ({source}) has no {}",
            root.display(),
            site_packages.display()
        );
    }
    let site_packages = site_packages
        .canonicalize()
        .with_context(|| format!("failed to resolve {}", site_packages.display()))?;
    let pth_dirs = pth_dirs(&site_packages)?;
    // SAFETY: plain getter.
    if unsafe { libc::geteuid() } == 0 {
        // As root, the sandbox drops each snippet to a uid of its own: only what every user
        // may read is readable.
        for dir in std::iter::once(&site_packages).chain(&pth_dirs) {
            world_readable(dir).with_context(|| {
                format!(
                    "venv {} ({source}): snippets run as an unprivileged user of their own and could not import from it",
                    root.display()
                )
            })?;
        }
    }
    Ok(Venv {
        root: root.to_path_buf(),
        source: source.to_owned(),
        version,
        site_packages,
        pth_dirs,
        system_site_packages,
    })
}

/// The existing directories the `.pth` files of `site_packages` add to `sys.path` (lines that
/// are not comments or `import` statements, as `site.addpackage` reads them).
fn pth_dirs(site_packages: &Path) -> Result<Vec<PathBuf>> {
    let mut dirs = Vec::new();
    let entries = std::fs::read_dir(site_packages)
        .with_context(|| format!("failed to read {}", site_packages.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "pth"))
        .collect();
    files.sort();
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for line in text.lines() {
            let line = line.trim_end();
            if line.is_empty()
                || line.starts_with('#')
                || line.starts_with("import ")
                || line.starts_with("import\t")
            {
                continue;
            }
            let dir = site_packages.join(line);
            if let Ok(dir) = dir.canonicalize()
                && dir.is_dir()
                && !dirs.contains(&dir)
                && dir != site_packages
            {
                dirs.push(dir);
            }
        }
    }
    Ok(dirs)
}

/// Fails unless every user may read `dir` (r-x for others) and reach it (x on each ancestor).
fn world_readable(dir: &Path) -> Result<()> {
    let mode = |p: &Path| -> Result<u32> {
        Ok(std::fs::metadata(p)
            .with_context(|| format!("failed to read {}", p.display()))?
            .permissions()
            .mode())
    };
    let own = mode(dir)?;
    if own & 0o005 != 0o005 {
        bail!(
            "{} is not readable by other users (mode {:o})",
            dir.display(),
            own & 0o7777
        );
    }
    for ancestor in dir.ancestors().skip(1) {
        let m = mode(ancestor)?;
        if m & 0o001 == 0 {
            bail!(
                "{} is not searchable by other users (mode {:o}), so {} cannot be reached",
                ancestor.display(),
                m & 0o7777,
                dir.display()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn venv(cfg: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("pyvenv.cfg"), cfg).expect("cfg");
        std::fs::create_dir_all(dir.path().join("lib/python3.11/site-packages")).expect("site");
        dir
    }

    #[test]
    fn a_venv_of_the_same_minor_version_is_accepted_with_its_pth_dirs() {
        let dir = venv("home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n");
        let extra = dir.path().join("src");
        std::fs::create_dir(&extra).expect("src");
        std::fs::write(
            dir.path().join("lib/python3.11/site-packages/editable.pth"),
            format!(
                "# a comment\nimport sys\n{}\n../../../missing\n",
                extra.display()
            ),
        )
        .expect("pth");
        // As root, snippets run as a uid of their own: a venv other users cannot reach is
        // refused up front, naming the directory.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
            .expect("chmod 0700");
        let loaded = load(dir.path(), "--venv", "3.11.2");
        // SAFETY: plain getter.
        if unsafe { libc::geteuid() } == 0 {
            let err = format!("{:#}", loaded.expect_err("0700 venv"));
            assert!(
                err.contains("not searchable by other users") && err.contains("mode 700"),
                "{err}"
            );
        }
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod 0755");
        let venv = load(dir.path(), "--venv", "3.11.2").expect("valid venv");
        assert_eq!(venv.version, "3.11.7");
        assert!(!venv.system_site_packages);
        assert_eq!(
            venv.pth_dirs,
            vec![extra.canonicalize().expect("canonical")]
        );
        assert_eq!(venv.read_only().len(), 2);
    }

    #[test]
    fn another_minor_version_or_no_cfg_is_an_error_naming_the_file_and_line() {
        let dir = venv("home = /usr/bin\nversion_info = 3.12.1\n");
        let err = format!(
            "{:#}",
            load(dir.path(), "--venv", "3.11.2").expect_err("3.12")
        );
        assert!(err.contains("pyvenv.cfg:2"), "{err}");
        assert!(err.contains("3.12.1") && err.contains("3.11.2"), "{err}");
        let empty = tempfile::tempdir().expect("temp dir");
        let err = format!(
            "{:#}",
            load(empty.path(), "$VIRTUAL_ENV", "3.11.2").expect_err("no cfg")
        );
        assert!(
            err.contains("is not a virtualenv") && err.contains("$VIRTUAL_ENV"),
            "{err}"
        );
    }

    #[test]
    fn the_command_line_wins_over_the_config_which_wins_over_the_environment() {
        let a = venv("version = 3.11.2\n");
        let b = venv("version = 3.11.2\n");
        for dir in [&a, &b] {
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
                .expect("chmod");
        }
        let config = Path::new("snipcheck.toml");
        let env = Some(b.path().as_os_str());
        let from_env = resolve(None, None, env, "3.11.2")
            .expect("ok")
            .expect("venv");
        assert_eq!(
            (from_env.root.as_path(), from_env.source.as_str()),
            (b.path(), "$VIRTUAL_ENV")
        );
        let from_config = resolve(None, Some((a.path(), config)), env, "3.11.2")
            .expect("ok")
            .expect("venv");
        assert_eq!(from_config.root, a.path());
        let from_cli = resolve(Some(b.path()), Some((a.path(), config)), None, "3.11.2")
            .expect("ok")
            .expect("venv");
        assert_eq!(
            (from_cli.root.as_path(), from_cli.source.as_str()),
            (b.path(), "--venv")
        );
        assert!(resolve(None, None, None, "3.11.2").expect("ok").is_none());
    }
}
