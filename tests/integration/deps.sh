# SPDX-License-Identifier: GPL-2.0
# Every program the scripts, tests, Makefile and tools run (tests/commands.py
# finds them) is installed, and comes from a package that
# scripts/install-deps.sh installs, or from one every Debian system has
# (Essential, or priority required).  A program a file only uses after
# `command -v` may be missing: that is a skip with the reason.
# Why: a package installed by hand on the development machine hides a
# missing install step until CI runs on a new one (gnuplot once did).
. "$(dirname "$0")/tap.bash"

if ! command -v dpkg-query >/dev/null; then
	skip "commands come from installed packages" "not a Debian system (no dpkg-query)"
	done_testing
	exit 0
fi
"$MMB_TOP/scripts/install-deps.sh" list | sort -u > "$tmp/declared"
# and what they depend on directly (python3's interpreter is in
# python3-minimal), as far as this machine has them installed
xargs dpkg-query -W -f '${Depends}, ${Pre-Depends}\n' < "$tmp/declared" 2>/dev/null |
	tr ',|' '\n\n' | sed 's/(.*//; s/:any//; s/ //g' | grep . |
	sort -u > "$tmp/deps"
/usr/bin/python3 "$MMB_TOP/tests/commands.py" "$MMB_TOP" > "$tmp/cmds"
ok $? "tests/commands.py lists the commands ($(wc -l < "$tmp/cmds") uses)"
[ "$(wc -l < "$tmp/cmds")" -ge 30 ]
ok $? "the scanner sees the scripts (at least 30 uses of commands)"

# one line per program: the places it is used, required where any is
sort -t "$(printf '\t')" -k1,1 -k3,3r "$tmp/cmds" |
	awk -F '\t' '$1 != last { if (last != "") print last "\t" where "\t" g;
			 last = $1; where = $2; g = $3; next }
		     { if ($3 == "required") g = "required" }
		     END { if (last != "") print last "\t" where "\t" g }' > "$tmp/progs"

package_of() {		# package_of PATH: the package that owns the file
	local p=$1 r
	r=$(readlink -f "$p")
	for f in "$p" "$r" "${p#/usr}" "/usr$p" "${r#/usr}" "/usr$r"; do
		o=$(dpkg-query -S "$f" 2>/dev/null | head -1 | cut -d: -f1)
		[ -n "$o" ] && { echo "$o"; return 0; }
	done
	return 1
}

while IFS="$(printf '\t')" read -r prog where guard; do
	path=$(command -v "$prog" 2>/dev/null)
	if [ -z "$path" ]; then
		if [ "$guard" = optional ]; then
			skip "$prog ($where)" "not installed; the scripts check for it first"
		else
			ok 1 "$prog ($where) is installed"
		fi
		continue
	fi
	pkg=$(package_of "$path")
	if [ -z "$pkg" ]; then
		ok 1 "$prog ($where): $path belongs to no package: installed by hand?"
		continue
	fi
	pkg=${pkg%%,*}
	if grep -qx "$pkg" "$tmp/declared"; then
		ok 0 "$prog ($where): $pkg, installed by install-deps.sh"
		continue
	fi
	if grep -qx "$pkg" "$tmp/deps"; then
		ok 0 "$prog ($where): $pkg, a dependency of a package install-deps.sh installs"
		continue
	fi
	ess=$(dpkg-query -W -f '${Essential} ${Priority}' "$pkg" 2>/dev/null)
	# awk is an alternative: gawk where a package pulled it in (LAVA's
	# dispatcher does), mawk, priority required, everywhere
	if [ "$(readlink "$path")" = "/etc/alternatives/$prog" ]; then
		for alt in $(update-alternatives --list "$prog" 2>/dev/null); do
			a=$(package_of "$alt") || continue
			case $(dpkg-query -W -f '${Essential} ${Priority}' "${a%%,*}" 2>/dev/null) in
			yes*|*required) pkg="$pkg, and ${a%%,*}"
				ess=$(dpkg-query -W -f '${Essential} ${Priority}' "${a%%,*}") ;;
			esac
		done
	fi
	case $guard,$ess in
	optional,*)
		ok 0 "$prog ($where): $pkg, optional: the scripts check for it first" ;;
	*,yes*|*,*required)
		ok 0 "$prog ($where): $pkg, on every Debian system ($ess)" ;;
	*)
		ok 1 "$prog ($where): $pkg ($ess) is not installed by scripts/install-deps.sh" ;;
	esac
done < "$tmp/progs"
done_testing
