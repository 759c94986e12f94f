# SPDX-License-Identifier: GPL-2.0
# A LAVA job, end to end, with LAVA's own dispatcher (make check, and
# alone: make check-lava):
# scripts/lava-jobs.sh --stage writes the job and lays out Debian's 6.12
# kernel and the ramdisk; scripts/lava-local.sh runs it with lava-run on a
# qemu device under TCG (the device dictionary rendered from lava-server's
# templates) and fetches the result files from the job's log.
#  - the job boots, runs the plan and passes
#  - a result file comes back for every plan line
#  - each LAVA measurement is the median of its metric in the result the
#    guest wrote, with its unit; each n/a figure is a skipped case
. "$(dirname "$0")/tap.bash"

command -v lava-run >/dev/null || skip_all "lava-run" "no lava-dispatcher (scripts/install-deps.sh lava)"
reason=$(guest_reason)
[ -n "$reason" ] && skip_all "lava-run" "$reason"

cat > "$tmp/plan" <<'PLAN'
mmb-null --variant empty --duration 0.1 --repeat 3 --warmup 0.02
mmb-shootdown --variant munmap-tables --victims all --victim-state idle --duration 0.2 --repeat 3 --warmup 0.05
PLAN
"$MMB_TOP/scripts/lava-jobs.sh" --url-base "file://$tmp/j" --out "$tmp/j" \
	--plan "$tmp/plan" --stage refcount@debian > "$tmp/out" 2>&1
ok $? "lava-jobs --stage refcount@debian: $(tail -1 "$tmp/out")"
# what a failed job said, before $tmp goes: its verdict with LAVA's error
# type and message, its errors, and what the device printed from the
# first sign of an oops on (else its last lines)
said() {
	grep '"case": "job"' "$1/results.jsonl" 2>/dev/null | tail -1
	grep '"lvl": "error"' "$1/log.jsonl" 2>/dev/null | tail -3
	grep '"lvl": "target"' "$1/log.jsonl" 2>/dev/null > "$1/target"
	if grep -qE 'BUG:|Oops|general protection|Kernel panic' "$1/target"; then
		sed -n '/BUG:\|Oops\|general protection\|Kernel panic/,$p' "$1/target" | head -40
	else
		tail -8 "$1/target"
	fi
}
start=$SECONDS
"$MMB_TOP/scripts/lava-local.sh" --out "$tmp/l" "$tmp/j/refcount@debian-qemu-x86_64.yaml" > "$tmp/out" 2>&1
rc=$?
again=
# Debian's kernel panicked in early boot under TCG twice in ~30 cold
# runs (in interrupt, on an idle vCPU, before the shell): not the job's
# doing, and a lab retries a boot (LAVA's failure_retry).  Once, then,
# with the panic printed; a second failure fails.
boot_panic() {	# a panic before the device's first shell prompt
	awk '/"lvl": "target"/ { if (index($0, "/ # ")) exit;
				 if (index($0, "Kernel panic")) { p = 1; exit } }
	     END { exit !p }' "$1/log.jsonl" 2>/dev/null
}
if [ $rc -ne 0 ] && boot_panic "$tmp/l"; then
	echo "# the first boot panicked under TCG; booting once more:"
	{ head -1 "$tmp/out"; said "$tmp/l"; } | cut -c1-300 | sed 's/^/#   /'
	mv "$tmp/l" "$tmp/l-panicked"
	"$MMB_TOP/scripts/lava-local.sh" --out "$tmp/l" "$tmp/j/refcount@debian-qemu-x86_64.yaml" > "$tmp/out" 2>&1
	rc=$? again="; a second boot, the first panicked (above)"
fi
ok $rc "lava-local: $(head -1 "$tmp/out") ($((SECONDS - start)) s with staging's download$again)"
if [ $rc -ne 0 ]; then
	tail -5 "$tmp/out"
	said "$tmp/l"
fi | cut -c1-400 | sed 's/^/#   /'

pytap "$tmp/l" <<'PY'
import glob, json, os
from lava_cases import against
d = ARGS[0]
files = sorted(glob.glob(f"{d}/results/*.json"))
say(len(files) == 2, f"{len(files)} result files came back from the log: {[os.path.basename(f) for f in files]}")
cases = {}
for l in open(f"{d}/results.jsonl"):
    m = json.loads(l.replace(": !", ":"))["msg"]   # YAML tags in lava-run's JSON
    if m.get("definition") == "0_mmb":
        cases[m["case"]] = (m["result"], m.get("measurement"), m.get("units"))
want, bad = against(files, cases)
say(want > 0 and not bad and want == len(cases),
    f"{len(cases)} LAVA cases for {want} figures: each the result's median with its unit, each n/a skipped" +
    ("; " + "; ".join(bad[:3]) if bad else ""))
t = [json.load(open(f)) for f in files if "munmap-tables" in f]
fn = t and t[0]["metrics"].get("tp_flush_tlb_func_per_op", {}).get("median")
say(fn is not None and fn >= 3.7, f"munmap-tables in the LAVA guest: {fn} CPUs ran the flush (4 vCPUs, 3 lazy victims)")
PY

done_testing
