#!/usr/bin/python3.11
"""Measures snipcheck on the public documents of tests/corpus/ against their hand counts.

For every document with a `<name>.claims.toml` beside it, this runs

    snipcheck verify --no-snapshots --format json <document>

and compares what snipcheck reports with the hand count (see README.md in this directory):

- the run: exit code 0 or 1 is fine, 2, a signal or a panic is a failure;
- claims: every reported claim's `claim_line` is matched against the hand-counted claims (a
  claim matches when its line falls inside the claim's text, `line`..`end`); unmatched reported
  claims are false positives, unmatched hand-counted claims false negatives; claims in
  `[[neutral]]` spans count neither way. Precision and recall must each be at least 95%;
- blocks: every hand-counted Python block must appear as a snippet starting on its first code
  line, reported `unparsable` exactly when it does not parse (blocks in fences without an info
  string are listed, not required);
- sessions: every hand-counted doctest-style block is run by CPython's own doctest (a
  `DocTestRunner` with default option flags, in a subprocess of this interpreter, in an empty
  temporary directory) and its failing examples must be exactly the ones snipcheck fails.

Prints a table and the details, and exits 1 when any document fails any of these.
Standard library only; run it with /usr/bin/python3.11:

    /usr/bin/python3.11 tests/corpus/evaluate.py [--snipcheck PATH] [--json FILE] [DOC...]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
THRESHOLD = 0.95

# Runs one block under CPython's doctest and prints each example's verdict as JSON.
DOCTEST_CHILD = r"""
import doctest, json, sys
source = sys.stdin.read()
results = []
try:
    examples = doctest.DocTestParser().get_examples(source, "block")
except ValueError as exc:
    print("\x00RESULT" + json.dumps({"error": str(exc)}))
    sys.exit(0)

class Runner(doctest.DocTestRunner):
    def report_start(self, out, test, example):
        pass
    def report_success(self, out, test, example, got):
        results.append({"lineno": example.lineno, "verdict": "success", "want": bool(example.want or example.exc_msg)})
    def report_failure(self, out, test, example, got):
        results.append({"lineno": example.lineno, "verdict": "failure", "want": bool(example.want or example.exc_msg)})
    def report_unexpected_exception(self, out, test, example, exc_info):
        results.append({"lineno": example.lineno, "verdict": "exception", "want": bool(example.want or example.exc_msg)})

real_stdout = sys.stdout
test = doctest.DocTest(examples, {"__name__": "__main__"}, "block", "block", 0, source)
try:
    Runner(verbose=False).run(test, out=lambda text: None, clear_globs=False)
except SystemExit:
    pass
skipped = [e.lineno for e in examples if e.options.get(doctest.SKIP)]
real_stdout.write("\x00RESULT" + json.dumps({"examples": results, "skipped": skipped}) + "\n")
real_stdout.flush()
"""


@dataclass
class Claim:
    line: int
    end: int
    note: str = ""
    fence: str = ""


@dataclass
class Result:
    doc: str
    style: str
    ran: str = ""  # why the run failed, empty when it did not
    exit_code: int | None = None
    blocks: int = 0
    block_problems: list = field(default_factory=list)
    block_info: list = field(default_factory=list)
    hand_claims: int = 0
    tool_claims: int = 0
    tp: int = 0
    fps: list = field(default_factory=list)
    fns: list = field(default_factory=list)
    neutral_hits: list = field(default_factory=list)
    neutral_total: int = 0
    doctest_blocks: int = 0
    doctest_examples: int = 0
    doctest_disagreements: list = field(default_factory=list)
    doctest_info: list = field(default_factory=list)
    verdicts: dict = field(default_factory=dict)

    @property
    def precision(self):
        found = self.tp + len(self.fps)
        return self.tp / found if found else 1.0

    @property
    def recall(self):
        return self.tp / self.hand_claims if self.hand_claims else 1.0

    @property
    def failed(self):
        return bool(
            self.ran
            or self.block_problems
            or self.precision < THRESHOLD
            or self.recall < THRESHOLD
            or self.doctest_disagreements
        )


def doc_for(toml_path: Path) -> Path:
    stem = toml_path.name[: -len(".claims.toml")]
    for ext in (".md", ".rst"):
        candidate = toml_path.with_name(stem + ext)
        if candidate.exists():
            return candidate
    raise SystemExit(f"{toml_path}: no {stem}.md or {stem}.rst beside it")


def run_snipcheck(snipcheck: str, doc: Path, timeout: float):
    """Runs verify in an empty directory, so no snipcheck.toml applies."""
    with tempfile.TemporaryDirectory(prefix="snipcheck-corpus-") as cwd:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SNIPCHECK")}
        env["NO_COLOR"] = "1"
        try:
            proc = subprocess.run(
                [snipcheck, "verify", "--no-snapshots", "--format", "json", str(doc)],
                cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return None, None, f"timed out after {timeout:.0f} s"
    if "panicked" in proc.stderr:
        return proc.returncode, None, "panicked: " + proc.stderr.strip().splitlines()[-1]
    if proc.returncode not in (0, 1):
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        return proc.returncode, None, f"exit code {proc.returncode}: {tail}"
    try:
        return proc.returncode, json.loads(proc.stdout), ""
    except json.JSONDecodeError as exc:
        return proc.returncode, None, f"the JSON report does not parse: {exc}"


def block_text(lines: list[str], first: int, rst: bool) -> str:
    """The text of the block whose first code line is `first`, as its own document."""
    if rst:
        indent = len(lines[first - 1]) - len(lines[first - 1].lstrip())
        body = []
        for line in lines[first - 1:]:
            if line.strip() and len(line) - len(line.lstrip()) < indent:
                break
            body.append(line)
        while body and not body[-1].strip():
            body.pop()
        return textwrap.dedent("\n".join(body)) + "\n"
    fence = lines[first - 2]
    depth = 0
    quote = re.compile(r"^ {0,3}> ?")
    while quote.match(fence) and not re.match(r"^\s*>>>", fence):
        fence = fence[quote.match(fence).end():]
        depth += 1
    indent = len(fence) - len(fence.lstrip())
    marker = fence.lstrip()[:3]
    body = []
    for line in lines[first - 1:]:
        for _ in range(depth):
            m = quote.match(line)
            if m:
                line = line[m.end():]
        if line.strip().startswith(marker) and set(line.strip()) <= {marker[0]}:
            break
        body.append(line[indent:] if not line[:indent].strip() else line.lstrip())
    return "\n".join(body) + "\n"


def run_doctest(text: str, timeout: float):
    with tempfile.TemporaryDirectory(prefix="doctest-corpus-") as cwd:
        try:
            proc = subprocess.run(
                [sys.executable, "-I", "-c", DOCTEST_CHILD], input=text, cwd=cwd,
                capture_output=True, text=True, timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return {"error": f"doctest timed out after {timeout:.0f} s"}
    for line in proc.stdout.splitlines():
        if line.startswith("\x00RESULT"):
            return json.loads(line[len("\x00RESULT"):])
    return {"error": f"doctest child ended without a result (exit {proc.returncode}): {proc.stderr.strip()[-200:]}"}


def evaluate(toml_path: Path, snipcheck: str, timeout: float) -> Result:
    doc = doc_for(toml_path)
    rst = doc.suffix == ".rst"
    hand = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    lines = doc.read_text(encoding="utf-8").split("\n")
    text_of = lambda n: lines[n - 1].strip() if 0 < n <= len(lines) else "?"
    res = Result(doc=str(doc.relative_to(REPO)), style=doc.parent.name)

    claims = [Claim(c["line"], c.get("end", c["line"]), c.get("note", ""), c.get("fence", "")) for c in hand.get("claim", [])]
    neutral = [(n["line"], n.get("end", n["line"]), n["reason"]) for n in hand.get("neutral", [])]
    blocks = hand.get("block", [])
    res.hand_claims = len(claims)
    res.neutral_total = len(neutral)
    res.blocks = len(blocks)

    code, report, problem = run_snipcheck(snipcheck, doc, timeout)
    res.exit_code = code
    if problem:
        res.ran = problem
        res.fns = [(c.line, text_of(c.line), c.note, "no report") for c in claims]
        return res

    snippets = [s for s in report["snippets"] if Path(s["path"]).name == doc.name]
    by_start = {s["start_line"]: s for s in snippets}
    reported = sorted(
        ((cl["claim_line"], cl, s) for s in snippets for cl in s["claims"]),
        key=lambda t: (t[0], t[1]["line"]),
    )
    res.tool_claims = len(reported)
    for s in snippets:
        for cl in s["claims"]:
            res.verdicts[cl["verdict"]] = res.verdicts.get(cl["verdict"], 0) + 1

    # Claims: a reported claim matches the first unmatched hand-counted claim whose text span
    # holds its claim_line.
    matched: set[int] = set()
    for claim_line, cl, s in reported:
        hit = next((i for i, c in enumerate(claims) if i not in matched and c.line <= claim_line <= c.end), None)
        if hit is not None:
            matched.add(hit)
            res.tp += 1
            continue
        n = next((n for n in neutral if n[0] <= claim_line <= n[1]), None)
        if n is not None:
            res.neutral_hits.append((claim_line, text_of(claim_line), n[2]))
            continue
        dup = next((c for c in claims if c.line <= claim_line <= c.end), None)
        why = "a second claim on one hand-counted claim" if dup else ""
        res.fps.append((claim_line, text_of(claim_line), cl["kind"], cl["line"], cl["claimed"], why))
    for i, c in enumerate(claims):
        if i not in matched:
            s = next((s for s in snippets if s["start_line"] <= c.line <= s["end_line"]), None)
            where = f"in snippet {s['id']} ({s['outcome']})" if s else "in no snippet"
            res.fns.append((c.line, text_of(c.line), c.note, where))

    # Blocks.
    known = set()
    for b in blocks:
        known.add(b["line"])
        s = by_start.get(b["line"])
        label = f"line {b['line']}: {text_of(b['line'])[:60]}"
        if b.get("fence") == "unlabelled":
            res.block_info.append(f"{label}: fence without info string, {'run as ' + s['outcome'] if s else 'not run'}")
            continue
        if b.get("role") == "output" and s is None:
            # A python fence holding output text: classified right when snipcheck read it as
            # the output of the block before it (an output block, not a snippet).
            continue
        if s is None:
            res.block_problems.append(f"{label}: no snippet starts here" + (f" ({b['note']})" if b.get("note") else ""))
        elif not b["parses"] and s["outcome"] != "unparsable":
            res.block_problems.append(f"{label}: does not parse, reported {s['outcome']}")
        elif b["parses"] and s["outcome"] == "unparsable":
            msg = (s.get("error") or {}).get("message", "")
            res.block_problems.append(f"{label}: parses{' (a session)' if b['session'] else ''}, reported unparsable: {msg[:80]}")
    for s in snippets:
        if s["start_line"] not in known:
            res.block_info.append(f"extra snippet {s['id']} at line {s['start_line']} ({s['outcome']}): {text_of(s['start_line'])[:60]}")

    # Sessions against CPython's doctest.
    for b in blocks:
        if not b["session"] or b.get("fence") == "unlabelled":
            continue
        s = by_start.get(b["line"])
        if s is None:
            continue
        res.doctest_blocks += 1
        first = b["line"]
        outcome = run_doctest(block_text(lines, first, rst), timeout)
        if "error" in outcome:
            agrees = s["outcome"] == "unparsable"
            entry = f"line {first}: doctest: {outcome['error'][:100]}; snipcheck: {s['outcome']}"
            (res.doctest_info if agrees else res.doctest_disagreements).append(entry)
            continue
        tool = {cl["line"]: cl for cl in s["claims"]}
        for ex in outcome["examples"]:
            at = first + ex["lineno"]
            if not ex["want"]:
                if ex["verdict"] == "failure":
                    res.doctest_info.append(
                        f"line {at}: shows no output but prints some: doctest fails it; snipcheck reports "
                        f"{'error ' + s['error']['type'] if s.get('error') else 'nothing'} ({s['outcome']})"
                    )
                elif ex["verdict"] == "exception":
                    res.doctest_info.append(
                        f"line {at}: shows no output but raises: doctest fails it; snipcheck reports "
                        f"{'error ' + s['error']['type'] if s.get('error') else 'nothing'} ({s['outcome']})"
                    )
                continue
            res.doctest_examples += 1
            cl = tool.get(at)
            want = "pass" if ex["verdict"] == "success" else "fail"
            if cl is None:
                res.doctest_disagreements.append(
                    f"line {at}: {text_of(at)[:60]}: doctest {ex['verdict']}, snipcheck has no claim on it ({s['outcome']})"
                )
            elif cl["verdict"] != want:
                res.doctest_disagreements.append(
                    f"line {at}: {text_of(at)[:60]}: doctest {ex['verdict']}, snipcheck {cl['verdict']}"
                    + (f" ({cl['reason']})" if cl.get("reason") else "")
                )
    return res


def pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def print_report(results: list[Result], out=sys.stdout) -> None:
    w = lambda s="": print(s, file=out)
    head = f"{'document':44} {'exit':>4} {'blocks':>6} {'blk!':>4} {'hand':>5} {'found':>5} {'TP':>4} {'FP':>4} {'FN':>4} {'prec':>6} {'recall':>6} {'neut':>5} {'doctest':>9} {'':>6}"
    w(head)
    w("-" * len(head))
    for r in results:
        dt = f"{r.doctest_examples - len([d for d in r.doctest_disagreements])}/{r.doctest_examples}" if not r.ran else "-"
        w(
            f"{r.doc[len('tests/corpus/'):]:44} {str(r.exit_code):>4} {r.blocks:>6} {len(r.block_problems):>4} {r.hand_claims:>5} "
            f"{r.tool_claims:>5} {r.tp:>4} {len(r.fps):>4} {len(r.fns):>4} {pct(r.precision):>6} {pct(r.recall):>6} "
            f"{len(r.neutral_hits):>2}/{r.neutral_total:<2} {dt:>9} {'FAIL' if r.failed else 'ok':>6}"
        )
    tp = sum(r.tp for r in results)
    fp = sum(len(r.fps) for r in results)
    fn = sum(len(r.fns) for r in results)
    w("-" * len(head))
    w(
        f"{'all':44} {'':>4} {sum(r.blocks for r in results):>6} {sum(len(r.block_problems) for r in results):>4} "
        f"{sum(r.hand_claims for r in results):>5} {sum(r.tool_claims for r in results):>5} {tp:>4} {fp:>4} {fn:>4} "
        f"{pct(tp / (tp + fp) if tp + fp else 1):>6} {pct(tp / (tp + fn) if tp + fn else 1):>6}"
    )
    w("blk! = hand-counted blocks not classified as counted (missing, or unparsable status wrong); "
      "neut = reported claims in neutral spans / neutral spans; doctest = examples with output where "
      "snipcheck's verdict agrees with CPython's doctest / compared")
    for r in results:
        w()
        w(f"== {r.doc}  (verdicts: {', '.join(f'{k} {v}' for k, v in sorted(r.verdicts.items())) or '-'})")
        if r.ran:
            w(f"  RUN FAILED: {r.ran}")
        for title, items in (
            ("false positives (line: text | kind, statement line, claimed)", [
                f"{l}: {t[:70]} | {k} on {sl}, claimed {c[:50]!r}{' | ' + why if why else ''}" for l, t, k, sl, c, why in r.fps]),
            ("false negatives (line: text | note | where)", [
                f"{l}: {t[:70]}{' | ' + n if n else ''} | {where}" for l, t, n, where in r.fns]),
            ("block problems", r.block_problems),
            ("doctest disagreements", r.doctest_disagreements),
            ("reported claims in neutral spans", [f"{l}: {t[:60]} | {why[:60]}" for l, t, why in r.neutral_hits]),
            ("blocks, for information", r.block_info),
            ("doctest, for information", r.doctest_info),
        ):
            if items:
                w(f"  {title}: {len(items)}")
                for item in items:
                    w(f"    {item}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snipcheck", default=os.environ.get("SNIPCHECK_BIN", str(REPO / "target/release/snipcheck")))
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per snipcheck run (and per doctest block)")
    parser.add_argument("docs", nargs="*", help="only these documents (paths or names)")
    args = parser.parse_args()
    if not Path(args.snipcheck).exists():
        print(f"no snipcheck binary at {args.snipcheck} (build it, or pass --snipcheck)", file=sys.stderr)
        return 2
    tomls = sorted(HERE.glob("*/*.claims.toml"))
    if args.docs:
        tomls = [t for t in tomls if any(d in str(t) or d in t.name for d in args.docs)]
    results = [evaluate(t, args.snipcheck, args.timeout) for t in tomls]
    print_report(results)
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ | {"precision": r.precision, "recall": r.recall} for r in results], indent=1, default=str))
    failed = [r.doc for r in results if r.failed]
    print()
    print(f"result: {'FAIL (' + ', '.join(failed) + ')' if failed else 'ok'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
