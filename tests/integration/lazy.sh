# SPDX-License-Identifier: GPL-2.0
# The totals of our hazptr and mmgen series in a result (lib/counters.c
# reads /sys/kernel/debug/lazy_mm at both ends of a window; MMB_LAZY_STATS
# names a stand-in: a FIFO whose every read shows one more mm deferred and
# freed, as an mmgen kernel would, so each window sees at least one):
#  - counts become per-op figures, with their descriptions in metric_info
#  - the mean wait is the window's wait over its frees (5 ms, 2 ticks each
#    here), the pending figure the value at the window's end
#  - a window with no free has no mean wait: the figure is absent, never 0
#  - no file, no lazy figures at all
. "$(dirname "$0")/tap.bash"

f=$tmp/lazy_mm
put() {	# put N: N mms deferred, each waited 5 ms (2 ticks) and was freed
	printf 'strategy mmgen\nhz 400\ngeneration %d\npending 3\ndeferred %d\nfreed %d\nwait_ticks %d\nwait_ns %d\nmax_wait_ticks 2\n' \
		"$1" "$1" "$1" $((2 * $1)) $((5000000 * $1))
}
mkfifo "$tmp/fifo"
# each open for reading gets the next N: no window without a free
( i=1; while :; do put $i > "$tmp/fifo" || exit; i=$((i + 1)); done ) &
writer=$!
put 1 > "$f"
MMB_LAZY_STATS=$tmp/fifo "$BIN/mmb-null" --variant empty --duration 0.3 --repeat 4 \
	--warmup 0.05 --no-tracepoints --quiet --format json --output "$tmp/moving.json"
ok $? "mmb-null with a moving lazy_mm stand-in"
# the writer sits in open() of the FIFO: a signal ends it there
kill -KILL $writer 2>/dev/null
wait $writer 2>/dev/null
MMB_LAZY_STATS=$f "$BIN/mmb-null" --variant empty --duration 0.2 --repeat 3 \
	--warmup 0.05 --no-tracepoints --quiet --format json --output "$tmp/still.json"
ok $? "mmb-null with a still one"
MMB_LAZY_STATS=$tmp/absent "$BIN/mmb-null" --variant empty --duration 0.2 --repeat 3 \
	--warmup 0.05 --no-tracepoints --quiet --format json --output "$tmp/none.json"
ok $? "mmb-null with none"

/usr/bin/python3 - "$tmp" "$n" <<'PY'
import json, sys
tmp, n = sys.argv[1], int(sys.argv[2])
def say(good, text):
    global n
    n += 1
    print(("ok" if good else "not ok") + f" {n} - {text}")
mv = json.load(open(f"{tmp}/moving.json"))
m, info = mv["metrics"], mv["metric_info"]
for k in ("lazy_gen_deferred_per_op", "lazy_gen_freed_per_op",
          "lazy_gen_generations_per_op", "lazy_gen_wait_ms",
          "lazy_gen_wait_ticks", "lazy_gen_pending"):
    say(k in m, f"moving: {k} is a metric")
    say("(mmgen)" in info.get(k, {}).get("label", ""),
        f"  described in metric_info ({info.get(k, {}).get('label')})")
w = m.get("lazy_gen_wait_ms", {})
say(w and abs(w["min"] - 5.0) < 1e-9 and abs(w["max"] - 5.0) < 1e-9,
    f"moving: mean wait 5 ms in every window (min {w.get('min')}, max {w.get('max')})")
t = m.get("lazy_gen_wait_ticks", {})
say(t and abs(t["median"] - 2.0) < 1e-9, f"moving: 2 ticks (median {t.get('median')})")
p = m.get("lazy_gen_pending", {})
say(p and p["median"] == 3, f"moving: 3 pending at the windows' ends (median {p.get('median')})")
d = m.get("lazy_gen_deferred_per_op", {})
say(d and d["max"] > 0, f"moving: deferred per op above zero (max {d.get('max')})")
say("lazy_hazptr_asked_per_op" not in m,
    "moving: no hazptr figure from an mmgen file")
st = json.load(open(f"{tmp}/still.json"))["metrics"]
say("lazy_gen_wait_ms" not in st and "lazy_gen_wait_ticks" not in st,
    "still: no mm freed, so no mean wait (absent, not 0)")
say(st.get("lazy_gen_deferred_per_op", {}).get("max") == 0,
    "still: deferred per op 0")
no = json.load(open(f"{tmp}/none.json"))["metrics"]
say(not [k for k in no if k.startswith("lazy_")], "none: no lazy figure at all")
print(f"1..{n}")
PY
