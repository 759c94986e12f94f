#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or find in the cache) every guest kernel a test target boots, one
# after the other, with progress and the time each took, so that no test's
# time limit ever covers a kernel build: the tests only boot and run.
#
#   scripts/kernels.sh              make check's: Debian's own 6.12 kernel
#                                   for x86_64 and arm64 (refcount@debian:
#                                   fetched, nothing compiled but the helper
#                                   module) and the debug guest,
#                                   shootdown-debug (our series, KASAN,
#                                   lockdep)
#   scripts/kernels.sh --matrix     make check-matrix's: the x86 strategy
#                                   matrix built from one tree (refcount,
#                                   shootdown, shootdown-keepmask,
#                                   shootdown-debug) and arm64-refcount
#   scripts/kernels.sh STRATEGY[@BASE]...   these (arm64-STRATEGY for arm64)
#
# MMB_SKIP_MATRIX=1 builds nothing (the tests that boot them skip too).
# A kernel of our own takes ~5 minutes on 2 cores (11 on the slowest CI
# machine met so far), the debug guest about twice that; the other x86
# strategies share part of the first one's objects through ccache
# (scripts/build-kernel.sh).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kselftests=0
if [ "${1:-}" = --matrix ]; then
	list=(refcount shootdown shootdown-keepmask shootdown-debug arm64-refcount)
elif [ $# -gt 0 ]; then
	list=("$@")
else
	# the one kernel compiled first: the estimate of what is left holds
	list=(shootdown-debug@7.2 refcount@debian arm64-refcount@debian)
	kselftests=1
fi

reason=""
[ "$(uname -m)" = x86_64 ] || reason="not an x86_64 host"
[ -n "${MMB_SKIP_MATRIX:-}" ] && reason="MMB_SKIP_MATRIX is set"
[ -f /usr/src/linux-source-6.12.tar.xz ] || [ -n "${KSRC:-}" ] ||
	reason="no kernel source (apt-get install linux-source-6.12)"
if [ -n "$reason" ]; then
	echo "kernels: none built: $reason"
	exit 0
fi

n=${#list[@]} i=0 start=$SECONDS built=0 built_s=0 failed=()
for k in "${list[@]}"; do
	i=$((i + 1))
	case $k in
	arm64-*) arch=arm64 s=${k#arm64-} ;;
	*) arch=x86_64 s=$k ;;
	esac
	# a base other than Debian 12's own (7.2) is fetched first (at once
	# when cached): the cache key, and so the directory, names its tarball
	case $s in *@*) b=${s#*@} ;; *) b=${MMB_KERNEL_BASE:-6.12} ;; esac
	if [ "$b" != 6.12 ] && [ "$b" != debian ] && [ -z "${KSRC:-}" ]; then
		t0=$SECONDS
		if ! "$top/scripts/fetch-linux-source.sh" "$b" 2>&1 >/dev/null |
			sed 's/^/kernels:   /'; then
			failed+=("$k")
			continue
		fi
		[ $((SECONDS - t0)) -gt 1 ] &&
			echo "kernels: [$i/$n] $k: linux-source-$b fetched in $((SECONDS - t0)) s"
	fi
	dir=$(MMB_ARCH=$arch MMB_KERNEL_PRINT_DIR=1 "$top/scripts/build-kernel.sh" "$s") || exit 2
	if [ -f "$dir/bzImage" ] || [ -f "$dir/Image" ]; then
		state="cached"
	else
		state="building"
	fi
	left=""
	# later builds mostly hit ccache: the average so far overestimates
	[ $built -gt 0 ] && left=", at most ~$(( (n - i + 1) * built_s / built )) s left"
	echo "kernels: [$i/$n] $k: $state ($((SECONDS - start)) s elapsed$left)"
	t0=$SECONDS
	if ! MMB_ARCH=$arch "$top/scripts/build-kernel.sh" "$s" 2>&1 >/dev/null |
		sed 's/^/kernels:   /'; then
		failed+=("$k")
		continue
	fi
	if [ "$state" = building ]; then
		built=$((built + 1)) built_s=$((built_s + SECONDS - t0))
	fi
	echo "kernels: [$i/$n] $k: ready in $((SECONDS - t0)) s"
done
echo "kernels: ${n} kernels ready in $((SECONDS - start)) s${failed:+; FAILED: ${failed[*]}}"
# the kselftests the debug guest's stress plan runs, beside the benches,
# and the 7.2 source the series tests apply the 7.2 series to (fetched,
# not built: tests/integration/series.sh)
if [ $kselftests -eq 1 ]; then
	t0=$SECONDS
	"$top/scripts/fetch-linux-source.sh" 7.2 2>&1 >/dev/null | sed 's/^/kernels:   /'
	[ "${PIPESTATUS[0]}" -eq 0 ] || failed+=(linux-source-7.2)
	echo "kernels: linux-source-7.2 for the series tests in $((SECONDS - t0)) s"
	"$top/scripts/build-kselftests.sh" "$top/build/libexec" > /dev/null ||
		failed+=(kselftests)
	echo "kernels: kselftests for the stress plan in build/libexec"
fi
[ ${#failed[@]} -eq 0 ]
