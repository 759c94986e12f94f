# SPDX-License-Identifier: GPL-2.0
# Ctrl-C during a run: no child process is left behind, and the result file
# is either absent or valid (written whole, with interrupted: true).
. "$(dirname "$0")/tap.bash"

interrupt() {	# interrupt AFTER BENCH ARGS...
	local after=$1 bench=$2 pid rc left
	shift 2
	rm -f "$tmp/r.json"
	# its own process group, as a shell gives a foreground job
	setsid "$BIN/mmb-$bench" --duration 1 --repeat 1000 --quiet \
		--format json --output "$tmp/r.json" "$@" 2>"$tmp/err" &
	pid=$!
	sleep "$after"
	kill -INT -- "-$pid"	# the whole group, like a terminal does
	wait "$pid"
	rc=$?
	sleep 0.3
	left=$(pgrep -g "$pid" | wc -l)
	[ "$left" -eq 0 ]
	ok $? "mmb-$bench $*: no process left in its group after Ctrl-C ($left)"
	[ $rc -eq 130 ]
	ok $? "mmb-$bench $*: exit 130 on Ctrl-C (got $rc)"
	if [ -e "$tmp/r.json" ]; then
		/usr/bin/python3 "$MMB_TOP/tests/validate.py" "$tmp/r.json" >/dev/null &&
			[ "$(jget "$tmp/r.json" interrupted)" = True ]
		ok $? "mmb-$bench $*: the result written is valid and marked interrupted"
	else
		ok 0 "mmb-$bench $*: no result file"
	fi
	ls "$tmp" | grep -q '\.tmp\.'
	[ $? -ne 0 ]
	ok $? "mmb-$bench $*: no temporary file left"
}

interrupt 1.5 ctxsw --variant processes
interrupt 0.1 ctxsw --variant processes
interrupt 1.5 exec-exit --variant walk-exit
interrupt 1.5 shootdown --variant munmap --victims all
interrupt 1.5 membarrier --variant sync-core --victim-state sleeping --victims all
done_testing
