# SPDX-License-Identifier: GPL-2.0
# A metric is described in one place.  tests/benches/metric-demo.c declares
# two metrics of its own, with their descriptions, and nothing outside it
# and lib/ knows them: summary, matrix, compare, plot and the gate must
# show, label and judge them from the result's metric_info alone.
#   widgets_per_op: lower is better, gated, a table column "widgets"
#   spares_per_op:  the same count, higher is better, no column
# MMB_DEMO_WIDGETS stands in for a kernel change: 1 in the base, 2 after.
. "$(dirname "$0")/tap.bash"

demo=${BIN%/bin}/testbench/mmb-metric-demo
MMB=$MMB_TOP/scripts/mmb
[ -x "$demo" ] || skip_all "a test-only bench's metrics in every tool" "build/testbench/mmb-metric-demo not built (make tests)"

run() {		# run DIR WIDGETS NAME [ARGS...]
	local dir=$1 w=$2 name=$3
	shift 3
	mkdir -p "$dir"
	MMB_DEMO_WIDGETS=$w "$demo" --duration 0.02 --repeat 5 --warmup 0 \
		--latency-repeat 0 --tracepoint-repeat 0 --quiet --format json \
		--output "$dir/$name.json" "$@"
}
for r in 1 2; do
	run "$tmp/a" 1 "r$r" && run "$tmp/b" 2 "r$r" || { ok 1 "the demo bench runs"; done_testing; exit 0; }
done

# --- the result carries the description, declared in the bench
/usr/bin/python3 - "$tmp/a/r1.json" <<'PY'
import json, sys
i = json.load(open(sys.argv[1]))["metric_info"]
w, s = i["widgets_per_op"], i["spares_per_op"]
assert (w["kind"], w["better"], w["role"], w["label"], w["column"]) == \
    ("count", "lower", "gated", "widgets moved per op", "widgets"), w
assert (s["better"], s["role"], "column" in s) == ("higher", "gated", False), s
assert i["latency_ns"]["kind"] == "time" and i["ipis_per_op"]["column"] == "ipis"
PY
ok $? "metric_info carries the bench's own descriptions and the runner's"

# --- summary: a column for widgets, labelled, none for spares
"$BIN/mmb-summary" "$tmp/a" "$tmp/b" > "$tmp/sum" 2>&1
grep -q '^# widgets: widgets moved per op, widgets/op (widgets_per_op)' "$tmp/sum" &&
	head -6 "$tmp/sum" | grep -q ' widgets  initiator>victims' &&
	! grep -q spares "$tmp/sum" &&
	[ "$(awk '$1 == "metric-demo" { w = NF - 1; print $w }' "$tmp/sum" | sort -u | tr '\n' ' ')" = "1.000 2.000 " ]
st=$?
ok $st "summary: a widgets column (1.000, then 2.000) with its label, no spares column"
[ $st -eq 0 ] || sed 's/^/#   /' "$tmp/sum"

# --- matrix: the same column, per kernel
"$BIN/mmb-matrix" "$tmp/a" "$tmp/b" > "$tmp/mat" 2>&1
grep -q '^# widgets: widgets moved per op, widgets/op (widgets_per_op)' "$tmp/mat" &&
	grep -q 'latency_ns widgets |' "$tmp/mat" &&
	grep '^metric-demo/move' "$tmp/mat" | grep -q ' 1\.00 |.* 2\.00$'
st=$?
ok $st "matrix: a widgets column, 1.00 against 2.00"
[ $st -eq 0 ] || sed 's/^/#   /' "$tmp/mat"

# --- compare: judged in the direction the bench declared
"$BIN/mmb-compare" --format json "$tmp/a" "$tmp/b" > "$tmp/ab.json"
rc=$?
/usr/bin/python3 - "$tmp/ab.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
reg = {r["metric"] for r in d["regressions"]}
m = {x["metric"]: x["new"][0] for x in d["pairs"][0]["metrics"]}
assert "widgets_per_op" in reg, reg
assert "spares_per_op" not in reg and m["spares_per_op"]["significant"], m["spares_per_op"]
PY
ok $(( $? || rc != 1 )) "compare 1 -> 2: widgets (lower is better) a regression, spares (higher is better) an improvement (exit $rc)"
"$BIN/mmb-compare" --format json "$tmp/b" "$tmp/a" > "$tmp/ba.json"
/usr/bin/python3 - "$tmp/ba.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
reg = {r["metric"] for r in d["regressions"]}
assert "spares_per_op" in reg and "widgets_per_op" not in reg, reg
PY
ok $? "compare 2 -> 1: spares the regression, widgets not"

# --- plot: the axis says what the metric is
mkdir -p "$tmp/p"
run "$tmp/p" 2 i1 --initiators 1 && run "$tmp/p" 2 i2 --initiators 2
"$BIN/mmb-plot" --x initiators --ipis widgets_per_op --out "$tmp/plot" "$tmp/p" > /dev/null 2>&1
grep -q 'set ylabel "widgets moved per op (counted by the op)' "$tmp/plot.gp"
st=$?
ok $st "plot: the lower panel's axis is labelled from the description"
[ $st -eq 0 ] || grep ylabel "$tmp/plot.gp" | sed 's/^/#   /'

# --- gate: fails on the declared metric
"$MMB" gate --update-baseline --baseline "$tmp/base.json" --new "$tmp/a" > /dev/null 2>&1
"$MMB" gate --baseline "$tmp/base.json" --new "$tmp/b" --out "$tmp/g" > "$tmp/gate.md" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q 'metric-demo/move widgets_per_op' "$tmp/gate.md" &&
	! grep -q 'move spares_per_op' "$tmp/gate.md"
ok $? "gate: a rise in widgets fails it, naming widgets_per_op (exit $rc)"

# --- a result whose description is malformed is refused, naming the field
/usr/bin/python3 - "$tmp/a/r1.json" "$tmp/bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["metric_info"]["widgets_per_op"]["better"] = "sideways"
json.dump(d, open(sys.argv[2], "w"))
PY
bad "summary: a bad metric_info" "metric_info.widgets_per_op.better" "$BIN/mmb-summary" "$tmp/bad.json"

# --- a result from before metric_info reads with the built-in table
/usr/bin/python3 - "$MMB_FIXTURES/compare/base.json" "$tmp/old.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d.pop("metric_info", None)
json.dump(d, open(sys.argv[2], "w"))
PY
"$BIN/mmb-summary" "$tmp/old.json" > "$tmp/old.sum" 2>&1 &&
	head -8 "$tmp/old.sum" | grep -q 'latency_ns       cycles     ipis      tlb   rflush     call  resched'
ok $? "a result without metric_info: the built-in columns"
done_testing
