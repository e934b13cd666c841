//! Per-snippet sandbox overhead: snipcheck's full path for a trivial snippet (fork from the
//! zygote + every layer + capture + check + report) against a bare fork of a warm interpreter
//! and against `exec()` in one interpreter, all measured in this one invocation.
//!
//! `cargo bench --bench overhead` (add `-- RUNS` to change the number of runs, default 300).
//! Prints medians and ratios; the README quotes its latest output. With
//! `SNIPCHECK_BENCH_AGAINST=/path/to/another/snipcheck` (another build, e.g. main's release
//! binary, speaking the same zygote protocol), it also runs the same snippet on a zygote of that
//! binary, alternating with this build's, and prints the ratio of the two medians.

#![expect(clippy::print_stdout, reason = "a benchmark prints its numbers")]

use snipcheck::judge;
use snipcheck::line::LineNo;
use snipcheck::read::block::Block;
use snipcheck::run::runner::{Job, Zygote};
use snipcheck::run::sandbox::LayerStatus;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(300);
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_snipcheck"));
    let zygote = Zygote::start_with(&exe, 1).expect("the zygote starts");
    let code = "x = 1\nprint(x)  # 1\n";
    let job = Job::new("bench.md", LineNo::FIRST, code, Duration::from_secs(10));
    let block = Block {
        section: None,
        info: "python".to_owned(),
        fence_line: LineNo::FIRST,
        first_line: LineNo::FIRST,
        end_line: LineNo::new(2),
        span: 0..code.len(),
        code: code.to_owned(),
        unterminated: false,
        directives: None,
        output: None,
        setup: None,
        python: None,
    };
    // Warm up, and make sure the measured path is the real one: every layer applied, the
    // claim judged from a real run.
    let warm = zygote.run(&job);
    let checked = judge::check(&block, None, &warm, &[]);
    assert_eq!(checked.claims.len(), 1, "{warm:#?}");
    assert_eq!(checked.claims[0].verdict, judge::Verdict::Pass, "{warm:#?}");
    let active: Vec<&str> = warm
        .layers
        .iter()
        .filter(|l| l.status == LayerStatus::Active)
        .map(|l| l.name.as_str())
        .collect();

    let mut snipcheck_us = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let outcome = zygote.run(&job);
        let checked = judge::check(&block, None, &outcome, &[]);
        std::hint::black_box(serde_json::to_string(&checked).expect("serializes"));
        snipcheck_us.push(start.elapsed().as_secs_f64() * 1e6);
    }

    // Throughput: the same snippets with two children at a time (these machines have 2 cores).
    let batch: Vec<Job> = vec![job.clone(); runs];
    let start = Instant::now();
    let outcomes = zygote.run_all(&batch, 2);
    let parallel_us = start.elapsed().as_secs_f64() * 1e6 / runs as f64;
    assert!(outcomes.iter().all(|o| o.finished), "every run finished");

    // The interpreter the zygote ran (the default choice, as the zygote's).
    let python = snipcheck::run::interpreter::resolve(None, None, None).expect("an interpreter");
    let baseline = Command::new(&python.executable)
        .arg("-I")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/bench/baseline.py"))
        .arg(runs.to_string())
        .output()
        .expect("the baseline runs");
    assert!(
        baseline.status.success(),
        "{}",
        String::from_utf8_lossy(&baseline.stderr)
    );
    let baseline: serde_json::Value =
        serde_json::from_slice(&baseline.stdout).expect("the baseline prints JSON");
    let samples = |key: &str| -> Vec<f64> {
        baseline[key]
            .as_array()
            .expect("samples")
            .iter()
            .filter_map(serde_json::Value::as_f64)
            .collect()
    };
    let exec_us = median(samples("exec_us"));
    let fork_us = median(samples("fork_us"));
    let ours = median(snipcheck_us);
    println!(
        "sandbox overhead, {runs} runs each, medians (Python {}):",
        zygote.python
    );
    println!("  exec() in one interpreter      {exec_us:>9.1} µs   (1.00 ×)");
    println!(
        "  bare fork of a warm interpreter {fork_us:>8.1} µs   ({:.2} × exec)",
        fork_us / exec_us
    );
    println!(
        "  snipcheck, every layer        {ours:>9.1} µs   ({:.2} × bare fork, {:.0} × exec)",
        ours / fork_us,
        ours / exec_us
    );
    println!(
        "  snipcheck, 2 at a time         {parallel_us:>9.1} µs per snippet (wall clock / runs)"
    );
    println!("  layers active: {}", active.join(", "));
    if let Some(other) = std::env::var_os("SNIPCHECK_BENCH_AGAINST") {
        against(&zygote, &PathBuf::from(other), &job, runs);
    }
    println!(
        "  target ≤ 3 ms per trivial snippet: {}",
        if ours <= 3000.0 { "met" } else { "NOT met" }
    );
}

/// This build's zygote against one of the binary `other`, one snippet each in turn.
fn against(ours: &Zygote, other: &std::path::Path, job: &Job, runs: usize) {
    let theirs = Zygote::start_with(other, 1).expect("the other build's zygote starts");
    assert!(theirs.run(job).finished, "the other build runs the snippet");
    let (mut ours_us, mut theirs_us) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for _ in 0..runs {
        for (zygote, samples) in [(ours, &mut ours_us), (&theirs, &mut theirs_us)] {
            let start = Instant::now();
            std::hint::black_box(zygote.run(job));
            samples.push(start.elapsed().as_secs_f64() * 1e6);
        }
    }
    let (ours_us, theirs_us) = (median(ours_us), median(theirs_us));
    println!(
        "  against {} (alternating, {runs} runs each): {theirs_us:.1} µs there, {ours_us:.1} µs here, ratio {:.3}",
        other.display(),
        ours_us / theirs_us
    );
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples.get(samples.len() / 2).copied().unwrap_or(f64::NAN)
}
