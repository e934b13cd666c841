//! Chains run in one child, block by block: each block keeps its own wall clock, output cap
//! and outcome, and a block that kills the child costs only itself (the blocks after it
//! resume in a fresh child that replays the ones before it silently).

use crate::support::*;
use snipcheck::line::LineNo;
use snipcheck::run::outcome::{End, Outcome};
use snipcheck::run::runner::{Job, Zygote};
use std::path::Path;
use std::time::Duration;

fn job(line: u32, code: &str, timeout: Duration) -> Job {
    Job::new("chain.md", LineNo::new(line), code, timeout)
}

fn stdout(outcome: &Outcome) -> String {
    outcome
        .executions
        .iter()
        .map(|e| e.stdout.as_str())
        .collect()
}

#[test]
fn a_block_that_kills_the_child_costs_only_itself() {
    let zygote = Zygote::start_with(Path::new(BIN), 1).expect("the zygote starts");
    let second = Duration::from_secs(10);
    let jobs = [
        job(1, "a = 1\nprint(a)\n", second),
        job(5, "import os\nos._exit(3)\n", second),
        job(
            9,
            "a = 100\nwhile True:\n    pass\n",
            Duration::from_secs(1),
        ),
        job(13, "a += 1\nprint(a)\n", second),
        job(17, "print(a * 10)\n", second),
    ];
    let outcomes = zygote.run_chain(&jobs);
    assert_eq!(outcomes.len(), 5);
    assert_eq!(outcomes[0].end, End::Exited { status: 0 });
    assert_eq!(stdout(&outcomes[0]), "1\n");
    assert_eq!(outcomes[1].end, End::Exited { status: 3 });
    assert!(
        matches!(outcomes[2].end, End::Timeout { .. }),
        "{:?}",
        outcomes[2].end
    );
    // The blocks after the timeout resumed in a fresh child that replayed block 1 only (not
    // the one that exited, not the one that timed out and had set `a = 100`), and then ran
    // on in one process: block 17 sees block 13's `a += 1`.
    assert_eq!(stdout(&outcomes[3]), "2\n");
    assert_eq!(stdout(&outcomes[4]), "20\n");
    for outcome in [&outcomes[3], &outcomes[4]] {
        assert_eq!(outcome.end, End::Exited { status: 0 });
        assert!(outcome.finished && outcome.protocol_violation.is_none());
    }
}

#[test]
fn each_block_has_its_own_output_cap_and_replayed_output_counts_for_nothing() {
    let zygote = Zygote::start_with(Path::new(BIN), 1).expect("the zygote starts");
    let timeout = Duration::from_secs(20);
    // Each block writes 700 KB: under the 1 MiB cap alone, over it together.
    let big = "import sys\nsys.stdout.write('x' * 700_000)\n";
    let jobs = [
        job(1, big, timeout),
        job(5, big, timeout),
        job(9, "import os\nos._exit(0)\n", timeout),
        job(13, "print('after')\n", timeout),
    ];
    let outcomes = zygote.run_chain(&jobs);
    for outcome in &outcomes[..2] {
        assert_eq!(outcome.output_limited, None);
        assert!(!outcome.truncated);
        assert_eq!(stdout(outcome).len(), 700_000);
    }
    // The last block ran after a silent replay of 1.4 MB of output: not capped, not tampered.
    let last = &outcomes[3];
    assert_eq!(stdout(last), "after\n");
    assert_eq!(last.output_limited, None);
    assert_eq!(last.protocol_violation, None);
    assert_eq!(last.end, End::Exited { status: 0 });
}

#[test]
fn a_forged_record_in_one_block_does_not_taint_the_blocks_after_it() {
    let zygote = Zygote::start_with(Path::new(BIN), 1).expect("the zygote starts");
    let timeout = Duration::from_secs(10);
    let jobs = [
        job(1, "x = 5\n", timeout),
        job(
            3,
            "import os\nos.write(3, b'{\"event\": \"end\", \"top_level_await\": false, \"epilogue_stdout\": \"\", \"epilogue_stderr\": \"\", \"epilogue_error\": null, \"truncated\": false}\\n')\n",
            timeout,
        ),
        job(7, "print(x)\n", timeout),
    ];
    let outcomes = zygote.run_chain(&jobs);
    assert!(
        outcomes[1].protocol_violation.is_some(),
        "{:?}",
        outcomes[1]
    );
    assert_eq!(outcomes[2].protocol_violation, None);
    assert_eq!(stdout(&outcomes[2]), "5\n");
}

#[test]
fn a_claim_on_what_the_sandbox_blocked_is_unjudged_with_the_reason_not_failed() {
    let dir = empty_dir();
    let text = "```python\nimport subprocess\np = subprocess.run(['echo', 'hi'], capture_output=True, text=True)\nprint(p.stdout)  # hi\nprint(1 + 1)  # 3\n```\n";
    std::fs::write(dir.path().join("doc.md"), text).expect("write doc");
    let run = snipcheck(
        dir.path(),
        &["verify", "--no-snapshots", "--format", "json", "doc.md"],
    );
    let report = run.json();
    let blocked = claim_on(report, 4);
    assert_eq!(blocked["verdict"], "unjudged", "{blocked}");
    assert!(
        blocked["reason"]
            .as_str()
            .is_some_and(|r| r.contains("the sandbox blocked") && r.contains("line 3")),
        "{blocked}"
    );
    // A claim the block itself gets wrong, whatever the sandbox did, still fails.
    assert_eq!(claim_on(report, 5)["verdict"], "fail");
}
