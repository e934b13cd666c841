#!/usr/bin/env bash
# The cgroup layer on the unified hierarchy (cgroup v2), checked in a throwaway VM: this
# machine is cgroup v1, so CI does not run this (emulated VMs are 15-40x slower); run it by hand
# after changing src/run/sandbox/cgroup.rs:
#
#   bash tests/vm/cgroup-v2.sh [BINARY] [KERNEL]     # default target/release/snipcheck, 6.12
#
# Needs root (kernel-vm.sh boots the kernel with QEMU). Boots the kernel twice: once as root,
# which checks the layer as root and as uid 65534 in a subtree delegated the way systemd does
# it (the group chowned to the user, the user's shell in a leaf of it), and once as uid 65534
# with no delegation (the layer must be unavailable, with the reason). Each check runs a note
# whose well-behaved block holds memory beside a memfd hog at -j 2: the victim passes, the hog
# is `memory`, and no group of the run is left afterwards (without a cgroup only `doctor` runs:
# nothing but the VM's memory would bound the hog). Prints one line per check, PASS or
# FAIL, and exits 1 if any failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$(realpath "${1:-target/release/snipcheck}")
KERNEL=${2:-6.12}
VM=${KERNEL_VM:-../shared/kernel-vm/kernel-vm.sh}
[ -x "$BIN" ] || { echo "no binary at $BIN (cargo build --release first)" >&2; exit 2; }

# The guest side: $1 is the label, the rest the command prefix that runs snipcheck.
read -r -d '' GUEST <<'GUEST_EOF' || true
check() { # label, condition text, then the test
  local label=$1 what=$2; shift 2
  if "$@"; then echo "PASS $label: $what"; else echo "FAIL $label: $what"; FAILED=1; fi
}
scenario() { # label, cgroup parent expected, prefix...
  local label=$1 parent=$2; shift 2
  local dir; dir=$(mktemp -d /tmp/vmcheck.XXXXXX); chmod 755 "$dir"
  cat >"$dir/notes.md" <<'NOTE'
# Blame

## Victim

```python
import time
held = b"v" * (150 << 20)
time.sleep(2)
print(len(held) >> 20)  # 150
```

## Hog

```python
import os, signal, time
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
time.sleep(0.5)
fds = []
chunk = b"m" * (1 << 20)
while True:
    fd = os.memfd_create("fill")
    fds.append(fd)
    for _ in range(15):
        os.write(fd, chunk)
```
NOTE
  chmod 644 "$dir/notes.md"
  (cd "$dir" && "$@" "$BIN" doctor) >"$dir/doctor.txt" 2>&1 || true
  local layer; layer=$(grep -E '^ +[a-z]+ +cgroup ' "$dir/doctor.txt" || true)
  echo "     $label doctor:${layer#*cgroup}"
  if [ "$parent" = none ]; then
    # Without a cgroup nothing bounds a memfd hog but the VM's memory: no verify here.
    check "$label" "doctor says the cgroup layer is unavailable, with the reason" \
      grep -qE '^ +unavailable +cgroup +.*(not root|no cgroup v2 group)' "$dir/doctor.txt"
    rm -rf "$dir"
    return
  fi
  local start=$SECONDS
  (cd "$dir" && "$@" "$BIN" verify notes.md --no-snapshots -j 2 --format json) >"$dir/report.json" 2>"$dir/stderr.txt" || true
  local verdicts; verdicts=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(" ".join(s["id"] + "=" + s["outcome"] for s in r["snippets"]))' "$dir/report.json" 2>&1)
  echo "     $label verify -j 2: $verdicts"
  echo "     $label verify -j 2 took $((SECONDS - start)) s"
  check "$label" "doctor says each snippet has its own v2 group" \
    grep -qE '^ +active +cgroup +own v2 group snippet-' "$dir/doctor.txt"
  check "$label" "the victim passes and the hog is the one reported memory" \
    test "$verdicts" = "notes/victim=completed notes/hog=memory"
  check "$label" "no group of the run is left under $parent" \
    bash -c "! ls -d $parent/snipcheck-* 2>/dev/null | grep -q ."
  rm -rf "$dir"
}
FAILED=0
GUEST_EOF

ROOT_RUN=$GUEST'
echo "kernel $(uname -r), /sys/fs/cgroup: $(stat -fc %T /sys/fs/cgroup), snipcheck in $(cat /proc/self/cgroup)"
scenario root /sys/fs/cgroup
# Delegation as systemd does it (Delegate=yes): a group owned by the user, with the user'"'"'s
# processes in a leaf below it.
D=/sys/fs/cgroup/delegated
mkdir $D $D/leaf
chown 65534:65534 $D $D/cgroup.procs $D/cgroup.subtree_control $D/cgroup.threads $D/leaf $D/leaf/cgroup.procs
echo $$ >$D/leaf/cgroup.procs
scenario delegated-65534 $D setpriv --reuid=65534 --regid=65534 --clear-groups
exit $FAILED'
NOBODY_RUN=$GUEST'
echo "kernel $(uname -r), uid $(id -u), snipcheck in $(cat /proc/self/cgroup)"
scenario nobody-no-delegation none
exit $FAILED'

status=0
BIN=$BIN "$VM" -k "$KERNEL" -e "BIN=$BIN" -- "$ROOT_RUN" || status=1
"$VM" -k "$KERNEL" -u 65534 -e "BIN=$BIN" -- "$NOBODY_RUN" || status=1
exit $status
