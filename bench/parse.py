#!/usr/bin/env python3
"""Parse one benchmark run (a tool's output plus GNU time's line) into a row, or print the summary.

    parse.py TOOL LABEL OUTFILE   # reads OUTFILE, OUTFILE.time (and OUTFILE.d/report.json for loadproof)
    parse.py --summary            # medians per tool and paired ratios to wrk (or to the same
                                  # build's passive-off) from the same repetition
    parse.py --paired BASE        # per tool: requests, req/s, CPU per request, peak RSS; each
                                  # repetition's ratio of CPU per request to BASE's, and the median
    parse.py --conns              # per connection count N (labels "N/rep"): the same, plus RSS per
                                  # connection above N=50, failed runs and the errors counted

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
                   not_sent=(r["open_loop"] or {}).get("not_sent"), errors_by_kind=r.get("errors_by_kind") or None)
    elif tool == "wrk":
        text = open(out).read()
        row["requests"] = int(re.search(r"(\d+) requests in", text).group(1))
        row["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
        for key, pct in (("p50", "50%"), ("p90", "90%"), ("p99", "99%")):
            m = re.search(r"^\s+" + re.escape(pct) + r"\s+(\S+)", text, re.M)
            row[key] = ms(m.group(1)) if m else None
        m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
        row["errors"] = int(m.group(1)) if m else 0
        # "Socket errors: connect 0, read 0, write 0, timeout 0": errors too, counted apart.
        m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
        if m:
            row["socket_errors"] = dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups())))
            row["errors"] += sum(row["socket_errors"].values())
    elif tool == "h2load":
        # "finished in 5.00s, 123456.78 req/s, 3.21MB/s" and
        # "requests: N total, N started, N done, N succeeded, N failed, N errored, N timeout"
        text = open(out).read()
        m = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                      r"(\d+) errored, (\d+) timeout", text)
        total, started, done, ok, failed, errored, timeout = map(int, m.groups())
        m2 = re.search(r"status codes: (\d+) 2xx", text)
        row.update(requests=done, errors=failed + errored + timeout + (ok - int(m2.group(1)) if m2 else 0),
                   rps=float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", text).group(1)))
        m = re.search(r"time for request:\s+(\S+)\s+(\S+)\s+(\S+)", text)
        row["mean"] = ms(m.group(3)) if m else None
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
    per_100k = lambda s: s / row["requests"] * 1e5 if row.get("requests") else None
    row.update(wall_s=float(wall), cpu_s=cpu, user_s=float(user), sys_s=float(sys_), rss_mb=int(rss) / 1024,
               cpu_per_100k=per_100k(cpu), user_per_100k=per_100k(float(user)),
               sys_per_100k=per_100k(float(sys_)))
    return row


def fmt(v, nd=2):
    return "-" if v is None else f"{v:.{nd}f}" if isinstance(v, float) else str(v)


def load_rows():
    return [json.loads(l) for l in open(STATE)] if os.path.exists(STATE) else []


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def us_per_req(r):
    return r["cpu_s"] / r["requests"] * 1e6 if r.get("requests") else None


def user_us_per_req(r):
    return r["user_s"] / r["requests"] * 1e6 if r.get("requests") and r.get("user_s") is not None else None


def paired(base):
    """Per tool, then each repetition's ratio of CPU per request to BASE's in that repetition."""
    rows = load_rows()
    ok = [r for r in rows if not r.get("failed")]
    tools = sorted({r["tool"] for r in rows}, key=lambda t: (t != "loadproof", t))
    print(f"\n# summary (medians over repetitions; ratio = CPU per request / {base}'s, paired per repetition)")
    print(f"{'tool':<12} {'runs':>4} {'failed':>6} {'requests':>10} {'req/s':>9} {'cpu us/req':>10} "
          f"{'rss MB':>7} {'errors':>7} {'vs ' + base:>10} {'p50 ms':>7} {'p99 ms':>7}")
    by_base = {r["label"]: r for r in ok if r["tool"] == base}
    for t in tools:
        rs = [r for r in ok if r["tool"] == t]
        failed = sum(1 for r in rows if r["tool"] == t and r.get("failed"))
        ratios = [(r["label"], us_per_req(r) / us_per_req(by_base[r["label"]])) for r in rs
                  if r["label"] in by_base and us_per_req(r) and us_per_req(by_base[r["label"]])]
        print(f"{t:<12} {len(rs):>4} {failed:>6} {fmt(median(r['requests'] for r in rs), 0):>10} "
              f"{fmt(median(r['rps'] for r in rs), 0):>9} {fmt(median(us_per_req(r) for r in rs)):>10} "
              f"{fmt(median(r['rss_mb'] for r in rs), 1):>7} {fmt(median(r.get('errors') for r in rs), 0):>7} "
              f"{fmt(median(x for _, x in ratios)):>10} {fmt(median(r.get('p50') for r in rs)):>7} "
              f"{fmt(median(r.get('p99') for r in rs)):>7}")
        if t != base and ratios:
            print(f"{'':<12} paired per repetition: " + ", ".join(f"{l}: {x:.2f}" for l, x in ratios))


def conns():
    """Per connection count: each tool's medians, RSS per connection above 50, and failures."""
    rows = load_rows()
    for r in rows:
        r["n"], r["rep"] = map(int, r["label"].split("/"))
    ok = [r for r in rows if not r.get("failed")]
    ns = sorted({r["n"] for r in rows})
    tools = sorted({r["tool"] for r in rows}, key=lambda t: (t != "loadproof", t))
    med = lambda t, n, f: median(f(r) for r in ok if r["tool"] == t and r["n"] == n)
    print("\n# summary (medians over repetitions; kB/conn = (peak RSS at N - peak RSS at 50) / (N - 50);")
    print("#  vs wrk = CPU per request / wrk's at the same N, paired per repetition; vs own 50 = CPU per")
    print("#  request / the same tool's at 50 connections, paired per repetition)")
    print("#  user us/req, its vs own 50: the same for user CPU alone (what the tool itself does, without the")
    print("#  kernel's work on the sockets)")
    print(f"{'tool':<10} {'N':>6} {'runs':>4} {'failed':>6} {'req/s':>9} {'cpu us/req':>10} {'rss MB':>7} "
          f"{'kB/conn':>8} {'errors':>7} {'vs wrk':>7} {'vs own 50':>9} {'user us/req':>11} {'vs own 50':>9}")
    for t in tools:
        rss50 = med(t, 50, lambda r: r["rss_mb"])
        for n in ns:
            rs = [r for r in ok if r["tool"] == t and r["n"] == n]
            failed = [r for r in rows if r["tool"] == t and r["n"] == n and r.get("failed")]
            rss = med(t, n, lambda r: r["rss_mb"])
            per_conn = (rss - rss50) * 1024 / (n - 50) if rss is not None and rss50 is not None and n > 50 else None
            pair = lambda other, other_n, f=us_per_req: median(
                f(r) / f(b) for r in rs for b in ok
                if b["tool"] == other and b["n"] == other_n and b["rep"] == r["rep"] and f(r) and f(b))
            print(f"{t:<10} {n:>6} {len(rs) + len(failed):>4} {len(failed):>6} "
                  f"{fmt(med(t, n, lambda r: r['rps']), 0):>9} {fmt(med(t, n, us_per_req)):>10} {fmt(rss, 1):>7} "
                  f"{fmt(per_conn, 1):>8} {fmt(med(t, n, lambda r: r.get('errors')), 0):>7} "
                  f"{fmt(pair('wrk', n)) if t != 'wrk' else '-':>7} {fmt(pair(t, 50)) if n > 50 else '-':>9} "
                  f"{fmt(med(t, n, user_us_per_req)):>11} "
                  f"{fmt(pair(t, 50, user_us_per_req)) if n > 50 else '-':>9}")
            for r in failed:
                print(f"{'':<10} {n:>6} failed run {r['rep']}: {r['failed']}")
            for r in rs:
                kinds = r.get("errors_by_kind") or r.get("socket_errors")
                if r.get("errors") and kinds:
                    print(f"{'':<10} {n:>6} run {r['rep']}: {r['errors']} errors {kinds}")
    if "before" in tools:
        # An earlier build in the rotation (BEFORE=…): this build's figures over its, per N.
        print("\n# this build / before, per N (medians of ratios paired per repetition)")
        print(f"{'N':>6} {'pairs':>5} {'cpu us/req':>10} {'user us/req':>11} {'req/s':>7}")
        for n in ns:
            pairs = [(r, b) for r in ok for b in ok if r["tool"] == "loadproof" and b["tool"] == "before"
                     and r["n"] == n and b["n"] == n and r["rep"] == b["rep"]]
            ratio = lambda f: median(f(r) / f(b) for r, b in pairs if f(r) and f(b))
            print(f"{n:>6} {len(pairs):>5} {fmt(ratio(us_per_req)):>10} {fmt(ratio(user_us_per_req)):>11} "
                  f"{fmt(ratio(lambda r: r['rps'])):>7}")


def main():
    if sys.argv[1] == "--paired":
        paired(sys.argv[2])
        return
    if sys.argv[1] == "--conns":
        conns()
        return
    if sys.argv[1] == "--summary":
        rows = [r for r in load_rows() if not r.get("failed")]
        tools = sorted({r["tool"] for r in rows}, key=lambda t: (t != "loadproof", t))
        print("\n# summary (medians over repetitions; ratio = paired with wrk, or with passive-off, in the same repetition)")
        print(f"{'tool':<16} {'n':>2} {'req/s':>9} {'cpu s/100k':>10} {'vs wrk':>7} {'rss MB':>7} "
              f"{'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9} {'mean ms':>8} {'user':>6} {'sys':>6} "
              f"{'+user':>6} {'abba':>6}")
        # user, sys: CPU s/100k split (medians); +user: for a passive-on row, its user CPU per request
        # minus passive-off's, over passive-off's whole CPU per request, paired per repetition (the
        # checks' own work as a share of a request, without the system time's swings).
        # abba: the passive benchmark runs each repetition's sequence reversed from the one before
        # (ABBA); the geometric mean of repetitions 2k-1 and 2k's ratios cancels whatever being
        # first or second in a pair does to a run, and this column is the median of those means.
        wrk = {r["label"]: r for r in rows if r["tool"] == "wrk"}
        for t in tools:
            rs = [r for r in rows if r["tool"] == t]
            med = lambda k: statistics.median([r[k] for r in rs if r.get(k) is not None] or [None]) \
                if any(r.get(k) is not None for r in rs) else None
            # passive-on pairs with passive-off, before-passive-on with before-passive-off.
            off = t.rsplit("passive-", 1)[0] + "passive-off"
            base = wrk if wrk else {r["label"]: r for r in rows if r["tool"] == off}
            ratios = {r["label"]: r["cpu_per_100k"] / base[r["label"]]["cpu_per_100k"] for r in rs
                      if r["label"] in base and r.get("cpu_per_100k") and base[r["label"]].get("cpu_per_100k")}
            ratio = statistics.median(ratios.values()) if ratios else None
            by_rep = {int(l): x for l, x in ratios.items() if not wrk and t != off and l.isdigit()}
            abba = [(by_rep[k] * by_rep[k + 1]) ** 0.5 for k in sorted(by_rep) if k % 2 and k + 1 in by_rep]
            added = [(r["user_per_100k"] - base[r["label"]]["user_per_100k"]) / base[r["label"]]["cpu_per_100k"]
                     for r in rs if not wrk and t != off and r["label"] in base
                     and r.get("user_per_100k") is not None and base[r["label"]].get("user_per_100k") is not None]
            print(f"{t:<16} {len(rs):>2} {fmt(med('rps'), 0):>9} {fmt(med('cpu_per_100k')):>10} {fmt(ratio):>7} "
                  f"{fmt(med('rss_mb'), 1):>7} {fmt(med('p50')):>8} {fmt(med('p90')):>8} {fmt(med('p99')):>8} "
                  f"{fmt(med('p999')):>9} {fmt(med('mean')):>8} {fmt(med('user_per_100k'), 3):>6} "
                  f"{fmt(med('sys_per_100k'), 3):>6} {fmt(statistics.median(added) * 100, 1) + '%' if added else '-':>6} "
                  f"{fmt(statistics.median(abba)) if abba else '-':>6}")
        return
    tool, label, out = sys.argv[1:4]
    shown = sys.argv[4] if len(sys.argv) > 4 else tool
    try:
        row = parse(tool, out)
    except Exception as e:  # a tool that failed still leaves a line (and a row) saying so
        head = open(out).read()[:300]
        status = open(out + ".time").read().strip().splitlines() if os.path.exists(out + ".time") else []
        print(f"{shown:<16} {label:<5} FAILED to parse: {e}; output head: {head!r}; time: {status!r}")
        with open(STATE, "a") as f:
            f.write(json.dumps({"tool": shown, "label": label, "failed": " / ".join(head.strip().splitlines()[:2]) or str(e)})
                    + "\n")
        return
    row.update(tool=shown, label=label)
    with open(STATE, "a") as f:
        f.write(json.dumps(row) + "\n")
    print(f"{shown:<16} {label:<5} req={row['requests']} rps={fmt(row['rps'], 0)} cpu={fmt(row['cpu_s'])}s "
          f"cpu/100k={fmt(row['cpu_per_100k'])}s user/100k={fmt(row['user_per_100k'], 3)}s "
          f"sys/100k={fmt(row['sys_per_100k'], 3)}s rss={fmt(row['rss_mb'], 1)}MB p50={fmt(row.get('p50'))} "
          f"p90={fmt(row.get('p90'))} p99={fmt(row.get('p99'))} p99.9={fmt(row.get('p999'))} "
          f"mean={fmt(row.get('mean'))} errors={row.get('errors')}"
          + (f" {row.get('errors_by_kind') or row.get('socket_errors')}" if row.get("errors") else ""))


if __name__ == "__main__":
    main()
