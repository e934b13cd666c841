//! `snipcheck.toml`: which notes to verify by default and per-snippet settings.
//!
//! The file is parsed strictly: an unknown key, a wrong type or a setting that breaks a rule
//! (`expect-error` without `reason`, a fixture file escaping the scratch dir) is an error that
//! names the file and line. A missing file is not an error: the defaults apply.

use crate::line::LineNo;
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

/// The config file name looked up in the current directory.
pub const FILE_NAME: &str = "snipcheck.toml";

/// The wall-clock limit per snippet when neither the command line nor the config sets one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The loaded configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Where the config came from (`None`: no config file).
    pub path: Option<PathBuf>,
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
    #[serde(default)]
    snippet: BTreeMap<String, toml::Spanned<RawSnippet>>,
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

/// Loads `path` if given, else `snipcheck.toml` in the current directory if it exists.
pub fn load(path: Option<&Path>) -> Result<Config> {
    let path = match path {
        Some(path) => path.to_path_buf(),
        None => {
            let default = PathBuf::from(FILE_NAME);
            if !default.exists() {
                return Ok(Config::default());
            }
            default
        }
    };
    let bytes = std::fs::read(&path)
        .with_context(|| format!("failed to read config {}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|err| {
        let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        anyhow::anyhow!(
            "invalid config {}:{line}: the file is not valid UTF-8",
            path.display()
        )
    })?;
    parse(&path, &text)
}

/// Parses a config file's text; errors name `path` and the line.
pub fn parse(path: &Path, text: &str) -> Result<Config> {
    let raw: RawConfig = toml::from_str(text).map_err(|err| {
        let line = err
            .span()
            .map(|span| LineNo::of_offset(text, span.start))
            .unwrap_or(LineNo::FIRST);
        anyhow::anyhow!(
            "invalid config {}:{line}: {}",
            path.display(),
            err.message()
        )
    })?;
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
    Ok(Config {
        path: Some(path.to_path_buf()),
        notes: raw.notes.map(toml::Spanned::into_inner).unwrap_or_default(),
        notes_line,
        timeout,
        snippets,
        strict_parse: raw.strict_parse.unwrap_or(false),
        namespace: raw.namespace.unwrap_or_default(),
        venv,
    })
}

impl Config {
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
