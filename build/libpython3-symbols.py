"""Writes build/libpython3.symbols: the symbols that every given libpython exports.

    python3 build/libpython3-symbols.py LIBPYTHON3.9.so.1.0 ... LIBPYTHON3.13.so.1.0

Each argument is the shared library of one supported CPython (e.g. pyenv's
~/.pyenv/versions/3.12.1/lib/libpython3.12.so.1.0, Debian's
/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0). Reads them with `nm -D --defined-only`.
"""

import subprocess
import sys
from pathlib import Path

HEADER = """\
# The symbols every CPython 3.9-3.13 libpython exports (function or data), one per line.
# build.rs makes a stub libpython3.so defining them, for the worker to link against; at run
# time the chosen CPython's real library is loaded under that name. Regenerate with
# build/libpython3-symbols.py when the supported versions change.
"""


def exports(library: str) -> dict[str, str]:
    out = subprocess.run(["nm", "-D", "--defined-only", library], capture_output=True, text=True, check=True).stdout
    found = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TDBRV" and parts[2].startswith(("Py", "_Py")):
            found[parts[2]] = "function" if parts[1] == "T" else "data"
    return found


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    tables = [exports(library) for library in sys.argv[1:]]
    common = sorted(set.intersection(*(set(t) for t in tables)))
    out = Path(__file__).with_name("libpython3.symbols")
    out.write_text(HEADER + "".join(f"{tables[0][name]} {name}\n" for name in common))
    print(f"{out}: {len(common)} symbols")
    return 0


if __name__ == "__main__":
    sys.exit(main())
