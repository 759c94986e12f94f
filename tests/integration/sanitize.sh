# SPDX-License-Identifier: GPL-2.0
# The benches and tools of the SANITIZE=1 build (AddressSanitizer, UBSan,
# LeakSanitizer) on a short run of everything new and old: each exits as
# it should, and no sanitizer says a word.
. "$(dirname "$0")/tap.bash"

A=${MMB_BUILD:-build}/asan/bin
if [ ! -x "$A/mmb-null" ]; then
	skip "sanitized benches and tools" "no build/asan (make sanitize)"
	done_testing
	exit 0
fi
export ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$MMB_TOP/tests/lsan.supp
F=$MMB_FIXTURES
Q="--duration 0.05 --repeat 2 --warmup 0.02 --quiet --format json"
san() {		# san WANT-RC DESCRIPTION COMMAND...
	local want=$1 desc=$2 rc
	shift 2
	"$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if grep -qE 'Sanitizer|runtime error' "$tmp/err"; then
		ok 1 "$desc: $(grep -m1 -E 'Sanitizer|runtime error' "$tmp/err")"
		return
	fi
	[ "$rc" -eq "$want" ]
	ok $? "$desc (exit $rc, clean)"
}
san 0 "mmb-null" "$A/mmb-null" $Q --output "$tmp/n.json"
san 0 "mmb-ctxsw, 2 initiators as threads" "$A/mmb-ctxsw" --variant threads --initiators 2 $Q --output "$tmp/c1.json"
san 0 "mmb-ctxsw, 2 initiators as processes" "$A/mmb-ctxsw" --variant processes --initiators 2 --initiator-mode processes $Q --output "$tmp/c2.json"
san 0 "mmb-shootdown munmap with -e" "$A/mmb-shootdown" --variant munmap --victims 1 -e page-faults,instructions,msr/aperf/ $Q --output "$tmp/s.json"
san 0 "mmb-shootdown tlb-flush2, 2 initiators" "$A/mmb-shootdown" --variant tlb-flush2 --initiators 2 $Q --output "$tmp/t.json"
san 0 "mmb-membarrier sync-core (per-op pass)" "$A/mmb-membarrier" --variant sync-core $Q --output "$tmp/m.json"
san 0 "mmb-exec-exit fork-exec" "$A/mmb-exec-exit" --variant fork-exec $Q --output "$tmp/e.json"
san 2 "a usage error" "$A/mmb-shootdown" --initiators 0
san 0 "mmb-summary" "$A/mmb-summary" "$F/results"
san 0 "mmb-compare" "$A/mmb-compare" "$F/compare/base.json" "$F/compare/same.json"
san 0 "mmb-compare --format json of our own" "$A/mmb-compare" --format json "$tmp/c1.json" "$tmp/c1.json"
san 0 "mmb-report" "$A/mmb-report" "$F/results"
san 0 "mmb-report --scaling" "$A/mmb-report" --scaling "$tmp/c1.json" "$tmp/t.json"
san 0 "mmb-matrix" "$A/mmb-matrix" "$F/results" "$F/sweep"
san 0 "mmb-bundle" "$A/mmb-bundle" -o "$tmp/b.json" "$F/results"
san 2 "mmb-summary of a missing file" "$A/mmb-summary" "$tmp/none"
if command -v gnuplot > /dev/null; then
	san 0 "mmb-plot" "$A/mmb-plot" --out "$tmp/p" "$F/sweep"
	san 0 "mmb-plot --hist" "$A/mmb-plot" --hist --out "$tmp/h" "$tmp/s.json"
fi
if command -v hyperfine > /dev/null; then
	san 0 "mmb-macro" "$A/mmb-macro" --variant t --runs 2 --warmup 0 --quiet --format json \
		--output "$tmp/mac.json" -- --shell=none true
fi
done_testing
