# SPDX-License-Identifier: GPL-2.0
# Bad input exits 2 and names the argument; --help and --version exit 0.
. "$(dirname "$0")/tap.bash"

expect_usage() {	# expect_usage NAME-IN-MESSAGE BENCH ARGS...
	local want=$1 bench=$2 rc
	shift 2
	"$BIN/mmb-$bench" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q -- "$want" "$tmp/err" && [ ! -s "$tmp/out" ]; then
		ok 0 "mmb-$bench $* -> exit 2 naming $want"
	else
		ok 1 "mmb-$bench $* -> exit 2 naming $want (got $rc: $(head -c 200 "$tmp/err"))"
	fi
}

ncpu=$(nproc)
expect_usage --initiator shootdown --initiator 4096
expect_usage --cpus membarrier --cpus 0-4096
expect_usage --victims shootdown --victims "$ncpu-$((ncpu + 1))"
expect_usage --victims membarrier --victims 100000
expect_usage --node shootdown --node 4000
expect_usage --duration ctxsw --duration -1
expect_usage --duration ctxsw --duration 0
expect_usage --duration ctxsw --duration abc
expect_usage --repeat exec-exit --repeat 0
expect_usage --variant ctxsw --variant nope
expect_usage --pages shootdown --pages 0
expect_usage --victim-state shootdown --victim-state sideways
expect_usage --format null --format xml
expect_usage --mode ctxsw --variant threads --mode processes
expect_usage --victims exec-exit --variant fork-exit --victims 1,
expect_usage --bogus null --bogus
expect_usage unexpected null stray-argument

for b in ctxsw exec-exit membarrier shootdown null; do
	"$BIN/mmb-$b" --help >"$tmp/out" 2>&1
	rc=$?
	grep -q -- "--variant" "$tmp/out" && grep -q -- "--victims" "$tmp/out"
	ok $((rc + $?)) "mmb-$b --help lists the common options"
	"$BIN/mmb-$b" --variant help >"$tmp/out" 2>&1
	ok $? "mmb-$b --variant help"
	"$BIN/mmb-$b" --version | grep -q "^mmb-$b [0-9]"
	ok $? "mmb-$b --version"
done
done_testing
