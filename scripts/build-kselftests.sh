#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kselftests the debug guest's stress plan runs (tests/kmod/stress.sh),
# built static from the kernel source for x86_64 guests:
#   mmb-kselftest-ldt_gdt      x86/ldt_gdt.c: modify_ldt and LDT switches
#   mmb-kselftest-membarrier   membarrier/membarrier_test_multi_thread.c
#
#   scripts/build-kselftests.sh OUTDIR
#
# The source: KSRC, or the tree build-kernel.sh extracted into the kernel
# cache, or the files taken out of Debian's linux-source-6.12 tarball.
set -euo pipefail

out=${1:?usage: build-kselftests.sh OUTDIR}
top=$(cd "$(dirname "$0")/.." && pwd)
tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
cache=${MMB_KERNEL_CACHE:-/var/cache/mmb/kernel}
[ -d "$cache" ] || cache=$top/build/kernel
want=(tools/testing/selftests/kselftest.h
      tools/testing/selftests/x86/ldt_gdt.c
      tools/testing/selftests/x86/helpers.h
      tools/testing/selftests/membarrier/membarrier_test_multi_thread.c
      tools/testing/selftests/membarrier/membarrier_test_impl.h
      include/uapi/linux/membarrier.h)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -n "${KSRC:-}" ]; then
	src=$KSRC
elif [ -f "$cache/src/linux-source-6.12/Makefile" ]; then
	src=$cache/src/linux-source-6.12
else
	[ -f "$tarball" ] || { echo "build-kselftests: no kernel source ($tarball)" >&2; exit 2; }
	tar -xJf "$tarball" -C "$work" "${want[@]/#/linux-source-6.12/}"
	src=$work/linux-source-6.12
fi
# this kernel's membarrier commands, not the older ones of linux-libc-dev
mkdir -p "$work/h/linux" "$out"
cp "$src/include/uapi/linux/membarrier.h" "$work/h/linux/"
st=$src/tools/testing/selftests
cc=(gcc -static -O2 -std=gnu99 -pthread -w -isystem "$work/h" -I"$st")
"${cc[@]}" -o "$out/mmb-kselftest-ldt_gdt" "$st/x86/ldt_gdt.c" -lrt -ldl
"${cc[@]}" -o "$out/mmb-kselftest-membarrier" "$st/membarrier/membarrier_test_multi_thread.c"
echo "$out/mmb-kselftest-ldt_gdt $out/mmb-kselftest-membarrier"
