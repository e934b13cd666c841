//! A run on several Pythons (`--python 3.11,3.13`): each version's judgment of a snippet,
//! merged into one.
//!
//! Claims are matched by the line of their text. A claim that holds (`pass`, `loose`) on some
//! versions and fails on others is `version-dependent`, with the versions on each side in its
//! reason; where the versions agree, the claim reads as one version's would. A version that
//! could not judge a claim (`unjudged`, `not-run`: a package it lacks, syntax it does not
//! parse) does not outvote the versions that could. The snippet's ending is the first version's
//! that ran it, unless another version ended in an error nothing expected.

use super::{CheckedClaim, ClaimKind, ExpectedBy, OutcomeKind, SnippetCheck, Verdict};
use serde::{Deserialize, Serialize};

/// One version's verdict on a claim, in a run on several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimVersion {
    /// The version (`3.12`).
    pub python: String,
    /// Its verdict.
    pub verdict: Verdict,
    /// What happened there (`None`: the statement never ran).
    pub actual: Option<String>,
}

/// The version whose run stands for the snippet: the first that ran it (not skipped for
/// another Python, parsed), else the first.
pub fn representative(checks: &[(String, SnippetCheck)]) -> usize {
    checks
        .iter()
        .position(|(_, c)| {
            !matches!(
                c.outcome,
                OutcomeKind::Skipped | OutcomeKind::Unparsable | OutcomeKind::NeedsNewerPython
            )
        })
        .unwrap_or(0)
}

/// A block that does not parse on `running` (`3.11`) but does on `needed`, a newer Python
/// installed here (`3.12`): not `unparsable` (the text is not wrong) but not judged on this
/// one — its outcome `needs-newer-python`, its error expected by that, its claims `unjudged`
/// with the reason. A block whose text shows the compile error itself (a claim on it holds)
/// is left as it is.
pub fn mark_needs_newer(check: &mut SnippetCheck, needed: &str, running: &str) {
    let documented = check
        .error
        .as_ref()
        .is_some_and(|e| e.expected_by == Some(ExpectedBy::Claim));
    if check.outcome != OutcomeKind::Unparsable || documented {
        return;
    }
    check.outcome = OutcomeKind::NeedsNewerPython;
    if let Some(error) = check.error.as_mut() {
        error.expected_by = Some(ExpectedBy::NewerPython);
        error.needs_python = Some(needed.to_owned());
    }
    for claim in &mut check.claims {
        claim.verdict = Verdict::Unjudged;
        claim.normalization = None;
        claim.reason = Some(format!(
            "needs Python ≥ {needed}: the block does not parse on {running} (it does on {needed}, installed here: run it with --python {needed})"
        ));
    }
}

/// The snippet's judgment over every version's (`checks`: version and check, in the run's
/// order; not empty).
pub fn merge(checks: &[(String, SnippetCheck)]) -> SnippetCheck {
    let first = representative(checks);
    let mut lines: Vec<(super::LineNo, super::LineNo)> = Vec::new();
    for k in std::iter::once(first).chain(0..checks.len()) {
        for claim in &checks[k].1.claims {
            if !lines.iter().any(|(_, at)| *at == claim.claim_line) {
                lines.push((claim.line, claim.claim_line));
            }
        }
    }
    lines.sort();
    let claims: Vec<CheckedClaim> = lines
        .iter()
        .map(|&(_, at)| {
            let order = std::iter::once(first).chain((0..checks.len()).filter(|&k| k != first));
            let found: Vec<(&str, &CheckedClaim)> = order
                .filter_map(|k| {
                    let (python, check) = &checks[k];
                    let claim = check.claims.iter().find(|c| c.claim_line == at)?;
                    Some((python.as_str(), claim))
                })
                .collect();
            let mut merged = merge_claim(&found);
            // In the run's order, whatever order they were weighed in.
            merged.versions = checks
                .iter()
                .filter_map(|(python, check)| {
                    let claim = check.claims.iter().find(|c| c.claim_line == at)?;
                    Some(ClaimVersion {
                        python: python.clone(),
                        verdict: claim.verdict,
                        actual: claim.actual.clone(),
                    })
                })
                .collect();
            merged
        })
        .collect();
    let base = &checks[first].1;
    let covered = |python: &str, line: Option<super::LineNo>| {
        claims.iter().any(|c| {
            c.verdict == Verdict::VersionDependent
                && Some(c.line) == line
                && c.versions
                    .iter()
                    .any(|v| v.python == python && v.verdict == Verdict::Fail)
        })
    };
    let unexpected = checks.iter().filter_map(|(python, check)| {
        check
            .error
            .as_ref()
            .filter(|e| e.expected_by.is_none())
            .map(|e| (python.as_str(), e))
    });
    let error = unexpected
        .clone()
        .find(|(python, e)| !covered(python, e.line))
        .map(|(_, e)| e.clone())
        .or_else(|| base.error.clone().filter(|e| e.expected_by.is_some()))
        .or_else(|| {
            unexpected.clone().next().map(|(_, e)| {
                let mut e = e.clone();
                e.expected_by = Some(ExpectedBy::Versions);
                e
            })
        })
        .or_else(|| base.error.clone());
    SnippetCheck {
        outcome: base.outcome,
        error,
        missing_expected_error: checks
            .iter()
            .find_map(|(_, c)| c.missing_expected_error.clone()),
        claims,
    }
}

/// One claim over the versions that have it (`found`: the representative version first).
fn merge_claim(found: &[(&str, &CheckedClaim)]) -> CheckedClaim {
    let judged: Vec<(&str, &CheckedClaim)> = found
        .iter()
        .copied()
        .filter(|(_, c)| !matches!(c.verdict, Verdict::Unjudged | Verdict::NotRun))
        .collect();
    let Some(&(_, base)) = judged.first().or(found.first()) else {
        unreachable!("a merged claim is some version's claim");
    };
    let holds = |c: &CheckedClaim| matches!(c.verdict, Verdict::Pass | Verdict::Loose);
    let unchecked = judged.iter().find(|(_, c)| c.verdict == Verdict::Unchecked);
    let failing: Vec<(&str, &CheckedClaim)> = judged
        .iter()
        .copied()
        .filter(|(_, c)| c.verdict == Verdict::Fail)
        .collect();
    let holding: Vec<(&str, &CheckedClaim)> =
        judged.iter().copied().filter(|(_, c)| holds(c)).collect();
    let mut merged = if let Some(&(python, claim)) = unchecked {
        let mut claim = claim.clone();
        if judged.iter().any(|(_, c)| c.verdict != Verdict::Unchecked) {
            claim.reason = Some(format!(
                "on {python}: {}",
                claim.reason.as_deref().unwrap_or("the statement never ran")
            ));
        }
        claim
    } else if judged.is_empty() || failing.is_empty() {
        // Agreement: the loosest holding verdict, else the representative's.
        holding
            .iter()
            .find(|(_, c)| c.verdict == Verdict::Loose)
            .map_or_else(|| base.clone(), |(_, c)| (*c).clone())
    } else if holding.is_empty() {
        failing[0].1.clone()
    } else {
        let mut claim = holding[0].1.clone();
        claim.verdict = Verdict::VersionDependent;
        claim.normalization = None;
        claim.reason = Some(describe(&holding, &failing, found));
        claim
    };
    merged.versions = Vec::new();
    merged
}

/// `holds on 3.11 and 3.12; on 3.13 prints `(2000, 10, 10)``: the versions on each side,
/// and what the failing ones did (grouped when they agree).
fn describe(
    holding: &[(&str, &CheckedClaim)],
    failing: &[(&str, &CheckedClaim)],
    found: &[(&str, &CheckedClaim)],
) -> String {
    let mut text = format!(
        "holds on {}",
        list(&holding.iter().map(|(p, _)| *p).collect::<Vec<_>>())
    );
    let mut groups: Vec<(Vec<&str>, &CheckedClaim)> = Vec::new();
    for &(python, claim) in failing {
        match groups.iter_mut().find(|(_, c)| c.actual == claim.actual) {
            Some((versions, _)) => versions.push(python),
            None => groups.push((vec![python], claim)),
        }
    }
    for (versions, claim) in groups {
        let verb = match claim.kind {
            ClaimKind::Output => "prints",
            ClaimKind::Value => "is",
            ClaimKind::Exception => "raises",
        };
        let what = match claim.actual.as_deref() {
            Some("") => "nothing".to_owned(),
            Some(actual) => format!("`{}`", flat(actual)),
            None => "nothing".to_owned(),
        };
        text.push_str(&format!("; on {} {verb} {what}", list(&versions)));
    }
    let unjudged: Vec<&str> = found
        .iter()
        .filter(|(_, c)| matches!(c.verdict, Verdict::Unjudged | Verdict::NotRun))
        .map(|(p, _)| *p)
        .collect();
    if !unjudged.is_empty() {
        text.push_str(&format!("; not judged on {}", list(&unjudged)));
    }
    text
}

/// `3.11`, `3.11 and 3.12`, `3.10, 3.11 and 3.12`.
fn list(versions: &[&str]) -> String {
    match versions {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// An output on one line, cut at 80 characters.
fn flat(text: &str) -> String {
    let flat = text.trim_end().replace('\n', "⏎");
    let short: String = flat.chars().take(80).collect();
    if short.len() < flat.len() {
        format!("{short}…")
    } else {
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::{SnippetError, Verdict};
    use crate::line::LineNo;

    fn claim(line: u32, verdict: Verdict, actual: &str) -> CheckedClaim {
        let mut claim = CheckedClaim::new(
            LineNo::new(line),
            LineNo::new(line),
            ClaimKind::Output,
            "(700, 10, 10)".to_owned(),
            "print(gc.get_threshold())".to_owned(),
        );
        claim.verdict = verdict;
        claim.actual = Some(actual.to_owned());
        if verdict == Verdict::Loose {
            claim.normalization = Some("spacing".to_owned());
        }
        claim
    }

    fn check(claims: Vec<CheckedClaim>) -> SnippetCheck {
        SnippetCheck {
            outcome: OutcomeKind::Completed,
            error: None,
            missing_expected_error: None,
            claims,
        }
    }

    fn versions(checks: &[(&str, SnippetCheck)]) -> Vec<(String, SnippetCheck)> {
        checks
            .iter()
            .map(|(p, c)| ((*p).to_owned(), c.clone()))
            .collect()
    }

    #[test]
    fn a_claim_that_holds_on_some_versions_and_fails_on_others_is_version_dependent() {
        let merged = merge(&versions(&[
            (
                "3.11",
                check(vec![claim(3, Verdict::Pass, "(700, 10, 10)")]),
            ),
            (
                "3.12",
                check(vec![claim(3, Verdict::Pass, "(700, 10, 10)")]),
            ),
            (
                "3.13",
                check(vec![claim(3, Verdict::Fail, "(2000, 10, 10)")]),
            ),
        ]));
        let claim = &merged.claims[0];
        assert_eq!(claim.verdict, Verdict::VersionDependent);
        assert_eq!(
            claim.reason.as_deref(),
            Some("holds on 3.11 and 3.12; on 3.13 prints `(2000, 10, 10)`")
        );
        assert_eq!(claim.actual.as_deref(), Some("(700, 10, 10)"));
        let each: Vec<(&str, Verdict)> = claim
            .versions
            .iter()
            .map(|v| (v.python.as_str(), v.verdict))
            .collect();
        assert_eq!(
            each,
            [
                ("3.11", Verdict::Pass),
                ("3.12", Verdict::Pass),
                ("3.13", Verdict::Fail)
            ]
        );
    }

    #[test]
    fn versions_that_agree_read_as_one_and_loose_outweighs_pass() {
        let pass = merge(&versions(&[
            ("3.11", check(vec![claim(3, Verdict::Pass, "1")])),
            ("3.12", check(vec![claim(3, Verdict::Pass, "1")])),
        ]));
        assert_eq!(pass.claims[0].verdict, Verdict::Pass);
        assert_eq!(pass.claims[0].reason, None);
        let loose = merge(&versions(&[
            ("3.11", check(vec![claim(3, Verdict::Pass, "1")])),
            ("3.12", check(vec![claim(3, Verdict::Loose, "1")])),
        ]));
        assert_eq!(loose.claims[0].verdict, Verdict::Loose);
        assert_eq!(loose.claims[0].normalization.as_deref(), Some("spacing"));
        let fail = merge(&versions(&[
            ("3.11", check(vec![claim(3, Verdict::Fail, "2")])),
            ("3.12", check(vec![claim(3, Verdict::Fail, "3")])),
        ]));
        assert_eq!(fail.claims[0].verdict, Verdict::Fail);
        assert_eq!(fail.claims[0].actual.as_deref(), Some("2"));
    }

    #[test]
    fn a_version_that_cannot_judge_does_not_outvote_the_others() {
        let merged = merge(&versions(&[
            ("3.11", check(vec![claim(3, Verdict::Unjudged, "")])),
            ("3.12", check(vec![claim(3, Verdict::Pass, "1")])),
        ]));
        assert_eq!(merged.claims[0].verdict, Verdict::Pass);
        let split = merge(&versions(&[
            ("3.10", check(vec![claim(3, Verdict::Unjudged, "")])),
            ("3.11", check(vec![claim(3, Verdict::Fail, "A")])),
            ("3.12", check(vec![claim(3, Verdict::Fail, "A")])),
            ("3.13", check(vec![claim(3, Verdict::Pass, "B")])),
        ]));
        assert_eq!(
            split.claims[0].reason.as_deref(),
            Some("holds on 3.13; on 3.11 and 3.12 prints `A`; not judged on 3.10")
        );
    }

    #[test]
    fn a_statement_that_never_ran_on_one_version_is_unchecked_there() {
        let mut never = claim(3, Verdict::Unchecked, "");
        never.actual = None;
        never.reason = Some("the snippet timed out".to_owned());
        let merged = merge(&versions(&[
            ("3.11", check(vec![claim(3, Verdict::Pass, "1")])),
            ("3.13", check(vec![never])),
        ]));
        assert_eq!(merged.claims[0].verdict, Verdict::Unchecked);
        assert_eq!(
            merged.claims[0].reason.as_deref(),
            Some("on 3.13: the snippet timed out")
        );
    }

    #[test]
    fn an_error_a_claim_documents_on_other_versions_is_version_dependent_not_unexpected() {
        let error = |expected_by| SnippetError {
            type_name: "AttributeError".to_owned(),
            message: "can't set attribute 'x'".to_owned(),
            line: Some(LineNo::new(3)),
            traceback: String::new(),
            blocked: None,
            needs_python: None,
            expected_by,
        };
        let mut old = check(vec![claim(3, Verdict::Fail, "can't set attribute 'x'")]);
        old.outcome = OutcomeKind::Raised;
        old.error = Some(error(None));
        let mut new = check(vec![claim(3, Verdict::Pass, "no setter")]);
        new.outcome = OutcomeKind::Raised;
        new.error = Some(error(Some(ExpectedBy::Claim)));
        let merged = merge(&versions(&[("3.10", old.clone()), ("3.11", new)]));
        assert_eq!(merged.claims[0].verdict, Verdict::VersionDependent);
        assert_eq!(
            merged.error.and_then(|e| e.expected_by),
            Some(ExpectedBy::Versions)
        );
        // An error on a line no version-dependent claim covers still fails.
        let mut other = old;
        other.error.as_mut().expect("error").line = Some(LineNo::new(9));
        let merged = merge(&versions(&[
            ("3.10", other),
            ("3.11", check(vec![claim(3, Verdict::Pass, "1")])),
        ]));
        assert!(merged.is_unexpected_error());
    }

    #[test]
    fn a_block_only_a_newer_python_parses_is_not_judged_on_this_one() {
        let mut check = check(vec![claim(3, Verdict::NotRun, "")]);
        check.outcome = OutcomeKind::Unparsable;
        check.error = Some(SnippetError {
            type_name: "SyntaxError".to_owned(),
            message: "invalid syntax".to_owned(),
            line: Some(LineNo::new(2)),
            traceback: String::new(),
            blocked: None,
            needs_python: None,
            expected_by: Some(ExpectedBy::NotPython),
        });
        let mut documented = check.clone();
        mark_needs_newer(&mut check, "3.12", "3.11");
        assert_eq!(check.outcome, OutcomeKind::NeedsNewerPython);
        let error = check.error.as_ref().expect("error");
        assert_eq!(error.expected_by, Some(ExpectedBy::NewerPython));
        assert_eq!(error.needs_python.as_deref(), Some("3.12"));
        assert!(!check.is_unexpected_error());
        assert_eq!(check.claims[0].verdict, Verdict::Unjudged);
        assert!(
            check.claims[0]
                .reason
                .as_deref()
                .is_some_and(|r| r.starts_with("needs Python ≥ 3.12: ")),
            "{:?}",
            check.claims[0].reason
        );
        // Text that shows the compile error documents it: left alone.
        documented.error.as_mut().expect("error").expected_by = Some(ExpectedBy::Claim);
        let before = documented.clone();
        mark_needs_newer(&mut documented, "3.12", "3.11");
        assert_eq!(documented, before);
    }

    #[test]
    fn the_snippet_ends_as_the_first_version_that_ran_it() {
        let mut unparsable = check(Vec::new());
        unparsable.outcome = OutcomeKind::Unparsable;
        let merged = merge(&versions(&[
            ("3.11", unparsable),
            ("3.12", check(vec![claim(3, Verdict::Pass, "1")])),
        ]));
        assert_eq!(merged.outcome, OutcomeKind::Completed);
        assert_eq!(merged.claims.len(), 1);
    }
}
