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

A truth file may label only part of its document (`[document] labelled = [first, last]`):
snippets starting, and claims reported, outside that range are then not graded.

Verdicts (issue 12) are graded against the labelled truth of each claim (`truth = "holds" |
"wrong" | "unjudgeable"`) and the `[[trap]]`s: false fails (a `fail` on a claim that holds or
cannot be judged, on a reported claim that matches no labelled claim, or on a trap), real errors
flagged (`wrong` claims without `needs` that snipcheck fails), the unchecked verdicts by reason,
and traps taken. Claims without `truth` are detection-only ("unlabelled").

Documents under sealed/ form the sealed set, those under opened/ the opened set (a former
sealed set, seen since), the others the tuned set; `--set` picks which (default tuned; the
sealed and opened sets are evaluated only when asked for by name).

Prints a table and the details, and exits 1 when any document fails any of the detection
checks above, or, with --enforce-verdicts, when a set misses a verdict threshold of issue 12.
Standard library only; run it with /usr/bin/python3.11:

    /usr/bin/python3.11 tests/corpus/evaluate.py [--set tuned|opened|sealed|all] [--enforce-verdicts]
        [--snipcheck PATH] [--json FILE] [DOC...]
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
SEALED = HERE / "sealed"
# The interpreter every truth file was labelled with (tests/corpus/README.md).
LABELLED_WITH = "/usr/bin/python3.11"
OPENED = HERE / "opened"
SETS = ("tuned", "opened", "sealed")

# Issue 12's verdict thresholds, per set: (false fails / all fails at most, real errors flagged
# at least, claims found at least, traps taken at most).
VERDICT_THRESHOLDS = {
    "tuned": {"false_fail_rate": 0.05, "real_errors_flagged": 1.00, "claims_found": 0.90, "traps_taken": 0.02},
    "opened": {"false_fail_rate": 0.05, "real_errors_flagged": 0.95, "claims_found": 0.90, "traps_taken": 0.02},
    "sealed": {"false_fail_rate": 0.05, "real_errors_flagged": 0.95, "claims_found": 0.90, "traps_taken": 0.02},
}
TRUTHS = ("holds", "wrong", "unjudgeable")
KINDS = ("comment", "assignment", "output-block", "session", "marker", "answer", "exception")
REASONS = ("unstable", "other-version", "needs")

# Runs one block under CPython's doctest and prints each example's verdict as JSON.
DOCTEST_CHILD = r"""
import contextlib, doctest, io, json, sys
def repl(examples):
    # As the author typed them: an example the REPL would still be reading (a statement typed
    # without `...` prompts) takes the following lines as its continuation (codeop is the
    # REPL's own test of a complete statement).
    import codeop
    def complete(code):
        try:
            return codeop.compile_command(code, "<s>", "single") is not None
        except (SyntaxError, ValueError, OverflowError):
            return True
    out = []
    for ex in examples:
        if ex.want and not complete(ex.source):
            lines = ex.want.splitlines(keepends=True)
            code = ex.source
            for k in range(len(lines)):
                code += lines[k]
                if complete(code[:-1] if code.endswith("\n") else code) or (k == len(lines) - 1 and complete(code)):
                    rest = "".join(lines[k + 1:])
                    m = doctest.DocTestParser._EXCEPTION_RE.match(rest)
                    ex = doctest.Example(code, rest, m.group("msg") if m else None, ex.lineno, ex.indent, ex.options)
                    break
        out.append(ex)
    return out

request = json.loads(sys.stdin.read())
source = request["source"]
globs = {"__name__": "__main__"}
# The earlier blocks snipcheck ran this one after (its `continues`), run first as a reader would
# have run them, their output and errors discarded.
for cell in request["context"]:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            if cell["session"]:
                for example in repl(doctest.DocTestParser().get_examples(cell["code"])):
                    try:
                        exec(compile(example.source, "<context>", "single"), globs)
                    except BaseException:
                        pass
            else:
                exec(compile(cell["code"], "<context>", "exec"), globs)
        except BaseException:
            pass
results = []

def as_typed(source):
    # As the REPL showed it: `>>> ` with its space (`>>>f(x)` is the author's typo of it).
    import re
    return re.sub(r"(?m)^([ \t]*)>>>(?=[^\s>])", r"\1>>> ", source)

def orphan_errors(examples, source):
    # An example with no output, then a blank line, then an error display before the next
    # prompt: the REPL printed it right under the example (it never prints that blank line).
    import re
    lines = source.split("\n")
    last_line = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Warning|Exit|Interrupt)\b(:.*)?$")
    for i, ex in enumerate(examples):
        if ex.want:
            continue
        end = ex.lineno + ex.source.count("\n")
        stop = examples[i + 1].lineno if i + 1 < len(examples) else len(lines)
        k = end
        while k < stop and not lines[k].strip():
            k += 1
        shown = lines[k:stop]
        while shown and not shown[-1].strip():
            shown.pop()
        if k == end or not shown:
            continue
        first, last = shown[0].strip(), shown[-1].strip()
        if not ((first.startswith(("Traceback (most recent call last):", 'File "')) or len(shown) == 1) and last_line.match(last)):
            continue
        indent = min(len(l) - len(l.lstrip()) for l in shown if l.strip())
        ex.want = "".join(l[indent:] + "\n" for l in shown)
        found = doctest.DocTestParser._EXCEPTION_RE.match(ex.want)
        ex.exc_msg = found.group("msg") if found else None
    return examples

try:
    source = as_typed(source)
    examples = repl(orphan_errors(doctest.DocTestParser().get_examples(source, "block"), source))
except ValueError as exc:
    print("\x00RESULT" + json.dumps({"error": str(exc)}))
    sys.exit(0)

class Runner(doctest.DocTestRunner):
    def run(self, test, compileflags=None, out=None, clear_globs=True):
        # As the REPL shows it: what an example writes to stderr (a logging handler's line)
        # appears among its output, which doctest alone would not see; an example whose
        # expected output is its stdout and stderr together holds.
        saved = sys.stderr
        sys.stderr = self._err = io.StringIO()
        try:
            return super().run(test, compileflags, out, clear_globs)
        finally:
            sys.stderr = saved
    def report_start(self, out, test, example):
        self._err.seek(0)
        self._err.truncate()
    def report_success(self, out, test, example, got):
        results.append({"lineno": example.lineno, "verdict": "success", "want": bool(example.want or example.exc_msg)})
    def report_failure(self, out, test, example, got):
        err = self._err.getvalue()
        if err.strip() and any(self._checker.check_output(example.want, both, self.optionflags) for both in (got + err, err + got)):
            results.append({"lineno": example.lineno, "verdict": "success", "want": True})
            return
        # An exception whose traceback body doctest cannot read (an unindented `File` line)
        # holds when the last line shown is the one the interpreter printed.
        shown = [l.strip() for l in (example.want + (example.exc_msg or "")).splitlines() if l.strip()]
        printed = [l.strip() for l in got.splitlines() if l.strip()]
        if got.startswith("Traceback (most recent call last):") and shown and printed and shown[-1] == printed[-1]:
            results.append({"lineno": example.lineno, "verdict": "success", "want": True})
            return
        results.append({"lineno": example.lineno, "verdict": "failure", "want": bool(example.want or example.exc_msg)})
    def report_unexpected_exception(self, out, test, example, exc_info):
        # As a reader reads a session: an exception shown without doctest's traceback header
        # holds when its last line is the last line the interpreter prints for it.
        import traceback
        shown = [l.strip() for l in example.want.splitlines() if l.strip()]
        printed = traceback.format_exception_only(exc_info[0], exc_info[1])[-1].strip()
        if example.exc_msg is None and shown and shown[-1] == printed:
            results.append({"lineno": example.lineno, "verdict": "success", "want": True})
            return
        results.append({"lineno": example.lineno, "verdict": "exception", "want": bool(example.want or example.exc_msg)})

# An exercise's `?` (or `???`, `...`, `TODO`) where the answer would go asks the reader: as
# readers take it, the example shows no expected output.
for ex in examples:
    if ex.want.strip() in ("...", "\u2026", "TODO", "todo") or (ex.want.strip() and set(ex.want.strip()) == {"?"}):
        ex.want = ""

real_stdout = sys.stdout
test = doctest.DocTest(examples, globs, "block", "block", 0, source)
# As the REPL compiles: a `from __future__ import` at an earlier prompt holds for later ones.
doctest.compile = lambda src, fn, mode, flags=0, dont_inherit=False: compile(src, fn, mode, flags | doctest._extract_future_flags(test.globs), dont_inherit)
try:
    Runner(verbose=False).run(test, out=lambda text: None, clear_globs=False)
except SystemExit:
    pass
skipped = [e.lineno for e in examples if e.options.get(doctest.SKIP)]
real_stdout.write("\x00RESULT" + json.dumps({"examples": results, "skipped": skipped}) + "\n")
real_stdout.flush()
"""


def repl_reads(code: str) -> bool:
    """Whether doctest's parser accepts a session once its prompts are read as the REPL showed
    them (`>>>f(x)` as `>>> f(x)`)."""
    import doctest
    typed = re.sub(r"(?m)^([ \t]*)>>>(?=[^\s>])", r"\1>>> ", code)
    if typed == code:
        return False
    try:
        doctest.DocTestParser().get_examples(typed)
    except ValueError:
        return False
    return True


@dataclass
class Claim:
    line: int
    end: int
    note: str = ""
    fence: str = ""
    kind: str = ""
    truth: str = ""  # empty: unlabelled (detection only)
    why: str = ""
    reason: str = ""
    needs: str = ""

    @property
    def real_error(self) -> bool:
        """A wrong claim that plain CPython 3.11 shows wrong (no package needed)."""
        return self.truth == "wrong" and not self.needs


def parse_claim(c: dict, where: str) -> Claim:
    claim = Claim(
        c["line"], c.get("end", c["line"]), c.get("note", ""), c.get("fence", ""),
        c.get("kind", ""), c.get("truth", ""), c.get("why", ""), c.get("reason", ""), c.get("needs", ""),
    )
    problems = []
    if claim.kind and claim.kind not in KINDS:
        problems.append(f"kind {claim.kind!r} is not one of {', '.join(KINDS)}")
    if claim.truth and claim.truth not in TRUTHS:
        problems.append(f"truth {claim.truth!r} is not one of {', '.join(TRUTHS)}")
    if claim.truth in ("wrong", "unjudgeable") and not claim.why:
        problems.append(f"truth = {claim.truth!r} needs a `why`")
    if claim.truth == "unjudgeable" and claim.reason not in REASONS:
        problems.append(f"truth = 'unjudgeable' needs a reason, one of {', '.join(REASONS)}")
    if claim.reason and claim.truth != "unjudgeable":
        problems.append("`reason` goes only with truth = 'unjudgeable'")
    if claim.truth and not claim.kind:
        problems.append("a labelled claim needs a `kind`")
    if problems:
        raise SystemExit(f"{where}: claim at line {claim.line}: " + "; ".join(problems))
    return claim


@dataclass
class VerdictStats:
    """Issue 12's verdict measures for one document, or summed over a set."""
    labelled: int = 0  # claims with a truth
    unlabelled: int = 0  # claims without one (detection only)
    holds: int = 0
    wrong: int = 0
    unjudgeable: int = 0
    fails: int = 0  # snipcheck fails counted for the fail rate (fails on unlabelled claims excluded)
    false_fails: list = field(default_factory=list)
    unlabelled_fails: int = 0
    real_errors: int = 0  # wrong claims without `needs`
    real_errors_flagged: int = 0
    missed_real_errors: list = field(default_factory=list)
    wrong_needing: int = 0  # wrong claims with `needs`: not in the real-error measure
    wrong_needing_flagged: int = 0
    unchecked: dict = field(default_factory=dict)  # "verdict: reason" -> count (neither pass, loose nor fail)
    loose: dict = field(default_factory=dict)  # normalization -> count
    traps: int = 0
    traps_taken: list = field(default_factory=list)

    @property
    def false_fail_rate(self):
        return len(self.false_fails) / self.fails if self.fails else 0.0

    @property
    def real_errors_rate(self):
        return self.real_errors_flagged / self.real_errors if self.real_errors else 1.0

    @property
    def traps_taken_rate(self):
        return len(self.traps_taken) / self.traps if self.traps else 0.0

    def add(self, other: "VerdictStats") -> None:
        for name, value in other.__dict__.items():
            mine = getattr(self, name)
            if isinstance(value, list):
                mine.extend(value)
            elif isinstance(value, dict):
                for k, v in value.items():
                    mine[k] = mine.get(k, 0) + v
            else:
                setattr(self, name, mine + value)


@dataclass
class Result:
    doc: str
    style: str
    set: str = "tuned"
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
    vs: VerdictStats = field(default_factory=VerdictStats)

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


def set_of(toml_path: Path) -> str:
    parents = toml_path.resolve().parents
    if SEALED in parents:
        return "sealed"
    return "opened" if OPENED in parents else "tuned"


def run_snipcheck(snipcheck: str, doc: Path, timeout: float):
    """Runs verify in an empty directory, so no snipcheck.toml applies, on the CPython the truth
    was labelled with (`LABELLED_WITH`), whatever python3 on PATH is (an interpreter with more
    packages installed would run claims the labels say need them)."""
    with tempfile.TemporaryDirectory(prefix="snipcheck-corpus-") as cwd:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SNIPCHECK") and k != "VIRTUAL_ENV"}
        env["NO_COLOR"] = "1"
        try:
            proc = subprocess.run(
                [snipcheck, "verify", "--no-snapshots", "--format", "json", "--python", LABELLED_WITH, str(doc)],
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


def run_doctest(text: str, timeout: float, context=()):
    """Runs `text` under doctest, after the `context` blocks ({code, session}) snipcheck ran
    it after."""
    request = json.dumps({"source": text, "context": list(context)})
    with tempfile.TemporaryDirectory(prefix="doctest-corpus-") as cwd:
        try:
            proc = subprocess.run(
                [sys.executable, "-I", "-c", DOCTEST_CHILD], input=request, cwd=cwd,
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
    res = Result(doc=str(doc.relative_to(REPO)), style=doc.parent.name, set=set_of(toml_path))

    where = str(toml_path.relative_to(REPO))
    claims = [parse_claim(c, where) for c in hand.get("claim", [])]
    neutral = [(n["line"], n.get("end", n["line"]), n["reason"]) for n in hand.get("neutral", [])]
    traps = [(t["line"], t.get("end", t["line"]), t.get("note", "")) for t in hand.get("trap", [])]
    for t in traps:
        c = next((c for c in claims if c.line <= t[1] and t[0] <= c.end), None)
        if c is not None:
            raise SystemExit(f"{where}: the trap at line {t[0]} overlaps the claim at line {c.line}")
    blocks = hand.get("block", [])
    res.hand_claims = len(claims)
    res.neutral_total = len(neutral)
    res.blocks = len(blocks)
    vs = res.vs
    vs.traps = len(traps)
    for c in claims:
        if c.truth:
            vs.labelled += 1
            setattr(vs, c.truth, getattr(vs, c.truth) + 1)
        else:
            vs.unlabelled += 1
        if c.real_error:
            vs.real_errors += 1
        elif c.truth == "wrong":
            vs.wrong_needing += 1

    code, report, problem = run_snipcheck(snipcheck, doc, timeout)
    res.exit_code = code
    if problem:
        res.ran = problem
        res.fns = [(c.line, text_of(c.line), c.note, "no report") for c in claims]
        vs.missed_real_errors = [
            {"line": c.line, "text": text_of(c.line), "claimed": None, "actual": None, "verdict": "no report", "truth": c.why}
            for c in claims if c.real_error
        ]
        return res

    # `[document] labelled = [first, last]`: only that part of the document was labelled;
    # what snipcheck reports outside it is neither counted nor graded.
    lo, hi = hand.get("document", {}).get("labelled", [1, len(lines)])
    inside = lambda n: lo <= n <= hi
    snippets = [
        s for s in report["snippets"] if Path(s["path"]).name == doc.name and inside(s["start_line"])
    ]
    by_start = {s["start_line"]: s for s in snippets}
    reported = sorted(
        ((cl["claim_line"], cl, s) for s in snippets for cl in s["claims"] if inside(cl["claim_line"])),
        key=lambda t: (t[0], t[1]["line"]),
    )
    res.tool_claims = len(reported)
    for s in snippets:
        for cl in (cl for cl in s["claims"] if inside(cl["claim_line"])):
            res.verdicts[cl["verdict"]] = res.verdicts.get(cl["verdict"], 0) + 1
            if cl["verdict"] == "loose":
                key = cl.get("normalization") or "?"
                vs.loose[key] = vs.loose.get(key, 0) + 1
            elif cl["verdict"] not in ("pass", "fail"):
                key = f"{cl['verdict']}: {cl.get('reason') or '(no reason given)'}"
                vs.unchecked[key] = vs.unchecked.get(key, 0) + 1

    def fail_entry(claim_line, cl, why):
        return {
            "line": claim_line, "text": text_of(claim_line), "statement_line": cl["line"], "kind": cl["kind"],
            "claimed": cl.get("claimed"), "actual": cl.get("actual"), "why": why,
        }

    # Claims: a reported claim matches the first unmatched hand-counted claim whose text span
    # holds its claim_line.
    matched: dict[int, dict] = {}  # hand-counted claim index -> the reported claim
    taken: dict[int, list] = {}  # trap index -> claim lines of the reported claims on it
    for claim_line, cl, s in reported:
        failed = cl["verdict"] == "fail"
        hit = next((i for i, c in enumerate(claims) if i not in matched and c.line <= claim_line <= c.end), None)
        if hit is not None:
            matched[hit] = cl
            res.tp += 1
            c = claims[hit]
            if failed:
                if not c.truth or not vs.labelled:
                    vs.unlabelled_fails += 1
                else:
                    vs.fails += 1
                    if c.truth != "wrong":
                        why = "the claim holds" if c.truth == "holds" else f"the claim is unjudgeable ({c.reason}: {c.why})"
                        vs.false_fails.append(fail_entry(claim_line, cl, why + (f" [needs {c.needs}]" if c.needs else "")))
            continue
        trap = next((k for k, t in enumerate(traps) if t[0] <= claim_line <= t[1]), None)
        if trap is not None:
            taken.setdefault(trap, []).append(claim_line)
        n = next((n for n in neutral if n[0] <= claim_line <= n[1]), None)
        dup = next((c for c in claims if c.line <= claim_line <= c.end), None)
        if failed:
            if not vs.labelled or (dup is not None and not dup.truth):
                vs.unlabelled_fails += 1
            else:
                vs.fails += 1
                if trap is not None:
                    vs.false_fails.append(fail_entry(claim_line, cl, f"a trap: {traps[trap][2]}"))
                elif dup is not None and dup.truth != "wrong":
                    vs.false_fails.append(fail_entry(claim_line, cl, f"a second claim on the claim at line {dup.line}, which {'holds' if dup.truth == 'holds' else 'is unjudgeable'}"))
                elif dup is None:
                    vs.false_fails.append(fail_entry(claim_line, cl, f"no labelled claim here{' (a neutral span: ' + n[2] + ')' if n else ''}"))
        if n is not None:
            res.neutral_hits.append((claim_line, text_of(claim_line), n[2]))
            continue
        why = "a second claim on one hand-counted claim" if dup else ""
        res.fps.append((claim_line, text_of(claim_line), cl["kind"], cl["line"], cl["claimed"], why))
    for i, c in enumerate(claims):
        if i not in matched:
            s = next((s for s in snippets if s["start_line"] <= c.line <= s["end_line"]), None)
            where = f"in snippet {s['id']} ({s['outcome']})" if s else "in no snippet"
            res.fns.append((c.line, text_of(c.line), c.note, where))
        if c.real_error:
            cl = matched.get(i)
            if cl is not None and cl["verdict"] == "fail":
                vs.real_errors_flagged += 1
            else:
                vs.missed_real_errors.append({
                    "line": c.line, "text": text_of(c.line),
                    "claimed": cl.get("claimed") if cl else None, "actual": cl.get("actual") if cl else None,
                    "verdict": (cl["verdict"] + (f" ({cl['reason']})" if cl.get("reason") else "")) if cl else "not detected",
                    "truth": c.why,
                })
        elif c.truth == "wrong" and matched.get(i, {}).get("verdict") == "fail":
            vs.wrong_needing_flagged += 1
    vs.traps_taken = [
        {"line": traps[k][0], "note": traps[k][2], "claim_lines": lines_} for k, lines_ in sorted(taken.items())
    ]

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
        elif not b["parses"] and s["outcome"] != "unparsable" and b["session"] and repl_reads(block_text(lines, b["line"], rst)):
            # doctest's parser rejects it, but the REPL read it: `>>>f(x)`, the prompt typed
            # without its blank (what the author's REPL showed as `>>> f(x)`).
            res.block_info.append(f"{label}: doctest's parser rejects it, the REPL reads it; run as {s['outcome']}")
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
        if s["outcome"] == "skipped":
            # Not run (a `skip`, or a session the text labels as another Python's): no verdict
            # to compare with doctest's.
            res.doctest_info.append(f"line {b['line']}: skipped by snipcheck: {(s.get('error') or {}).get('message') or s.get('skip') or 'skipped'}")
            continue
        res.doctest_blocks += 1
        first = b["line"]
        sessions = {blk["line"]: blk["session"] for blk in blocks}
        context = [
            {"code": block_text(lines, c["start_line"], rst), "session": sessions.get(c["start_line"], False)}
            for c in ((s.get("continues") or {}).get("blocks") or [])
        ]
        outcome = run_doctest(block_text(lines, first, rst), timeout, context)
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
            cl = tool.get(at)
            if cl is not None and cl["verdict"] in ("unchecked", "unjudged"):
                # snipcheck gave no verdict (e.g. the sandbox blocked the example): nothing to compare.
                res.doctest_info.append(f"line {at}: doctest {ex['verdict']}, snipcheck {cl['verdict']} ({cl.get('reason')})")
                continue
            if cl is not None and cl["verdict"] == "loose" and ex["verdict"] != "success":
                # doctest has no loose rung: an output equal after a named normalization.
                res.doctest_info.append(f"line {at}: doctest failure, snipcheck loose ({cl.get('normalization')})")
                continue
            res.doctest_examples += 1
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


def ratio(n: int, d: int) -> str:
    return f"{n}/{d} {pct(n / d) if d else '    -'}"


def set_stats(results: list[Result]) -> dict:
    """The totals of one set: detection and verdict measures, and issue 12's thresholds."""
    vs = VerdictStats()
    for r in results:
        vs.add(r.vs)
    tp = sum(r.tp for r in results)
    fp = sum(len(r.fps) for r in results)
    hand = sum(r.hand_claims for r in results)
    return {"vs": vs, "tp": tp, "fp": fp, "hand": hand,
            "precision": tp / (tp + fp) if tp + fp else 1.0, "recall": tp / hand if hand else 1.0}


def thresholds(name: str, st: dict) -> list[tuple[str, str, bool]]:
    """(measure, value against the threshold, met) for each of issue 12's verdict thresholds."""
    t = VERDICT_THRESHOLDS[name]
    vs = st["vs"]
    return [
        ("false fails / all fails", f"{ratio(len(vs.false_fails), vs.fails)} (at most {pct(t['false_fail_rate']).strip()})",
         vs.false_fail_rate <= t["false_fail_rate"]),
        ("real errors flagged", f"{ratio(vs.real_errors_flagged, vs.real_errors)} (at least {pct(t['real_errors_flagged']).strip()})",
         vs.real_errors_rate >= t["real_errors_flagged"]),
        ("claims found", f"{ratio(st['tp'], st['hand'])} (at least {pct(t['claims_found']).strip()})",
         st["recall"] >= t["claims_found"]),
        ("traps taken", f"{ratio(len(vs.traps_taken), vs.traps)} (at most {pct(t['traps_taken']).strip()})",
         vs.traps_taken_rate <= t["traps_taken"]),
    ]


def show(value) -> str:
    """A claimed or actual text on one line, trailing white space visible."""
    if value is None:
        return "-"
    return repr(value)[:120]


def print_report(results: list[Result], out=sys.stdout) -> dict:
    w = lambda s="": print(s, file=out)
    sets = {}
    for name in SETS:
        rs = [r for r in results if r.set == name]
        if not rs:
            continue
        st = sets[name] = set_stats(rs)
        w(f"#### {name} set ({len(rs)} document{'s' if len(rs) != 1 else ''})")
        w()
        head = f"{'document':48} {'exit':>4} {'blocks':>6} {'blk!':>4} {'hand':>5} {'found':>5} {'TP':>4} {'FP':>4} {'FN':>4} {'prec':>6} {'recall':>6} {'neut':>5} {'doctest':>9} {'':>6}"
        w(head)
        w("-" * len(head))
        for r in rs:
            dt = f"{r.doctest_examples - len(r.doctest_disagreements)}/{r.doctest_examples}" if not r.ran else "-"
            w(
                f"{r.doc[len('tests/corpus/'):]:48} {str(r.exit_code):>4} {r.blocks:>6} {len(r.block_problems):>4} {r.hand_claims:>5} "
                f"{r.tool_claims:>5} {r.tp:>4} {len(r.fps):>4} {len(r.fns):>4} {pct(r.precision):>6} {pct(r.recall):>6} "
                f"{len(r.neutral_hits):>2}/{r.neutral_total:<2} {dt:>9} {'FAIL' if r.failed else 'ok':>6}"
            )
        fn = sum(len(r.fns) for r in rs)
        w("-" * len(head))
        w(
            f"{'all':48} {'':>4} {sum(r.blocks for r in rs):>6} {sum(len(r.block_problems) for r in rs):>4} "
            f"{st['hand']:>5} {sum(r.tool_claims for r in rs):>5} {st['tp']:>4} {st['fp']:>4} {fn:>4} "
            f"{pct(st['precision']):>6} {pct(st['recall']):>6}"
        )
        w()
        vhead = (f"{'verdicts':48} {'holds':>5} {'wrong':>5} {'unj.':>4} {'unlab':>5} {'fails':>5} {'false':>5} {'false%':>6} "
                 f"{'real errors':>13} {'traps taken':>11} {'unchk':>5} {'loose':>5}")
        w(vhead)
        w("-" * len(vhead))

        def vrow(label, v):
            w(
                f"{label:48} {v.holds:>5} {v.wrong:>5} {v.unjudgeable:>4} {v.unlabelled:>5} {v.fails:>5} {len(v.false_fails):>5} "
                f"{pct(v.false_fail_rate) if v.fails else '     -':>6} {str(v.real_errors_flagged) + '/' + str(v.real_errors):>13} "
                f"{str(len(v.traps_taken)) + '/' + str(v.traps):>11} {sum(v.unchecked.values()):>5} {sum(v.loose.values()):>5}"
            )
        for r in rs:
            vrow(r.doc[len("tests/corpus/"):], r.vs)
        w("-" * len(vhead))
        vrow("all", st["vs"])
        w()
        w(f"issue 12 thresholds, {name} set:")
        for measure, value, met in thresholds(name, st):
            w(f"  {'ok  ' if met else 'MISS'} {measure:24} {value}")
        if st["vs"].unchecked:
            w(f"unchecked verdicts by reason, {name} set:")
            for key, n in sorted(st["vs"].unchecked.items(), key=lambda kv: (-kv[1], kv[0])):
                w(f"  {n:4}  {key[:140]}")
        if st["vs"].loose:
            w(f"loose verdicts by normalization, {name} set: "
              + ", ".join(f"{k} {n}" for k, n in sorted(st["vs"].loose.items())))
        if st["vs"].unlabelled_fails:
            w(f"fails on unlabelled claims (not graded), {name} set: {st['vs'].unlabelled_fails}")
        w()
    w("blk! = hand-counted blocks not classified as counted (missing, or unparsable status wrong); "
      "neut = reported claims in neutral spans / neutral spans; doctest = examples with output where "
      "snipcheck's verdict agrees with CPython's doctest / compared.")
    w("holds/wrong/unj./unlab = labelled truth of the hand-counted claims (unlab: no truth, detection only); "
      "fails = snipcheck's fails on labelled claims and on reported claims that match none; false = fails on "
      "claims that hold or are unjudgeable, on prose, traps or no claim; real errors = wrong claims without "
      "`needs` that snipcheck fails / all of them; traps taken = traps a reported claim fell on / traps; "
      "unchk = verdicts neither pass, loose nor fail.")
    for r in results:
        vs = r.vs
        w()
        w(f"== {r.doc}  (verdicts: {', '.join(f'{k} {v}' for k, v in sorted(r.verdicts.items())) or '-'})")
        if r.ran:
            w(f"  RUN FAILED: {r.ran}")
        for title, items in (
            ("false positives (line: text | kind, statement line, claimed)", [
                f"{l}: {t[:70]} | {k} on {sl}, claimed {c[:50]!r}{' | ' + why if why else ''}" for l, t, k, sl, c, why in r.fps]),
            ("false negatives (line: text | note | where)", [
                f"{l}: {t[:70]}{' | ' + n if n else ''} | {where}" for l, t, n, where in r.fns]),
            ("false fails (line: text | why false | claimed | actual)", [
                f"{f['line']}: {f['text'][:60]} | {f['why'][:110]}\n        claimed {show(f['claimed'])}\n        actual  {show(f['actual'])}"
                for f in vs.false_fails]),
            ("missed real errors (line: text | snipcheck's verdict | claimed | actual | the truth)", [
                f"{m['line']}: {m['text'][:60]} | {m['verdict'][:100]}\n        claimed {show(m['claimed'])}\n"
                f"        actual  {show(m['actual'])}\n        truth   {m['truth'][:200]}"
                for m in vs.missed_real_errors]),
            ("traps taken (line: note | reported claim lines)", [
                f"{t['line']}: {t['note'][:90]} | {', '.join(map(str, t['claim_lines']))}" for t in vs.traps_taken]),
            ("unchecked verdicts (count  verdict: reason)", [
                f"{n:3}  {k[:140]}" for k, n in sorted(vs.unchecked.items(), key=lambda kv: (-kv[1], kv[0]))]),
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
    return sets


def to_json(results: list[Result], sets: dict, enforce: bool) -> dict:
    def stats(vs: VerdictStats) -> dict:
        return vs.__dict__ | {
            "false_fail_rate": vs.false_fail_rate, "real_errors_rate": vs.real_errors_rate,
            "traps_taken_rate": vs.traps_taken_rate,
        }
    docs = []
    for r in results:
        d = {k: v for k, v in r.__dict__.items() if k != "vs"}
        docs.append(d | {"precision": r.precision, "recall": r.recall, "detection_ok": not r.failed, "verdict": stats(r.vs)})
    return {
        "enforce_verdicts": enforce,
        "sets": {
            name: {
                "documents": [r.doc for r in results if r.set == name],
                "claims_found": {"tp": st["tp"], "fp": st["fp"], "hand": st["hand"],
                                 "precision": st["precision"], "recall": st["recall"]},
                "verdict": stats(st["vs"]),
                "thresholds": [{"measure": m, "value": v, "met": ok} for m, v, ok in thresholds(name, st)],
            }
            for name, st in sets.items()
        },
        "documents": docs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snipcheck", default=os.environ.get("SNIPCHECK_BIN", str(REPO / "target/release/snipcheck")))
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per snipcheck run (and per doctest block)")
    parser.add_argument("--set", choices=(*SETS, "all"), default="tuned",
                        help="which documents: the tuned set (default), the opened set (tests/corpus/opened/), the sealed set (tests/corpus/sealed/), or all")
    parser.add_argument("--enforce-verdicts", action="store_true",
                        help="exit 1 when a set misses one of issue 12's verdict thresholds (printed either way)")
    parser.add_argument("docs", nargs="*", help="only these documents (paths or names), within --set")
    args = parser.parse_args()
    if not Path(args.snipcheck).exists():
        print(f"no snipcheck binary at {args.snipcheck} (build it, or pass --snipcheck)", file=sys.stderr)
        return 2
    tomls = sorted(HERE.rglob("*.claims.toml"), key=lambda t: (SETS.index(set_of(t)), str(t)))
    if args.set != "all":
        tomls = [t for t in tomls if set_of(t) == args.set]
    if args.docs:
        tomls = [t for t in tomls if any(d in str(t) or d in t.name for d in args.docs)]
    if not tomls:
        hint = " (documents under sealed/ and opened/ need --set sealed, opened or all)" if args.set == "tuned" else ""
        print(f"no documents to evaluate in the {args.set} set{hint}", file=sys.stderr)
        return 2
    results = [evaluate(t, args.snipcheck, args.timeout) for t in tomls]
    sets = print_report(results)
    if args.json:
        Path(args.json).write_text(json.dumps(to_json(results, sets, args.enforce_verdicts), indent=1, default=str))
    failed = [r.doc for r in results if r.failed]
    missed = [f"{name}: {m}" for name, st in sets.items() for m, _, ok in thresholds(name, st) if not ok]
    print()
    print(f"detection: {'FAIL (' + ', '.join(failed) + ')' if failed else 'ok'}")
    print(f"verdicts: {'ok' if not missed else 'thresholds missed (' + '; '.join(missed) + ')'}"
          f"{'' if args.enforce_verdicts else ' -- not enforced (pass --enforce-verdicts)'}")
    verdicts_fail = bool(missed) and args.enforce_verdicts
    print(f"result: {'FAIL' if failed or verdicts_fail else 'ok'}")
    return 1 if failed or verdicts_fail else 0

if __name__ == "__main__":
    sys.exit(main())
