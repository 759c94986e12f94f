# SPDX-License-Identifier: GPL-2.0
# A seeded, deterministic slice of each libFuzzer target (make fuzz):
# the /proc/interrupts parser, CPU lists, the result and bundle loader,
# under ASan and UBSan, from the fixtures.  Longer runs: scripts/fuzz.sh.
. "$(dirname "$0")/tap.bash"

if [ ! -d "$MMB_BUILD/fuzz/bin" ]; then
	skip "fuzz targets" "no build/fuzz (make fuzz needs clang)"
	done_testing
	exit 0
fi
for t in "$MMB_BUILD"/fuzz/bin/*; do
	name=$(basename "$t")
	"$MMB_TOP/scripts/fuzz.sh" --runs 20000 --seed 1 --out "$tmp/f" "$name" > "$tmp/out" 2>&1
	ok $? "$name: 20000 seeded runs, no crash, no sanitizer report ($(tail -1 "$tmp/out"))"
done
done_testing
