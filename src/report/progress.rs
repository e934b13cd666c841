//! Progress on stderr for long runs: a bar with snippets done of all, and the elapsed time,
//! drawn only when stderr is a terminal (never in pipes, files or CI logs), cleared when the
//! run ends so the report starts on a clean line. It appears after a short delay, so quick runs
//! never flicker. It listens to the pipeline as an [`Observer`].

use crate::pipeline::Observer;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

/// How long a run goes before the spinner shows.
const DELAY: Duration = Duration::from_millis(800);

/// A running progress indicator; cleared on drop.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Starts the indicator for `what` (e.g. "running snippets") when stderr is a terminal.
    pub fn start(what: &str) -> Progress {
        if !crate::environment::stderr_is_terminal() {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        let style =
            ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner())
                .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(what.to_owned());
        let shown = bar.clone();
        std::thread::spawn(move || {
            std::thread::sleep(DELAY);
            if !shown.is_finished() {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.enable_steady_tick(Duration::from_millis(120));
            }
        });
        Progress { bar: Some(bar) }
    }
}

impl Observer for Progress {
    fn started(&self, total: usize) {
        if let Some(bar) = &self.bar {
            bar.set_length(u64::try_from(total).unwrap_or(u64::MAX));
            bar.set_position(0);
        }
    }

    fn finished_one(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
