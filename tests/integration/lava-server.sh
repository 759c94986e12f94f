# SPDX-License-Identifier: GPL-2.0
# A single-machine LAVA lab, end to end (make check-lava-server):
# scripts/lava-server.sh up installs and starts Debian's lava-server with
# PostgreSQL, a worker and a qemu device under TCG; the matrix (each x86
# strategy kernel in the cache, Debian's 6.12 at least) is staged by
# lava-jobs.sh, submitted with lavacli and fetched through the API.
#  - the server comes up (up checks the device takes jobs)
#  - every job completes and brings back a result file per plan line
#  - each LAVA measurement the API returns is the median of its metric in
#    the result the guest wrote, with its unit; each n/a is a skipped case
#  - the job ran the kernel it names: the result's kernel is that
#    strategy's
#  - mmb-matrix puts the fetched results side by side
#  - Ctrl-C while a job runs on the device cancels it
# Without MMB_LAVA_SERVER=1 it skips: a server, a database and 300-odd
# packages are not make check's.
. "$(dirname "$0")/tap.bash"

[ "${MMB_LAVA_SERVER:-}" = 1 ] || skip_all "lava-server" "make check-lava-server runs it (MMB_LAVA_SERVER=1)"
[ "$(id -u)" = 0 ] || skip_all "lava-server" "needs root (it installs and runs services)"
reason=$(guest_reason)
[ -n "$reason" ] && skip_all "lava-server" "$reason"

ls=$MMB_TOP/scripts/lava-server.sh
trap '"$ls" down > /dev/null 2>&1; rm -rf "$tmp"' EXIT
"$ls" up > "$tmp/up" 2>&1
ok $? "up: $(tail -1 "$tmp/up" | cut -c1-110)"
grep '^lava-server: [A-Za-z, ]*: [0-9]* s$' "$tmp/up" | sed 's/^/#   /'
command -v lavacli > /dev/null || { ok 1 "lavacli installed by up"; done_testing; exit 1; }

# the matrix: each of the x86 strategy kernels built here
strategies=(refcount@debian)
for s in refcount@7.2 shootdown@7.2 shootdown-keepmask@7.2 hazptr@7.2 mmgen@7.2 shootdown-debug@7.2; do
	k=$(MMB_KERNEL_PRINT_DIR=1 "$MMB_TOP/scripts/build-kernel.sh" "$s" 2>/dev/null)
	[ -f "$k/bzImage" ] && strategies+=("$s")
done
cat > "$tmp/plan" <<'PLAN'
mmb-null --variant empty --duration 0.1 --repeat 3 --warmup 0.02
mmb-shootdown --variant munmap-tables --victims all --victim-state idle --duration 0.2 --repeat 3 --warmup 0.05
PLAN
"$MMB_TOP/scripts/lava-jobs.sh" --url-base "file://$tmp/j" --out "$tmp/j" \
	--plan "$tmp/plan" --stage "${strategies[@]}" > "$tmp/out" 2>&1
ok $? "lava-jobs --stage ${strategies[*]}: $(tail -1 "$tmp/out")"

t=$SECONDS
jobs=()
for s in "${strategies[@]}"; do jobs+=("$tmp/j/$s-qemu-x86_64.yaml"); done
"$ls" submit --out "$tmp/o" --timeout 1200 "${jobs[@]}" > "$tmp/out" 2>&1
ok $? "lavacli submit, wait and fetch of ${#jobs[@]} jobs: $((SECONDS - t)) s"
sed 's/^/#   /' "$tmp/out"

pytap "$tmp/o" "${strategies[@]}" <<'PY'
import glob, json, yaml
from lava_cases import against
d, strategies = ARGS[0], ARGS[1:]
ids = sorted((p for p in os.listdir(d) if p.isdigit()), key=int)
say(len(ids) == len(strategies), f"{len(ids)} jobs fetched for {len(strategies)} strategies")
for i in ids:
    job = yaml.safe_load(open(f"{d}/{i}/job.yaml"))
    s = job["description"].split()[1]
    files = sorted(glob.glob(f"{d}/{i}/{s}-qemu-x86_64/*.json"))
    say(job["health"] == "Complete" and len(files) == 2,
        f"job {i} ({s}): {job['health']}, {len(files)} result files")
    cases = {c["name"]: (c["result"], c["measurement"], c["unit"])
             for c in yaml.safe_load(open(f"{d}/{i}/results.yaml")) if c["suite"] == "0_mmb"}
    want, bad = against(files, cases, tol=1e-9)
    kern = set()
    for f in files:
        r = json.load(open(f))
        kern.add((r["system"]["kernel"]["release"], r["system"]["lazy_tlb"]["strategy"]))
    say(want > 0 and not bad and want == len(cases),
        f"job {i}: {len(cases)} cases from the API for {want} figures, each the result's median with its unit, each n/a skipped" +
        ("; " + "; ".join(bad[:3]) if bad else ""))
    name, rel = s.split("@")
    k = next(iter(kern)) if len(kern) == 1 else ("", "")
    ok = ("deb" in k[0] if rel == "debian" else k[0].startswith(rel)) and (k[1] == name or name.startswith(k[1] + "-"))
    say(ok, f"job {i} booted {s}: the results' kernel and lazy-TLB strategy are {sorted(kern)}")
PY

dirs=()
for j in "$tmp"/o/*/*-qemu-x86_64; do dirs+=("$j"); done
"$BIN/mmb-matrix" "${dirs[@]}" > "$tmp/matrix" 2>&1
ok $? "mmb-matrix of the ${#dirs[@]} fetched result sets"
sed 's/^/#   /' "$tmp/matrix" | head -40

# Ctrl-C while a job runs: the job is cancelled, not left on the device
# (a background job starts with SIGINT ignored, as a terminal's would not:
# put it back before the script starts, in a session of its own)
setsid /usr/bin/python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' \
	"$ls" submit --out "$tmp/c" "$tmp/j/refcount@debian-qemu-x86_64.yaml" > "$tmp/out" 2>&1 &
pid=$!
for _ in $(seq 60); do grep -q 'as job' "$tmp/out" && break; sleep 1; done
id=$(sed -n 's/.* as job \([0-9]*\)$/\1/p' "$tmp/out")
for _ in $(seq 120); do	# on the device, not queued
	st=$(lavacli --uri "$("$ls" uri)" jobs show --yaml "${id:-0}" 2>/dev/null | sed -n 's/^state: //p')
	[ "$st" = Running ] && break
	sleep 1
done
sleep 3
kill -INT -- -"$pid"
wait "$pid"
rc=$?
for _ in $(seq 60); do
	h=$(lavacli --uri "$("$ls" uri)" jobs show --yaml "$id" 2>/dev/null | sed -n 's/^health: //p')
	[ "$h" = Canceled ] && break
	sleep 1
done
[ $rc -eq 130 ] && [ "$h" = Canceled ]
ok $? "Ctrl-C while job ${id:-?} was ${st:-?}: exit $rc, the job ${h:-unknown} ($(tail -1 "$tmp/out"))"

"$ls" down > "$tmp/out" 2>&1
ok $? "down: $(tr '\n' ' ' < "$tmp/out")"
done_testing
