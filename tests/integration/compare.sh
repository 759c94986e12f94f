# SPDX-License-Identifier: GPL-2.0
# mmb-compare: golden output of every format on recorded results, malformed
# input that must exit 2 naming the file and field, an A/A run of the suite
# that must find (almost) nothing, and a known effect found with its sign.
# Pooling is checked too: a directory holding two runs of a pair pools them.
. "$(dirname "$0")/tap.bash"

C=$BIN/mmb-compare
fx=$MMB_FIXTURES/compare
golden=$MMB_TOP/tests/golden

# --- golden files, from results recorded in tests/fixtures/compare
gold() {	# gold NAME WANT-RC ARGS...
	local name=$1 want=$2 rc
	shift 2
	(cd "$fx" && "$C" "$@") > "$tmp/out" 2>&1
	rc=$?
	[ -n "${MMB_UPDATE_GOLDEN:-}" ] && cp "$tmp/out" "$golden/$name"
	cmp -s "$tmp/out" "$golden/$name" && [ $rc -eq "$want" ]
	ok $? "golden $name (exit $rc, want $want)"
	cmp -s "$tmp/out" "$golden/$name" || diff "$golden/$name" "$tmp/out" | head -10 | sed 's/^/#   /'
}
gold compare-aa.txt 0 base.json same.json
gold compare-effect.txt 1 --match variant base.json pages64.json
gold compare-effect.md 1 --match variant --format markdown base.json pages64.json
gold compare-effect.json 1 --match variant --format json base.json pages64.json
gold compare-from-zero.txt 1 --match variant novictim.json base.json
gold compare-multi.txt 1 --match variant base.json same.json pages64.json
gold compare-multi.md 1 --match variant --format markdown base.json same.json pages64.json
gold compare-unpaired.txt 2 base.json pages64.json
grep -q "no result pairs" "$golden/compare-unpaired.txt"
ok $? "nothing paired: exit 2 and says so"
gold compare-dir.txt 0 --threshold 500 --match variant . .
grep -q '(4 vs 4 run(s): mean of run medians)' "$golden/compare-dir.txt"
ok $? "a directory's runs of one pair are pooled (4 runs, 32 samples)"

# text stays fit for email
awk 'length > 80 { bad = 1 } END { exit bad }' "$golden/compare-effect.txt" "$golden/compare-aa.txt"
ok $? "text output fits 80 columns"
/usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$golden/compare-effect.json"
ok $? "json output parses"

# --- bad input: exit 2, the file and the field named, never a crash
head -c 700 "$fx/base.json" > "$tmp/truncated.json"
echo 'hello' > "$tmp/text.json"
sed 's/"mmb-result\/1"/"mmb-result\/9"/' "$fx/base.json" > "$tmp/schema.json"
/usr/bin/python3 - "$fx/base.json" "$tmp" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = sys.argv[2]
x = json.loads(json.dumps(d)); del x["metrics"]["cycles"]["values"]
json.dump(x, open(t + "/novalues.json", "w"))
x = json.loads(json.dumps(d)); x["metrics"]["cycles"]["values"][1] = "7"
json.dump(x, open(t + "/badvalue.json", "w"))
x = json.loads(json.dumps(d)); x["metrics"] = [1]
json.dump(x, open(t + "/metrics.json", "w"))
x = json.loads(json.dumps(d)); del x["bench"]
json.dump(x, open(t + "/nobench.json", "w"))
json.dump([1, 2], open(t + "/array.json", "w"))
PY
mkdir -p "$tmp/empty"
bad "truncated JSON" "truncated.json: not JSON" "$C" "$fx/base.json" "$tmp/truncated.json"
bad "not JSON" "text.json: not JSON" "$C" "$tmp/text.json" "$fx/base.json"
bad "wrong schema" "schema.json: field 'schema'" "$C" "$fx/base.json" "$tmp/schema.json"
bad "no per-sample values" "novalues.json: metrics.cycles.values" "$C" "$fx/base.json" "$tmp/novalues.json"
bad "a value not a number" "badvalue.json: metrics.cycles.values\[1\]" "$C" "$fx/base.json" "$tmp/badvalue.json"
bad "metrics not an object" "metrics.json: field 'metrics'" "$C" "$fx/base.json" "$tmp/metrics.json"
bad "no bench" "nobench.json: field 'bench'" "$C" "$fx/base.json" "$tmp/nobench.json"
bad "not an object" "array.json: not an mmb result" "$C" "$fx/base.json" "$tmp/array.json"
bad "missing file" "nope.json: No such file" "$C" "$fx/base.json" "$tmp/nope.json"
bad "empty directory" "empty: no result files" "$C" "$fx/base.json" "$tmp/empty"
bad "one input" "give a BASE" "$C" "$fx/base.json"
bad "unknown format" "--format" "$C" --format xml "$fx/base.json" "$fx/same.json"
bad "bad threshold" "--threshold" "$C" --threshold abc "$fx/base.json" "$fx/same.json"
bad "bad match" "--match" "$C" --match none "$fx/base.json" "$fx/same.json"

# --- metrics pair on name, unit and kind of source: PMU cycles against TSC
# cycles (values x0.8, as a 0.8 GHz TSC ratio would give) and a metric one
# side lacks are incomparable, never a change (they read -20% and -100%)
/usr/bin/python3 - "$fx/base.json" "$tmp/relabel.json" <<'PY'
import json, sys
x = json.load(open(sys.argv[1]))
m = x["metrics"]["cycles"]
m["unit"], m["source"] = "cycles", "pmu: cpu-cycles on the initiator's CPU 0 (libperf)"
m["values"] = [v * 0.8 for v in m["values"]]
m["median"] *= 0.8
del x["metrics"]["ipi_tlb_per_op"]
x["not_applicable"] = {"ipi_tlb_per_op": "not applicable: hypercall flush"}
json.dump(x, open(sys.argv[2], "w"))
PY
"$C" --format json "$fx/base.json" "$tmp/relabel.json" > "$tmp/rl.json"
rc=$?
/usr/bin/python3 - "$tmp/rl.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m = {x["metric"]: x["new"][0] for x in d["pairs"][0]["metrics"]}
c, t = m["cycles"], m["ipi_tlb_per_op"]
sys.exit(0 if c["incomparable"] and "unit" in c["incomparable"] and
         c["change_pct"] is None and not c["significant"] and
         t["incomparable"] and "not applicable" in t["incomparable"] and
         t["change_pct"] is None and not d["regressions"] else 1)
PY
ok $? "cycles in another unit and an n/a metric: incomparable, no change, no regression"
[ $rc -eq 0 ]
ok $? "  and the gate passes (exit $rc)"
"$C" "$fx/base.json" "$tmp/relabel.json" | grep -q "cycles (incomparable: unit tsc-cycles against cycles)"
ok $? "  the text table says why"

# --- cpu_dma_latency decides what an idle victim is: runs with it on and
# off are different workloads and never pair
/usr/bin/python3 - "$fx/base.json" "$tmp/dmaoff.json" <<'PY'
import json, sys
x = json.load(open(sys.argv[1]))
x["params"]["cpu-dma-latency"] = "off"
json.dump(x, open(sys.argv[2], "w"))
PY
bad "cpu-dma-latency on against off" "no result pairs" "$C" "$fx/base.json" "$tmp/dmaoff.json"

# --- exec-exit's parent_rss_kb is what the run found resident, a few pages
# apart from run to run: runs that differ only in it pair (they did not,
# and every gate run of exec-exit went unpaired)
/usr/bin/python3 - "$fx/base.json" "$tmp" <<'PY'
import json, sys
for kb in (5416, 5856):
    x = json.load(open(sys.argv[1]))
    x["params"]["parent_rss_kb"] = kb
    x["params"]["parent_vmas"] = 30
    json.dump(x, open(f"{sys.argv[2]}/rss{kb}.json", "w"))
PY
"$C" "$tmp/rss5416.json" "$tmp/rss5856.json" > "$tmp/rss.txt" 2>&1
rc=$?
[ $rc -eq 0 ] && ! grep -q unpaired "$tmp/rss.txt"
ok $? "results apart only in parent_rss_kb pair (exit $rc)"
/usr/bin/python3 - "$tmp/rss5856.json" <<'PY'
import json, sys
x = json.load(open(sys.argv[1]))
x["params"]["parent_vmas"] = 31
json.dump(x, open(sys.argv[1], "w"))
PY
bad "results apart in parent_vmas (another build's mm)" "no result pairs" \
	"$C" "$tmp/rss5416.json" "$tmp/rss5856.json"

# --- the rules themselves, on synthetic gates of 50 metrics whose drift is
# known (seeded: the same figures every time): an A/A gate of 3 runs a side
# flags something in at most 5% of gates
"$BIN/mmb-compare-sim" --gates 1000 --runs 3 > "$tmp/sim" 2>&1
sed 's/^/# /' "$tmp/sim"
fpr=$(awk '$1 == "false_positive_rate" { sub("%", "", $2); print $2 }' "$tmp/sim")
[ -n "$fpr" ] && in_range "$fpr" 0 5
ok $? "simulated A/A gates, 3 runs a side: false-positive rate $fpr% <= 5%"

# --- the same rules at a measured noise (--from an A/A compare): 5 runs a
# side of one result whose latency drifts 0.4% from run to run and whose
# cycles drift 10%; every other metric stays as it is.  Power follows each
# metric's own spread: the quiet one reaches 90%, the noisy one cannot,
# and the bound (no test does better) says so too.
/usr/bin/python3 - "$fx/base.json" "$tmp/aa" <<'PY'
import json, os, random, sys
random.seed(7)
for side in "ab":
    os.makedirs(f"{sys.argv[2]}/{side}", exist_ok=True)
    for run in range(5):
        x = json.load(open(sys.argv[1]))
        for name, cv in (("latency_ns", 0.004), ("cycles", 0.10)):
            m = x["metrics"][name]
            level = 1 + random.gauss(0, cv)
            m["values"] = [v * level for v in m["values"]]
            m["median"] = sorted(m["values"])[len(m["values"]) // 2]
        json.dump(x, open(f"{sys.argv[2]}/{side}/run{run}.json", "w"))
PY
"$C" --format json "$tmp/aa/a" "$tmp/aa/b" > "$tmp/aa.json"
"$BIN/mmb-compare-sim" --from "$tmp/aa.json" --gates 300 > "$tmp/simf" 2>&1
rc=$?
sed 's/^/# /' "$tmp/simf"
[ $rc -eq 0 ]
ok $? "mmb-compare-sim --from an A/A compare runs (exit $rc)"
row() { awk -v m="$1" '$NF == m && $5 == "shootdown/munmap" { sub("%", "", $1); sub("%", "", $2); print $1, $2 }' "$tmp/simf"; }
read -r pw bd <<< "$(row latency_ns)"
[ -n "$pw" ] && in_range "$pw" 90 100 && in_range "$bd" 90 100
ok $? "  latency (0.4% drift): power $pw%, bound $bd%, both >= 90%"
read -r pw bd <<< "$(row cycles)"
[ -n "$pw" ] && in_range "$pw" 0 50 && in_range "$bd" 0 90
ok $? "  cycles (10% drift): power $pw% < 50%, bound $bd% < 90%"
fpr=$(awk '$1 == "false_positive_rate" { sub("%", "", $2); print $2 }' "$tmp/simf")
[ -n "$fpr" ] && in_range "$fpr" 0 5
ok $? "  A/A gates at the measured noise: false-positive rate $fpr% <= 5%"
grep -q "^metrics_at_90pct .* of " "$tmp/simf" && grep -q "^reachable_at_90pct " "$tmp/simf"
ok $? "  the summary says how many metrics reach the target and how many could"
"$C" --format json "$fx/base.json" "$fx/same.json" > "$tmp/one.json"
bad "--from a compare of one run a side" "drift between runs is not measured" \
	"$BIN/mmb-compare-sim" --from "$tmp/one.json"
bad "--from a result, not a compare" "not the output of mmb compare" \
	"$BIN/mmb-compare-sim" --from "$fx/base.json"
bad "--from a file that is not there" "--from" "$BIN/mmb-compare-sim" --from "$tmp/none.json"

# --- the direction of worse: throughput falls, informational never judged
/usr/bin/python3 - "$fx/base.json" "$tmp" <<'PY'
import json, sys
def with_metrics(ops_scale, mhz_scale, out):
    x = json.load(open(sys.argv[1]))
    for name, unit, base, scale in (("ops_per_s", "ops/s", 1e5, ops_scale),
                                    ("effective_mhz", "MHz", 2000.0, mhz_scale)):
        vals = [base * scale * (1 + 0.002 * (i % 3 - 1)) for i in range(8)]
        x["metrics"][name] = {"unit": unit, "median": sorted(vals)[4],
                              "mean": sum(vals) / 8, "stddev": 0.0, "min": min(vals),
                              "max": max(vals), "p95": max(vals), "n": 8,
                              "source": "test", "values": vals}
    json.dump(x, open(f"{sys.argv[2]}/{out}.json", "w"))
with_metrics(1.0, 1.0, "thr-base")
with_metrics(0.7, 1.0, "thr-down")
with_metrics(1.3, 0.6, "thr-up")
PY
"$C" --format json "$tmp/thr-base.json" "$tmp/thr-down.json" > "$tmp/thr-d.json"
rc=$?
[ $rc -eq 1 ] && /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if [r["metric"] for r in d["regressions"]] == ["ops_per_s"] else 1)' "$tmp/thr-d.json"
ok $? "ops_per_s 30% lower: a regression, the only one (exit $rc)"
"$C" --format json "$tmp/thr-base.json" "$tmp/thr-up.json" > "$tmp/thr-u.json"
rc=$?
[ $rc -eq 0 ] && /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
m = {x["metric"]: x["new"][0] for x in d["pairs"][0]["metrics"]}
o, f = m["ops_per_s"], m["effective_mhz"]
sys.exit(0 if o["significant"] and o["change_pct"] > 0 and not o["regression"]
         and not f["significant"] and not d["regressions"] else 1)' "$tmp/thr-u.json"
ok $? "ops_per_s 30% higher: an improvement; effective_mhz 40% lower: informational, not judged (exit $rc)"

# --- A/A: two runs of the same suite find no significant change in >= 95%
if [ "$(nproc)" -ge 2 ]; then
	# three runs a side, interleaved; the run is the unit of the t-test
	for s in a1 b1 a2 b2 a3 b3; do
		"$MMB_TOP/scripts/mmb" run --duration 0.1 --repeat 5 --out "$tmp/aa-${s%?}/$s" \
			ctxsw membarrier shootdown > /dev/null 2>&1
	done
	"$C" --format json "$tmp/aa-a" "$tmp/aa-b" > "$tmp/aa.json"
	/usr/bin/python3 - "$tmp/aa.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ms = [m for p in d["pairs"] for m in p["metrics"]]
sig = [f'{p["pair"]} {m["metric"]} {m["new"][0]["change_pct"]}' for p in d["pairs"]
       for m in p["metrics"] if m["new"][0]["significant"]]
rate = 100.0 * (len(ms) - len(sig)) / max(len(ms), 1)
print(f"# A/A: {len(sig)} of {len(ms)} metrics significant; {rate:.1f}% not")
for s in sig:
    print(f"#   {s}")
sys.exit(0 if ms and rate >= 95 else 1)
PY
	ok $? "A/A: at least 95% of metrics show no significant change"
else
	skip "A/A" "needs 2 CPUs"
fi

# --- a known effect, found with the right sign: 1 page against 64 per op
O="--variant munmap --initiator 0 --duration 0.1 --repeat 6 --warmup 0.05 --quiet --format json"
"$BIN/mmb-shootdown" $O --pages 1 --output "$tmp/p1.json"
"$BIN/mmb-shootdown" $O --pages 64 --output "$tmp/p64.json"
"$C" --match variant --format json "$tmp/p1.json" "$tmp/p64.json" > "$tmp/e.json"
rc=$?
[ $rc -eq 1 ] && /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = [x for x in d["regressions"] if x["metric"] == "latency_ns"]
sys.exit(0 if r and r[0]["change_pct"] > 0 else 1)' "$tmp/e.json"
ok $? "64 pages against 1: a latency regression, exit 1 (got $rc)"
"$C" --match variant --format json "$tmp/p64.json" "$tmp/p1.json" > "$tmp/e2.json"
rc=$?
# The gate's exit covers every metric.  A faster op can honestly have a
# worse tail (latency_p999_ns of ~1000 ops per window is a handful of
# ops), so only the mean latency and the cycles are held to the sign.
[ $rc -le 1 ] && /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["regressions"]:
    print("#   also flagged: %s %+.1f%%" % (r["metric"], r["change_pct"]))
m = [m for m in d["pairs"][0]["metrics"] if m["metric"] == "latency_ns"][0]["new"][0]
bad = [r for r in d["regressions"] if r["metric"] in ("latency_ns", "cycles")]
sys.exit(0 if m["significant"] and m["change_pct"] < 0 and not bad else 1)' "$tmp/e2.json"
ok $? "1 page against 64: latency a significant improvement, no regression in latency or cycles (exit $rc)"
# --- boot settings: never pooled when they differ, said when inputs differ
mkdir -p "$tmp/bs/on" "$tmp/bs/off" "$tmp/bs/mixed"
/usr/bin/python3 - "$fx/base.json" "$tmp/bs" <<'PY'
import copy, json, sys
d = json.load(open(sys.argv[1]))
def boot(pti):
    r = copy.deepcopy(d)
    r["system"]["boot"] = {"cmdline": f"console=ttyS0 pti={'on' if pti else 'off'}",
                           "settings": {"cmdline": [f"pti={'on' if pti else 'off'}"],
                                        "pti": pti, "pcid": False, "invlpgb": False,
                                        "spectre_v2": "Mitigation: Retpolines"}}
    return r
for i in (1, 2):
    json.dump(boot(True), open(f"{sys.argv[2]}/on/r{i}.json", "w"))
    json.dump(boot(False), open(f"{sys.argv[2]}/off/r{i}.json", "w"))
json.dump(boot(True), open(f"{sys.argv[2]}/mixed/r1.json", "w"))
json.dump(boot(False), open(f"{sys.argv[2]}/mixed/r2.json", "w"))
PY
"$C" --threshold 500 "$tmp/bs/on" "$tmp/bs/mixed" > "$tmp/bs.out" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "mixed/r2.json: .*other boot settings than .*mixed/r1.json (pti off.*against pti on" "$tmp/bs.out"
ok $? "runs of one input under pti=on and pti=off are not pooled: exit 2 naming both (got $rc: $(head -c 120 "$tmp/bs.out"))"
"$C" --threshold 500 "$tmp/bs/on" "$tmp/bs/off" > "$tmp/bs.out" 2>&1
rc=$?
[ $rc -ne 2 ] && grep -q "^# boot settings differ: base pti on, pcid off, invlpgb off; cmdline pti=on; .*off pti off" "$tmp/bs.out"
ok $? "pti=on against pti=off as two inputs: compared, and the difference said (exit $rc)"
"$C" --threshold 500 --format json "$tmp/bs/on" "$tmp/bs/off" 2>/dev/null |
	/usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d["settings_differ"][0]["new"].startswith("pti off") else 1)'
ok $? "  and in JSON: settings_differ"
"$C" --threshold 500 "$tmp/bs/on" "$tmp/bs/on" 2>&1 | grep -q "boot settings differ"
[ $? -ne 0 ]
ok $? "  the same settings on both sides: nothing said"
done_testing
