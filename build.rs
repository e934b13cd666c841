//! Pins the CPython that snipcheck embeds.
//!
//! pyo3 links the libpython of the interpreter named by `PYO3_PYTHON` (set in
//! `.cargo/config.toml`). This script asks that same interpreter for its home and version and
//! bakes them into the binary, so the worker initializes Python with an explicit home and never
//! searches PATH for a `python3` (which on these machines is a pyenv shim for another install).

use std::env;
use std::process::Command;

/// Compiles the harness with the pinned Python into marshalled bytecode in `OUT_DIR`, so the
/// zygote loads it (`marshal.loads`, well under a millisecond) instead of compiling 900 lines
/// of Python at every start (about 10 ms). The same interpreter runs it, so the bytecode fits.
fn compile_harness(python: &str) {
    println!("cargo:rerun-if-changed=src/run/python/harness.py");
    let out = std::path::Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("harness.marshal");
    let status = Command::new(python)
        .args([
            "-I",
            "-c",
            "import marshal, sys\nsource = open(sys.argv[1], encoding='utf-8').read()\ncode = compile(source, '<snipcheck harness>', 'exec', dont_inherit=True)\nopen(sys.argv[2], 'wb').write(marshal.dumps(code))",
            "src/run/python/harness.py",
        ])
        .arg(&out)
        .status()
        .unwrap_or_else(|err| panic!("cannot run the pinned Python {python}: {err}"));
    assert!(
        status.success(),
        "the pinned Python {python} failed to compile src/run/python/harness.py"
    );
}

fn main() {
    println!("cargo:rerun-if-env-changed=PYO3_PYTHON");
    println!("cargo:rerun-if-changed=build.rs");
    let python = env::var("PYO3_PYTHON").unwrap_or_else(|_| "/usr/bin/python3.11".to_owned());
    let output = Command::new(&python)
        .args([
            "-I",
            "-c",
            "import sys; print(sys.base_prefix); print(sys.version.split()[0]); print(sys.executable)",
        ])
        .output()
        .unwrap_or_else(|err| panic!("cannot run the pinned Python {python}: {err}"));
    assert!(
        output.status.success(),
        "the pinned Python {python} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("the pinned Python printed non-UTF-8");
    let mut lines = text.lines();
    let (Some(home), Some(version), Some(executable)) = (lines.next(), lines.next(), lines.next())
    else {
        panic!("unexpected answer from the pinned Python {python}: {text:?}");
    };
    compile_harness(&python);
    println!("cargo:rustc-env=SNIPCHECK_PYTHON_HOME={home}");
    println!("cargo:rustc-env=SNIPCHECK_PYTHON_VERSION={version}");
    println!("cargo:rustc-env=SNIPCHECK_PYTHON_EXECUTABLE={executable}");
}
