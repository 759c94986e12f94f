# SPDX-License-Identifier: GPL-2.0
# LAVA jobs for the matrix (scripts/lava-jobs.sh, scripts/lava/):
#  - jobs for two strategies on each device kind (qemu x86_64 and arm64,
#    an x86 board over iPXE, an arm64 board over U-Boot) pass lava-common's
#    own schema check (lava-schema.py job), and a job that breaks it (a
#    qemu boot from a floppy, an iPXE boot without commands) is rejected
#  - the device dictionaries of scripts/lava/devices/ (the qemu device
#    under TCG, an x86 board over iPXE, an arm64 board over U-Boot),
#    rendered with lava-server's device-type templates, pass lava-schema.py
#    device, one that replaces its device type's body is rejected, and each
#    offers the deploy and boot methods (and boot commands) its jobs use
#  - the plan survives the trip: the job's step, run by sh, writes the
#    plan's lines exactly
#  - mmb-export --lava reports each median as a LAVA measurement with its
#    unit, every n/a as a skipped case
#  - --stage lays out Debian's 6.12 kernel and a ramdisk with the benches
#    and the shell init where the job's URLs point
#  - bad arguments exit 2 naming them
# Booting a job is integration/lava-run's (lava-run.sh), a lava-server
# make check-lava-server's (lava-server.sh).
. "$(dirname "$0")/tap.bash"

ls=/usr/share/lava-common/lava-schema.py
fx=$MMB_FIXTURES
if [ ! -f "$ls" ]; then
	skip_all "LAVA jobs" "no lava-common (scripts/install-deps.sh check installs it)"
fi
lj=$MMB_TOP/scripts/lava-jobs.sh
"$lj" --url-base https://lab.example/mmb --out "$tmp/j" --device qemu-x86_64 \
	--device qemu-arm64 --device x86-ipxe:x86 \
	--device arm64-uboot:juno:https://lab.example/juno.dtb \
	--cmdline pti=on refcount@7.2 hazptr@7.2 > "$tmp/out" 2>&1
ok $? "lava-jobs: $(cat "$tmp/out")"
[ "$(ls "$tmp/j" | wc -l)" = 8 ]
ok $? "a job per strategy and device: $(ls "$tmp/j" | tr '\n' ' ')"
/usr/bin/python3 "$ls" job "$tmp"/j/*.yaml > "$tmp/schema" 2>&1
ok $? "every job passes lava-schema.py job"
sed 's/^/#   /' "$tmp/schema" | grep -- '->' | head -5

cp "$tmp/j/refcount@7.2-qemu-x86_64.yaml" "$tmp/bad1.yaml"
sed -i 's/    media: tmpfs/    media: floppy/' "$tmp/bad1.yaml"
cp "$tmp/j/refcount@7.2-x86.yaml" "$tmp/bad2.yaml"
sed -i '/    commands: ramdisk/d' "$tmp/bad2.yaml"
for b in bad1 bad2; do
	/usr/bin/python3 "$ls" job "$tmp/$b.yaml" > "$tmp/schema" 2>&1
	rc=$?
	[ $rc -ne 0 ] && grep -q "invalid job definition" "$tmp/schema"
	ok $? "rejected: $b ($(grep -- '-> key' "$tmp/schema" | head -1 | sed 's/ *-> //'))"
done

# the device dictionaries, rendered as a server renders them
if tpl=$("$MMB_TOP/scripts/lava-local.sh" --templates 2> "$tmp/err"); then
	devs=$MMB_TOP/scripts/lava/devices
	/usr/bin/python3 "$ls" device --path "$tpl" "$devs"/*.jinja2 > "$tmp/schema" 2>&1
	ok $? "every device dictionary passes lava-schema.py device: $(grep -c '^\*' "$tmp/schema") of $(ls "$devs"/*.jinja2 | wc -l)"
	printf "{%% extends 'qemu.jinja2' %%}\n{%% block body %%}\ncharacter_delays: {boot: 5}\n{%% endblock body %%}\n" > "$tmp/bad-dev.jinja2"
	/usr/bin/python3 "$ls" device --path "$tpl" "$tmp/bad-dev.jinja2" > "$tmp/schema" 2>&1
	[ $? -ne 0 ] && grep -q "invalid device definition" "$tmp/schema"
	ok $? "rejected: a device that replaces its type's body ($(grep -- '-> key' "$tmp/schema" | head -1 | sed 's/ *-> //'))"
	pytap "$devs" "$tpl" "$tmp/j" <<'PY'
import jinja2, yaml
devs, tpl, jobs = ARGS
env = jinja2.Environment(loader=jinja2.FileSystemLoader([devs, tpl]), trim_blocks=True, autoescape=False)
for dev, job in (("qemu-tcg", "refcount@7.2-qemu-x86_64"), ("qemu-tcg", "refcount@7.2-qemu-arm64"),
                 ("x86-ipxe-board", "refcount@7.2-x86"), ("arm64-uboot-board", "refcount@7.2-juno")):
    j = yaml.safe_load(open(f"{jobs}/{job}.yaml"))
    d = yaml.safe_load(env.get_template(f"{dev}.jinja2").render(**j.get("context", {})))
    dep = next(a["deploy"] for a in j["actions"] if "deploy" in a)
    boot = next(a["boot"] for a in j["actions"] if "boot" in a)
    m = d["actions"]["boot"]["methods"].get(boot["method"])
    need = boot.get("commands")
    # a tmpfs deploy is the device's image method (qemu)
    say({"tmpfs": "image"}.get(dep["to"], dep["to"]) in d["actions"]["deploy"]["methods"] and m is not None and (need is None or need in m),
        f"{dev} offers what {job} uses: deploy to {dep['to']}, boot {boot['method']}" + (f" commands {need}" if need else ""))
PY
else
	skip "the device dictionaries" "no lava-server templates: $(head -1 "$tmp/err")"
fi

pytap "$tmp/j/hazptr@7.2-qemu-x86_64.yaml" "$MMB_TOP/scripts/kernel/smoke.plan" "$tmp" <<'PY'
import subprocess, yaml
job, plan, tmp = ARGS
d = yaml.safe_load(open(job))
steps = d["actions"][2]["test"]["definitions"][0]["repository"]["run"]["steps"]
wr = [s for s in steps if s.startswith("printf")][0]
subprocess.run(["sh", "-c", wr.replace("> /plan", f"> {tmp}/plan")], check=True)
want = [l for l in open(plan).read().splitlines() if l.strip() and not l.lstrip().startswith("#")]
say(open(f"{tmp}/plan").read().splitlines() == want, f"the job writes the plan's {len(want)} lines exactly")
say(d["metadata"]["mmb.strategy"] == "hazptr@7.2" and "pti=on" in d["actions"][0]["deploy"]["images"]["kernel"]["image_arg"],
    "the job names its strategy, and boots with --cmdline's words")
say(d["actions"][0]["deploy"]["images"]["kernel"]["url"] == "https://lab.example/mmb/hazptr@7.2/x86_64/kernel",
    "the kernel's URL under --url-base")
PY

"$BIN/mmb-export" --lava "$fx/results" > "$tmp/cases"
ok $? "mmb-export --lava of the fixtures"
pytap "$tmp/cases" "$fx/results" <<'PY'
import glob, shlex
from lava_cases import against
cases, d = ARGS
got = {}
for l in open(cases):
    w = shlex.split(l)
    if w[0] != "lava-test-case":
        continue
    c = w[2:]
    if c == ["--result", "skip"]:
        got[w[1]] = ("skip", None, None)
    elif len(c) == 6 and c[0::2] == ["--result", "--measurement", "--units"]:
        got[w[1]] = (c[1], c[3], c[5])
    else:
        got[w[1]] = (" ".join(c), None, None)
# the case names are the figures' with / made _ (mmb-export's segment())
want, bad = against(sorted(glob.glob(f"{d}/*.json")), got, name=lambda n: n.replace("/", "_"))
say(not bad and want == len(got), f"{want} figures, {len(got)} cases: each median with its unit, each n/a skipped" +
    ("; " + "; ".join(bad[:3]) if bad else ""))
PY

# --stage: Debian's 6.12 (make kernels fetched it) laid out for the jobs
reason=$(guest_reason)
if [ -n "$reason" ]; then
	skip "lava-jobs --stage" "$reason"
else
	echo "mmb-null --variant empty --duration 0.1 --repeat 2" > "$tmp/p1"
	"$lj" --url-base "file://$tmp/s" --out "$tmp/s" --plan "$tmp/p1" --stage \
		refcount@debian > "$tmp/out" 2>&1
	ok $? "lava-jobs --stage refcount@debian: $(tail -1 "$tmp/out")"
	d=$tmp/s/refcount@debian/x86_64
	mkdir -p "$tmp/r" && (cd "$tmp/r" && gzip -dc "$d/mmb.cpio.gz" | cpio -id 2>/dev/null)
	[ -s "$d/kernel" ] && [ -x "$tmp/r/mmb/bin/mmb-export" ] &&
		[ -x "$tmp/r/mmb/bin/mmb-null" ] && grep -q "mmb.shell" "$tmp/r/init" &&
		grep -q "file://$d/kernel" "$tmp/s/refcount@debian-qemu-x86_64.yaml"
	ok $? "staged: the kernel, a ramdisk with the benches, mmb-export and the shell init; the job points at them"
	/usr/bin/python3 "$ls" job "$tmp/s/refcount@debian-qemu-x86_64.yaml" > /dev/null 2>&1
	ok $? "the staged job passes lava-schema.py"
fi

bad "no strategy" "name at least one" "$lj" --url-base https://x/
bad "no --url-base" "--url-base" "$lj" refcount@7.2
bad "an unknown device" "--device: 'sparc'" "$lj" --url-base https://x/ --device sparc refcount@7.2
bad "a U-Boot board without its device tree" "DTB_URL" "$lj" --url-base https://x/ --device arm64-uboot:juno refcount@7.2
bad "a plan that does not exist" "--plan: '/nonexistent'" "$lj" --url-base https://x/ --plan /nonexistent refcount@7.2
bad "mmb-export with both formats" "--kcidb or --lava" "$BIN/mmb-export" --lava --kcidb "$fx/results"

done_testing
