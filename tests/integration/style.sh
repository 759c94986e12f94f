# SPDX-License-Identifier: GPL-2.0
# The helper module and the kernel patch series are kernel code:
# checkpatch.pl --strict (from the linux-source tarball make check
# installs) has nothing to say about them, and every patch is a git
# format-patch mail with a Signed-off-by, as linux-mm would take it.
. "$(dirname "$0")/tap.bash"

tarball=/usr/src/linux-source-6.12.tar.xz
if [ ! -f "$tarball" ]; then
	skip "checkpatch of the module" "no $tarball"
	done_testing
	exit 0
fi
tar -xJf "$tarball" -C "$tmp" linux-source-6.12/scripts/checkpatch.pl \
	linux-source-6.12/scripts/spelling.txt \
	linux-source-6.12/scripts/const_structs.checkpatch 2>/dev/null
cp="$tmp/linux-source-6.12/scripts/checkpatch.pl"
[ -f "$cp" ]
ok $? "checkpatch.pl from $tarball"
for f in "$MMB_TOP"/kmod-helper/*.[ch]; do
	case $f in *.mod.c) continue ;; esac	# made by the module build
	perl "$cp" --no-tree --strict --terse -f "$f" > "$tmp/cp" 2>&1
	! grep -qE ': (ERROR|WARNING|CHECK):' "$tmp/cp"
	ok $? "$(basename "$f"): checkpatch --strict clean ($(grep -m1 -E 'ERROR|WARNING|CHECK' "$tmp/cp" | cut -c1-120))"
done
# A Fixes: tag names an upstream commit that only a tree with mainline's
# history can look up (we have the tarball): checkpatch still checks how
# it is written, not whether it exists.
for f in "$MMB_TOP"/scripts/kernel/patches/*/*/*.patch; do
	name=${f#"$MMB_TOP"/scripts/kernel/patches/}
	perl "$cp" --no-tree --strict --terse --ignore UNKNOWN_COMMIT_ID "$f" > "$tmp/cp" 2>&1
	! grep -qE ': (ERROR|WARNING|CHECK):' "$tmp/cp"
	ok $? "$name: checkpatch --strict clean ($(grep -m1 -E 'ERROR|WARNING|CHECK' "$tmp/cp" | cut -c1-120))"
	head -1 "$f" | grep -qE '^From [0-9a-f]{40} ' && grep -q '^Subject: \[PATCH' "$f" &&
		grep -q '^Signed-off-by: ' "$f" && grep -q '^diff --git ' "$f"
	ok $? "$name: a format-patch mail with a subject, a Signed-off-by and git diffs"
done
done_testing
