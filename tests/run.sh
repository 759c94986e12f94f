#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs every unit test (build/tests/*, build/asan/tests/* under the
# sanitizers, and build/arm64/tests/* under qemu-aarch64-static) and
# integration test (tests/integration/*.sh), each
# under a time limit, prints their TAP, and
# closes with one line: "N passed, N failed, N skipped".
#
#   tests/run.sh [PATTERN...]   only tests whose name contains a PATTERN
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
export MMB_FIXTURES=$top/tests/fixtures MMB_TOP=$top MMB_BUILD=$build
export PATH=$build/bin:$PATH
# Tests boot kernels, never build them: make kernels did (make check runs
# it first), and a missing one fails the test that wanted it.
export MMB_KERNEL_NO_BUILD=1
filters=("$@")
[ $# -gt 0 ] || filters=("")
limit=${MMB_TEST_TIMEOUT:-600}
pass=0 fail=0 skip=0
failed_names=()

run_one() {
	local name=$1; shift
	local out rc
	local f want=0
	for f in "${filters[@]}"; do
		case $name in *"$f"*) want=1 ;; esac
	done
	[ $want -eq 1 ] || return
	echo "# --- $name"
	local t0=$SECONDS
	out=$(timeout --signal=KILL "$limit" "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/    /'
	# where make check's 45 minutes go
	echo "    # $name took $((SECONDS - t0)) s"
	local p f s
	p=$(printf '%s\n' "$out" | grep -cE '^ok [0-9]+' || true)
	s=$(printf '%s\n' "$out" | grep -cE '^ok [0-9]+.*# (SKIP|skip)' || true)
	f=$(printf '%s\n' "$out" | grep -cE '^not ok [0-9]+' || true)
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# died without saying which check failed: count it
		echo "    not ok - $name exited $rc"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		echo "    not ok - $name ran no check"
		f=1
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	[ "$f" -gt 0 ] && failed_names+=("$name")
}

for t in "$build"/tests/*; do
	[ -x "$t" ] || continue
	run_one "unit/$(basename "$t")" "$t"
done
# the same unit tests under AddressSanitizer and UBSan (make sanitize):
# any report fails the test, a leak too (tests/lsan.supp: not ours)
for t in "$build"/asan/tests/*; do
	[ -x "$t" ] || continue
	run_one "unit-asan/$(basename "$t")" env ASAN_OPTIONS=detect_leaks=1 \
		LSAN_OPTIONS=suppressions="$top/tests/lsan.supp" "$t"
done
# the arm64 cross build's unit tests, under user-mode emulation
for t in "$build"/arm64/tests/*; do
	[ -x "$t" ] || continue
	if command -v qemu-aarch64-static >/dev/null; then
		run_one "unit-arm64/$(basename "$t")" qemu-aarch64-static "$t"
	else
		echo "# --- unit-arm64/$(basename "$t")"
		echo "    ok - # SKIP qemu-aarch64-static missing (apt-get install qemu-user-static)"
		skip=$((skip + 1))
	fi
done
for t in "$top"/tests/integration/*.sh; do
	[ -f "$t" ] || continue
	run_one "integration/$(basename "$t" .sh)" bash "$t"
done

[ ${#failed_names[@]} -gt 0 ] && echo "# failed: ${failed_names[*]}"
echo "# the tests took $SECONDS s"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
