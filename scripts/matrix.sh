#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The lazy-TLB strategy matrix: for each strategy, build (cached), boot,
# run, collect into results/matrix-<timestamp>/<strategy>/, then print the
# strategies side by side.
#
#   scripts/matrix.sh [options] [STRATEGY...]     (default: refcount shootdown)
#     --vcpus N --nodes M   guest layout (default 4 over 2)
#     --plan FILE           bench command lines (default: scripts/kernel/matrix.plan)
#     --out DIR             default results/matrix-<timestamp>
#     --timeout SEC         per guest run (default 900)
#
# Each result's detected lazy_tlb must match the kernel it ran on; a guest
# kernel log with a WARN, BUG, KASAN or lockdep report fails the run.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
vcpus=4 nodes=2 plan=$top/scripts/kernel/matrix.plan out="" timeout=900
strategies=()
die() { echo "matrix: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--vcpus) vcpus=${2:?}; shift 2 ;;
	--nodes) nodes=${2:?}; shift 2 ;;
	--plan) plan=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	-h|--help) sed -n '4,15p' "$0"; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) strategies+=("$1"); shift ;;
	esac
done
[ ${#strategies[@]} -gt 0 ] || strategies=(refcount shootdown)
[ -f "$plan" ] || die "--plan: $plan: no such file"
[ -n "$out" ] || out=$top/results/matrix-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"

failed=0 start=$SECONDS
for s in "${strategies[@]}"; do
	echo "# matrix: $s" >&2
	t0=$SECONDS
	kdir=$("$top/scripts/build-kernel.sh" "$s" | tail -1) || {
		echo "matrix: $s: kernel build failed" >&2; failed=1; continue; }
	echo "# matrix: $s kernel ready in $((SECONDS - t0)) s" >&2
	"$top/scripts/vm-run.sh" --kernel "$kdir" --vcpus "$vcpus" --nodes "$nodes" \
		--plan "$plan" --out "$out/$s" --timeout "$timeout"
	rc=$?
	[ $rc -eq 0 ] || { echo "matrix: $s: guest run failed ($rc)" >&2; failed=1; }
	# the strategy each result detected is the one we built
	want=$s
	[ "$s" = custom ] && want=""
	for f in "$out/$s"/*.json; do
		[ -f "$f" ] || continue
		got=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["system"]["lazy_tlb"]["strategy"])' "$f")
		if [ -n "$want" ] && [ "$got" != "$want" ]; then
			echo "matrix: $f: detected lazy_tlb '$got' on a '$want' kernel" >&2
			failed=1
		fi
	done
done
echo >&2
"$top/build/bin/mmb-matrix" "${strategies[@]/#/$out/}"
echo "# matrix: $out ($((SECONDS - start)) s)"
exit $failed
