#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Validate mmb result files against schema/mmb-result-1.schema.json.

Prints one TAP line per file; exits 1 if any fails.  Beyond the schema it
checks what a schema cannot say: min <= median <= max for every metric, and
that every sample carries every per-op IPI counter the metrics name.
"""
import json
import sys
from pathlib import Path

import jsonschema

schema_path = Path(__file__).resolve().parent.parent / "schema" / "mmb-result-1.schema.json"
validator = jsonschema.Draft202012Validator(json.loads(schema_path.read_text()))
n = failed = 0
for name in sys.argv[1:]:
    n += 1
    try:
        doc = json.loads(Path(name).read_text())
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        problems = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5]]
        if not errors:
            h = doc.get("latency_histogram")
            if h and sum(b[2] for b in h["buckets"]) != h["ops"]:
                problems.append("latency_histogram: bucket counts do not add up to ops")
            if h and not (h["p50"] <= h["p90"] <= h["p99"] <= h["p999"]):
                problems.append("latency_histogram: percentiles out of order")
            for k, m in doc["metrics"].items():
                if not (m["min"] - 1e-9 <= m["median"] <= m["max"] + 1e-9):
                    problems.append(f"metrics/{k}: median outside [min, max]")
                # tp_* metrics come from their own pass
                pool = doc.get("tracepoint_samples", []) if k.startswith("tp_") else doc["samples"]
                # per-op percentiles: from the per-op pass where there was one
                if k.startswith("latency_p") and "latency_samples" in doc:
                    pool = doc["latency_samples"]
                if "values" in m and len(m["values"]) != m["n"]:
                    problems.append(f"metrics/{k}: {len(m['values'])} values, n = {m['n']}")
                if m["n"] != len(pool):
                    problems.append(f"metrics/{k}: n = {m['n']}, {len(pool)} samples")
    except (OSError, ValueError) as e:
        problems = [str(e)]
    if problems:
        failed += 1
        print(f"not ok {n} - {name}")
        for p in problems:
            print(f"#   {p}")
    else:
        print(f"ok {n} - {name} is a valid mmb-result/1")
sys.exit(1 if failed or not n else 0)
