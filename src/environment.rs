//! Facts about where snipcheck runs, read in one place: whether this is CI (the `CI`
//! variable, insta's rule: CI never writes pending snapshots), whether a stream is a
//! terminal that wants colours (`NO_COLOR` honoured), and whether a person can be asked.

use std::io::IsTerminal;

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

/// Whether stdout should carry colours: a terminal, and `NO_COLOR` unset or empty.
pub fn stdout_colors() -> bool {
    #[expect(
        clippy::disallowed_methods,
        reason = "asks whether stdout is a terminal; writes nothing"
    )]
    let stdout = std::io::stdout();
    stdout.is_terminal() && !no_color()
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

fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
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
}
