#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install what mmb needs from the distribution's packages, and nothing else.
# Idempotent: installs only what is missing and says what it installs.
#
#   scripts/install-deps.sh [build|check|arm64|lava|lava-server|all|list]
#
# "list" prints every package of every set, one per line, and installs
# nothing (tests/integration/deps.sh checks the scripts' commands against it).
#
# "build" is what `make` needs, "check" adds what the tests use, "arm64" what
# the arm64 cross build, its unit tests under qemu-user and the arm64 guest
# need (and dpkg's arm64 architecture, for the sysroot's packages).
set -eu

want=${1:-build}

# help2man writes make install's man pages from each program's --help;
# libpfm4 turns perf's event names (-e) into perf_event_attr.
pkgs_build="gcc make libc6-dev xz-utils libnuma-dev likwid libjansson-dev libgsl-dev zlib1g-dev linux-source-6.12 help2man libpfm4-dev"
# The helper module is built in CI against Debian's 6.12 headers.
# The matrix smoke test builds kernels and boots them under qemu.
# gnuplot-nox draws mmb plot's PNG and SVG; ccache lets the guest kernels of
# every strategy share their unchanged objects (scripts/build-kernel.sh).
# clang builds the libFuzzer targets (make fuzz).  ovmf is the UEFI firmware
# the debug guest boots under for the EFI runtime-call path (vm-run --efi);
# sparse checks the helper module (make C=2, tests/integration/kmod.sh).
# Debian's 6.12 kernel ABI (scripts/kernel/debian-abi): its headers for
# the module build, and the build tools debian-kernel.sh points the
# fetched headers at
abi=$(cat "$(dirname "$0")/kernel/debian-abi")
pkgs_check="python3 python3-jsonschema python3-yaml lava-common python3-voluptuous python3-jinja2 linux-perf hyperfine procps kmod \
qemu-system-x86 busybox-static cpio flex bison bc libelf-dev gzip \
gnuplot-nox ccache patch file clang ovmf sparse git \
linux-headers-$abi-$(dpkg --print-architecture 2>/dev/null || echo amd64) \
linux-headers-$abi-common linux-kbuild-$abi"

pkgs_arm64="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static \
qemu-system-arm"

# LAVA's own dispatcher, for make check's lava-run of a job here
# (integration/lava-run): 260-odd packages (python3-guestfs brings
# libguestfs), 90 to 174 s to install
pkgs_lava="lava-dispatcher"
# A single-machine lab for make check-lava-server (scripts/lava-server.sh):
# the server, its database (installed and started first: lava-server's
# postinst creates its database and migrates it), the API client, curl
pkgs_lava_server="postgresql postgresql-common lava-server lavacli curl"

case $want in
build) pkgs=$pkgs_build ;;
check) pkgs="$pkgs_build $pkgs_check $pkgs_lava" ;;
arm64) pkgs="$pkgs_build $pkgs_arm64" ;;
lava) pkgs="$pkgs_build $pkgs_check $pkgs_lava" ;;
lava-server) pkgs="$pkgs_build $pkgs_check $pkgs_lava $pkgs_lava_server" ;;
all) pkgs="$pkgs_build $pkgs_check $pkgs_arm64 $pkgs_lava $pkgs_lava_server" ;;
list) printf '%s\n' $pkgs_build $pkgs_check $pkgs_arm64 $pkgs_lava $pkgs_lava_server; exit 0 ;;
*) echo "install-deps: unknown set '$want' (build, check, arm64, lava, lava-server, all, list)" >&2; exit 2 ;;
esac

# The arm64 sysroot is unpacked from Debian's arm64 packages
# (scripts/arm64-sysroot.sh): dpkg and apt must know the architecture.
need_arch=0
case $want in arm64|all)
	dpkg --print-foreign-architectures 2>/dev/null | grep -qx arm64 || need_arch=1 ;;
esac

missing=
if command -v dpkg-query >/dev/null 2>&1; then
	for p in $pkgs; do
		st=$(dpkg-query -W -f '${Status}' "$p" 2>/dev/null || true)
		case $st in
		*" installed") ;;
		*) missing="$missing $p" ;;
		esac
	done
else
	echo "install-deps: not a Debian/Ubuntu system (no dpkg-query)." >&2
	echo "install-deps: install the equivalents of:$pkgs" >&2
	exit 1
fi

[ -z "$missing" ] && [ $need_arch -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if [ $need_arch -eq 1 ]; then
	echo "install-deps: dpkg --add-architecture arm64 (for the arm64 sysroot)"
	dpkg --add-architecture arm64
fi
echo "install-deps: installing:${missing:- nothing}"
# One update per run; the package lists of a fresh machine are empty.
apt-get update -q >/dev/null
# lava-server's postinst needs its database running: PostgreSQL first, and
# a cluster that is down (no init system started it) started
case " $missing " in *" lava-server "*)
	case " $missing " in *" postgresql "*)
		apt-get install -y -q --no-install-recommends postgresql >/dev/null ;;
	esac
	pg_lsclusters -h | while read -r ver name _ st _; do
		[ "$st" = online ] || pg_ctlcluster "$ver" "$name" start
	done ;;
esac
# shellcheck disable=SC2086
[ -z "$missing" ] || apt-get install -y -q --no-install-recommends $missing >/dev/null
echo "install-deps: done"
