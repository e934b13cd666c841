#!/usr/bin/env bash
# Checks that a change of code changed no report: builds REV and the working tree (release),
# runs both on the bundled notes (every format, partitioned JSON and its merge) and on every
# document of tests/corpus/ and tests/fixtures/ (JSON and human), and compares the outputs byte
# for byte after masking what differs from run to run (memory addresses, id()s, timings, the
# checkout's path). Prints each difference; exits 1 if there is one.
# Usage: bash bench/same_reports.sh REV
set -uo pipefail
rev=${1:?usage: bench/same_reports.sh REV}
here=$(cd "$(dirname "$0")/.." && pwd)
base=$(mktemp -d /tmp/snipcheck-reports-XXXXXX)
out=$(mktemp -d /tmp/snipcheck-reports-out-XXXXXX)
trap 'git -C "$here" worktree remove --force "$base" >/dev/null 2>&1 || rm -rf "$base"; rm -rf "$out"' EXIT
git -C "$here" worktree add -q --detach "$base" "$rev" || exit 2
[ -d "$here/target" ] && cp -a "$here/target" "$base/target"
capture() { # TREE DIR
  local tree=$1 dir=$2 bin=$1/target/release/snipcheck empty
  mkdir -p "$dir"; empty=$(mktemp -d)
  (cd "$tree" || exit
    for format in json junit github human html; do
      CI=1 NO_COLOR=1 "$bin" verify --format "$format" > "$dir/notes.$format" 2>&1
      echo "notes.$format exit $?" >> "$dir/exits"
    done
    CI=1 "$bin" verify --format json --partition hash:1/2 > "$dir/p1.json" 2>&1
    CI=1 "$bin" verify --format json --partition hash:2/2 > "$dir/p2.json" 2>&1
    "$bin" report merge "$dir/p1.json" "$dir/p2.json" --format json > "$dir/merged.json" 2>&1
    echo "merge exit $?" >> "$dir/exits")
  for doc in "$tree"/tests/corpus/*/*.md "$tree"/tests/corpus/*/*.rst \
             "$tree"/tests/fixtures/*.md "$tree"/tests/fixtures/*.rst; do
    name=$(basename "$(dirname "$doc")")_$(basename "$doc")
    (cd "$empty" && CI=1 "$bin" verify --no-snapshots --format json "$doc" > "$dir/$name.json" 2>&1
     echo "$name exit $?" >> "$dir/exits"
     CI=1 NO_COLOR=1 "$bin" verify --no-snapshots "$doc" > "$dir/$name.human" 2>&1)
  done
  rm -rf "$empty"
}
for tree in "$base" "$here"; do
  (cd "$tree" && cargo build --release --locked >/dev/null 2>&1) || { echo "build failed in $tree" >&2; exit 2; }
done
capture "$base" "$out/old"; capture "$here" "$out/new"
mask() { sed -E "s#$base#REPO#g; s#$here#REPO#g; s/0x[0-9a-f]{6,}/0xADDR/g; s/[0-9]{9,}/BIGNUM/g; s/[0-9]+\.[0-9]{6,}(e-[0-9]+)?/FLOAT/g" "$1"; }
status=0; count=0
for file in "$out"/old/*; do
  name=$(basename "$file"); count=$((count + 1))
  if ! cmp -s <(mask "$file") <(mask "$out/new/$name"); then
    echo "differs: $name"; diff <(mask "$file") <(mask "$out/new/$name") | head -20; status=1
  fi
done
[ $status = 0 ] && echo "all $count outputs identical to $rev's (after masking run-to-run noise)"
exit $status
