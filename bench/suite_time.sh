#!/usr/bin/env bash
# Compares the wall time of `cargo test --locked` at REV with the working tree's, built first and
# run alternately (ROUNDS times each, default 3) in this one invocation; prints each run, the
# medians and their ratio. Usage: bash bench/suite_time.sh REV [ROUNDS]
set -euo pipefail
rev=${1:?usage: bench/suite_time.sh REV [ROUNDS]}
rounds=${2:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
base=$(mktemp -d /tmp/snipcheck-suite-XXXXXX)
trap 'git -C "$here" worktree remove --force "$base" >/dev/null 2>&1 || rm -rf "$base"' EXIT
git -C "$here" worktree add -q --detach "$base" "$rev"
# Seed the old tree's target dir so only snipcheck itself is rebuilt there.
[ -d "$here/target" ] && cp -a "$here/target" "$base/target"
for tree in "$base" "$here"; do
  (cd "$tree" && cargo test --locked --no-run >/dev/null 2>&1)
done
declare -a old new
for round in $(seq "$rounds"); do
  for tree in "$base" "$here"; do
    start=$(date +%s%N)
    (cd "$tree" && cargo test --locked >/dev/null 2>&1) || { echo "cargo test failed in $tree" >&2; exit 1; }
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    if [ "$tree" = "$base" ]; then old+=("$ms"); label=$rev; else new+=("$ms"); label="working tree"; fi
    echo "round $round, $label: $ms ms"
  done
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m_old=$(median "${old[@]}"); m_new=$(median "${new[@]}")
echo "median: $rev $m_old ms, working tree $m_new ms, ratio $(echo "scale=2; $m_new / $m_old" | bc)"
