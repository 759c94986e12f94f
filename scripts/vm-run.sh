#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel in qemu with the benches, their libraries and the helper
# module built for it; run a plan of bench command lines in the guest; bring
# the JSON results back on a raw virtio disk (a tar, not console scraping);
# fail on any WARN/BUG/KASAN/lockdep report in the guest's kernel log.
#
#   scripts/vm-run.sh --kernel DIR [options] [-- BENCH ARGS...]...
#     --kernel DIR     a build-kernel.sh output (bzImage, mmb_helper.ko); an
#                      arm64 one (Image) boots qemu-system-aarch64 -M virt
#                      with the arm64 build (make ARCH=arm64), always TCG
#     --vcpus N        default 4
#     --nodes M        NUMA nodes, vCPUs split evenly; default 2
#     --memory MB      default 2048, or 32 MB a vCPU past 64 vCPUs, rounded
#                      up to split evenly over the nodes
#     --plan FILE      one bench command line per line (default: the suite),
#                      quoted as for sh (mmb sweep --print-plan quotes);
#                      a line with --output /results/NAME.json names its file
#     --out DIR        where results land (default results/vm-<timestamp>)
#     --timeout SEC    for the whole guest run; default 900
#     --accel auto|kvm|tcg   default auto: KVM if a probe boots in 60 s
#     --efi            boot through UEFI firmware (Debian's ovmf, x86_64), so
#                      the kernel makes EFI runtime calls (efivarfs)
#     --cmdline 'WORDS'  more kernel parameters (pti=on, nopcid, ...), after
#                      the kernel's own; each result records what the guest
#                      booted with in system.boot
#     --initramfs FILE write the initramfs (gzip'ed cpio) there and boot
#                      nothing: a LAVA job's ramdisk (scripts/lava-jobs.sh).
#                      Booted with mmb.shell, its init sets up as always and
#                      then gives the console a shell instead of the plan
#
# The exit code is the suite's: 0 all ran (or skipped), 1 a bench failed or
# the kernel log has a problem, 2 usage, 3 the guest did not finish.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/build/bin
vcpus=4 nodes=2 memory="" plan="" out="" timeout=900
accel=${MMB_ACCEL:-auto} kernel="" efi=0 cmdline="" initramfs=""
extra=()

die() { echo "vm-run: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=${2:?}; shift 2 ;;
	--vcpus) vcpus=${2:?}; shift 2 ;;
	--nodes) nodes=${2:?}; shift 2 ;;
	--memory) memory=${2:?}; shift 2 ;;
	--plan) plan=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--accel) accel=${2:?}; shift 2 ;;
	--efi) efi=1; shift ;;
	--cmdline) cmdline=${2?}; shift 2 ;;
	--initramfs) initramfs=${2:?--initramfs needs a file}; shift 2 ;;
	--) shift; extra=("$@"); break ;;
	-h|--help) sed -n '4,30p' "$0"; exit 0 ;;
	*) die "unknown argument '$1'" ;;
	esac
done
[ -n "$kernel" ] || die "--kernel: required"
# kernel parameters only: init's start after "--", and a line is one -append
for w in $cmdline; do
	[ "$w" != -- ] || die "--cmdline: '$cmdline': '--' would pass what follows to init"
done
case $cmdline in *[$'\n\r"']*) die "--cmdline: '$cmdline': no newlines or quotes" ;; esac
if [ -f "$kernel/bzImage" ]; then
	arch=x86_64 image=$kernel/bzImage qemu=qemu-system-x86_64 busybox=/bin/busybox
	qpkg=qemu-system-x86
elif [ -f "$kernel/Image" ]; then
	# the arm64 build is static: no shared libraries to carry
	arch=arm64 image=$kernel/Image qemu=qemu-system-aarch64
	bin=$top/build/arm64/bin busybox=$top/build/arm64/sysroot/bin/busybox
	qpkg=qemu-system-arm
	[ -x "$bin/mmb-null" ] || die "no arm64 build in $bin (make ARCH=arm64)"
else
	die "--kernel: no bzImage or Image in $kernel (scripts/build-kernel.sh)"
fi
case $vcpus in ''|*[!0-9]*) die "--vcpus: '$vcpus' is not a number" ;; esac
case $nodes in ''|*[!0-9]*) die "--nodes: '$nodes' is not a number" ;; esac
[ "$vcpus" -ge 1 ] && [ "$nodes" -ge 1 ] && [ $((vcpus % nodes)) -eq 0 ] ||
	die "--nodes: $nodes must divide --vcpus $vcpus"
if [ -z "$memory" ]; then
	# a vCPU's share of per-CPU areas, stacks and the benches' threads
	memory=2048
	[ "$vcpus" -le 64 ] || memory=$((vcpus * 32))
	memory=$(( (memory + nodes - 1) / nodes * nodes ))
fi
case $memory in ''|*[!0-9]*) die "--memory: '$memory' is not a number of MB" ;; esac
[ $((memory % nodes)) -eq 0 ] || die "--memory: $memory MB must split evenly over $nodes nodes"
case $accel in auto|kvm|tcg) ;; *) die "--accel: '$accel' is not auto, kvm or tcg" ;; esac
command -v $qemu >/dev/null || die "$qemu missing (apt-get install $qpkg)"
[ -x "$busybox" ] || die "$busybox missing (apt-get install busybox-static, or make ARCH=arm64 for the arm64 one)"
fw=()
if [ $efi -eq 1 ]; then
	[ "$arch" = x86_64 ] || die "--efi: x86_64 guests only"
	code=/usr/share/OVMF/OVMF_CODE_4M.fd vars=/usr/share/OVMF/OVMF_VARS_4M.fd
	[ -f "$code" ] && [ -f "$vars" ] || die "--efi: $code missing (apt-get install ovmf)"
fi
# no arm64 KVM on an x86 host
[ "$arch" = arm64 ] && [ "$accel" = kvm ] && die "--accel kvm: an arm64 guest on $(uname -m) is TCG only"
[ "$arch" = arm64 ] && accel=tcg
[ -n "$out" ] || out=$top/results/vm-$(date -u +%Y%m%dT%H%M%SZ)
[ -n "$initramfs" ] || mkdir -p "$out" || exit 1

work=$(mktemp -d /tmp/mmb-vm.XXXXXX)
trap 'rm -rf "$work"' EXIT
if [ $efi -eq 1 ]; then
	# the firmware read-only, its variable store a writable copy
	cp "$vars" "$work/vars.fd"
	fw=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
	    -drive "if=pflash,format=raw,unit=1,file=$work/vars.fd")
fi

# --- the plan: bench command lines, run in order in the guest
if [ -n "$plan" ]; then
	cp "$plan" "$work/plan" || die "--plan: cannot read $plan"
elif [ ${#extra[@]} -gt 0 ]; then
	printf '%s\n' "${extra[*]}" > "$work/plan"
else
	for b in "$top"/benches/*.c; do
		b=${b##*/}
		echo "mmb-${b%.c} --variant all --duration 0.2 --repeat 3 --warmup 0.05"
	done > "$work/plan"
fi

# --- initramfs: busybox, the benches, their shared libraries, the module
root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp,results,mmb/bin,mmb/libexec}
cp "$busybox" "$root/bin/busybox"
cp "$bin"/mmb-* "$root/mmb/bin/"
# mmb-macro's timer, where the host has it and the guest can run it
if [ "$arch" = x86_64 ] && command -v hyperfine >/dev/null; then
	cp "$(command -v hyperfine)" "$root/mmb/bin/"
fi
# the exec target, and the helper's checks (mmb-helper-test)
cp "$bin"/../libexec/mmb-* "$root/mmb/libexec/"
cp "$work/plan" "$root/mmb/plan"
[ -f "$kernel/mmb_helper.ko" ] && cp "$kernel/mmb_helper.ko" "$root/mmb/"
# a distribution's kernel (debian-kernel.sh): the modules it needs before
# anything runs, in order, and its config where mmb looks for it (no
# /proc/config.gz there)
if [ -f "$kernel/modules.order" ]; then
	mkdir -p "$root/mmb/modules"
	while read -r m; do
		cp "$kernel/modules/$m" "$root/mmb/modules/" || die "$kernel/modules/$m missing"
	done < "$kernel/modules.order"
	cp "$kernel/modules.order" "$root/mmb/modules/order"
fi
if [ -f "$kernel/release" ]; then
	mkdir -p "$root/boot"
	cp "$kernel/config" "$root/boot/config-$(cat "$kernel/release")" ||
		die "$kernel/config missing"
fi
[ "$arch" = arm64 ] || for f in "$root"/mmb/bin/*; do
	ldd "$f" | awk '/=> \//{ print $3 } /^\t\/lib/{ print $1 }'
done | sort -u | while read -r lib; do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done
cat > "$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
# The tracepoints the benches count have two probes from boot: each is
# enabled in the top trace instance and in instance mmb by the kernel's
# command line (trace_event=, trace_instance=: see boot() below), tracing
# off, 4 KB buffers.  A tracepoint's static key flips with its first probe
# and its static call sites are repatched on every 1<->2 probe change;
# from 2 up, perf's probe comes and goes without touching kernel text.
# Under TCG that patching (text_poke_bp()'s int3 while other vCPUs run the
# site) ended in "Oops: int3": in interrupt (Debian's 6.12, at 4 and at 64
# vCPUs, while the benches' probes came and went), and in __schedule()'s
# sched_switch call while this init enabled the events itself (7.2, 4
# vCPUs, UEFI): a stale translation of the int3 outliving the patch, we
# believe; not seen on real CPUs.  The command line enables them before
# the other CPUs are up; this loop then changes nothing, and says so.
t=/sys/kernel/tracing
if [ -d $t/events ]; then
	mkdir -p $t/instances/mmb 2>/dev/null
	late=""
	for i in $t $t/instances/mmb; do
		[ -d $i/events ] || continue
		echo 0 > $i/tracing_on
		echo 4 > $i/buffer_size_kb
		for e in ipi csd irq_vectors tlb sched/sched_switch; do
			[ -e $i/events/$e/enable ] || continue
			grep -qx 1 $i/events/$e/enable && continue
			late="$late ${i#$t}/$e"
			echo 1 > $i/events/$e/enable
		done
	done
	if [ -n "$late" ]; then
		echo "MMB: tracepoints enabled by init, kernel text patched after boot:$late"
	else
		echo "MMB: tracepoints enabled at boot"
	fi
fi
export PATH=/mmb/bin:/bin
echo "MMB-BOOTED"
if grep -q mmb.probe /proc/cmdline; then poweroff -f; fi
if [ -f /mmb/modules/order ]; then
	while read -r m; do
		insmod "/mmb/modules/$m" || echo "MMB: insmod $m failed"
	done < /mmb/modules/order
	# the disk's node appears once the driver has probed it
	i=0
	while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -b /dev/vda ] || echo "MMB: no /dev/vda: the results cannot come back"
fi
if [ -f /mmb/mmb_helper.ko ]; then
	insmod /mmb/mmb_helper.ko && echo "MMB: helper loaded" || echo "MMB: insmod failed"
fi
# a LAVA job (scripts/lava/): its test shell runs the plan, not this init
if grep -q mmb.shell /proc/cmdline; then
	echo "MMB-SHELL"
	exec setsid cttyhack sh
fi
rc=0 i=0
while read -r line; do
	[ -z "$line" ] && continue
	i=$((i + 1))
	echo "MMB-RUN $i: $line"
	# shellcheck disable=SC2086
	# a line may name its own result file (a sweep's points); else the
	# bench names it after itself in /results/
	case $line in
	*--output*) eval "$line --format json --quiet" ;;
	*) eval "$line --format json --output /results/ --quiet" ;;
	esac
	r=$?
	echo "MMB-RC $i $r"
	echo "$i $r $line" >> /results/runs.txt
	case $r in 0|4) ;; *) rc=1 ;; esac
done < /mmb/plan
[ -f /mmb/mmb_helper.ko ] && rmmod mmb_helper && echo "MMB: helper unloaded"
echo "$rc" > /results/rc
dmesg > /results/dmesg.txt
cat /proc/interrupts > /results/interrupts.txt
cd /results && tar cf /dev/vda . && sync
echo "MMB-DONE $rc"
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$work/initrd"
if [ -n "$initramfs" ]; then
	cp "$work/initrd" "$initramfs" || die "--initramfs: cannot write '$initramfs'"
	echo "vm-run: initramfs for $(basename "$kernel") in $initramfs"
	exit 0
fi
truncate -s 256M "$work/disk.img"

# one socket per node: an LLC shared across nodes makes the guest WARN
numa=()
per=$((vcpus / nodes))
for n in $(seq 0 $((nodes - 1))); do
	numa+=(-object "memory-backend-ram,id=m$n,size=$((memory / nodes))M"
	       -numa "node,nodeid=$n,cpus=$((n * per))-$(((n + 1) * per - 1)),memdev=m$n")
done

boot() {	# boot ACCEL TIMEOUT EXTRA-CMDLINE
	local a=$1 t=$2 cpu=max acc=$1 machine=(-M q35) console=ttyS0 extra=lpj=4000000
	[ "$a" = kvm ] && cpu=host
	[ "$a" = tcg ] && acc=tcg,thread=multi
	if [ "$arch" = arm64 ]; then
		# GICv3 for more than 8 CPUs; TCG is slow enough to trip the
		# soft-lockup watchdog, which is not what we are testing
		machine=(-M virt,gic-version=3) console=ttyAMA0 extra=nowatchdog
	fi
	# Past 255 vCPUs x86 needs x2APIC IDs, which need interrupt
	# remapping: an emulated IOMMU with extended interrupt mode.  An
	# overcommitted TCG guest (more vCPUs than twice the host's CPUs)
	# runs slowly enough for the soft-lockup watchdog to fire and for RCU
	# to call its grace periods stalled: neither is what the guest tests.
	local iommu=()
	if [ "$arch" = x86_64 ] && [ "$vcpus" -gt 255 ]; then
		machine=(-M q35,kernel-irqchip=split)
		iommu=(-device intel-iommu,intremap=on,eim=on)
		extra+=" intremap=on"
	fi
	# Under TCG no kernel text is patched after boot (see the init's
	# tracepoints): the harness turns NUMA balancing off for each run and
	# back on after, a static key flipped each time; off from boot, the
	# key never moves and the harness finds nothing to change.
	[ "$a" = tcg ] && extra+=" numa_balancing=disable"
	# the init's tracepoints, two probes each before the other CPUs start
	local ev=ipi:*,csd:*,tlb:*,sched:sched_switch
	[ "$arch" = x86_64 ] && ev+=,irq_vectors:*
	extra+=" trace_buf_size=4k trace_event=$ev trace_instance=mmb^traceoff,$ev"
	if [ "$a" = tcg ] && [ "$vcpus" -gt $(( 2 * $(nproc) )) ]; then
		case $extra in *nowatchdog*) ;; *) extra+=" nowatchdog" ;; esac
		extra+=" rcupdate.rcu_cpu_stall_timeout=300"
	fi
	timeout --signal=KILL "$t" $qemu "${machine[@]}" "${iommu[@]}" "${fw[@]}" \
		-accel "$acc" \
		-cpu "$cpu" -smp "$vcpus,sockets=$nodes,cores=$per,threads=1" \
		-m "$memory" "${numa[@]}" \
		-kernel "$image" -initrd "$work/initrd" \
		-append "console=$console panic=-1 loglevel=4 $extra $3" \
		-drive "file=$work/disk.img,format=raw,if=none,id=d0" \
		-device virtio-blk-pci,drive=d0 \
		-display none -serial "file:$work/console.log" -no-reboot \
		-monitor none >"$work/qemu.log" 2>&1
}

if [ "$accel" = auto ]; then
	# Stock kernels hang under KVM on some hosts: a short probe decides,
	# once per host kernel and qemu (a hang costs a minute, and a matrix
	# boots several guests).  rm the file to probe again.
	probe_dir=/var/cache/mmb
	mkdir -p "$probe_dir" 2>/dev/null && [ -w "$probe_dir" ] || probe_dir=${TMPDIR:-/tmp}
	# keyed by size too: a KVM that boots 4 vCPUs may not boot 254
	probe_key="$(uname -r) $($qemu --version | head -1) ${vcpus}vcpus"
	probe_file=$probe_dir/kvm-probe
	accel=$(awk -v k="$probe_key" 'index($0, k " => ") == 1 { print $NF }' "$probe_file" 2>/dev/null | tail -1)
	if [ -z "$accel" ]; then
		accel=tcg
		# (a subshell: qemu aborting under KVM must not spray the terminal)
		if [ -w /dev/kvm ] && (boot kvm 60 mmb.probe) 2>/dev/null &&
		   grep -q MMB-BOOTED "$work/console.log"; then
			accel=kvm
		fi
		[ -w /dev/kvm ] && echo "$probe_key => $accel" >> "$probe_file"
		: > "$work/console.log"
	else
		echo "# vm-run: KVM probe verdict from $probe_file: $accel" >&2
	fi
fi
# qemu 7.2's limits for x86 (checked): TCG starts at most 255 vCPUs, past
# that it wants KVM's in-kernel irqchip with the X2APIC API; q35 stops at 288
if [ "$arch" = x86_64 ] && [ "$vcpus" -gt 255 ]; then
	[ "$accel" = kvm ] || die "--vcpus $vcpus: qemu under TCG starts at most 255 x86 vCPUs (more need KVM: its irqchip with the X2APIC API)"
	[ "$vcpus" -le 288 ] || die "--vcpus $vcpus: q35 takes at most 288"
fi
# a debug kernel's own arguments (build-kernel.sh: panic_on_warn ...)
kcmdline=$(cat "$kernel/cmdline" 2>/dev/null)
kcmdline+=${cmdline:+${kcmdline:+ }$cmdline}
echo "# vm-run: $(basename "$kernel"), $arch, $vcpus vCPUs over $nodes node(s), $accel$([ $efi -eq 1 ] && echo ", UEFI")${kcmdline:+, $kcmdline}" >&2
start=$SECONDS
boot "$accel" "$timeout" "$kcmdline"
qrc=$?
tr -d '\r' < "$work/console.log" > "$out/console.log"
cp "$work/qemu.log" "$out/qemu.log" 2>/dev/null
tar -xf "$work/disk.img" -C "$out" 2>/dev/null
echo "$accel" > "$out/accel"
echo "# vm-run: guest finished in $((SECONDS - start)) s (qemu exit $qrc)" >&2

# --- the kernel log: any of these fails the run, and is kept beside it
# (lockdep's reports start with WARNING: or INFO:, not with the word
# "lockdep", which the debug kernels' boot banner prints)
pattern='WARNING:|BUG:|KASAN|UBSAN|INFO: |possible circular locking|lockdep is turned off|Oops|general protection fault|Call Trace|blocked for more than|Kernel panic|detected stalls|self-detected stall|suspected memory leaks'
# ("traps: prog[pid] general protection fault ..." is a user program's
# unhandled fault, which the stress plan's kselftests cause on purpose)
grep -E "$pattern" "$out/console.log" "$out/dmesg.txt" 2>/dev/null |
	grep -vE '(^|[]: ])traps: ' > "$out/kernel-problems.txt"
if [ -s "$out/kernel-problems.txt" ]; then
	echo "vm-run: the guest kernel reported problems (kept in $out/kernel-problems.txt):" >&2
	head -5 "$out/kernel-problems.txt" >&2
	exit 1
fi
rm -f "$out/kernel-problems.txt"
if [ ! -f "$out/rc" ]; then
	if [ "$qrc" -ne 0 ] && [ "$qrc" -ne 137 ] && [ -s "$out/qemu.log" ]; then
		# qemu refused to start (or died): its own words, not a time-out
		echo "vm-run: $qemu failed (exit $qrc):" >&2
		tail -5 "$out/qemu.log" >&2
		exit 3
	fi
	if [ "$qrc" -eq 0 ]; then
		echo "vm-run: the guest powered off without results (console: $out/console.log)" >&2
		grep "^MMB: " "$out/console.log" | tail -3 >&2
		exit 3
	fi
	echo "vm-run: the guest did not finish within $timeout s (console: $out/console.log)" >&2
	tail -5 "$out/console.log" >&2
	exit 3
fi
rc=$(cat "$out/rc")
[ "$rc" = 0 ] || { echo "vm-run: a bench failed in the guest:" >&2; grep -v ' [04] ' "$out/runs.txt" >&2; }
exit "$rc"
