#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian's own build of the 6.12 base as a guest kernel: the refcount
# strategy as Debian 12 users run it, with nothing compiled but the helper
# module.  make check boots it where a kernel of our own would cost a
# build (~11 minutes on the slowest CI machine we met), and its NR_CPUS
# (8192) takes any guest qemu can start.
#
#   scripts/debian-kernel.sh        (MMB_ARCH=x86_64|arm64, MMB_KERNEL_CACHE)
#
# The image and headers packages of the ABI named in scripts/kernel/debian-abi
# come from the distribution's archive with apt-get download (the checksums
# of the signed index verified by apt), are unpacked into the kernel cache,
# never installed; arm64's need dpkg's arm64 architecture, which
# scripts/install-deps.sh arm64 adds.  The headers' build tools are the
# host's linux-kbuild of the same ABI (an x86_64 program either way), and
# the arm64 module is cross-built with gcc-12, the compiler Debian used.
#
# Prints the directory (as build-kernel.sh does): bzImage or Image, config,
# release, mmb_helper.ko, modules/ (what the guest loads before it runs
# anything: virtio_blk, which Debian builds as a module) and obj, the
# headers tree the module builds against.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "debian-kernel: $*" >&2; exit 2; }

abi=$(cat "$top/scripts/kernel/debian-abi")
arch=${MMB_ARCH:-x86_64}
case $arch in
x86_64) darch=amd64 karch=x86 image=bzImage cross= ;;
arm64|aarch64) arch=arm64 darch=arm64 karch=arm64 image=Image cross=aarch64-linux-gnu- ;;
*) die "MMB_ARCH=$arch: want x86_64 or arm64" ;;
esac
. "$top/scripts/kernel/cache.sh"
release=$abi-$darch
# an entry is current when this script and the module's source are the
# ones that made it
kmod_hash=$(cat "$0" "$top"/kmod-helper/*.[ch] "$top/kmod-helper/Kbuild" | sha256sum | cut -c1-16)
out=$MMB_KERNEL_CACHE/debian-$arch-$abi
if [ -n "${MMB_KERNEL_PRINT_DIR:-}" ]; then
	echo "$out"
	exit 0
fi
if [ -f "$out/$image" ] && [ "$(cat "$out/kmod.hash" 2>/dev/null)" = "$kmod_hash" ]; then
	echo "  CACHED debian $release ($out)" >&2
	echo "$out"
	exit 0
fi
if [ -n "${MMB_KERNEL_NO_BUILD:-}" ]; then
	echo "debian-kernel: Debian's $release is not in $MMB_KERNEL_CACHE, or is stale: make kernels fetches it" >&2
	exit 3
fi

# the host's side of the headers: their build tools and the common half
for p in "linux-kbuild-$abi" "linux-headers-$abi-common"; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q " installed$" ||
		die "$p is not installed (scripts/install-deps.sh check installs it)"
done
[ -z "$cross" ] || command -v "${cross}gcc-12" >/dev/null ||
	die "${cross}gcc-12 missing (apt-get install gcc-aarch64-linux-gnu)"

mkdir -p "$out/debs"
log=$out/build.log
: > "$log"
pkgs=("linux-image-$release" "linux-headers-$release")
have=1
for p in "${pkgs[@]}"; do
	compgen -G "$out/debs/${p}_*_$darch.deb" >/dev/null || have=0
done
if [ $have -eq 0 ]; then
	echo "  FETCH ${pkgs[*]} ($darch)" >&2
	# apt's own download: the index it checks against is the signed one
	(cd "$out/debs" && apt-get -o APT::Sandbox::User=root download -q "${pkgs[@]/%/:$darch}") >>"$log" 2>&1 ||
		{ tail -5 "$log" >&2; die "apt-get download ${pkgs[*]/%/:$darch} failed (apt-get update first; arm64: dpkg --add-architecture arm64)"; }
fi

echo "  UNPACK $release" >&2
rm -rf "$out/root" "$out/headers" "$out/modules"
mkdir -p "$out/root" "$out/modules"
for d in "$out"/debs/*.deb; do
	dpkg-deb -x "$d" "$out/root"
done
vmlinuz=$out/root/boot/vmlinuz-$release
[ -f "$vmlinuz" ] || die "no /boot/vmlinuz-$release in linux-image-$release"
if [ "$arch" = arm64 ]; then
	# An EFI zboot image (PE/COFF, 'zimg' at offset 4) carries the Image
	# compressed inside; qemu 7.2 loads only a plain or gzipped Image.
	if [ "$(dd if="$vmlinuz" bs=1 skip=4 count=4 2>/dev/null)" = zimg ]; then
		off=$(od -An -tu4 -j8 -N4 "$vmlinuz" | tr -d ' ')
		len=$(od -An -tu4 -j12 -N4 "$vmlinuz" | tr -d ' ')
		comp=$(dd if="$vmlinuz" bs=1 skip=24 count=8 2>/dev/null | tr -d '\0')
		case $comp in
		gzip) unz=(gzip -dc) ;;
		xz) unz=(xz -dc) ;;
		*) die "zboot image compressed with '$comp': not gzip or xz" ;;
		esac
		dd if="$vmlinuz" iflag=skip_bytes,count_bytes skip="$off" count="$len" status=none |
			"${unz[@]}" > "$out/$image.tmp" ||
			die "cannot unpack the zboot image's payload ($comp)"
	elif gzip -t "$vmlinuz" 2>/dev/null; then
		gzip -dc "$vmlinuz" > "$out/$image.tmp"
	else
		cp "$vmlinuz" "$out/$image.tmp"
	fi
else
	cp "$vmlinuz" "$out/$image.tmp"
fi
cp "$out/root/boot/config-$release" "$out/config"
echo "$release" > "$out/release"
: > "$out/cmdline"

# virtio_blk carries the results back (vm-run.sh); Debian builds it as a
# module, compressed, which busybox's insmod cannot read
mdir=$out/root/lib/modules/$release
: > "$out/modules.order"
for m in virtio_blk; do
	f=$(find "$mdir" -name "$m.ko*" | head -1)
	[ -n "$f" ] || die "$m is not in linux-image-$release"
	if [ "${f%.xz}" != "$f" ]; then
		xz -dc "$f" > "$out/modules/$m.ko"
	else
		cp "$f" "$out/modules/$m.ko"
	fi
	echo "$m.ko" >> "$out/modules.order"
done

# the headers, pointed at the host's build tools of the same ABI
mv "$out/root/usr/src/linux-headers-$release" "$out/headers"
for l in scripts tools; do
	ln -sfn "/usr/lib/linux-kbuild-$abi/$l" "$out/headers/$l"
done
ln -sfn "$out/headers" "$out/obj"
rm -rf "$out/root"

echo "  MODULE mmb_helper.ko ($release)" >&2
rm -rf "$out/kmod" && cp -r "$top/kmod-helper" "$out/kmod"
make -C "$out/kmod" KDIR="$out/headers" ${cross:+ARCH=$karch CROSS_COMPILE=$cross} \
	>>"$log" 2>&1 || { tail -30 "$log" >&2; die "helper module build failed against Debian's $release headers"; }
cp "$out/kmod/mmb_helper.ko" "$out/mmb_helper.ko"
echo "$kmod_hash" > "$out/kmod.hash"
mv "$out/$image.tmp" "$out/$image"
echo "  DONE debian $release" >&2
echo "$out"
