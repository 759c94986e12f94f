# SPDX-License-Identifier: GPL-2.0
# Bad input, end to end: every case of tests/badinput.tsv (malformed
# options and inputs to every bench, tool and script subcommand) must exit
# 2 with a message naming the argument or the file, never crash, and
# leave no result file behind.
. "$(dirname "$0")/tap.bash"

cd "$MMB_TOP" || exit 1
export PATH=$MMB_BUILD/bin:$PATH
# what the top of the tree holds: a tool that wrote anything before it
# failed (mmb-plot's default PREFIX in the current directory) shows
ls -A > "$tmp/before"
while IFS=$'\t' read -r want cmd; do
	case $want in '#'*|'') continue ;; esac
	eval "$cmd" > "$tmp/out" 2> "$tmp/err" < /dev/null
	rc=$?
	[ $rc -eq 2 ] && grep -qF -- "$want" "$tmp/err"
	ok $? "$cmd: exit 2 naming '$want' (got $rc: $(head -1 "$tmp/err" | cut -c1-120))"
done < "$MMB_TOP/tests/badinput.tsv"
ls -A > "$tmp/after"
left=$(comm -13 "$tmp/before" "$tmp/after" | tr '\n' ' ')
[ -z "$left" ]
ok $? "no case left a file in the current directory (${left:-none})"
# a bench stopped by bad input writes nothing where --output points
mmb-shootdown --pages 0 --format json --output "$tmp/o.json" 2>/dev/null
[ ! -e "$tmp/o.json" ]
ok $? "a usage error leaves no result file"
done_testing
