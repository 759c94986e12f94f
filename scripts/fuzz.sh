#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the libFuzzer targets (make fuzz) for a while each, seeded from the
# test fixtures, with ASan and UBSan: a crash, a sanitizer report or a
# leak stops a target and leaves its input in OUT/crash-*, to become a
# fixture of the unit tests.
#
#   scripts/fuzz.sh [--seconds N] [--seed S] [--runs N] [--out DIR] [TARGET...]
#     default: every target, 600 s each, corpus and crashes in
#     results/fuzz-<time>/; --runs N instead of a time: a deterministic
#     slice (tests/integration/fuzz.sh)
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/build/fuzz/bin
secs=600 seed=0 runs="" out="" targets=()
die() { echo "fuzz: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) secs=${2:?--seconds needs a number}; shift 2 ;;
	--seed) seed=${2:?--seed needs a number}; shift 2 ;;
	--runs) runs=${2:?--runs needs a number}; shift 2 ;;
	--out) out=${2:?--out needs a directory}; shift 2 ;;
	-h|--help) sed -n '4,13p' "$0"; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) targets+=("$1"); shift ;;
	esac
done
[ -d "$bin" ] || die "no $bin: make fuzz"
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(ls "$bin")
[ -n "$out" ] || out=$top/results/fuzz-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out" || exit 1

# seeds: what the unit tests already read
seed_dir() {
	local t=$1 d=$out/corpus-$1
	mkdir -p "$d"
	case $t in
	interrupts) cp "$top"/tests/fixtures/interrupts/*.txt "$d/" ;;
	results) cp "$top"/tests/fixtures/results/*.json "$top"/tests/fixtures/compare/*.json "$d/" ;;
	cpulist) for s in "0-3,8,10-11" "5," 0 1-1 0-4095 "0,2,4-6"; do
			printf '%s' "$s" > "$d/seed-${#s}-$RANDOM"
		 done ;;
	options) # argument vectors, NUL between arguments
		printf -- '--count\0007\000--pick\000two\000a' > "$d/seed-1"
		printf -- '--secs=0.5\000--flag\000--str\000x\000--\000--count' > "$d/seed-2"
		printf -- '--pick\000four\000--count\0009999' > "$d/seed-3" ;;
	esac
	echo "$d"
}

failed=0
for t in "${targets[@]}"; do
	[ -x "$bin/$t" ] || die "no target '$t' in $bin"
	corpus=$(seed_dir "$t")
	if [ -n "$runs" ]; then
		lim=(-runs="$runs")
	else
		lim=(-max_total_time="$secs")
	fi
	start=$SECONDS
	(cd "$out" && ASAN_OPTIONS=detect_leaks=1 "$bin/$t" -seed="$seed" "${lim[@]}" \
		-max_len=65536 -artifact_prefix="$out/$t-" "$corpus" > "$out/$t.log" 2>&1)
	rc=$?
	execs=$(grep -oE 'Done [0-9]+ runs' "$out/$t.log" | grep -oE '[0-9]+' || echo "?")
	if [ $rc -eq 0 ]; then
		echo "fuzz: $t: $execs runs in $((SECONDS - start)) s, no crash, no report"
	else
		echo "fuzz: $t: FAILED (exit $rc) after $((SECONDS - start)) s: $(ls "$out/$t"-crash-* "$out/$t"-leak-* 2>/dev/null | head -1)"
		grep -m3 -E 'ERROR|SUMMARY' "$out/$t.log" | sed 's/^/fuzz:   /'
		failed=1
	fi
done
exit $failed
