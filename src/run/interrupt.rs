//! Ctrl-C, SIGTERM and SIGHUP (a CI job cancelled, a terminal closed) stop a run cleanly: no
//! new snippet starts, running ones are killed through the zygote, the zygote shuts down (its
//! children, cgroups and run directory go with it), the report of what finished is printed,
//! and the exit code is 128 + the signal (130 for Ctrl-C).
//!
//! Only the CLI process watches for them ([`watch`]); the zygote and its children keep the
//! default dispositions, so a snippet sees signals as `python3 file.py` would.

use anyhow::{Context, Result};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The signal that stopped the run (0: none), set by the handlers [`watch`] installs.
static SIGNAL: AtomicUsize = AtomicUsize::new(0);

/// The signals that stop a run.
const STOP: [i32; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// Installs the handlers: each records its signal and returns. Call once, in the CLI process.
pub fn watch() -> Result<()> {
    for signal in STOP {
        let number = usize::try_from(signal).unwrap_or(0);
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe {
            signal_hook::low_level::register(signal, move || {
                SIGNAL.store(number, Ordering::SeqCst);
            })
        }
        .with_context(|| format!("failed to install a handler for signal {signal}"))?;
    }
    Ok(())
}

/// The signal that stopped the run, if one did.
pub fn signal() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        number => i32::try_from(number).ok(),
    }
}

/// The signal's name, for messages.
pub fn name(signal: i32) -> &'static str {
    match signal {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}

/// Why a snippet has no result: the run was stopped before or while it ran.
pub fn message(signal: i32, started: bool) -> String {
    if started {
        format!(
            "interrupted: snipcheck was stopped ({}) while this snippet ran; it was killed",
            name(signal)
        )
    } else {
        format!(
            "interrupted: snipcheck was stopped ({}) before this snippet started; it did not run",
            name(signal)
        )
    }
}
