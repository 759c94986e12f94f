# SPDX-License-Identifier: GPL-2.0
# The helper module builds against a real kernel tree (Debian's 6.12
# headers) without a warning, and says what it is.  Loading it needs a
# kernel with modules: the VM tests do that.
. "$(dirname "$0")/tap.bash"

kdir=$(make -s -C "$MMB_TOP" -f - print-kdir <<'MK' 2>/dev/null
include Makefile
print-kdir: ; @echo $(KDIR)
MK
)
if [ -z "$kdir" ]; then
	skip "helper module build" "no kernel build tree (linux-headers)"
	done_testing
	exit 0
fi
cp -r "$MMB_TOP/kmod-helper" "$tmp/k"
make -C "$tmp/k" KDIR="$kdir" >"$tmp/log" 2>&1
ok $? "mmb_helper.ko builds against $kdir"
grep -iE 'warning|error' "$tmp/log" | grep -v 'Skipping BTF' | sed 's/^/#   /'
! grep -iE 'warning:|error:' "$tmp/log" >/dev/null
ok $? "no compiler warning"
# sparse (make C=2 checks every file): address spaces, locking context
if command -v sparse >/dev/null; then
	rm -rf "$tmp/s" && cp -r "$MMB_TOP/kmod-helper" "$tmp/s"
	make -C "$kdir" M="$tmp/s" C=2 modules > "$tmp/slog" 2>&1 &&
		grep -q 'CHECK' "$tmp/slog" && ! grep -E '(warning|error):' "$tmp/slog" | grep -v 'Skipping BTF' | grep -q .
	ok $? "sparse (make C=2) has nothing to say ($(grep -m1 -E '(warning|error):' "$tmp/slog" | cut -c1-120))"
else
	skip "sparse" "not installed (apt-get install sparse)"
fi
info=$(/sbin/modinfo "$tmp/k/mmb_helper.ko" 2>&1)
echo "$info" | grep -q '^license: *GPL$'
ok $? "license GPL"
for p in max_kthreads max_total_kthreads max_iterations max_timeout_ms; do
	echo "$info" | grep -qE "^parm: *$p:.{10,}"
	ok $? "module parameter $p has a description"
done
# user space and module share one ABI header, verbatim
grep -q '#include "mmb_helper.h"' "$MMB_TOP/kmod-helper/mmb_helper.c"
ok $? "the module includes the shared ABI header"

# the arm64 module, cross-built against the arm64 guest kernel's tree
# (tests/integration/arm64.sh builds that kernel, or the cache has it)
akdir=$(make -s -C "$MMB_TOP" -f - ARCH=arm64 print-kdir <<'MK' 2>/dev/null
include Makefile
print-kdir: ; @echo $(KDIR)
MK
)
if [ -z "$akdir" ] || ! command -v aarch64-linux-gnu-gcc >/dev/null; then
	skip "arm64 module cross build" "no arm64 kernel tree (MMB_ARCH=arm64 scripts/build-kernel.sh refcount)"
else
	cp -r "$MMB_TOP/kmod-helper" "$tmp/a"
	make -C "$tmp/a" KDIR="$akdir" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- >"$tmp/alog" 2>&1 &&
		! grep -iE 'warning:|error:' "$tmp/alog" >/dev/null &&
		file "$tmp/a/mmb_helper.ko" | grep -q 'ARM aarch64'
	ok $? "mmb_helper.ko cross-builds for arm64 against $akdir, no warning"
fi
done_testing
