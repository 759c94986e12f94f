# SPDX-License-Identifier: GPL-2.0
# make install: the driver, benches and tools under PREFIX (in DESTDIR),
# usable outside the checkout; man pages; the module source for DKMS;
# make uninstall takes all of it back.
. "$(dirname "$0")/tap.bash"

root=$tmp/root
make -s -C "$MMB_TOP" install DESTDIR="$root" PREFIX=/usr > "$tmp/out" 2>&1
ok $? "make install DESTDIR=... PREFIX=/usr ($(tail -1 "$tmp/out"))"
for p in mmb mmb-shootdown mmb-compare mmb-plot; do
	[ -x "$root/usr/bin/$p" ]
	ok $? "  $p in bin/"
done
[ -x "$root/usr/libexec/mmb-exec-target" ]
ok $? "  the exec target in libexec/"
grep -qx shootdown "$root/usr/share/mmb/benches"
ok $? "  the bench list in share/mmb/"
if command -v help2man > /dev/null; then
	head -5 "$root/usr/share/man/man1/mmb-shootdown.1" | grep -q '^\.TH MMB-SHOOTDOWN'
	ok $? "  a man page per program (mmb-shootdown.1)"
	grep -qF '\-\-initiators' "$root/usr/share/man/man1/mmb-shootdown.1"
	ok $? "  made from its --help"
else
	skip "man pages" "no help2man"
fi
grep -q 'PACKAGE_VERSION="[0-9]' "$root/usr/src/mmb-helper-"*/dkms.conf &&
	[ -f "$root/usr/src/mmb-helper-"*/mmb_helper.c ]
ok $? "  the module source with a dkms.conf"

# outside the checkout, with nothing of it on PATH
mkdir -p "$tmp/elsewhere"
(cd "$tmp/elsewhere" && PATH=/usr/bin:/bin "$root/usr/bin/mmb" run --duration 0.05 \
	--repeat 2 null exec-exit > "$tmp/run.out" 2>&1)
ok $? "installed mmb run, outside the checkout ($(tail -1 "$tmp/run.out"))"
f=$(ls "$tmp"/elsewhere/results/*/exec-exit-fork-exec.json 2>/dev/null)
[ -n "$f" ] && [ "$(jget "$f" params.exec_target)" = "$root/usr/bin/../libexec/mmb-exec-target" ]
ok $? "  results under the current directory; fork-exec ran the installed target (${f:+$(jget "$f" params.exec_target)})"
"$root/usr/bin/mmb" --version | grep -q "^mmb [0-9]"
ok $? "  mmb --version"

make -s -C "$MMB_TOP" uninstall DESTDIR="$root" PREFIX=/usr > /dev/null 2>&1
ok $? "make uninstall"
left=$(find "$root" -type f | head -5)
[ -z "$left" ]
ok $? "  nothing left (${left:-none})"
done_testing
