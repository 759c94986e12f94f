# SPDX-License-Identifier: GPL-2.0
# -e EVENT: counted per op where the machine has the event, listed as n/a
# with the reason where it does not, a usage error where no such event
# exists; the effective frequency where APERF/MPERF or the PMU allow.
. "$(dirname "$0")/tap.bash"

"$BIN/mmb-shootdown" --variant munmap --victims 0 $QUICK --latency-repeat 0 \
	-e page-faults,instructions,msr/nosuchevent/,dTLB-load-misses@victims \
	--format json --output "$tmp/e.json" 2>"$tmp/err"
ok $? "shootdown with four events runs ($(head -c 200 "$tmp/err"))"
/usr/bin/python3 - "$tmp/e.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m, na = d["metrics"], d.get("not_applicable", {})
pf = m["ev_page_faults_per_op"]
# each op maps and writes one fresh page first (untimed prepare), so at
# least one fault per op lands in the window
assert pf["median"] >= 0.9, pf["median"]
assert pf["unit"] == "events/op" and "perf event page-faults" in pf["source"], pf["source"]
assert "ev_msr_nosuchevent_per_op" in na, na
# with no victims, @victims has nothing to count on
assert "no victim CPUs" in na["ev_dtlb_load_misses_victims_per_op"], na
# instructions: counted where there is a PMU, n/a with the reason where not
assert ("ev_instructions_per_op" in m) != ("ev_instructions_per_op" in na), (list(m), na)
# the frequency: a figure or the reason, never both, never neither
assert ("effective_mhz" in m) != ("effective_mhz" in na), na
if "effective_mhz" in m:
    assert 100 < m["effective_mhz"]["median"] < 10000, m["effective_mhz"]
print("# instructions:", m.get("ev_instructions_per_op", {}).get("median", na.get("ev_instructions_per_op")))
print("# effective_mhz:", m.get("effective_mhz", {}).get("median", na.get("effective_mhz")))
PY
ok $? "  page-faults about one per op with its source; missing events n/a with reasons"
/usr/bin/python3 "$MMB_TOP/tests/validate.py" "$tmp/e.json" > /dev/null
ok $? "  a valid mmb-result/1"

if [ "$(uname -m)" = x86_64 ]; then
	"$BIN/mmb-shootdown" --variant munmap --victims 1 $QUICK --latency-repeat 0 \
		-e tlb:tlb_flush --format json --output "$tmp/t.json" 2>/dev/null
	v=$(jget "$tmp/t.json" metrics.ev_tlb_tlb_flush_per_op.median)
	in_range "$v" 0.5 1000
	ok $? "a tracepoint as an event: tlb:tlb_flush per op ($v)"
else
	skip "tlb:tlb_flush as an event" "x86 only fires it"
fi
bad "a name that is no event" "-e: 'instructionz' is not an event" \
	"$BIN/mmb-null" -e instructionz
bad "a modifier that does not exist" "the one modifier is @victims" \
	"$BIN/mmb-null" --events page-faults@nowhere
done_testing
