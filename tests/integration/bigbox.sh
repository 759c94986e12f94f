# SPDX-License-Identifier: GPL-2.0
# What a machine of hundreds of CPUs does to the harness, made to happen on
# this one (issue 26):
#  - the open-file limit: a run holds one fd per CPU per tracepoint counter
#    (6.5k at 384 CPUs).  Under a limit that cannot hold them all, the
#    counters the figures depend on are opened first and every one left
#    out is in not_applicable with the reason, never just absent.
#  - forks do not copy those fds: fork-exit costs the same with 16k more
#    fds open in the process (an op's child shares the fd table).
#  - --initiators with a CPU-bound cycles counter (a PMU; here the
#    software clock standing in, MMB_CYCLES_EVENT=cpu-clock): no
#    initiator reads another CPU's counter, so the harness sends no
#    cross-call inside the window.
. "$(dirname "$0")/tap.bash"

# --- the open-file limit ---
"$BIN/mmb-null" --variant empty --duration 0.05 --repeat 2 --warmup 0.05 \
	--format json --output "$tmp/all.json" 2>"$tmp/err"
ok $? "mmb-null: runs ($(head -c 150 "$tmp/err"))"
ntp=$(/usr/bin/python3 -c 'import json,sys; print(sum(1 for k in json.load(open(sys.argv[1]))["metrics"] if k.startswith("tp_")))' "$tmp/all.json")
if [ "$ntp" -lt 4 ]; then
	skip "the open-file limit" "only $ntp tracepoint counters here"
else
	# room for about 4 counters at one fd per CPU, the reserve aside;
	# setpriv: root with CAP_SYS_RESOURCE would raise the hard limit
	lim=$((64 + 10 + 5 * $(nproc)))
	prlimit --nofile=$lim:$lim setpriv --inh-caps=-sys_resource \
		--bounding-set=-sys_resource "$BIN/mmb-null" --variant empty \
		--duration 0.05 --repeat 2 --warmup 0.05 --format json \
		--output "$tmp/lim.json" 2>"$tmp/err"
	ok $? "mmb-null under RLIMIT_NOFILE $lim: runs ($(head -c 150 "$tmp/err"))"
	grep -q "tracepoint counters n/a: the open-file limit" "$tmp/err"
	ok $? "  it says so on stderr"
	pytap "$tmp/all.json" "$tmp/lim.json" <<'PY'
import json, sys
full, lim = (json.load(open(p)) for p in sys.argv[1:3])
fm = {k for k in full["metrics"] if k.startswith("tp_") and k != "tp_mm_count_atomics_per_op"}
lm = {k for k in lim["metrics"] if k.startswith("tp_")}
na = lim.get("not_applicable", {})
lost = sorted(k for k in fm - lm if k not in na)
say(not lost, f"every counter of the full run is counted or n/a ({len(lm)} counted, {len(fm - lm)} n/a){': silently lost ' + str(lost) if lost else ''}")
dropped = [k for k in fm - lm if "open-file limit" in na.get(k, "")]
say(dropped, f"the ones left out name the open-file limit: {dropped[:3]}")
why = na.get(dropped[0], "") if dropped else ""
say("RLIMIT_NOFILE" in why and "ulimit -Hn" in why, f"  with the limit and what to raise it to: {why[:160]}")
first = [k for k in ("tp_tlb_flush_remote_ipi_send_per_op", "tp_csd_queue_cpu_per_op") if k in fm]
say(all(k in lm for k in first), f"the figures' own counters were opened first: {first}")
say("open-file limit" in lim["system"]["ipi_source"]["tracepoints"], "ipi_source.tracepoints says counters are missing: " + lim["system"]["ipi_source"]["tracepoints"])
PY
fi

# --- forks do not copy the fds ---
# fork-exit with 16k more fds open: a fork that copies the fd table pays
# ~60 ns a fd here (+1 ms on a ~1 ms op); one that shares it, nothing
fe() {	# fe EXTRA-FDS OUT
	/usr/bin/python3 - "$1" "$BIN/mmb-exec-exit" --variant fork-exit \
		--duration 0.2 --repeat 7 --warmup 0.1 --format json \
		--output "$2" 2>"$tmp/err" <<'PY'
import os, resource, sys
n = int(sys.argv[1])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if n + 1100 > hard:
    sys.exit(77)
resource.setrlimit(resource.RLIMIT_NOFILE, (n + 1100, hard))
for _ in range(n):
    os.set_inheritable(os.open("/dev/null", os.O_RDONLY), True)
os.execv(sys.argv[2], sys.argv[2:])
PY
}
fe 0 "$tmp/fe0.json"
ok $? "fork-exit: runs ($(head -c 150 "$tmp/err"))"
fe 16000 "$tmp/fe16k.json"
rc=$?
if [ $rc -eq 77 ]; then
	skip "fork-exit with 16k fds open" "ulimit -n cannot reach 17100 here"
else
	ok $rc "fork-exit with 16k more fds open: runs ($(head -c 150 "$tmp/err"))"
	a=$(jget "$tmp/fe0.json" metrics.latency_ns.median)
	b=$(jget "$tmp/fe16k.json" metrics.latency_ns.median)
	/usr/bin/python3 -c 'import sys; a,b=map(float,sys.argv[1:]); sys.exit(0 if b < 1.3 * a else 1)' "$a" "$b"
	ok $? "fork-exit does not grow with the fds the process holds: $a ns, with 16k more $b ns (< 1.3x)"
fi

# --- no harness cross-call inside an initiator's window ---
if [ "$(nproc)" -lt 2 ]; then
	skip "--initiators and a CPU-bound cycles counter" "needs 2 CPUs"
else
	MMB_CYCLES_EVENT=cpu-clock "$BIN/mmb-null" --variant empty-prepare \
		--initiators 2 --duration 0.2 --repeat 3 --warmup 0.1 \
		--format json --output "$tmp/cy.json" 2>"$tmp/err"
	ok $? "mmb-null empty-prepare, 2 initiators, cycles from a CPU-bound counter: runs ($(head -c 150 "$tmp/err"))"
	pytap "$tmp/cy.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
say(d["system"]["cycles_source"].startswith("pmu: cpu-clock"), "the stand-in counted cycles: " + d["system"]["cycles_source"][:60])
m = d["metrics"]
call = m["ipi_call_per_op"]["median"]
say(call < 0.05, f"no call IPI per op from the harness: {call:.3f} (each initiator reads a counter on its own CPU)")
q = m.get("tp_csd_queue_cpu_per_op", {}).get("median")
say(q is None or q < 0.05, f"no cross-call queued per op: {q}")
PY
fi
done_testing
