//! Writes, deletes, renames and metadata changes outside the scratch dir. The "open" victim
//! sits in a world-writable dir with mode 0666, so only the sandbox protects it; the other one
//! is root's, mode 0644. Every case also checks both victims from outside (content, mode,
//! owner, inode, times) and the listings of their dirs.

use crate::harness::{QUICK, case, error, expect_blocked, statement};

#[test]
fn write_to_a_file_outside_scratch_is_blocked() {
    let run = case(
        "write-victim",
        "open('{OPEN_VICTIM}', 'w').write('pwned')\n",
        QUICK,
    );
    expect_blocked(&run, "access outside scratch (");
}

#[test]
fn append_to_a_file_outside_scratch_is_blocked() {
    let run = case(
        "append-victim",
        "open('{OPEN_VICTIM}', 'a').write('pwned')\n",
        QUICK,
    );
    expect_blocked(&run, "access outside scratch (");
}

#[test]
fn truncate_of_a_file_outside_scratch_is_blocked() {
    let run = case(
        "truncate-victim",
        "import os\nos.truncate('{OPEN_VICTIM}', 0)\n",
        QUICK,
    );
    expect_blocked(&run, "access outside scratch (");
}

#[test]
fn delete_outside_scratch_is_blocked() {
    let run = case(
        "delete-victim",
        "import os\nos.remove('{OPEN_VICTIM}')\n",
        QUICK,
    );
    expect_blocked(&run, "access outside scratch (");
}

#[test]
fn rename_outside_scratch_is_blocked() {
    let code = "import os\nos.rename('{OPEN_VICTIM}', '{OPEN_VICTIM}.moved')\n";
    let run = case("rename-victim", code, QUICK);
    expect_blocked(&run, "access outside scratch (");
}

/// Moving or linking a host file into the scratch tmpfs fails: across filesystems (EXDEV) or
/// denied by Landlock; either way it is not a `completed` run.
fn expect_not_moved(run: &crate::support::Run) {
    let word = crate::harness::outcome(run);
    let message = error(run)["message"].as_str().unwrap_or("");
    assert!(
        (word == "raised" && message.contains("Invalid cross-device link"))
            || (word == "blocked" && error(run)["blocked"].is_string()),
        "{}: expected EXDEV or a sandbox denial\n{}",
        run.label,
        run.stdout
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
}

#[test]
fn rename_into_scratch_is_refused() {
    let code = "import os\nos.rename('{OPEN_VICTIM}', 'stolen')\n";
    let run = case("rename-into-scratch", code, QUICK);
    expect_not_moved(&run);
}

#[test]
fn hard_link_into_scratch_is_refused() {
    let code =
        "import os\nos.link('{OPEN_VICTIM}', 'linked')\nopen('linked', 'w').write('pwned')\n";
    let run = case("hardlink-into-scratch", code, QUICK);
    expect_not_moved(&run);
}

#[test]
fn write_through_a_symlink_in_scratch_is_blocked() {
    // The link lives in the scratch dir; its target does not. The denial is the sandbox's.
    let code = "import os\nos.symlink('{OPEN_VICTIM}', 'link')\nopen('link', 'w').write('pwned')\n";
    let run = case("symlink-out-of-scratch", code, QUICK);
    expect_blocked(&run, "access outside scratch (");
}

#[test]
fn chmod_outside_scratch_is_blocked() {
    let run = case(
        "chmod-victim",
        "import os\nos.chmod('{VICTIM}', 0o777)\n",
        QUICK,
    );
    expect_blocked(&run, "access outside scratch (");
}

#[test]
fn chmod_of_a_world_writable_file_outside_scratch_is_blocked() {
    let run = case(
        "chmod-open-victim",
        "import os\nos.chmod('{OPEN_VICTIM}', 0o4777)\n",
        QUICK,
    );
    expect_blocked(&run, "access outside scratch (");
}

#[test]
fn chown_outside_scratch_is_blocked() {
    let code = "import os\nos.chown('{OPEN_VICTIM}', os.getuid(), os.getgid())\n";
    let run = case("chown-victim", code, QUICK);
    expect_blocked(&run, "access outside scratch (");
}

#[test]
fn utime_outside_scratch_is_blocked() {
    let run = case(
        "utime-victim",
        "import os\nos.utime('{OPEN_VICTIM}', (0, 0))\n",
        QUICK,
    );
    expect_blocked(&run, "access outside scratch (");
}

#[test]
fn mkdir_in_a_world_writable_dir_outside_scratch_is_blocked() {
    let run = case(
        "mkdir-outside",
        "import os\nos.mkdir('{OPEN_DIR}/{UNIQUE}')\n",
        QUICK,
    );
    expect_blocked(&run, "access outside scratch (");
}

#[test]
fn write_into_tmp_is_blocked() {
    let run = case(
        "write-tmp",
        "open('/tmp/{UNIQUE}', 'w').write('x')\n",
        QUICK,
    );
    expect_blocked(&run, "access outside scratch (/tmp/");
}

#[test]
fn write_into_dev_shm_is_blocked() {
    let run = case(
        "write-dev-shm",
        "open('/dev/shm/{UNIQUE}', 'w').write('x')\n",
        QUICK,
    );
    expect_blocked(&run, "access outside scratch (/dev/shm/");
}

#[test]
fn write_into_root_home_is_blocked() {
    let run = case(
        "write-root",
        "open('/root/{UNIQUE}', 'w').write('x')\n",
        QUICK,
    );
    expect_blocked(&run, "access outside scratch (/root/");
}

#[test]
fn write_into_the_repository_is_blocked() {
    let run = case(
        "write-repo",
        "open('{REPO}/{UNIQUE}', 'w').write('x')\n",
        QUICK,
    );
    expect_blocked(&run, "access outside scratch (");
}

#[test]
fn tampering_with_the_standard_library_is_blocked() {
    let started = std::time::SystemTime::now();
    let code = "import os\nprint(os.__file__)\nopen(os.__file__, 'a').write('\\nimport sys; sys.exit(9)\\n')\n";
    let run = case("write-stdlib", code, QUICK);
    expect_blocked(&run, "access outside scratch (");
    let path = crate::harness::stdout_of(&run, 1).trim().to_owned();
    let meta = std::fs::metadata(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    let modified = meta.modified().expect("mtime");
    assert!(modified < started, "{path} was modified during the run");
    let text = std::fs::read_to_string(&path).expect("read the stdlib file");
    assert!(!text.contains("sys.exit(9)"), "{path} was tampered with");
    assert!(
        statement(&run, 2)["exception"].is_object(),
        "{}",
        run.stdout
    );
}
