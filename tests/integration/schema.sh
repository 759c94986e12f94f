# SPDX-License-Identifier: GPL-2.0
# Every variant of every bench writes a result that validates against
# schema/mmb-result-1.schema.json, in a directory named by --output.
. "$(dirname "$0")/tap.bash"

for b in ctxsw exec-exit kthread-mm membarrier shootdown null; do
	"$BIN/mmb-$b" --variant all --duration 0.05 --repeat 2 --warmup 0.02 \
		--format json --output "$tmp/$b/" --quiet 2>"$tmp/err"
	rc=$?
	# variants that need what is not here skip (exit 4 when all do)
	skipped=$(grep -c ': skip: ' "$tmp/err")
	sed -n 's/^.*: skip: /# skipped: /p' "$tmp/err"
	[ $rc -eq 0 ] || { [ $rc -eq 4 ] && [ "$skipped" -gt 0 ]; }
	ok $? "mmb-$b --variant all exits 0, or 4 when everything skipped ($rc)"
	[ $rc -ne 0 ] && [ $rc -ne 4 ] && sed 's/^/#   /' "$tmp/err"
	want=$(( $("$BIN/mmb-$b" --variant help | wc -l) - skipped ))
	got=$(ls "$tmp/$b"/*.json 2>/dev/null | wc -l)
	[ "$got" -eq "$want" ]
	ok $? "mmb-$b: one result file per variant run ($got of $want)"
	if [ "$got" -eq 0 ]; then
		skip "mmb-$b: results validate" "no variant could run here"
		continue
	fi
	/usr/bin/python3 "$MMB_TOP/tests/validate.py" "$tmp/$b"/*.json |
		sed 's/^\(not \)\{0,1\}ok [0-9]* - /# /'
	ok "${PIPESTATUS[0]}" "mmb-$b: every result validates"
done

# What the schema cannot see: the result records strategy and placement.
f=$tmp/shootdown/shootdown-munmap.json
s=$(jget "$f" system.lazy_tlb.strategy)
# the strategy this kernel has, read here from its config: "unknown" only
# where no config is readable
cfg=""
if [ -r /proc/config.gz ]; then cfg=$(zcat /proc/config.gz)
elif [ -r "/boot/config-$(uname -r)" ]; then cfg=$(cat "/boot/config-$(uname -r)")
fi
if [ -z "$cfg" ]; then want=unknown
elif grep -q '^CONFIG_DEBUG_VM_SHOOT_LAZIES=y' <<< "$cfg"; then want=shootdown-debug
elif grep -q '^CONFIG_MMU_LAZY_TLB_SHOOTDOWN=y' <<< "$cfg"; then want=shootdown
else want=refcount
fi
[ "$s" = "$want" ]
ok $? "lazy_tlb recorded: $s (this kernel's config says $want)"
[ "$(jget "$f" placement.initiator.cpu)" = 0 ]
ok $? "placement records the initiator CPU"

# the boot settings as this kernel reads them back: the flush and switch
# words of /proc/cmdline (kernel parameters end at "--") and PTI as the CPU
# flags say (x86) or meltdown's mitigation (arm64)
/usr/bin/python3 - "$f" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["system"]
b = d["boot"]
cmd = open("/proc/cmdline").read().split()
cmd = cmd[:cmd.index("--")] if "--" in cmd else cmd
keys = ("nopcid", "noinvlpgb", "pti", "nopti", "kpti", "mitigations", "spectre_v2",
        "spectre_v2_user", "nospectre_v2", "spectre_bhi", "retbleed",
        "spec_rstack_overflow", "nosmt", "nospec_store_bypass_disable",
        "spec_store_bypass_disable", "mds", "tsx", "its", "indirect_target_selection")
want = [w for w in cmd if w.split("=", 1)[0] in keys]
flags = open("/proc/cpuinfo").read().split("\n")
fl = next((l.split(":", 1)[1].split() for l in flags if l.startswith(("flags", "Features"))), [])
try:
    melt = open("/sys/devices/system/cpu/vulnerabilities/meltdown").read()
except OSError:
    melt = ""
pti = "pti" in fl or "PTI" in melt
s = b["settings"]
bad = []
if b["cmdline"] != open("/proc/cmdline").read().rstrip("\n"): bad.append("cmdline")
if s["cmdline"] != want: bad.append(f"words {s['cmdline']} != {want}")
if s["pti"] != pti: bad.append(f"pti {s['pti']} != {pti}")
if d["arch"] == "x86_64" and (s["pcid"] != ("pcid" in fl) or s["invlpgb"] != ("invlpgb" in fl)):
    bad.append("pcid/invlpgb")
print(f"# boot settings: {s}")
sys.exit(1 if bad else 0)
PY
ok $? "system.boot: /proc/cmdline and the settings in force, as this kernel reads them back"

# human and csv to stdout
"$BIN/mmb-null" --variant empty --duration 0.05 --repeat 2 > "$tmp/h.txt"
grep -q '^# mmb-null empty' "$tmp/h.txt" && grep -q 'latency_ns .* ns' "$tmp/h.txt"
ok $? "human output has context lines and units"
"$BIN/mmb-null" --duration 0.05 --repeat 2 --format csv > "$tmp/c.csv"
[ "$(grep -c '^bench,' "$tmp/c.csv")" -eq 1 ] && grep -q '^null,empty-prepare,latency_ns,ns,' "$tmp/c.csv"
ok $? "csv: one header for several variants"
"$BIN/mmb-null" --duration 0.05 --repeat 2 --format json > "$tmp/j.txt"
[ "$(wc -l < "$tmp/j.txt")" -eq 2 ] && /usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[1]): json.loads(line)' "$tmp/j.txt"
ok $? "json to stdout with several variants: one document per line"
done_testing
