//! `snipcheck doctor`: the Python in use, the config in use (file and table), and every
//! sandbox layer with active / unavailable / failed and why, as a real child applied them.

use crate::cli::{DoctorArgs, Format};
use crate::line::LineNo;
use crate::report;
use crate::run::runner::{Job, Zygote};
use crate::run::sandbox::floor::{self, Enforcement};
use crate::run::sandbox::{Layer, LayerStatus};
use anyhow::Result;
use std::time::Duration;

/// Prints the report; `Ok(true)` when no required layer failed and the config loads.
pub fn doctor(args: &DoctorArgs) -> Result<bool> {
    // A broken config is one more finding, not a reason to say nothing about the rest.
    let config = crate::config::load(args.config.as_deref()).map_err(|err| format!("{err:#}"));
    // Below the floor `doctor` still reports every layer; the config may accept it.
    let minimal = config
        .as_ref()
        .is_ok_and(|c| c.sandbox == crate::config::SandboxPolicy::Minimal);
    floor::set_enforcement(Enforcement::ReportOnly);
    let python = crate::run::interpreter::resolve(
        args.python.as_deref(),
        config
            .as_ref()
            .ok()
            .and_then(|c| c.python.as_deref().zip(c.path.as_deref())),
        crate::environment::virtual_env()
            .as_ref()
            .map(|root| (std::path::Path::new(root), "$VIRTUAL_ENV")),
    )?;
    let zygote = Zygote::start_setup(&crate::run::protocol::Setup {
        slots: 1,
        python: Some(python.clone()),
        ..Default::default()
    })?;
    // The layers as a real child applied them, not as planned.
    let probe = zygote.run(&Job::new(
        "<doctor probe>",
        LineNo::FIRST,
        "import sys\nsys.version\n",
        Duration::from_secs(10),
    ));
    let mut layers = merge(&zygote.layers, &probe.layers);
    if minimal {
        floor::enforce(&mut layers, Enforcement::AcceptMinimal).map_err(anyhow::Error::msg)?;
    }
    let ok =
        probe.finished && !layers.iter().any(|l| l.status == LayerStatus::Failed) && config.is_ok();
    // SAFETY: plain getter.
    let root = unsafe { libc::geteuid() } == 0;
    let facts = report::doctor::Facts {
        python: zygote.python.clone(),
        home: zygote.home.clone(),
        executable: python.executable.display().to_string(),
        source: python.source.clone(),
        root,
        probe_finished: probe.finished,
        layers,
        config: match config {
            Ok(config) => report::doctor::ConfigFacts::Loaded {
                path: config.path.map(|p| p.display().to_string()),
                table: config.in_pyproject.then(|| crate::config::TABLE.to_owned()),
            },
            Err(error) => report::doctor::ConfigFacts::Invalid(error),
        },
    };
    report::print(&match args.format {
        Format::Json => report::doctor::json(&facts)?,
        _ => report::doctor::human(&facts),
    })?;
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
