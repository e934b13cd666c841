//! Issue 5's measurement: snipcheck on the public documents of `tests/corpus/` (one per claim
//! style), graded against their hand counts by `tests/corpus/evaluate.py` — no panic, every
//! block classified, claim extraction precision and recall each at least 95%, and every
//! doctest-style verdict equal to CPython's doctest. See `tests/corpus/README.md`.
//! It runs the tuned set only (never `tests/corpus/sealed/`). Issue 12's verdict measures (false
//! fails, real errors flagged, traps taken) are printed but not yet enforced: pass
//! `--enforce-verdicts` here once snipcheck meets their thresholds.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_snipcheck");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn the_corpus_meets_the_issue_5_bar() {
    let output = Command::new("/usr/bin/python3.11")
        .arg(format!("{ROOT}/tests/corpus/evaluate.py"))
        .args(["--snipcheck", BIN])
        .env("SNIPCHECK_BIN", BIN)
        .output()
        .unwrap_or_else(|err| panic!("cannot run /usr/bin/python3.11: {err}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "tests/corpus/evaluate.py failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
}
