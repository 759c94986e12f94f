# SPDX-License-Identifier: GPL-2.0
# Ctrl-C during a run: no child process is left behind; the bench itself
# exits 130 (not killed by the signal: a shell reports that as 130 too, so
# the exit status is read without a shell in between); a run interrupted
# after its first sample writes a valid result marked interrupted, one
# interrupted in warm-up writes none and says so.
. "$(dirname "$0")/tap.bash"

interrupt() {	# interrupt AFTER WANT(result|none) BENCH ARGS...
	local after=$1 want=$2 bench=$3 out rc pid left
	shift 3
	rm -f "$tmp/r.json"
	# its own process group, as a shell gives a foreground job, and the
	# whole group signalled, like a terminal does
	out=$(/usr/bin/python3 - "$after" "$BIN/mmb-$bench" --duration 1 \
		--repeat 1000 --quiet --format json --output "$tmp/r.json" \
		"$@" 2>"$tmp/err" <<'PY'
import os, signal, subprocess, sys, time
p = subprocess.Popen(sys.argv[2:], start_new_session=True)
time.sleep(float(sys.argv[1]))
os.killpg(p.pid, signal.SIGINT)
rc = p.wait()
print(p.pid, rc)
PY
)
	pid=${out% *} rc=${out#* }
	sleep 0.3
	left=$(pgrep -g "$pid" | wc -l)
	[ "$left" -eq 0 ]
	ok $? "mmb-$bench $*: no process left in its group after Ctrl-C ($left)"
	[ "$rc" = 130 ]
	ok $? "mmb-$bench $*: exits 130 itself on Ctrl-C (got $rc; -2 is death by the signal)"
	if [ "$want" = result ]; then
		[ -e "$tmp/r.json" ] &&
			/usr/bin/python3 "$MMB_TOP/tests/validate.py" "$tmp/r.json" >/dev/null &&
			[ "$(jget "$tmp/r.json" interrupted)" = True ] &&
			grep -q "interrupted; partial result written" "$tmp/err"
		ok $? "mmb-$bench $*: a partial result, valid and marked interrupted"
	else
		[ ! -e "$tmp/r.json" ] && grep -q "interrupted; no result" "$tmp/err"
		ok $? "mmb-$bench $*: interrupted in warm-up: no result file, and it says so"
	fi
	ls "$tmp" | grep -q '\.tmp\.'
	[ $? -ne 0 ]
	ok $? "mmb-$bench $*: no temporary file left"
}

# a sample lasts 1 s after 0.2 s of warm-up: 3 s is past the first one
interrupt 3 result ctxsw --variant processes
interrupt 0.1 none ctxsw --variant processes
interrupt 3 result exec-exit --variant walk-exit
interrupt 3 result shootdown --variant munmap --victims all
interrupt 3 result membarrier --variant sync-core --victim-state sleeping --victims all
done_testing
