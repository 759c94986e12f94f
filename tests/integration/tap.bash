# SPDX-License-Identifier: GPL-2.0
# TAP helpers for the integration tests; sourced, not run.
set -u
n=0
ok() {		# ok CONDITION-STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
skip() {	# skip DESCRIPTION REASON
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}
done_testing() { echo "1..$n"; }
# skip_all DESCRIPTION REASON: the whole test cannot run here; say why, end
skip_all() { skip "$1" "$2"; done_testing; exit 0; }
# bad DESCRIPTION WANT-IN-MESSAGE COMMAND...: a usage error or unreadable
# input must exit 2 with a message naming what was wrong
bad() {
	local desc=$1 want=$2 rc
	shift 2
	"$@" > /dev/null 2> "$tmp/err"
	rc=$?
	[ $rc -eq 2 ] && grep -q -- "$want" "$tmp/err"
	ok $? "$desc: exit 2 naming '$want' (got $rc: $(head -c 150 "$tmp/err"))"
}
# jget FILE KEY.PATH: one value out of a result, through Python's json
jget() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v)
PY
}
# in_range VALUE LO HI
in_range() {
	/usr/bin/python3 -c 'import sys; v,lo,hi=map(float,sys.argv[1:]); sys.exit(0 if lo <= v <= hi else 1)' "$@"
}
# the debug guest make check boots (helper, stress, matrix): our shootdown
# series on the current base, with KASAN, lockdep and DEBUG_VM_SHOOT_LAZIES
# (scripts/kernels.sh builds it first)
debug_guest=shootdown-debug@7.2
# guest_reason: why a test that boots x86 guest kernels cannot run here
# (nothing when it can)
guest_reason() {
	if [ "$(uname -m)" != x86_64 ]; then echo "x86_64 host only"
	elif [ -n "${MMB_SKIP_MATRIX:-}" ]; then echo "MMB_SKIP_MATRIX set"
	elif ! command -v qemu-system-x86_64 >/dev/null; then echo "no qemu-system-x86_64"
	elif [ ! -x /bin/busybox ]; then echo "no static busybox"
	elif [ ! -f /usr/src/linux-source-6.12.tar.xz ] && [ -z "${KSRC:-}" ]; then
		echo "no kernel source"
	fi
}
# guest_why LOG OUT: one line on how a vm-run.sh guest went, for a test's
# own description, which CI's summary of failing tests keeps whole (the
# lines printed after it may be cut): the accelerator, and on failure the
# first kernel problem or vm-run's last word
guest_why() {
	local why
	why="under $(cat "$2/accel" 2>/dev/null || echo '?')"
	if [ -s "$2/kernel-problems.txt" ]; then
		why+=": $(head -1 "$2/kernel-problems.txt" | tr -d '\r' | sed "s|^$2/[a-z.]*:||" | cut -c1-160)"
	elif grep -q '^vm-run: ' "$1"; then
		why+=": $(grep '^vm-run: ' "$1" | tail -1 | cut -c1-160)"
	fi
	echo "$why"
}
# ok_tracepoints_at_boot OUT: the guest's init patched no tracepoint in:
# the counted ones had their two probes from vm-run.sh's command line,
# before the other vCPUs ran, and the init says which it was
ok_tracepoints_at_boot() {
	local tp
	tp=$(grep -a -m1 'MMB: tracepoints enabled' "$1/console.log" 2>/dev/null | sed 's/.*MMB: /MMB: /')
	[ "$tp" = "MMB: tracepoints enabled at boot" ]
	ok $? "the counted tracepoints were enabled at boot, not by the init (${tp:-no word from the init})"
}
# pytap ARG... <<'PY': run the Python program on stdin in the test's
# numbering: ARGS holds the arguments, say(GOOD, TEXT) prints one TAP line,
# and $n counts them afterwards
pytap() {
	{
		cat <<'PRELUDE'
import atexit, os, sys
ARGS = sys.argv[1:]
sys.path.insert(0, os.environ["MMB_TAP_LIB"])   # lava_cases.py
n = int(os.environ["MMB_TAP_N"])
def say(good, text):
    global n
    n += 1
    print(("ok" if good else "not ok") + f" {n} - {text}")
atexit.register(lambda: open(os.environ["MMB_TAP_NFILE"], "w").write(str(n)))
PRELUDE
		cat
	} > "$tmp/pytap.py"
	MMB_TAP_N=$n MMB_TAP_NFILE=$tmp/n MMB_TAP_LIB=$(dirname "${BASH_SOURCE[0]}") /usr/bin/python3 "$tmp/pytap.py" "$@"
	n=$(cat "$tmp/n")
}
tmp=$(mktemp -d /tmp/mmb-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
BIN=${MMB_BUILD:-build}/bin
QUICK="--duration 0.2 --repeat 5 --warmup 0.1"
