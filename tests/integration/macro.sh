# SPDX-License-Identifier: GPL-2.0
# mmb macro: a whole workload under hyperfine; its times are hyperfine's,
# its counts per run ours, the result an mmb-result/1 the tools take.
. "$(dirname "$0")/tap.bash"

if ! command -v hyperfine > /dev/null; then
	skip "mmb macro" "no hyperfine"
	done_testing
	exit 0
fi
"$BIN/mmb-macro" --variant sleep --runs 3 --warmup 1 --quiet --format json \
	--output "$tmp/s.json" -- --shell=none 'sleep 0.2' 2>"$tmp/err"
ok $? "a command of our own ($(head -c 200 "$tmp/err"))"
/usr/bin/python3 - "$tmp/s.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m, s = d["metrics"], d["samples"]
assert d["bench"] == "macro" and d["variant"] == "sleep"
assert len(s) == 3 and m["latency_ns"]["n"] == 3
# hyperfine's times: a 0.2 s sleep, each run
assert all(0.19e9 <= x <= 0.6e9 for x in m["latency_ns"]["values"]), m["latency_ns"]["values"]
assert [x["op_ns"] for x in s] == [int(v) for v in m["latency_ns"]["values"]]
# each window holds its run: at least the run's time, not several runs'
assert all(x["op_ns"] <= x["window_ns"] < x["op_ns"] + 0.5e9 for x in s), [(x["op_ns"], x["window_ns"]) for x in s]
assert m["ipis_per_op"]["n"] == 3
assert d["params"]["command"] == "sleep 0.2" and d["params"]["hyperfine_options"] == ["--shell=none"]
PY
ok $? "  hyperfine's time of each run, our counts over each run's window"
/usr/bin/python3 "$MMB_TOP/tests/validate.py" "$tmp/s.json" > /dev/null
ok $? "  a valid mmb-result/1"

"$BIN/mmb-macro" --preset forkexec --runs 2 --warmup 0 --quiet --format json \
	--output "$tmp/f.json" 2>"$tmp/err"
ok $? "preset forkexec ($(head -c 200 "$tmp/err"))"
/usr/bin/python3 - "$tmp/f.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m = d["metrics"]
assert d["params"]["preset"] == "forkexec"
# 1000 fork+exec per run: the switches into idle and the IPIs are counted
assert m["ipis_per_op"]["median"] > 0, m["ipis_per_op"]
if "tp_idle_enter_per_op" in m:
    assert m["tp_idle_enter_per_op"]["median"] > 0
PY
ok $? "  counts per run of a fork/exec loop"
"$BIN/mmb-macro" --preset forkexec --runs 2 --warmup 0 --quiet --format json \
	--output "$tmp/f2.json" 2>/dev/null
"$BIN/mmb-compare" --format json "$tmp/f.json" "$tmp/f2.json" > "$tmp/c.json"
rc=$?
[ $rc -ne 2 ] && /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if len(d["pairs"]) == 1 and not d["unpaired"] else 1)' "$tmp/c.json"
ok $? "compare pairs two runs of a macro (rc $rc)"
"$BIN/mmb-report" "$tmp/f.json" | grep -q "mmb-macro --variant forkexec --preset forkexec"
ok $? "report gives the command that reproduces it"

bad "no workload named" "--variant: name the workload" "$BIN/mmb-macro" -- true
bad "a name the results cannot carry" "--variant: lower-case" \
	"$BIN/mmb-macro" --variant Big -- true
bad "hyperfine options it sets itself" "--prepare: mmb-macro sets it" \
	"$BIN/mmb-macro" --variant x -- --prepare 'echo' true
bad "an unknown preset" "--preset: hackbench, compile or forkexec" \
	"$BIN/mmb-macro" --preset nope
"$BIN/mmb-macro" --variant fails --runs 2 --warmup 0 --quiet -- --shell=none false \
	> /dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && grep -q "hyperfine failed" "$tmp/err"
ok $? "a failing command: exit 1, said ($rc)"

"$BIN/mmb-macro" --variant long --runs 20 --warmup 0 --quiet --format json \
	--output "$tmp/l.json" -- --shell=none 'sleep 0.5' 2>/dev/null &
pid=$!
sleep 1.5
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] && [ ! -e "$tmp/l.json" ]
ok $? "Ctrl-C: exit 130, no half result ($rc)"
done_testing
