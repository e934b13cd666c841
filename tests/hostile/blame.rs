//! No sibling is blamed (issue 14 part 3): each snippet has its own memory cgroup, so a memory
//! hog (anonymous, memfd, tmpfs in its scratch dir) is the one the OOM killer takes and the
//! one reported `memory`, and a well-behaved snippet beside it passes at `-j 1` and `-j 2`
//! alike. Checked from outside too: the processes' own groups, their limits and peaks, the
//! kernel's log of every OOM kill of the run, and no group left once a snippet has ended.

use crate::harness::{QUICK, Watched, notes_case};
use crate::support::Run;
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;

/// Holds 150 MiB (about twice that with the harness's copy) for 2 s, then passes: under one
/// shared run group, a hog's unmapped memfd pages made the OOM killer take this one.
const VICTIM: &str =
    "import time\nheld = b\"v\" * (150 << 20)\ntime.sleep(2)\nprint(len(held) >> 20)  # 150\n";

/// Anonymous memory, 1 MiB at a time, from 0.5 s on (the victim holds its memory by then).
const ANONYMOUS: &str = "import time\ntime.sleep(0.5)\nchunks = []\nwhile True:\n    chunks.append(b\"a\" * (1 << 20))\n";

/// memfd pages: in no address space (RLIMIT_AS does not see them) and in no RSS.
const MEMFD: &str = r#"import os, signal, time
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
time.sleep(0.5)
fds = []
chunk = b"m" * (1 << 20)
while True:
    fd = os.memfd_create("fill")
    fds.append(fd)
    for _ in range(15):
        os.write(fd, chunk)
"#;

/// The scratch dir's tmpfs filled to its size, then anonymous memory on top.
const TMPFS: &str = r#"import time
time.sleep(0.5)
n = 0
try:
    while True:
        with open(f"fill-{n}", "wb") as f:
            f.write(b"t" * (1 << 20))
        n += 1
except OSError:
    pass
chunks = []
while True:
    chunks.append(b"a" * (1 << 20))
"#;

/// One snippet's memory limit (`Limits::default().memory_bytes`).
const LIMIT: u64 = 512 << 20;

#[test]
fn a_victim_beside_an_anonymous_memory_hog_passes_and_the_hog_is_reported() {
    victim_beside("anonymous", ANONYMOUS);
}

#[test]
fn a_victim_beside_a_memfd_hog_passes_and_the_hog_is_reported() {
    victim_beside("memfd", MEMFD);
}

#[test]
fn a_victim_beside_a_tmpfs_hog_passes_and_the_hog_is_reported() {
    victim_beside("tmpfs", TMPFS);
}

/// The victim and the hog in one note, at `-j 1` and `-j 2`: the same verdicts every time.
fn victim_beside(kind: &str, hog: &str) {
    let note = format!(
        "# Blame\n\n## Victim\n\n```python\n{VICTIM}```\n\n## Hog\n\n```python\n{hog}```\n"
    );
    for jobs in [1, 2] {
        let label = format!("blame-{kind}-j{jobs}");
        let log_before = kernel_log();
        let (run, watched) = notes_case(&label, &note, jobs, QUICK);
        let victim = snippet(&run, "notes/victim");
        let hog = snippet(&run, "notes/hog");
        assert_eq!(victim["outcome"], "completed", "{label}: {}", run.stdout);
        assert_eq!(
            victim["claims"][0]["verdict"], "pass",
            "{label}: the victim's claim: {}",
            run.stdout
        );
        assert_eq!(hog["outcome"], "memory", "{label}: {}", run.stdout);
        assert_eq!(
            hog["error"]["type"], "MemoryLimit",
            "{label}: the hog was not OOM-killed: {}",
            run.stdout
        );
        assert_eq!(run.code, 1, "{label}: {}", run.stdout);

        // From outside: each child in a group of its own, with the snippet's limit.
        let groups = &watched.snippet_groups;
        assert!(
            groups.len() >= 2,
            "{label}: the children were not seen in groups of their own: {groups:?}"
        );
        assert!(
            groups.values().all(|g| g.limit == LIMIT),
            "{label}: a snippet group without the snippet's limit: {groups:?}"
        );
        // The kernel's own record: every OOM kill of this run took a task of the group that
        // was full, always the same group (the hog's), and another group was never touched.
        let kills = oom_kills(&watched, &log_before);
        assert!(
            !kills.is_empty(),
            "{label}: the kernel logged no OOM kill in the run's groups"
        );
        let killed: BTreeSet<&str> = kills.iter().map(|k| k.killed_group.as_str()).collect();
        assert!(
            kills.iter().all(|k| k.full_group == k.killed_group),
            "{label}: a task was killed for another group's memory: {kills:?}"
        );
        assert_eq!(
            killed.len(),
            1,
            "{label}: OOM kills in more than one snippet's group: {kills:?}"
        );
        assert!(
            killed.iter().all(|k| groups.contains_key(*k)),
            "{label}: the killed task's group is not one of the run's snippet groups: {kills:?} {groups:?}"
        );
    }
}

#[test]
fn a_snippets_scratch_tmpfs_pages_count_in_its_own_group() {
    // 48 MiB written to the scratch tmpfs, held for a second: the group's usage shows them
    // (the process's RSS does not).
    let code = "import time\nfor n in range(48):\n    with open(f'f{n}', 'wb') as f:\n        f.write(b't' * (1 << 20))\ntime.sleep(1)\nprint('held')  # held\n";
    let (run, watched) = notes_case(
        "blame-tmpfs-counted",
        &format!("# Tmpfs\n\n```python\n{code}```\n"),
        1,
        QUICK,
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let groups = &watched.snippet_groups;
    assert!(
        groups.values().any(|g| g.peak >= 48 << 20),
        "the 48 MiB on the scratch tmpfs were not charged to the snippet's group: {groups:?}"
    );
}

#[test]
fn each_snippets_group_is_removed_once_it_has_ended() {
    // Five snippets one after another, the last one slow: while it runs, the groups of the
    // four before it are gone already (the zygote removes each after reaping its child, not
    // the runner at the end).
    let mut note = String::from("# Groups\n");
    for n in 0..4 {
        note.push_str(&format!("\n## S{n}\n\n```python\nprint({n})  # {n}\n```\n"));
    }
    note.push_str(
        "\n## Slow\n\n```python\nimport time\ntime.sleep(1)\nprint('done')  # done\n```\n",
    );
    let (run, watched) = notes_case("blame-groups-removed", &note, 1, QUICK);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        watched.snippet_groups.len() >= 2,
        "the watcher saw too few snippet groups to tell: {:?}",
        watched.snippet_groups
    );
    assert_eq!(
        watched.most_snippet_groups, 1,
        "snippet groups outlived their snippets: {:?}",
        watched.snippet_groups
    );
}

/// The snippet `id` of a verify report.
fn snippet<'a>(run: &'a Run, id: &str) -> &'a Value {
    run.json()["snippets"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["id"] == id))
        .unwrap_or_else(|| panic!("{}: no snippet {id}: {}", run.label, run.stdout))
}

/// One OOM kill from the kernel's log: the group that was full and the killed task's group.
#[derive(Debug)]
struct OomKill {
    full_group: String,
    killed_group: String,
}

/// The kernel's log lines.
fn kernel_log() -> BTreeSet<String> {
    let out = Command::new("dmesg").output().expect("run dmesg");
    assert!(out.status.success(), "dmesg failed: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The OOM kills logged since `before` in the run groups of the zygotes `watched` saw.
fn oom_kills(watched: &Watched, before: &BTreeSet<String>) -> Vec<OomKill> {
    let runs: Vec<String> = watched
        .seen
        .iter()
        .filter(|(_, (_, cmd))| cmd.get(1).is_some_and(|a| a == "worker"))
        .map(|(pid, _)| format!("/snipcheck-{pid}/"))
        .collect();
    let field = |line: &str, key: &str| -> String {
        line.split(',')
            .find_map(|part| part.strip_prefix(key))
            .unwrap_or("")
            .to_owned()
    };
    kernel_log()
        .difference(before)
        .filter(|line| line.contains("oom-kill:") && runs.iter().any(|r| line.contains(r.as_str())))
        .map(|line| OomKill {
            full_group: field(line, "oom_memcg="),
            killed_group: field(line, "task_memcg="),
        })
        .collect()
}
