# SPDX-License-Identifier: GPL-2.0
# The strategy matrix, smoke-sized: refcount and shootdown kernels (built or
# taken from the cache), 4 vCPUs over 2 nodes under qemu, a short plan.
#  - each result's detected lazy_tlb matches the kernel it ran on
#  - the helper's use-unuse and exit-race run on both
#  - walk-exit and exit-race: more call IPIs per op on shootdown than on
#    refcount in every sample (the final __mmdrop IPIs mm_cpumask)
#  - a clean guest kernel log (vm-run.sh fails the run otherwise)
# MMB_SKIP_MATRIX=1 skips it (it builds kernels: minutes on a cold cache).
. "$(dirname "$0")/tap.bash"

reason=""
[ "$(uname -m)" = x86_64 ] || reason="x86_64 host only"
[ -n "${MMB_SKIP_MATRIX:-}" ] && reason="MMB_SKIP_MATRIX set"
command -v qemu-system-x86_64 >/dev/null || reason="no qemu-system-x86_64"
[ -x /bin/busybox ] || reason="no static busybox"
[ -f /usr/src/linux-source-6.12.tar.xz ] || [ -n "${KSRC:-}" ] || reason="no kernel source"
if [ -n "$reason" ]; then
	skip "strategy matrix" "$reason"
	done_testing
	exit 0
fi

"$MMB_TOP/scripts/matrix.sh" --out "$tmp/m" --plan "$MMB_TOP/scripts/kernel/smoke.plan" \
	--timeout 600 refcount shootdown > "$tmp/table" 2> "$tmp/err"
rc=$?
ok $rc "matrix refcount+shootdown runs clean (exit $rc)"
[ $rc -ne 0 ] && tail -15 "$tmp/err" | sed 's/^/#   /'
sed 's/^/# /' "$tmp/table"

/usr/bin/python3 - "$tmp/m" <<'PY'
import glob, json, os, sys
m = sys.argv[1]
n = 0
def say(good, text):
    global n
    n += 1
    print(("ok" if good else "not ok") + f" {n + 1} - {text}")
res = {}
for s in ("refcount", "shootdown"):
    for f in glob.glob(os.path.join(m, s, "*.json")):
        r = json.load(open(f))
        res[(s, r["bench"], r["variant"])] = r
for s in ("refcount", "shootdown"):
    got = {r["system"]["lazy_tlb"]["strategy"] for (k, _, _), r in res.items() if k == s}
    say(got == {s}, f"{s}: every result detected lazy_tlb {s} (got {sorted(got)})")
    for v in ("use-unuse", "exit-race"):
        say((s, "kthread-mm", v) in res, f"{s}: helper {v} ran")
    say((s, "ctxsw", "kthread") in res, f"{s}: ctxsw kthread ran")
for b, v in (("exec-exit", "walk-exit"), ("kthread-mm", "exit-race")):
    try:
        ref = [x["ipi_call"] / x["ops"] for x in res[("refcount", b, v)]["samples"]]
        sht = [x["ipi_call"] / x["ops"] for x in res[("shootdown", b, v)]["samples"]]
        say(min(sht) > max(ref),
            f"{b} {v}: call IPIs/op shootdown {min(sht):.2f}..{max(sht):.2f} > refcount {min(ref):.2f}..{max(ref):.2f}")
    except KeyError as e:
        say(False, f"{b} {v}: missing result {e}")
print(f"1..{n + 1}")
PY
