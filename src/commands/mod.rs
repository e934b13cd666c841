//! One file per subcommand; each returns `Ok(true)` for success, `Ok(false)` for a failed
//! check (exit 1), `Err` when snipcheck itself failed (exit 2).

mod doctor;
mod extract;
mod fix;
mod init;
mod inspect;
mod report;
mod review;
mod run;
mod shell;
mod update;
mod verify;

pub use doctor::doctor;
pub use extract::extract;
pub use fix::fix;
pub use init::init;
pub use inspect::inspect;
pub use report::merge;
pub use review::review;
pub use run::run;
pub use shell::{completions, man};
pub use update::update;
pub use verify::verify;

/// The pipeline's options for `paths` with what every command that runs snippets takes
/// (`--config`, `--timeout`, `-j`, `--venv`, `--no-venv`, `--python`); the rest at their
/// defaults. Sets `--sandbox`
/// for the process's zygotes ([`choose_sandbox`]).
fn run_options(paths: Vec<String>, run: &crate::cli::RunOptions) -> crate::pipeline::Options {
    choose_sandbox(run.sandbox, run.config.as_deref());
    crate::pipeline::Options {
        paths,
        config: run.config.clone(),
        timeout: run.timeout,
        jobs: run.jobs,
        venv: run.venv.clone(),
        no_venv: run.no_venv,
        python: run.python.clone(),
        ..crate::pipeline::Options::default()
    }
}

/// What this process's zygotes do below the sandbox's floor: `--sandbox`, else the config's
/// `sandbox`, else refuse. A config that does not load is the pipeline's to report.
fn choose_sandbox(flag: Option<crate::cli::Sandbox>, config: Option<&std::path::Path>) {
    use crate::run::sandbox::floor::{Enforcement, set_enforcement};
    let minimal = match flag {
        Some(flag) => flag == crate::cli::Sandbox::Minimal,
        None => crate::config::load(config)
            .is_ok_and(|c| c.sandbox == crate::config::SandboxPolicy::Minimal),
    };
    set_enforcement(if minimal {
        Enforcement::AcceptMinimal
    } else {
        Enforcement::Refuse
    });
}
