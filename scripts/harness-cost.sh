#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What the harness costs a sample, from 2 CPUs to 1024: mmb-harness-cost on
# this machine, in guests of Debian's own 6.12 (NR_CPUS 8192) with 64, 128
# and 254 vCPUs over 8 nodes, and on made-up /proc/interrupts files of 512
# and 1024 CPUs x 1000 rows.  A benchmark: it prints figures, it judges
# nothing.  Guests run under TCG here: their times are emulated (the shape
# with CPUs holds, the microseconds do not); the made-up files time our
# read and diff alone (the kernel's making of a 5-MB /proc/interrupts is
# not in them).
#
#   scripts/harness-cost.sh [--vcpus "64 128 254"] [--samples N] [--out DIR]
#
# Exit 0, 1 when a run failed, 2 on bad usage.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
vcpus="64 128 254" samples=20 out=""
die() { echo "harness-cost: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--vcpus) vcpus=${2?}; shift 2 ;;
	--samples) samples=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	-h|--help) sed -n '4,14p' "$0"; exit 0 ;;
	*) die "unknown argument '$1'" ;;
	esac
done
case $samples in ''|*[!0-9]*) die "--samples: '$samples' is not a number" ;; esac
for v in $vcpus; do
	case $v in ''|*[!0-9]*) die "--vcpus: '$v' is not a number" ;; esac
	[ "$v" -ge 8 ] && [ $((v % 2)) -eq 0 ] || die "--vcpus: $v: at least 8 and even (the guests have 8 or 2 nodes)"
done
out=${out:-$top/results/harness-cost-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out" || die "--out: cannot create $out"
hc=$top/build/bin/mmb-harness-cost
[ -x "$hc" ] || die "no $hc (make)"
rc=0

"$hc" --samples "$samples" --format json --output "$out/here.json" || rc=1
for s in 512:1000 1024:1000; do
	"$hc" --synthetic "$s" --samples "$samples" --format json \
		--output "$out/made-up-${s%%:*}.json" || rc=1
done
kdir=""
[ -z "$vcpus" ] || kdir=$("$top/scripts/build-kernel.sh" refcount@debian | tail -1)
for v in $vcpus; do
	nodes=8
	[ $((v % 8)) -eq 0 ] || nodes=2
	echo "mmb-harness-cost --samples $samples --output /results/guest-$v.json" > "$out/plan-$v"
	echo "# harness-cost: a guest of $v vCPUs over $nodes nodes (TCG: minutes)" >&2
	"$top/scripts/vm-run.sh" --kernel "$kdir" --vcpus "$v" --nodes "$nodes" \
		--plan "$out/plan-$v" --out "$out/vm-$v" --timeout 3600 >&2 || rc=1
	cp "$out/vm-$v/guest-$v.json" "$out/" 2>/dev/null
done

/usr/bin/python3 - "$out" <<'PY'
import glob, json, os, sys
rows = []
for f in glob.glob(os.path.join(sys.argv[1], "*.json")):
    d = json.load(open(f))
    if d.get("schema") != "mmb-harness-cost/1":
        continue
    where = os.path.basename(f)[:-5]
    rows.append((d["cpus"], where, d))
print(f"{'where':<14} {'CPUs':>5} {'rows':>5} {'fds':>6} {'snapshot us':>12} {'sample us':>10} {'of 0.2 s':>9} {'tp sample us':>13} {'of 0.2 s':>9}")
for cpus, where, d in sorted(rows, key=lambda r: (r[0], r[1])):
    m, t = d["main_pass"], d["tracepoint_pass"]
    tp = (f"{t['sample_us']:>13.0f} {100 * t['share_of_0.2s']:>8.2f}%" if isinstance(t, dict)
          else f"{'n/a':>13} {'':>9}")
    kind = {"here": "this machine"}.get(where, where)
    print(f"{kind:<14} {cpus:>5} {d.get('interrupt_rows', 0):>5} {d['fds_opened']:>6} "
          f"{m['snapshot_us']:>12.0f} {m['sample_us']:>10.0f} {100 * m['share_of_0.2s']:>8.2f}% {tp}")
print("# guest-N: TCG, emulated times; made-up-N: our read and diff of a made-up file, the kernel's making of it left out")
PY
echo "# harness-cost: results in $out" >&2
exit $rc
