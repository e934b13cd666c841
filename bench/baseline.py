"""Baselines for the sandbox overhead benchmark (benches/overhead.rs), measured in the same
invocation as snipcheck's own numbers so that ratios, not absolute times, are compared.

- exec:  `exec()` of the trivial snippet in one shared interpreter (no isolation at all);
- fork:  fork of this warm interpreter per snippet, stdout captured through a pipe, the child
         runs the snippet and `_exit`s, the parent reads and reaps (no sandbox layers).

Prints one JSON object: {"exec_us": [...], "fork_us": [...]} (per-run microseconds).
"""

import json
import os
import sys
import time

CODE = compile("x = 1\nprint(x)\n", "<bench>", "exec")
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 200


def bench_exec():
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter_ns()
        exec(CODE, {"__name__": "__main__", "print": lambda *a, **k: None})
        samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


def bench_fork():
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter_ns()
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            os.dup2(w, 1)
            exec(CODE, {"__name__": "__main__"})
            sys.stdout.flush()
            os._exit(0)
        os.close(w)
        with os.fdopen(r, "rb") as pipe:
            pipe.read()
        os.waitpid(pid, 0)
        samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


print(json.dumps({"exec_us": bench_exec(), "fork_us": bench_fork()}))
