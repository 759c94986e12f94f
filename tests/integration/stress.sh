# SPDX-License-Identifier: GPL-2.0
# The debug guest's stress plan, a short seeded slice of it: shootdown-debug
# (KASAN, lockdep, debug objects, PTI, hung-task detector, panic_on_warn)
# booted under UEFI firmware, 4 vCPUs over 2 nodes, running
# build/libexec/mmb-stress (tests/kmod/stress.sh) for MMB_STRESS_SECONDS
# (default 30): exits with lazy users on every vCPU (also of an mm with
# 1024 page tables, whose teardown flushes more than once), execs from kernel
# threads (a core_pattern pipe), modify_ldt and membarrier kselftests, EFI
# variable reads.
#  - the guest finishes and its kernel log is clean (vm-run.sh)
#  - every load ran, the kselftests and the EFI reads included
#  - no kernel text was patched while they ran
# Longer runs, and the other -debug kernels:
#   scripts/vm-run.sh --kernel "$(scripts/build-kernel.sh STRATEGY-debug)" \
#       --efi --timeout 1200 -- sh /mmb/libexec/mmb-stress 600
# MMB_SKIP_MATRIX=1 skips it; make kernels builds the debug guest (shootdown-debug@7.2).
. "$(dirname "$0")/tap.bash"

reason=$(guest_reason)
[ -n "$reason" ] || [ -f /usr/share/OVMF/OVMF_CODE_4M.fd ] || reason="no UEFI firmware (ovmf)"
[ -z "$reason" ] || skip_all "stress plan in the debug guest" "$reason"

secs=${MMB_STRESS_SECONDS:-30}
kernel=$("$MMB_TOP/scripts/build-kernel.sh" "$debug_guest" 2>"$tmp/kerr")
if [ -z "$kernel" ]; then
	ok 1 "the $debug_guest kernel is built ($(tail -1 "$tmp/kerr"))"
	done_testing
	exit 0
fi
start=$SECONDS
"$MMB_TOP/scripts/vm-run.sh" --kernel "$kernel" --vcpus 4 --nodes 2 --efi \
	--out "$tmp/g" --timeout $((secs + 420)) -- sh /mmb/libexec/mmb-stress "$secs" \
	> "$tmp/log" 2>&1
rc=$?
ok $rc "$debug_guest under UEFI: $secs s of stress, the guest's kernel log clean (exit $rc, $((SECONDS - start)) s, $(guest_why "$tmp/log" "$tmp/g"))"
[ $rc -ne 0 ] && tail -8 "$tmp/log" | sed 's/^/#   /'
grep '# mmb-stress:' "$tmp/g/console.log" 2>/dev/null | tr -d '\r' | sed 's/^.*# mmb-stress/# mmb-stress/'
for load in walk-exit wide-exit exit-race use-unuse crash fork-exec ldt_gdt membarrier efivars; do
	line=$(tr -d '\r' < "$tmp/g/console.log" 2>/dev/null | grep "# mmb-stress: $load ran " | tail -1)
	# (not n: tap.bash counts its tests in n)
	rounds=$(echo "$line" | sed -n 's/.* ran \([0-9]*\) times.*/\1/p')
	fails=$(echo "$line" | sed -n 's/.*(\([0-9]*\) failed).*/\1/p')
	[ -n "$rounds" ] && [ "$rounds" -gt 0 ]
	ok $? "the $load load ran (${rounds:-0} rounds)"
	case $load in ldt_gdt|membarrier)
		# kselftests: every round passes on a sound kernel
		[ -n "$fails" ] && [ "$fails" -eq 0 ]
		ok $? "  the $load kselftest passed every round (${fails:-?} of ${rounds:-0} failed)" ;;
	esac
done
ok_tracepoints_at_boot "$tmp/g"
# no kernel text patched under the plan (tests/kmod/stress.sh): under TCG
# that has ended in "Oops: int3", so the loads must not flip a key
pokes=$(tr -d '\r' < "$tmp/g/console.log" 2>/dev/null | sed -n 's/.*# mmb-stress: text pokes: //p' | tail -1)
[ "${pokes%% *}" = 0 ]
ok $? "no kernel text patched while the loads ran (${pokes:-no count}: $(tr -d '\r' < "$tmp/g/console.log" 2>/dev/null | sed -n 's/.*# mmb-stress: poke  *=> //p' |
	grep -vE '^(trace_event_raw|__traceiter|smp_call_function|on_each_cpu|text_poke|smp_text_poke|arch_jump_label)' | head -4 | tr '\n' ' '))"
done_testing
