//! Issue 5's measurement: snipcheck on the public documents of `tests/corpus/` (one per claim
//! style), graded against their hand counts by `tests/corpus/evaluate.py` — no panic, every
//! block classified, claim extraction precision and recall each at least 95%, and every
//! doctest-style verdict equal to CPython's doctest. See `tests/corpus/README.md`.
//! It runs the five documents issue 5 was measured on, whose bar snipcheck meets; the documents
//! added since for issue 12 (the rest of the tuned set, and never `tests/corpus/sealed/`) are
//! measured by `evaluate.py --set tuned` and do not meet it yet: add them here as they do.
//! Issue 12's verdict measures (false fails, real errors flagged, traps taken) are printed but
//! not yet enforced: pass `--enforce-verdicts` here once snipcheck meets their thresholds.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_snipcheck");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The documents issue 5 was measured on.
const ISSUE_5_DOCUMENTS: [&str; 5] = [
    "lists-and-tuples",
    "validators",
    "wtfpython",
    "python-cheatsheet",
    "introduction",
];

#[test]
fn the_corpus_meets_the_issue_5_bar() {
    let output = Command::new("/usr/bin/python3.11")
        .arg(format!("{ROOT}/tests/corpus/evaluate.py"))
        .args(["--snipcheck", BIN])
        .args(ISSUE_5_DOCUMENTS)
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
