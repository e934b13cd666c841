//! `snipcheck doctor`'s report: the Python in use, the config in use, and every sandbox layer,
//! as a real child applied them.

use crate::run::sandbox::{Layer, LayerStatus, floor};
use anyhow::{Context, Result};
use std::fmt::Write as _;

/// What `doctor` found.
#[derive(Debug, Clone)]
pub struct Facts {
    /// The interpreter's version.
    pub python: String,
    /// Its home.
    pub home: String,
    /// Its executable.
    pub executable: String,
    /// Why it was chosen (`python3 on PATH`, `--python 3.12`, ...).
    pub source: String,
    /// snipcheck runs as root.
    pub root: bool,
    /// The probe snippet ran to its end.
    pub probe_finished: bool,
    /// Every layer, with the child's own word where it has one.
    pub layers: Vec<Layer>,
    /// The config in use.
    pub config: ConfigFacts,
}

/// Which config `doctor` found.
#[derive(Debug, Clone)]
pub enum ConfigFacts {
    /// It loads: its file (`None`: no config, the defaults apply) and the table in it (`None`:
    /// the whole file).
    Loaded {
        /// The file.
        path: Option<String>,
        /// The table, `[tool.snipcheck]` in a `pyproject.toml`.
        table: Option<String>,
    },
    /// It does not load: why.
    Invalid(String),
}

/// `doctor --format json`.
pub fn json(facts: &Facts) -> Result<String> {
    let value = serde_json::json!({
        "python": facts.python,
        "home": facts.home,
        "executable": facts.executable,
        "python_source": facts.source,
        "root": facts.root,
        "probe_finished": facts.probe_finished,
        "layers": facts.layers,
        "config": match &facts.config {
            ConfigFacts::Loaded { path, table } => {
                serde_json::json!({ "path": path, "table": table, "error": null })
            }
            ConfigFacts::Invalid(error) => {
                serde_json::json!({ "path": null, "table": null, "error": error })
            }
        },
    });
    let mut text = serde_json::to_string_pretty(&value).context("failed to serialize")?;
    text.push('\n');
    Ok(text)
}

/// `doctor` for a person.
pub fn human(facts: &Facts) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "python: {} ({}; executable {}, home {})",
        facts.python, facts.source, facts.executable, facts.home,
    );
    let _ = writeln!(
        out,
        "running as: {}",
        if facts.root {
            "root"
        } else {
            "an unprivileged user"
        }
    );
    // The path and the error quote what the user wrote: shown, never obeyed.
    let shown = |text: &str| super::terminal::visible_line(text).into_owned();
    let _ = match &facts.config {
        ConfigFacts::Loaded {
            path: Some(path),
            table: Some(table),
        } => writeln!(out, "config: {}, table {table}", shown(path)),
        ConfigFacts::Loaded {
            path: Some(path),
            table: None,
        } => writeln!(out, "config: {}", shown(path)),
        ConfigFacts::Loaded { path: None, .. } => writeln!(
            out,
            "config: none (no {} here, no {} table in {}): the defaults apply",
            crate::config::FILE_NAME,
            crate::config::TABLE,
            crate::config::PYPROJECT
        ),
        ConfigFacts::Invalid(error) => writeln!(out, "config: INVALID: {}", shown(error)),
    };
    let _ = writeln!(out, "sandbox layers:");
    for layer in &facts.layers {
        let status = match layer.status {
            LayerStatus::Active => "active",
            LayerStatus::Unavailable => "unavailable",
            LayerStatus::Failed => "FAILED",
        };
        let _ = writeln!(out, "  {status:<12} {:<20} {}", layer.name, layer.detail);
    }
    if facts
        .layers
        .iter()
        .any(|l| l.name == floor::NAME && l.status == LayerStatus::Failed)
    {
        let _ = writeln!(
            out,
            "below the floor: `verify`, `run`, `update` and `inspect` refuse to run snippets here; `--sandbox=minimal` (config `sandbox = \"minimal\"`) runs them with the layers above"
        );
    }
    let _ = writeln!(
        out,
        "probe snippet: {}",
        if facts.probe_finished {
            "ran to its end"
        } else {
            "did NOT finish"
        }
    );
    out
}
