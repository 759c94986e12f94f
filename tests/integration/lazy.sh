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
# And the five strategies in one mmb-matrix table, from the reference
# bundles recorded in their guests (results/reference/tcg-*.json): the
# mmdrop column n/a on refcount and mmgen, 0 on shootdown and hazptr (the
# exit's flush took the lazy CPUs off; hazptr's asked column agrees), 1 or
# more on keepmask; one deferred
# free per exit with a wait on mmgen only; each detected its strategy.
. "$(dirname "$0")/tap.bash"

f=$tmp/lazy_mm
put() {	# put N: N mms deferred, each waited 5 ms (2 ticks) and was freed
	printf 'strategy mmgen\nhz 400\ngeneration %d\npending 3\ndeferred %d\nfreed %d\nwait_ticks %d\nwait_ns %d\nmax_wait_ticks 2\n' \
		"$1" "$1" "$1" $((2 * $1)) $((5000000 * $1))
}
mkfifo "$tmp/fifo"
# each open for reading gets the next N: no window without a free.  A
# write that lands as the last reader closes gets EPIPE, not SIGPIPE, and
# the loop goes on to the next reader.
( trap '' PIPE; i=1; while :; do put $i 2>/dev/null > "$tmp/fifo"; i=$((i + 1)); done ) &
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

pytap "$tmp" <<'PY'
import json
tmp = ARGS[0]
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
PY

# The five strategies in one table, from the reference bundles that
# scripts/reference.sh recorded in their guests (results/reference/)
ref=$MMB_TOP/results/reference
five=(refcount shootdown shootdown-keepmask hazptr mmgen)
bundles=()
for s in "${five[@]}"; do bundles+=("$ref/tcg-$s.json"); done
"$BIN/mmb-matrix" "${bundles[@]}" > "$tmp/m5" 2> "$tmp/err"
ok $? "mmb-matrix: the reference bundles of ${five[*]} in one table"
pytap "$tmp/m5" <<'PY'
lines = open(ARGS[0]).read().splitlines()
rows = [l.split(" | ") for l in lines if " | " in l]
heads = [seg.split() for seg in rows[1][1:]]
names = [seg.strip() for seg in rows[0][1:]]
cell = {}
for r in rows[2:]:
    for s, (seg, head) in enumerate(zip(r[1:], heads)):
        for h, v in zip(head, seg.split()):
            cell[(r[0].strip(), names[s].replace("tcg-", "").replace(".json", ""), h)] = v
strategies = ["refcount", "shootdown", "shootdown-keepmask", "hazptr", "mmgen"]
say([x.replace("tcg-", "").replace(".json", "") for x in names] == strategies,
    f"one column block per strategy ({names})")
for col in ("mmdrop", "defer", "wait_ms"):
    say(any(l.startswith(f"# {col}: ") for l in lines), f"a legend line for {col}")
def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None
w = "exec-exit/walk-exit"
got = {s: cell.get((w, s, "mmdrop")) for s in strategies}
say(got["refcount"] == "n/a" and got["mmgen"] == "n/a",
    f"walk-exit mmdrop: n/a where __mmdrop() has no lazy cross-call ({got})")
say(num(got["shootdown"]) == 0 and num(got["hazptr"]) == 0,
    "  none on shootdown and hazptr: the exit's flush took the lazy CPUs off")
say((num(got["shootdown-keepmask"]) or 0) >= 1,
    "  keepmask's lazy CPUs stay and are asked at __mmdrop()")
a = {s: cell.get((w, s, "asked")) for s in strategies}
say(num(a["hazptr"]) == 0 and all(a[s] == "-" for s in strategies if s != "hazptr"),
    f"walk-exit asked: hazptr's own count, 0 on x86, like mmdrop ({a})")
d = {s: cell.get((w, s, "defer")) for s in strategies}
say(num(d["mmgen"]) == 1 and all(d[s] == "-" for s in strategies[:4]),
    f"walk-exit defer: one deferred free per exit on mmgen only ({d})")
wm = {s: cell.get((w, s, "wait_ms")) for s in strategies}
say((num(wm["mmgen"]) or 0) > 0 and all(wm[s] == "-" for s in strategies[:4]),
    f"walk-exit wait_ms: mmgen's deferred mms waited ({wm})")
foot = [l for l in lines if "lazy_tlb" in l and l.startswith("# tcg-")]
det = [l.split("lazy_tlb ")[1].split(",")[0] for l in foot]
say(det == ["refcount", "shootdown", "shootdown", "hazptr", "mmgen"],
    f"each detected its strategy ({det})")
PY
done_testing
