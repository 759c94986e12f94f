#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Regenerates results/postings/membarrier-lazy/: the membarrier fix as a
# posting against 7.2, with the reproducer's figures from 7.2 itself.
#
#   scripts/membarrier-posting.sh [ROUNDS]     (default 5)
#
# Builds (or finds in the cache) the stock 7.2 refcount kernel and the
# same config with patches/7.2/membarrier, boots each in a quiet 2-vCPU
# guest under qemu, runs mmb-membarrier-lazy ROUNDS there, and writes
#   0000-cover-letter.patch   the bug, the figures before and after, how
#                             to reproduce them
#   0001-*.patch             the patch, as build-kernel.sh applies it
#   figures.txt              the reproducer's own lines from both guests
# The stock kernel must show the bug (exit 1) and the patched one must not
# (exit 0), or nothing is written.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-5}
case $rounds in ''|*[!0-9]*) echo "membarrier-posting: ROUNDS: '$rounds' is not a number" >&2; exit 2 ;; esac
post=$top/results/postings/membarrier-lazy
patches=$top/scripts/kernel/patches/7.2/membarrier
work=$(mktemp -d /tmp/mmb-posting.XXXXXX)
trap 'rm -rf "$work"' EXIT

run() {		# run NAME KERNEL-DIR: the reproducer's lines, its exit code
	local name=$1 k=$2
	"$top/scripts/vm-run.sh" --kernel "$k" --vcpus 2 --nodes 1 --out "$work/$name" \
		--timeout 900 -- /mmb/libexec/mmb-membarrier-lazy "$rounds" >&2
	grep -E '^(visit|exit|control|verdict)' "$work/$name/console.log" | tr -d '\r' > "$work/$name.txt"
	sed -n 's/^1 \([0-9]*\) .*/\1/p' "$work/$name/runs.txt"
}

stock=$("$top/scripts/build-kernel.sh" refcount@7.2 | tail -1) || exit 1
fixed=$(CUSTOM_CONFIG=$top/scripts/kernel/refcount.config CUSTOM_PATCHES=$patches \
	"$top/scripts/build-kernel.sh" custom@7.2 | tail -1) || exit 1
rs=$(run stock "$stock") rf=$(run fixed "$fixed")
if [ "$rs" != 1 ] || [ "$rf" != 0 ]; then
	echo "membarrier-posting: stock 7.2 exited $rs (want 1: the bug), patched $rf (want 0); nothing written" >&2
	cat "$work/stock.txt" "$work/fixed.txt" >&2
	exit 1
fi
rel_s=$(sed -n 's/.*Linux version \([^ ]*\).*/\1/p' "$work/stock/dmesg.txt" | head -1)
rel_f=$(sed -n 's/.*Linux version \([^ ]*\).*/\1/p' "$work/fixed/dmesg.txt" | head -1)

mkdir -p "$post"
rm -f "$post"/*.patch
cp "$patches"/*.patch "$post/"
{
	echo "stock $rel_s (exit $rs):"
	sed 's/^/  /' "$work/stock.txt"
	echo "with the patch, $rel_f (exit $rf):"
	sed 's/^/  /' "$work/fixed.txt"
} > "$post/figures.txt"

# the Subject: header, unfolded
subject=$(awk '/^Subject: / { s = $0; while ((getline l) > 0 && l ~ /^[ \t]/) s = s l; print s; exit }' \
	"$patches"/0001-*.patch | sed 's/^Subject: \[PATCH\] //')
cat > "$post/0000-cover-letter.patch" <<EOF
From: mmb developers <mmb@example.org>
Subject: [PATCH 0/1] $subject

MEMBARRIER_CMD_GLOBAL_EXPEDITED IPIs only the CPUs whose
rq->membarrier_state says their current mm is registered, and
context_switch() refreshes that copy only when prev->active_mm differs
from next->mm.  A thread that switches in from its own lazily loaded mm
keeps a copy that exit_mm() or kthread_unuse_mm() cleared, or that a
single-threaded registration never set, and the barrier skips it while it
runs in user space.  The patch compares prev->mm instead.

The reproducer (mmb-membarrier-lazy, from the mmb benchmark suite) leaves
the mm lazily loaded on CPU 1 with a stale copy, by two routes, then runs
a thread spinning in user space there and calls GLOBAL_EXPEDITED 1000
times from CPU 0, counting the call-function interrupts CPU 1 receives.
The control registers with the thread already running.  IPIs received by
CPU 1 per 1000 calls, $rounds rounds each, in a 2-vCPU qemu (TCG) guest,
x86_64, refcount lazy TLB (the mainline default):

$(cat "$post/figures.txt")

  visit:   the process ran on CPU 1 before it registered
  exit:    a thread of the registered process exited on CPU 1

Regenerate with scripts/membarrier-posting.sh in the mmb tree (it builds
both kernels from Debian's linux-source-7.2, boots them and rewrites this
letter).

$(git -C "$top" log -1 --format='mmb %h' 2>/dev/null)
EOF
echo "membarrier-posting: $post (stock exit $rs, patched exit $rf)"
