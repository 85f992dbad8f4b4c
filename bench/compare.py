#!/usr/bin/env python3
"""Summarise `bench/run.sh compare`: run `loadproof compare` on every pair of run folders and
count regressions. Unchanged pairs (base-i vs base-j) flagged are false regressions; base-i vs
d1-*/d5-* flagged are detections of a planted 1 ms / 5 ms delay. Prints one row per pair (raw)
and a summary."""
import itertools
import json
import os
import subprocess
import sys

lp, work = sys.argv[1], sys.argv[2]
runs = sorted(d for d in os.listdir(work) if os.path.isfile(os.path.join(work, d, "report.json")))
base = [r for r in runs if r.startswith("base-")]
slowed = {k: [r for r in runs if r.startswith(k + "-")] for k in ("d1", "d5")}


def compare(a, b):
    out = subprocess.run(
        [lp, "compare", os.path.join(work, a), os.path.join(work, b), "--format", "json"],
        capture_output=True, text=True, timeout=120,
    )
    c = json.loads(out.stdout)
    overall = {l["metric"]: l for l in c["lines"] if l["scope"] == "all"}
    p50 = overall.get("p50", {})
    flagged = [f'{l["scope"]}:{l["metric"]}' for l in c["lines"] if l["verdict"] == "regression"]
    print(f"{a:>8} -> {b:<8} exit {out.returncode}  p50 {p50.get('base') or 0:8.3f} -> {p50.get('new') or 0:8.3f} ms"
          f"  flagged: {', '.join(flagged) or '-'}")
    return out.returncode == 5


print("# pair, exit (5 = regression), overall p50 base -> new, lines called regression")
false = sum(compare(a, b) for a, b in itertools.permutations(base, 2))
pairs = len(base) * (len(base) - 1)
print(f"SUMMARY unchanged pairs (both directions): {false}/{pairs} called a regression")
for k, label in (("d1", "+1 ms"), ("d5", "+5 ms")):
    hits = sum(compare(a, b) for a in base for b in slowed[k])
    print(f"SUMMARY unchanged -> {label}: {hits}/{len(base) * len(slowed[k])} called a regression")
