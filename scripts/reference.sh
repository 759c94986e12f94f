#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Rebuilds results/reference/: the strategy matrix's smoke plan in a 4-vCPU,
# 2-node guest per strategy kernel, one bundle each, named by the
# accelerator it ran under (tcg-<strategy>.json: counts only, times
# emulated).  The matrix test checks every new run's mechanism counts
# against them (results/README.md).  Run it after a change that moves a
# mechanism on purpose, and say which in the commit.
#
#   scripts/reference.sh [STRATEGY...]   (default: all four x86_64 kernels)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
strategies=("$@")
[ ${#strategies[@]} -gt 0 ] ||
	strategies=(refcount shootdown shootdown-keepmask shootdown-debug)
out=$(mktemp -d /tmp/mmb-reference.XXXXXX)
trap 'rm -rf "$out"' EXIT
"$top/scripts/matrix.sh" --out "$out" --plan "$top/scripts/kernel/smoke.plan" \
	--timeout 900 "${strategies[@]}"
mkdir -p "$top/results/reference"
for s in "${strategies[@]}"; do
	accel=$(cat "$out/$s/accel")
	"$top/build/bin/mmb-bundle" -o "$top/results/reference/$accel-$s.json" "$out/$s"
done
