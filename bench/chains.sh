#!/usr/bin/env bash
# Chains cost linear time: a generated document of N blocks (default 500), each using the names
# the block before it binds, verified with the default `namespace = "auto"` (one chain: one
# process runs the blocks in order, each reported on its own) and with `namespace = "block"`
# (every block alone, in its own process, most of them failing on NameError), alternately,
# ROUNDS times each (default 3), in this one invocation; prints each run, the medians and
# their ratio (auto / block). Usage: bash bench/chains.sh [N] [ROUNDS] [-j JOBS]
set -euo pipefail
blocks=${1:-500}
rounds=${2:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/target/release/snipcheck"
(cd "$here" && cargo build --release --locked >/dev/null 2>&1)
dir=$(mktemp -d /tmp/snipcheck-chains-XXXXXX)
trap 'rm -rf "$dir"' EXIT
python3 - "$blocks" "$dir/chain.md" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
parts = ["# A chain\n\n```python\nv0 = [0]\nprint(len(v0))  # 1\n```\n"]
for i in range(1, n):
    parts.append(f"\n```python\nv{i} = v{i-1} + [{i}]\nprint(len(v{i}))  # {i + 1}\n```\n")
open(path, "w").write("".join(parts))
PY
printf 'namespace = "block"\nnotes = []\n' > "$dir/block.toml"
declare -a auto block
for round in $(seq "$rounds"); do
  for mode in auto block; do
    args=(verify --no-snapshots --format json "$dir/chain.md")
    [ "$mode" = block ] && args=(verify --config "$dir/block.toml" --no-snapshots --format json "$dir/chain.md")
    start=$(date +%s%N)
    "$bin" "${args[@]}" > "$dir/$mode.json" || true
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    if [ "$mode" = auto ]; then auto+=("$ms"); else block+=("$ms"); fi
    echo "round $round, namespace=$mode: $ms ms"
  done
done
python3 - "$dir/auto.json" "$blocks" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
summary = report["summary"]
assert summary["pass"] == int(sys.argv[2]) and summary["fail"] == 0, summary
print(f"auto: {summary['pass']} of {sys.argv[2]} claims pass")
PY
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m_auto=$(median "${auto[@]}"); m_block=$(median "${block[@]}")
echo "median: auto $m_auto ms, block $m_block ms, ratio auto/block $(echo "scale=2; $m_auto / $m_block" | bc)"
