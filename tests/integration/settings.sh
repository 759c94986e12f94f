# SPDX-License-Identifier: GPL-2.0
# Boot settings as a matrix dimension: scripts/matrix.sh --cmdline runs a
# strategy under each set of kernel parameters, in a column of its own.
# Debian's own 6.12 (refcount@debian, no build) boots twice, with pti=on
# and pti=off (4 vCPUs over 2 nodes, TCG):
#  - each result's system.boot says what the guest booted with, read back
#    from its /proc/cmdline and CPU flags: the pti flag on, then off
#  - the matrix table has a column per setting and says each one's boot
#  - mmb compare says the two differ, and will not pool them as one input
. "$(dirname "$0")/tap.bash"

reason=$(guest_reason)
[ -z "$reason" ] || skip_all "boot settings" "$reason"

cat > "$tmp/plan" <<'EOF'
mmb-ctxsw --variant processes --duration 0.1 --repeat 2 --warmup 0.02
EOF
"$MMB_TOP/scripts/matrix.sh" --out "$tmp/m" --plan "$tmp/plan" --timeout 600 \
	--cmdline pti=on --cmdline pti=off refcount@debian > "$tmp/table" 2> "$tmp/err"
rc=$?
ok $rc "matrix --cmdline pti=on --cmdline pti=off refcount@debian runs clean (exit $rc)"
[ $rc -ne 0 ] && tail -8 "$tmp/err" | sed 's/^/#   /'
sed 's/^/# /' "$tmp/table"

for s in on off; do
	f=$(ls "$tmp/m/refcount@debian+pti=$s"/*.json 2>/dev/null | head -1)
	[ -n "$f" ] && /usr/bin/python3 - "$f" "$s" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))["system"]["boot"]
want = sys.argv[2] == "on"
print(f"# {sys.argv[1].split('/')[-2]}: {b['settings']}")
sys.exit(0 if f"pti={sys.argv[2]}" in b["cmdline"].split()
         and b["settings"]["cmdline"][-1] == f"pti={sys.argv[2]}"
         and b["settings"]["pti"] is want else 1)
PY
	ok $? "pti=$s: the guest booted with it, and its CPU flags say PTI is $s (system.boot)"
done
grep -q "refcount@debian+pti=on .*| refcount@debian+pti=off" "$tmp/table" &&
	grep -q "^# refcount@debian+pti=on: .*; boot: pti on, .*cmdline .*pti=on" "$tmp/table" &&
	grep -q "^# refcount@debian+pti=off: .*; boot: pti off, .*cmdline .*pti=off" "$tmp/table"
ok $? "the table: a column per setting, each with the boot it ran under"

"$BIN/mmb-compare" --threshold 500 "$tmp/m/refcount@debian+pti=off" \
	"$tmp/m/refcount@debian+pti=on" > "$tmp/cmp" 2>&1
grep -q "^# boot settings differ: base pti off.*pti on" "$tmp/cmp"
ok $? "mmb compare: pti=off against pti=on, and says the settings differ"
mkdir -p "$tmp/both"
cp "$tmp/m/refcount@debian+pti=on"/*.json "$tmp/both/on.json"
cp "$tmp/m/refcount@debian+pti=off"/*.json "$tmp/both/off.json"
"$BIN/mmb-compare" "$tmp/both" "$tmp/both" > "$tmp/cmp" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "other boot settings" "$tmp/cmp"
ok $? "mmb compare will not pool pti=on and pti=off runs as one input (exit $rc)"

done_testing
