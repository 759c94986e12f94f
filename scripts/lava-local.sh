#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run one LAVA job here, with LAVA's own dispatcher (lava-run), on a qemu
# device under TCG, and bring its results back:
#
#   scripts/lava-local.sh [--out DIR] JOB.yaml
#   scripts/lava-local.sh --templates
#       only fetch lava-server's device-type templates (once) and print
#       their directory (lava-schema.py device --path DIR renders the
#       device dictionaries of scripts/lava/devices/ with them)
#
# The device dictionary is scripts/lava/devices/qemu-tcg.jinja2 rendered
# with lava-server's device-type templates (Debian's lava-server package,
# downloaded, not installed: it would want PostgreSQL) and the job's
# context, as a server renders it for each job.  DIR (default
# lava-out/) gets the dispatcher's log (log.jsonl), the LAVA results
# (results.jsonl) and the result files (results/, lava-jobs.sh --fetch).
# Needs lava-dispatcher (scripts/install-deps.sh lava).
set -u

self=$(readlink -f "$0")
top=$(cd "$(dirname "$self")/.." && pwd)
cache=${MMB_KERNEL_CACHE:-/var/cache/mmb/kernel}/lava
die() { echo "lava-local: $*" >&2; exit 2; }

out=lava-out templates=0
while [ $# -gt 0 ]; do
	case $1 in
	--out) out=${2:?--out needs a directory}; shift 2 ;;
	--templates) templates=1; shift ;;
	-h|--help) sed -n '3,/^set -u/p' "$self" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option '$1'" ;;
	*) break ;;
	esac
done
if [ $templates -eq 0 ]; then
	[ $# -eq 1 ] || die "name one job file (scripts/lava-jobs.sh writes them)"
	job=$1
	[ -r "$job" ] || die "'$job': cannot read it"
	command -v lava-run >/dev/null || die "no lava-run (scripts/install-deps.sh lava)"
else
	[ $# -eq 0 ] || die "--templates takes no job (got '$1')"
fi

# lava-server's device-type templates, once
tpl=$cache/device-types
if [ ! -f "$tpl/qemu.jinja2" ]; then
	mkdir -p "$cache/deb" && rm -f "$cache"/deb/lava-server_*.deb
	(cd "$cache/deb" && apt-get -o APT::Sandbox::User=root download lava-server >/dev/null) ||
		die "apt-get download lava-server failed"
	rm -rf "$cache/x" && dpkg-deb -x "$cache"/deb/lava-server_*.deb "$cache/x" &&
		rm -rf "$tpl" && mv "$cache/x/usr/share/lava-server/device-types" "$tpl" &&
		rm -rf "$cache/x" || die "unpacking lava-server's templates failed"
fi
[ $templates -eq 1 ] && { echo "$tpl"; exit 0; }
mkdir -p "$out" || die "--out: cannot create '$out'"
/usr/bin/python3 - "$job" "$top/scripts/lava/devices" "$tpl" "$out/device.yaml" <<'PY' ||
import jinja2, sys, yaml
job, ours, theirs, dest = sys.argv[1:]
ctx = yaml.safe_load(open(job)).get("context", {})
env = jinja2.Environment(loader=jinja2.FileSystemLoader([ours, theirs]),
                         trim_blocks=True, autoescape=False)
open(dest, "w").write(env.get_template("qemu-tcg.jinja2").render(**ctx))
PY
	die "rendering the device dictionary failed"
start=$SECONDS
lava-run --job-id "mmb-$$" --output-dir "$out/dispatcher" --device "$out/device.yaml" \
	"$job" > "$out/log.jsonl" 2>&1
rc=$?
grep '"lvl": "results"' "$out/log.jsonl" > "$out/results.jsonl"
verdict=$(grep '"case": "job"' "$out/results.jsonl" | grep -o '"result": "[a-z]*"' | tail -1)
echo "lava-local: lava-run exit $rc, job ${verdict:-without a verdict} in $((SECONDS - start)) s; log $out/log.jsonl"
"$top/scripts/lava-jobs.sh" --fetch "$out/log.jsonl" --out "$out/results" || rc=1
case $verdict in *pass*) ;; *) rc=1 ;; esac
exit $rc
