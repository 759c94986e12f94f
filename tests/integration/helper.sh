# SPDX-License-Identifier: GPL-2.0
# The helper module's promises, in the debug guest (shootdown-debug: KASAN,
# lockdep, debug objects, hung-task detector, panic_on_warn), 4 vCPUs under
# qemu: build/libexec/mmb-helper-test (tests/kmod/helper-test.c) loads and
# unloads the module itself and checks bounded parameters, the total
# kthread cap, CAP_SYS_ADMIN at every ioctl, killable and bounded waits
# with the request's CPU starved by a SCHED_FIFO loop, and ENXIO when a
# CPU goes offline under a request.  Then build/libexec/mmb-helper-fuzz
# (tests/kmod/helper-fuzz.c), a seeded slice of the concurrent ioctl
# fuzzer: MMB_FUZZ_SECONDS (default 45) of random and boundary requests
# from processes and threads on shared and own fds, SIGKILLs mid-ioctl,
# CPU hotplug, insmod/rmmod rounds.  Each check of both is one here, and
# the guest's kernel log must be clean (vm-run.sh).
# MMB_SKIP_MATRIX=1 skips it; make kernels builds the debug guest (shootdown-debug@7.2).
. "$(dirname "$0")/tap.bash"

reason=$(guest_reason)
[ -z "$reason" ] || skip_all "helper module in the debug guest" "$reason"

kernel=$("$MMB_TOP/scripts/build-kernel.sh" "$debug_guest" 2>"$tmp/kerr")
if [ -z "$kernel" ]; then
	ok 1 "the $debug_guest kernel is built ($(tail -1 "$tmp/kerr"))"
	done_testing
	exit 0
fi
secs=${MMB_FUZZ_SECONDS:-45} seed=${MMB_FUZZ_SEED:-1}
printf '%s\n' "/mmb/libexec/mmb-helper-test --output /results/" \
	"/mmb/libexec/mmb-helper-fuzz --seconds $secs --seed $seed --output /results/" > "$tmp/plan"
start=$SECONDS
"$MMB_TOP/scripts/vm-run.sh" --kernel "$kernel" --vcpus 4 --nodes 1 \
	--plan "$tmp/plan" --out "$tmp/g" --timeout $((secs + 480)) > "$tmp/log" 2>&1
rc=$?
ok $rc "mmb-helper-test and $secs s of mmb-helper-fuzz (seed $seed) in the $debug_guest guest, kernel log clean (exit $rc, $((SECONDS - start)) s, $(guest_why "$tmp/log" "$tmp/g"))"
[ $rc -ne 0 ] && tail -8 "$tmp/log" | sed 's/^/#   /'
for t in helper helper-fuzz; do
	if [ ! -s "$tmp/g/$t.tap" ]; then
		ok 1 "mmb-$t wrote its TAP (console: $(tail -3 "$tmp/g/console.log" 2>/dev/null | tr '\n' ' '))"
		continue
	fi
	# each of the guest's checks is one of ours
	while IFS= read -r line; do
		case $line in
		"ok "*"# SKIP"*) skip "$t: ${line#*# SKIP }" "see the guest" ;;
		"ok "*) ok 0 "$t: ${line#ok * - }" ;;
		"not ok "*) ok 1 "$t: ${line#not ok * - }" ;;
		"#"*) echo "$line" ;;
		esac
	done < "$tmp/g/$t.tap"
	grep -q '^1\.\.[0-9]' "$tmp/g/$t.tap"
	ok $? "mmb-$t ran to its end"
done
done_testing
