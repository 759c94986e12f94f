#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build libperf (tools/lib/perf) and libapi statically into OUT from the
# kernel's own sources: KSRC if given, else only the tools/ subtree of
# Debian's linux-source-6.12 tarball.  Nothing is downloaded.
#
#   scripts/build-libperf.sh OUT [KSRC]
set -eu

out=$1
ksrc=${2:-}
tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.12.tar.xz}

if [ -f "$out/lib/libperf.a" ] && [ -f "$out/lib/libapi.a" ]; then
	exit 0
fi

if [ -z "$ksrc" ]; then
	if [ ! -f "$tarball" ]; then
		echo "build-libperf: $tarball not found: install linux-source-6.12 or pass KSRC=<kernel tree>" >&2
		exit 1
	fi
	ksrc=$out/src/linux-source-6.12
	if [ ! -d "$ksrc/tools/lib/perf" ]; then
		mkdir -p "$out/src"
		echo "  EXTRACT tools/ from $tarball"
		tar -xJf "$tarball" -C "$out/src" linux-source-6.12/tools
	fi
fi
if [ ! -f "$ksrc/tools/lib/perf/Makefile" ]; then
	echo "build-libperf: $ksrc has no tools/lib/perf" >&2
	exit 1
fi

obj=$(mkdir -p "$out/obj" && cd "$out/obj" && pwd)
dest=$(mkdir -p "$out" && cd "$out" && pwd)
# libperf's Makefile builds libapi as a dependency.  ARCH and CROSS_COMPILE
# pass through so that the arm64 build uses the same script.
make -s -C "$ksrc/tools/lib/perf" ${CROSS_COMPILE:+CROSS_COMPILE=$CROSS_COMPILE} \
	${ARCH:+ARCH=$ARCH} DESTDIR="$dest" prefix= libdir_relative=lib \
	install_headers install_lib >"$obj/build.log" 2>&1 || {
	tail -30 "$obj/build.log" >&2
	exit 1
}
cp "$ksrc/tools/lib/api/libapi.a" "$dest/lib/"
# Static only: a shared libperf next to the archive would be preferred by -l.
rm -f "$dest"/lib/libperf.so*
echo "  LIBPERF $dest/lib/libperf.a"
