#!/usr/bin/env python3
"""End-to-end comparison of `snipcheck verify` against the floor (plain python3.11 exec()ing the
same blocks serially in one process) and against peer tools (pytest-examples, phmdoctest,
pytest --doctest-glob, Sybil), at 1x (the bundled notes) and at NNx (NN copies of them as
separate documents), plus the peak memory of the whole process tree at NNx.

    python3.11 bench/compare.py            # default: R=5 repetitions, 50x, peers, memory
    python3.11 bench/compare.py --quick    # R=1, 10x, one memory run
    python3.11 bench/compare.py --json     # one JSON object on stdout instead of the table

Everything is measured in this one invocation, each variant interleaved with the others in
every repetition (machines are noisy: read the ratios, not the absolute times). Wall time is
that of the whole process (interpreter start-up included), as a shell would time it. The
script re-executes itself under /usr/bin/python3.11 (Debian's, the one snipcheck embeds), not
the pyenv python first in PATH. See bench/README.md for what each variant does and why.

Exit status: 0 when everything could be measured (whether or not the targets are met; they are
reported as met / NOT met); 1 when a measurement failed (a variant did not run as it should,
peers could not be installed, ...); the rest of the report is still printed.
"""

import os
import sys

PYTHON = "/usr/bin/python3.11"


def _reexec_under_debian_python():
    if os.environ.get("SNIPCHECK_BENCH_ANY_PYTHON"):
        return
    try:
        same = os.path.samefile(sys.executable, PYTHON)
    except OSError:
        same = False
    if not same:
        if not os.path.exists(PYTHON):
            sys.exit(f"compare.py: {PYTHON} is required (apt-get install python3.11)")
        os.execv(PYTHON, [PYTHON, os.path.abspath(__file__), *sys.argv[1:]])


_reexec_under_debian_python()

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import tomllib  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
NOTES = REPO / "notes" / "python-interview-notes.md"
CONFIG = REPO / "snipcheck.toml"
VENV = REPO / "target" / "bench-venv"
BINARY = REPO / "target" / "release" / "snipcheck"
# Versions found to work on this machine (Python 3.11.2, Debian 12); printed in the report.
# pytest 8.4.x and 9.x crash (INTERNALERROR, StopIteration in traceback formatting) on the
# tracebacks pytest-examples 0.0.18 builds for a failing example; 8.3.5 reports them.
PEER_PINS = {
    "pytest": "8.3.5",
    "pytest-examples": "0.0.18",
    "phmdoctest": "1.4.0",
}
SYBIL_PIN = {"sybil": "10.1.0"}
# phmdoctest puts every block of a document in one test module; a block with top-level
# `await` is a SyntaxError that breaks collection of the whole module, so it is skipped with
# phmdoctest's own --skip option (the only block of the notes that needs it).
PHMDOCTEST_SKIP = "await fetch_data1()"
MB = 1024 * 1024

TARGETS = {
    "floor_1x": 1.0,  # snipcheck / python at 1x: <= 1.0
    "floor_nx": 1.5,  # snipcheck / python at NNx: <= 1.5
    "peers": 10.0,  # peer / snipcheck: >= 10
    "memory_mb": 150.0,  # peak memory of the tree at NNx: <= 150 MB
}


def log(message):
    print(f"[compare] {message}", file=sys.stderr, flush=True)


class MeasurementError(Exception):
    pass


# --------------------------------------------------------------------------------------------
# Build and environment
# --------------------------------------------------------------------------------------------


def build(args):
    """`cargo build --release --locked`; falls back to the last good binary if the build fails
    (other people may be half-way through an edit). Returns a note for the report."""
    binary = Path(args.binary) if args.binary else BINARY
    if args.no_build or args.binary:
        if not binary.exists():
            raise MeasurementError(f"{binary} does not exist")
        return binary, "not built (--no-build/--binary)"
    log("cargo build --release --locked ...")
    proc = subprocess.run(
        ["cargo", "build", "--release", "--locked"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if proc.returncode == 0:
        return binary, "cargo build --release --locked: ok"
    tail = "\n".join(proc.stdout.strip().splitlines()[-5:])
    if binary.exists():
        built = datetime.datetime.fromtimestamp(binary.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
        log(f"the build failed; using the last good binary ({built}):\n{tail}")
        return binary, f"build FAILED (work in progress?); using the existing binary built {built}"
    raise MeasurementError(f"cargo build failed and there is no binary:\n{tail}")


def clean_env():
    """The caller's environment without anything that would change what Python or snipcheck
    does (an active venv would become snipcheck's default --venv)."""
    env = dict(os.environ)
    for key in list(env):
        if key.startswith("PYTHON") or key in ("VIRTUAL_ENV", "CI", "CONDA_PREFIX"):
            del env[key]
    env["NO_COLOR"] = "1"
    return env


def setup_venv(args, env):
    """target/bench-venv with the pinned peers. Returns ({package: version}, sybil_ok, note)."""
    python = VENV / "bin" / "python"
    if not python.exists():
        log(f"creating {VENV} ...")
        subprocess.run([PYTHON, "-m", "venv", str(VENV)], check=True, env=env)

    def installed():
        proc = subprocess.run(
            [str(python), "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        return {p["name"].lower(): p["version"] for p in json.loads(proc.stdout or "[]")}

    have = installed()
    notes = []
    wanted = [f"{k}=={v}" for k, v in PEER_PINS.items() if have.get(k) != v]
    if wanted:
        log(f"pip install {' '.join(wanted)} ...")
        proc = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *wanted],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if proc.returncode != 0:
            raise MeasurementError("pip install of the peers failed:\n" + proc.stdout[-2000:])
    sybil_ok = True
    have = installed()
    if not args.no_sybil and have.get("sybil") != SYBIL_PIN["sybil"]:
        proc = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"sybil=={SYBIL_PIN['sybil']}"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if proc.returncode != 0:
            sybil_ok = False
            notes.append("Sybil did not install; left out")
        have = installed()
    if args.no_sybil:
        sybil_ok = False
    versions = {k: have.get(k, "?") for k in [*PEER_PINS, "sybil"] if k in have}
    return versions, sybil_ok, notes


# --------------------------------------------------------------------------------------------
# Workspaces: the documents, the config, the floor's block list
# --------------------------------------------------------------------------------------------


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON string escapes are valid TOML basic-string escapes
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def write_config(path, config, stems):
    """snipcheck.toml for the documents `stems`: the repo's settings with every per-snippet
    section replicated for each copy's ids (`<stem>/<section-slug>`)."""
    original_stem = NOTES.stem
    lines = ['notes = ["notes/*.md"]']
    for key, value in config.items():
        if key not in ("notes", "snippet"):
            lines.append(f"{key} = {toml_value(value)}")
    for stem in stems:
        for snippet_id, settings in config.get("snippet", {}).items():
            doc, _, slug = snippet_id.partition("/")
            if doc != original_stem:
                continue
            lines.append("")
            lines.append(f"[snippet.{json.dumps(stem + '/' + slug)}]")
            for key, value in settings.items():
                lines.append(f"{key} = {toml_value(value)}")
    path.write_text("\n".join(lines) + "\n")


def make_docs(directory, scale):
    """The documents of one scale under directory/notes/; returns their paths."""
    notes = directory / "notes"
    notes.mkdir(parents=True, exist_ok=True)
    text = NOTES.read_text()
    if scale == 1:
        paths = [notes / NOTES.name]
    else:
        width = max(2, len(str(scale)))
        paths = [notes / f"notes-{k:0{width}d}.md" for k in range(1, scale + 1)]
    for path in paths:
        path.write_text(text)
    return paths


def run_quiet(argv, cwd, env, ok=(0,)):
    proc = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode not in ok:
        raise MeasurementError(
            f"{' '.join(map(str, argv))} (in {cwd}) exited {proc.returncode}:\n{proc.stderr[-2000:]}{proc.stdout[-2000:]}"
        )
    return proc


def snipcheck_workspace(binary, root, scale, config, env):
    """A directory with the documents, a snipcheck.toml, and snippets/ + expected/ generated
    by `snipcheck update` (so `verify` with snapshots has something to compare against).
    Returns (directory, docs, report) where report is `verify --no-snapshots --format json`."""
    directory = root / f"snipcheck-{scale}x"
    docs = make_docs(directory, scale)
    write_config(directory / "snipcheck.toml", config, [d.stem for d in docs])
    report = json.loads(
        run_quiet([str(binary), "verify", "--no-snapshots", "--format", "json"], directory, env, ok=(0, 1)).stdout
    )
    got = report["summary"]["snippets"]
    per_doc = len(blocks_of(report, docs[0]))
    if per_doc == 0 or got != len(docs) * per_doc:
        raise MeasurementError(f"{directory}: {got} snippets for {len(docs)} documents of {per_doc}")
    stale = [s["id"] for s in report["snippets"] if s.get("error") and s["error"].get("expected_by") is None]
    if stale:
        raise MeasurementError(f"{directory}: unexpected snippet errors (config not applied?): {stale[:5]}")
    run_quiet([str(binary), "update"], directory, env)
    return directory, docs, report


def blocks_of(report, doc):
    rel = f"notes/{doc.name}"
    return [s for s in report["snippets"] if s["path"] == rel]


def block_specs(report, directory, config):
    """What the floor runs: each snippet's Markdown lines, fixture files and prelude, taken from
    snipcheck's own JSON report (ids and lines) and the config (file contents, preludes)."""
    original_stem = NOTES.stem
    settings = {}
    for snippet_id, values in config.get("snippet", {}).items():
        doc, _, slug = snippet_id.partition("/")
        if doc == original_stem:
            settings[slug] = values
    specs = []
    for snippet in report["snippets"]:
        slug = snippet["id"].partition("/")[2]
        values = settings.get(slug, {})
        specs.append(
            {
                "id": snippet["id"],
                "path": str(directory / snippet["path"]),
                "start": snippet["start_line"],
                "end": snippet["end_line"],
                "files": values.get("files", {}),
                "prelude": values.get("prelude", ""),
                "skip": bool(values.get("skip")),
                "outcome": snippet["outcome"],
            }
        )
    return specs


# The floor: one plain python3.11 process exec()ing every block serially, each in a fresh dict,
# in a fresh scratch cwd with its fixture files and its prelude, exceptions caught. No analysis,
# no checking, no isolation. Written to the workspace and run as `python3.11 floor.py SPEC`.
FLOOR_SCRIPT = r'''
import asyncio, builtins, json, os, sys

PyCF_ALLOW_TOP_LEVEL_AWAIT = 0x2000
CO_COROUTINE = 0x0080


def empty(path):
    for entry in os.scandir(path):
        if entry.is_dir(follow_symlinks=False):
            empty(entry.path)
            os.rmdir(entry.path)
        else:
            os.unlink(entry.path)


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    # One scratch dir, emptied between blocks: each block starts in an empty cwd holding only
    # its fixture files (removing a directory costs ~3 ms on some ext4 mounts; emptying one
    # keeps the floor a floor).
    scratch = spec["scratch"]
    os.makedirs(scratch, exist_ok=True)
    documents = {}
    statuses = []
    for i, block in enumerate(spec["blocks"]):
        if block["skip"]:
            statuses.append("skipped")
            continue
        lines = documents.get(block["path"])
        if lines is None:
            with open(block["path"], encoding="utf-8") as f:
                lines = documents[block["path"]] = f.readlines()
        # Leading newlines so that line numbers are the Markdown's, as snipcheck's are.
        source = "\n" * (block["start"] - 1) + "".join(lines[block["start"] - 1 : block["end"]])
        for name, content in block["files"].items():
            target = os.path.join(scratch, name)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w") as f:
                f.write(content)
        os.chdir(scratch)
        namespace = {"__name__": "__main__", "__file__": block["path"],
                     "__builtins__": builtins, "asyncio": asyncio}
        status = "ok"
        try:
            if block["prelude"]:
                exec(compile(block["prelude"], "<prelude>", "exec"), namespace)
            code = compile(source, block["path"], "exec", flags=PyCF_ALLOW_TOP_LEVEL_AWAIT,
                           dont_inherit=True)
            if code.co_flags & CO_COROUTINE:
                asyncio.run(eval(code, namespace))
            else:
                exec(code, namespace)
        except BaseException as error:  # SystemExit and KeyboardInterrupt from a block too
            status = type(error).__name__
        sys.stdout.flush()
        os.chdir("/")
        empty(scratch)
        statuses.append(status)
    os.rmdir(scratch)
    sys.stderr.write("\nFLOOR-STATUS " + json.dumps(statuses) + "\n")


main()
'''


def floor_workspace(root, scale, specs):
    directory = root / f"floor-{scale}x"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "floor.py").write_text(FLOOR_SCRIPT)
    spec_path = directory / "blocks.json"
    spec_path.write_text(json.dumps({"scratch": str(directory / "scratch"), "blocks": specs}))
    return directory, [PYTHON, str(directory / "floor.py"), str(spec_path)]


def floor_parity(specs, stderr):
    """Do the floor's blocks end as snipcheck's do (completed vs raised)?"""
    match = re.search(r"FLOOR-STATUS (\[.*\])", stderr)
    if not match:
        raise MeasurementError(f"the floor printed no status:\n{stderr[-2000:]}")
    statuses = json.loads(match.group(1))
    mismatches = []
    for spec, status in zip(specs, statuses):
        ours = {"completed": "ok", "skipped": "skipped"}.get(spec["outcome"], "raised")
        theirs = status if status in ("ok", "skipped") else "raised"
        if ours != theirs:
            mismatches.append(f"{spec['id']}: snipcheck {spec['outcome']}, python {status}")
    return len(statuses), mismatches


# --------------------------------------------------------------------------------------------
# Peers
# --------------------------------------------------------------------------------------------

PYTEST_EXAMPLES_TEST = r'''
"""pytest-examples on the notes: every Python block found by find_examples, run with
eval_example.run (the notes' claims are `# comments`, not pytest-examples' `#>` style, so
run_print_check would not apply); fixture files and preludes from snipcheck.toml applied."""
import json
from pathlib import Path

import pytest
from pytest_examples import CodeExample, EvalExample, find_examples

HERE = Path(__file__).parent
SETTINGS = json.loads((HERE / "settings.json").read_text())
EXAMPLES = list(find_examples(HERE / "notes"))
ORDINAL = {}
_counts = {}
for _example in EXAMPLES:
    _n = _counts.get(_example.path.name, 0)
    _counts[_example.path.name] = _n + 1
    ORDINAL[id(_example)] = _n


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_example(example: CodeExample, eval_example: EvalExample, tmp_path, monkeypatch):
    settings = SETTINGS[ORDINAL[id(example)]] or {}
    monkeypatch.chdir(tmp_path)
    for name, content in settings.get("files", {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    module_globals = {}
    if settings.get("prelude"):
        exec(settings["prelude"], module_globals)
        module_globals.pop("__builtins__", None)
    eval_example.run(example, module_globals=module_globals)
'''

PHMDOCTEST_GENERATE = r'''
"""phmdoctest's per-file generation (what `phmdoctest project.toml` does for many files),
in one process, with --skip for the block that breaks collection."""
import sys
from pathlib import Path
from phmdoctest.main import testfile

out = Path(sys.argv[1])
out.mkdir(exist_ok=True)
for markdown in sorted(Path("notes").glob("*.md")):
    text = testfile(str(markdown), skips=[sys.argv[2]], built_from=markdown.as_posix())
    (out / ("test_" + markdown.stem.replace("-", "_") + ".py")).write_text(text)
'''

SYBIL_CONFTEST = r'''
"""Sybil on the notes: every ```python block executed (PythonCodeBlockParser), one namespace
per document (Sybil's model); the snipcheck.toml preludes are put into that namespace first."""
import json
from pathlib import Path

from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser

PRELUDES = json.loads((Path(__file__).parent / "preludes.json").read_text())


def setup(namespace):
    namespace["__name__"] = "__main__"
    for prelude in PRELUDES:
        exec(prelude, namespace)


pytest_collect_file = Sybil(
    parsers=[PythonCodeBlockParser()], patterns=["notes/*.md"], setup=setup
).pytest()
'''

# Converts the notes to doctest form: each ```python block becomes a ```pycon block whose
# examples are the block's top-level statements (`>>> ` / `... `), each followed by the output
# it produces (found by running it as doctest would: compiled alone in 'single' mode in the
# document's one namespace). Preludes become leading examples. Run once, untimed.
DOCTEST_CONVERT = r'''
import ast, contextlib, io, json, os, sys, traceback

spec = json.load(open(sys.argv[1]))
out_dir = sys.argv[2]
os.chdir(spec["cwd"])
converted = {}
for doc in spec["documents"]:
    lines = open(doc["path"], encoding="utf-8").read().split("\n")
    globs = {"__name__": "__main__"}
    replacements = []  # (first line index, last line index, new text)
    for block in doc["blocks"]:
        start, end = block["start"] - 1, block["end"] - 1  # code lines, 0-based
        fence_open = start - 1
        fence_close = end + 1
        while not lines[fence_close].lstrip().startswith(("```", "~~~")):
            fence_close += 1
        code = "\n".join(lines[start : end + 1]) + "\n"
        pieces = []
        statements = []
        if block["prelude"]:
            prelude = block["prelude"]
            for node in ast.parse(prelude).body:
                statements.append((prelude, node))
        for node in ast.parse(code).body if block["parses"] else []:
            statements.append((code, node))
        for source, node in statements:
            src_lines = source.split("\n")
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            text_lines = src_lines[first - 1 : node.end_lineno]
            example = [">>> " + text_lines[0]] + [("... " + l) if l.strip() else "..." for l in text_lines[1:]]
            statement = "\n".join(text_lines) + "\n"
            buffer = io.StringIO()
            expected = ""
            try:
                with contextlib.redirect_stdout(buffer):
                    exec(compile(statement, "<doctest>", "single", dont_inherit=True), globs)
                expected = buffer.getvalue()
            except BaseException as error:
                expected = ("Traceback (most recent call last):\n    ...\n"
                            + traceback.format_exception_only(type(error), error)[-1])
            if expected and not expected.endswith("\n"):
                expected += "\n"
            expected = "\n".join(l if l.strip() else "<BLANKLINE>" for l in expected.split("\n")[:-1])
            pieces.append("\n".join(example) + ("\n" + expected if expected else ""))
        text = "```pycon\n" + "\n\n".join(pieces) + "\n\n```"  # blank line: end of output
        replacements.append((fence_open, fence_close, text))
    for first, last, text in reversed(replacements):
        lines[first : last + 1] = [text]
    name = os.path.basename(doc["path"])
    with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
'''


def pytest_summary(output):
    """'5 failed, 12 passed in 0.04s' -> {'failed': 5, 'passed': 12}"""
    counts = {}
    lines = [l for l in output.strip().splitlines() if re.search(r"\b(passed|failed|error|errors)\b", l)]
    if lines:
        for number, what in re.findall(r"(\d+) (passed|failed|errors?|skipped|xfailed|warnings?)", lines[-1]):
            counts[what.rstrip("s") if what.startswith("error") else what] = int(number)
    return counts


def peer_workspaces(root, scale, docs_specs, config, venv_python, sybil_ok, env):
    """Returns {tool: (steps, description)} for one scale. docs_specs: {doc name: [spec...]}"""
    fixture_files = {}
    preludes = []
    for specs in docs_specs.values():
        for spec in specs:
            for name, content in spec["files"].items():
                fixture_files.setdefault(name, content)
        break
    seen = set()
    for specs in list(docs_specs.values())[:1]:
        for spec in specs:
            if spec["prelude"] and spec["prelude"] not in seen:
                seen.add(spec["prelude"])
                preludes.append(spec["prelude"])
    base = root / f"peers-{scale}x"
    tools = {}

    def pytest_for(directory):
        return [str(venv_python), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                f"--basetemp={directory / 'pytest-tmp'}"]

    def prepare(tool, originals=True):
        directory = base / tool
        if originals:
            make_docs(directory, scale)
        else:
            (directory / "notes").mkdir(parents=True, exist_ok=True)
        (directory / "pytest.ini").write_text("[pytest]\n")
        for name, content in fixture_files.items():
            (directory / name).parent.mkdir(parents=True, exist_ok=True)
            (directory / name).write_text(content)
        return directory

    # pytest-examples
    directory = prepare("pytest-examples")
    first_doc_specs = list(docs_specs.values())[0]
    (directory / "settings.json").write_text(
        json.dumps([{"files": s["files"], "prelude": s["prelude"]} for s in first_doc_specs])
    )
    (directory / "test_examples.py").write_text(PYTEST_EXAMPLES_TEST)
    tools["pytest-examples"] = (
        [(pytest_for(directory) + ["test_examples.py"], directory)],
        "find_examples + eval_example.run, fixtures and preludes applied",
    )

    # phmdoctest
    directory = prepare("phmdoctest")
    if scale == 1:
        doc = next(iter((directory / "notes").glob("*.md")))
        steps = [
            (
                [str(venv_python.parent / "phmdoctest"), f"notes/{doc.name}", "--outfile", "test_phm.py",
                 "--skip", PHMDOCTEST_SKIP],
                directory,
            ),
            (pytest_for(directory) + ["test_phm.py"], directory),
        ]
    else:
        (directory / "generate.py").write_text(PHMDOCTEST_GENERATE)
        steps = [
            ([str(venv_python), "generate.py", "tests_phm", PHMDOCTEST_SKIP], directory),
            (pytest_for(directory) + ["tests_phm"], directory),
        ]
    tools["phmdoctest"] = (steps, "generate test file(s) + pytest; fixture files, no preludes")

    # doctest over Markdown, on a doctest-form conversion of the same blocks
    directory = prepare("doctest", originals=False)
    convert_spec = {
        "cwd": str(directory),
        "documents": [
            {
                "path": specs[0]["path"],
                "blocks": [
                    {"start": s["start"], "end": s["end"], "prelude": s["prelude"],
                     "parses": s["outcome"] != "unparsable"}
                    for s in specs
                ],
            }
            for specs in docs_specs.values()
        ],
    }
    (base / "doctest-convert.json").write_text(json.dumps(convert_spec))
    (base / "doctest-convert.py").write_text(DOCTEST_CONVERT)
    run_quiet([PYTHON, str(base / "doctest-convert.py"), str(base / "doctest-convert.json"),
               str(directory / "notes")], base, env)
    tools["pytest --doctest-glob"] = (
        [(pytest_for(directory) + ["--doctest-glob=*.md", "--doctest-continue-on-failure", "notes"], directory)],
        "doctest-form conversion (>>> per top-level statement, outputs filled in), preludes as examples",
    )

    if sybil_ok:
        directory = prepare("sybil")
        (directory / "conftest.py").write_text(SYBIL_CONFTEST)
        (directory / "preludes.json").write_text(json.dumps(preludes))
        tools["sybil"] = (
            [(pytest_for(directory) + ["notes"], directory)],
            "PythonCodeBlockParser, one namespace per document, preludes in setup",
        )
    return tools


# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------


class Variant:
    def __init__(self, key, label, steps, env, ok=(0,)):
        self.key = key
        self.label = label
        self.steps = steps  # [(argv, cwd)]
        self.env = env
        self.ok = ok
        self.wall = []
        self.cpu = []
        self.last = None  # the CompletedProcess objects of the last run

    def run(self):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        results = []
        for argv, cwd in self.steps:
            results.append(
                subprocess.run(argv, cwd=cwd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        self.last = results
        return wall, cpu

    def check(self):
        for (argv, _), result in zip(self.steps, self.last):
            if result.returncode not in self.ok:
                raise MeasurementError(
                    f"{self.label}: {' '.join(map(str, argv))} exited {result.returncode}:\n"
                    f"{result.stderr[-1500:]}{result.stdout[-1500:]}"
                )

    def median(self):
        return statistics.median(self.wall)

    def summary(self):
        return {
            "label": self.label,
            "wall_s": [round(w, 5) for w in self.wall],
            "wall_median_s": round(self.median(), 5),
            "wall_min_s": round(min(self.wall), 5),
            "cpu_median_s": round(statistics.median(self.cpu), 5),
            "commands": [" ".join(map(str, argv)) for argv, _ in self.steps],
        }


def measure(variants, reps):
    """Warm-up once each (validated), then `reps` rounds, each running every variant once, in
    an order rotated every round so that no variant always follows the same one."""
    for variant in variants:
        log(f"warm-up: {variant.label}")
        variant.run()
        variant.check()
    for rep in range(reps):
        shift = rep % len(variants)
        order = variants[shift:] + variants[:shift]
        log(f"round {rep + 1}/{reps}")
        for variant in order:
            wall, cpu = variant.run()
            variant.check()
            variant.wall.append(wall)
            variant.cpu.append(cpu)


# --------------------------------------------------------------------------------------------
# Memory
# --------------------------------------------------------------------------------------------


def own_cgroup():
    """('v1', dir) for our own v1 memory cgroup, ('v2', dir) for a v2 one with the memory
    controller, or (None, reason)."""
    try:
        table = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError as error:
        return None, str(error)
    for line in table:
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            mount = Path("/sys/fs/cgroup/memory")
            if (mount / "cgroup.procs").exists():
                return "v1", mount / path.lstrip("/")
    for line in table:
        hierarchy, controllers, path = line.split(":", 2)
        if hierarchy == "0" and controllers == "":
            for mount in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified")):
                directory = mount / path.lstrip("/")
                try:
                    if "memory" in (mount / "cgroup.controllers").read_text().split():
                        return "v2", directory
                except OSError:
                    pass
    return None, "no cgroup v1 memory hierarchy and no cgroup v2 memory controller"


class Cgroup:
    """A fresh memory cgroup below our own (so any limit above still applies)."""

    def __init__(self, name):
        kind, parent = own_cgroup()
        if kind is None:
            raise OSError(parent)
        self.kind = kind
        self.path = parent / name
        self.path.mkdir()
        if kind == "v2":
            # The peak counter exists only if the parent delegates the memory controller.
            if not (self.path / "memory.peak").exists():
                self.remove()
                raise OSError("cgroup v2: memory.peak missing (controller not delegated)")

    def join_self(self):  # runs in the child between fork and exec
        with open(self.path / "cgroup.procs", "w") as f:
            f.write("0")

    def pids(self):
        pids = []
        for directory, _, _ in os.walk(self.path):
            try:
                pids.extend(int(p) for p in Path(directory, "cgroup.procs").read_text().split())
            except OSError:
                pass
        return pids

    def peak(self):
        name = "memory.max_usage_in_bytes" if self.kind == "v1" else "memory.peak"
        return int((self.path / name).read_text())

    def remove(self):
        for _ in range(200):
            try:
                for directory, _, _ in sorted(os.walk(self.path), key=lambda w: -len(w[0])):
                    os.rmdir(directory)
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.01)
        log(f"could not remove {self.path}")


def tree_pids(root):
    """Fallback without a cgroup: root and its descendants, from /proc/*/stat."""
    parents = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
                parents[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
            except (OSError, ValueError):
                pass
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return tree


def read_rollup(pid):
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return rss, pss


def measure_memory(label, argv, cwd, env, interval):
    """Peak memory of the whole process tree of one run: the fresh cgroup's peak (when a
    memory cgroup is available), and the max over samples every `interval` s of the sum of
    PSS (and of RSS) over every process of the tree."""
    cgroup = None
    cgroup_note = None
    try:
        cgroup = Cgroup(f"snipcheck-bench-{os.getpid()}-{time.monotonic_ns()}")
    except OSError as error:
        cgroup_note = f"no cgroup peak: {error}"
    peaks = {"pss": 0, "rss": 0, "procs": 0, "samples": 0}
    done = threading.Event()
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=cgroup.join_self if cgroup else None,
    )

    def sample():
        while not done.is_set():
            pids = cgroup.pids() if cgroup else tree_pids(proc.pid)
            rss = pss = 0
            for pid in pids:
                r, p = read_rollup(pid)
                rss += r
                pss += p
            peaks["pss"] = max(peaks["pss"], pss)
            peaks["rss"] = max(peaks["rss"], rss)
            peaks["procs"] = max(peaks["procs"], len(pids))
            peaks["samples"] += 1
            time.sleep(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    start = time.perf_counter()
    sampler.start()
    returncode = proc.wait()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    result = {
        "label": label,
        "returncode": returncode,
        "wall_s": round(wall, 4),
        "pss_sum_max_bytes": peaks["pss"],
        "rss_sum_max_bytes": peaks["rss"],
        "max_processes": peaks["procs"],
        "samples": peaks["samples"],
        "sample_interval_ms": interval * 1000,
        "cgroup": None,
        "cgroup_peak_bytes": None,
        "note": cgroup_note,
    }
    if cgroup:
        result["cgroup"] = f"{cgroup.kind} {cgroup.path}"
        result["cgroup_peak_bytes"] = cgroup.peak()
        cgroup.remove()
    return result


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def git_state():
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()
        return f"git {head}{' + uncommitted changes' if dirty else ''}"
    except OSError:
        return "git ?"


def rmdir_cost(directory, count=20):
    """Milliseconds per mkdir+rmdir in `directory`: ~0.01 ms on tmpfs, ~3 ms on some ext4
    mounts, where it weighs on every tool that makes a directory per example."""
    start = time.perf_counter()
    for i in range(count):
        path = directory / f"probe-{i}"
        path.mkdir()
        path.rmdir()
    return (time.perf_counter() - start) / count * 1000


def fmt_time(seconds):
    if seconds >= 10:
        return f"{seconds:.1f} s"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.0f} ms"


def met(ok):
    return "met" if ok else "NOT met"


def render(result):
    out = []
    meta = result["meta"]
    out.append("snipcheck end-to-end comparison (bench/compare.py)")
    out.append(f"  command: {meta['command']}")
    out.append(f"  when: {meta['when']}   host: {meta['host']}")
    out.append(f"  load average: {meta['loadavg']}")
    out.append(f"  snipcheck: {meta['snipcheck']} ({meta['build']})")
    out.append(f"  python: {meta['python']}   peers: {meta['peer_versions'] or 'not measured'}")
    out.append(f"  TMPDIR and workspaces: {meta['tmpdir']}")
    out.append(
        f"  R = {meta['reps']} repetitions (medians), scale = {meta['scale']}x, "
        "wall time of the whole process, interpreter start-up included; CPU = user+sys of the tree"
    )
    if meta["notes"]:
        for note in meta["notes"]:
            out.append(f"  note: {note}")
    for section in result["sections"]:
        out.append("")
        out.append(section["title"])
        rows = section["rows"]
        width = max(len(r["label"]) for r in rows)
        out.append(f"  {'':{width}}  {'median':>9}  {'min':>9}  {'CPU med':>9}  {'ratio':>12}  {'ratio of min':>12}")
        for row in rows:
            out.append(
                f"  {row['label']:{width}}  {fmt_time(row['wall_median_s']):>9}  {fmt_time(row['wall_min_s']):>9}  "
                f"{fmt_time(row['cpu_median_s']):>9}  {row.get('ratio_text', ''):>12}  {row.get('ratio_min_text', ''):>12}"
            )
        for line in section.get("lines", []):
            out.append(f"  {line}")
    if result.get("memory"):
        memory = result["memory"]
        out.append("")
        out.append(memory["title"])
        rows = memory["rows"]
        width = max(len(r["label"]) for r in rows)
        out.append(
            f"  {'':{width}}  {'PSS sum':>9}  {'cgroup':>9}  {'RSS sum':>9}  {'procs':>5}  {'samples':>7}  {'every':>7}  wall"
        )
        for row in rows:
            cg = row["cgroup_peak_bytes"]
            out.append(
                f"  {row['label']:{width}}  {row['pss_sum_max_bytes'] / MB:>6.1f} MB  "
                f"{(f'{cg / MB:6.1f} MB') if cg is not None else '      n/a':>9}  "
                f"{row['rss_sum_max_bytes'] / MB:>6.1f} MB  {row['max_processes']:>5}  {row['samples']:>7}  "
                f"{row['wall_s'] * 1000 / max(row['samples'], 1):>4.1f} ms  {fmt_time(row['wall_s'])}"
            )
        for line in memory["lines"]:
            out.append(f"  {line}")
    out.append("")
    out.append("targets (judged on the ratio of medians; the ratio of minimums in brackets)")
    for target in result["targets"]:
        extra = f"({target['value_min_text']})" if target.get("value_min_text") else ""
        out.append(f"  {target['name']:<56} {target['value_text']:>9} {extra:>10}  {target['target']:<9} {met(target['met'])}")
    if result["errors"]:
        out.append("")
        for error in result["errors"]:
            out.append(f"MEASUREMENT FAILED: {error}")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-r", "--reps", type=int, help="repetitions (medians), default 5 (--quick: 1)")
    parser.add_argument("--scale", type=int, help="copies of the notes for the scaled runs, default 50 (--quick: 10)")
    parser.add_argument("--quick", action="store_true", help="R=1, 10x, one memory run (explicit options win)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument("--no-build", action="store_true", help="use target/release/snipcheck as it is")
    parser.add_argument("--binary", help="the snipcheck binary to measure (implies --no-build)")
    parser.add_argument("--no-peers", action="store_true", help="skip section 3 (no venv, no pip)")
    parser.add_argument("--no-sybil", action="store_true", help="leave Sybil out of section 3")
    parser.add_argument("--no-memory", action="store_true", help="skip section 4")
    parser.add_argument("--memory-runs", type=int, help="runs per memory variant, default 3 (--quick: 1); the max is reported")
    parser.add_argument("--interval-ms", type=float, default=2.0, help="PSS sampling interval (default 2 ms)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary workspace (printed)")
    parser.add_argument("--tmpdir", default="/tmp",
                        help="where the workspaces go; also TMPDIR for every variant (default /tmp)")
    args = parser.parse_args()
    defaults = {"reps": 1, "scale": 10, "memory_runs": 1} if args.quick else {"reps": 5, "scale": 50, "memory_runs": 3}
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.reps < 1 or args.scale < 2:
        parser.error("--reps must be >= 1 and --scale >= 2")

    started = time.perf_counter()
    errors = []
    notes = []
    env = clean_env()
    env["TMPDIR"] = args.tmpdir
    binary, build_note = build(args)
    version = run_quiet([str(binary), "--version"], REPO, env).stdout.strip()
    config = tomllib.loads(CONFIG.read_text())

    root = Path(tempfile.mkdtemp(prefix="snipcheck-compare-", dir=args.tmpdir))
    rmdir_ms = rmdir_cost(root)
    load_before = os.getloadavg()
    # Measure a private copy: other people may rebuild target/release/snipcheck mid-run.
    (root / "bin").mkdir()
    shutil.copy2(binary, root / "bin" / "snipcheck")
    source_binary, binary = binary, root / "bin" / "snipcheck"
    git = git_state()
    log(f"workspace {root}")
    result = {"sections": [], "memory": None, "targets": [], "errors": errors}
    try:
        # ---- workspaces
        n = args.scale
        log(f"preparing the 1x and {n}x workspaces (snipcheck update, json report) ...")
        ws1, docs1, report1 = snipcheck_workspace(binary, root, 1, config, env)
        wsn, docsn, reportn = snipcheck_workspace(binary, root, n, config, env)
        specs1 = block_specs(report1, ws1, config)
        specsn = block_specs(reportn, wsn, config)
        floor1_dir, floor1_argv = floor_workspace(root, 1, specs1)
        floorn_dir, floorn_argv = floor_workspace(root, n, specsn)
        sandbox = report1.get("sandbox")

        def verify(ws, snapshots):
            argv = [str(binary), "verify"] + ([] if snapshots else ["--no-snapshots"])
            return [(argv, ws)]

        v = {
            "floor1": Variant("floor1", f"python3.11, {len(specs1)} blocks exec()'d in one process", [(floor1_argv, floor1_dir)], env),
            "sc1": Variant("sc1", "snipcheck verify --no-snapshots", verify(ws1, False), env),
            "sc1s": Variant("sc1s", "snipcheck verify (snapshots compared)", verify(ws1, True), env),
            "floorn": Variant("floorn", f"python3.11, {len(specsn)} blocks exec()'d in one process", [(floorn_argv, floorn_dir)], env),
            "scn": Variant("scn", "snipcheck verify --no-snapshots", verify(wsn, False), env),
            "scns": Variant("scns", "snipcheck verify (snapshots compared)", verify(wsn, True), env),
        }
        peer_keys = {1: [], n: []}
        peer_versions = None
        if not args.no_peers:
            try:
                peer_versions, sybil_ok, venv_notes = setup_venv(args, env)
                notes.extend(venv_notes)
                venv_python = VENV / "bin" / "python"
                for scale, specs, ws in ((1, specs1, ws1), (n, specsn, wsn)):
                    docs_specs = {}
                    for spec in specs:
                        docs_specs.setdefault(spec["path"], []).append(spec)
                    tools = peer_workspaces(root, scale, docs_specs, config, venv_python, sybil_ok, env)
                    for tool, (steps, description) in tools.items():
                        key = f"{tool}@{scale}"
                        # pytest exits 1 when a test fails: expected, blocks without fixtures fail.
                        v[key] = Variant(key, tool, steps, env, ok=(0, 1))
                        v[key].description = description
                        peer_keys[scale].append(key)
            except MeasurementError as error:
                errors.append(str(error))
        variants = list(v.values())
        log(f"measuring {len(variants)} variants, R={args.reps} ...")
        measure(variants, args.reps)

        # ---- parity of the floor with snipcheck (do both do the same work?)
        all_mismatches = []
        for key, specs in (("floor1", specs1), ("floorn", specsn)):
            count, mismatches = floor_parity(specs, v[key].last[0].stderr)
            if count != len(specs):
                mismatches.append(f"{key}: {count} statuses for {len(specs)} blocks")
            all_mismatches.extend(mismatches)
        if all_mismatches:
            parity_note = f"WARNING: the floor ends blocks differently from snipcheck: {all_mismatches[:3]}"
            notes.append(parity_note)
        else:
            parity_note = (
                "the floor ends every block as snipcheck does (per copy: "
                + f"{sum(1 for s in specs1 if s['outcome'] == 'completed')} completed, "
                + f"{sum(1 for s in specs1 if s['outcome'] != 'completed')} raised)"
            )

        def row(variant, ratio_text="", ratio_min_text=""):
            data = variant.summary()
            data["ratio_text"] = ratio_text
            data["ratio_min_text"] = ratio_min_text
            return data

        def ratio(a, b):
            """(ratio of medians, ratio of minimums): the minimum is the least disturbed run."""
            return a.median() / b.median(), min(a.wall) / min(b.wall)

        def exit_codes(variant):
            return [r.returncode for r in variant.last]

        def target_row(name, values, limit, at_most, fmt="{:.2f} x"):
            value, value_min = values
            ok = value <= limit if at_most else value >= limit
            return {"name": name, "value": round(value, 3), "value_min_ratio": round(value_min, 3),
                    "value_text": fmt.format(value), "value_min_text": fmt.format(value_min),
                    "target": f"{'<=' if at_most else '>='} {limit:g}", "met": ok}

        # ---- section 1 and 2
        targets = result["targets"]
        for title, floor, sc, scs, target, count in (
            ("1. bundled notes, 1x: snipcheck vs plain python3.11 (ratio = snipcheck / python; target <= 1.0)",
             v["floor1"], v["sc1"], v["sc1s"], TARGETS["floor_1x"], 1),
            (f"2. {n}x: {n} copies as separate documents (ratio = snipcheck / python; target <= 1.5)",
             v["floorn"], v["scn"], v["scns"], TARGETS["floor_nx"], n),
        ):
            r1 = ratio(sc, floor)
            r2 = ratio(scs, floor)
            cpu_ratio = statistics.median(sc.cpu) / statistics.median(floor.cpu)
            cpu_ratio_s = statistics.median(scs.cpu) / statistics.median(floor.cpu)
            section = {
                "title": title,
                "rows": [
                    row(floor, "1.00 (floor)", "1.00"),
                    row(sc, f"{r1[0]:.2f} x", f"{r1[1]:.2f} x"),
                    row(scs, f"{r2[0]:.2f} x", f"{r2[1]:.2f} x"),
                ],
                "lines": [
                    f"CPU (user+sys) ratio: {cpu_ratio:.2f} x (--no-snapshots), {cpu_ratio_s:.2f} x (snapshots); "
                    f"snipcheck runs -j {os.cpu_count()} (cores), python one block at a time",
                    f"snipcheck exit codes: {exit_codes(sc)[0]} (--no-snapshots), {exit_codes(scs)[0]} (snapshots); "
                    f"{len(docs1) * count} document(s), {len(specs1) * count} snippets",
                    parity_note,
                ],
                "ratios": {"no_snapshots": round(r1[0], 3), "no_snapshots_min": round(r1[1], 3),
                           "snapshots": round(r2[0], 3), "snapshots_min": round(r2[1], 3),
                           "cpu_no_snapshots": round(cpu_ratio, 3), "cpu_snapshots": round(cpu_ratio_s, 3)},
            }
            result["sections"].append(section)
            name = "1x" if count == 1 else f"{n}x"
            targets.append(target_row(f"{name}: snipcheck verify --no-snapshots / python", r1, target, True))
            targets.append(target_row(f"{name}: snipcheck verify (snapshots) / python", r2, target, True))
        growth = ratio(v["scn"], v["sc1"])
        growth_s = ratio(v["scns"], v["sc1s"])
        growth_floor = ratio(v["floorn"], v["floor1"])
        result["sections"][1]["lines"].append(
            f"growth {n}x / 1x (medians): snipcheck {growth[0]:.1f} x (--no-snapshots), {growth_s[0]:.1f} x "
            f"(snapshots); python {growth_floor[0]:.1f} x   (target <= {n}: linear or better)"
        )
        result["sections"][1]["growth"] = {"no_snapshots": round(growth[0], 3), "snapshots": round(growth_s[0], 3),
                                           "python": round(growth_floor[0], 3)}
        targets.append(target_row(f"growth {n}x/1x, snipcheck --no-snapshots", growth, n, True, "{:.1f} x"))
        targets.append(target_row(f"growth {n}x/1x, snipcheck (snapshots)", growth_s, n, True, "{:.1f} x"))

        # ---- section 3
        if peer_keys[1]:
            for scale, sc in ((1, v["sc1"]), (n, v["scn"])):
                rows = [row(sc, "1.00 (base)", "1.00")]
                lines = []
                ratios = {}
                for key in peer_keys[scale]:
                    peer = v[key]
                    r = ratio(peer, sc)
                    ratios[peer.label] = {"median": round(r[0], 3), "min": round(r[1], 3)}
                    rows.append(row(peer, f"{r[0]:.2f} x", f"{r[1]:.2f} x"))
                    outcome = pytest_summary(peer.last[-1].stdout)
                    lines.append(f"{peer.label}: {peer.description}; pytest says: "
                                 + (", ".join(f"{c} {w}" for w, c in outcome.items()) or "?"))
                    targets.append(target_row(f"{'1x' if scale == 1 else f'{n}x'}: {peer.label} / snipcheck",
                                              r, TARGETS["peers"], False))
                result["sections"].append({
                    "title": f"3. peers at {'1x' if scale == 1 else f'{n}x'} "
                             "(ratio = peer / snipcheck verify --no-snapshots; target >= 10)",
                    "rows": rows, "lines": lines, "ratios": ratios,
                })
        meta_peers = ", ".join(f"{k} {ver}" for k, ver in (peer_versions or {}).items())

        # ---- section 4
        if not args.no_memory:
            interval = args.interval_ms / 1000
            mem_rows = []
            for label, argv, cwd in (
                (f"python3.11 floor, {len(specsn)} blocks", floorn_argv, floorn_dir),
                (f"snipcheck verify --no-snapshots, {len(specsn)} snippets", [str(binary), "verify", "--no-snapshots"], wsn),
            ):
                runs = []
                for i in range(args.memory_runs):
                    log(f"memory: {label} ({i + 1}/{args.memory_runs})")
                    runs.append(measure_memory(label, argv, cwd, env, interval))
                best = max(runs, key=lambda r: r["pss_sum_max_bytes"])
                best = dict(best)
                best["runs"] = runs
                best["cgroup_peak_bytes"] = max((r["cgroup_peak_bytes"] or 0) for r in runs) if runs[0]["cgroup_peak_bytes"] is not None else None
                best["rss_sum_max_bytes"] = max(r["rss_sum_max_bytes"] for r in runs)
                mem_rows.append(best)
            sc_mem = mem_rows[1]
            headline = sc_mem["pss_sum_max_bytes"] / MB
            cg = sc_mem["cgroup_peak_bytes"]
            lines = [
                f"headline: PSS sum (max over samples, sleeping {args.interval_ms:g} ms between samples, max over "
                f"{args.memory_runs} run(s)): each shared page is split",
                "  among the processes that map it, so forked children sharing the zygote's pages are",
                "  counted once in total; an RSS sum counts every shared page once per process (overcounts).",
                "cgroup: peak charge of a fresh memory cgroup below ours (v1 memory.max_usage_in_bytes /",
                "  v2 memory.peak): every page once, catches spikes between samples, but also includes",
                "  kernel memory and page cache first read during the run; an upper bound.",
            ]
            if sc_mem.get("note"):
                lines.append(sc_mem["note"])
            if sc_mem["returncode"] != 0:
                errors.append(f"memory run of snipcheck exited {sc_mem['returncode']}")
            result["memory"] = {
                "title": f"4. peak memory of the whole process tree at {n}x (target <= {TARGETS['memory_mb']:.0f} MB)",
                "rows": mem_rows,
                "lines": lines,
            }
            targets.append({"name": f"{n}x peak memory, snipcheck tree, PSS sum (headline)", "value": headline,
                            "value_text": f"{headline:.1f} MB", "value_min_text": "",
                            "target": f"<= {TARGETS['memory_mb']:.0f} MB", "met": headline <= TARGETS["memory_mb"]})
            if cg is not None:
                targets.append({"name": f"{n}x peak memory, snipcheck tree, cgroup peak", "value": cg / MB,
                                "value_text": f"{cg / MB:.1f} MB", "value_min_text": "",
                                "target": f"<= {TARGETS['memory_mb']:.0f} MB", "met": cg / MB <= TARGETS["memory_mb"]})

        python_version = subprocess.run([PYTHON, "--version"], stdout=subprocess.PIPE, text=True).stdout.strip()
        result["meta"] = {
            "command": " ".join(["python3.11", "bench/compare.py", *sys.argv[1:]]),
            "when": datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
            "host": f"{platform.node()}, {os.cpu_count()} cores, Linux {platform.release()}, uid {os.getuid()}",
            "snipcheck": f"{version}, {source_binary} (copied at start), {git}",
            "build": build_note,
            "sandbox": sandbox,
            "python": f"{python_version} ({PYTHON})",
            "peer_versions": meta_peers,
            "peer_pins": {**PEER_PINS, **({} if args.no_sybil else SYBIL_PIN)},
            "reps": args.reps,
            "scale": n,
            "notes": notes,
            "tmpdir": f"{args.tmpdir} (mkdir+rmdir there: {rmdir_ms:.2f} ms)",
            "loadavg": f"{load_before[0]:.2f} at start, {os.getloadavg()[0]:.2f} at end (1-minute)",
            "runtime_s": None,
        }
    except MeasurementError as error:
        errors.append(str(error))
        result.setdefault("meta", None)
    finally:
        if args.keep:
            log(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)

    if result.get("meta") is None:
        print(f"compare.py: measurement failed: {'; '.join(errors)}", file=sys.stderr)
        return 1
    result["meta"]["runtime_s"] = round(time.perf_counter() - started, 1)
    if args.json:
        ordered = {"meta": result["meta"], **{k: val for k, val in result.items() if k != "meta"}}
        print(json.dumps(ordered, indent=2, default=str))
    else:
        print(render(result))
        print(f"\n(total runtime {result['meta']['runtime_s']} s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
