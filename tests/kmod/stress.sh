#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mmb-stress: the debug guest's stress plan, run in the guest by busybox sh
# (tests/integration/stress.sh boots it: sh /mmb/libexec/mmb-stress SECONDS).
# Everything that ends or switches an mm at once, on every vCPU, for
# SECONDS, while the kernel's checkers (KASAN, lockdep, DEBUG_VM_SHOOT_LAZIES'
# loaded-mm check, panic_on_warn) watch:
#
#   - walk-exit, exit-race and use-unuse (mmb-exec-exit, mmb-kthread-mm)
#     on all vCPUs: exits with lazy users everywhere;
#   - execs from kernel threads: a core_pattern pipe runs a usermodehelper
#     for every crash, and a crash loop makes one crash after another;
#   - modify_ldt users (x86 ldt_gdt kselftest) and membarrier (kselftest),
#     when scripts/build-kselftests.sh built them (make kernels does);
#   - EFI runtime calls (efivarfs reads), when the guest booted under OVMF.
#
# Prints one line per load with how many rounds it ran; exit 0 when every
# load ran at least once.  The kernel log is vm-run.sh's to judge.
secs=${1:-60}
end=$(($(date +%s) + secs))
lib=/mmb/libexec
dir=/tmp/stress
mkdir -p "$dir"

# Kernel text patched while the loads run (a static key or static call
# that flips): text_poke_bp() syncs the other CPUs with do_sync_core()
# cross-calls, counted here with their callers' stacks in a trace instance
# of our own (csd_queue_cpu has two probes already, see vm-run.sh: a third
# patches nothing).  Under TCG such patching ended in "Oops: int3"; the
# plan must cause none, or say where it came from.
pk=/sys/kernel/tracing/instances/pokes
e=$pk/events/csd/csd_queue_cpu
if mkdir $pk 2>/dev/null && echo 0 > $pk/tracing_on &&
   echo 256 > $pk/buffer_size_kb &&
   echo 'func.function == do_sync_core' > $e/filter &&
   echo 'stacktrace:3 if func.function == do_sync_core' > $e/trigger && echo 1 > $e/enable &&
   echo 1 > $pk/tracing_on; then :; else pk=; fi

# a usermodehelper exec per crash: the kthread's lazy mm meets exec_mmap()
echo "|/bin/true" > /proc/sys/kernel/core_pattern

# load NAME COMMAND...: run COMMAND again and again until the end
load() {
	name=$1
	shift
	(
		n=0 f=0
		while [ "$(date +%s)" -lt "$end" ]; do
			"$@" > /dev/null 2>&1 || f=$((f + 1))
			n=$((n + 1))
		done
		echo "$n $f" > "$dir/$name"
	) &
}

q="--quiet --format json --output $dir/out.json --warmup 0 --repeat 1"
load walk-exit mmb-exec-exit --variant walk-exit --victims all --duration 1 $q
# 1024 page tables: the teardown flushes more than once, and a later
# flush takes out of mm_cpumask() the lazy CPUs an earlier one moved
load wide-exit mmb-exec-exit --variant walk-exit --victims all --tables 1024 --duration 1 $q
load exit-race mmb-kthread-mm --variant exit-race --victims all --duration 1 $q
load use-unuse mmb-kthread-mm --variant use-unuse --victims all --pairs 200 --duration 1 $q
load crash sh -c 'kill -SEGV $$'
load fork-exec mmb-exec-exit --variant fork-exec --duration 1 $q
for t in ldt_gdt membarrier; do
	[ -x "$lib/mmb-kselftest-$t" ] && load "$t" "$lib/mmb-kselftest-$t"
done
if [ -d /sys/firmware/efi ]; then
	mount -t efivarfs none /sys/firmware/efi/efivars 2>/dev/null
	load efivars sh -c 'cat /sys/firmware/efi/efivars/* > /dev/null'
fi
echo "# mmb-stress: $secs s on $(grep -c ^processor /proc/cpuinfo) vCPUs"
wait
rc=0
for f in "$dir"/*; do
	name=${f##*/}
	case $name in out.json) continue ;; esac
	read -r n failed < "$f"
	# a crash is the crash load's job; elsewhere a failure is a finding
	echo "# mmb-stress: $name ran $n times ($failed failed)"
	[ "$n" -gt 0 ] || rc=1
done
if [ -n "$pk" ]; then
	echo 0 > $pk/tracing_on
	np=$(grep -c 'csd_queue_cpu:' $pk/trace)
	echo "# mmb-stress: text pokes: $np do_sync_core() cross-calls queued"
	# the first callers: the kernel's stack lines start with " => "
	grep -m 24 -e 'csd_queue_cpu:' -e '^ => ' $pk/trace | sed 's/^/# mmb-stress: poke /'
else
	echo "# mmb-stress: text pokes: not counted (no csd tracepoints or tracefs)"
fi
exit $rc
