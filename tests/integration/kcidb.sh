# SPDX-License-Identifier: GPL-2.0
# mmb export --kcidb: a KCIDB v5 document from results, checked against
# schema/kcidb-v5.schema.json (written from kcidb-io's v5 rules: ids
# "origin:...", origins [a-z0-9_]+, dot-separated paths of
# [a-zA-Z0-9_-], number types, statuses, resource-file URIs) with
# Debian's python3-jsonschema, formats checked:
#  - the fixtures' results (x86 and arm64) and a matrix-shaped directory
#    of two strategy kernels export and validate
#  - a checkout per kernel source (release and strategy), a build per
#    architecture of it, a DONE test per metric whose number is the
#    result's median with its unit; n/a metrics are SKIP tests with the
#    reason; test ids unique; every test names its build, every build its
#    checkout; the result file in output_files
#  - names KCIDB does not allow in a path ("msr/aperf/") are mapped
#  - documents that break a rule are rejected: an id without its origin,
#    an origin with capitals, a path with '/', a number that is a string,
#    an unknown status, a resource file whose URL is not a URI
#  - bad arguments exit 2 naming the option
. "$(dirname "$0")/tap.bash"

fx=$MMB_FIXTURES
schema=$MMB_TOP/schema/kcidb-v5.schema.json

mkdir -p "$tmp/m/refcount@7.2" "$tmp/m/hazptr@7.2"
cp "$fx/results/shootdown-munmap.json" "$tmp/m/refcount@7.2/"
/usr/bin/python3 - "$fx/results/shootdown-munmap.json" "$tmp/m/hazptr@7.2/shootdown-munmap.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["system"]["lazy_tlb"]["strategy"] = "hazptr"
r["system"]["kernel"]["release"] = "7.2.13"
# a -e event's metric: a name KCIDB's paths do not allow
r["metrics"]["msr/aperf/"] = dict(r["metrics"]["latency_ns"], unit="events/op")
json.dump(r, open(sys.argv[2], "w"))
PY
"$MMB_TOP/scripts/mmb" export --kcidb --origin mmb_lab --tree mainline \
	--repo https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git \
	--commit 0123456789abcdef0123456789abcdef01234567 \
	--output "$tmp/k.json" "$fx/results" "$tmp/m" 2> "$tmp/err"
ok $? "mmb export --kcidb of the fixtures and a two-kernel matrix"
sed 's/^/#   /' "$tmp/err"

pytap "$tmp/k.json" "$schema" "$fx/results" "$tmp/m" <<'PY'
import glob, json, os, copy
import jsonschema
doc_path, schema_path, fxr, mdir = ARGS
doc = json.load(open(doc_path))
schema = json.load(open(schema_path))
jsonschema.Draft7Validator.check_schema(schema)
v = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
errs = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
say(not errs, "the document is valid KCIDB v5" +
    "".join(f"; {list(e.path)}: {e.message[:80]}" for e in errs[:3]))
say(doc["version"]["major"] == 5, f"version {doc['version']}")

files = sorted(glob.glob(f"{fxr}/*.json")) + sorted(glob.glob(f"{mdir}/*/*.json"))
results = [json.load(open(f)) for f in files]
kernels = {(r["system"]["kernel"]["release"], r["system"]["lazy_tlb"]["strategy"]) for r in results}
builds = {(r["system"]["kernel"]["release"], r["system"]["lazy_tlb"]["strategy"], r["system"]["arch"]) for r in results}
say(len(doc["checkouts"]) == len(kernels),
    f"{len(doc['checkouts'])} checkouts, one per kernel source ({len(kernels)})")
say(len(doc["builds"]) == len(builds), f"{len(doc['builds'])} builds, one per kernel and arch ({len(builds)})")
co = {c["id"] for c in doc["checkouts"]}
bi = {b["id"]: b for b in doc["builds"]}
say(all(b["checkout_id"] in co for b in bi.values()), "every build names a checkout of the document")
say(all(t["build_id"] in bi for t in doc["tests"]), "every test names a build of the document")
ids = [t["id"] for t in doc["tests"]]
say(len(ids) == len(set(ids)), f"{len(ids)} test ids, all different")
hz = [c for c in doc["checkouts"] if c["misc"]["lazy_tlb"] == "hazptr"]
say(hz and hz[0]["misc"].get("series") == "scripts/kernel/patches/7.2/hazptr"
    and hz[0]["git_commit_hash"].startswith("0123"),
    f"the hazptr checkout: commit and series {hz and hz[0]['misc'].get('series')}")
say({b["architecture"] for b in bi.values()} == {"x86_64", "arm64"},
    f"architectures {sorted({b['architecture'] for b in bi.values()})}")

# every figure of every result, exactly once: DONE with its median, or SKIP with why
want = 0
bad = []
def seg(k):
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in k)
for f, r in zip(files, results):
    pre = f"mmb.{seg(r['bench'])}.{seg(r['variant'])}."
    url = "file://" + os.path.realpath(f)
    mine = [t for t in doc["tests"] if t["output_files"][0]["url"] == url]
    for k, m in r["metrics"].items():
        if not isinstance(m.get("median"), (int, float)):
            continue
        want += 1
        t = [t for t in mine if t["path"] == pre + seg(k) and t["status"] == "DONE"]
        if len(t) != 1 or t[0]["number"]["value"] != m["median"] or t[0]["number"]["unit"] != m["unit"]:
            bad.append(f"{pre}{k}: {[x['number'] for x in t]}")
    for k, why in r.get("not_applicable", {}).items():
        want += 1
        t = [t for t in mine if t["path"] == pre + seg(k) and t["status"] == "SKIP"]
        if len(t) != 1 or t[0]["misc"]["not_applicable"] != why:
            bad.append(f"{pre}{k}: n/a missing")
say(not bad and want == len(doc["tests"]),
    f"{want} figures, {len(doc['tests'])} tests: each median and unit, each n/a a SKIP with its reason" +
    ("; " + "; ".join(bad[:3]) if bad else ""))
ae = [t for t in doc["tests"] if t["misc"].get("metric") == "msr/aperf/"]
say(ae and ae[0]["path"].endswith(".msr_aperf_"), f"'msr/aperf/' maps to {ae and ae[0]['path']}")
of = doc["tests"][0]["output_files"][0]
say(of["url"].startswith("file:///") and os.path.exists(of["url"][7:]),
    f"output_files: {of['name']} at {of['url'][:60]}")
say(all("placement" in t["environment"]["misc"] for t in doc["tests"]),
    "every test's environment.misc has the placement")

# the rules bite: each broken copy must be rejected
def broken(what, f):
    d = copy.deepcopy(doc)
    f(d)
    say(not v.is_valid(d), f"rejected: {what}")
broken("a test id without its origin", lambda d: d["tests"][0].update(id="no-origin"))
broken("an origin with capitals", lambda d: d["builds"][0].update(origin="MMB"))
broken("a path with '/'", lambda d: d["tests"][0].update(path="mmb.shootdown/munmap"))
broken("a path with an empty segment", lambda d: d["tests"][0].update(path="mmb..x"))
broken("a number that is a string", lambda d: d["tests"][0]["number"].update(value="1.5"))
broken("a number without a value", lambda d: d["tests"][0]["number"].pop("value"))
broken("an unknown status", lambda d: d["tests"][0].update(status="OK"))
broken("a commit hash of 39 digits", lambda d: d["checkouts"][0].update(git_commit_hash="0" * 39))
broken("a resource file whose url is not a URI", lambda d: d["tests"][0]["output_files"][0].update(url="not a uri"))
broken("a test without build_id", lambda d: d["tests"][0].pop("build_id"))
broken("a git:// repository URL (v5: https only)", lambda d: d["checkouts"][0].update(git_repository_url="git://git.kernel.org/linux.git"))
broken("a file name with '/'", lambda d: d["tests"][0]["output_files"][0].update(name="a/b.json"))
broken("an architecture with capitals", lambda d: d["builds"][0].update(architecture="X86"))
broken("an unknown top-level key", lambda d: d.update(results=[]))
broken("version 4", lambda d: d["version"].update(major=4))
PY

MMB=$MMB_TOP/scripts/mmb
bad "no format" "--kcidb" "$MMB" export "$fx/results"
bad "an origin with capitals" "--origin: 'MMB'" "$MMB" export --kcidb --origin MMB "$fx/results"
bad "a short commit" "--commit: 'abc'" "$MMB" export --kcidb --commit abc "$fx/results"
bad "a git:// repository" "--repo" "$MMB" export --kcidb --repo git://git.kernel.org/x "$fx/results"
bad "a files URL without a scheme" "--files-url" "$MMB" export --kcidb --files-url /srv "$fx/results"
bad "a result that is not one" "field 'schema'" "$MMB" export --kcidb "$MMB_TOP/schema/kcidb-v5.schema.json"

done_testing
