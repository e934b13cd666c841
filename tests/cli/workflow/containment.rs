//! Generated files never touch anything else: a note whose name is not a plain directory name,
//! a symbolic link anywhere under `snippets/` or `expected/`, and files there that snipcheck did
//! not write; and an accepted snapshot that is broken is its snippet's problem, not the run's.
//! Every test checks the disk around the project, not just the report.

use crate::support::*;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

/// A file that looks exactly like one snipcheck would generate, so that only the containment
/// rules (not its content) keep it alive.
const DECOY_PY: &str = "# snipcheck snippet decoy/top\nprint('decoy')\n";

#[test]
fn a_note_named_dot_dot_writes_and_deletes_nothing_outside_the_generated_directories() {
    let dir = empty_dir();
    let project = dir.path().join("project");
    fs::create_dir_all(&project).expect("mkdir");
    // `...md` has the stem `..`, `..md` the stem `.`: neither may become a directory name.
    fs::write(
        project.join("...md"),
        "# Top\n```python\nprint(1)  # 1\n```\n",
    )
    .expect("write");
    fs::write(project.join("snipcheck.toml"), "notes = [\"*.md\"]\n").expect("write");
    fs::write(dir.path().join("top.py"), DECOY_PY).expect("write");
    fs::write(project.join("top.py"), DECOY_PY).expect("write");
    let before = files(dir.path());
    for args in [
        &["update"][..],
        &["extract"],
        &["verify"],
        &["extract", "--check"],
    ] {
        let run = snipcheck(&project, args);
        expect_code(&run, EXIT_ERROR);
        assert!(
            run.stderr
                .contains("...md: its name \"..\" cannot be a directory"),
            "{args:?}: {}",
            run.stderr
        );
        assert_eq!(files(dir.path()), before, "{args:?} touched the disk");
    }
    fs::rename(project.join("...md"), project.join("..md")).expect("rename");
    let run = snipcheck(&project, &["update"]);
    expect_code(&run, EXIT_ERROR);
    assert!(
        run.stderr.contains("..md: its name \".\""),
        "{}",
        run.stderr
    );
    assert!(project.join("top.py").exists() && dir.path().join("top.py").exists());
    assert!(!project.join("snippets").exists() && !project.join("expected").exists());
}

#[test]
fn a_symlinked_snapshot_is_an_error_and_its_target_is_neither_shown_nor_changed() {
    let dir = updated_project();
    let outside = empty_dir();
    let secret = outside.path().join("secret.txt");
    fs::write(&secret, "TOP SECRET CONTENT\n").expect("write");
    let snap = fs::read_dir(dir.path().join("expected/demo"))
        .expect("expected/demo")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "snap"))
        .expect("a snapshot");
    fs::remove_file(&snap).expect("remove");
    symlink(&secret, &snap).expect("symlink");
    for args in [&["verify"][..], &["update"]] {
        let run = Snipcheck::new(args).cwd(dir.path()).run();
        expect_code(&run, EXIT_ERROR);
        assert!(
            run.stderr.contains("is a symbolic link") && run.stderr.contains(snap_name(&snap)),
            "{args:?}: {}",
            run.stderr
        );
        assert!(!run.stdout.contains("TOP SECRET") && !run.stderr.contains("TOP SECRET"));
        assert_eq!(
            fs::read_to_string(&secret).expect("read"),
            "TOP SECRET CONTENT\n"
        );
        assert!(
            fs::symlink_metadata(&snap)
                .expect("still there")
                .file_type()
                .is_symlink()
        );
    }
}

#[test]
fn a_symlinked_document_directory_is_an_error_and_nothing_behind_it_is_deleted() {
    let dir = updated_project();
    let outside = empty_dir();
    // Files behind the link that would be orphans if the link were followed.
    fs::write(outside.path().join("gone.py"), DECOY_PY).expect("write");
    fs::write(outside.path().join("gone.snap"), "whatever").expect("write");
    for generated in ["snippets", "expected"] {
        let linked = dir.path().join(generated).join("demo");
        fs::rename(&linked, dir.path().join(format!("{generated}-demo-real"))).expect("move");
        symlink(outside.path(), &linked).expect("symlink");
        let before = files(outside.path());
        // `extract` writes only snippets/.
        let commands: &[&[&str]] = if generated == "snippets" {
            &[&["update"], &["verify"], &["extract"]]
        } else {
            &[&["update"], &["verify"]]
        };
        for args in commands {
            let run = snipcheck(dir.path(), args);
            expect_code(&run, EXIT_ERROR);
            assert!(
                run.stderr
                    .contains(&format!("{generated}/demo is a symbolic link")),
                "{generated} {args:?}: {}",
                run.stderr
            );
            assert_eq!(files(outside.path()), before, "{generated} {args:?}");
        }
        fs::remove_file(&linked).expect("unlink");
        fs::rename(dir.path().join(format!("{generated}-demo-real")), &linked).expect("move");
    }
    let run = snipcheck(dir.path(), &["verify"]);
    expect_code(&run, EXIT_OK);
}

#[test]
fn files_snipcheck_did_not_write_are_never_orphans() {
    let dir = updated_project();
    let handmade_py = dir.path().join("snippets/demo/handmade.py");
    let handmade_snap = dir.path().join("expected/demo/handmade.snap");
    let stray_dir = dir.path().join("snippets/other");
    fs::write(&handmade_py, "print('written by a person')\n").expect("write");
    fs::write(
        &handmade_snap,
        "---\nsource: elsewhere\n---\nnot a transcript\n",
    )
    .expect("write");
    fs::create_dir_all(&stray_dir).expect("mkdir");
    fs::write(stray_dir.join("keep.py"), "x = 1\n").expect("write");
    // One real orphan: a generated file of a snippet that no longer exists.
    let real = dir.path().join("snippets/demo/gone.py");
    fs::write(&real, DECOY_PY).expect("write");

    let run = snipcheck(dir.path(), &["verify", "--format", "json"]);
    expect_code(&run, EXIT_FAILED);
    let listed = run.json()["generated"].to_string();
    assert!(listed.contains("gone.py"), "{listed}");
    assert!(
        !listed.contains("handmade") && !listed.contains("keep.py"),
        "{listed}"
    );

    let run = snipcheck(dir.path(), &["update"]);
    expect_code(&run, EXIT_OK);
    assert!(!real.exists(), "the generated orphan is removed");
    for kept in [&handmade_py, &handmade_snap, &stray_dir.join("keep.py")] {
        assert!(kept.exists(), "{} was removed", kept.display());
    }
    expect_code(&snipcheck(dir.path(), &["verify"]), EXIT_OK);
}

fn snap_name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).expect("a name")
}

#[test]
fn a_broken_accepted_snapshot_is_that_snippets_problem_and_the_others_are_still_checked() {
    let dir = updated_project();
    let mut snaps: Vec<_> = fs::read_dir(dir.path().join("expected/demo"))
        .expect("expected/demo")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "snap"))
        .collect();
    snaps.sort();
    let (bad_utf8, other_id) = (&snaps[0], &snaps[1]);
    let mut bytes = fs::read(bad_utf8).expect("read");
    bytes.extend_from_slice(b"\xff\n");
    fs::write(bad_utf8, bytes).expect("write");
    let text = fs::read_to_string(other_id).expect("read");
    fs::write(
        other_id,
        text.replace("expression: demo/", "expression: demo/not-this-one-"),
    )
    .expect("write");
    let run = Snipcheck::new(["verify", "--format", "json"])
        .cwd(dir.path())
        .ci()
        .run();
    expect_code(&run, EXIT_FAILED);
    let statuses: Vec<(String, String)> = run.json()["snippets"]
        .as_array()
        .expect("snippets")
        .iter()
        .map(|s| {
            (
                s["snapshot"]["path"].as_str().expect("path").to_owned(),
                s["snapshot"]["status"].as_str().expect("status").to_owned(),
            )
        })
        .collect();
    let corrupt: Vec<&str> = statuses
        .iter()
        .filter(|(_, status)| status == "corrupt")
        .map(|(path, _)| path.as_str())
        .collect();
    assert_eq!(corrupt.len(), 2, "{statuses:?}");
    assert!(
        statuses.iter().filter(|(_, s)| s == "match").count() >= 1,
        "{statuses:?}"
    );
    let human = Snipcheck::new(["verify"]).cwd(dir.path()).ci().run();
    expect_code(&human, EXIT_FAILED);
    assert!(
        human.stdout.contains("the file is not valid UTF-8"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("the header names snippet"),
        "{}",
        human.stdout
    );
}
