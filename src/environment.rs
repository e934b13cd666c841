//! Facts about where snipcheck runs, read in one place: whether this is CI (the `CI`
//! variable, insta's rule: CI never writes pending snapshots), whether a stream is a terminal,
//! whether stdout gets colours (`--color`, then `NO_COLOR`, `FORCE_COLOR`, `CLICOLOR_FORCE`,
//! then whether it is a terminal: decided here and nowhere else), and whether a person can be
//! asked.

use std::io::IsTerminal;
use std::sync::OnceLock;

/// `--color`: when stdout gets colours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ColorWhen {
    /// As the environment says: see [`stdout_colors`].
    #[default]
    Auto,
    /// Always, whatever the environment says.
    Always,
    /// Never.
    Never,
}

static COLOR_WHEN: OnceLock<ColorWhen> = OnceLock::new();

/// Records `--color` for the whole run (once, before anything prints; later calls are
/// ignored).
pub fn set_color_when(when: ColorWhen) {
    let _ = COLOR_WHEN.set(when);
}

/// Whether this run is in CI: `CI` is set to anything but `""`, `0` or `false` (as insta
/// decides it, so `cargo insta` and snipcheck agree).
pub fn is_ci() -> bool {
    ci_value(std::env::var("CI").ok().as_deref())
}

fn ci_value(value: Option<&str>) -> bool {
    match value {
        None => false,
        Some(v) => !matches!(v.trim(), "" | "0" | "false" | "False" | "FALSE"),
    }
}

/// Whether stdout carries colours: `--color always|never` decides; under `auto`, `NO_COLOR`
/// (any non-empty value) turns them off, else `FORCE_COLOR` or `CLICOLOR_FORCE` (non-empty,
/// not `0`) turns them on, else they are on when stdout is a terminal. Only for text meant for
/// a terminal: renderers of machine formats and files never ask.
pub fn stdout_colors() -> bool {
    #[expect(
        clippy::disallowed_methods,
        reason = "asks whether stdout is a terminal; writes nothing"
    )]
    let stdout = std::io::stdout();
    let var = |name: &str| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
    colors(
        COLOR_WHEN.get().copied().unwrap_or_default(),
        Env {
            no_color: var("NO_COLOR"),
            force_color: var("FORCE_COLOR"),
            clicolor_force: var("CLICOLOR_FORCE"),
        },
        || stdout.is_terminal(),
    )
}

/// The colour variables as found.
struct Env {
    no_color: Option<String>,
    force_color: Option<String>,
    clicolor_force: Option<String>,
}

/// The decision of [`stdout_colors`]; `terminal` is asked only when nothing else decides.
fn colors(when: ColorWhen, env: Env, terminal: impl FnOnce() -> bool) -> bool {
    let forces = |value: &Option<String>| {
        value
            .as_deref()
            .is_some_and(|v| !matches!(v.trim(), "" | "0"))
    };
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto if env.no_color.is_some_and(|v| !v.is_empty()) => false,
        ColorWhen::Auto if forces(&env.force_color) || forces(&env.clicolor_force) => true,
        ColorWhen::Auto => terminal(),
    }
}

/// Whether a person is at the keyboard: stdin and stdout are both terminals (`review` asks
/// only then, and never waits on a stdin that is not one).
pub fn interactive() -> bool {
    #[expect(
        clippy::disallowed_methods,
        reason = "asks whether stdout is a terminal; writes nothing"
    )]
    let stdout = std::io::stdout();
    std::io::stdin().is_terminal() && stdout.is_terminal()
}

/// Whether progress may be drawn on stderr: stderr is a terminal.
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// The active virtualenv (`VIRTUAL_ENV`), if any.
pub fn virtual_env() -> Option<std::ffi::OsString> {
    std::env::var_os("VIRTUAL_ENV").filter(|v| !v.is_empty())
}

/// The calendar days the run spanned (`YYYY-MM-DD`), in UTC and in local time, from `started`
/// to now: output that shows one of them shows the time of the run.
pub fn days_since(started: std::time::SystemTime) -> Vec<String> {
    let mut dates = Vec::new();
    for at in [started, std::time::SystemTime::now()] {
        let secs = at
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let Ok(t) = libc::time_t::try_from(secs) else {
            continue;
        };
        // SAFETY: `tm` is a plain C struct that localtime_r/gmtime_r fill in; both are
        // thread-safe and read only `t`.
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        for local in [false, true] {
            let filled = unsafe {
                if local {
                    libc::localtime_r(&t, &mut tm)
                } else {
                    libc::gmtime_r(&t, &mut tm)
                }
            };
            if filled.is_null() {
                continue;
            }
            let date = format!(
                "{:04}-{:02}-{:02}",
                tm.tm_year + 1900,
                tm.tm_mon + 1,
                tm.tm_mday
            );
            if !dates.contains(&date) {
                dates.push(date);
            }
        }
    }
    dates
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_days_of_a_run_are_calendar_dates_in_utc_and_local_time() {
        let days = super::days_since(std::time::SystemTime::now());
        assert!((1..=4).contains(&days.len()), "{days:?}");
        for day in &days {
            let parts: Vec<&str> = day.split('-').collect();
            assert_eq!(
                parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
                [4, 2, 2],
                "{day}"
            );
            assert!(
                parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())),
                "{day}"
            );
        }
        // A run that started a day earlier spans that day too.
        let yesterday = std::time::SystemTime::now() - std::time::Duration::from_secs(86_400);
        assert!(super::days_since(yesterday).len() > days.len());
    }

    use super::*;

    #[test]
    fn ci_values() {
        assert!(!ci_value(None));
        assert!(!ci_value(Some("")));
        assert!(!ci_value(Some("0")));
        assert!(!ci_value(Some("false")));
        assert!(ci_value(Some("true")));
        assert!(ci_value(Some("1")));
    }

    #[test]
    fn colour_decisions() {
        let env = |no: Option<&str>, force: Option<&str>, clicolor: Option<&str>| Env {
            no_color: no.map(str::to_owned),
            force_color: force.map(str::to_owned),
            clicolor_force: clicolor.map(str::to_owned),
        };
        let auto = |e: Env, terminal: bool| colors(ColorWhen::Auto, e, || terminal);
        assert!(auto(env(None, None, None), true));
        assert!(!auto(env(None, None, None), false));
        assert!(!auto(env(Some("1"), None, None), true));
        assert!(
            auto(env(Some(""), None, None), true),
            "an empty NO_COLOR is unset"
        );
        assert!(auto(env(None, Some("1"), None), false));
        assert!(auto(env(None, None, Some("1")), false));
        assert!(!auto(env(None, Some("0"), Some("")), false));
        assert!(
            !auto(env(Some("x"), Some("1"), Some("1")), true),
            "NO_COLOR wins"
        );
        let never = env(None, Some("1"), None);
        assert!(!colors(ColorWhen::Never, never, || true), "the flag wins");
        assert!(colors(
            ColorWhen::Always,
            env(Some("1"), None, None),
            || false
        ));
    }
}
