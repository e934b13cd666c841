//! The only module that touches CPython: the worker side of a snippet run.
//!
//! `snipcheck-worker` (its own binary, the only one that links Python) is the zygote
//! (`zygote.rs`): started once per run by the runner from a scrubbed environment, with the
//! chosen CPython's library put where the loader finds `libpython3.so`, it initializes that
//! interpreter with the home and program name the runner found for it (never searched on
//! PATH), loads `harness.py`, and forks one sandboxed child per snippet, in which the harness
//! analyzes and runs the snippet. pyo3 is built for the stable ABI, so one worker drives every
//! CPython from 3.9 on. The CLI process never initializes Python.

use pyo3::ffi;
use pyo3::prelude::*;
use std::ffi::{CString, c_char};

mod zygote;

pub use zygote::zygote_main;

/// Exit status of a zygote or child that failed internally (not the snippet's fault).
pub const INTERNAL_ERROR_STATUS: i32 = 70;

/// The harness's source; the zygote compiles it with the interpreter it runs (bytecode is
/// specific to a CPython version)...
const HARNESS_SOURCE: &str = include_str!("harness.py");
/// ...unless that interpreter's bytecode magic number is the one `build.rs` compiled this with
/// (the first 4 bytes; the rest is the marshalled code; empty when the build had no Python).
const HARNESS_CODE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/harness.marshal"));

// Stable-ABI functions pyo3 declares only for some versions or none. Every CPython from 3.9
// to 3.13 exports them (`build/libpython3.symbols`).
unsafe extern "C" {
    fn Py_DecodeLocale(arg: *const c_char, size: *mut libc::size_t) -> *mut libc::wchar_t;
    fn Py_SetProgramName(name: *const libc::wchar_t);
    fn Py_SetPythonHome(home: *const libc::wchar_t);
    fn PyOS_BeforeFork();
    fn PyOS_AfterFork_Parent();
    fn PyOS_AfterFork_Child();
}

/// Loads the harness module (done once, in the zygote, before any snippet runs): the build's
/// bytecode when it fits this interpreter, else compiled from its source by it.
fn load_harness(py: Python<'_>) -> anyhow::Result<Bound<'_, PyModule>> {
    let magic: Vec<u8> = py
        .import("_frozen_importlib_external")?
        .getattr("MAGIC_NUMBER")?
        .extract()?;
    let code = match HARNESS_CODE.split_at_checked(magic.len()) {
        Some((built, code)) if built == magic.as_slice() => py
            .import("marshal")?
            .call_method1("loads", (pyo3::types::PyBytes::new(py, code),))?,
        _ => py.import("builtins")?.call_method1(
            "compile",
            (HARNESS_SOURCE, "<snipcheck harness>", "exec", 0, true),
        )?,
    };
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

/// Initializes CPython as `python3 file.py` would, with the home and program name the runner
/// found for the chosen interpreter (`sys.executable` is then that interpreter). The runner
/// started this process with an environment of its own making: the hash seed
/// (`PYTHONHASHSEED`), no user site and nothing else of Python's; `forget_environment` then
/// removes what the snippets must not see.
fn initialize(home: &std::path::Path, executable: &std::path::Path) -> Result<(), String> {
    use std::os::unix::ffi::OsStrExt;
    let home = CString::new(home.as_os_str().as_bytes())
        .map_err(|_| "python home contains NUL".to_owned())?;
    let program = CString::new(executable.as_os_str().as_bytes())
        .map_err(|_| "python executable contains NUL".to_owned())?;
    // SAFETY: called once, before Python is initialized, with NUL-terminated strings;
    // `Py_DecodeLocale` returns a wide string (or NULL) that must live as long as Python, so
    // it is never freed.
    unsafe {
        let home = Py_DecodeLocale(home.as_ptr(), std::ptr::null_mut());
        let program = Py_DecodeLocale(program.as_ptr(), std::ptr::null_mut());
        if home.is_null() || program.is_null() {
            return Err("cannot decode the python home or executable".to_owned());
        }
        Py_SetPythonHome(home);
        Py_SetProgramName(program);
        // `python3 file.py` turns SIGINT into KeyboardInterrupt; so do the zygote's children.
        ffi::Py_InitializeEx(1);
        if ffi::Py_IsInitialized() == 0 {
            return Err("initializing python failed".to_owned());
        }
    }
    Ok(())
}

/// Removes from `os.environ` (and the process's environment) the variables the runner set
/// for the interpreter's start, so a snippet sees the environment `python3 file.py` would.
fn forget_environment(py: Python<'_>) -> PyResult<()> {
    let environ = py.import("os")?.getattr("environ")?;
    for name in ["PYTHONHASHSEED", "PYTHONNOUSERSITE", "LD_LIBRARY_PATH"] {
        environ.call_method1("pop", (name, py.None()))?;
    }
    Ok(())
}
