//! `snipcheck.toml`, or the `[tool.snipcheck]` table of `pyproject.toml`: which notes to verify
//! by default and per-snippet settings.
//!
//! Both are parsed strictly, by the same types: an unknown key, a wrong type or a setting that
//! breaks a rule (`expect-error` without `reason`, a fixture file escaping the scratch dir) is an
//! error that names the file and line (a line of `pyproject.toml` itself: toml's spans are
//! offsets into the whole document). A missing config is not an error: the defaults apply.

use crate::line::LineNo;
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

/// The config file name looked up in the current directory.
pub const FILE_NAME: &str = "snipcheck.toml";

/// The Python project file whose `[tool.snipcheck]` table is looked up after [`FILE_NAME`].
pub const PYPROJECT: &str = "pyproject.toml";

/// The table of [`PYPROJECT`] that holds snipcheck's settings.
pub const TABLE: &str = "[tool.snipcheck]";

/// The wall-clock limit per snippet when neither the command line nor the config sets one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The loaded configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Where the config came from (`None`: no config file).
    pub path: Option<PathBuf>,
    /// The config is the `[tool.snipcheck]` table of `path` (a `pyproject.toml`), not the
    /// whole file.
    pub in_pyproject: bool,
    /// Glob patterns of the default notes, relative to the config's directory.
    pub notes: Vec<String>,
    /// The line of `notes = [...]` in the config file (`None`: the file has no `notes`).
    pub notes_line: Option<LineNo>,
    /// Default wall-clock limit per snippet.
    pub timeout: Option<Duration>,
    /// Per-snippet settings by snippet id.
    pub snippets: BTreeMap<String, SnippetSettings>,
    /// `strict-parse = true`: a block that is not valid Python 3 fails the run.
    pub strict_parse: bool,
    /// Which blocks share one namespace (`namespace = "auto" | "block" | "section" | "document"`).
    pub namespace: Namespace,
    /// `venv = "PATH"`: a virtualenv whose site-packages the snippets may import from,
    /// resolved against the config's directory.
    pub venv: Option<PathBuf>,
    /// `sandbox = "minimal"`: run below the sandbox's floor instead of refusing.
    pub sandbox: SandboxPolicy,
    /// `python = "3.12"` (a version) or a path to an interpreter (resolved against the
    /// config's directory): the CPython the snippets run on; a list (`["3.11", "3.13"]`) runs
    /// them on each, kept here joined by `,` as `--python` takes it.
    pub python: Option<String>,
}

/// What a run does where the sandbox is below its floor (`sandbox = "full" | "minimal"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SandboxPolicy {
    /// Refuse to run anything (the default).
    #[default]
    Full,
    /// Run with the layers this machine has, and say so in every report.
    Minimal,
}

/// Which blocks of a document run in one namespace.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Namespace {
    /// Each block runs after the earlier blocks that bind the names it reads (found by
    /// CPython's parser), transitively; a block that reads nothing of theirs runs alone (the
    /// default).
    #[default]
    Auto,
    /// Every block alone, as `python3 file.py` would run it.
    Block,
    /// The blocks of one section build on each other (each continues the one before it).
    Section,
    /// Every block of the document builds on the ones before it.
    Document,
}

impl Namespace {
    /// Parses `auto`, `block`, `section` or `document`.
    pub fn parse(text: &str) -> Option<Namespace> {
        match text {
            "auto" => Some(Namespace::Auto),
            "block" => Some(Namespace::Block),
            "section" => Some(Namespace::Section),
            "document" => Some(Namespace::Document),
            _ => None,
        }
    }

    /// The name as written in the config.
    pub fn name(self) -> &'static str {
        match self {
            Namespace::Auto => "auto",
            Namespace::Block => "block",
            Namespace::Section => "section",
            Namespace::Document => "document",
        }
    }
}

/// Settings for one snippet, keyed by its id in `[snippet."<id>"]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SnippetSettings {
    /// Where the table starts in the config file.
    pub line: LineNo,
    /// Files to create in the scratch dir before the snippet runs: name → content.
    pub files: BTreeMap<String, String>,
    /// Python code run in the snippet's namespace before it (stubs for placeholders).
    pub prelude: Option<String>,
    /// The exception type the snippet is known to end with, when run alone.
    pub expect_error: Option<ExpectError>,
    /// Wall-clock limit for this snippet.
    pub timeout: Option<Duration>,
    /// `skip = true` with its `reason`: the snippet is reported as skipped, not run.
    pub skip: Option<String>,
    /// `continue = true`: the snippet shares the namespace of the block before it.
    pub continues: bool,
}

/// A declared, explained failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectError {
    /// The exception type name, e.g. `NameError`.
    pub error: String,
    /// Why the snippet cannot run alone.
    pub reason: String,
}

impl Default for LineNo {
    fn default() -> Self {
        LineNo::FIRST
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    notes: Option<toml::Spanned<Vec<String>>>,
    timeout: Option<toml::Spanned<f64>>,
    strict_parse: Option<bool>,
    namespace: Option<Namespace>,
    venv: Option<String>,
    sandbox: Option<SandboxPolicy>,
    python: Option<toml::Spanned<RawPython>>,
    #[serde(default)]
    snippet: BTreeMap<String, toml::Spanned<RawSnippet>>,
}

/// `python = "3.12"` or `python = ["3.11", "3.13"]`.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawPython {
    One(String),
    Several(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSnippet {
    #[serde(default)]
    files: BTreeMap<String, String>,
    prelude: Option<String>,
    expect_error: Option<String>,
    reason: Option<String>,
    timeout: Option<toml::Spanned<f64>>,
    skip: Option<bool>,
    #[serde(rename = "continue")]
    continues: Option<bool>,
}

/// The `pyproject.toml` layout around `[tool.snipcheck]`; every other table is ignored.
#[derive(Deserialize)]
struct PyProject {
    tool: Option<Tool>,
}

#[derive(Deserialize)]
struct Tool {
    snipcheck: Option<RawConfig>,
}

/// Loads `path` if given (a file named `pyproject.toml`: its `[tool.snipcheck]` table; any
/// other: the whole file), else the config of the current directory (see [`lookup`]).
pub fn load(path: Option<&Path>) -> Result<Config> {
    let Some(path) = path else {
        return lookup(Path::new(""));
    };
    let text = read_text(path)?;
    if is_pyproject(path) {
        return parse_pyproject(path, &text)?.with_context(|| {
            format!(
                "config {} has no {TABLE} table: add one, or point --config at a snipcheck.toml",
                path.display()
            )
        });
    }
    parse(path, &text)
}

/// The config of `dir`: its `snipcheck.toml`, else the `[tool.snipcheck]` table of its
/// `pyproject.toml` (a `pyproject.toml` without one is not a config), else the defaults. Both
/// at once is an error: one of them would be silently ignored.
pub fn lookup(dir: &Path) -> Result<Config> {
    let file = dir.join(FILE_NAME);
    let pyproject = dir.join(PYPROJECT);
    if file.exists() {
        if pyproject.is_file() && has_table(&pyproject) {
            bail!(
                "both {} and {} {TABLE} configure snipcheck: keep one of them",
                file.display(),
                pyproject.display()
            );
        }
        return load(Some(&file));
    }
    if pyproject.is_file() {
        let text = read_text(&pyproject)?;
        if let Some(config) = parse_pyproject(&pyproject, &text)? {
            return Ok(config);
        }
    }
    Ok(Config::default())
}

/// Whether `path` (a `pyproject.toml`) holds a `[tool.snipcheck]` table. A file that cannot be
/// read or parsed holds none: this only asks whether a second config competes with a
/// `snipcheck.toml`.
pub fn has_table(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .is_some_and(|doc| {
            doc.get("tool")
                .and_then(|tool| tool.get("snipcheck"))
                .is_some()
        })
}

/// Whether `path` names a `pyproject.toml`, whose config is its `[tool.snipcheck]` table.
pub fn is_pyproject(path: &Path) -> bool {
    path.file_name().is_some_and(|name| name == PYPROJECT)
}

/// A config file's text; not UTF-8 is an error naming the line.
fn read_text(path: &Path) -> Result<String> {
    let bytes =
        std::fs::read(path).with_context(|| format!("failed to read config {}", path.display()))?;
    String::from_utf8(bytes).map_err(|err| {
        let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        anyhow::anyhow!(
            "invalid config {}:{line}: the file is not valid UTF-8",
            path.display()
        )
    })
}

/// Parses a config file's text; errors name `path` and the line.
pub fn parse(path: &Path, text: &str) -> Result<Config> {
    let raw: RawConfig = toml::from_str(text).map_err(|err| invalid(path, text, &err))?;
    settle(path, text, raw, false)
}

/// Parses a `pyproject.toml`'s `[tool.snipcheck]` table (`None`: the file has none); errors
/// name `path` and the line in it.
pub fn parse_pyproject(path: &Path, text: &str) -> Result<Option<Config>> {
    let doc: PyProject = toml::from_str(text).map_err(|err| invalid(path, text, &err))?;
    doc.tool
        .and_then(|tool| tool.snipcheck)
        .map(|raw| settle(path, text, raw, true))
        .transpose()
}

fn invalid(path: &Path, text: &str, err: &toml::de::Error) -> anyhow::Error {
    let line = err
        .span()
        .map(|span| LineNo::of_offset(text, span.start))
        .unwrap_or(LineNo::FIRST);
    anyhow::anyhow!(
        "invalid config {}:{line}: {}",
        path.display(),
        err.message()
    )
}

/// Checks the rules serde cannot and builds the [`Config`]; `text` is the whole file the
/// spans index.
fn settle(path: &Path, text: &str, raw: RawConfig, in_pyproject: bool) -> Result<Config> {
    let timeout = raw
        .timeout
        .map(|secs| {
            let line = LineNo::of_offset(text, secs.span().start);
            seconds(*secs.get_ref())
                .with_context(|| format!("invalid config {}:{line}: timeout", path.display()))
        })
        .transpose()?;
    let notes_line = raw
        .notes
        .as_ref()
        .map(|notes| LineNo::of_offset(text, notes.span().start));
    let mut snippets = BTreeMap::new();
    for (id, spanned) in raw.snippet {
        let line = LineNo::of_offset(text, spanned.span().start);
        let at = || format!("{}:{line}", path.display());
        let raw = spanned.into_inner();
        if raw
            .expect_error
            .as_ref()
            .is_some_and(|e| e.trim().is_empty())
        {
            bail!(
                "invalid config {}: snippet {id:?} sets an empty expect-error; name the exception type (e.g. \"NameError\")",
                at()
            );
        }
        let skip = raw.skip.unwrap_or(false);
        if skip && raw.expect_error.is_some() {
            bail!(
                "invalid config {}: snippet {id:?} sets both skip and expect-error; a skipped snippet does not run",
                at()
            );
        }
        let reason = raw.reason.filter(|r| !r.trim().is_empty());
        let (expect_error, skip) = match (raw.expect_error, skip, reason) {
            (Some(error), _, Some(reason)) => (Some(ExpectError { error, reason }), None),
            (None, true, Some(reason)) => (None, Some(reason)),
            (Some(_), _, None) => bail!(
                "invalid config {}: snippet {id:?} sets expect-error without a reason; say why it cannot run",
                at()
            ),
            (None, true, None) => bail!(
                "invalid config {}: snippet {id:?} sets skip without a reason; say why it is not run",
                at()
            ),
            (None, false, Some(_)) => bail!(
                "invalid config {}: snippet {id:?} sets reason without expect-error or skip",
                at()
            ),
            (None, false, None) => (None, None),
        };
        for name in raw.files.keys() {
            if name.contains('\0') {
                bail!(
                    "invalid config {}: snippet {id:?} file {name:?} holds a NUL byte, which no file name can",
                    at()
                );
            }
            if !is_plain_relative(name) {
                bail!(
                    "invalid config {}: snippet {id:?} file {name:?} must be a relative path inside the scratch dir",
                    at()
                );
            }
        }
        let timeout = raw
            .timeout
            .map(|secs| {
                let line = LineNo::of_offset(text, secs.span().start);
                seconds(*secs.get_ref())
                    .with_context(|| format!("invalid config {}:{line}: timeout", path.display()))
            })
            .transpose()?;
        snippets.insert(
            id,
            SnippetSettings {
                line,
                files: raw.files,
                prelude: raw.prelude,
                expect_error,
                timeout,
                skip,
                continues: raw.continues.unwrap_or(false),
            },
        );
    }
    let venv = raw.venv.map(|venv| {
        let venv = PathBuf::from(venv);
        if venv.is_absolute() {
            venv
        } else {
            path.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| venv.clone(), |dir| dir.join(&venv))
        }
    });
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let python = match raw.python {
        None => None,
        Some(spanned) => {
            let line = LineNo::of_offset(text, spanned.span().start);
            let specs = match spanned.into_inner() {
                RawPython::One(one) => vec![one],
                RawPython::Several(several) => several,
            };
            if specs.is_empty() || specs.iter().any(|s| s.is_empty() || s.contains(',')) {
                bail!(
                    "{}:{line}: `python` must name one or more Pythons (`\"3.12\"`, `[\"3.11\", \"3.13\"]`, or a path without a comma)",
                    path.display()
                );
            }
            let resolved: Vec<String> = specs
                .into_iter()
                .map(|python| match dir {
                    Some(dir) if python.contains('/') && !python.starts_with('/') => {
                        dir.join(&python).display().to_string()
                    }
                    _ => python,
                })
                .collect();
            Some(resolved.join(","))
        }
    };
    Ok(Config {
        path: Some(path.to_path_buf()),
        in_pyproject,
        notes: raw.notes.map(toml::Spanned::into_inner).unwrap_or_default(),
        notes_line,
        timeout,
        snippets,
        strict_parse: raw.strict_parse.unwrap_or(false),
        namespace: raw.namespace.unwrap_or_default(),
        venv,
        sandbox: raw.sandbox.unwrap_or_default(),
        python,
    })
}

impl Config {
    /// The config in use, for messages: `snipcheck.toml`, `pyproject.toml [tool.snipcheck]`
    /// (as the path was given), or [`FILE_NAME`] when there is none (where one would go).
    pub fn name(&self) -> String {
        match &self.path {
            None => FILE_NAME.to_owned(),
            Some(path) if self.in_pyproject => format!("{} {TABLE}", path.display()),
            Some(path) => path.display().to_string(),
        }
    }

    /// `path:line` of the config's `notes` (or just the path) for messages about them.
    pub fn notes_at(&self) -> String {
        let path = self
            .path
            .as_deref()
            .map_or_else(|| FILE_NAME.to_owned(), |p| p.display().to_string());
        match self.notes_line {
            Some(line) => format!("{path}:{line}"),
            None => path,
        }
    }

    /// The directory that relative `notes` patterns start from.
    pub fn base_dir(&self) -> PathBuf {
        self.path
            .as_deref()
            .and_then(Path::parent)
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }
}

/// A starting config listing `notes` (paths relative to the config's directory), with the
/// main keys' defaults commented out: a whole `snipcheck.toml`, or (`in_pyproject`) a
/// `[tool.snipcheck]` table to append to a `pyproject.toml`.
pub fn starter(notes: &[String], in_pyproject: bool) -> String {
    let (table, snippet) = if in_pyproject {
        ("[tool.snipcheck]\n", "[tool.snipcheck.snippet.")
    } else {
        ("", "[snippet.")
    };
    let quote = |text: &str| toml::Value::String(text.to_owned()).to_string();
    let mut out = String::from(
        "# snipcheck's configuration, written by `snipcheck init` (every key: see the README).\n",
    );
    out.push_str(table);
    if notes.is_empty() {
        out.push_str(
            "# No Markdown or reStructuredText file with a Python block was found: list the\n\
             # notes to verify here (globs allowed), relative to this file.\nnotes = []\n",
        );
    } else {
        out.push_str(
            "# The notes `snipcheck verify` checks when given no paths (globs allowed), relative\n\
             # to this file.\nnotes = [\n",
        );
        for note in notes {
            out.push_str(&format!("    {},\n", quote(note)));
        }
        out.push_str("]\n");
    }
    out.push_str(&format!(
        "\n\
         # Wall-clock limit per snippet, in seconds.\n\
         # timeout = {}\n\
         # Which blocks share one namespace: \"auto\", \"block\", \"section\" or \"document\".\n\
         # namespace = \"auto\"\n\
         # Fail on blocks that are not valid Python 3 (default: reported, not failed).\n\
         # strict-parse = false\n\
         # A virtualenv whose site-packages the snippets may import (default: $VIRTUAL_ENV).\n\
         # venv = \".venv\"\n\
         # Where the sandbox is below its floor: refuse (\"full\") or run anyway (\"minimal\").\n\
         # sandbox = \"full\"\n\
         \n\
         # Settings of one snippet, by id (`snipcheck verify --format json` lists the ids):\n\
         # {snippet}\"notes/section-title\"]\n\
         # expect-error = \"NameError\"\n\
         # reason = \"uses a name the prose defines\"\n",
        DEFAULT_TIMEOUT.as_secs()
    ));
    out
}

/// A positive, finite number of seconds.
pub fn seconds(secs: f64) -> Result<Duration> {
    if !(secs.is_finite() && secs > 0.0 && secs <= 86_400.0) {
        bail!("timeout must be a number of seconds between 0 and 86400, got {secs}");
    }
    Ok(Duration::from_secs_f64(secs))
}

fn is_plain_relative(name: &str) -> bool {
    let path = Path::new(name);
    !name.is_empty()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Config> {
        parse(Path::new("snipcheck.toml"), text)
    }

    #[test]
    fn parses_run_wide_settings_and_rejects_bad_values() {
        let config = parse(
            Path::new("conf/snipcheck.toml"),
            "strict-parse = true\nnamespace = \"section\"\nvenv = \".venv\"\n",
        )
        .expect("valid config");
        assert!(config.strict_parse);
        assert_eq!(config.namespace, Namespace::Section);
        assert_eq!(config.venv, Some(PathBuf::from("conf/.venv")));
        assert_eq!(parse_str("").expect("empty").namespace, Namespace::Auto);
        let err = parse_str("\n\nnamespace = \"chapter\"\n").expect_err("bad namespace");
        let message = format!("{err}");
        assert!(message.contains("snipcheck.toml:3"), "{message}");
        assert!(message.contains("block"), "{message}");
    }

    #[test]
    fn parses_notes_and_snippet_settings() {
        let config = parse_str(
            "notes = [\"notes/*.md\"]\ntimeout = 2.5\n\n[snippet.\"doc/a\"]\nfiles = { \"data.txt\" = \"hi\\n\" }\nprelude = \"x = 1\"\nexpect-error = \"NameError\"\nreason = \"placeholder\"\n",
        )
        .expect("valid config");
        assert_eq!(config.notes, vec!["notes/*.md"]);
        assert_eq!(config.timeout, Some(Duration::from_millis(2500)));
        let s = &config.snippets["doc/a"];
        assert_eq!(s.files["data.txt"], "hi\n");
        assert_eq!(s.prelude.as_deref(), Some("x = 1"));
        assert_eq!(
            s.expect_error.as_ref().map(|e| e.error.as_str()),
            Some("NameError")
        );
        assert_eq!(s.line.get(), 4);
    }

    #[test]
    fn unknown_keys_name_the_line() {
        let err = parse_str("notes = []\n\n[snippet.\"a\"]\nfile = {}\n").expect_err("unknown key");
        let msg = format!("{err:#}");
        assert!(msg.contains("snipcheck.toml:4"), "{msg}");
        assert!(msg.contains("file"), "{msg}");
    }

    #[test]
    fn expect_error_needs_a_reason() {
        let err =
            parse_str("[snippet.\"a\"]\nexpect-error = \"NameError\"\n").expect_err("no reason");
        assert!(format!("{err:#}").contains("without a reason"));
    }

    #[test]
    fn fixture_files_stay_in_scratch() {
        for bad in ["../x", "/etc/passwd", ""] {
            let text = format!("[snippet.\"a\"]\nfiles = {{ {bad:?} = \"\" }}\n");
            assert!(parse_str(&text).is_err(), "{bad}");
        }
        assert!(parse_str("[snippet.\"a\"]\nfiles = { \"sub/ok.txt\" = \"\" }\n").is_ok());
    }

    #[test]
    fn bad_timeouts_are_rejected_naming_their_line() {
        assert!(parse_str("timeout = 0\n").is_err());
        assert!(parse_str("timeout = -1\n").is_err());
        assert!(parse_str("timeout = \"ten\"\n").is_err());
        let err = parse_str("notes = []\n\ntimeout = 100000\n").expect_err("too long");
        assert!(
            format!("{err:#}").contains("snipcheck.toml:3: timeout"),
            "{err:#}"
        );
        let err = parse_str("[snippet.\"a\"]\nprelude = \"\"\ntimeout = 0\n").expect_err("zero");
        assert!(
            format!("{err:#}").contains("snipcheck.toml:3: timeout"),
            "{err:#}"
        );
    }

    #[test]
    fn empty_expect_errors_and_nul_file_names_are_config_errors() {
        let err = parse_str("\n[snippet.\"a\"]\nexpect-error = \" \"\nreason = \"r\"\n")
            .expect_err("empty expect-error");
        assert!(format!("{err:#}").contains("snipcheck.toml:2"), "{err:#}");
        assert!(format!("{err:#}").contains("empty expect-error"), "{err:#}");
        let err = parse_str("[snippet.\"a\"]\nfiles = { \"a\\u0000b\" = \"\" }\n")
            .expect_err("NUL in a name");
        assert!(format!("{err:#}").contains("NUL"), "{err:#}");
    }

    #[test]
    fn the_notes_line_is_kept_for_messages() {
        let config = parse_str("# notes\n\nnotes = [\"*.md\"]\n").expect("valid");
        assert_eq!(config.notes_at(), "snipcheck.toml:3");
        assert_eq!(parse_str("").expect("valid").notes_at(), "snipcheck.toml");
    }

    #[test]
    fn the_pyproject_table_is_read_with_the_pyprojects_own_lines() {
        let path = Path::new("proj/pyproject.toml");
        let text = "[project]\nname = \"x\"\n\n[tool.ruff]\nline-length = 90\n\n[tool.snipcheck]\nnotes = [\"a.md\"]\nnamespace = \"block\"\n\n[tool.snipcheck.snippet.\"a/b\"]\nskip = true\nreason = \"r\"\n";
        let config = parse_pyproject(path, text)
            .expect("valid")
            .expect("has the table");
        assert!(config.in_pyproject);
        assert_eq!(config.namespace, Namespace::Block);
        assert_eq!(config.notes_at(), "proj/pyproject.toml:8");
        assert_eq!(config.snippets["a/b"].line.get(), 11);
        assert_eq!(config.base_dir(), PathBuf::from("proj"));
        assert_eq!(config.name(), "proj/pyproject.toml [tool.snipcheck]");
        let err = parse_pyproject(path, &text.replace("namespace", "namespaces"))
            .expect_err("unknown key");
        assert!(
            format!("{err:#}").contains("proj/pyproject.toml:9:"),
            "{err:#}"
        );
        let err = parse_pyproject(path, &text.replace("skip = true", "skip = 1"))
            .expect_err("wrong type");
        assert!(
            format!("{err:#}").contains("proj/pyproject.toml:12:"),
            "{err:#}"
        );
        let err = parse_pyproject(path, &text.replace("reason = \"r\"\n", ""))
            .expect_err("skip without a reason");
        assert!(
            format!("{err:#}").contains("proj/pyproject.toml:11:"),
            "{err:#}"
        );
        assert!(
            parse_pyproject(path, "[project]\nname = \"x\"\n[tool.black]\nx = 1\n")
                .expect("valid")
                .is_none()
        );
    }

    #[test]
    fn starters_load_and_list_their_notes() {
        let notes = vec!["notes/a.md".to_owned(), "docs/we\"ird.rst".to_owned()];
        let config = parse_str(&starter(&notes, false)).expect("the starter loads");
        assert_eq!(config.notes, notes);
        assert_eq!(config.timeout, None);
        let text = format!("[project]\nname = \"x\"\n\n{}", starter(&notes, true));
        let config = parse_pyproject(Path::new("pyproject.toml"), &text)
            .expect("the table loads")
            .expect("has the table");
        assert_eq!(config.notes, notes);
        let empty = parse_str(&starter(&[], false)).expect("loads");
        assert!(empty.notes.is_empty() && empty.notes_line.is_some());
    }

    #[test]
    fn a_config_that_is_not_utf8_names_the_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("snipcheck.toml");
        std::fs::write(&path, b"notes = []\n# caf\xe9\n").expect("write");
        let err = load(Some(&path)).expect_err("not UTF-8");
        assert!(
            format!("{err:#}").ends_with("snipcheck.toml:2: the file is not valid UTF-8"),
            "{err:#}"
        );
    }
}
