#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The arm64 libraries the cross build links against (libnuma, jansson, GSL,
# zlib, libpfm4), unpacked from Debian's arm64 packages into a private sysroot.
# Not installed as :arm64 packages: libgsl-dev is not co-installable across
# architectures, and installing it for arm64 removes the amd64 one.
# The C library comes with the cross compiler (libc6-dev-arm64-cross).
# busybox-static is for the arm64 guest's initramfs (scripts/vm-run.sh).
#
#   scripts/arm64-sysroot.sh DIR
set -eu

dir=$1
pkgs="libnuma-dev libnuma1 libjansson-dev libjansson4 libgsl-dev libgsl27 libgslcblas0 zlib1g-dev zlib1g libpfm4-dev libpfm4 busybox-static"

# .complete names the packages it holds: a sysroot of an older list is redone
[ -n "$dir" ] || exit 2
if [ "$(cat "$dir/.complete" 2>/dev/null)" = "$pkgs" ]; then
	touch "$dir/.complete"
	exit 0
fi
rm -rf "$dir"
mkdir -p "$dir"
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	echo "arm64-sysroot: dpkg knows no arm64 packages: run scripts/install-deps.sh arm64 (as root)" >&2
	exit 1
fi
mkdir -p "$dir/debs"
dl=$(cd "$dir/debs" && pwd)
echo "  SYSROOT arm64: $pkgs"
# apt's sandbox user must be able to write where it downloads
chmod 777 "$dl"
( cd "$dl" && for p in $pkgs; do apt-get download -q "$p:arm64" >/dev/null; done ) || {
	echo "arm64-sysroot: apt-get download failed (apt-get update with arm64 enabled?)" >&2
	exit 1
}
for d in "$dl"/*.deb; do
	dpkg-deb -x "$d" "$dir"
done
echo "$pkgs" > "$dir/.complete"
