# SPDX-License-Identifier: GPL-2.0
# Sourced by build-kernel.sh, debian-kernel.sh and fetch-linux-source.sh
# (with $top set): the kernel cache they share.  /var/cache/mmb/kernel when
# writable, so clean clones and CI reuse it; else build/kernel.
if [ -z "${MMB_KERNEL_CACHE:-}" ]; then
	if mkdir -p /var/cache/mmb/kernel 2>/dev/null && [ -w /var/cache/mmb/kernel ]; then
		MMB_KERNEL_CACHE=/var/cache/mmb/kernel
	else
		MMB_KERNEL_CACHE=$top/build/kernel
	fi
fi
