#!/usr/bin/env python3
"""The precision benchmark's rows and summary (see `bench/run.sh precision`).

    precision.py ROW NAME REP OUTFILE   # one run: loadproof's OUTFILE.d/report.json or oha's JSON
    precision.py --summary              # medians per configuration, and per repetition the open-loop
                                        # p50 minus the closed-loop p50 of the same repetition

Rows accumulate in $BENCH_STATE (JSON lines).
"""
import json
import os
import statistics
import sys

STATE = os.environ.get("BENCH_STATE", "/tmp/loadproof-precision-rows.jsonl")


def row(name, rep, out):
    wall, user, sys_, rss = open(out + ".time").read().split()[-4:]
    r = {"name": name, "rep": int(rep), "cpu_s": float(user) + float(sys_), "wall_s": float(wall)}
    if name.startswith("oha"):
        text = open(out).read()
        j = json.loads(text[text.index("{"):])
        p = j.get("latencyPercentiles", {})
        r.update(n=sum(j.get("statusCodeDistribution", {}).values()),
                 p50=p["p50"] * 1000, p99=p["p99"] * 1000)
    else:
        j = json.load(open(out + ".d/report.json"))
        lat, ol = j["latency_ms"], j.get("open_loop") or {}
        d = ol.get("send_delay_ms") or {}
        r.update(n=lat["count"], p50=lat["p50"], p99=lat["p99"], delay_p50=d.get("p50"),
                 delay_p99=d.get("p99"), late=ol.get("sent_late"), not_sent=ol.get("not_sent"))
    r["cpu_per_s"] = r["cpu_s"] / r["wall_s"] if r["wall_s"] else None
    return r


def fmt(v, nd=3):
    return "-" if v is None else f"{v:.{nd}f}"


def summary():
    rows = [json.loads(l) for l in open(STATE)] if os.path.exists(STATE) else []
    names = list(dict.fromkeys(r["name"] for r in rows))
    p50 = {(r["name"], r["rep"]): r["p50"] for r in rows}
    # Each open-loop run against its control: the closed loop at the same idle spacing.
    control = {"lp-open-200": "lp-think-5ms", "lp-open-1000": "lp-think-1ms",
               "oha-open-200": "lp-think-5ms", "oha-open-1000": "lp-think-1ms"}
    print("\n# summary: medians over repetitions, ms. Δclosed = p50 − lp-closed's p50 (a hot target, back to back);")
    print("# Δcontrol = p50 − the p50 of the closed-loop control at the same spacing (lp-think-*), same repetition")
    print(f"{'run':<14} {'n':>2} {'p50':>7} {'p99':>7} {'Δclosed':>8} {'Δcontrol':>9} {'delay p50':>9} {'delay p99':>9} {'cpu/s':>6}")
    for name in names:
        rs = [r for r in rows if r["name"] == name]
        med = lambda k: statistics.median([r[k] for r in rs if r.get(k) is not None]) \
            if any(r.get(k) is not None for r in rs) else None
        def paired(base):
            ds = [r["p50"] - p50[(base, r["rep"])] for r in rs if (base, r["rep"]) in p50 and base != name]
            return statistics.median(ds) if ds else None
        print(f"{name:<14} {len(rs):>2} {fmt(med('p50')):>7} {fmt(med('p99')):>7} {fmt(paired('lp-closed')):>8} "
              f"{fmt(paired(control.get(name, ''))):>9} {fmt(med('delay_p50')):>9} {fmt(med('delay_p99')):>9} "
              f"{fmt(med('cpu_per_s'), 2):>6}")


def main():
    if sys.argv[1] == "--summary":
        summary()
        return
    name, rep, out = sys.argv[2:5] if sys.argv[1] == "ROW" else sys.argv[1:4]
    try:
        r = row(name, rep, out)
    except Exception as e:  # a run that failed still leaves a line saying so
        print(f"{name:<14} rep={rep} FAILED to parse: {e}; output head: {open(out).read()[:300]!r}")
        return
    with open(STATE, "a") as f:
        f.write(json.dumps(r) + "\n")
    print(f"{name:<14} rep={rep} n={r['n']} p50={fmt(r['p50'])} p99={fmt(r['p99'])} "
          f"send_delay p50={fmt(r.get('delay_p50'))} p99={fmt(r.get('delay_p99'))} "
          f"late={r.get('late', '-')} not_sent={r.get('not_sent', '-')} cpu={fmt(r['cpu_s'], 2)}s/{fmt(r['wall_s'], 1)}s")


if __name__ == "__main__":
    main()
