# SPDX-License-Identifier: GPL-2.0
# Per-op latency distributions: every op timed one by one lands in the
# histogram once; percentiles come per sample, in order; the per-op pass
# runs where ops are timed per batch and only there; mmb plot --hist.
. "$(dirname "$0")/tap.bash"

"$BIN/mmb-shootdown" --variant munmap --victims 0 $QUICK --latency-repeat 2 \
	--format json --output "$tmp/sd.json" 2>/dev/null
ok $? "shootdown munmap runs"
/usr/bin/python3 - "$tmp/sd.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
h, m = d["latency_histogram"], d["metrics"]
assert "latency_samples" not in d, "a per-op pass where ops are timed anyway"
ops = sum(s["ops"] for s in d["samples"])
assert h["ops"] == ops == sum(b[2] for b in h["buckets"]), (h["ops"], ops)
assert h["p50"] <= h["p90"] <= h["p99"] <= h["p999"], h
for k in ("latency_p50_ns", "latency_p90_ns", "latency_p99_ns", "latency_p999_ns"):
    assert m[k]["n"] == len(d["samples"]), k
# every sample's ops fall between its fastest and slowest bucket, so its
# mean (latency_ns) cannot be below the smallest bucket's bound
assert h["buckets"][0][0] <= min(m["latency_ns"]["values"]), (h["buckets"][0], m["latency_ns"]["min"])
PY
ok $? "  every op in the histogram once (its ops are the samples' ops); p50 <= p90 <= p99 <= p99.9"

"$BIN/mmb-membarrier" --variant private --victims 0 $QUICK --latency-repeat 2 \
	--format json --output "$tmp/mb.json" 2>/dev/null
ok $? "membarrier private runs"
/usr/bin/python3 - "$tmp/mb.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
h, m = d["latency_histogram"], d["metrics"]
assert len(d["latency_samples"]) == 2
assert h["ops"] == sum(s["ops"] for s in d["latency_samples"]), h["ops"]
assert m["latency_p99_ns"]["n"] == 2
assert "separate pass of 2 samples" in m["latency_p50_ns"]["source"]
PY
ok $? "  ops timed per batch: a per-op pass of --latency-repeat samples, its ops in the histogram"

"$BIN/mmb-membarrier" --variant private --victims 0 $QUICK --latency-repeat 0 \
	--format json --output "$tmp/mb0.json" 2>/dev/null
/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(1 if "latency_histogram" in d or "latency_p50_ns" in d["metrics"] else 0)' "$tmp/mb0.json"
ok $? "--latency-repeat 0: no pass, no percentiles"

"$BIN/mmb-null" --variant empty --initiators 1 $QUICK --format json \
	--output "$tmp/ni.json" 2>/dev/null
/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(1 if "latency_histogram" in d else 0)' "$tmp/ni.json"
ok $? "--initiators: no distribution (initiators do not time ops one by one)"

/usr/bin/python3 "$MMB_TOP/tests/validate.py" "$tmp/sd.json" "$tmp/mb.json" > "$tmp/v" 2>&1
ok $? "both results are valid mmb-result/1 ($(grep -v '^ok' "$tmp/v" | head -c 200))"

"$BIN/mmb-plot" --hist --out "$tmp/h" "$tmp/sd.json" "$tmp/mb.json" > /dev/null 2>&1
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 4 ]
ok $? "plot --hist ($rc)"
grep -q "^# series: sd shootdown/munmap p50" "$tmp/h.dat" &&
	grep -q "^# series: mb membarrier/private p50" "$tmp/h.dat"
ok $? "  one distribution per result, percentiles in its label"
bad "plot --hist without histograms" "no input has a latency_histogram" \
	"$BIN/mmb-plot" --hist --out "$tmp/h2" "$tmp/ni.json"
done_testing
