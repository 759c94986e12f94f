# SPDX-License-Identifier: GPL-2.0
# arm64 end to end: the cross-built suite and helper module in an aarch64
# guest (qemu-system-aarch64 -M virt under TCG, 4 vCPUs over 2 NUMA nodes),
# on Debian's own arm64 build of 6.12 (refcount@debian, fetched by make
# kernels), or with MMB_MATRIX=full (make check-matrix) on the refcount
# kernel we cross-build from the same base.
#  - every result detected lazy_tlb refcount and arch arm64
#  - munmap with busy victims shows no TLB IPIs, and the result marks TLB
#    IPIs not applicable rather than reporting a zero
#  - membarrier sync-core with running victims: about one function-call
#    IPI per victim per op, by /proc/interrupts and by ipi:ipi_entry
#  - the helper module's use-unuse and exit-race ran
#  - page-table freeing: x86's flush-function count n/a with its reason,
#    a table freed per munmap-tables op, collapse's sync cross-calls
#  - a clean guest kernel log (vm-run.sh fails the run otherwise)
# MMB_SKIP_MATRIX=1 skips it, as it does the x86 matrix.
. "$(dirname "$0")/tap.bash"

reason=""
[ "$(uname -m)" = x86_64 ] || reason="x86_64 host only (cross build)"
[ -n "${MMB_SKIP_MATRIX:-}" ] && reason="MMB_SKIP_MATRIX set"
command -v qemu-system-aarch64 >/dev/null || reason="no qemu-system-aarch64"
command -v aarch64-linux-gnu-gcc >/dev/null || reason="no aarch64-linux-gnu-gcc"
[ -f /usr/src/linux-source-6.12.tar.xz ] || [ -n "${KSRC:-}" ] || reason="no kernel source"
if [ -n "$reason" ]; then
	skip "arm64 guest" "$reason"
	done_testing
	exit 0
fi

# every variant of every bench, from the benches' own lists; and the
# harness on the generic timer's counter, as a machine without a PMU has
"$MMB_TOP/scripts/mmb" plan --duration 0.2 --repeat 3 --warmup 0.05 > "$tmp/plan" &&
	echo "env MMB_NO_PMU=1 mmb-null --variant empty --duration 0.1 --repeat 3 --warmup 0.05 --output /results/null-empty-cntvct.json" >> "$tmp/plan"
ok $? "the arm64 plan: every variant, from mmb plan ($(wc -l < "$tmp/plan") lines)"
start=$SECONDS
k=refcount@debian
[ "${MMB_MATRIX:-}" = full ] && k=refcount
"$MMB_TOP/scripts/matrix.sh" --arch arm64 --out "$tmp/m" \
	--plan "$tmp/plan" --timeout 900 "$k" \
	> "$tmp/table" 2> "$tmp/err"
rc=$?
ok $rc "arm64 guest ($k): the whole suite runs clean, kernel log clean (exit $rc, $((SECONDS - start)) s)"
[ $rc -ne 0 ] && tail -15 "$tmp/err" | sed 's/^/#   /'
sed 's/^/# /' "$tmp/table"
d=$tmp/m/arm64-$k
[ -d "$d" ] && "$BIN/mmb-summary" "$d" | sed 's/^/# /'

/usr/bin/python3 - "$d" "$n" <<'PY'
import glob, json, os, sys
d, n = sys.argv[1], int(sys.argv[2])
def say(good, text):
    global n
    n += 1
    print(("ok" if good else "not ok") + f" {n} - {text}")
res = {}
for f in sorted(glob.glob(os.path.join(d, "*.json"))):
    if f.endswith("-cntvct.json"):
        continue
    r = json.load(open(f))
    res[(r["bench"], r["variant"])] = r
say(len(res) >= 15, f"{len(res)} results came back")
arch = {r["system"]["arch"] for r in res.values()}
lazy = {r["system"]["lazy_tlb"]["strategy"] for r in res.values()}
say(arch == {"arm64"} and lazy == {"refcount"},
    f"every result: arch arm64, lazy_tlb refcount detected (got {sorted(arch)}, {sorted(lazy)})")
for v in ("use-unuse", "exit-race"):
    say(("kthread-mm", v) in res, f"helper module: kthread-mm {v} ran")

m = res.get(("shootdown", "munmap"))
if m:
    nv = len(m["placement"]["victims"])
    busy = m["params"]["victim-state"] == "busy"
    na = m.get("not_applicable", {})
    say(busy and nv >= 3 and "ipi_tlb_per_op" not in m["metrics"]
        and "ipi_tlb_per_op" in na and "broadcast" in na["ipi_tlb_per_op"],
        f"munmap, {nv} busy victims: no TLB IPI metric, marked not applicable: {na.get('ipi_tlb_per_op', '-')[:60]}")
    ipis = m["metrics"]["ipis_per_op"]["median"]
    # a TLB IPI per victim would be >= nv; broadcast TLBI sends none
    say(ipis < 0.25 * nv, f"munmap: {ipis:.3f} IPIs per op of any kind, against {nv} victims")
    say("tlb" in m["system"]["ipi_source"], "system.ipi_source says why TLB IPIs are absent")
else:
    for _ in range(3):
        say(False, "shootdown munmap result missing")

s = res.get(("membarrier", "sync-core"))
if s:
    nv = len(s["placement"]["victims"])
    call = s["metrics"]["ipi_call_per_op"]["median"] / nv
    say(0.7 <= call <= 1.3, f"sync-core: {call:.3f} call IPIs per victim per op (/proc/interrupts), {nv} victims")
    tp = s["metrics"].get("tp_ipi_entry_per_op", {}).get("median")
    say(tp is not None and 0.8 <= tp / nv <= 1.2,
        f"sync-core: ipi:ipi_entry counts {tp if tp is None else round(tp / nv, 3)} per victim per op")
else:
    say(False, "membarrier sync-core result missing")
    say(False, "membarrier sync-core result missing")
# Page-table freeing on arm64: the flush is a broadcast TLBI, so x86's
# flush_tlb_func() is not there to count, and the result says so (n/a
# naming it, never 0); tables are still freed (VmPTE), and collapse's
# sync cross-calls every other CPU, IPIs or not
t = res.get(("shootdown", "munmap-tables"))
na = t.get("not_applicable", {}).get("tp_flush_tlb_func_per_op", "") if t else ""
say(t and "tp_flush_tlb_func_per_op" not in t["metrics"] and "flush_tlb_func()" in na,
    f"munmap-tables: flush_tlb_func count n/a: {na[:70] or 'missing'}")
say(t and t["params"].get("tables_freed_per_op") == 1,
    f"munmap-tables: {t and t['params'].get('tables_freed_per_op')} table freed per op (VmPTE)")
c = res.get(("shootdown", "collapse"))
ts = c["metrics"].get("tp_table_sync_per_op", {}).get("median") if c else None
nv = len(c["placement"]["victims"]) if c else 0
say(ts is not None and nv - 0.3 <= ts <= nv + 0.5,
    f"collapse: {ts} table-sync cross-calls per op, {nv} other CPUs; table-free mode {c and c['params'].get('table_free')}")
cyc = {r["system"]["cycles_source"].split(":")[0] for r in res.values()}
say(cyc and cyc <= {"pmu", "cntvct_el0"}, f"cycles from the PMU or cntvct_el0 (got {sorted(cyc)})")
# without the PMU, cntvct_el0, labelled timer ticks with its frequency
f = os.path.join(d, "null-empty-cntvct.json")
src = json.load(open(f))["system"]["cycles_source"] if os.path.exists(f) else "missing"
say(src.startswith("cntvct_el0: timer ticks") and " MHz" in src, f"MMB_NO_PMU: {src}")
print(f"1..{n}")
PY
