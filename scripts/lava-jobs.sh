#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# LAVA jobs for the matrix: one per strategy kernel and device, from the
# templates in scripts/lava/ (qemu-x86_64, qemu-arm64, an x86 board over
# iPXE, an arm64 board over U-Boot), each running the plan through
# scripts/lava/test.yaml.
#
#   scripts/lava-jobs.sh --url-base URL [--out DIR] [--plan FILE]
#       [--device qemu-x86_64|qemu-arm64|x86-ipxe:TYPE|arm64-uboot:TYPE:DTB_URL]...
#       [--vcpus N] [--memory MB] [--cmdline 'WORDS'] [--stage] STRATEGY...
#
# URL/<strategy>/<arch>/{kernel,mmb.cpio.gz} is where the lab serves each
# kernel and ramdisk; --stage puts them in DIR so laid out, from make
# kernels' cache (serve DIR there, or --url-base file://DIR for lava-run).  One job file per strategy and device in DIR
# (default lava-jobs/), named <strategy>-<device>.yaml; validate them with
# lava-common's lava-schema.py and submit them with
#   lavacli jobs submit DIR/*.yaml
#   scripts/lava-jobs.sh --fetch LOG [--out DIR]
#       the mmb-result/1 files a job printed (test.yaml), back from its log
#       (lava-run's output, or lavacli jobs logs --raw), into DIR; then
#       mmb compare, report, matrix and plot read them as local results
set -u

self=$(readlink -f "$0")
top=$(cd "$(dirname "$self")/.." && pwd)
tpl=$top/scripts/lava

die() { echo "lava-jobs: $*" >&2; exit 2; }

out=lava-jobs plan=$top/scripts/kernel/smoke.plan url= vcpus=4 memory=4096 cmdline= stage=0
devices=()
fetch=
while [ $# -gt 0 ]; do
	case $1 in
	--fetch) fetch=${2:?--fetch needs a job log}; shift 2 ;;
	--out) out=${2:?--out needs a directory}; shift 2 ;;
	--plan) plan=${2:?--plan needs a file}; shift 2 ;;
	--url-base) url=${2:?--url-base needs a URL}; shift 2 ;;
	--device) devices+=("${2:?--device needs a kind}"); shift 2 ;;
	--vcpus) vcpus=${2:?--vcpus needs a count}; shift 2 ;;
	--memory) memory=${2:?--memory needs MB}; shift 2 ;;
	--cmdline) cmdline=${2?--cmdline needs words}; shift 2 ;;
	--stage) stage=1; shift ;;
	-h|--help) sed -n '3,24p' "$self" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option '$1'" ;;
	*) break ;;
	esac
done
if [ -n "$fetch" ]; then
	[ -r "$fetch" ] || die "--fetch: '$fetch': cannot read it"
	mkdir -p "$out" || die "--out: cannot create '$out'"
	# the log's lines are JSON (lava-run) or YAML (the server's) records
	# of {dt, lvl, msg}; the guest's own lines are lvl target
	exec /usr/bin/python3 - "$fetch" "$out" <<'PY'
import base64, binascii, json, os, re, sys
log, out = sys.argv[1:]
try:
    import yaml
except ImportError:
    yaml = None
text = open(log, errors="replace").read()
recs = []
for line in text.splitlines():
    line = line.strip()
    if line.startswith("{"):
        try:
            recs.append(json.loads(line))
        except ValueError:
            pass
if not recs and yaml:
    recs = [r for r in (yaml.safe_load(text) or []) if isinstance(r, dict)]
lines = [r["msg"] for r in recs if r.get("lvl") == "target" and isinstance(r.get("msg"), str)]
name, buf, got, bad = None, [], 0, 0
for m in lines:
    m = m.strip()
    if m.startswith("MMB-RESULT-BEGIN "):
        name, buf = os.path.basename(m.split(" ", 1)[1]), []
    elif m == "MMB-RESULT-END" and name:
        try:
            doc = base64.b64decode("".join(buf), validate=True)
            json.loads(doc)
            open(os.path.join(out, name), "wb").write(doc)
            got += 1
        except (binascii.Error, ValueError) as e:
            print(f"lava-jobs: --fetch: {name}: garbled in the log ({e})", file=sys.stderr)
            bad += 1
        name = None
    elif name and re.fullmatch(r"[A-Za-z0-9+/=]+", m):
        buf.append(m)
print(f"lava-jobs: {got} results from {log} in {out}/" + (f", {bad} garbled" if bad else ""))
sys.exit(1 if bad or not got else 0)
PY
fi
[ $# -gt 0 ] || die "name at least one strategy (refcount@7.2, hazptr@7.2, ...)"
[ -n "$url" ] || die "--url-base: where the lab serves the kernels (http://, https://, file://)"
case $url in http://*|https://*|file://*) ;; *) die "--url-base: '$url': not an http(s):// or file:// URL" ;; esac
[ -f "$plan" ] || die "--plan: '$plan': no such file"
[[ $vcpus =~ ^[1-9][0-9]*$ ]] || die "--vcpus: '$vcpus': not a count"
[[ $memory =~ ^[1-9][0-9]*$ ]] || die "--memory: '$memory': not MB"
[[ $cmdline =~ [\'\"@] ]] && die "--cmdline: '$cmdline': no quotes or @"
[ ${#devices[@]} -gt 0 ] || devices=(qemu-x86_64)

# The plan as one YAML single-quoted step: printf of each line, each a
# shell single-quoted word (' becomes '\''; in YAML '' stands for ')
step="printf '%s\\n'"
while IFS= read -r line || [ -n "$line" ]; do
	word=${line#"${line%%[![:space:]]*}"}	# comments and blank lines out
	[ -z "$word" ] || [ "${word:0:1}" = "#" ] && continue
	step+=" '${line//\'/\'\\\'\'}'"
done < "$plan"
step+=" > /plan"
step=${step//\'/\'\'}

# every argument checked before anything is written
for s in "$@"; do
	[[ $s =~ ^[a-z0-9-]+(@[0-9a-z.]+)?$ ]] || die "'$s': not a strategy (refcount@7.2, hazptr@7.2, ...)"
done
for d in "${devices[@]}"; do
	kind=${d%%:*} rest=${d#*:}
	case $kind in
	qemu-x86_64|qemu-arm64) ;;
	x86-ipxe|arm64-uboot)
		[[ ${rest%%:*} =~ ^[a-zA-Z0-9_.-]+$ ]] && [ "$rest" != "$d" ] ||
			die "--device: '$d': the board's device type is missing" ;;
	*) die "--device: '$d': want qemu-x86_64, qemu-arm64, x86-ipxe:TYPE or arm64-uboot:TYPE:DTB_URL" ;;
	esac
	if [ "$kind" = arm64-uboot ]; then
		case ${rest#*:} in http://*|https://*|file://*) ;;
		*) die "--device: '$d': arm64-uboot:TYPE:DTB_URL needs the device tree's URL" ;;
		esac
	fi
done
mkdir -p "$out" || die "--out: cannot create '$out'"
# --stage: what the jobs boot, from make kernels' cache, laid out as
# --url-base serves it: <strategy>/<arch>/kernel and mmb.cpio.gz (the
# benches, their libraries, the helper module: vm-run.sh --initramfs)
stage() {	# stage STRATEGY ARCH
	local s=$1 a=$2 k img
	k=$(MMB_ARCH=$a MMB_KERNEL_PRINT_DIR=1 "$top/scripts/build-kernel.sh" "$s" 2>/dev/null)
	img=$k/bzImage
	[ "$a" = arm64 ] && img=$k/Image
	[ -f "$img" ] || die "$s ($a): not built; scripts/build-kernel.sh $s (MMB_ARCH=$a) or make kernels first"
	mkdir -p "$out/$s/$a" && cp "$img" "$out/$s/$a/kernel" &&
		"$top/scripts/vm-run.sh" --kernel "$k" --plan "$plan" \
			--initramfs "$out/$s/$a/mmb.cpio.gz" > /dev/null ||
		die "staging $s ($a) failed"
	echo "lava-jobs: staged $s ($a) in $out/$s/$a/"
}
n=0
for s in "$@"; do
	for d in "${devices[@]}"; do
		# checked above: a kind, its board type, its device tree's URL
		kind=${d%%:*} type= dtb=
		case $kind in
		qemu-x86_64) arch=x86_64 ;;
		qemu-arm64) arch=arm64 ;;
		x86-ipxe) arch=x86_64 type=${d#*:} ;;
		arm64-uboot) arch=arm64 rest=${d#*:} type=${rest%%:*} dtb=${rest#*:} ;;
		esac
		# as vm-run.sh boots its guests: the counted tracepoints with
		# two probes from boot, no NUMA-balancing key to flip (TCG)
		ev=ipi:*,csd:*,tlb:*,sched:sched_switch
		[ $arch = x86_64 ] && ev+=,irq_vectors:*
		trace="numa_balancing=disable trace_buf_size=4k trace_event=$ev trace_instance=mmb^traceoff,$ev"
		name=$s-${type:-$kind}
		base=$url/$s/$arch
		{
			sed -e '/^@TEST@$/,$d' "$tpl/$kind.yaml"
			sed -e '/^#/d' "$tpl/test.yaml"
		} | STEP=$step awk '
			/^ *- printf .*@PLAN@/ {
				i = index($0, "- printf")
				print substr($0, 1, i - 1) "- '\''" ENVIRON["STEP"] "'\''"
				next
			}
			{ print }' | sed \
			-e "s|@STRATEGY@|$s|g" -e "s|@DEVICE_TYPE@|$type|g" \
			-e "s|@KERNEL_URL@|$base/kernel|g" \
			-e "s|@RAMDISK_URL@|$base/mmb.cpio.gz|g" \
			-e "s|@DTB_URL@|$dtb|g" -e "s|@VCPUS@|$vcpus|g" \
			-e "s|@TRACE@|$trace|g" \
			-e "s|@MEMORY@|$memory|g" -e "s| @CMDLINE@|${cmdline:+ $cmdline}|g" \
			> "$out/$name.yaml" || die "writing $out/$name.yaml failed"
		n=$((n + 1))
		if [ $stage -eq 1 ] && [ ! -f "$out/$s/$arch/mmb.cpio.gz" ]; then
			stage "$s" "$arch"
		fi
	done
done
echo "lava-jobs: $n jobs in $out/"
