//! Renderers over hand-built reports (no Python runs): every verdict, every way a snippet can
//! stand (an unexpected error, an error documented by a claim, declared by `expect-error`, a
//! block that is not Python 3, a skip, an unmet `expect-error`), settings, snapshot states and
//! out-of-date generated files, each rendered by `human`, `json`, `junit` and `github` and kept
//! as an insta snapshot; plus the JSON format read back (`report merge`'s path).

use super::json::JsonReport;
use super::{
    AppliedSettings, DocumentReport, FileReport, GeneratedReport, ProblemReport, Report,
    SnapshotReport, SnapshotState, SnippetReport, Standing, Summary, build::ExpectErrorReport,
};
use crate::judge::{CheckedClaim, ClaimKind, ExpectedBy, OutcomeKind, SnippetError, Verdict};
use crate::line::LineNo;
use crate::plan::partition::{Scheme, Shards};
use crate::run::sandbox::{Layer, LayerStatus};

fn claim(
    line: u32,
    kind: ClaimKind,
    verdict: Verdict,
    claimed: &str,
    actual: &str,
) -> CheckedClaim {
    CheckedClaim {
        line: LineNo::new(line),
        claim_line: LineNo::new(line),
        claim_end_line: LineNo::new(line),
        kind,
        claimed: claimed.to_owned(),
        actual: (!actual.is_empty()).then(|| actual.to_owned()),
        verdict,
        normalization: (verdict == Verdict::Loose).then(|| "main-prefix".to_owned()),
        reason: match verdict {
            Verdict::Fail => Some("the output differs from the claim".to_owned()),
            Verdict::Unchecked => Some("an earlier statement raised NameError".to_owned()),
            Verdict::NotRun => Some("the block is not valid Python 3".to_owned()),
            _ => None,
        },
        after_error: false,
        source: format!("print(x{line})"),
        versions: Vec::new(),
    }
}

fn error(type_name: &str, line: u32, expected_by: Option<ExpectedBy>) -> SnippetError {
    SnippetError {
        type_name: type_name.to_owned(),
        message: format!("{type_name} at line {line}"),
        line: Some(LineNo::new(line)),
        traceback: format!(
            "Traceback (most recent call last):\n  File \"notes/n.md\", line {line}, in <module>\n{type_name}\n"
        ),
        blocked: None,
        needs_python: None,
        expected_by,
    }
}

fn snippet(id: &str, start: u32, outcome: OutcomeKind) -> SnippetReport {
    SnippetReport {
        id: format!("n/{id}"),
        path: "notes/n.md".to_owned(),
        start_line: LineNo::new(start),
        end_line: LineNo::new(start + 4),
        section: Some(id.to_owned()),
        outcome,
        error: None,
        missing_expected_error: None,
        settings: None,
        continues: None,
        skipped: None,
        claims: Vec::new(),
        stray_output: String::new(),
        snapshot: None,
        versions: Vec::new(),
    }
}

fn snapshot(id: &str, status: SnapshotState) -> SnapshotReport {
    SnapshotReport {
        status,
        path: format!("expected/n/{id}.snap"),
        pending: (status != SnapshotState::Match).then(|| format!("expected/n/{id}.snap.new")),
        diff: (status == SnapshotState::Changed)
            .then(|| "--- accepted\n+++ new\n@@ -1 +1 @@\n-L1 print(1)\n+L1 print(2)\n".to_owned()),
        message: (status == SnapshotState::Corrupt)
            .then(|| format!("expected/n/{id}.snap:1: no header")),
    }
}

/// One snippet per way a snippet can stand.
fn report() -> Report {
    let mut passing = snippet("passing", 3, OutcomeKind::Completed);
    passing.claims = vec![
        claim(4, ClaimKind::Output, Verdict::Pass, "[1, 2]", "[1, 2]"),
        claim(
            5,
            ClaimKind::Value,
            Verdict::Loose,
            "<class 'A'>",
            "<class '__main__.A'>",
        ),
    ];
    passing.snapshot = Some(snapshot("passing", SnapshotState::Match));
    passing.settings = Some(AppliedSettings {
        files: vec!["data.txt".to_owned()],
        prelude: Some("user = None\n".to_owned()),
        expect_error: None,
        timeout: Some(2.5),
        skip: None,
        continues: true,
    });

    let mut failing = snippet("failing", 10, OutcomeKind::Raised);
    failing.claims = vec![
        claim(11, ClaimKind::Output, Verdict::Fail, "[1, 2, 3]", "[1, 2]"),
        claim(13, ClaimKind::Output, Verdict::Unchecked, "done", ""),
    ];
    failing.error = Some(error("NameError", 12, None));
    failing.stray_output = "written to fd 1\n".to_owned();
    failing.snapshot = Some(snapshot("failing", SnapshotState::Changed));

    let mut claimed = snippet("claimed", 20, OutcomeKind::Raised);
    claimed.claims = vec![claim(
        21,
        ClaimKind::Exception,
        Verdict::Pass,
        "TypeError",
        "TypeError: age must be int",
    )];
    claimed.error = Some(error("TypeError", 21, Some(ExpectedBy::Claim)));
    claimed.snapshot = Some(snapshot("claimed", SnapshotState::Missing));

    let mut declared = snippet("declared", 30, OutcomeKind::Raised);
    declared.error = Some(error("ModuleNotFoundError", 31, Some(ExpectedBy::Config)));
    declared.settings = Some(AppliedSettings {
        files: Vec::new(),
        prelude: None,
        expect_error: Some(ExpectErrorReport {
            type_name: "ModuleNotFoundError".to_owned(),
            reason: "needs aiohttp".to_owned(),
        }),
        timeout: None,
        skip: None,
        continues: false,
    });
    declared.snapshot = Some(snapshot("declared", SnapshotState::Corrupt));

    let mut not_python = snippet("not-python", 40, OutcomeKind::Unparsable);
    not_python.error = Some(error("SyntaxError", 41, Some(ExpectedBy::NotPython)));
    not_python.claims = vec![claim(
        41,
        ClaimKind::Value,
        Verdict::NotRun,
        "[1, ..., 10]",
        "",
    )];

    let mut skipped = snippet("skipped", 50, OutcomeKind::Skipped);
    skipped.settings = Some(AppliedSettings {
        files: Vec::new(),
        prelude: None,
        expect_error: None,
        timeout: None,
        skip: Some("talks to the network".to_owned()),
        continues: false,
    });

    let mut unmet = snippet("unmet", 60, OutcomeKind::Completed);
    unmet.missing_expected_error =
        Some("expect-error \"KeyError\" is declared, but the snippet raised nothing".to_owned());

    let documents = vec![DocumentReport {
        path: "notes/n.md".to_owned(),
        problems: vec![ProblemReport {
            line: LineNo::new(70),
            message: "the code fence opened at line 70 is never closed".to_owned(),
        }],
    }];
    let snippets = vec![
        passing, failing, claimed, declared, not_python, skipped, unmet,
    ];
    Report {
        python: "3.11.2".to_owned(),
        partition: None,
        sandbox: vec![
            Layer {
                name: "seccomp".to_owned(),
                status: LayerStatus::Active,
                detail: "deny filter".to_owned(),
            },
            Layer {
                name: "cgroup".to_owned(),
                status: LayerStatus::Unavailable,
                detail: "not root".to_owned(),
            },
        ],
        venv: None,
        interpreter: None,
        interpreters: Vec::new(),
        summary: Summary::count(&documents, &snippets),
        documents,
        snippets,
        strict: false,
        strict_parse: false,
        filtered: false,
        generated: Some(GeneratedReport {
            snippet_files: vec![FileReport {
                path: "snippets/n/failing.py".to_owned(),
                change: "stale".to_owned(),
            }],
            snippet_files_rewritten: false,
            orphaned_snapshots: vec!["expected/n/gone.snap".to_owned()],
        }),
    }
}

#[test]
fn the_summary_counts_every_verdict_and_every_unexpected_error() {
    let summary = report().summary;
    assert_eq!(
        summary,
        Summary {
            documents: 1,
            snippets: 7,
            claims: 6,
            pass: 2,
            loose: 1,
            fail: 1,
            unchecked: 1,
            unjudged: 0,
            // The file problem, the undeclared NameError, the unmet expect-error.
            errors: 3,
            unparsable: 1,
            not_run: 1,
            version_dependent: 0,
            needs_newer_python: 0,
        }
    );
    assert!(!report().is_success());
}

#[test]
fn each_snippet_stands_as_every_renderer_labels_it() {
    let report = report();
    let standings: Vec<Standing> = report.snippets.iter().map(|s| s.standing(false)).collect();
    assert_eq!(
        standings,
        [
            Standing::Loose,
            Standing::Failed,
            Standing::Failed, // its snapshot is missing
            Standing::Failed, // its snapshot is corrupt
            Standing::NotPython,
            Standing::Skipped,
            Standing::Failed,
        ]
    );
    let mut clean = report.snippets[0].clone();
    assert_eq!(
        clean.standing(true),
        Standing::Failed,
        "loose fails --strict"
    );
    clean.claims.truncate(1);
    assert_eq!(clean.standing(true), Standing::Ok);
    // What could not be judged here is counted apart: it fails only under --strict. A claim
    // that never ran is another thing: it fails.
    clean.claims[0].verdict = Verdict::Unjudged;
    assert_eq!(clean.standing(false), Standing::Unjudged);
    assert_eq!(clean.standing(true), Standing::Failed);
    clean.claims[0].verdict = Verdict::Unchecked;
    assert_eq!(clean.standing(false), Standing::Failed);
}

#[test]
fn human_report() {
    insta::assert_snapshot!(super::human::render_styled(&report(), false));
}

#[test]
fn human_report_in_colour_marks_only_the_words() {
    let plain = super::human::render_styled(&report(), false);
    let coloured = super::human::render_styled(&report(), true);
    assert_ne!(plain, coloured);
    // Colours are ANSI sequences around words: without them, the text is the same.
    let stripped = {
        let mut out = String::new();
        let mut rest = coloured.as_str();
        while let Some(start) = rest.find('\u{1b}') {
            out.push_str(&rest[..start]);
            let end = rest[start..]
                .find('m')
                .map_or(rest.len(), |m| start + m + 1);
            rest = &rest[end..];
        }
        out.push_str(rest);
        out
    };
    assert_eq!(stripped, plain);
}

#[test]
fn json_report() {
    insta::assert_snapshot!(super::json::render(&report()));
}

#[test]
fn junit_report() {
    insta::assert_snapshot!(super::junit::render(&report()));
}

#[test]
fn github_report() {
    insta::assert_snapshot!(super::github::render(&report()));
}

#[test]
fn a_partitioned_report_reads_back_as_it_was_rendered() {
    let mut report = report();
    report.partition = Some(Shards {
        scheme: Scheme::Hash,
        total: 2,
        shards: vec![1],
    });
    let text = super::json::render(&report);
    let back: JsonReport = serde_json::from_str(&text).expect("the JSON format reads back");
    let back = back.into_report();
    // What the JSON omits comes back from merge_data: claim sources and tracebacks.
    assert_eq!(back.snippets[1].claims[0].source, "print(x11)");
    assert_eq!(
        back.snippets[1]
            .error
            .as_ref()
            .map(|e| e.traceback.as_str()),
        report.snippets[1]
            .error
            .as_ref()
            .map(|e| e.traceback.as_str())
    );
    assert_eq!(super::json::render(&back), text);
    assert_eq!(
        super::human::render_styled(&back, false),
        super::human::render_styled(&report, false)
    );
    assert_eq!(super::junit::render(&back), super::junit::render(&report));
}

#[test]
fn an_unpartitioned_report_carries_no_merge_data() {
    let text = super::json::render(&report());
    assert!(!text.contains("merge_data"), "{text}");
    assert!(!text.contains("partition"), "{text}");
}
