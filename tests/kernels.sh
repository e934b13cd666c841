#!/usr/bin/env bash
# The sandbox on other kernels: boots each kernel in a throwaway VM (../shared/kernel-vm, full
# emulation, 15-40x slower) and runs there, as root and as nobody (uid 65534), `snipcheck
# doctor` and `verify` of tests/kernels/floor.md (a claim that holds, a write outside scratch,
# a socket); then, on the first kernel, the same with Landlock left out of `lsm=` (below the
# floor: the refusal, then `--sandbox=minimal`). Prints one line per check and a table at the
# end; exits 1 if any check failed. Not run by CI (minutes per kernel); run it by hand:
#
#   tests/kernels.sh [KERNEL...]        # default: 6.1 6.12 and the newest Debian kernel
#
# Needs root (the VM script does) and a built binary (SNIPCHECK, default target/debug).
set -u
cd "$(dirname "$0")/.."
VM=${KERNEL_VM:-/work/shared/kernel-vm/kernel-vm.sh}
BIN=${SNIPCHECK:-$PWD/target/debug/snipcheck}
[ -x "$BIN" ] || { echo "no binary at $BIN (cargo build first)" >&2; exit 2; }
if [ $# -gt 0 ]; then
    KERNELS=("$@")
else
    newest=$("$VM" --list 2>/dev/null | grep -oE '^ *[0-9]+\.[0-9]+\.[0-9]+[^ ]*-amd64' | sed 's/^ *//' | sort -V | tail -1)
    KERNELS=(6.1 6.12 "${newest:-7.2}")
fi
WORK=$(mktemp -d /tmp/snipcheck-kernels.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# The fixture in a world-writable directory of its own, victim beside it: only the sandbox,
# not file permissions, stops the write (as root the children drop to a uid of their own).
mkdir -p "$WORK/open"
chmod 755 "$WORK"
chmod 1777 "$WORK/open"
sed "s#/tmp/snipcheck-floor-victim#$WORK/open/victim#" tests/kernels/floor.md > "$WORK/open/floor.md"
chmod 644 "$WORK/open/floor.md"
FAILED=0
ROWS=()

# check NAME EXPECTED-EXIT ACTUAL-EXIT OUTPUT-FILE [grep pattern that must match]...
check() {
    local name=$1 want=$2 got=$3 out=$4
    shift 4
    local ok=1
    [ "$got" = "$want" ] || ok=0
    for pattern in "$@"; do
        grep -qE -- "$pattern" "$out" || { ok=0; echo "    missing: $pattern"; }
    done
    if [ $ok = 1 ]; then
        echo "  ok    $name (exit $got)"
    else
        echo "  FAIL  $name (exit $got, expected $want)"
        sed 's/^/    | /' "$out" | head -40
        FAILED=1
    fi
    return $((1 - ok))
}

# The guest's writes stay in its RAM overlay, so the guest itself says whether the victim exists.
verify_cmd() { echo "$BIN verify --no-snapshots $*; code=\$?; [ -e $WORK/open/victim ] && echo VICTIM-EXISTS; exit \$code"; }

# vm KERNEL USER-ARGS KERNEL-ARGS -- command...: runs in the VM, output to $WORK/out
vm() {
    local kernel=$1 user=$2 kargs=$3
    shift 3
    local -a opts=(-k "$kernel" -t 900)
    [ -n "$user" ] && opts+=(-u "$user")
    [ -n "$kargs" ] && opts+=(-a "$kargs")
    (cd "$WORK/open" && "$VM" "${opts[@]}" -- "$@") > "$WORK/out" 2>&1
}

layer() { # layer NAME: status of that layer in doctor's JSON in $WORK/out
    python3 -c 'import json,sys
text=open(sys.argv[1]).read(); doc=json.loads(text[text.index("{"):text.rindex("}")+1])
print(next((l["status"]+" "+l["detail"] for l in doc["layers"] if l["name"]==sys.argv[2]), "absent"))' "$WORK/out" "$1"
}

verify_checks() { # verify_checks LABEL: the fixture's three snippets in the JSON in $WORK/out
    local label=$1
    python3 - "$WORK/out" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
report = json.loads(text[text.index("{"):text.rindex("}") + 1])
snippets = report["snippets"]
claim = snippets[0]["claims"][0]["verdict"]
write = snippets[1]["outcome"], (snippets[1]["error"] or {}).get("blocked")
sock = snippets[2]["outcome"], (snippets[2]["error"] or {}).get("blocked")
floor = next(l for l in report["sandbox"] if l["name"] == "floor")
print(f"claim={claim} write={write[0]}:{write[1]} socket={sock[0]}:{sock[1]} victim_exists={'VICTIM-EXISTS' in text} floor={floor['status']}")
EOF
}

for kernel in "${KERNELS[@]}"; do
    for user in root 65534; do
        u=; [ $user = root ] || u=$user
        echo "== kernel $kernel as $user"
        vm "$kernel" "$u" "" "$BIN" doctor --format json
        code=$?
        check "doctor" 0 $code "$WORK/out" '"name": "floor"' || true
        uname=$(grep -oE 'kernel [^ ]+ \(tcg\)' "$WORK/out" | head -1)
        ll=$(layer landlock)
        fl=$(layer floor)
        ns=$(layer "network namespace" | cut -d' ' -f1)
        tm=$(layer "scratch tmpfs" | cut -d' ' -f1)
        uid=$(layer "uid drop" | cut -d' ' -f1)
        cg=$(layer cgroup | cut -d' ' -f1)
        echo "    landlock: $ll"
        echo "    floor: $fl"
        vm "$kernel" "$u" "" "$(verify_cmd --format json floor.md)"
        code=$?
        result=$(verify_checks "$kernel $user")
        check "verify floor.md" 1 $code "$WORK/out" '"verdict": "pass"' || true
        echo "    $result"
        case $result in
            *"claim=pass write=blocked:access outside scratch"*"socket=blocked:network victim_exists=False floor=active"*) echo "  ok    escapes stopped" ;;
            *) echo "  FAIL  escapes: $result"; FAILED=1 ;;
        esac
        ROWS+=("| ${uname:-$kernel} | $user | ${ll%%:*} | $ns | $tm | $uid | $cg | ${fl%%:*} | $result |")
    done
done

first=${KERNELS[0]}
echo "== kernel $first as root, Landlock left out of lsm= (below the floor unless a mount namespace holds)"
args="lsm=lockdown,capability,yama,apparmor"
vm "$first" "" "$args" "$BIN" doctor
code=$?
check "doctor without landlock" 0 $code "$WORK/out" 'landlock +Landlock is built into this kernel but not enabled at boot' 'active +floor +met: .*filesystem confinement by read-only mounts' || true
vm "$first" "" "$args" "$(verify_cmd --format json floor.md)"
code=$?
result=$(verify_checks "$first no landlock")
echo "    $result"
case $result in
    *"write=blocked:access outside scratch"*"victim_exists=False"*) echo "  ok    read-only mounts stop the write" ;;
    *) echo "  FAIL  $result"; FAILED=1 ;;
esac
ROWS+=("| $first, lsm= without landlock | root | none | active | active | active | - | active | $result |")

echo "== kernel $first as nobody, no Landlock, no user namespaces (user.max_user_namespaces=0): below the floor"
vm "$first" 65534 "$args sysctl.user.max_user_namespaces=0" "$(verify_cmd floor.md)"
code=$?
check "refusal below the floor" 2 $code "$WORK/out" "below snipcheck's floor, so no snippet was run" 'missing: filesystem confinement' 'user.max_user_namespaces = 0' '--sandbox=minimal' || true
vm "$first" 65534 "$args sysctl.user.max_user_namespaces=0" "$(verify_cmd --sandbox=minimal floor.md)"
code=$?
check "--sandbox=minimal below the floor" 1 $code "$WORK/out" '^sandbox: MINIMAL \(--sandbox=minimal\), below the floor: filesystem confinement' || true
ROWS+=("| $first, no landlock, no userns | 65534 | none | unavailable | unavailable | unavailable | - | refused; runs with --sandbox=minimal | victim written under minimal: $(grep -q VICTIM-EXISTS "$WORK/out" && echo yes || echo no) |")

echo
echo "| kernel | user | landlock | net ns | tmpfs | uid drop | cgroup | floor | fixture |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${ROWS[@]}"
exit $FAILED
