//! `snippets/` and `expected/`: `extract`, `update`, and `verify` checking them.

use crate::support::*;
use std::path::Path;
use std::process::Command;

const GREETING: &str = "expected/demo/greeting.snap";

#[test]
fn update_writes_snippets_and_snapshots_then_verify_passes() {
    let dir = project();
    let run = snipcheck(dir.path(), &["update"]);
    expect_code(&run, 0);
    insta::assert_snapshot!("update_first_run", run.stdout);
    let py = std::fs::read_to_string(dir.path().join("snippets/demo/cells-2.py")).expect("py");
    insta::assert_snapshot!("snippet_file_with_context", py);
    let snap = std::fs::read_to_string(dir.path().join(GREETING)).expect("snap");
    insta::assert_snapshot!("greeting_snap_file", snap);
    // The .py files run with plain python3 (the continued block includes its context).
    let python = Command::new("python3")
        .arg("snippets/demo/cells-2.py")
        .current_dir(dir.path())
        .output()
        .expect("run python3");
    assert_eq!(String::from_utf8_lossy(&python.stdout), "11\n");
    let run = snipcheck(dir.path(), &["verify"]);
    expect_code(&run, 0);
    insta::assert_snapshot!("verify_clean", without_header(&run.stdout));
    // A second update has nothing to do and writes nothing.
    let before = files(dir.path());
    let run = snipcheck(dir.path(), &["update"]);
    expect_code(&run, 0);
    assert!(run.stdout.starts_with("0 files changed"), "{}", run.stdout);
    assert_eq!(files(dir.path()), before);
}

#[test]
fn a_changed_output_fails_verify_with_a_diff_and_a_pending_snapshot() {
    let dir = updated_project();
    edit_notes(dir.path(), |t| t.replace("\"Alice\"", "\"Bob\""));
    let run = snipcheck(dir.path(), &["verify"]);
    expect_code(&run, 1);
    assert!(
        run.stdout.contains("-  stdout: hello Alice"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("+  stdout: hello Bob"),
        "{}",
        run.stdout
    );
    insta::assert_snapshot!("verify_changed_output", without_header(&run.stdout));
    let pending = dir.path().join(format!("{GREETING}.new"));
    let text = std::fs::read_to_string(&pending).expect("a .snap.new is left for review");
    assert!(text.contains("stdout: hello Bob"), "{text}");
    // snippets/ is derived: outside CI verify rewrote it, so only the snapshot still fails.
    let py = std::fs::read_to_string(dir.path().join("snippets/demo/greeting.py")).expect("py");
    assert!(py.contains("\"Bob\""), "{py}");
    let run = snipcheck(dir.path(), &["verify"]);
    expect_code(&run, 1);
    assert!(
        run.stdout.contains("snippets/: 0 out of date"),
        "{}",
        run.stdout
    );
    // Accepting just that snapshot makes verify pass and removes the pending file.
    let run = snipcheck(dir.path(), &["update", "--accept-only", "demo/greeting"]);
    expect_code(&run, 0);
    assert!(
        run.stdout.contains("updated  expected/demo/greeting.snap"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("accepted expected/demo/greeting.snap.new"),
        "{}",
        run.stdout
    );
    assert!(!pending.exists());
    expect_code(&snipcheck(dir.path(), &["verify"]), 0);
}

#[test]
fn in_ci_verify_writes_nothing() {
    let dir = updated_project();
    edit_notes(dir.path(), |t| t.replace("\"Alice\"", "\"Bob\""));
    let before = files(dir.path());
    let run = Snipcheck::new(["verify"]).cwd(dir.path()).ci().run();
    expect_code(&run, 1);
    assert!(
        run.stdout.contains("+  stdout: hello Bob"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("(CI: no .snap.new written)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("snippets/ is out of date (run `snipcheck update`)"),
        "{}",
        run.stdout
    );
    assert_eq!(files(dir.path()), before, "CI must not write");
}

#[test]
fn cargo_insta_accepts_the_pending_snapshots() {
    let available = Command::new("cargo")
        .args(["insta", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        available,
        "cargo-insta is not installed: run `bash .ci/setup` (it installs cargo-insta)"
    );
    let dir = updated_project();
    // cargo-insta works inside a cargo workspace: give the project a minimal one.
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"notes\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .expect("Cargo.toml");
    std::fs::create_dir_all(dir.path().join("src")).expect("src");
    std::fs::write(dir.path().join("src/lib.rs"), "").expect("lib.rs");
    edit_notes(dir.path(), |t| t.replace("\"Alice\"", "\"Bob\""));
    expect_code(&snipcheck(dir.path(), &["verify"]), 1);
    let pending = Command::new("cargo")
        .args(["insta", "pending-snapshots", "--workspace-root", "."])
        .current_dir(dir.path())
        .env_remove("CI")
        .output()
        .expect("cargo insta pending-snapshots");
    let listed = String::from_utf8_lossy(&pending.stdout).into_owned()
        + &String::from_utf8_lossy(&pending.stderr);
    assert!(listed.contains("greeting.snap"), "{listed}");
    let accept = Command::new("cargo")
        .args(["insta", "accept", "--workspace-root", "."])
        .current_dir(dir.path())
        .env_remove("CI")
        .output()
        .expect("cargo insta accept");
    assert!(
        accept.status.success(),
        "{}",
        String::from_utf8_lossy(&accept.stderr)
    );
    assert!(!dir.path().join(format!("{GREETING}.new")).exists());
    expect_code(&snipcheck(dir.path(), &["verify"]), 0);
    // cargo-insta wrote exactly the bytes `update` would have written.
    let run = snipcheck(dir.path(), &["update"]);
    assert!(run.stdout.starts_with("0 files changed"), "{}", run.stdout);
}

#[test]
fn extract_check_lists_stale_missing_and_orphaned_files() {
    let dir = updated_project();
    let run = snipcheck(dir.path(), &["extract", "--check"]);
    expect_code(&run, 0);
    assert_eq!(run.stdout, "snippets: 8 files up to date\n");
    edit_notes(dir.path(), |t| {
        t.replace("a = [1, 2]", "a = [1, 2]  # changed")
    });
    std::fs::remove_file(dir.path().join("snippets/demo/cells.py")).expect("rm");
    // Orphans are files snipcheck wrote for snippets (or a note) that no longer exist.
    std::fs::write(
        dir.path().join("snippets/demo/gone.py"),
        "# snipcheck snippet demo/gone\nx = 1\n",
    )
    .expect("orphan");
    std::fs::create_dir_all(dir.path().join("snippets/deleted-note")).expect("mkdir");
    std::fs::write(
        dir.path().join("snippets/deleted-note/a.py"),
        "# snipcheck snippet deleted-note/a\n",
    )
    .expect("orphan");
    let before = files(dir.path());
    let run = snipcheck(dir.path(), &["extract", "--check"]);
    expect_code(&run, 1);
    insta::assert_snapshot!("extract_check_out_of_date", run.stdout);
    assert_eq!(files(dir.path()), before, "--check writes nothing");
    let run = snipcheck(dir.path(), &["extract"]);
    expect_code(&run, 0);
    insta::assert_snapshot!("extract_writes", run.stdout);
    expect_code(&snipcheck(dir.path(), &["extract", "--check"]), 0);
    assert!(!dir.path().join("snippets/deleted-note").exists());
}

#[test]
fn update_removes_orphans_and_never_edits_the_notes() {
    let dir = updated_project();
    // Orphans are snapshots snipcheck wrote for a snippet that no longer exists.
    let snapshot = orphan_snapshot(dir.path(), "demo/gone");
    std::fs::write(dir.path().join("expected/demo/gone.snap"), &snapshot).expect("orphan");
    std::fs::write(dir.path().join("expected/demo/gone.snap.new"), &snapshot).expect("orphan");
    let notes = std::fs::read(dir.path().join("notes/demo.md")).expect("notes");
    let run = snipcheck(dir.path(), &["verify"]);
    expect_code(&run, 1);
    assert!(
        run.stdout.contains("orphaned expected/demo/gone.snap"),
        "{}",
        run.stdout
    );
    let run = snipcheck(dir.path(), &["update"]);
    expect_code(&run, 0);
    assert!(
        run.stdout.contains("removed  expected/demo/gone.snap\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("removed  expected/demo/gone.snap.new"),
        "{}",
        run.stdout
    );
    assert!(!dir.path().join("expected/demo/gone.snap").exists());
    assert_eq!(
        std::fs::read(dir.path().join("notes/demo.md")).expect("notes"),
        notes
    );
    expect_code(&snipcheck(dir.path(), &["verify"]), 0);
}

#[test]
fn a_corrupt_snapshot_is_an_error_naming_file_and_line() {
    let dir = updated_project();
    let path = dir.path().join("expected/demo/lists.snap");
    std::fs::write(
        &path,
        "---\nsource: notes/demo.md\nthis is not yaml\n---\nbody\n",
    )
    .expect("corrupt");
    let run = snipcheck(dir.path(), &["verify"]);
    expect_code(&run, 1);
    assert!(
        run.stdout
            .contains("expected/demo/lists.snap:3: expected `key: value` in the header"),
        "{}",
        run.stdout
    );
    expect_code(&snipcheck(dir.path(), &["update"]), 0);
    expect_code(&snipcheck(dir.path(), &["verify"]), 0);
}

#[test]
fn a_missing_snapshot_fails_and_ad_hoc_notes_have_none() {
    let dir = updated_project();
    std::fs::remove_file(dir.path().join("expected/demo/lists.snap")).expect("rm");
    let run = snipcheck(dir.path(), &["verify", "--format", "json"]);
    expect_code(&run, 1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let lists = &json["snippets"][0];
    assert_eq!(lists["id"], "demo/lists");
    assert_eq!(lists["snapshot"]["status"], "missing");
    assert_eq!(lists["snapshot"]["path"], "expected/demo/lists.snap");
    assert_eq!(json["snippets"][1]["snapshot"]["status"], "match");
    assert_eq!(json["generated"]["snippet_files"], serde_json::json!([]));
    // A note outside the config's `notes` is verified without snapshots and writes nothing.
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let note = elsewhere.path().join("adhoc.md");
    std::fs::write(&note, "```python\nprint(1)  # 1\n```\n").expect("note");
    let before = files(dir.path());
    let run = snipcheck(
        dir.path(),
        &["verify", "--format", "json", note.to_str().expect("utf-8")],
    );
    expect_code(&run, 0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert!(json["snippets"][0].get("snapshot").is_none(), "{json}");
    assert!(json.get("generated").is_none(), "{json}");
    assert_eq!(files(dir.path()), before);
    let run = snipcheck(dir.path(), &["update", note.to_str().expect("utf-8")]);
    expect_code(&run, 2);
    assert!(
        run.stderr
            .contains("none of these notes is listed under `notes`"),
        "{}",
        run.stderr
    );
}

#[test]
fn verify_of_the_repository_notes_is_clean() {
    // The committed snippets/ and expected/ match the bundled notes (CI mode: read-only).
    let run = Snipcheck::new(["verify", "--format", "json"])
        .cwd(Path::new(ROOT))
        .ci()
        .run();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    for snippet in json["snippets"].as_array().expect("snippets") {
        assert_eq!(snippet["snapshot"]["status"], "match", "{}", snippet["id"]);
    }
    assert_eq!(json["generated"]["snippet_files"], serde_json::json!([]));
    assert_eq!(
        json["generated"]["orphaned_snapshots"],
        serde_json::json!([])
    );
}

/// A snapshot as snipcheck writes them, for snippet `id`: one of the project's, renamed.
fn orphan_snapshot(project: &std::path::Path, id: &str) -> String {
    let any = std::fs::read_dir(project.join("expected/demo"))
        .expect("expected/demo")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "snap"))
        .expect("a snapshot");
    let text = std::fs::read_to_string(any).expect("read");
    let expression = text
        .lines()
        .find(|l| l.starts_with("expression: "))
        .expect("an expression")
        .to_owned();
    text.replace(&expression, &format!("expression: {id}"))
}
