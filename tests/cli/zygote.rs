//! The zygote's own word on what it has loaded: the list `dispatch_order` trusts must hold
//! every standard-library module the harness imports, so the two never drift apart.

use crate::support::*;
use snipcheck::run::imports;
use snipcheck::run::interpreter;
use snipcheck::run::runner::Zygote;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// Imported by the harness only when needed, so not loaded in the zygote before preloading:
/// `doctest` runs sessions (the costliest import of all: only runs with sessions preload it),
/// `asyncio` runs blocks with top-level `await`, `importlib` does the preloading itself,
/// `sysconfig` lists the standard library on 3.9 only (3.10+ has `sys.stdlib_module_names`).
const LAZY: &[&str] = &["asyncio", "doctest", "importlib", "sysconfig"];

#[test]
fn the_zygote_reports_every_stdlib_module_the_harness_imports() {
    let harness = std::fs::read_to_string(Path::new(ROOT).join("src/run/python/harness.py"))
        .expect("read the harness");
    let stdlib = stdlib_module_names();
    let imported: BTreeSet<String> = imports::scan(&harness)
        .iter()
        .map(|name| name.split('.').next().unwrap_or(name).to_owned())
        .filter(|top| stdlib.contains(top))
        .collect();
    assert!(
        ["ast", "json", "tokenize", "threading", "textwrap"]
            .iter()
            .all(|name| imported.contains(*name)),
        "the scan of the harness found too little: {imported:?}"
    );

    let zygote = Zygote::start_with(Path::new(BIN), 1).expect("the zygote starts");
    let loaded = &zygote.loaded_modules;
    let missing: Vec<&String> = imported
        .iter()
        .filter(|name| !LAZY.contains(&name.as_str()) && !loaded.contains(name))
        .collect();
    assert!(
        missing.is_empty(),
        "the harness imports {missing:?}, which the zygote does not report as loaded: {loaded:?}"
    );
    for name in LAZY {
        assert!(
            imported.contains(*name),
            "the harness no longer imports {name}"
        );
        assert!(
            !loaded.iter().any(|l| l == name),
            "{name} is loaded in the zygote before any preloading"
        );
    }
    assert!(
        loaded.iter().all(|name| !name.contains('.')),
        "only top-level names: {loaded:?}"
    );
}

/// `sys.stdlib_module_names` of the interpreter the zygote runs by default.
fn stdlib_module_names() -> BTreeSet<String> {
    let python = interpreter::resolve(None, None, None).expect("the default interpreter");
    let output = Command::new(&python.executable)
        .args([
            "-I",
            "-c",
            "import sys; print('\\n'.join(sys.stdlib_module_names))",
        ])
        .output()
        .expect("run the embedded interpreter's executable");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout)
        .expect("module names are UTF-8")
        .lines()
        .map(str::to_owned)
        .collect()
}
