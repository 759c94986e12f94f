# SPDX-License-Identifier: GPL-2.0
"""LAVA cases against the mmb-result/1 files they came from (integration/
lava, lava-run, lava-server): each median a passing case with its
measurement and unit, each n/a figure a skipped case."""
import json
import os


def against(files, cases, tol=0.0, name=lambda n: n):
    """files: result paths; cases: {case name: (result, measurement, unit)};
    tol: the relative slack on a measurement (0: exact; lava-server keeps
    them as decimals); name: figure name to case name.  Returns the number
    of figures and the mismatches (the caller checks the count of cases)."""
    want, bad = 0, []
    for f in files:
        r = json.load(open(f))
        base = os.path.basename(f)[:-5]
        for k, v in r["metrics"].items():
            if not isinstance(v.get("median"), (int, float)):
                continue
            want += 1
            c = cases.get(name(f"{base}.{k}"))
            if (not c or c[0] != "pass" or c[2] != v["unit"] or
                    abs(float(c[1]) - v["median"]) > tol * max(1, abs(v["median"]))):
                bad.append(f"{base}.{k}: {c and c[1:]} against {v['median']} {v['unit']}")
        for k in r.get("not_applicable", {}):
            want += 1
            if (cases.get(name(f"{base}.{k}")) or ("",))[0] != "skip":
                bad.append(f"{base}.{k}: not a skipped case")
    return want, bad
