//! End-to-end tests of the HTML report in a real browser: the real binary writes the report,
//! headless Chromium (Debian's `chromium`, installed by `.ci/setup`) loads it and dumps the DOM
//! after load and takes a screenshot, and the DOM is checked against the JSON report of the
//! same notes: every claim has exactly one marker with its verdict, a failing claim's diff is
//! in the marker's own `<details>`, a passing claim's marker sits on its code line and adds no
//! height to the laid-out page (measured in Chromium) while its details open on demand, the
//! summary bar's counts are the report's, and nothing a note or a snippet's output injected
//! ran or loaded.
//!
//! Chromium missing is a failure, not a skip: CI installs it.

use crate::support::{ROOT, Run, snipcheck};
use scraper::{CaseSensitivity, ElementRef, Html, Selector};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Chromium on PATH, or a failing test that says how to get it.
fn chromium() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("chromium"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "chromium is not installed: the HTML report's browser tests need it \
                 (`bash .ci/setup` installs Debian's `chromium` package)"
            )
        })
}

/// Runs headless Chromium on `page` with `args` (a fresh profile in `dir`); returns stdout.
fn headless(page: &Path, dir: &Path, args: &[&str]) -> String {
    let profile = tempfile::tempdir_in(dir).expect("profile dir");
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(
        output.status.success(),
        "chromium failed on {}:\n{}",
        page.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The DOM after load, as Chromium serializes it.
fn dump_dom(page: &Path, dir: &Path) -> Html {
    let dom = headless(page, dir, &["--dump-dom"]);
    assert!(dom.contains("</html>"), "no DOM dumped:\n{dom}");
    Html::parse_document(&dom)
}

/// A screenshot of the page, saved next to it; checks it is a PNG.
fn screenshot(page: &Path, dir: &Path, name: &str) -> PathBuf {
    let png = dir.join(name);
    headless(
        page,
        dir,
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1280,4000",
        ],
    );
    let bytes = std::fs::read(&png).expect("screenshot written");
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
        "not a real screenshot: {}",
        png.display()
    );
    png
}

fn select<'a>(html: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    let selector = Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e:?}"));
    html.select(&selector).collect()
}

fn within<'a>(element: ElementRef<'a>, css: &str) -> Vec<ElementRef<'a>> {
    let selector = Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e:?}"));
    element.select(&selector).collect()
}

fn text(element: ElementRef<'_>) -> String {
    element.text().collect()
}

/// Checks what every report must satisfy against the JSON report of the same run: one marker
/// per claim with its verdict and line, and the summary bar's counts.
fn check_markers_and_counts(dom: &Html, json: &Value) {
    let markers = select(dom, "details.claim > summary > .marker");
    let claims: usize = json["snippets"]
        .as_array()
        .expect("snippets")
        .iter()
        .map(|s| s["claims"].as_array().expect("claims").len())
        .sum();
    assert_eq!(markers.len(), claims, "one marker per claim");
    assert_eq!(select(dom, ".marker[data-verdict]").len(), claims);
    for (s, snippet) in json["snippets"]
        .as_array()
        .expect("snippets")
        .iter()
        .enumerate()
    {
        for (k, claim) in snippet["claims"]
            .as_array()
            .expect("claims")
            .iter()
            .enumerate()
        {
            let found = select(dom, &format!("#marker-{s}-{k}"));
            assert_eq!(found.len(), 1, "marker of claim {k} of {}", snippet["id"]);
            let marker = found[0].value();
            let verdict = claim["verdict"].as_str().expect("verdict");
            assert_eq!(marker.attr("data-verdict"), Some(verdict), "{claim}");
            assert!(marker.classes().any(|c| c == verdict), "{claim}");
            assert_eq!(
                marker.attr("data-line"),
                Some(claim["claim_line"].to_string().as_str()),
                "{claim}"
            );
            let icon = match verdict {
                "pass" => "✓",
                "loose" => "≈",
                "fail" => "✗",
                "unjudged" | "not-run" => "–",
                _ => "?",
            };
            assert_eq!(text(found[0]), format!("{icon} {verdict}"));
            let line = select(
                dom,
                &format!(
                    "#snippet-{s} .line[data-line=\"{}\"].claimed.{verdict}",
                    claim["claim_line"]
                ),
            );
            // A claim written inside the block marks its code line; one written outside it
            // (an output block under a label) has only its marker and details.
            let inside = (snippet["start_line"].as_u64()..=snippet["end_line"].as_u64())
                .contains(&claim["claim_line"].as_u64());
            assert_eq!(
                line.len(),
                usize::from(inside),
                "the claim line is marked: {claim}"
            );
            check_claim_form(dom, s, k, claim, inside);
        }
    }
    for key in ["pass", "loose", "fail", "unchecked", "errors", "claims"] {
        let shown = select(
            dom,
            &format!("header.summary .count[data-verdict=\"{key}\"] .n"),
        );
        assert_eq!(shown.len(), 1, "{key} count");
        assert_eq!(
            text(shown[0]),
            json["summary"][key].to_string(),
            "summary bar {key}"
        );
    }
    let python = select(dom, "header.summary .python");
    assert_eq!(
        text(python[0]),
        format!("Python {}", json["python"].as_str().expect("python"))
    );
    let active = json["sandbox"]
        .as_array()
        .expect("sandbox")
        .iter()
        .filter(|l| l["status"] == "active" && l["name"] != "floor")
        .count();
    assert_eq!(
        text(select(dom, "header.summary .sandbox .n-active")[0]),
        active.to_string()
    );
}

/// A passing claim is compact: its `<details>` sits on its code line (in the snippet's head
/// when its text is outside the block) with the marker alone as its summary; any other claim
/// is a row of its own after the line, its summary saying what it holds. Either way the
/// details hold the claimed text, line by line, and the actual output (exactly, for a passing
/// claim).
fn check_claim_form(dom: &Html, s: usize, k: usize, claim: &Value, inside: bool) {
    let found = select(dom, &format!("#claim-{s}-{k}"));
    assert_eq!(found.len(), 1, "details of {claim}");
    let details = found[0];
    let pass = claim["verdict"] == "pass";
    let holder = details
        .ancestors()
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().has_class("line", CaseSensitivity::CaseSensitive))
        .or_else(|| {
            details.ancestors().filter_map(ElementRef::wrap).find(|e| {
                e.value()
                    .has_class("snippet-head", CaseSensitivity::CaseSensitive)
            })
        });
    assert_eq!(
        details
            .value()
            .has_class("compact", CaseSensitivity::CaseSensitive),
        pass,
        "{claim}"
    );
    match holder {
        Some(holder) if pass => {
            let on_line = holder.value().attr("data-line").map(|n| n.parse::<u64>());
            match on_line {
                Some(Ok(n)) => {
                    assert!(inside, "on a code line though outside: {claim}");
                    assert!(n >= claim["claim_line"].as_u64().expect("line"), "{claim}");
                }
                _ => assert!(!inside, "in the head though inside the block: {claim}"),
            }
        }
        Some(_) => panic!("a {} claim sits on a line: {claim}", claim["verdict"]),
        None => assert!(!pass, "a passing claim has a row of its own: {claim}"),
    }
    let summary = within(details, ":scope > summary");
    assert_eq!(summary.len(), 1, "{claim}");
    let parts: Vec<ElementRef<'_>> = summary[0].children().filter_map(ElementRef::wrap).collect();
    assert_eq!(parts.len(), if pass { 1 } else { 2 }, "{claim}");
    assert!(
        parts[0]
            .value()
            .has_class("marker", CaseSensitivity::CaseSensitive)
    );
    let rows: Vec<String> = within(details, ".text.claimed pre .row")
        .into_iter()
        .map(|row| {
            let ln = text(within(row, ".ln")[0]);
            text(row)[ln.len()..].to_owned()
        })
        .collect();
    let claimed = claim["claimed"].as_str().expect("claimed");
    assert_eq!(rows, claimed.lines().collect::<Vec<_>>(), "{claim}");
    match claim["actual"].as_str() {
        Some(actual) => {
            let output = within(details, ".text.actual pre.output");
            assert_eq!(output.len(), 1, "{claim}");
            // The page and the JSON come from two runs: only a passing claim's output is
            // the same in both (another's may hold an address).
            let shown = text(output[0]);
            if pass {
                let expected = if actual.is_empty() {
                    "(nothing)"
                } else {
                    actual
                };
                assert_eq!(shown, expected, "{claim}");
            }
            assert!(!shown.is_empty(), "{claim}");
        }
        None => assert_eq!(within(details, ".never-ran").len(), 1, "{claim}"),
    }
}

/// Nothing from the notes or the outputs ran or loaded.
fn check_nothing_ran(dom: &Html) {
    let title = text(select(dom, "title")[0]);
    assert!(title.starts_with("snipcheck: "), "title changed: {title}");
    let body = select(dom, "body")[0];
    assert_eq!(
        body.value().attr("data-pwned"),
        None,
        "an injected script ran"
    );
    assert!(
        select(dom, "script").is_empty(),
        "a <script> element exists"
    );
    assert!(select(dom, "img, iframe, object, embed").is_empty());
    assert!(select(dom, "[onerror], [onmouseover], [onload]").is_empty());
    for link in select(dom, "a[href]") {
        let href = link.value().attr("href").unwrap_or("");
        assert!(!href.to_ascii_lowercase().contains("javascript:"), "{href}");
    }
}

#[test]
fn bundled_notes_report_opens_in_chromium_with_every_claim_marked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("report.html");
    let page_arg = page.display().to_string();
    let root = Path::new(ROOT);
    let Run { code, stdout, .. } = snipcheck(
        root,
        &[
            "verify",
            "--no-snapshots",
            "--format",
            "html",
            "--output",
            &page_arg,
        ],
    );
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("report written to"), "{stdout}");
    let json = snipcheck(root, &["verify", "--no-snapshots", "--format", "json"])
        .json()
        .clone();
    assert_eq!(json["summary"]["claims"], 18);

    let dom = dump_dom(&page, dir.path());
    check_markers_and_counts(&dom, &json);
    check_nothing_ran(&dom);
    let verdicts: Vec<(String, String)> = select(&dom, ".marker[data-verdict]")
        .iter()
        .map(|m| {
            (
                m.value().attr("data-verdict").unwrap_or("").to_owned(),
                m.value().attr("data-line").unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(verdicts.iter().filter(|(v, _)| v == "pass").count(), 17);
    assert_eq!(
        verdicts
            .iter()
            .filter(|(v, _)| v != "pass")
            .collect::<Vec<_>>(),
        [&("loose".to_owned(), "856".to_owned())]
    );
    let loose = select(&dom, "#marker-16-0, .marker.loose[data-line=\"856\"]");
    assert!(!loose.is_empty());
    let loose_details = select(&dom, "details.claim.loose");
    assert_eq!(loose_details.len(), 1);
    assert!(text(loose_details[0]).contains("main-prefix"));
    assert!(
        select(&dom, "details.claim[open]").is_empty(),
        "nothing fails"
    );
    assert!(text(select(&dom, "nav.toc")[0]).contains("No failing claims."));
    assert_eq!(
        select(&dom, "nav.toc a.loose")[0].value().attr("href"),
        Some(format!("#{}", loose_details[0].value().id().expect("id")).as_str())
    );
    assert_eq!(
        select(&dom, "div.snippet").len(),
        18,
        "every block annotated"
    );
    screenshot(&page, dir.path(), "bundled.png");
    keep_for_inspection(dir, "bundled");
}

/// Measures the laid-out page from inside Chromium (in a copy of the report: the report itself
/// has no script and forbids one) and writes the results as attributes of `<html>`, read back
/// from the dumped DOM: the height of `<main>` as rendered, with every passing claim opened
/// (and each opened alone), closed again and with the passing claims' details removed; the
/// passing claims whose marker is not within the row of its code line (or the snippet's head),
/// whose details body is rendered while closed, and the other claims whose summary is not
/// rendered.
const MEASURE: &str = r#"(() => {
  const root = document.documentElement;
  const height = () => String(document.querySelector('main').getBoundingClientRect().height);
  const passing = [...document.querySelectorAll('details.claim.pass')];
  const others = [...document.querySelectorAll('details.claim:not(.pass)')];
  root.dataset.passing = passing.length;
  root.dataset.closed = height();
  const offRow = [], shown = [], hidden = [], each = [];
  for (const d of passing) {
    const holder = d.closest('.line, .snippet-head');
    if (!holder) { offRow.push(d.id); continue; }
    const row = holder.getBoundingClientRect();
    const m = d.querySelector(':scope > summary > .marker').getBoundingClientRect();
    if (m.height === 0 || m.top < row.top || m.bottom > row.bottom) offRow.push(d.id);
    if (d.querySelector(':scope > .claim-body').checkVisibility()) shown.push(d.id);
    d.open = true;
    each.push(Number(height()) - Number(root.dataset.closed));
    d.open = false;
  }
  for (const d of others) {
    if (!d.querySelector(':scope > summary').checkVisibility()) hidden.push(d.id);
  }
  root.dataset.offRow = offRow.join(' ');
  root.dataset.bodyShown = shown.join(' ');
  root.dataset.othersHidden = hidden.join(' ');
  root.dataset.eachOpen = each.join(' ');
  passing.forEach(d => d.open = true);
  root.dataset.open = height();
  passing.forEach(d => d.open = false);
  root.dataset.reclosed = height();
  passing.forEach(d => d.remove());
  root.dataset.without = height();
})();"#;

/// The measurements `MEASURE` took of `page` in Chromium, by name.
fn measure(page: &Path, dir: &Path) -> std::collections::HashMap<String, String> {
    let report = std::fs::read_to_string(page).expect("report");
    let csp = format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    );
    assert!(report.contains(&csp), "the report's policy changed");
    let measured = report
        .replace(&csp, "")
        .replace("</body>", &format!("<script>{MEASURE}</script>\n</body>"));
    let copy = dir.join("measured.html");
    std::fs::write(&copy, measured).expect("write the measuring copy");
    let dom = headless(&copy, dir, &["--dump-dom", "--window-size=1280,4000"]);
    let dom = Html::parse_document(&dom);
    let root = select(&dom, "html")[0];
    root.value()
        .attrs()
        .filter_map(|(name, value)| {
            name.strip_prefix("data-")
                .map(|n| (n.to_owned(), value.to_owned()))
        })
        .collect()
}

/// Issue 18 part 4: passing claims do not add a row each. On the bundled notes, measured in
/// Chromium: the page is exactly as tall with the passing claims' details as without them
/// (each is a marker within its code line's row, its body not rendered), and opening them
/// shows their details; the loose claim keeps its visible row; and every passing claim's
/// claimed and actual text is in the page (`check_markers_and_counts`).
#[test]
fn passing_claims_add_no_rows_and_open_on_demand() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("report.html");
    let page_arg = page.display().to_string();
    let root = Path::new(ROOT);
    let Run { code, stdout, .. } = snipcheck(
        root,
        &[
            "verify",
            "--no-snapshots",
            "--format",
            "html",
            "--output",
            &page_arg,
        ],
    );
    assert_eq!(code, 0, "{stdout}");
    let json = snipcheck(root, &["verify", "--no-snapshots", "--format", "json"])
        .json()
        .clone();
    let dom = Html::parse_document(&std::fs::read_to_string(&page).expect("page"));
    let _ = &dom;

    let m = measure(&page, dir.path());
    let get = |name: &str| {
        m.get(name)
            .unwrap_or_else(|| panic!("no measurement {name}: {m:?}"))
            .as_str()
    };
    let px = |name: &str| -> f64 {
        get(name)
            .parse()
            .unwrap_or_else(|e| panic!("{name}: {e}: {m:?}"))
    };
    assert_eq!(get("passing"), json["summary"]["pass"].to_string(), "{m:?}");
    assert_eq!(get("passing"), "17");
    assert_eq!(get("off-row"), "", "markers off their code line's row");
    assert_eq!(get("body-shown"), "", "passing details shown while closed");
    assert_eq!(
        get("others-hidden"),
        "",
        "a non-passing claim's row is hidden"
    );
    assert!(px("closed") > 10_000.0, "{m:?}");
    assert_eq!(
        get("closed"),
        get("without"),
        "passing claims change the page's height"
    );
    assert_eq!(get("closed"), get("reclosed"), "{m:?}");
    let each: Vec<f64> = get("each-open")
        .split(' ')
        .map(|n| n.parse().expect("a height"))
        .collect();
    assert_eq!(each.len(), 17, "{m:?}");
    assert!(
        each.iter().all(|&grown| grown >= 80.0),
        "opening a passing claim shows its details: {m:?}"
    );
    assert!(
        px("open") - px("closed") >= each.iter().sum::<f64>() - 1.0,
        "{m:?}"
    );
    eprintln!(
        "bundled notes: <main> {} px tall; passing claims' details add {} px closed, {} px opened",
        px("closed"),
        px("closed") - px("without"),
        px("open") - px("closed")
    );
    keep_for_inspection(dir, "measured");
}

#[test]
fn a_failing_claim_is_one_click_from_its_diff_and_nothing_injected_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fixture = Path::new(ROOT).join("tests/html/failing.md");
    let fixture = fixture.display().to_string();
    let page = dir.path().join("failing.html");
    let page_arg = page.display().to_string();
    let Run { code, .. } = snipcheck(
        dir.path(),
        &[
            "verify",
            &fixture,
            "--no-snapshots",
            "--format",
            "html",
            "--output",
            &page_arg,
        ],
    );
    assert_eq!(code, 1, "the fixture fails");
    let json = snipcheck(dir.path(), &["verify", &fixture, "--format", "json"])
        .json()
        .clone();
    let summary = &json["summary"];
    assert_eq!(
        (&summary["fail"], &summary["loose"], &summary["unchecked"]),
        (&Value::from(2), &Value::from(1), &Value::from(1))
    );

    let dom = dump_dom(&page, dir.path());
    check_markers_and_counts(&dom, &json);
    check_nothing_ran(&dom);

    // The note's raw HTML and the hostile outputs are on the page, as text.
    let raw = text(select(&dom, "pre.raw-html")[0]);
    assert!(
        raw.contains("<script>document.title='PWNED'</script>"),
        "{raw}"
    );
    assert!(text(select(&dom, "code.raw-html")[0]).contains("onerror="));
    let script_line = select(&dom, ".line[data-line=\"17\"] code");
    assert!(text(script_line[0]).contains("print(\"<script>document.title='PWNED'</script>\")"));
    let output = select(&dom, "#claim-0-3 pre.output");
    assert_eq!(
        text(output[0]),
        "<img src=x onerror=document.body.setAttribute('data-pwned',3)>"
    );
    let error = select(&dom, "#error-1")[0];
    assert!(text(error).contains("ValueError: <b onmouseover=alert(1)>bad</b>"));
    assert!(
        text(error).contains("line 35, in <module>"),
        "traceback lines"
    );
    assert!(
        error.value().attr("open").is_some(),
        "an unexpected error is expanded"
    );

    // From the table of contents, one click reaches the failing claim, whose own details
    // (expanded) hold the diff; its summary is the marker.
    let links = select(&dom, "nav.toc ul.failing a.fail");
    assert_eq!(links.len(), 2);
    let href = links[0].value().attr("href").expect("href");
    let target = select(&dom, href);
    assert_eq!(target.len(), 1, "{href}");
    let details = target[0];
    assert_eq!(details.value().name(), "details");
    assert!(details.value().attr("open").is_some());
    let marker = within(details, ":scope > summary > .marker.fail");
    assert_eq!(marker.len(), 1);
    assert_eq!(marker[0].value().attr("data-line"), Some("16"));
    let diff = within(details, ".diff");
    assert_eq!(diff.len(), 1);
    let del = text(within(diff[0], ".row.del")[0]);
    let ins = text(within(diff[0], ".row.ins")[0]);
    assert!(
        del.starts_with("16−") && del.contains("4 - wrong on purpose"),
        "{del}"
    );
    assert!(ins.ends_with("3"), "{ins}");
    // The multi-line failing claim: the diff emphasizes the changed line's Markdown line.
    let multi = select(&dom, "details.claim.fail .marker[data-line=\"24\"]");
    assert_eq!(multi.len(), 1);
    let rows = select(&dom, "#claim-0-5 .diff .row.del");
    assert_eq!(text(rows[0]), "25−B");
    // The unchecked claim says why; the loose one names its normalization.
    assert!(text(select(&dom, "#claim-2-1")[0]).contains("sys.exit(3) ended the script"));
    assert!(text(select(&dom, "#claim-0-4 .normalization")[0]).contains("main-prefix"));
    // Passing claims start closed, failing ones open.
    assert!(select(&dom, "#claim-0-0")[0].value().attr("open").is_none());
    screenshot(&page, dir.path(), "failing.png");
    keep_for_inspection(dir, "failing");
}

#[test]
fn inspect_html_expands_the_inspected_claims() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fixture = Path::new(ROOT).join("tests/html/failing.md");
    let target = format!("{}:22", fixture.display());
    let page = dir.path().join("inspect.html");
    let page_arg = page.display().to_string();
    let Run { code, stdout, .. } =
        snipcheck(dir.path(), &["inspect", &target, "--html", &page_arg]);
    assert_eq!(code, 0, "a loose claim is not failing:\n{stdout}");
    assert!(stdout.contains("HTML report written to"), "{stdout}");
    let html = Html::parse_document(&std::fs::read_to_string(&page).expect("page written"));
    let open: Vec<&str> = select(&html, "details[open]")
        .iter()
        .filter_map(|d| d.value().id())
        .collect();
    assert_eq!(open, ["claim-0-4"], "only the inspected claim is expanded");
    assert_eq!(
        select(&html, "#claim-0-4 .marker")[0]
            .value()
            .attr("data-line"),
        Some("22")
    );
}

#[test]
fn every_fixture_report_marks_every_claim_on_its_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fixtures = Path::new(ROOT).join("tests/fixtures");
    let mut checked = 0;
    for entry in std::fs::read_dir(&fixtures).expect("fixtures") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "md" && e != "rst") {
            continue;
        }
        let fixture = path.display().to_string();
        let page = dir.path().join("page.html");
        let page_arg = page.display().to_string();
        snipcheck(
            dir.path(),
            &[
                "verify", &fixture, "--format", "html", "--output", &page_arg,
            ],
        );
        let json = snipcheck(dir.path(), &["verify", &fixture, "--format", "json"])
            .json()
            .clone();
        let html = Html::parse_document(&std::fs::read_to_string(&page).expect("page"));
        check_markers_and_counts(&html, &json);
        assert_eq!(
            select(&html, "div.snippet").len(),
            json["snippets"].as_array().expect("snippets").len(),
            "{fixture}: every block annotated"
        );
        checked += 1;
    }
    assert!(checked >= 10, "fixtures found: {checked}");
}

/// Keeps the test's directory (report and screenshots) when `SNIPCHECK_KEEP_HTML` is set, to
/// look at the screenshots; otherwise it is removed.
fn keep_for_inspection(dir: tempfile::TempDir, name: &str) {
    if std::env::var_os("SNIPCHECK_KEEP_HTML").is_some() {
        let kept = dir.keep();
        eprintln!("{name}: report and screenshot kept in {}", kept.display());
    }
}
