//! `snipcheck report merge`: the JSON reports of the shards of a `verify --partition` run,
//! read back into typed [`Report`]s, checked to fit together, and joined into the report one
//! unpartitioned run would have produced: the same snippets in the same order (the order of
//! the documents, then Markdown lines), the summary counted again, generated-file findings
//! listed once.
//!
//! A shard's JSON carries, per snippet, `merge_data` (see `report::json::MergeData`): what the
//! JSON otherwise leaves out (each claim's statement, the error's traceback) and the human and
//! JUnit reports show. The merged report has none, so its JSON is the JSON of an unpartitioned
//! run.

use super::json::JsonReport;
use super::{FileReport, GeneratedReport, Report, SnippetReport, Summary};
use crate::plan::partition::Shards;
use anyhow::{Result, anyhow, bail};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// One shard's report and the file it came from.
#[derive(Debug, Clone)]
pub struct Part {
    /// The file, as given.
    pub path: PathBuf,
    /// Its report, with claim sources and tracebacks restored from its `merge_data`.
    pub report: Report,
    /// Which shards it covers.
    pub shards: Shards,
}

/// Reads one report written by `verify --partition ... --format json`. Errors name the file
/// (and the line and column, for JSON that does not parse or does not fit the schema).
pub fn read(path: &Path) -> Result<Part> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| anyhow!("failed to read {}: {err}", path.display()))?;
    parse(path, &text)
}

/// [`read`] on text already read.
pub fn parse(path: &Path, text: &str) -> Result<Part> {
    let json: JsonReport = serde_json::from_str(text).map_err(|err| {
        let message = err.to_string();
        let suffix = format!(" at line {} column {}", err.line(), err.column());
        let message = message.strip_suffix(&suffix).unwrap_or(&message);
        anyhow!(
            "{}:{}:{}: not a JSON report of `snipcheck verify --format json`: {message}",
            path.display(),
            err.line(),
            err.column()
        )
    })?;
    let Some(shards) = json.partition.clone() else {
        bail!(
            "{} is the report of a whole run, not of a shard (it has no \"partition\"): write each shard with `snipcheck verify --partition hash:K/N --format json --output FILE`",
            path.display()
        );
    };
    let ascending = shards.shards.windows(2).all(|w| w[0] < w[1]);
    if shards.total == 0
        || shards.shards.is_empty()
        || !ascending
        || shards.shards.iter().any(|&k| k == 0 || k > shards.total)
    {
        bail!(
            "{}: invalid \"partition\" {}: shards must be distinct, ascending and within 1..={}",
            path.display(),
            serde_json::to_string(&shards).unwrap_or_default(),
            shards.total
        );
    }
    for snippet in &json.snippets {
        let Some(data) = &snippet.merge_data else {
            bail!(
                "{}: snippet {} has no \"merge_data\" (was the report written by `snipcheck verify --partition`?)",
                path.display(),
                snippet.id
            );
        };
        if data.claim_sources.len() != snippet.claims.len() {
            bail!(
                "{}: snippet {} has {} claims but \"merge_data\" has {} claim sources",
                path.display(),
                snippet.id,
                snippet.claims.len(),
                data.claim_sources.len()
            );
        }
    }
    Ok(Part {
        path: path.to_path_buf(),
        report: json.into_report(),
        shards,
    })
}

/// Joins the shards' reports into one. Every part must come from the same partition (scheme
/// and shard count), the same Python, virtualenv, options and notes; no shard and no snippet
/// may appear twice; every shard of `1..=N` must be there unless `allow_missing` (the merged
/// report then records the shards it covers). Errors name the files.
pub fn merge(mut parts: Vec<Part>, allow_missing: bool) -> Result<Report> {
    parts.sort_by_key(|part| part.shards.shards.first().copied().unwrap_or(0));
    let Some(first) = parts.first() else {
        bail!("no report to merge");
    };
    let name = |part: &Part| part.path.display().to_string();
    let mut owner: BTreeMap<u32, &Part> = BTreeMap::new();
    for part in &parts {
        let (a, b) = (&first.report, &part.report);
        if part.shards.scheme != first.shards.scheme || part.shards.total != first.shards.total {
            bail!(
                "{} is shard {} but {} is shard {}: merge the shards of one `--partition SCHEME:K/N` run (same scheme, same N)",
                name(part),
                part.shards.describe(),
                name(first),
                first.shards.describe()
            );
        }
        if a.python != b.python {
            bail!(
                "{} ran Python {} but {} ran Python {}: the shards must run the same Python",
                name(part),
                b.python,
                name(first),
                a.python
            );
        }
        if a.venv != b.venv {
            bail!(
                "{} and {} ran with different virtualenvs (\"venv\"): the shards must import from the same one",
                name(part),
                name(first)
            );
        }
        if a.strict != b.strict || a.strict_parse != b.strict_parse {
            bail!(
                "{} and {} were run with different options (--strict, --strict-parse): the shards must be run alike",
                name(part),
                name(first)
            );
        }
        if a.generated.is_some() != b.generated.is_some() {
            let (with, without) = if b.generated.is_some() {
                (part, first)
            } else {
                (first, part)
            };
            bail!(
                "{} compared snippets/ and expected/ but {} did not (--no-snapshots?): the shards must be run alike",
                name(with),
                name(without)
            );
        }
        if a.documents != b.documents {
            bail!(
                "{} and {} verified different notes (other paths, or notes that changed between the runs): their \"documents\" differ",
                name(part),
                name(first)
            );
        }
        for &shard in &part.shards.shards {
            if let Some(other) = owner.insert(shard, part) {
                bail!(
                    "shard {shard} of {} is in both {} and {}",
                    first.shards.total,
                    name(other),
                    name(part)
                );
            }
        }
    }
    let total = first.shards.total;
    let missing: Vec<u32> = (1..=total).filter(|k| !owner.contains_key(k)).collect();
    if !missing.is_empty() && !allow_missing {
        let noun = if missing.len() == 1 {
            "shard"
        } else {
            "shards"
        };
        let list: Vec<String> = missing.iter().map(u32::to_string).collect();
        let given: Vec<String> = parts
            .iter()
            .map(|p| format!("{} ({})", name(p), p.shards.describe()))
            .collect();
        bail!(
            "{noun} {} of {total} missing (merged: {}); pass --allow-missing to merge anyway",
            list.join(", "),
            given.join(", ")
        );
    }
    let documents = first.report.documents.clone();
    let order: HashMap<&str, usize> = documents
        .iter()
        .enumerate()
        .map(|(i, d)| (d.path.as_str(), i))
        .collect();
    let mut seen: HashMap<&str, &Part> = HashMap::new();
    let mut keyed: Vec<(usize, &SnippetReport)> = Vec::new();
    for part in &parts {
        for snippet in &part.report.snippets {
            if let Some(other) = seen.insert(snippet.id.as_str(), part) {
                bail!(
                    "snippet {} is in both {} and {}",
                    snippet.id,
                    name(other),
                    name(part)
                );
            }
            let Some(&document) = order.get(snippet.path.as_str()) else {
                bail!(
                    "{}: snippet {} is in {}, which is not among the report's \"documents\"",
                    name(part),
                    snippet.id,
                    snippet.path
                );
            };
            keyed.push((document, snippet));
        }
    }
    // The order of an unpartitioned run: documents as it read them, blocks by Markdown line.
    keyed.sort_by(|(da, a), (db, b)| (da, a.start_line, &a.id).cmp(&(db, b.start_line, &b.id)));
    let snippets: Vec<SnippetReport> = keyed.into_iter().map(|(_, s)| s.clone()).collect();
    let generated = first
        .report
        .generated
        .as_ref()
        .map(|_| merge_generated(parts.iter().filter_map(|p| p.report.generated.as_ref())));
    let sandbox = parts
        .iter()
        .map(|p| &p.report.sandbox)
        .find(|layers| !layers.is_empty())
        .cloned()
        .unwrap_or_default();
    let partition = (!missing.is_empty()).then(|| Shards {
        scheme: first.shards.scheme,
        total,
        shards: owner.keys().copied().collect(),
    });
    Ok(Report {
        python: first.report.python.clone(),
        partition,
        sandbox,
        venv: first.report.venv.clone(),
        interpreter: first.report.interpreter.clone(),
        interpreters: first.report.interpreters.clone(),
        summary: Summary::count(&documents, &snippets),
        documents,
        snippets,
        strict: first.report.strict,
        strict_parse: first.report.strict_parse,
        // The JSON format does not say whether a shard was filtered.
        filtered: false,
        generated,
    })
}

/// The shards' generated-file findings, as one run lists them: in path order, each once (every
/// shard reports the orphans, which belong to no shard).
fn merge_generated<'a>(parts: impl Iterator<Item = &'a GeneratedReport>) -> GeneratedReport {
    let mut files: BTreeSet<(PathBuf, String)> = BTreeSet::new();
    let mut orphans: BTreeSet<PathBuf> = BTreeSet::new();
    let mut rewritten = false;
    for part in parts {
        files.extend(
            part.snippet_files
                .iter()
                .map(|f| (PathBuf::from(&f.path), f.change.clone())),
        );
        orphans.extend(part.orphaned_snapshots.iter().map(PathBuf::from));
        rewritten |= part.snippet_files_rewritten;
    }
    GeneratedReport {
        snippet_files: files
            .into_iter()
            .map(|(path, change)| FileReport {
                path: path.display().to_string(),
                change,
            })
            .collect(),
        snippet_files_rewritten: rewritten,
        orphaned_snapshots: orphans
            .into_iter()
            .map(|p| p.display().to_string())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::ExpectedBy;
    use serde_json::{Value, json};

    fn snippet(id: &str, line: u32, verdict: &str) -> Value {
        json!({
            "id": id, "path": "notes/n.md", "start_line": line, "end_line": line,
            "section": null, "outcome": "raised",
            "error": {"type": "ValueError", "message": "bad", "line": line,
                      "expected_by": "claim"},
            "missing_expected_error": null, "settings": null,
            "claims": [{"line": line, "claim_line": line, "kind": "exception",
                        "claimed": "ValueError", "actual": "ValueError: bad",
                        "verdict": verdict, "normalization": null, "reason": null,
                        "after_error": false}],
            "merge_data": {"claim_sources": [format!("f({line})")],
                           "traceback": format!("Traceback: line {line}")}
        })
    }

    fn shard(shard: u32, total: u32, snippets: Vec<Value>, orphans: &[&str]) -> Value {
        json!({
            "python": "3.11.2",
            "partition": {"scheme": "hash", "total": total, "shards": [shard]},
            "sandbox": [],
            "summary": {"documents": 2, "snippets": 0, "claims": 0, "pass": 0, "loose": 0,
                        "fail": 0, "unchecked": 0, "errors": 0, "unparsable": 0},
            "documents": [{"path": "notes/n.md", "problems": []},
                          {"path": "notes/a.md", "problems": []}],
            "snippets": snippets,
            "generated": {"snippet_files": [], "snippet_files_rewritten": false,
                          "orphaned_snapshots": orphans}
        })
    }

    fn part(name: &str, value: &Value) -> Result<Part> {
        parse(Path::new(name), &value.to_string())
    }

    #[test]
    fn merge_data_restores_sources_and_tracebacks_and_is_not_rendered_again() {
        let part = part(
            "s1.json",
            &shard(1, 1, vec![snippet("n/a", 3, "pass")], &[]),
        )
        .expect("parses");
        let snippet = &part.report.snippets[0];
        assert_eq!(snippet.claims[0].source, "f(3)");
        assert_eq!(
            snippet.error.as_ref().map(|e| e.traceback.as_str()),
            Some("Traceback: line 3")
        );
        assert_eq!(
            snippet.error.as_ref().and_then(|e| e.expected_by),
            Some(ExpectedBy::Claim)
        );
        let merged = merge(vec![part], false).expect("merges");
        assert!(merged.partition.is_none());
        let text = crate::report::json::render(&merged);
        assert!(!text.contains("merge_data"), "{text}");
        assert!(!text.contains("partition"), "{text}");
    }

    #[test]
    fn merged_snippets_follow_document_then_line_order_and_are_counted_again() {
        let mut a = snippet("a/x", 5, "pass");
        a["path"] = json!("notes/a.md");
        let one = shard(
            1,
            2,
            vec![snippet("n/b", 9, "fail"), a],
            &["expected/n/gone.snap"],
        );
        let two = shard(
            2,
            2,
            vec![snippet("n/a", 2, "pass")],
            &["expected/n/gone.snap"],
        );
        let parts = vec![
            part("two.json", &two).expect("two"),
            part("one.json", &one).expect("one"),
        ];
        let merged = merge(parts, false).expect("merges");
        let ids: Vec<&str> = merged.snippets.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["n/a", "n/b", "a/x"]);
        assert_eq!(merged.summary.snippets, 3);
        assert_eq!(merged.summary.pass, 2);
        assert_eq!(merged.summary.fail, 1);
        assert_eq!(merged.summary.documents, 2);
        assert!(!merged.is_success());
        assert_eq!(
            merged.generated.map(|g| g.orphaned_snapshots),
            Some(vec!["expected/n/gone.snap".to_owned()])
        );
    }

    #[test]
    fn parts_that_do_not_fit_are_errors_naming_the_files() {
        let error = |parts: Vec<Value>, allow_missing: bool| -> String {
            let parts = parts
                .iter()
                .enumerate()
                .map(|(i, v)| part(&format!("r{i}.json"), v).expect("parses"))
                .collect();
            format!(
                "{:#}",
                merge(parts, allow_missing).expect_err("must not merge")
            )
        };
        let s = |k, n, id: &str, line| shard(k, n, vec![snippet(id, line, "pass")], &[]);
        assert!(
            error(vec![s(1, 2, "n/a", 1), s(1, 2, "n/b", 2)], false)
                .contains("shard 1 of 2 is in both r0.json and r1.json")
        );
        assert!(
            error(vec![s(1, 2, "n/a", 1), s(2, 3, "n/b", 2)], false)
                .contains("r1.json is shard hash:2/3 but r0.json is shard hash:1/2")
        );
        assert!(
            error(vec![s(1, 2, "n/a", 1), s(2, 2, "n/a", 1)], false)
                .contains("snippet n/a is in both r0.json and r1.json")
        );
        assert!(
            error(vec![s(1, 3, "n/a", 1), s(3, 3, "n/b", 2)], false)
                .contains("shard 2 of 3 missing")
        );
        let mut python = s(2, 2, "n/b", 2);
        python["python"] = json!("3.12.0");
        assert!(
            error(vec![s(1, 2, "n/a", 1), python], false)
                .contains("r1.json ran Python 3.12.0 but r0.json ran Python 3.11.2")
        );
        let mut notes = s(2, 2, "n/b", 2);
        notes["documents"][0]["problems"] = json!([{"line": 1, "message": "x"}]);
        assert!(error(vec![s(1, 2, "n/a", 1), notes], false).contains("verified different notes"));
        let mut stray = s(2, 2, "n/b", 2);
        stray["snippets"][0]["path"] = json!("notes/other.md");
        assert!(
            error(vec![s(1, 2, "n/a", 1), stray], false)
                .contains("r1.json: snippet n/b is in notes/other.md")
        );
        let partial = merge(
            vec![
                part("r0.json", &s(1, 3, "n/a", 1)).expect("r0"),
                part("r2.json", &s(3, 3, "n/b", 2)).expect("r2"),
            ],
            true,
        )
        .expect("--allow-missing merges");
        assert_eq!(
            partial.partition.map(|p| p.shards),
            Some(vec![1, 3]),
            "the merged report records what it covers"
        );
    }

    #[test]
    fn unreadable_reports_are_errors_with_file_line_and_column() {
        let error = |text: &str| {
            format!(
                "{:#}",
                parse(Path::new("out/r.json"), text).expect_err("must not parse")
            )
        };
        assert!(error("{\"python\": 3").starts_with("out/r.json:1:12: not a JSON report"));
        assert!(error("").starts_with("out/r.json:1:0: "));
        assert!(error("{}").contains("missing field"));
        let mut whole = shard(1, 1, vec![], &[]);
        whole.as_object_mut().map(|o| o.remove("partition"));
        assert!(error(&whole.to_string()).contains("the report of a whole run"));
        let mut no_data = shard(1, 1, vec![snippet("n/a", 1, "pass")], &[]);
        no_data["snippets"][0]
            .as_object_mut()
            .map(|o| o.remove("merge_data"));
        assert!(error(&no_data.to_string()).contains("snippet n/a has no \"merge_data\""));
        let mut bad = shard(1, 1, vec![snippet("n/a", 1, "pass")], &[]);
        bad["snippets"][0]["error"]["expected_by"] = json!("whoever");
        let text = bad.to_string();
        let after_word = text.find("\"whoever\"").expect("the word is in the text") + 9;
        let message = error(&text);
        assert!(
            message.starts_with(&format!("out/r.json:1:{after_word}: not a JSON report")),
            "{message}"
        );
        assert!(message.contains("unknown variant `whoever`"), "{message}");
        let mut out_of_range = shard(1, 1, vec![], &[]);
        out_of_range["partition"]["shards"] = json!([2]);
        assert!(error(&out_of_range.to_string()).contains("invalid \"partition\""));
    }

    #[test]
    fn every_expected_by_word_reads_back() {
        for by in [
            ExpectedBy::Claim,
            ExpectedBy::Config,
            ExpectedBy::NotPython,
            ExpectedBy::Needs,
            ExpectedBy::Setup,
            ExpectedBy::Exercise,
        ] {
            let mut value = snippet("n/a", 1, "pass");
            let word = by.as_str();
            value["error"]["expected_by"] = json!(word);
            let part = part("r.json", &shard(1, 1, vec![value], &[])).expect(word);
            let error = part.report.snippets[0].error.clone();
            assert_eq!(error.and_then(|e| e.expected_by), Some(by));
        }
    }
}
