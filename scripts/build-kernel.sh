#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a minimal guest kernel for one lazy-TLB strategy, plus the helper
# module against it, cached by a hash of source, configs and patches.
#
#   scripts/build-kernel.sh STRATEGY[@BASE]
#
#   BASE (or MMB_KERNEL_BASE; default 6.12): the kernel source
#     6.12     Debian 12's linux-source-6.12, patches/6.12/<series>/
#     7.2      Debian unstable's linux-source-7.2, fetched into the cache
#              (fetch-linux-source.sh: a private apt state, the system's
#              sources untouched), patches/7.2/<series>/: shootdown (3
#              patches: 7.2 itself does what 6.12's 0003-0005 added),
#              shootdown-keepmask, uncounted, hazptr and mmgen, and
#              the membarrier fix; a strategy whose series has no
#              version for the base fails, naming it
#     debian   Debian's own binary build of 6.12, refcount only: fetched,
#              nothing compiled but the helper module (debian-kernel.sh)
#     refcount         mainline default
#     refcount-debug   refcount in the debug guest (kernel/debug.config:
#                      KASAN, lockdep, debug objects, PTI, hung-task ...)
#     shootdown        MMU_LAZY_TLB_SHOOTDOWN on x86 (scripts/kernel/patches/shootdown)
#     shootdown-debug  the above plus DEBUG_VM_SHOOT_LAZIES, in the debug guest
#                      (kernel/debug.config): make check boots it on 7.2
#     shootdown-keepmask  shootdown, and a lazy CPU stays in mm_cpumask()
#                      through a flush that frees page tables, so the final
#                      __mmdrop() IPIs it (patches/shootdown-keepmask)
#     shootdown-keepmask-debug  keepmask with DEBUG_VM_SHOOT_LAZIES (and its
#                      loaded-mm check) in the debug guest
#     hazptr           lazy CPUs publish the mm in a per-CPU hazard slot; the
#                      final __mmdrop() IPIs only the CPUs whose slot names it
#                      (patches/uncounted, patches/hazptr: our series)
#     mmgen            no IPI: the final __mmdrop() is deferred until every CPU
#                      has switched mm (or idled) twice over, driven by the
#                      tick (patches/uncounted, patches/mmgen: our series)
#     hazptr-debug, mmgen-debug  with DEBUG_VM_SHOOT_LAZIES, in the debug guest
#     custom           CUSTOM_CONFIG=<fragment> CUSTOM_PATCHES=<dir of *.patch>
#
#   MMB_ARCH=arm64   an arm64 guest, cross-built with CROSS_COMPILE (default
#                    aarch64-linux-gnu-); refcount, hazptr, mmgen and custom:
#                    arm64 does not maintain mm_cpumask (TLB invalidation is
#                    a hardware broadcast), which shootdown relies on
#   KSRC=<tree>   use this kernel tree instead of Debian's linux-source-BASE
#   MMB_KERNEL_CACHE=<dir>  where builds are kept (default /var/cache/mmb/kernel
#                           when writable, so clean clones and CI reuse them;
#                           else build/kernel)
#   MMB_KERNEL_NO_BUILD=1   only look in the cache: exit 3 when the kernel is
#                           not there (the tests set it: make kernels builds)
#   MMB_KERNEL_PRINT_PATCHES=1  print the patches the strategy applies, in
#                           order, and stop
#
# Compiles go through ccache (in the cache directory) when it is installed.
# Every strategy builds in its own hard-linked copy of the source with the
# object tree inside it (<tree>/obj), so Kbuild names every file relative
# to the object tree ("../mm/memory.c") and the command lines of two
# strategies are the same: ccache then serves every file their configs and
# patches do not touch, and a strategy after the first takes about a
# fifth of the first one's time.
#
# Prints the directory holding the kernel image (bzImage on x86_64, Image on
# arm64), config and mmb_helper.ko last.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kdir=$top/scripts/kernel
. "$top/scripts/kernel/cache.sh"
cache=$MMB_KERNEL_CACHE
strategies="refcount, refcount-debug, shootdown, shootdown-debug, shootdown-keepmask, shootdown-keepmask-debug, hazptr, hazptr-debug, mmgen, mmgen-debug, custom"
strategy=${1:?usage: build-kernel.sh STRATEGY[@BASE] ($strategies; BASE 6.12, 7.2 or debian)}
# the base: STRATEGY@BASE, else MMB_KERNEL_BASE, else 6.12
base=${MMB_KERNEL_BASE:-6.12}
case $strategy in *@*) base=${strategy#*@} strategy=${strategy%%@*} ;; esac
case $base in
6.12|7.2) ;;
debian)
	# Debian's own build of the 6.12 base: stock, so refcount only
	[ "$strategy" = refcount ] ||
		{ echo "build-kernel: $strategy@debian: Debian's kernel is stock, refcount only" >&2; exit 2; }
	# no series, and no tree of yours: it is Debian's binary
	[ -n "${MMB_KERNEL_PRINT_PATCHES:-}" ] && exit 0
	[ -z "${KSRC:-}" ] ||
		{ echo "build-kernel: refcount@debian is Debian's binary kernel: KSRC does not apply" >&2; exit 2; }
	exec "$top/scripts/debian-kernel.sh" ;;
*) echo "build-kernel: base '$base': want 6.12, 7.2 or debian" >&2; exit 2 ;;
esac
pdir=$kdir/patches/$base
# one job more than CPUs: a compile waiting on the disk leaves a CPU idle
jobs=${JOBS:-$(($(nproc) + 1))}
arch=${MMB_ARCH:-x86_64}

die() { echo "build-kernel: $*" >&2; exit 2; }

case $arch in
x86_64) karch=x86 image=bzImage cross= ;;
arm64|aarch64)
	arch=arm64 karch=arm64 image=Image
	cross=${CROSS_COMPILE:-aarch64-linux-gnu-}
	command -v "${cross}gcc" >/dev/null ||
		die "${cross}gcc missing (apt-get install gcc-aarch64-linux-gnu)"
	case $strategy in
	refcount|hazptr|mmgen|custom) ;;
	shootdown*) die "$strategy on arm64: MMU_LAZY_TLB_SHOOTDOWN needs an mm_cpumask that holds every lazy CPU, and arm64 does not maintain one (refcount, hazptr, mmgen, custom)" ;;
	*) die "$strategy on arm64: not built for arm64 (refcount, hazptr, mmgen, custom)" ;;
	esac ;;
*) die "MMB_ARCH=$arch: want x86_64 or arm64" ;;
esac
kmake=(ARCH="$karch" ${cross:+CROSS_COMPILE="$cross"})
frags=("$kdir/base-$arch.config")
patches=()
# the shootdown series but its last patch, the one that offers the option
shootdown_fixes() {
	local p
	for p in "$pdir"/shootdown/*.patch; do
		case $p in
		*-allow-MMU_LAZY_TLB_SHOOTDOWN.patch) ;;
		*) patches+=("$p") ;;
		esac
	done
}
case $strategy in
refcount) frags+=("$kdir/refcount.config") ;;
refcount-debug) frags+=("$kdir/refcount.config" "$kdir/debug.config") ;;
shootdown)
	frags+=("$kdir/$strategy.config")
	patches=("$pdir"/shootdown/*.patch) ;;
shootdown-debug)
	# the debug guest: DEBUG_VM_SHOOT_LAZIES's checks, KASAN, lockdep ...
	frags+=("$kdir/$strategy.config" "$kdir/debug.config")
	patches=("$pdir"/shootdown/*.patch) ;;
shootdown-keepmask)
	frags+=("$kdir/$strategy.config")
	patches=("$pdir"/shootdown/*.patch "$pdir"/shootdown-keepmask/*.patch) ;;
shootdown-keepmask-debug)
	# keepmask, where a CPU still lazy at __mmdrop() is the normal case,
	# with DEBUG_VM_SHOOT_LAZIES's checks and the debug guest
	frags+=("$kdir/shootdown-keepmask.config" "$kdir/shootdown-debug.config" "$kdir/debug.config")
	patches=("$pdir"/shootdown/*.patch "$pdir"/shootdown-keepmask/*.patch) ;;
hazptr|mmgen)
	# the x86 fixes of the shootdown series, without its Kconfig patch
	# (the last), made to hold for every strategy without refcounting,
	# then ours
	frags+=("$kdir/$strategy.config")
	shootdown_fixes
	patches+=("$pdir"/uncounted/*.patch "$pdir"/$strategy/*.patch) ;;
hazptr-debug|mmgen-debug)
	s=${strategy%-debug}
	frags+=("$kdir/$s.config" "$kdir/lazy-debug.config" "$kdir/debug.config")
	shootdown_fixes
	patches+=("$pdir"/uncounted/*.patch "$pdir"/$s/*.patch) ;;
custom)
	[ -n "${CUSTOM_CONFIG:-}" ] || die "custom needs CUSTOM_CONFIG=<config fragment>"
	[ -f "$CUSTOM_CONFIG" ] || die "CUSTOM_CONFIG: $CUSTOM_CONFIG: no such file"
	frags+=("$CUSTOM_CONFIG")
	if [ -n "${CUSTOM_PATCHES:-}" ]; then
		[ -d "$CUSTOM_PATCHES" ] || die "CUSTOM_PATCHES: $CUSTOM_PATCHES: not a directory"
		shopt -s nullglob
		patches=("$CUSTOM_PATCHES"/*.patch)
		shopt -u nullglob
	fi ;;
*) die "unknown strategy '$strategy' ($strategies)" ;;
esac
# a fragment's options that only one base has: FRAGMENT@BASE.config after it
# (7.2 has no SCHED_DEBUG: its scheduler debugfs is always built)
for f in "${frags[@]}"; do
	[ -f "${f%.config}@$base.config" ] && frags+=("${f%.config}@$base.config")
done

# a base without the strategy's series: say so, never build a stock kernel
# under the strategy's name
for p in "${patches[@]}"; do
	[ -f "$p" ] || die "$strategy@$base: no series for base $base ($(dirname "$p") has no patches)"
done

# the series a strategy applies, in order (tests/integration/series.sh)
if [ -n "${MMB_KERNEL_PRINT_PATCHES:-}" ]; then
	[ ${#patches[@]} -eq 0 ] || printf '%s\n' "${patches[@]}"
	exit 0
fi

# --- the source tree
if [ -n "${KSRC:-}" ]; then
	src=$(cd "$KSRC" && pwd) || die "KSRC: $KSRC: no such directory"
	[ -f "$src/Makefile" ] || die "KSRC: $src is not a kernel tree"
	if command -v git >/dev/null && git -C "$src" rev-parse HEAD >/dev/null 2>&1; then
		src_id="git $(git -C "$src" rev-parse HEAD) $(git -C "$src" diff HEAD | sha256sum)"
	else
		# not git: the build dir is kept per path and make is incremental
		src_id="tree $src"
	fi
else
	src=$cache/src/linux-source-$base
	# Debian's tarball of the base (7.2: fetched from unstable into the
	# cache by fetch-linux-source.sh, which asks nothing of the system's
	# apt sources); only printing a directory fetches nothing
	if [ -n "${LINUX_SOURCE_TARBALL:-}" ]; then
		tarball=$LINUX_SOURCE_TARBALL
	elif [ -n "${MMB_KERNEL_PRINT_DIR:-}" ] && [ "$base" != 6.12 ]; then
		tarball=$cache/debs/linux-source-$base.tar.xz
	else
		tarball=$("$top/scripts/fetch-linux-source.sh" "$base") || exit $?
	fi
	# the key names the tarball: a directory printed before the fetch
	# would be one the build never uses
	[ -f "$tarball" ] || { echo "build-kernel: $tarball missing: apt-get install linux-source-$base (6.12), scripts/fetch-linux-source.sh $base, or KSRC=" >&2; exit 3; }
	src_id="debian $(stat -c '%s %Y' "$tarball")"
	# unpacked once per tarball (an upgraded linux-source is unpacked
	# anew), into a temporary directory first: an interrupted tar leaves
	# nothing that looks complete
	if [ -z "${MMB_KERNEL_PRINT_DIR:-}" ] &&
	   [ "$(cat "$src/.mmb-tarball" 2>/dev/null)" != "$src_id" ]; then
		echo "  EXTRACT $tarball" >&2
		mkdir -p "$cache/src"
		x=$(mktemp -d "$cache/src/.x.XXXXXX")
		tar -xJf "$tarball" -C "$x" || { rm -rf "$x"; die "cannot unpack $tarball"; }
		[ -d "$x/linux-source-$base" ] || { rm -rf "$x"; die "$tarball holds no linux-source-$base/"; }
		echo "$src_id" > "$x/linux-source-$base/.mmb-tarball"
		rm -rf "$src"
		mv "$x/linux-source-$base" "$src"
		rm -rf "$x"
	fi
fi

# Bump the version when what a build produces changes.
key=$( {
	echo "mmb-kernel/2 $arch $src_id"
	cat "${frags[@]}"
	for p in "${patches[@]}"; do cat "$p"; done
} | sha256sum | cut -c1-16)
# x86_64 keeps its old names, so existing caches stay valid
name=$strategy
[ "$base" = 6.12 ] || name=$strategy@$base
out=$cache/$name-$key
[ "$arch" = x86_64 ] || out=$cache/$arch-$name-$key
if [ -n "${MMB_KERNEL_PRINT_DIR:-}" ]; then
	echo "$out"
	exit 0
fi
if [ -n "${MMB_KERNEL_NO_BUILD:-}" ] && ! [ -f "$out/$image" ]; then
	echo "build-kernel: $strategy ($arch) is not built in $cache: make kernels builds it" >&2
	exit 3
fi
# What the guest's kernel command line needs (vm-run.sh appends it): the
# fragments' "# mmb-cmdline:" lines.
cmdline=$(sed -n 's/^# mmb-cmdline: //p' "${frags[@]}" | tr '\n' ' ')

# The module follows our source, not the kernel's: rebuilt when it changed.
kmod_hash=$(cat "$top"/kmod-helper/*.[ch] "$top/kmod-helper/Kbuild" | sha256sum | cut -c1-16)
build_kmod() {
	echo "  MODULE mmb_helper.ko" >&2
	rm -rf "$out/kmod" && cp -r "$top/kmod-helper" "$out/kmod"
	make -C "$out/kmod" KDIR="$out/obj" "${kmake[@]}" >>"$out/build.log" 2>&1 ||
		{ tail -30 "$out/build.log" >&2; die "helper module build failed"; }
	cp "$out/kmod/mmb_helper.ko" "$out/mmb_helper.ko"
	echo "$kmod_hash" > "$out/kmod.hash"
}
if [ -f "$out/$image" ] && [ -f "$out/mmb_helper.ko" ]; then
	fresh=1
	if [ "$(cat "$out/kmod.hash" 2>/dev/null)" != "$kmod_hash" ]; then
		# a stale module without its kernel tree: build it all again
		if [ -f "$out/obj/Module.symvers" ]; then build_kmod; else fresh=0; fi
	fi
	if [ $fresh -eq 1 ]; then
		echo "  CACHED $strategy ($out)" >&2
		echo "$cmdline" > "$out/cmdline"
		echo "$out"
		exit 0
	fi
fi
mkdir -p "$out"
log=$out/build.log
: > "$log"

# --- every strategy gets a hard-linked copy of the pristine tree (patch(1)
# replaces the files it changes, so the shared tree stays pristine) with
# its object tree inside, at the same relative place: see the header
tree=$cache/trees/$key obj=$cache/trees/$key/obj
if [ -n "${KSRC:-}" ] && [ ${#patches[@]} -eq 0 ]; then
	# your own tree, unpatched: built where it is (hard links may not
	# reach it), the object tree beside the result
	tree=$src obj=$out/obj.d
elif [ ! -f "$tree/.mmb-patched" ]; then
	rm -rf "$tree"
	mkdir -p "$cache/trees"
	cp -al "$src" "$tree"
	for p in "${patches[@]}"; do
		echo "  PATCH $(basename "$p")" >&2
		patch -s -p1 -d "$tree" < "$p" >>"$log" 2>&1 ||
			die "$p does not apply (see $log)"
	done
	touch "$tree/.mmb-patched"
fi

mkdir -p "$obj"
ln -sfn "$obj" "$out/obj"
if command -v ccache >/dev/null; then
	export CCACHE_DIR=$cache/ccache CCACHE_NOHASHDIR=1
	: "${CCACHE_MAXSIZE:=5G}"
	export CCACHE_MAXSIZE
	kmake+=(CC="ccache ${cross}gcc" HOSTCC="ccache gcc")
fi
echo "  CONFIG $strategy" >&2
make -s -C "$tree" O="$obj" "${kmake[@]}" tinyconfig >>"$log" 2>&1
"$tree/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
	"${frags[@]}" >>"$log" 2>&1
make -s -C "$tree" O="$obj" "${kmake[@]}" olddefconfig >>"$log" 2>&1

# every option asked for must have stuck, or the strategy is not what it says
missing=0
for f in "${frags[@]}"; do
	while IFS= read -r line; do
		case $line in CONFIG_*=*) ;; *) continue ;; esac
		case $line in *=n)
			opt=${line%=n}
			grep -q "^$opt=" "$obj/.config" && { echo "build-kernel: $opt is set, asked =n" >&2; missing=1; }
			continue ;;
		esac
		grep -qx "$line" "$obj/.config" || { echo "build-kernel: $line did not stick (from $(basename "$f"))" >&2; missing=1; }
	done < "$f"
done
[ $missing -eq 0 ] || die "configuration incomplete: see $obj/.config"

echo "  BUILD $strategy with $jobs jobs (log: $log)" >&2
start=$SECONDS
make -C "$tree" O="$obj" "${kmake[@]}" -j"$jobs" >>"$log" 2>&1 ||
	{ tail -30 "$log" >&2; die "kernel build failed"; }
build_kmod
cp "$obj/arch/$karch/boot/$image" "$out/$image"
cp "$obj/.config" "$out/config"
echo "$cmdline" > "$out/cmdline"
echo "  DONE $strategy in $((SECONDS - start)) s" >&2
echo "$out"
