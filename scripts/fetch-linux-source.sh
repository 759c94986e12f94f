#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The source tarball of a kernel base, as Debian packages it; prints its
# path.
#
#   scripts/fetch-linux-source.sh 6.12|7.2
#
# 6.12 is Debian 12's own linux-source-6.12 (scripts/install-deps.sh
# installs it).  7.2 is not in Debian 12: its linux-source-7.2 .deb comes
# from Debian unstable through apt's own tools with a private sources list
# (the system's own Debian mirror, suite sid), state and cache, all inside
# the kernel cache, so the system's apt sources and package lists are
# never touched and the package's checksum is checked against the signed
# index as for any download.  The tarball is unpacked from the .deb, not
# installed.
#
#   MMB_KERNEL_CACHE=<dir>  as scripts/build-kernel.sh
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "fetch-linux-source: $*" >&2; exit 2; }
base=${1:?usage: fetch-linux-source.sh 6.12|7.2}
. "$top/scripts/kernel/cache.sh"

case $base in
6.12)
	t=/usr/src/linux-source-6.12.tar.xz
	[ -f "$t" ] || die "$t missing: apt-get install linux-source-6.12"
	echo "$t"
	exit 0 ;;
7.2) suite=sid ;;
*) die "base '$base': want 6.12 or 7.2" ;;
esac

pkg=linux-source-$base
dir=$MMB_KERNEL_CACHE/debs
t=$dir/$pkg.tar.xz
if [ -f "$t" ]; then
	echo "$t"
	exit 0
fi
[ -n "${MMB_KERNEL_NO_BUILD:-}" ] && { echo "fetch-linux-source: $pkg is not in $dir: scripts/fetch-linux-source.sh '$base' fetches it (build-kernel.sh STRATEGY@$base does)" >&2; exit 3; }

# the mirror the system already uses for its Debian release
# (its Debian release, not -updates or -security, from apt's index
# targets, which without --no-release-info skip sources not yet updated)
uri=$(apt-get indextargets --no-release-info 2>/dev/null | awk '
	/^Repo-URI: / { u = $2 }
	/^Release: / { r = $2 }
	/^$/ { if (found == "" && u ~ /\/debian\/?$/ && r !~ /-/) found = u
	       u = r = "" }
	END { if (found == "" && u ~ /\/debian\/?$/ && r !~ /-/) found = u; print found }')
[ -n "$uri" ] || die "no Debian source in the system's apt sources to take the mirror from"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || die "$keyring missing (apt-get install debian-archive-keyring)"

apt=$MMB_KERNEL_CACHE/apt-$suite
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$dir"
echo "deb [signed-by=$keyring] $uri $suite main" > "$apt/sources.list"
opts=(-o "Dir::Etc::sourcelist=$apt/sources.list" -o "Dir::Etc::sourceparts=-"
      -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
      -o "APT::Architectures=$(dpkg --print-architecture)"
      -o APT::Sandbox::User=root -q)
echo "  FETCH $pkg from $uri $suite (private apt state in $apt)" >&2
apt-get "${opts[@]}" update > "$apt/update.log" 2>&1 ||
	{ tail -5 "$apt/update.log" >&2; die "apt-get update of $suite failed"; }
ver=$(apt-cache "${opts[@]}" show "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | head -1) || true
[ -n "$ver" ] || die "$pkg is not in $suite"
rm -f "$dir/${pkg}_"*.deb
(cd "$dir" && apt-get "${opts[@]}" download "$pkg" > "$apt/download.log" 2>&1) ||
	{ tail -5 "$apt/download.log" >&2; die "apt-get download $pkg failed"; }
deb=$(compgen -G "$dir/${pkg}_*.deb" | head -1)
echo "  UNPACK $(basename "$deb")" >&2
x=$(mktemp -d "$dir/x.XXXXXX")
trap 'rm -rf "$x" "$t.tmp"' EXIT
dpkg-deb -x "$deb" "$x"
[ -f "$x/usr/src/$pkg.tar.xz" ] || die "no usr/src/$pkg.tar.xz in $(basename "$deb")"
mv "$x/usr/src/$pkg.tar.xz" "$t.tmp"
rm -rf "$x" "$deb"
echo "$ver" > "$dir/$pkg.version"
mv "$t.tmp" "$t"
echo "$t"
