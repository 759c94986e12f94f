# SPDX-License-Identifier: GPL-2.0
# --initiators: N copies of a variant's op loop, as threads of one mm or
# processes, each with its own victims; what the results say about them.
#  - placement: each initiator on its own CPU, its own partner; usage errors
#  - counts: per-initiator ops add up to the total, every initiator ran
#  - tlb-flush2 as threads flushes the other initiator's CPU at every op,
#    as processes it does not (where flushes are IPIs; n/a by hypercall)
#  - lazy transitions: ctxsw through idle enters idle ~2 times per round
#    trip, ctxsw on one CPU ~never
#  - Ctrl-C: a partial result, no initiator left behind; a killed one fails
#    the run, named
#  - sweep --initiators, plot --x initiators, report --scaling
. "$(dirname "$0")/tap.bash"
MMB=scripts/mmb

if [ "$(nproc)" -lt 2 ]; then
	skip "--initiators" "needs 2 CPUs"
	done_testing
	exit 0
fi

bad "more initiators than CPUs" "--initiators: $(($(nproc) + 1)) asked" \
	"$BIN/mmb-null" --initiators $(($(nproc) + 1))
bad "zero initiators" "--initiators: '0' is neither" "$BIN/mmb-null" --initiators 0
bad "--iterations has no meaning with initiators" "--iterations: with --initiators" \
	"$BIN/mmb-null" --initiators 1 --iterations 10
bad "a pair each needs CPUs" "(--victims 0: none)" \
	"$BIN/mmb-ctxsw" --variant idle --initiators "$(nproc)"
bad "an unknown initiator mode" "--initiator-mode: 'fibers'" \
	"$BIN/mmb-null" --initiators 1 --initiator-mode fibers

# ctxsw pairs, each on its own CPU (context_switch1), both modes
for m in threads processes; do
	"$BIN/mmb-ctxsw" --variant processes --initiators 2 --initiator-mode $m \
		$QUICK --format json --output "$tmp/cs-$m.json" 2>"$tmp/err"
	ok $? "ctxsw processes, 2 initiators as $m: runs ($(head -c 200 "$tmp/err"))"
	/usr/bin/python3 - "$tmp/cs-$m.json" "$m" <<'PY'
import json, statistics, sys
d = json.load(open(sys.argv[1]))
ins = d["placement"]["initiators"]
assert [i["cpu"] for i in ins] == [0, 1] or len({i["cpu"] for i in ins}) == 2, ins
for i in ins:
    assert i["victims"] == [i["cpu"]], f"partner of initiator on {i['cpu']}: {i['victims']}"
assert d["params"]["initiator-mode"] == sys.argv[2]
rates = []
for s in d["samples"]:
    io = s["initiator_ops"]
    assert len(io) == 2 and min(io) > 0, io
    assert sum(io) == s["ops"], (io, s["ops"])
    rates.append(s["ops"] / (s["window_ns"] / 1e9))
med = statistics.median(rates)
got = d["metrics"]["ops_per_s"]["median"]
assert abs(got - med) <= 1e-6 * med, (got, med)
lo, hi = d["metrics"]["initiator_ops_per_s_min"]["median"], d["metrics"]["initiator_ops_per_s_max"]["median"]
assert lo <= hi, (lo, hi)
PY
	ok $? "  $m: one partner per initiator on its CPU; initiator ops sum to ops; ops_per_s from the samples"
done

# tlb-flush2: one mm across the initiators, or an mm each.  An initiator
# preempted by other load leaves its CPU out of the flush (another mm runs
# there): as ipis.sh does for busy victims, such a run is taken again, up
# to three times, before its counts are judged.
for m in threads processes; do
	for try in 1 2 3; do
		"$BIN/mmb-shootdown" --variant tlb-flush2 --initiators 2 --initiator-mode $m \
			$QUICK --format json --output "$tmp/tf-$m.json" 2>"$tmp/err"
		rc=$?
		share=$(jget "$tmp/tf-$m.json" metrics.initiator_oncpu.min 2>/dev/null) || break
		in_range "$share" 0.9 2 && break
		echo "# tlb-flush2 $m: an initiator was on its CPU only $share of a sample (try $try)"
	done
	[ $rc -eq 0 ]
	ok $? "tlb-flush2, 2 initiators as $m: runs ($(head -c 200 "$tmp/err"))"
done
v=$(jget "$tmp/tf-threads.json" metrics.initiator_oncpu.median 2>/dev/null)
in_range "${v:-0}" 0.5 1.1
ok $? "tlb-flush2: initiator_oncpu measured (${v:-absent})"
# the edge error each sample carries: initiators in flight, and the ops
# that ended while an edge's counters were read (edge_ops)
/usr/bin/python3 - "$tmp/tf-threads.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
n = len(d["placement"]["initiators"])
b = d["metrics"]["edge_error_bound"]["values"]
want = [(n + max(s["edge_ops"])) / s["ops"] for s in d["samples"]]
print(f"# edge_ops {[s['edge_ops'] for s in d['samples']]}, bounds {b}")
sys.exit(0 if len(b) == len(want) and all(abs(x - y) < 1e-9 for x, y in zip(b, want)) else 1)
PY
ok $? "tlb-flush2: edge_error_bound is (initiators + edge_ops) / ops in every sample"
delivery=$(jget "$tmp/tf-threads.json" system.remote_flush.delivery)
if [ "$delivery" = hypercall ]; then
	jget "$tmp/tf-threads.json" not_applicable.ipi_tlb_per_op | grep -q hypercall
	ok $? "tlb-flush2 threads: TLB IPIs n/a where flushes are hypercalls"
else
	v=$(jget "$tmp/tf-threads.json" metrics.ipi_tlb_per_op.median)
	in_range "$v" 0.8 1.3
	ok $? "tlb-flush2 threads: about one TLB flush IPI per op to the other initiator ($v, delivery $delivery)"
	v=$(jget "$tmp/tf-processes.json" metrics.ipi_tlb_per_op.median)
	in_range "$v" 0 0.05
	ok $? "tlb-flush2 processes: no TLB IPI, an mm each ($v)"
fi

# lazy transitions, from sched:sched_switch into the idle task
"$BIN/mmb-ctxsw" --variant idle --initiators 1 $QUICK --format json \
	--output "$tmp/idle.json" 2>"$tmp/err"
ok $? "ctxsw idle, 1 initiator: runs"
"$BIN/mmb-ctxsw" --variant threads --initiators 1 $QUICK --format json \
	--output "$tmp/one.json" 2>"$tmp/err"
ok $? "ctxsw threads, 1 initiator: runs"
if v=$(jget "$tmp/idle.json" metrics.tp_idle_enter_per_op.median 2>/dev/null); then
	in_range "$v" 1.5 2.5
	ok $? "through idle: about 2 idle entries per round trip ($v)"
	v=$(jget "$tmp/one.json" metrics.tp_idle_enter_per_op.median)
	in_range "$v" 0 0.1
	ok $? "pair on one CPU: about no idle entry per round trip ($v)"
	strategy=$(jget "$tmp/idle.json" system.lazy_tlb.strategy)
	a=$(jget "$tmp/idle.json" metrics.tp_mm_count_atomics_per_op.median 2>/dev/null)
	if [ "$strategy" = refcount ]; then
		e=$(jget "$tmp/idle.json" metrics.tp_idle_enter_per_op.median)
		/usr/bin/python3 -c 'import sys; a,e=map(float,sys.argv[1:]); sys.exit(0 if abs(a-2*e)<=1e-6*max(1,a) else 1)' "${a:-nan}" "$e"
		ok $? "refcount: mm_count atomics derived as 2 x idle entries ($a, entries $e)"
		jget "$tmp/idle.json" metrics.tp_mm_count_atomics_per_op.source | grep -q "derived"
		ok $? "  and labelled as derived"
	else
		[ -z "$a" ]
		ok $? "$strategy: no mm_count atomics figure"
	fi
else
	skip "lazy transitions" "no tracepoint counters here"
fi

# Ctrl-C with initiators as processes: partial result, none left behind
"$BIN/mmb-ctxsw" --variant threads --initiators 2 --initiator-mode processes \
	--duration 1 --repeat 20 --warmup 0.1 --format json --output "$tmp/int.json" \
	2>/dev/null &
pid=$!
sleep 2
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] && [ "$(jget "$tmp/int.json" interrupted)" = True ]
ok $? "Ctrl-C: exit 130 and a partial result (rc $rc)"
sleep 0.5
! grep -qa -- "--initiators" /proc/[0-9]*/cmdline 2>/dev/null
ok $? "  no initiator or partner left running"

# an initiator that dies is a failure, said, not a quiet starved line
"$BIN/mmb-null" --variant empty --initiators 2 --initiator-mode processes \
	--duration 0.5 --repeat 20 --warmup 0.1 --tracepoint-repeat 0 --quiet \
	--format json --output "$tmp/kill.json" 2>"$tmp/kerr" &
pid=$!
sleep 1.5
kids=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null)
if [ -n "$kids" ]; then
	kill -KILL "${kids%% *}"
	wait $pid
	rc=$?
	[ $rc -eq 1 ] && grep -q "initiator 0 died (signal 9)" "$tmp/kerr"
	ok $? "a killed initiator process: exit 1 naming it (rc $rc: $(head -c 120 "$tmp/kerr"))"
else
	wait $pid
	skip "a killed initiator process" "no /proc/PID/task/PID/children here"
fi

# membarrier's N concurrent callers
"$BIN/mmb-membarrier" --variant sync-core --initiators 2 --victims 0 $QUICK \
	--format json --output "$tmp/mb.json" 2>"$tmp/err"
ok $? "membarrier sync-core, 2 callers: runs ($(head -c 200 "$tmp/err"))"

# the sweep, the chart and the posting block
$MMB sweep --initiators 1..2 --variant tlb-flush2 --duration 0.1 --repeat 3 \
	--warmup 0.05 --out "$tmp/sw" shootdown > /dev/null 2>&1
ok $? "sweep --initiators 1..2"
[ -f "$tmp/sw/shootdown-tlb-flush2-init1-compact.json" ] &&
	[ -f "$tmp/sw/shootdown-tlb-flush2-init2-compact.json" ]
ok $? "  one result per initiator count"
bad "sweep --initiators all in a plan" "give numbers, not all" \
	$MMB sweep --print-plan --initiators 1..all shootdown
"$BIN/mmb-plot" --out "$tmp/p" "$tmp/sw" "$tmp/idle.json" > /dev/null 2>&1
ok $? "plot of two benches against initiators"
grep -q "x=initiators; ops_per_s" "$tmp/p.dat" && grep -q "^2 " "$tmp/p.dat"
ok $? "  x is initiators, y ops/s"
"$BIN/mmb-report" --scaling "$tmp/sw" > "$tmp/rep" 2>&1
ok $? "report --scaling"
grep -q "mmb-shootdown tlb-flush2, initiators as threads" "$tmp/rep" &&
	grep -qE "^ +1 \|" "$tmp/rep" && grep -qE "^ +2 \|" "$tmp/rep"
ok $? "  a table with a row for N=1 and N=2"
"$BIN/mmb-null" --variant empty $QUICK --format json --output "$tmp/plain.json" 2>/dev/null
bad "report --scaling without scaling results" "no result ran with --initiators" \
	"$BIN/mmb-report" --scaling "$tmp/plain.json"

done_testing
