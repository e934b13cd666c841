//! `snipcheck doctor`'s report: the Python in use and every sandbox layer, as a real child
//! applied them.

use crate::run::python;
use crate::run::sandbox::{Layer, LayerStatus};
use anyhow::{Context, Result};
use std::fmt::Write as _;

/// What `doctor` found.
#[derive(Debug, Clone)]
pub struct Facts {
    /// The interpreter's version.
    pub python: String,
    /// Its home.
    pub home: String,
    /// snipcheck runs as root.
    pub root: bool,
    /// The probe snippet ran to its end.
    pub probe_finished: bool,
    /// Every layer, with the child's own word where it has one.
    pub layers: Vec<Layer>,
}

/// `doctor --format json`.
pub fn json(facts: &Facts) -> Result<String> {
    let value = serde_json::json!({
        "python": facts.python,
        "home": facts.home,
        "executable": python::PYTHON_EXECUTABLE,
        "root": facts.root,
        "probe_finished": facts.probe_finished,
        "layers": facts.layers,
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
        "python: {} (home {}, executable {}, pinned at build time)",
        facts.python,
        facts.home,
        python::PYTHON_EXECUTABLE
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
    let _ = writeln!(out, "sandbox layers:");
    for layer in &facts.layers {
        let status = match layer.status {
            LayerStatus::Active => "active",
            LayerStatus::Unavailable => "unavailable",
            LayerStatus::Failed => "FAILED",
        };
        let _ = writeln!(out, "  {status:<12} {:<20} {}", layer.name, layer.detail);
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
