//! The sandbox's floor on this machine, with the machine made weaker the way containers and
//! old kernels are: snipcheck runs under a seccomp filter of the test's own that answers the
//! Landlock syscalls with `ENOSYS` (a kernel without Landlock) and/or `unshare` with `EPERM`
//! (a container's default profile, user namespaces refused). Below the floor it refuses with
//! one message (snapshot); `--sandbox=minimal` runs and every report says so; above it, the
//! missing layer is named and the fixture's escapes are still stopped.
//! (`tests/kernels.sh` runs the same fixture on real older kernels in a VM.)

use crate::support::{EXIT_ERROR, EXIT_FAILED, ROOT, Snipcheck, empty_dir};
use seccompiler::{BpfProgram, SeccompAction, SeccompFilter, TargetArch};
use serde_json::Value;
use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;

/// What the filter takes away.
#[derive(Clone, Copy)]
struct Weaker {
    landlock: bool,
    unshare: bool,
}

fn filter(syscalls: &[i64], errno: i32) -> BpfProgram {
    let rules = syscalls.iter().map(|&nr| (nr, Vec::new())).collect();
    let filter = SeccompFilter::new(
        BTreeMap::from_iter::<Vec<(i64, Vec<_>)>>(rules),
        SeccompAction::Allow,
        SeccompAction::Errno(u32::try_from(errno).expect("errno")),
        TargetArch::x86_64,
    )
    .expect("a seccomp filter");
    BpfProgram::try_from(filter).expect("a compiled filter")
}

/// The fixture, its victim path moved into a world-writable directory of the run's own (so
/// only the sandbox, not file permissions, stops the write, and runs do not meet).
struct Fixture {
    dir: tempfile::TempDir,
    notes: PathBuf,
    victim: PathBuf,
}

fn fixture() -> Fixture {
    use std::os::unix::fs::PermissionsExt;
    let dir = empty_dir();
    let open = dir.path().join("open");
    std::fs::create_dir(&open).expect("a victim dir");
    for (path, mode) in [(dir.path(), 0o755), (open.as_path(), 0o777)] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
    let victim = open.join("victim");
    let text = std::fs::read_to_string(PathBuf::from(ROOT).join("tests/kernels/floor.md"))
        .expect("the fixture")
        .replace(
            "/tmp/snipcheck-floor-victim",
            victim.to_str().expect("UTF-8"),
        );
    let notes = dir.path().join("floor.md");
    std::fs::write(&notes, text).expect("write the fixture");
    Fixture { dir, notes, victim }
}

fn run(weaker: Weaker, args: &[&str]) -> crate::support::Run {
    let dir = empty_dir();
    let mut programs = Vec::new();
    if weaker.landlock {
        programs.push(filter(
            &[
                libc::SYS_landlock_create_ruleset,
                libc::SYS_landlock_add_rule,
                libc::SYS_landlock_restrict_self,
            ],
            libc::ENOSYS,
        ));
    }
    if weaker.unshare {
        programs.push(filter(&[libc::SYS_unshare], libc::EPERM));
    }
    let mut command = Snipcheck::new(args)
        .cwd(dir.path())
        .env("NO_COLOR", "1")
        .command();
    // SAFETY: only prctl and seccomp calls on already compiled programs between fork and exec.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            for program in &programs {
                seccompiler::apply_filter(program).map_err(std::io::Error::other)?;
            }
            Ok(())
        });
    }
    let started = std::time::Instant::now();
    let output = command.output().expect("snipcheck runs");
    crate::support::Run::new(&format!("{args:?}"), output, started.elapsed())
}

fn layer<'a>(layers: &'a Value, name: &str) -> &'a Value {
    layers
        .as_array()
        .and_then(|layers| layers.iter().find(|l| l["name"] == name))
        .unwrap_or_else(|| panic!("no layer {name:?} in {layers:#}"))
}

const NEITHER: Weaker = Weaker {
    landlock: true,
    unshare: true,
};

#[test]
fn below_the_floor_verify_refuses_with_one_clear_message() {
    let fixture = fixture();
    let run = run(
        NEITHER,
        &[
            "verify",
            "--no-snapshots",
            fixture.notes.to_str().expect("a UTF-8 path"),
        ],
    );
    assert_eq!(run.code, EXIT_ERROR, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "", "nothing ran, nothing is reported");
    assert!(!run.stderr.contains("BitFlags"), "{}", run.stderr);
    insta::assert_snapshot!("floor_refusal", run.stderr);
}

#[test]
fn below_the_floor_minimal_runs_and_every_report_says_so() {
    let fixture = fixture();
    let path = fixture.notes.to_str().expect("a UTF-8 path");
    let args = ["verify", "--no-snapshots", "--sandbox=minimal", path];
    let json = run(NEITHER, &[&args[..3], &["--format", "json", path]].concat());
    let report: Value = serde_json::from_str(&json.stdout).expect("a JSON report");
    let floor = layer(&report["sandbox"], "floor");
    assert_eq!(floor["status"], "unavailable");
    assert!(
        floor["detail"].as_str().expect("a detail").starts_with(
            "below the floor, accepted with --sandbox=minimal: filesystem confinement"
        ),
        "{floor}"
    );
    assert_eq!(
        layer(&report["sandbox"], "landlock")["status"],
        "unavailable"
    );
    // Seccomp still stops the socket; the claim still holds.
    let snippets = report["snippets"].as_array().expect("snippets");
    assert_eq!(
        snippets[0]["claims"][0]["verdict"], "pass",
        "{}",
        json.stdout
    );
    assert_eq!(snippets[2]["outcome"], "blocked", "{}", json.stdout);
    // What minimal accepts (the first run: the victim then belongs to its child's uid): with neither Landlock nor read-only mounts, the write into a
    // world-writable directory outside scratch succeeds.
    assert_eq!(snippets[1]["outcome"], "completed", "{}", json.stdout);
    assert_eq!(
        std::fs::read_to_string(&fixture.victim).expect("the victim was written"),
        "escaped"
    );

    let human = run(NEITHER, &args);
    assert_eq!(
        human.code, EXIT_FAILED,
        "{}\n{}",
        human.stdout, human.stderr
    );
    let header: Vec<&str> = human.stdout.lines().take(2).collect();
    assert!(
        header[1].starts_with(
            "sandbox: MINIMAL (--sandbox=minimal), below the floor: filesystem confinement: this kernel has no Landlock"
        ),
        "{}",
        human.stdout
    );
    assert!(header[0].contains("(not: network namespace, scratch tmpfs, landlock;"));

    let junit = run(
        NEITHER,
        &[&args[..3], &["--format", "junit", path]].concat(),
    );
    assert!(
        junit
            .stdout
            .contains("<property name=\"sandbox\" value=\"minimal (--sandbox=minimal), below the floor: filesystem confinement"),
        "{}",
        junit.stdout
    );
    let github = run(
        NEITHER,
        &[&args[..3], &["--format", "github", path]].concat(),
    );
    assert!(
        github
            .stdout
            .starts_with("::warning title=snipcheck%3A sandbox below its floor (--sandbox=minimal)::filesystem confinement"),
        "{}",
        github.stdout
    );
}

#[test]
fn doctor_below_the_floor_names_every_layer_and_fails() {
    let run = run(NEITHER, &["doctor", "--format", "json"]);
    assert_eq!(run.code, EXIT_FAILED, "{}\n{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).expect("doctor's JSON");
    let landlock = layer(&report["layers"], "landlock");
    assert_eq!(landlock["status"], "unavailable");
    assert!(
        landlock["detail"]
            .as_str()
            .expect("a detail")
            .starts_with("this kernel has no Landlock")
    );
    let network = layer(&report["layers"], "network namespace");
    assert_eq!(network["status"], "unavailable");
    assert!(
        network["detail"]
            .as_str()
            .expect("a detail")
            .contains("Operation not permitted"),
        "{network}"
    );
    assert_eq!(layer(&report["layers"], "floor")["status"], "failed");
}

#[test]
fn without_landlock_read_only_mounts_meet_the_floor_and_stop_the_write() {
    let fixture = fixture();
    let weaker = Weaker {
        landlock: true,
        unshare: false,
    };
    let path = fixture.notes.to_str().expect("a UTF-8 path");
    let run = run(
        weaker,
        &["verify", "--no-snapshots", "--format", "json", path],
    );
    assert_eq!(run.code, EXIT_FAILED, "{}\n{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).expect("a JSON report");
    let floor = layer(&report["sandbox"], "floor");
    assert_eq!(floor["status"], "active", "{floor}");
    assert!(
        floor["detail"]
            .as_str()
            .expect("a detail")
            .contains("filesystem confinement by read-only mounts; weaker here: reads are not confined to sys.path"),
        "{floor}"
    );
    let snippets = report["snippets"].as_array().expect("snippets");
    assert_eq!(snippets[0]["claims"][0]["verdict"], "pass");
    assert_eq!(snippets[1]["outcome"], "blocked", "{}", run.stdout);
    assert_eq!(snippets[2]["outcome"], "blocked", "{}", run.stdout);
    assert!(!fixture.victim.exists(), "{}", fixture.dir.path().display());
}

#[test]
fn without_namespaces_landlock_meets_the_floor_and_names_what_is_weaker() {
    let fixture = fixture();
    let weaker = Weaker {
        landlock: false,
        unshare: true,
    };
    let path = fixture.notes.to_str().expect("a UTF-8 path");
    let run = run(
        weaker,
        &["verify", "--no-snapshots", "--format", "json", path],
    );
    assert_eq!(run.code, EXIT_FAILED, "{}\n{}", run.stdout, run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).expect("a JSON report");
    let floor = layer(&report["sandbox"], "floor");
    assert_eq!(floor["status"], "active", "{floor}");
    assert!(
        floor["detail"]
            .as_str()
            .expect("a detail")
            .contains("weaker here: no read-only mount namespace ("),
        "{floor}"
    );
    let snippets = report["snippets"].as_array().expect("snippets");
    assert_eq!(snippets[0]["claims"][0]["verdict"], "pass");
    assert_eq!(snippets[1]["outcome"], "blocked", "{}", run.stdout);
    assert_eq!(snippets[2]["outcome"], "blocked", "{}", run.stdout);
    assert!(!fixture.victim.exists(), "{}", fixture.dir.path().display());
}
