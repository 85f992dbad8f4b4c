#!/usr/bin/env python3
"""Parse one benchmark run (a tool's output plus GNU time's line) into a row, or print the summary.

    parse.py TOOL LABEL OUTFILE   # reads OUTFILE, OUTFILE.time (and OUTFILE.d/report.json for loadproof)
    parse.py --summary            # medians per tool and paired ratios to wrk (or to the same
                                  # build's passive-off) from the same repetition

Rows accumulate in $BENCH_STATE (JSON lines) so the summary can pair them.
"""
import json
import os
import re
import statistics
import sys

STATE = os.environ.get("BENCH_STATE", "/tmp/loadproof-bench-rows.jsonl")


def ms(text):
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    if not m:
        return None
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v


def parse(tool, out):
    row = {}
    if tool == "loadproof":
        r = json.load(open(out + ".d/report.json"))
        lat = r["latency_ms"]
        row.update(requests=r["totals"]["requests"], errors=r["totals"]["errors"], rps=r["totals"]["rps"],
                   p50=lat["p50"], p90=lat["p90"], p99=lat["p99"], p999=lat["p99_9"], mean=lat["mean"],
                   not_sent=(r["open_loop"] or {}).get("not_sent"))
    elif tool == "wrk":
        text = open(out).read()
        row["requests"] = int(re.search(r"(\d+) requests in", text).group(1))
        row["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
        for key, pct in (("p50", "50%"), ("p90", "90%"), ("p99", "99%")):
            m = re.search(r"^\s+" + re.escape(pct) + r"\s+(\S+)", text, re.M)
            row[key] = ms(m.group(1)) if m else None
        m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
        row["errors"] = int(m.group(1)) if m else 0
    else:  # oha, oha-corrected, oha-uncorrected
        text = open(out).read()
        r = json.loads(text[text.index("{"):])
        s, p = r["summary"], r.get("latencyPercentiles", {})
        ok = sum(r.get("statusCodeDistribution", {}).values())
        errors = sum(r.get("errorDistribution", {}).values())
        sec = lambda k: p[k] * 1000 if p.get(k) is not None else None
        row.update(requests=ok + errors, errors=errors, rps=s["requestsPerSec"], p50=sec("p50"), p90=sec("p90"),
                   p99=sec("p99"), p999=sec("p99.9"), mean=(s.get("average") or 0) * 1000)
    wall, user, sys_, rss = open(out + ".time").read().split()[-4:]
    cpu = float(user) + float(sys_)
    row.update(wall_s=float(wall), cpu_s=cpu, rss_mb=int(rss) / 1024,
               cpu_per_100k=cpu / row["requests"] * 1e5 if row.get("requests") else None)
    return row


def fmt(v, nd=2):
    return "-" if v is None else f"{v:.{nd}f}" if isinstance(v, float) else str(v)


def main():
    if sys.argv[1] == "--summary":
        rows = [json.loads(l) for l in open(STATE)] if os.path.exists(STATE) else []
        tools = sorted({r["tool"] for r in rows}, key=lambda t: (t != "loadproof", t))
        print("\n# summary (medians over repetitions; ratio = paired with wrk, or with passive-off, in the same repetition)")
        print(f"{'tool':<16} {'n':>2} {'req/s':>9} {'cpu s/100k':>10} {'vs wrk':>7} {'rss MB':>7} "
              f"{'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9} {'mean ms':>8}")
        wrk = {r["label"]: r for r in rows if r["tool"] == "wrk"}
        for t in tools:
            rs = [r for r in rows if r["tool"] == t]
            med = lambda k: statistics.median([r[k] for r in rs if r.get(k) is not None] or [None]) \
                if any(r.get(k) is not None for r in rs) else None
            # passive-on pairs with passive-off, before-passive-on with before-passive-off.
            off = t.rsplit("passive-", 1)[0] + "passive-off"
            base = wrk if wrk else {r["label"]: r for r in rows if r["tool"] == off}
            ratios = [r["cpu_per_100k"] / base[r["label"]]["cpu_per_100k"] for r in rs
                      if r["label"] in base and r.get("cpu_per_100k") and base[r["label"]].get("cpu_per_100k")]
            ratio = statistics.median(ratios) if ratios else None
            print(f"{t:<16} {len(rs):>2} {fmt(med('rps'), 0):>9} {fmt(med('cpu_per_100k')):>10} {fmt(ratio):>7} "
                  f"{fmt(med('rss_mb'), 1):>7} {fmt(med('p50')):>8} {fmt(med('p90')):>8} {fmt(med('p99')):>8} "
                  f"{fmt(med('p999')):>9} {fmt(med('mean')):>8}")
        return
    tool, label, out = sys.argv[1:4]
    shown = sys.argv[4] if len(sys.argv) > 4 else tool
    try:
        row = parse(tool, out)
    except Exception as e:  # a tool that failed still leaves a line saying so
        print(f"{shown:<16} {label:<5} FAILED to parse: {e}; output head: {open(out).read()[:300]!r}")
        return
    row.update(tool=shown, label=label)
    with open(STATE, "a") as f:
        f.write(json.dumps(row) + "\n")
    print(f"{shown:<16} {label:<5} req={row['requests']} rps={fmt(row['rps'], 0)} cpu={fmt(row['cpu_s'])}s "
          f"cpu/100k={fmt(row['cpu_per_100k'])}s rss={fmt(row['rss_mb'], 1)}MB p50={fmt(row.get('p50'))} "
          f"p90={fmt(row.get('p90'))} p99={fmt(row.get('p99'))} p99.9={fmt(row.get('p999'))} "
          f"mean={fmt(row.get('mean'))} errors={row.get('errors')}")


if __name__ == "__main__":
    main()
