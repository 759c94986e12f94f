#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The lazy-TLB strategy matrix: for each strategy, build (cached), boot,
# run, collect into results/matrix-<timestamp>/<strategy>/, then print the
# strategies side by side.
#
#   scripts/matrix.sh [options] [STRATEGY...]     (default: refcount shootdown)
#     STRATEGY: refcount shootdown shootdown-keepmask hazptr mmgen, or their
#               -debug kernels (scripts/build-kernel.sh); arm64: refcount
#               hazptr mmgen
#     --vcpus N --nodes M   guest layout (default 4 over 2)
#     --plan FILE           bench command lines (default: mmb plan --matrix,
#                           the variants the benches mark for the matrix)
#     --scaling             instead of a plan: the scaling shapes at 1, 2, 4 ..
#                           --vcpus initiators (ctxsw pairs on one CPU and
#                           through idle, tlb-flush2, membarrier sync-core,
#                           fork-exit), initiators as threads of one mm
#     --out DIR             default results/matrix-<timestamp>
#     --timeout SEC         per guest run (default 900)
#     --arch x86_64|arm64   guest architecture (default x86_64); arm64 is
#                           cross-built (make ARCH=arm64), booted on qemu's
#                           virt machine under TCG, results in arm64-<strategy>/
#     --cmdline 'WORDS'     boot settings, repeatable: every strategy runs under
#                           each set (e.g. --cmdline pti=on --cmdline
#                           mitigations=off), results in <strategy>+<words>/;
#                           '' is the kernel's defaults
#
# Each result's detected lazy_tlb must match the kernel it ran on; a guest
# kernel log with a WARN, BUG, KASAN or lockdep report fails the run.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
vcpus=4 nodes=2 plan="" out="" timeout=900 arch=x86_64
scaling=0
strategies=() cmdlines=()
die() { echo "matrix: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--vcpus) vcpus=${2:?}; shift 2 ;;
	--nodes) nodes=${2:?}; shift 2 ;;
	--plan) plan=${2:?}; shift 2 ;;
	--scaling) scaling=1; shift ;;
	--out) out=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--arch) arch=${2:?}; shift 2 ;;
	--cmdline) cmdlines+=("${2?}"); shift 2 ;;
	-h|--help) sed -n '4,29p' "$0"; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) strategies+=("$1"); shift ;;
	esac
done
[ ${#cmdlines[@]} -gt 0 ] || cmdlines=("")
for c in "${cmdlines[@]}"; do
	case $c in *[!A-Za-z0-9_.,=:\ -]*) die "--cmdline: '$c': kernel parameters are letters, digits and _ . , = : -" ;; esac
done
case $arch in
x86_64) prefix="" ;;
arm64|aarch64)
	arch=arm64 prefix=arm64-
	# the arm64 userspace the guest runs
	make -s -C "$top" arm64 >&2 || die "the arm64 build failed (make arm64)" ;;
*) die "--arch: '$arch' is not x86_64 or arm64" ;;
esac
if [ ${#strategies[@]} -eq 0 ]; then
	strategies=(refcount shootdown)
	[ "$arch" = arm64 ] && strategies=(refcount)
fi
[ -n "$out" ] || out=$top/results/matrix-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
if [ $scaling -eq 1 ]; then
	# 1, 2, 4 .. and the guest's every vCPU; a pair through idle takes two
	scale_list() {
		local n=1 l=""
		while [ $n -lt "$1" ]; do l+=$n,; n=$((n * 2)); done
		echo "$l$1"
	}
	[[ $vcpus =~ ^[0-9]+$ ]] && [ "$vcpus" -ge 2 ] || die "--scaling: --vcpus 2 or more"
	all=$(scale_list "$vcpus") half=$(scale_list $((vcpus / 2)))
	plan=$out/scaling.plan
	# windows long enough that 8 emulated initiators each get an op in
	s="--duration 0.5 --repeat 3 --warmup 0.1 --print-plan"
	{
		"$top/scripts/mmb" sweep $s --variant threads --initiators "$all" ctxsw -- --tracepoint-repeat 2
		"$top/scripts/mmb" sweep $s --variant idle --victims 1 --initiators "$half" ctxsw -- --tracepoint-repeat 2
		"$top/scripts/mmb" sweep $s --variant tlb-flush2 --initiators "$all" shootdown -- --tracepoint-repeat 2
		"$top/scripts/mmb" sweep $s --variant sync-core --victims 0 --initiators "$all" membarrier -- --tracepoint-repeat 2
		"$top/scripts/mmb" sweep $s --variant fork-exit --initiators "$all" exec-exit -- --tracepoint-repeat 2
		# the harness's own cost per op, which must not grow with N
		"$top/scripts/mmb" sweep $s --variant empty --initiators "$all" null -- --tracepoint-repeat 0
	} > "$plan" || die "--scaling: writing the plan failed"
	echo "# matrix: scaling plan, $(wc -l < "$plan") runs: $plan" >&2
elif [ -z "$plan" ]; then
	# the benches say which of their variants the matrix runs
	plan=$out/matrix.plan
	"$top/scripts/mmb" plan --matrix > "$plan" || die "writing the plan failed (mmb plan --matrix)"
	echo "# matrix: $(wc -l < "$plan") runs from mmb plan --matrix: $plan" >&2
fi
[ -f "$plan" ] || die "--plan: $plan: no such file"

# a column per strategy and boot setting: <strategy>[+<words, joined by +>]
cols=()
failed=0 start=$SECONDS
for s in "${strategies[@]}"; do
	echo "# matrix: $s" >&2
	t0=$SECONDS
	kdir=$(MMB_ARCH=$arch "$top/scripts/build-kernel.sh" "$s" | tail -1) || {
		echo "matrix: $s: kernel build failed" >&2; failed=1; continue; }
	echo "# matrix: $s kernel ready in $((SECONDS - t0)) s" >&2
	for c in "${cmdlines[@]}"; do
		col=$prefix$s
		# shellcheck disable=SC2086
		[ -z "$c" ] || col+=$(printf '+%s' $c)
		cols+=("$col")
		"$top/scripts/vm-run.sh" --kernel "$kdir" --vcpus "$vcpus" --nodes "$nodes" \
			--plan "$plan" --out "$out/$col" --timeout "$timeout" --cmdline "$c"
		rc=$?
		[ $rc -eq 0 ] || { echo "matrix: $col: guest run failed ($rc)" >&2; failed=1; }
		# the strategy each result detected is the one we built, under the
		# settings asked, as the guest read them back from /proc/cmdline
		# keepmask is shootdown, as /proc/config.gz says; @BASE names the tree
		want=${s%%@*} want=${want/-keepmask/}
		[ "$s" = custom ] && want=""
		for f in "$out/$col"/*.json; do
			[ -f "$f" ] || continue
			got=$(/usr/bin/python3 - "$f" "$c" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["system"]
cmd = (s.get("boot") or {}).get("cmdline") or ""
miss = [w for w in sys.argv[2].split() if w not in cmd.split()]
print(s["lazy_tlb"]["strategy"], "missing:" + ",".join(miss) if miss else "")
PY
			)
			case $got in *missing:*)
				echo "matrix: $f: the guest did not boot with '${got#*missing:}' (system.boot.cmdline)" >&2
				failed=1 ;;
			esac
			got=${got%% *}
			if [ -n "$want" ] && [ "$got" != "$want" ]; then
				echo "matrix: $f: detected lazy_tlb '$got' on a '$want' kernel" >&2
				failed=1
			fi
		done
	done
done
echo >&2
"$top/build/bin/mmb-matrix" "${cols[@]/#/$out/}"
echo "# matrix: $out ($((SECONDS - start)) s)"
exit $failed
