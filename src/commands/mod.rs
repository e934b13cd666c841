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
/// (`--config`, `--timeout`, `-j`, `--venv`); the rest at their defaults.
fn run_options(paths: Vec<String>, run: &crate::cli::RunOptions) -> crate::pipeline::Options {
    crate::pipeline::Options {
        paths,
        config: run.config.clone(),
        timeout: run.timeout,
        jobs: run.jobs,
        venv: run.venv.clone(),
        ..crate::pipeline::Options::default()
    }
}
