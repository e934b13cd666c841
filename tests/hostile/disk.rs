//! Filling the disk from the scratch dir: bounded per file by RLIMIT_FSIZE and in total by the
//! 64 MiB tmpfs; the host's /tmp keeps its free space.

use crate::harness::{Opts, QUICK, case, error, expect, stdout_of};

/// The most /tmp may lose while a disk-filling case runs (the scratch tmpfs is 64 MiB and lives
/// in memory; without it, the prototype wrote ~1 GiB in 3 s).
const TMP_BUDGET: u64 = 512 << 20;

const DISK: Opts = Opts {
    tmp_budget: Some(TMP_BUDGET),
    ..QUICK
};

fn expect_no_space(run: &crate::support::Run) {
    expect(run, "raised", 1);
    assert_eq!(
        error(run)["type"],
        "OSError",
        "{}: {}",
        run.label,
        run.stdout
    );
    let message = error(run)["message"].as_str().unwrap_or("");
    assert!(
        message.contains("No space left on device"),
        "{}: expected ENOSPC, got {message:?}",
        run.label
    );
}

#[test]
fn many_files_fill_only_the_scratch_tmpfs() {
    let code = r#"
import os
st = os.statvfs(".")
print(st.f_blocks * st.f_frsize)  # 67108864
written = 0
try:
    n = 0
    while True:
        with open(f"f{n}", "wb") as f:
            f.write(b"x" * (1 << 20))
        written += 1 << 20
        n += 1
finally:
    print(0 < written <= 64 << 20)
"#;
    let run = case("disk-many-files", code, DISK);
    expect_no_space(&run);
    assert_eq!(run.json()["claims"][0]["verdict"], "pass", "{}", run.stdout);
    assert_eq!(stdout_of(&run, 4), "True\n", "{}", run.stdout);
}

#[test]
fn one_big_file_stops_at_the_file_size_limit() {
    let code = r#"
import os
try:
    with open("big", "wb") as f:
        while True:
            f.write(b"x" * (1 << 20))
finally:
    print(os.path.getsize("big"))
"#;
    let run = case("disk-big-file", code, DISK);
    expect(&run, "raised", 1);
    assert_eq!(error(&run)["type"], "OSError", "{}", run.stdout);
    assert!(
        error(&run)["message"]
            .as_str()
            .unwrap_or("")
            .contains("File too large"),
        "{}",
        run.stdout
    );
    assert_eq!(
        stdout_of(&run, 1),
        format!("{}\n", 16 << 20),
        "{}",
        run.stdout
    );
}

#[test]
fn new_file_at_each_efbig_is_bounded_by_the_tmpfs() {
    // SANDBOX.md's gap: ignoring SIGXFSZ and starting a new file at each EFBIG wrote ~1 GiB
    // before the tmpfs layer existed.
    let code = r#"
import os, signal
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
total = 0
try:
    n = 0
    while True:
        fd = os.open(f"part{n}", os.O_WRONLY | os.O_CREAT, 0o600)
        n += 1
        try:
            while True:
                total += os.write(fd, b"x" * (1 << 20))
        except OSError as exc:
            if exc.errno != 27:
                raise
        finally:
            os.close(fd)
finally:
    print(0 < total <= 64 << 20, n <= 5)
"#;
    let run = case("disk-efbig-new-files", code, DISK);
    expect_no_space(&run);
    assert_eq!(stdout_of(&run, 3), "True True\n", "{}", run.stdout);
}

#[test]
fn tiny_files_run_out_of_inodes() {
    let code = r#"
count = 0
try:
    while True:
        open(f"i{count}", "w").close()
        count += 1
finally:
    print(0 < count <= 4096)
"#;
    let run = case("disk-inodes", code, DISK);
    expect_no_space(&run);
    assert_eq!(stdout_of(&run, 1), "True\n", "{}", run.stdout);
}
