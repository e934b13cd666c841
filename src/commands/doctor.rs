//! `snipcheck doctor`: the Python in use, and every sandbox layer with active / unavailable /
//! failed and why, as a real child applied them.

use crate::cli::{DoctorArgs, Format};
use crate::line::LineNo;
use crate::run::python;
use crate::run::runner::{Job, Zygote};
use crate::run::sandbox::{Layer, LayerStatus};
use anyhow::{Context, Result};
use std::fmt::Write as _;
use std::io::Write;
use std::time::Duration;

/// Prints the report; `Ok(true)` when no required layer failed.
pub fn doctor(args: &DoctorArgs) -> Result<bool> {
    let zygote = Zygote::start(1)?;
    // The layers as a real child applied them, not as planned.
    let probe = zygote.run(&Job::new(
        "<doctor probe>",
        LineNo::FIRST,
        "import sys\nsys.version\n",
        Duration::from_secs(10),
    ));
    let layers = merge(&zygote.layers, &probe.layers);
    let ok = probe.finished && !layers.iter().any(|l| l.status == LayerStatus::Failed);
    // SAFETY: plain getter.
    let root = unsafe { libc::geteuid() } == 0;
    let text = match args.format {
        Format::Json => {
            let value = serde_json::json!({
                "python": zygote.python,
                "home": zygote.home,
                "executable": python::PYTHON_EXECUTABLE,
                "root": root,
                "probe_finished": probe.finished,
                "layers": layers,
            });
            let mut text = serde_json::to_string_pretty(&value).context("failed to serialize")?;
            text.push('\n');
            text
        }
        _ => {
            let mut out = String::new();
            let _ = writeln!(
                out,
                "python: {} (home {}, executable {}, pinned at build time)",
                zygote.python,
                zygote.home,
                python::PYTHON_EXECUTABLE
            );
            let _ = writeln!(
                out,
                "running as: {}",
                if root { "root" } else { "an unprivileged user" }
            );
            let _ = writeln!(out, "sandbox layers:");
            for layer in &layers {
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
                if probe.finished {
                    "ran to its end"
                } else {
                    "did NOT finish"
                }
            );
            out
        }
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("failed to write the report")?;
    Ok(ok)
}

/// The child's own word on each layer wins over the zygote's plan; layers only the zygote
/// knows (the network namespace it entered) keep the zygote's.
fn merge(planned: &[Layer], applied: &[Layer]) -> Vec<Layer> {
    let mut layers: Vec<Layer> = planned
        .iter()
        .map(|layer| {
            applied
                .iter()
                .find(|a| a.name == layer.name)
                .cloned()
                .unwrap_or_else(|| layer.clone())
        })
        .collect();
    for layer in applied {
        if !layers.iter().any(|l| l.name == layer.name) {
            layers.push(layer.clone());
        }
    }
    layers
}
