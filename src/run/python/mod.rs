//! The only module that touches CPython: the worker side of a snippet run.
//!
//! `snipcheck worker` (a hidden subcommand) is the zygote (`zygote.rs`): started once per run
//! by the runner from a scrubbed environment, it initializes the embedded interpreter with its
//! home pinned at build time (never found through PATH), loads `harness.py`, and forks one
//! sandboxed child per snippet, in which the harness analyzes and runs the snippet. The CLI
//! process never initializes Python.

use pyo3::ffi;
use pyo3::prelude::*;
use std::ffi::CString;

mod zygote;

pub use zygote::zygote_main;

/// The interpreter's home (`sys.base_prefix` of the Python pyo3 linked), fixed at build time.
pub const PYTHON_HOME: &str = env!("SNIPCHECK_PYTHON_HOME");
/// The linked Python's version, fixed at build time.
pub const PYTHON_VERSION: &str = env!("SNIPCHECK_PYTHON_VERSION");
/// The linked Python's executable, used as the program name so `sys.executable` is right.
pub const PYTHON_EXECUTABLE: &str = env!("SNIPCHECK_PYTHON_EXECUTABLE");

/// Exit status of a zygote or child that failed internally (not the snippet's fault).
pub const INTERNAL_ERROR_STATUS: i32 = 70;

/// `harness.py` compiled by the pinned interpreter at build time (see `build.rs`), marshalled.
const HARNESS_CODE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/harness.marshal"));

/// Loads the harness module (done once, in the zygote, before any snippet runs) from its
/// precompiled bytecode.
fn load_harness(py: Python<'_>) -> anyhow::Result<Bound<'_, PyModule>> {
    let code = py
        .import("marshal")?
        .call_method1("loads", (pyo3::types::PyBytes::new(py, HARNESS_CODE),))?;
    // SAFETY: `code` is a live code object; the name and file name are NUL-terminated C
    // strings; the call returns a new reference or NULL with an exception set.
    let module = unsafe {
        let raw = ffi::PyImport_ExecCodeModuleEx(
            c"_snipcheck_harness".as_ptr(),
            code.as_ptr(),
            c"<snipcheck harness>".as_ptr(),
        );
        Bound::from_owned_ptr_or_err(py, raw)?
    };
    Ok(module.cast_into::<PyModule>().map_err(pyo3::PyErr::from)?)
}

fn redirect_stdin_to_null() -> Result<(), String> {
    // SAFETY: plain libc calls on fds this process owns.
    unsafe {
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY);
        if null < 0 || libc::dup2(null, 0) < 0 {
            return Err("failed to point stdin at /dev/null".to_owned());
        }
        if null != 0 {
            libc::close(null);
        }
    }
    Ok(())
}

/// Initializes CPython as `python3 file.py` would, but with the home pinned and the
/// environment ignored (no PYTHONPATH, PYTHONHOME or user site can redirect it).
fn initialize(hash_seed: u32) -> Result<(), String> {
    let home = CString::new(PYTHON_HOME).map_err(|_| "python home contains NUL".to_owned())?;
    let program =
        CString::new(PYTHON_EXECUTABLE).map_err(|_| "python executable contains NUL".to_owned())?;
    // SAFETY: the PyConfig API is used as documented: init, set strings, initialize, clear.
    unsafe {
        let mut config = std::mem::MaybeUninit::<ffi::PyConfig>::zeroed();
        ffi::PyConfig_InitIsolatedConfig(config.as_mut_ptr());
        let config_ptr = config.as_mut_ptr();
        let status =
            ffi::PyConfig_SetBytesString(config_ptr, &mut (*config_ptr).home, home.as_ptr());
        check(status, "setting the python home")?;
        let status = ffi::PyConfig_SetBytesString(
            config_ptr,
            &mut (*config_ptr).program_name,
            program.as_ptr(),
        );
        check(status, "setting the program name")?;
        // `python3 file.py` turns SIGINT into KeyboardInterrupt; so do the zygote's children.
        (*config_ptr).install_signal_handlers = 1;
        // A fixed seed: the same set and dict order of strings every run (PYTHONHASHSEED).
        (*config_ptr).use_hash_seed = 1;
        (*config_ptr).hash_seed = std::os::raw::c_ulong::from(hash_seed);
        let status = ffi::Py_InitializeFromConfig(config_ptr);
        ffi::PyConfig_Clear(config_ptr);
        check(status, "initializing python")?;
    }
    Ok(())
}

fn check(status: ffi::PyStatus, what: &str) -> Result<(), String> {
    // SAFETY: `PyStatus_Exception` only reads the status value.
    if unsafe { ffi::PyStatus_Exception(status) } != 0 {
        let message = if status.err_msg.is_null() {
            "unknown error".to_owned()
        } else {
            // SAFETY: CPython sets `err_msg` to a static NUL-terminated string.
            unsafe { std::ffi::CStr::from_ptr(status.err_msg) }
                .to_string_lossy()
                .into_owned()
        };
        return Err(format!("{what} failed: {message}"));
    }
    Ok(())
}
