# SPDX-License-Identifier: GPL-2.0
# Our kernel series apply, in the order scripts/build-kernel.sh applies
# them, to linux-source-6.12, including the two (hazptr, mmgen) that make
# check does not build and boot (45 minutes do not hold seven kernels),
# and the membarrier fix (tests/kernel/README.md):
#  - every patch applies without fuzz or offset, for every strategy
#  - the result has what the series says: the Kconfig option, the hooks
#    in the scheduler, fork and exec paths, the trace events and the
#    debugfs totals that lib/counters.c reads (their keys, one by one)
#  - the x86 fixes of the shootdown series reach every strategy that does
#    not refcount (uncounted), and hazptr and mmgen leave shootdown's own
#    Kconfig patch out
#  - the series that have a 7.2 version apply to linux-source-7.2 as
#    cleanly, and the membarrier posting goes in with git am
# The source is the one make kernels unpacked into the kernel cache.
. "$(dirname "$0")/tap.bash"

cache=$(dirname "$(MMB_KERNEL_PRINT_DIR=1 "$MMB_TOP/scripts/build-kernel.sh" refcount)")
src=$cache/src/linux-source-6.12
if [ ! -f "$src/Makefile" ]; then
	# make check compiles no 6.12 kernel: the files the 6.12 series
	# change, cut from Debian's tarball (a whole tree is 1.5 GB)
	t612=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
	[ -f "$t612" ] || skip_all "kernel series apply" "no unpacked source in $cache and no $t612 (apt-get install linux-source-6.12)"
	files=$(sed -n 's|^--- a/||p' "$MMB_TOP"/scripts/kernel/patches/6.12/*/*.patch | sort -u)
	mkdir -p "$tmp/612"
	# shellcheck disable=SC2086
	tar -xJf "$t612" -C "$tmp/612" $(printf 'linux-source-6.12/%s ' $files) 2>"$tmp/612.err"
	ok $? "6.12: the files the 6.12 series change are in $(basename "$t612") ($(head -c 150 "$tmp/612.err"))"
	src=$tmp/612/linux-source-6.12
fi

# apply STRATEGY: a hard-linked copy of the pristine tree (patch(1)
# replaces the files it changes) with the strategy's series applied
apply() {
	local s=$1 t=$tmp/$1 p rc=0
	# hard links where the cache shares a file system with /tmp
	cp -al "$src" "$t" 2>/dev/null || { rm -rf "$t"; cp -a "$src" "$t"; } || return 1
	while IFS= read -r p; do
		# no fuzz, no offset: a series that needs either has rotted
		if ! patch -s -p1 -F0 -d "$t" < "$p" > "$tmp/patch.out" 2>&1 ||
		   grep -q "offset\|fuzz" "$tmp/patch.out"; then
			echo "# $s: $(basename "$p"): $(head -3 "$tmp/patch.out")"
			rc=1
			break
		fi
	done < <(MMB_KERNEL_PRINT_PATCHES=1 "$MMB_TOP/scripts/build-kernel.sh" "$s")
	return $rc
}

for s in shootdown shootdown-keepmask hazptr mmgen; do
	n_p=$(MMB_KERNEL_PRINT_PATCHES=1 "$MMB_TOP/scripts/build-kernel.sh" "$s" | wc -l)
	apply "$s"
	ok $? "$s: its $n_p patches apply cleanly to linux-source-6.12"
done

# the membarrier fix stands alone, on the mainline default (custom)
CUSTOM_CONFIG=$MMB_TOP/scripts/kernel/refcount.config \
	CUSTOM_PATCHES=$MMB_TOP/scripts/kernel/patches/6.12/membarrier apply custom
ok $? "membarrier: its patch applies cleanly to linux-source-6.12"
grep -q "membarrier_switch_mm(rq, prev->mm, next->mm);" "$tmp/custom/kernel/sched/core.c"
ok $? "membarrier: context_switch() compares prev->mm, not the lazy active_mm"

# LoongArch, MicroBlaze and SPARC have an <asm/mmu_context.h> that does
# not include the asm-generic one: a fallback there leaves fork.c without
# mm_loaded_here() on them
t=$tmp/shootdown
grep -q "WARN_ON_ONCE(mm_loaded_here(mm));" "$t/kernel/fork.c" &&
	grep -q "^static inline bool mm_loaded_here" "$t/include/linux/mmu_context.h" &&
	! grep -q "mm_loaded_here" "$t/include/asm-generic/mmu_context.h" &&
	grep -q "#include <linux/mmu_context.h>" "$t/kernel/fork.c"
ok $? "shootdown: the loaded-mm check's fallback is in <linux/mmu_context.h>, which fork.c includes: every architecture sees it"

for s in hazptr mmgen; do
	MMB_KERNEL_PRINT_PATCHES=1 "$MMB_TOP/scripts/build-kernel.sh" "$s" |
		grep -q "0006-x86-mm-allow-MMU_LAZY_TLB_SHOOTDOWN"
	[ $? -ne 0 ]
	ok $? "$s: leaves shootdown's Kconfig patch out"
	MMB_KERNEL_PRINT_PATCHES=1 "$MMB_TOP/scripts/build-kernel.sh" "$s" |
		grep -q "uncounted/"
	ok $? "$s: carries the fixes for every strategy without refcounting"
done

t=$tmp/hazptr
grep -q "^config MMU_LAZY_TLB_HAZPTR" "$t/arch/Kconfig"
ok $? "hazptr: arch/Kconfig has MMU_LAZY_TLB_HAZPTR"
grep -q "ARCH_SUPPORTS_MMU_LAZY_TLB_HAZPTR" "$t/arch/x86/Kconfig" &&
	grep -q "ARCH_SUPPORTS_MMU_LAZY_TLB_HAZPTR" "$t/arch/arm64/Kconfig"
ok $? "hazptr: offered on x86 and arm64"
grep -q "lazy_mm_hazptr_set(mm)" "$t/include/linux/sched/mm.h" &&
	grep -q "lazy_mm_hazptr_clear(active_mm)" "$t/fs/exec.c" &&
	grep -q "lazy_mm_hazptr_clear(active_mm)" "$t/kernel/kthread.c" &&
	grep -q "lazy_mm_hazptr_reset()" "$t/kernel/sched/core.c" &&
	grep -q "lazy_mm_hazptr_scan(mm)" "$t/kernel/fork.c"
ok $? "hazptr: publish in mmgrab_lazy_tlb(), retire at exec, kthread_use_mm and idle_task_exit, scan in __mmdrop"
grep -q "TRACE_EVENT(lazy_mm_hazptr_scan" "$t/include/trace/events/lazy_mm.h"
ok $? "hazptr: trace event lazy_mm:lazy_mm_hazptr_scan"
# the function lib/counters.c finds in kallsyms to count the IPIs
grep -q "^static void lazy_mm_hazptr_let_go(void \*info)" "$t/kernel/lazy_mm.c"
ok $? "hazptr: the IPI handler mmb counts is lazy_mm_hazptr_let_go()"

t=$tmp/mmgen
grep -q "^config MMU_LAZY_TLB_MMGEN" "$t/arch/Kconfig"
ok $? "mmgen: arch/Kconfig has MMU_LAZY_TLB_MMGEN"
grep -q "ARCH_SUPPORTS_MMU_LAZY_TLB_MMGEN" "$t/arch/x86/Kconfig" &&
	grep -q "ARCH_SUPPORTS_MMU_LAZY_TLB_MMGEN" "$t/arch/arm64/Kconfig"
ok $? "mmgen: offered on x86 and arm64"
grep -q "lazy_mm_gen_tick();" "$t/kernel/sched/core.c" &&
	grep -q "lazy_mm_gen_switched();" "$t/kernel/sched/core.c" &&
	grep -q "lazy_mm_gen_idle();" "$t/kernel/sched/idle.c" &&
	grep -q "if (lazy_mm_gen_defer(mm))" "$t/kernel/fork.c"
ok $? "mmgen: tick, switch and idle hooks, the deferral in __mmdrop"
for e in defer advance free; do
	grep -q "TRACE_EVENT(lazy_mm_gen_$e" "$t/include/trace/events/lazy_mm.h"
	ok $? "mmgen: trace event lazy_mm:lazy_mm_gen_$e"
done

# The 7.2 base (the tarball make kernels fetched): each series that has a
# 7.2 version (shootdown, shootdown-keepmask on it, hazptr and mmgen on
# its fixes and uncounted, membarrier) applies
# without fuzz or offset to the files it touches, cut from the tarball (a
# whole 7.2 tree is 1.5 GB), with what it says it does, beside what 7.2
# does itself that the 6.12 series had to add; and the posting in
# results/postings/ goes in with git am.
t72=$cache/debs/linux-source-7.2.tar.xz
if [ ! -f "$t72" ]; then
	skip "7.2 series apply" "no $t72 (make kernels fetches it)"
else
	# the files they change (new ones come from /dev/null)
	files=$(sed -n 's|^--- a/||p' "$MMB_TOP"/scripts/kernel/patches/7.2/*/*.patch | sort -u)
	mkdir -p "$tmp/72"
	# shellcheck disable=SC2086
	tar -xJf "$t72" -C "$tmp/72" $(printf 'linux-source-7.2/%s ' $files) 2>/dev/null
	ok $? "7.2: the files the 7.2 series touch ($(echo $files)) are in $(basename "$t72")"
	# each strategy's series in build-kernel.sh's order (keepmask stacks
	# on shootdown), and the membarrier fix alone
	for s in shootdown shootdown-keepmask hazptr mmgen membarrier; do
		if [ $s = membarrier ]; then
			list=$(ls "$MMB_TOP"/scripts/kernel/patches/7.2/membarrier/*.patch)
		else
			list=$(MMB_KERNEL_PRINT_PATCHES=1 "$MMB_TOP/scripts/build-kernel.sh" "$s@7.2")
		fi
		cp -a "$tmp/72/linux-source-7.2" "$tmp/72-$s"
		r=0
		for p in $list; do
			if ! patch -s -p1 -F0 -d "$tmp/72-$s" < "$p" > "$tmp/patch.out" 2>&1 ||
			   grep -q "offset\|fuzz" "$tmp/patch.out"; then
				echo "# $s@7.2: $(basename "$p"): $(head -3 "$tmp/patch.out")"
				r=1
			fi
		done
		ok $r "$s@7.2: its $(echo "$list" | wc -w) patches apply cleanly to linux-source-7.2"
	done
	t=$tmp/72-shootdown
	grep -q "^config X86_MMU_LAZY_TLB_SHOOTDOWN" "$t/arch/x86/Kconfig" &&
		grep -q "^static void leave_lazy_mm(void)" "$t/arch/x86/mm/tlb.c" &&
		[ "$(grep -c "leave_lazy_mm();" "$t/arch/x86/mm/tlb.c")" -eq 2 ] &&
		grep -q "WARN_ON_ONCE(mm_loaded_here(mm));" "$t/kernel/fork.c" &&
		grep -q "^static inline bool mm_loaded_here" "$t/include/linux/mmu_context.h" &&
		grep -q "#include <linux/mmu_context.h>" "$t/kernel/fork.c"
	ok $? "shootdown@7.2: the option, leave_lazy_mm() in leave_mm() and flush_tlb_func(), the loaded-mm check (its fallback where every architecture sees it)"
	grep -A12 "if (mm_needs_global_asid(loaded_mm, loaded_mm_asid)) {" "$t/arch/x86/mm/tlb.c" |
		grep -q "this_cpu_write(cpu_tlbstate_shared.is_lazy, true);" &&
		grep -q "mmgrab_lazy_tlb(&init_mm);" "$t/arch/x86/kernel/cpu/common.c"
	ok $? "shootdown@7.2: a lazy CPU stays lazy across flush_tlb_func()'s global ASID reload; cpu_init() takes idle's init_mm with mmgrab_lazy_tlb()"
	# what 7.2 has itself, which the 6.12 series had to add
	grep -q "^	select ARCH_WANT_IRQS_OFF_ACTIVATE_MM$" "$t/arch/x86/Kconfig" &&
		grep -q "sched_force_init_mm();" "$t/kernel/sched/core.c" &&
		grep -q "leave_mm();" "$t/arch/x86/mm/tlb.c" &&
		! grep -q "cpumask_clear_cpu(cpu, mm_cpumask(prev))" "$t/arch/x86/mm/tlb.c"
	ok $? "7.2 itself: exec switches with IRQs off, offlining moves to init_mm, use_temporary_mm() leaves lazy mode, switch_mm_irqs_off() keeps prev's bit"
	grep -q "^config X86_LAZY_TLB_KEEP_MASK" "$tmp/72-shootdown-keepmask/arch/x86/Kconfig" &&
		grep -q "CONFIG_X86_LAZY_TLB_KEEP_MASK" "$tmp/72-shootdown-keepmask/arch/x86/mm/tlb.c"
	ok $? "shootdown-keepmask@7.2: the option and the flush that keeps the CPU lazy"
	# hazptr on 7.2: no idle_task_exit() there; the outgoing CPU resets
	# its slot in sched_force_init_mm(), after switching to init_mm and
	# publishing it with IRQs off; exit_mm() publishes with IRQs off
	t=$tmp/72-hazptr
	grep -q "^config MMU_LAZY_TLB_HAZPTR" "$t/arch/Kconfig" &&
		grep -q "select ARCH_SUPPORTS_MMU_LAZY_TLB_HAZPTR$" "$t/arch/x86/Kconfig" &&
		grep -q "select ARCH_SUPPORTS_MMU_LAZY_TLB_HAZPTR if !EFI" "$t/arch/arm64/Kconfig" &&
		sed -n '/^static void sched_force_init_mm(void)/,/^}/p' "$t/kernel/sched/core.c" |
		awk '/local_irq_disable/ { d = NR } /mm = current->active_mm;/ { a = NR }
		     /switch_mm_irqs_off/ { s = NR } /lazy_mm_hazptr_clear\(mm\)/ { c = NR }
		     /mmgrab_lazy_tlb\(&init_mm\)/ { g = NR }
		     /local_irq_enable/ && !e { e = NR } /lazy_mm_hazptr_reset\(\)/ { r = NR }
		     END { exit !(d && a > d && s > a && c > s && g > c && e > g && r > e) }' &&
		sed -n '/^static void exit_mm(void)/,/^}/p' "$t/kernel/exit.c" |
		awk '/local_irq_disable/ { d = NR } /mmgrab_lazy_tlb\(mm\)/ { g = NR }
		     /local_irq_enable/ { e = NR } END { exit !(d && g > d && e > g) }' &&
		grep -q "lazy_mm_hazptr_clear(active_mm);" "$t/fs/exec.c" &&
		grep -q "lazy_mm_hazptr_clear(active_mm);" "$t/kernel/kthread.c" &&
		grep -q "lazy_mm_hazptr_scan(mm);" "$t/kernel/fork.c" &&
		[ "$(grep -c lazy_mm_hazptr "$t/kernel/sched/core.c")" -eq 2 ]
	ok $? "hazptr@7.2: the option on x86 and arm64 (not with EFI); sched_force_init_mm() reads active_mm with IRQs off, switches, retires the slot, publishes init_mm, then resets the slot; exit_mm() publishes with IRQs off; exec, kthread_use_mm() and __mmdrop() hooked"
	grep -q "	mmgrab_lazy_tlb(mm);" "$t/arch/arm64/kernel/smp.c" &&
		! grep -q "	mmgrab(mm);" "$t/arch/arm64/kernel/smp.c"
	ok $? "uncounted@7.2: arm64's secondary_start_kernel() takes idle's init_mm with mmgrab_lazy_tlb(), as x86's cpu_init() does"
	# mmgen on 7.2: do_idle() meets an offline CPU before its loop, so
	# that branch marks the CPU quiet before it reports itself dead (the
	# loop's hook would never run, and the CPU would hold every round)
	t=$tmp/72-mmgen
	grep -q "^config MMU_LAZY_TLB_MMGEN" "$t/arch/Kconfig" &&
		sed -n '/^static void do_idle(void)/,/^}/p' "$t/kernel/sched/idle.c" |
		awk '/cpu_is_offline\(cpu\)/ { o = NR } /lazy_mm_gen_idle\(\)/ && !q { q = NR }
		     /cpuhp_report_idle_dead\(\)/ { d = NR } END { exit !(o && q > o && d > q) }' &&
		grep -q "lazy_mm_gen_tick();" "$t/kernel/sched/core.c" &&
		grep -q "queue_work(system_dfl_wq, &lazy_mm_gen_free_work);" "$t/kernel/lazy_mm.c" &&
		sed -n '/^void lazy_mm_gen_idle(void)/,/^}/p' "$t/kernel/lazy_mm.c" |
		awk '/smp_mb\(\);/ && !b { b = NR } /WRITE_ONCE\(\*this_cpu_ptr\(&lazy_mm_gen_cpu.quiet\), 1\)/ { q = NR }
		     END { exit !(b && q > b) }'
	ok $? "mmgen@7.2: the option, do_idle()'s offline branch marks the CPU quiet before cpuhp_report_idle_dead(), the tick drives rounds, frees on system_dfl_wq (7.2 deprecates system_unbound_wq), idle's uses of the lazy mm ordered before its quiet mark"
	grep -q "membarrier_switch_mm(rq, prev->mm, next->mm);" "$tmp/72-membarrier/kernel/sched/core.c"
	ok $? "membarrier@7.2: context_switch() compares prev->mm, not the lazy active_mm"
	# the posting, as a maintainer takes it: git am onto a clean tree
	post=$MMB_TOP/results/postings/membarrier-lazy
	g=$tmp/72-git
	cp -a "$tmp/72/linux-source-7.2" "$g"
	git -C "$g" init -q && git -C "$g" add -A &&
		git -C "$g" -c user.name=t -c user.email=t@t commit -qm "linux-source-7.2" &&
		git -C "$g" -c user.name=t -c user.email=t@t am -q "$post"/0001-*.patch > "$tmp/am" 2>&1
	ok $? "results/postings/membarrier-lazy: git am onto clean 7.2 ($(head -c 120 "$tmp/am"))"
	cmp -s "$g/kernel/sched/core.c" "$tmp/72-membarrier/kernel/sched/core.c"
	ok $? "the posting is the series build-kernel.sh applies"
fi

# every key lib/counters.c reads is one a series prints
keys=$(sed -n 's/^\t{ "\([a-z_]*\)", "lazy_[a-z_]*",.*/\1/p' "$MMB_TOP/lib/counters.c")
[ -n "$keys" ]
ok $? "lib/counters.c: the lazy_mm keys it reads ($(echo $keys))"
for k in $keys; do
	grep -qh "\"$k " "$tmp/hazptr/kernel/lazy_mm.c" "$tmp/mmgen/kernel/lazy_mm.c"
	ok $? "debugfs lazy_mm prints $k"
done
done_testing
