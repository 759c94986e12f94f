# SPDX-License-Identifier: GPL-2.0
# Kernel bases: how build-kernel.sh picks a tree, and how the 7.2 source
# arrives.
#  - STRATEGY@BASE and MMB_KERNEL_BASE pick the base; the patches come
#    from patches/<base>/; a base without a strategy's series, an unknown
#    base, and a patched strategy on Debian's binary kernel are usage
#    errors (exit 2) that say which
#  - the cache names a non-default base's kernel after it, and prints no
#    directory for a base whose source is not there yet (exit 3)
#  - fetch-linux-source.sh 7.2 fetches Debian unstable's linux-source-7.2
#    into an empty cache, and the system's apt sources and package lists
#    are the same afterwards (never add unstable to them)
. "$(dirname "$0")/tap.bash"

bk=$MMB_TOP/scripts/build-kernel.sh
pp() { MMB_KERNEL_PRINT_PATCHES=1 "$bk" "$@"; }

pp shootdown > "$tmp/p" 2>&1 && [ "$(wc -l < "$tmp/p")" -eq 6 ] &&
	! grep -qv "/patches/6.12/shootdown/" "$tmp/p"
ok $? "shootdown: the six patches of patches/6.12/shootdown/ ($(wc -l < "$tmp/p") lines)"
pp shootdown@6.12 | cmp -s - "$tmp/p"
ok $? "shootdown@6.12 is shootdown"
MMB_KERNEL_BASE=6.12 pp shootdown | cmp -s - "$tmp/p"
ok $? "MMB_KERNEL_BASE=6.12 picks the same series"
pp hazptr | grep -q "/patches/6.12/uncounted/" && pp hazptr | grep -q "/patches/6.12/hazptr/"
ok $? "hazptr: uncounted and hazptr of patches/6.12/"

pp shootdown@7.2 > "$tmp/p7" 2>&1 && [ "$(wc -l < "$tmp/p7")" -eq 4 ] &&
	! grep -qv "/patches/7.2/shootdown/" "$tmp/p7"
ok $? "shootdown@7.2: the four patches of patches/7.2/shootdown/ ($(wc -l < "$tmp/p7") lines)"
pp shootdown-keepmask@7.2 | tail -1 | grep -q "/patches/7.2/shootdown-keepmask/0001-"
ok $? "shootdown-keepmask@7.2 stacks its patch on them"
for s in hazptr mmgen; do
	pp $s@7.2 > "$tmp/p$s" 2>&1 && [ "$(wc -l < "$tmp/p$s")" -eq 7 ] &&
		[ "$(grep -c "/patches/7.2/shootdown/" "$tmp/p$s")" -eq 3 ] &&
		! grep -q -- "-allow-MMU_LAZY_TLB_SHOOTDOWN" "$tmp/p$s" &&
		grep -q "/patches/7.2/uncounted/0001-" "$tmp/p$s" &&
		[ "$(grep -c "/patches/7.2/$s/" "$tmp/p$s")" -eq 3 ]
	ok $? "$s@7.2: shootdown's fixes without its option, uncounted, then its own three ($(wc -l < "$tmp/p$s") lines)"
done
# every strategy has a 7.2 series: a copy of the scripts without mmgen's
mkdir -p "$tmp/top/scripts" && cp "$bk" "$tmp/top/scripts/" &&
	cp -a "$MMB_TOP/scripts/kernel" "$tmp/top/scripts/" &&
	rm -r "$tmp/top/scripts/kernel/patches/7.2/mmgen"
bk2=$tmp/top/scripts/build-kernel.sh
bad "a base without the strategy's series" "no series for base 7.2" env MMB_KERNEL_PRINT_PATCHES=1 "$bk2" mmgen@7.2
bad "MMB_KERNEL_BASE without the series" "no series for base 7.2" env MMB_KERNEL_BASE=7.2 "$bk2" mmgen
bad "an unknown base" "base '5.4'" "$bk" refcount@5.4
bad "a patched strategy on Debian's kernel" "refcount only" "$bk" shootdown@debian

d=$(MMB_KERNEL_PRINT_DIR=1 "$bk" refcount@debian)
case ${d##*/} in debian-x86_64-*) r=0 ;; *) r=1 ;; esac
ok $r "Debian's kernel has its own entry: ${d##*/}"
d=$(MMB_ARCH=arm64 MMB_KERNEL_PRINT_DIR=1 "$bk" refcount@debian)
case ${d##*/} in debian-arm64-*) r=0 ;; *) r=1 ;; esac
ok $r "and arm64's: ${d##*/}"

# the fetch, into an empty cache; the system's apt state before and after
state() {
	{
		find /etc/apt -type f -print0 | xargs -0 sha256sum 2>/dev/null
		ls /var/lib/apt/lists/ 2>/dev/null
	} | sort
}
if ! command -v apt-get >/dev/null; then
	skip "fetch linux-source-7.2" "no apt-get"
else
	state > "$tmp/before"
	mkdir "$tmp/cache"
	# (the tests run with MMB_KERNEL_NO_BUILD, which forbids fetching too)
	t=$(unset MMB_KERNEL_NO_BUILD; MMB_KERNEL_CACHE=$tmp/cache "$MMB_TOP/scripts/fetch-linux-source.sh" 7.2 2> "$tmp/ferr")
	rc=$?
	[ $rc -eq 0 ] && [ "$t" = "$tmp/cache/debs/linux-source-7.2.tar.xz" ] &&
		xz -l "$t" >/dev/null 2>&1
	ok $? "fetch-linux-source.sh 7.2: an xz tarball in the empty cache (exit $rc; $(tail -1 "$tmp/ferr"))"
	ver=$(cat "$tmp/cache/debs/linux-source-7.2.version" 2>/dev/null)
	case $ver in 7.2.*) r=0 ;; *) r=1 ;; esac
	ok $r "the package's version is recorded: $ver"
	grep -q "^deb .* sid main$" "$tmp/cache/apt-sid/sources.list"
	ok $? "its sources list (sid) is the cache's own"
	state > "$tmp/after"
	cmp -s "$tmp/before" "$tmp/after"
	ok $? "the system's apt sources and package lists are unchanged"
	t2=$(MMB_KERNEL_CACHE=$tmp/cache "$MMB_TOP/scripts/fetch-linux-source.sh" 7.2 2> "$tmp/ferr2")
	[ -n "$t" ] && [ "$t2" = "$t" ] && ! grep -q FETCH "$tmp/ferr2"
	ok $? "a second call finds it and fetches nothing"
	d=$(MMB_KERNEL_CACHE=$tmp/cache MMB_KERNEL_PRINT_DIR=1 "$bk" refcount@7.2)
	case ${d##*/} in refcount@7.2-*) r=0 ;; *) r=1 ;; esac
	ok $r "the cache names the base: ${d##*/}"
	rm -f "$t"
	MMB_KERNEL_CACHE=$tmp/cache MMB_KERNEL_PRINT_DIR=1 "$bk" refcount@7.2 > "$tmp/d" 2> "$tmp/derr"
	r=$?
	[ $r -eq 3 ] && [ ! -s "$tmp/d" ] && grep -q "fetch-linux-source.sh 7.2" "$tmp/derr"
	ok $? "without the tarball no directory is printed: exit 3 naming the fetch (got $r: $(head -c 100 "$tmp/derr"))"
fi
bad "fetch: an unknown base" "base '9.9'" "$MMB_TOP/scripts/fetch-linux-source.sh" 9.9

# vm-run.sh's limits, on a kernel directory that is never booted
mkdir "$tmp/k" && : > "$tmp/k/bzImage"
vr=$MMB_TOP/scripts/vm-run.sh
bad "vm-run: more x86 vCPUs than TCG starts" "at most 255" "$vr" --kernel "$tmp/k" --vcpus 256 --nodes 2 --accel tcg --out "$tmp/o"
bad "vm-run: more than q35 takes" "at most 288" "$vr" --kernel "$tmp/k" --vcpus 290 --nodes 2 --accel kvm --out "$tmp/o"
bad "vm-run: memory that is not a number" "--memory: 'lots'" "$vr" --kernel "$tmp/k" --memory lots --out "$tmp/o"
bad "vm-run: memory that does not split over the nodes" "split evenly over 3" "$vr" --kernel "$tmp/k" --vcpus 3 --nodes 3 --memory 1000 --out "$tmp/o"
done_testing
