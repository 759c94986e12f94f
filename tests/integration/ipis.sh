# SPDX-License-Identifier: GPL-2.0
# The IPI counts mean what they say, on this machine's own kernel:
#  - munmap with one busy victim: about one TLB IPI per op; none without
#  - membarrier SYNC_CORE with one running victim: about one call IPI per op
# The bounds (0.8-1.3) leave room for background IPIs, not for a wrong count.
. "$(dirname "$0")/tap.bash"

if [ "$(nproc)" -lt 2 ]; then
	skip "IPI counts" "needs 2 CPUs"
	done_testing
	exit 0
fi
if [ "$(uname -m)" != x86_64 ]; then
	skip "x86 TLB IPI counts" "arm64 flushes by broadcast TLBI"
	done_testing
	exit 0
fi

run() {		# run OUT BENCH ARGS...
	local out=$1 bench=$2
	shift 2
	"$BIN/mmb-$bench" $QUICK --format json --output "$out" "$@" 2>"$tmp/err"
}

check() {	# check FILE METRIC LO HI DESCRIPTION
	local v
	v=$(jget "$1" "metrics.$2.median" 2>/dev/null)
	if [ -n "$v" ] && in_range "$v" "$3" "$4"; then
		ok 0 "$5: $2 = $v in [$3, $4]"
	else
		ok 1 "$5: $2 = ${v:-missing}, want [$3, $4]"
		busy=$(jget "$1" "metrics.busy_victim_oncpu.min" 2>/dev/null)
		[ -n "$busy" ] && echo "#   busy victim on-CPU share (min): $busy"
		sed 's/^/#   /' "$tmp/err"
	fi
}

run "$tmp/sd1.json" shootdown --variant munmap --initiator 0 --victims 1,
ok $? "shootdown munmap, busy victim on CPU 1 runs"
check "$tmp/sd1.json" ipi_tlb_per_op 0.8 1.3 "munmap, one busy victim"
check "$tmp/sd1.json" tp_tlb_flush_remote_shootdown_per_op 0.8 1.3 \
	"munmap, one busy victim (tracepoint)"
check "$tmp/sd1.json" busy_victim_oncpu 0.9 1.01 "the victim really ran"
# tlb:tlb_flush split by reason, filtered on every CPU: the victim's flush
# is remote, the initiator's local; no flush is "wrong CPU" or a task switch
# (a filter that reached only CPU 0 once counted 1.0 of each per op)
check "$tmp/sd1.json" tp_tlb_flush_remote_wrong_cpu_per_op 0 0.1 "munmap, filtered by reason"
check "$tmp/sd1.json" tp_tlb_flush_flush_on_task_switch_per_op 0 0.1 "munmap, filtered by reason"
check "$tmp/sd1.json" tp_tlb_flush_remote_ipi_send_per_op 0.8 1.3 "munmap, filtered by reason"

run "$tmp/sd0.json" shootdown --variant munmap --initiator 0 --victims 0
ok $? "shootdown munmap, no victim runs"
check "$tmp/sd0.json" ipi_tlb_per_op 0 0.05 "munmap, no victim"

run "$tmp/sdi.json" shootdown --variant munmap --initiator 0 --victims 1, \
	--victim-state idle
ok $? "shootdown munmap, idle victim runs"
# A lazy CPU is skipped unless page tables are freed: far below one.
check "$tmp/sdi.json" ipi_tlb_per_op 0 0.3 "munmap, idle (lazy) victim"

run "$tmp/mb1.json" membarrier --variant sync-core --initiator 0 --victims 1,
ok $? "membarrier sync-core, running victim runs"
check "$tmp/mb1.json" ipi_call_per_op 0.8 1.3 "sync-core, one running victim"
check "$tmp/mb1.json" ipi_tlb_per_op 0 0.05 "sync-core sends no TLB IPIs"

run "$tmp/mbs.json" membarrier --variant sync-core --initiator 0 --victims 1, \
	--victim-state sleeping
ok $? "membarrier sync-core, sleeping victim runs"
check "$tmp/mbs.json" ipi_call_per_op 0 0.05 "sync-core, sleeping victim"
done_testing
