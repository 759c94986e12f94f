# SPDX-License-Identifier: GPL-2.0
# Bad input, end to end: every case of tests/badinput.tsv (malformed
# options and inputs to every bench, tool and script subcommand) must exit
# 2 with a message naming the argument or the file, never crash, and
# leave no result file behind.
. "$(dirname "$0")/tap.bash"

cd "$MMB_TOP" || exit 1
export PATH=$MMB_BUILD/bin:$PATH
while IFS=$'\t' read -r want cmd; do
	case $want in '#'*|'') continue ;; esac
	rm -f "$tmp/o.json"
	eval "$cmd" > "$tmp/out" 2> "$tmp/err" < /dev/null
	rc=$?
	[ $rc -eq 2 ] && grep -qF -- "$want" "$tmp/err"
	ok $? "$cmd: exit 2 naming '$want' (got $rc: $(head -1 "$tmp/err" | cut -c1-120))"
done < "$MMB_TOP/tests/badinput.tsv"
# a bench stopped by bad input writes nothing where --output points
mmb-shootdown --pages 0 --format json --output "$tmp/o.json" 2>/dev/null
[ ! -e "$tmp/o.json" ]
ok $? "a usage error leaves no result file"
done_testing
