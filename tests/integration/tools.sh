# SPDX-License-Identifier: GPL-2.0
# The tools around compare: bundles, sweep, plot, report and the CI gate.
# Golden files for every output they print, bad input that must exit 2
# naming the file and field, and real runs of sweep and gate.
. "$(dirname "$0")/tap.bash"

fx=$MMB_FIXTURES
golden=$MMB_TOP/tests/golden
MMB=$MMB_TOP/scripts/mmb

gold_file() {	# gold_file NAME FILE: FILE must equal tests/golden/NAME
	[ -n "${MMB_UPDATE_GOLDEN:-}" ] && cp "$2" "$golden/$1"
	cmp -s "$2" "$golden/$1"
	ok $? "golden $1"
	cmp -s "$2" "$golden/$1" || diff "$golden/$1" "$2" | head -10 | sed 's/^/#   /'
}

# --- bundles: many results in one file, read like a directory
"$BIN/mmb-bundle" -o "$tmp/b.json" "$fx/compare" 2> /dev/null
ok $? "mmb-bundle writes a bundle of a directory"
[ "$(jget "$tmp/b.json" count)" = "$(ls "$fx"/compare/*.json | wc -l)" ] &&
	[ "$(jget "$tmp/b.json" schema)" = "mmb-bundle/1" ]
ok $? "the bundle holds every result and says it is mmb-bundle/1"
"$BIN/mmb-summary" "$fx/compare" > "$tmp/s-dir"
"$BIN/mmb-summary" "$tmp/b.json" > "$tmp/s-bundle"
cmp -s "$tmp/s-dir" "$tmp/s-bundle"
ok $? "a bundle summarises exactly as its directory"
"$BIN/mmb-compare" --match variant "$tmp/b.json" "$fx/compare/base.json" > /dev/null
[ $? -le 1 ]
ok $? "compare reads a bundle as an input"

/usr/bin/python3 - "$tmp/b.json" "$tmp" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); t = sys.argv[2]
x = json.loads(json.dumps(d)); x["results"][1]["schema"] = "mmb-result/0"
json.dump(x, open(t + "/bundle-schema.json", "w"))
x = json.loads(json.dumps(d)); x["results"] = {"a": 1}
json.dump(x, open(t + "/bundle-results.json", "w"))
x = json.loads(json.dumps(d)); del x["results"][2]["metrics"]
json.dump(x, open(t + "/bundle-metrics.json", "w"))
PY
head -c 900 "$fx/compare/base.json" > "$tmp/truncated.json"
for tool in mmb-summary mmb-plot mmb-report mmb-matrix; do
	bad "$tool: truncated JSON" "truncated.json: not JSON" "$BIN/$tool" "$tmp/truncated.json"
done
bad "mmb-compare: truncated JSON" "truncated.json: not JSON" "$BIN/mmb-compare" "$fx/compare/base.json" "$tmp/truncated.json"
bad "mmb-bundle: truncated JSON" "truncated.json: not JSON" "$BIN/mmb-bundle" -o "$tmp/x.json" "$tmp/truncated.json"
bad "bundle: a result of the wrong schema" "bundle-schema.json: results\[1\]: field 'schema'" \
	"$BIN/mmb-report" "$tmp/bundle-schema.json"
bad "bundle: results not an array" "bundle-results.json: field 'results'" \
	"$BIN/mmb-plot" "$tmp/bundle-results.json"
bad "bundle: a result without metrics" "bundle-metrics.json: results\[2\]: field 'metrics'" \
	"$BIN/mmb-compare" "$fx/compare/base.json" "$tmp/bundle-metrics.json"
bad "bundle: no -o" "-o OUT.json" "$BIN/mmb-bundle" "$fx/compare"

# the tables of mmb-summary and mmb-matrix, golden
(cd "$fx" && "$BIN/mmb-summary" results) > "$tmp/summary.txt"
gold_file summary.txt "$tmp/summary.txt"
(cd "$fx" && "$BIN/mmb-matrix" results sweep) > "$tmp/matrix.txt"
gold_file matrix.txt "$tmp/matrix.txt"

# arm64 (recorded in the aarch64 guest): TLB IPIs n/a, never 0
"$BIN/mmb-summary" "$fx/results/arm64-shootdown-munmap.json" > "$tmp/a64"
awk '$1 == "shootdown" && $2 == "munmap" && $6 == "n/a" { found = 1 } END { exit !found }' "$tmp/a64"
ok $? "summary of an arm64 result: the tlb column says n/a"

# --- sweep: checked before it starts, one result per point, progress
bad "sweep: bad range" "--victims: '3..1'" "$MMB" sweep --victims 3..1 shootdown
bad "sweep: zero" "--pages: '0'" "$MMB" sweep --victims 1 --pages 0 shootdown
bad "sweep: too many victims" "--victims: 999 victims" "$MMB" sweep --victims 999 shootdown
bad "sweep: no --pages in the bench" "--pages: mmb-ctxsw has no" "$MMB" sweep --victims 1 --pages 1 ctxsw
bad "sweep: unknown spread" "--spread: 'far'" "$MMB" sweep --victims 1 --spread far shootdown
bad "sweep: unknown variant" "--variant: 'nope'" "$MMB" sweep --victims 1 --variant nope shootdown
bad "sweep: swept option after --" "--pages is set by the sweep" "$MMB" sweep --victims 1 shootdown -- --pages 2
bad "sweep: no bench" "give a BENCH" "$MMB" sweep
bad "sweep --print-plan: victims needed" "--print-plan: give --victims" "$MMB" sweep --print-plan shootdown
# a sweep for a guest: bench lines that name their result files
"$MMB" sweep --print-plan --victims 1..3 --pages 1,8 shootdown -- --victim-state idle > "$tmp/plan"
[ "$(wc -l < "$tmp/plan")" = 6 ] &&
	[ "$(grep -c -- '--victim-state idle --output /results/shootdown-munmap-victims[1-3]-compact-pages[18].json$' "$tmp/plan")" = 6 ] &&
	[ "$(sort -u "$tmp/plan" | wc -l)" = 6 ]
ok $? "sweep --print-plan: one vm-run plan line per point, each naming its own result"
# an argument with a space survives the plan: the guest evaluates each line
# as sh does (vm-run.sh: the guest's shell is busybox's, so is this one),
# so the sweep quotes what it passes through
"$MMB" sweep --print-plan --victims 1 shootdown -- --events "a b" > "$tmp/qplan"
line=$(head -1 "$tmp/qplan")
got=$(/bin/busybox sh -c 'eval "set -- $1"; while [ $# -gt 0 ]; do [ "$1" = --events ] && { printf %s "$2"; exit; }; shift; done' sh "$line")
[ "$got" = "a b" ]
ok $? "sweep --print-plan: an extra argument with a space reaches the bench whole (got '$got')"
# --- guest plans from the benches' own variant lists
"$MMB" plan --matrix > "$tmp/mplan"
want="ctxsw/idle ctxsw/kthread ctxsw/processes ctxsw/threads exec-exit/fork-exit exec-exit/walk-exit kthread-mm/exit-race kthread-mm/use-unuse membarrier/sync-core shootdown/munmap "
got=$(awk '{ sub(/^mmb-/, "", $1); print $1 "/" $3 }' "$tmp/mplan" | sort | tr '\n' ' ')
[ "$got" = "$want" ] && grep -q '^mmb-shootdown --variant munmap --duration 0.5 --repeat 5 --warmup 0.1 --victims all$' "$tmp/mplan"
ok $? "plan --matrix: the variants the benches mark, with their plan options (got $got)"
"$MMB" plan --duration 0.1 --repeat 2 --warmup 0 > "$tmp/aplan"
nv=0
for b in "$MMB_TOP"/benches/*.c; do
	b=${b##*/}
	nv=$((nv + $("$BIN/mmb-${b%.c}" --variant plan | wc -l)))
done
[ "$(wc -l < "$tmp/aplan")" -eq "$nv" ] && grep -q '^mmb-membarrier --variant register --duration 0.1 --repeat 2 --warmup 0$' "$tmp/aplan"
ok $? "plan: a line per variant of every bench ($nv), no --victims where a variant has none"
bad "plan: a bad --repeat" "--repeat: 'x'" "$MMB" plan --repeat x
bad "plan: not a bench" "'nosuch' is not a bench" "$MMB" plan nosuch
if [ "$(nproc)" -ge 2 ]; then
	"$MMB" sweep --out "$tmp/sw" --victims 1 --pages 1,16 --duration 0.05 \
		--repeat 3 --warmup 0.05 shootdown -- --tracepoint-repeat 0 > "$tmp/sw.out" 2> "$tmp/sw.err"
	rc=$?
	[ $rc -eq 0 ] && [ -f "$tmp/sw/shootdown-munmap-victims1-compact-pages1.json" ] &&
		[ "$(jget "$tmp/sw/shootdown-munmap-victims1-compact-pages16.json" params.pages)" = 16 ]
	ok $? "sweep: a result per point, named by it, with its params (rc $rc)"
	grep -q '^# \[1/2\] munmap victims=1 spread=compact pages=1' "$tmp/sw.err" &&
		grep -q '^# \[2/2\].*left)' "$tmp/sw.err"
	ok $? "sweep: progress per point, with time left"

	# The sweep a new user tries: zero victims is a point; sampling given
	# after -- replaces the sweep's own; a report table shows what tells
	# its rows apart (victims, pages), and each "To reproduce" line, run as
	# printed, gives a result that pairs with the one it reproduces.
	"$MMB" sweep --out "$tmp/sr" --victims 0,1 --pages 1,16 shootdown -- \
		--duration 0.05 --repeat 3 --warmup 0.05 --tracepoint-repeat 0 > /dev/null 2>&1
	rc=$?
	[ $rc -eq 0 ] && [ -f "$tmp/sr/shootdown-munmap-victims0-compact-pages1.json" ]
	ok $? "sweep: --victims 0 is a point, the op with nobody to flush (rc $rc)"
	/usr/bin/python3 -c '
import glob, json, sys
a = [json.load(open(f))["argv"] for f in glob.glob(sys.argv[1] + "/*.json")]
sys.exit(0 if len(a) == 4 and all(x.count("--duration") == 1 and x.count("--repeat") == 1 for x in a) else 1)' "$tmp/sr"
	ok $? "sweep: --duration and --repeat after -- replace the sweep's, once in each command"
	"$BIN/mmb-report" "$tmp/sr" > "$tmp/sr.txt"
	[ "$(grep -cE '^shootdown +munmap .* victims=[01] pages=(1|16)$' "$tmp/sr.txt")" -eq 4 ]
	ok $? "report: each row shows the parameters that differ (victims, pages)"
	grep -q 'duration=\|repeat=' "$tmp/sr.txt"
	[ $? -ne 0 ]
	ok $? "report: and only those"
	mkdir -p "$tmp/rep"
	i=0 bad_line=""
	while read -r line; do
		i=$((i + 1))
		bash -c "$line --quiet --format json --output $tmp/rep/$i.json" 2>/dev/null ||
			bad_line=$line
	done < <(sed -n '/^To reproduce/,/^$/p' "$tmp/sr.txt" | sed -n 's/^  \(mmb-.*\)$/\1/p')
	[ $i -eq 4 ] && [ -z "$bad_line" ]
	ok $? "report: 4 reproduce lines, each runs as printed ($i${bad_line:+; failed: $bad_line})"
	"$BIN/mmb-compare" --format json "$tmp/sr" "$tmp/rep" > "$tmp/rep.json"
	rc=$?
	[ $rc -ne 2 ] && /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if len(d["pairs"]) == 4 and not d["unpaired"] else 1)' "$tmp/rep.json"
	ok $? "report: each reproduced result pairs with its original (compare rc $rc)"
	grep -q -- '--spread compact\|--format\|--output' "$tmp/sr.txt"
	[ $? -ne 0 ]
	ok $? "report: reproduce lines leave out defaults and where the result went"

	# Ctrl-C between points: the finished points stay, exit 130
	# its own process group, signalled whole, like a terminal does; an
	# async command of a script starts with SIGINT ignored, which a shell
	# cannot undo: env restores it, as an interactive shell would have it
	setsid env --default-signal=INT "$MMB" sweep --out "$tmp/swi" --victims 1 --pages 1,2,4,8,16,32 --duration 0.2 \
		--repeat 3 shootdown > /dev/null 2> "$tmp/swi.err" &
	pid=$!
	for _ in $(seq 1 100); do
		grep -q '^# \[2/6\]' "$tmp/swi.err" && break
		sleep 0.1
	done
	kill -INT -- "-$pid" 2> "$tmp/kill.err"
	krc=$?
	wait $pid
	rc=$?
	npts=$(ls "$tmp/swi" | wc -l)
	whole=0
	for f in "$tmp"/swi/*.json; do
		/usr/bin/python3 -m json.tool "$f" > /dev/null || whole=1
	done
	[ $rc -eq 130 ] && [ "$npts" -ge 1 ] && [ "$npts" -lt 6 ] && [ $whole -eq 0 ] &&
		grep -q 'interrupted at point' "$tmp/swi.err"
	ok $? "sweep: SIGINT stops it, exit 130, $npts point(s) kept, each whole JSON (rc $rc, kill $krc)"
	[ $rc -eq 130 ] || { cat "$tmp/kill.err"; tail -4 "$tmp/swi.err"; } | sed 's/^/#   /' 
else
	skip "sweep runs" "needs 2 CPUs"
	skip "sweep progress" "needs 2 CPUs"
	skip "sweep SIGINT" "needs 2 CPUs"
	skip "sweep and report as a new user runs them" "needs 2 CPUs"
fi

# --- plot: the data and script are golden; the pictures exist and say what
mkdir -p "$tmp/pl" && cp "$fx"/sweep/*.json "$tmp/pl/"
(cd "$tmp" && "$BIN/mmb-plot" --out pages pl > plot.out 2>&1)
rc=$?
[ $rc -eq 0 ]
ok $? "plot of the pages sweep (rc $rc: $(head -c 200 "$tmp/plot.out"))"
gold_file plot-pages.dat "$tmp/pages.dat"
gold_file plot-pages.gp "$tmp/pages.gp"
[ "$(head -c 8 "$tmp/pages.png" | od -An -c | tr -d ' ')" = '211PNG\r\n032\n' ]
ok $? "plot: a PNG file"
grep -q '<svg' "$tmp/pages.svg" && grep -q 'pages per op (4 KiB)' "$tmp/pages.svg" &&
	grep -q 'latency per op (us, clock_gettime)' "$tmp/pages.svg" &&
	grep -q 'IPIs per op, all kinds (/proc/interrupts)' "$tmp/pages.svg" &&
	grep -q "kernel $(jget "$fx/sweep/shootdown-munmap-victims1-compact-pages1.json" system.kernel.release)" "$tmp/pages.svg"
ok $? "plot: the SVG labels both axes with units and sources, kernel in the title"
# latencies of 10 to 27 us: the axis in us, scaled from the ns the .dat keeps
grep -q 'using 1:(\$2/1000):(\$3/1000):(\$4/1000)' "$tmp/pages.gp"
ok $? "plot: the latency axis in the unit of its range (us here), the data in ns"
# one line per strategy: two copies of the sweep, as two kernels
mkdir -p "$tmp/st/a" "$tmp/st/b" && cp "$fx"/sweep/*.json "$tmp/st/a/"
for f in "$fx"/sweep/*.json; do
	sed 's/"strategy": "refcount"/"strategy": "shootdown"/' "$f" > "$tmp/st/b/${f##*/}"
done
echo tcg > "$tmp/st/a/accel"
(cd "$tmp" && "$BIN/mmb-plot" --by strategy --out st/p st/a st/b > /dev/null 2>&1)
[ "$(grep -c '^# series:' "$tmp/st/p.dat")" = 2 ] &&
	grep -q 'title "refcount"' "$tmp/st/p.gp" && grep -q 'title "shootdown"' "$tmp/st/p.gp" &&
	grep -q 'EMULATED under qemu TCG' "$tmp/st/p.gp"
ok $? "plot --by strategy: a line per strategy; TCG latency labelled emulated"
bad "plot: nothing swept" "nothing was swept" "$BIN/mmb-plot" --out "$tmp/n" "$fx/compare/base.json"
bad "plot: two benches" "several benches" "$BIN/mmb-plot" --out "$tmp/n" "$fx/sweep" "$fx/results"
bad "plot: bad --x" "--x" "$BIN/mmb-plot" --x cpus "$fx/sweep"
mkdir -p "$tmp/nogp" && ln -s "$BIN/mmb-plot" "$tmp/nogp/"
PATH=$tmp/nogp "$BIN/mmb-plot" --out "$tmp/ng" "$fx/sweep" > /dev/null 2> "$tmp/ng.err"
rc=$?
[ $rc -eq 4 ] && [ -s "$tmp/ng.dat" ] && grep -q 'install gnuplot' "$tmp/ng.err"
ok $? "plot without gnuplot: exit 4, says what to install, data still written (rc $rc)"

# --- report: golden for one input and for a comparison
(cd "$fx/compare" && "$BIN/mmb-report" base.json) > "$tmp/r1.txt"
gold_file report-one.txt "$tmp/r1.txt"
(cd "$fx/compare" && "$BIN/mmb-report" --match variant base.json pages64.json) > "$tmp/r2.txt"
rc=$?
[ $rc -eq 1 ]
ok $? "report of a regression exits as compare does (1, got $rc)"
gold_file report-compare.txt "$tmp/r2.txt"
sed '/^To reproduce/,/^$/d' "$tmp/r2.txt" | awk 'length > 80 { bad = 1 } END { exit bad }'
ok $? "report fits 80 columns (apart from the commands, kept whole)"
grep -q '^  mmb-shootdown --variant munmap --victims 1, --pages 64 ' "$tmp/r2.txt" &&
	! grep -q -- '--output' "$tmp/r2.txt"
ok $? "report: the exact bench commands, without where they wrote"

# --- gate: baseline, verdict, summary for CI
bad "gate: no baseline" "no baseline at $tmp/none.json" "$MMB" gate --baseline "$tmp/none.json" --new "$fx/compare"
bad "gate: bad --runs" "--runs" "$MMB" gate --runs 0 --baseline "$tmp/b.json"
"$MMB" gate --update-baseline --baseline "$tmp/base.json" --new "$fx/compare/base.json" > /dev/null
ok $? "gate --update-baseline bundles results into the baseline"
mkdir -p "$tmp/g-same" "$tmp/g-slow"
cp "$fx/compare/same.json" "$tmp/g-same/"
# the 64-page result, as if the 1-page bench had got that slow
sed 's/"pages": 64/"pages": 1/' "$fx/compare/pages64.json" > "$tmp/g-slow/slow.json"
GITHUB_STEP_SUMMARY=$tmp/summary.md "$MMB" gate --baseline "$tmp/base.json" --new "$tmp/g-same" > "$tmp/g1.md"
rc=$?
[ $rc -eq 0 ] && grep -q '^## mmb gate: no regression beyond 5%' "$tmp/g1.md" &&
	grep -q '^| latency_ns |' "$tmp/g1.md" && cmp -s "$tmp/g1.md" "$tmp/summary.md"
ok $? "gate, same: exit 0, markdown table, copied to GITHUB_STEP_SUMMARY (rc $rc)"
"$MMB" gate --baseline "$tmp/base.json" --new "$tmp/g-slow" > "$tmp/g2.md"
rc=$?
[ $rc -eq 1 ] && grep -q '^## mmb gate: REGRESSION beyond 5%' "$tmp/g2.md" &&
	grep -q '^- shootdown/munmap latency_ns +' "$tmp/g2.md"
ok $? "gate, slower: exit 1 naming the regression (rc $rc)"
mkdir -p "$tmp/g-other"
sed 's/"variant": "munmap"/"variant": "madvise"/' "$fx/compare/same.json" > "$tmp/g-other/other.json"
bad "gate: nothing pairs" "nothing compared" "$MMB" gate --baseline "$tmp/base.json" --new "$tmp/g-other"
# end to end: record a baseline by running, then gate a second run on it
"$MMB" gate --update-baseline --runs 2 --baseline "$tmp/e2e.json" --out "$tmp/e1" \
	--duration 0.05 --repeat 3 null > /dev/null 2>&1 &&
	"$MMB" gate --runs 2 --baseline "$tmp/e2e.json" --out "$tmp/e2" \
		--duration 0.05 --repeat 3 null > "$tmp/e2.md" 2> "$tmp/e2.err"
rc=$?
[ $rc -le 1 ] && [ "$(jget "$tmp/e2e.json" count)" = 4 ] && [ -f "$tmp/e2/gate.md" ] &&
	grep -q '(2 vs 2 run(s)' "$tmp/e2.md" && grep -q '^# gate: run 2 of 2' "$tmp/e2.err"
ok $? "gate end to end: runs the suite twice a side and pools them (rc $rc)"
done_testing
