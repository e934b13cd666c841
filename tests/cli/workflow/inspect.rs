//! `snipcheck inspect`: failing claims by default, one snippet by id, or one FILE:LINE.

use crate::support::*;

#[test]
fn inspect_explains_every_failing_claim() {
    let dir = updated_project();
    let run = snipcheck(dir.path(), &["inspect"]);
    expect_code(&run, 0);
    assert_eq!(
        run.stdout,
        "no failing claims: every claim passes (`snipcheck verify` for the report)\n"
    );
    edit_notes(dir.path(), |t| {
        t.replace("print(counter)  # 11", "print(counter)  # 12")
    });
    let run = snipcheck(dir.path(), &["inspect"]);
    expect_code(&run, 1);
    assert!(
        run.stdout
            .contains("rerun: snipcheck verify 'notes/demo.md' --filter 'demo/cells-2'"),
        "{}",
        run.stdout
    );
    insta::assert_snapshot!("inspect_failing", run.stdout);
}

#[test]
fn inspect_by_file_and_line_shows_normalizations() {
    let dir = updated_project();
    let line = demo_line_of(dir.path(), "print(A)  # <class 'A'>");
    let run = snipcheck(dir.path(), &["inspect", &format!("notes/demo.md:{line}")]);
    expect_code(&run, 0);
    assert!(
        run.stdout.contains("main-prefix  equal after it"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("address      still differs"),
        "{}",
        run.stdout
    );
    insta::assert_snapshot!("inspect_loose_by_line", run.stdout);
}

#[test]
fn inspect_by_id_shows_every_claim_and_the_error() {
    let dir = updated_project();
    let run = snipcheck(dir.path(), &["inspect", "demo/placeholder"]);
    expect_code(&run, 0);
    assert!(
        run.stdout
            .contains("NameError: name 'connect' is not defined"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("\"reason\":\"connect() is a placeholder\""),
        "{}",
        run.stdout
    );
    let run = snipcheck(dir.path(), &["inspect", "demo/nope"]);
    expect_code(&run, 2);
    assert!(
        run.stderr
            .contains("no snippet matches --filter \"demo/nope\""),
        "{}",
        run.stderr
    );
}
