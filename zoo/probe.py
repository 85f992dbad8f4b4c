#!/usr/bin/env python3
"""zoo/probe.py — ground truth for the zoo, without loadproof.

Uses only the Python standard library (http.client, threading, json). For every running zoo
target (zoo/.run/<name>.url, written by zoo/targets.sh start) it records what the server really
does — response headers verbatim, statuses, body shapes, and for rate limiters the enforcement
over time — and writes zoo/GROUND_TRUTH.md (human-readable) and zoo/ground_truth.json (raw).

    zoo/targets.sh stop; zoo/targets.sh start     # fresh state: the probe expects untouched targets
    zoo/.venv/bin/python zoo/probe.py [name...]   # any python3 works; ~7 minutes for all targets

Every request goes to 127.0.0.1. Every loop is bounded in count and in time. Rate-limit targets
are probed in parallel threads (they mostly wait); the rest one after another.
"""
import http.client
import json
import os
import platform
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import datetime, timezone

ZOO = os.path.dirname(os.path.abspath(__file__))
RUN = os.path.join(ZOO, ".run")

# Declared configuration of each target (what its app file configures), used to plan probes.
# quota/window: the limiter's own terms; nginx "6r/m" is enforced as one request per 10 s.
RATE = {
    "rl-flask-fixed": dict(lib="flask-limiter", strategy="fixed-window", quota=5, window=10),
    "rl-flask-moving": dict(lib="flask-limiter", strategy="moving-window", quota=5, window=10),
    "rl-flask-swc": dict(lib="flask-limiter", strategy="sliding-window-counter", quota=5, window=10),
    "rl-slowapi": dict(lib="slowapi", strategy="fixed-window (slowapi default)", quota=5, window=60),
    "rl-nginx": dict(lib="nginx limit_req", strategy="leaky bucket, rate=6r/m, no burst", quota=1, window=10, drain=12),
    "rl-nginx-burst": dict(lib="nginx limit_req", strategy="leaky bucket, rate=6r/m, burst=3 nodelay", quota=4, window=10, drain=42),
    "rl-express-d6": dict(lib="express-rate-limit", strategy="fixed-window (MemoryStore), standardHeaders draft-6", quota=5, window=10),
    "rl-express-d8": dict(lib="express-rate-limit", strategy="fixed-window (MemoryStore), standardHeaders draft-8", quota=5, window=10),
}
PAGE = {
    "page-drf-page": dict(lib="DRF PageNumberPagination", style="page", page_param="page", size_param="page_size", first=1, items="results", total="count", slash=True),
    "page-drf-offset": dict(lib="DRF LimitOffsetPagination", style="offset", offset_param="offset", size_param="limit", items="results", total="count", slash=True),
    "page-drf-cursor": dict(lib="DRF CursorPagination", style="cursor", size_param="page_size", items="results", total=None, slash=True),
    "page-fastapi": dict(lib="fastapi-pagination Page", style="page", page_param="page", size_param="size", first=1, items="items", total="total", slash=False),
    "page-fastapi-offset": dict(lib="fastapi-pagination LimitOffsetPage", style="offset", offset_param="offset", size_param="limit", items="items", total="total", slash=False),
}
ERR = {
    "err-fastapi": "FastAPI default handlers",
    "err-flask": "Flask/Werkzeug default HTML pages",
    "err-problem": "fastapi-problem (defaults)",
    "err-problem-strict": "fastapi-problem (strict_rfc9457=True)",
}
IDEM = {
    "idem-express": "express-idempotency",
    "idem-nodecore": "@node-idempotency/core (+ glue)",
    "idem-asgi-header": "asgi-idempotency-header",
    "idem-fastapi-idem": "fastapi-idempotency",
}
ALL = list(RATE) + list(PAGE) + list(ERR) + list(IDEM)
MAX_REQUESTS_PER_TARGET = 2000  # hard cap on any target's probe


class Capped(Exception):
    pass


class Client:
    """One target; a fresh connection per request (as independent clients would)."""

    def __init__(self, name, url):
        self.name = name
        u = urllib.parse.urlsplit(url)
        assert u.hostname == "127.0.0.1", "zoo targets live on 127.0.0.1 only"
        self.host, self.port = u.hostname, u.port
        self.count = 0
        self.lock = threading.Lock()

    def req(self, method, path, body=None, headers=None, timeout=10):
        with self.lock:
            self.count += 1
            if self.count > MAX_REQUESTS_PER_TARGET:
                raise Capped(f"{self.name}: more than {MAX_REQUESTS_PER_TARGET} requests")
        h = dict(headers or {})
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            if isinstance(data, str):
                data = data.encode()
            h.setdefault("Content-Type", "application/json")
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        t0 = time.monotonic()
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            raw = r.read()
            return dict(
                t=t0, elapsed=round(time.monotonic() - t0, 4), status=r.status, reason=r.reason,
                headers=r.getheaders(), body=raw.decode("utf-8", "replace"),
            )
        finally:
            conn.close()


def hget(resp, name):
    for k, v in resp["headers"]:
        if k.lower() == name.lower():
            return v
    return None


def hdrs(resp, skip=("date", "content-length", "connection", "keep-alive", "etag", "last-modified")):
    return [f"{k}: {v}" for k, v in resp["headers"] if k.lower() not in skip]


def short(s, n=400):
    s = s.replace("\n", "\\n")
    return s if len(s) <= n else s[:n] + f"…(+{len(s) - n} chars)"


def jbody(resp):
    try:
        return json.loads(resp["body"])
    except ValueError:
        return None


def shape(v, depth=0):
    if isinstance(v, dict):
        if depth > 1:
            return "{…}"
        return "{" + ", ".join(f"{k}: {shape(x, depth + 1)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return f"[{len(v)} × {shape(v[0], depth + 1)}]" if v else "[]"
    return type(v).__name__


def max_in_window(times, window):
    """Most timestamps within any half-open interval [t, t + window)."""
    times = sorted(times)
    best, j = 0, 0
    for i in range(len(times)):
        while times[i] - times[j] >= window:
            j += 1
        best = max(best, i - j + 1)
    return best


def sleep_until(t):
    d = t - time.monotonic()
    if d > 0:
        time.sleep(d)


# ------------------------------------------------------------------------------ rate limits
def probe_rate(c, cfg):
    q, w = cfg["quota"], cfg["window"]
    poll = 0.25 if w <= 10 else 0.5
    out = dict(config=cfg, poll_interval_s=poll)
    path = "/limited"

    def rec(resp, t0):
        return dict(at=round(resp["t"] - t0, 3), status=resp["status"],
                    rl={k: v for k, v in resp["headers"] if "ratelimit" in k.lower() or k.lower() == "retry-after"})

    # Pass 1: exhaustion from a fresh window (the target was just started), then polling.
    t0 = time.monotonic()
    seq = []
    for _ in range(q + 3):
        seq.append(c.req("GET", path))
    first_429 = next((i + 1 for i, r in enumerate(seq) if r["status"] == 429), None)
    out["exhaust"] = dict(
        sent=q + 3,
        statuses=[r["status"] for r in seq],
        first_429_at_request=first_429,
        accepted=sum(1 for r in seq if r["status"] < 400),
        first_response=dict(status=seq[0]["status"], headers=hdrs(seq[0]), body=short(seq[0]["body"])),
        responses=[rec(r, t0) for r in seq],
    )
    rej = next((r for r in seq if r["status"] == 429), None)
    if rej:
        out["exhaust"]["first_429"] = dict(status=rej["status"], headers=hdrs(rej), body=short(rej["body"], 700))
    # Poll until t0 + 2w + 2 s; record every answer.
    end = t0 + 2 * w + 2
    polls = []
    nxt = time.monotonic()
    while time.monotonic() < end and len(polls) < 1000:
        nxt += poll
        r = c.req("GET", path)
        polls.append(r)
        sleep_until(nxt)
    acc1 = [r["t"] - t0 for r in seq + polls if r["status"] < 400]
    first_back = next((r for r in polls if r["status"] < 400), None)
    out["pass1"] = dict(
        duration_s=round(time.monotonic() - t0, 1),
        requests=len(seq) + len(polls),
        accepted_at_s=[round(x, 2) for x in acc1],
        first_accept_after_429_s=round(first_back["t"] - t0, 2) if first_back else None,
        first_accept_after_429_since_first_429_s=round(first_back["t"] - rej["t"], 2) if (first_back and rej) else None,
        max_accepted_in_any_window=max_in_window(acc1, w),
        statuses={str(s): sum(1 for r in seq + polls if r["status"] == s) for s in sorted({r["status"] for r in seq + polls})},
        reset_values=[hget(r, "X-RateLimit-Reset") or hget(r, "RateLimit-Reset") or hget(r, "RateLimit")
                      for r in (seq + polls)[:12]],
    )
    if first_back:
        out["pass1"]["first_accept_after_429"] = dict(headers=hdrs(first_back))

    # Idle until the state is fresh again (2 windows clear a sliding counter's previous window;
    # a leaky bucket with burst b needs (b+1) leak periods).
    idle = max(2 * w + 1, cfg.get("drain", 0))
    time.sleep(idle)
    out["idle_between_passes_s"] = idle

    # Pass 2: the boundary. One request opens a window at t0; q+2 fast requests 1.5 s before its
    # edge; then polling until t0 + 2w + 2 s. A fixed window accepts q-1 before the edge and q
    # right after it: 2q-1 within ~2 s. A sliding/moving window never exceeds q per window.
    t0 = time.monotonic()
    opening = c.req("GET", path)
    sleep_until(t0 + w - 1.5)
    pre = [c.req("GET", path) for _ in range(q + 2)]
    polls2 = []
    end = t0 + 2 * w + 2
    nxt = time.monotonic()
    while time.monotonic() < end and len(polls2) < 1000:
        nxt += poll
        polls2.append(c.req("GET", path))
        sleep_until(nxt)
    allr = [opening] + pre + polls2
    acc2 = [r["t"] - t0 for r in allr if r["status"] < 400]
    edge_acc = [x for x in acc2 if w - 2 <= x < w + 2]
    out["pass2"] = dict(
        duration_s=round(time.monotonic() - t0, 1),
        requests=len(allr),
        opening_status=opening["status"],
        pre_edge_statuses=[r["status"] for r in pre],
        accepted_at_s=[round(x, 2) for x in acc2],
        accepted_within_2s_of_edge=len(edge_acc),
        max_accepted_in_any_window=max_in_window(acc2, w),
        burst_factor=round(max_in_window(acc2, w) / q, 2),
    )
    out["summary"] = dict(
        quota=q, window_s=w,
        first_429_at_request=first_429,
        recovery_s=out["pass1"]["first_accept_after_429_s"],
        max_in_window_pass1=out["pass1"]["max_accepted_in_any_window"],
        max_in_window_pass2=out["pass2"]["max_accepted_in_any_window"],
        burst_factor=max(out["pass1"]["max_accepted_in_any_window"], out["pass2"]["max_accepted_in_any_window"]) / q,
    )
    return out


# ------------------------------------------------------------------------------ pagination
def probe_page(c, cfg):
    base = "/items/" if cfg["slash"] else "/items"
    items_key, total_key = cfg["items"], cfg["total"]
    out = dict(config={k: v for k, v in cfg.items() if k != "slash"}, path=base)
    size = 10

    def get(params):
        return c.req("GET", base + ("?" + urllib.parse.urlencode(params) if params else ""))

    def walk(first_params, between=None, cap=30):
        """Walk with page size 10 the library's way; return ids in order, pages, end signal."""
        ids, pages, log = [], 0, []
        if cfg["style"] == "cursor":
            path = base + "?" + urllib.parse.urlencode({cfg["size_param"]: size})
            while path and pages < cap:
                r = c.req("GET", path)
                pages += 1
                b = jbody(r) or {}
                ids += [it["id"] for it in b.get(items_key, [])]
                log.append(dict(status=r["status"], n=len(b.get(items_key, [])), next=b.get("next")))
                nx = b.get("next")
                path = None
                if nx:
                    u = urllib.parse.urlsplit(nx)
                    path = u.path + ("?" + u.query if u.query else "")
                if between and pages == 1:
                    between()
            return ids, pages, log
        k = 0
        while pages < cap:
            if cfg["style"] == "page":
                params = {cfg["page_param"]: cfg["first"] + k, cfg["size_param"]: size}
            else:
                params = {cfg["offset_param"]: k * size, cfg["size_param"]: size}
            r = get(params)
            pages += 1
            b = jbody(r)
            got = (b or {}).get(items_key, []) if isinstance(b, dict) else []
            log.append(dict(params=params, status=r["status"], n=len(got),
                            next=(b or {}).get("next", "(no next member)") if isinstance(b, dict) else None))
            if r["status"] != 200 or not got:
                break
            ids += [it["id"] for it in got]
            if between and pages == 1:
                between()
            if isinstance(b, dict) and "next" in b and not b["next"]:
                break
            if isinstance(b, dict) and "pages" in b and cfg["first"] + k >= b["pages"]:
                break
            k += 1
        return ids, pages, log

    first = get({cfg["size_param"]: size})
    fb = jbody(first) or {}
    out["first_page"] = dict(status=first["status"], headers=hdrs(first), body_shape=shape(fb),
                             body=short(first["body"], 500))
    out["total_member"] = {total_key: fb.get(total_key)} if total_key else None
    out["x_total_count"] = hget(first, "X-Total-Count")
    out["link_header"] = hget(first, "Link")
    ids, pages, log = walk(None)
    out["walk"] = dict(page_size=size, pages=pages, items=len(ids), distinct=len(set(ids)),
                       duplicates=len(ids) - len(set(ids)), log=log[-3:], first_ids=ids[:3], last_ids=ids[-3:])
    # Beyond the end, and odd sizes.
    odd = {}
    if cfg["style"] == "page":
        odd["page past the end (page=99)"] = get({cfg["page_param"]: 99, cfg["size_param"]: size})
        odd["page=0"] = get({cfg["page_param"]: 0, cfg["size_param"]: size})
        odd["page=-1"] = get({cfg["page_param"]: -1, cfg["size_param"]: size})
        odd["page=abc"] = get({cfg["page_param"]: "abc", cfg["size_param"]: size})
    elif cfg["style"] == "offset":
        odd["offset past the end (offset=999)"] = get({cfg["offset_param"]: 999, cfg["size_param"]: size})
        odd["offset=-1"] = get({cfg["offset_param"]: -1, cfg["size_param"]: size})
        odd["offset=abc"] = get({cfg["offset_param"]: "abc", cfg["size_param"]: size})
    else:
        import base64
        odd["cursor=garbage"] = c.req("GET", base + "?cursor=zzzz")
        for raw in ("p=3", "p=abc", "r=x&p=3", "o=1&p=3"):
            cur = urllib.parse.quote(base64.b64encode(raw.encode()).decode())
            odd[f"cursor=base64('{raw}')"] = c.req("GET", base + "?cursor=" + cur)
    for lim in (0, -1, 1000):
        odd[f"{cfg['size_param']}={lim}"] = get({cfg["size_param"]: lim})

    def summarize(r):
        b = jbody(r)
        n = None
        if isinstance(b, dict) and isinstance(b.get(items_key), list):
            n = len(b[items_key])
        return dict(status=r["status"], items=n, body=short(r["body"], 200))

    out["odd"] = {k: summarize(v) for k, v in odd.items()}
    # Cursor decoding (what PAGE-05 would see).
    if cfg["style"] == "cursor" and fb.get("next"):
        cur = urllib.parse.parse_qs(urllib.parse.urlsplit(fb["next"]).query).get("cursor", [""])[0]
        import base64
        try:
            dec = base64.b64decode(cur + "=" * (-len(cur) % 4)).decode()
        except Exception as e:  # noqa: BLE001
            dec = f"(not base64: {e})"
        out["cursor_example"] = dict(cursor=cur, base64_decoded=dec)
    # A walk while an item on page 1 is deleted after page 1 was read (the classic skip).
    state = {}

    def delete_first():
        r = c.req("DELETE", f"{base}{ids[0]}/" if cfg["slash"] else f"{base}/{ids[0]}")
        state["delete_status"] = r["status"]
        r = c.req("POST", base, body={"name": "zoo-probe-insert"})
        state["insert_status"] = r["status"]
        state["insert_location"] = hget(r, "Location")

    ids2, pages2, _ = walk(None, between=delete_first)
    now = walk(None)[0]
    survivors = [i for i in ids if i in set(now)]
    out["walk_with_delete_after_page1"] = dict(
        deleted_id=ids[0], **state, items=len(ids2), duplicates=len(ids2) - len(set(ids2)),
        skipped_survivors=sorted(set(survivors) - set(ids2)),
        new_item_seen=len(set(ids2) - set(ids)) > 0,
    )
    return out


# ------------------------------------------------------------------------------ error formats
def probe_err(c, _cfg):
    cases = [
        ("GET /items/99 (unknown id)", "GET", "/items/99", None),
        ("GET /items/99 again (stability)", "GET", "/items/99", None),
        ("GET /nope (unknown route)", "GET", "/nope", None),
        ("POST /items malformed JSON", "POST", "/items", b'{"name": '),
        ("POST /items wrong type (qty: \"many\")", "POST", "/items", {"name": "x", "qty": "many"}),
        ("POST /items missing field", "POST", "/items", {"name": "x"}),
        ("PATCH /items (wrong method)", "PATCH", "/items", None),
        ("GET /boom (unhandled exception)", "GET", "/boom", None),
        ("POST /items valid", "POST", "/items", {"name": "x", "qty": 1}),
    ]
    out = {}
    for label, m, p, b in cases:
        r = c.req(m, p, body=b)
        out[label] = dict(status=r["status"], content_type=hget(r, "Content-Type"), allow=hget(r, "Allow"),
                          headers=hdrs(r), body=short(r["body"], 600), json_shape=shape(jbody(r)) if jbody(r) is not None else None)
    ids = [k for k, v in out.items() for h in v["headers"] if h.split(":")[0].lower() in ("x-request-id", "request-id", "x-correlation-id")]
    # Keep-alive: does the server keep the connection open after an error? (One persistent
    # connection, two requests; a reset on the second means the server closed it silently.)
    keep = {}
    for label, path in (("after the 404", "/items/99"), ("after the 500", "/boom")):
        conn = http.client.HTTPConnection(c.host, c.port, timeout=10)
        try:
            conn.request("GET", path)
            r1 = conn.getresponse()
            r1.read()
            first = f"{r1.status}, Connection: {r1.getheader('Connection')}"
            try:
                conn.request("GET", path)
                r2 = conn.getresponse()
                r2.read()
                second = f"{r2.status} on the same connection"
            except (ConnectionError, http.client.HTTPException) as e:
                second = f"{type(e).__name__}: the server closed the connection without Connection: close"
            keep[label] = f"first {first}; second request: {second}"
        finally:
            conn.close()
            c.count += 2
    return dict(responses=out, request_id_headers_seen=sorted(set(ids)), keep_alive=keep)


# ------------------------------------------------------------------------------ idempotency
def probe_idem(c, _cfg):
    out = {}
    body = {"customer": "zoo", "amount": 42}

    def post(key, b=body, extra=None):
        h = {"Idempotency-Key": key} if key else {}
        h.update(extra or {})
        return c.req("POST", "/orders", body=b, headers=h)

    def count():
        return (jbody(c.req("GET", "/orders")) or {}).get("count")

    def view(r):
        b = jbody(r)
        return dict(status=r["status"], id=b.get("id") if isinstance(b, dict) else None, headers=hdrs(r),
                    body=short(r["body"], 300))

    stamp = int(time.time())
    n0 = count()
    a, b = post(f"zoo-seq-{stamp}"), post(f"zoo-seq-{stamp}")
    n1 = count()
    out["same key twice, sequential"] = dict(first=view(a), second=view(b), orders_created=n1 - n0,
                                             same_id=view(a)["id"] == view(b)["id"])
    m = post(f"zoo-seq-{stamp}", b={"customer": "other", "amount": 7})
    n2 = count()
    out["same key, different body"] = dict(response=view(m), orders_created=n2 - n1)
    nk = post(None)
    n3 = count()
    out["no key"] = dict(response=view(nk), orders_created=n3 - n2)
    # Race: 10 threads, one key, released together by a barrier.
    N = 10
    barrier = threading.Barrier(N, timeout=10)
    res = [None] * N
    key = f"zoo-race-{stamp}"

    def worker(i):
        try:
            barrier.wait()
            res[i] = post(key)
        except Exception as e:  # noqa: BLE001
            res[i] = dict(status=None, error=str(e), headers=[], body="")

    th = [threading.Thread(target=worker, args=(i,)) for i in range(N)]
    for t in th:
        t.start()
    for t in th:
        t.join(30)
    time.sleep(0.5)
    n4 = count()
    statuses = [r["status"] for r in res]
    ids = {(jbody(r) or {}).get("id") for r in res if r.get("status") and r["status"] < 300 and isinstance(jbody(r), dict)}
    loser = next((r for r in res if r.get("status") and r["status"] >= 400), None)
    out[f"same key raced by {N} threads"] = dict(
        statuses={str(s): statuses.count(s) for s in sorted(set(statuses), key=str)},
        distinct_ids_in_2xx=len(ids - {None}), orders_created=n4 - n3,
        a_rejection=view(loser) if loser else None,
        replay_markers=sorted({h.split(":")[0] for r in res if r.get("headers") for h in hdrs(r)
                               if "replay" in h.lower() or "idempot" in h.lower()}),
    )
    # Race with different bodies.
    barrier2 = threading.Barrier(N, timeout=10)
    res2 = [None] * N
    key2 = f"zoo-race-mix-{stamp}"

    def worker2(i):
        try:
            barrier2.wait()
            res2[i] = post(key2, b={"customer": f"c{i}", "amount": i})
        except Exception as e:  # noqa: BLE001
            res2[i] = dict(status=None, error=str(e), headers=[], body="")

    th = [threading.Thread(target=worker2, args=(i,)) for i in range(N)]
    for t in th:
        t.start()
    for t in th:
        t.join(30)
    time.sleep(0.5)
    n5 = count()
    st2 = [r["status"] for r in res2]
    out[f"same key, {N} different bodies raced"] = dict(
        statuses={str(s): st2.count(s) for s in sorted(set(st2), key=str)}, orders_created=n5 - n4)
    return out


# ------------------------------------------------------------------------------ report
def versions():
    v = {}
    try:
        fr = subprocess.run([os.path.join(ZOO, ".venv", "bin", "pip"), "freeze"], capture_output=True, text=True, timeout=60).stdout
        want = ("flask", "flask-limiter", "limits", "slowapi", "fastapi", "starlette", "uvicorn", "django", "djangorestframework",
                "fastapi-pagination", "fastapi-problem", "rfc9457", "starlette-problem", "asgi-idempotency-header", "fastapi-idempotency", "werkzeug")
        for line in fr.splitlines():
            n, _, ver = line.partition("==")
            if n.lower() in want:
                v[n] = ver
    except Exception as e:  # noqa: BLE001
        v["pip"] = f"unavailable: {e}"
    try:
        lock = json.load(open(os.path.join(ZOO, "package-lock.json")))["packages"]
        for k in ("express", "express-rate-limit", "express-idempotency", "@node-idempotency/core", "@node-idempotency/storage-adapter-memory"):
            v[k] = lock.get("node_modules/" + k, {}).get("version")
    except Exception as e:  # noqa: BLE001
        v["npm"] = f"unavailable: {e}"
    try:
        v["nginx"] = subprocess.run(["/usr/sbin/nginx", "-v"], capture_output=True, text=True, timeout=10).stderr.strip().split("/")[-1]
        v["node"] = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:  # noqa: BLE001
        pass
    v["python"] = platform.python_version()
    return v


def md_rate(name, r):
    s = r["summary"]
    L = [f"### {name} — {r['config']['lib']}: {r['config']['strategy']}", "",
         f"Configured: {s['quota']} per {s['window_s']} s. Poll interval {r['poll_interval_s']} s.", "",
         "**Headers (first response, verbatim):**", "", "```", f"HTTP {r['exhaust']['first_response']['status']}",
         *r["exhaust"]["first_response"]["headers"], "", r["exhaust"]["first_response"]["body"], "```", ""]
    if "first_429" in r["exhaust"]:
        L += ["**First 429 (verbatim):**", "", "```", f"HTTP {r['exhaust']['first_429']['status']}",
              *r["exhaust"]["first_429"]["headers"], "", r["exhaust"]["first_429"]["body"], "```", ""]
    p1, p2 = r["pass1"], r["pass2"]
    L += [
        f"**Exhaustion from a fresh window** ({r['exhaust']['sent']} sequential requests): statuses "
        f"`{r['exhaust']['statuses']}`; first 429 at request **{s['first_429_at_request']}**; "
        f"{r['exhaust']['accepted']} accepted.",
        f"- Reset-ish header values on the first 12 responses: `{p1['reset_values']}`",
        f"- Per-request rate-limit headers: " + "; ".join(f"#{i+1} {x['status']} {x['rl']}" for i, x in enumerate(r['exhaust']['responses'])),
        f"- Polling until 2 windows + 2 s: first accepted again at **{p1['first_accept_after_429_s']} s** after the first "
        f"request ({p1['first_accept_after_429_since_first_429_s']} s after the first 429). Accepted at (s): `{p1['accepted_at_s']}`. "
        f"Statuses: {p1['statuses']}. Most accepted in any {s['window_s']} s interval: **{p1['max_accepted_in_any_window']}**.",
        f"**Boundary test** (after {r['idle_between_passes_s']} s idle: 1 request at 0 s, {s['quota'] + 2} fast at "
        f"{s['window_s'] - 1.5} s, then polling): opening {p2['opening_status']}, pre-edge statuses `{p2['pre_edge_statuses']}`; "
        f"accepted at (s) `{p2['accepted_at_s']}`; accepted within ±2 s of the edge: {p2['accepted_within_2s_of_edge']}; "
        f"most accepted in any {s['window_s']} s interval: **{p2['max_accepted_in_any_window']}** "
        f"(boundary-burst factor **{p2['burst_factor']}**).", ""]
    return L


def md_page(name, r):
    L = [f"### {name} — {r['config']['lib']}", "", f"Path `{r['path']}`; config `{r['config']}`.", "",
         "**First page (page size 10), verbatim headers:**", "", "```", f"HTTP {r['first_page']['status']}",
         *r["first_page"]["headers"], "", r["first_page"]["body"], "```", "",
         f"- Body shape: `{r['first_page']['body_shape']}`",
         f"- Total member: `{r['total_member']}`; X-Total-Count: `{r['x_total_count']}`; Link: `{r['link_header']}`",
         f"- Quiescent walk: {r['walk']['pages']} requests, **{r['walk']['items']} items**, {r['walk']['distinct']} distinct, "
         f"{r['walk']['duplicates']} duplicates; first ids {r['walk']['first_ids']}, last ids {r['walk']['last_ids']}; "
         f"last pages: `{r['walk']['log']}`"]
    if "cursor_example" in r:
        L.append(f"- Cursor example: `{r['cursor_example']}`")
    for k, v in r["odd"].items():
        L.append(f"- `{k}` → {v['status']}, items {v['items']}: `{v['body']}`")
    w = r["walk_with_delete_after_page1"]
    L += [f"- Walk where, after page 1, item {w['deleted_id']} (on page 1) is deleted (DELETE → {w.get('delete_status')}) and one item "
          f"is inserted (POST → {w.get('insert_status')}, Location {w.get('insert_location')}): {w['items']} items, "
          f"{w['duplicates']} duplicates, skipped survivors {w['skipped_survivors']}, new item seen: {w['new_item_seen']}", ""]
    return L


def md_err(name, r, lib):
    L = [f"### {name} — {lib}", "", f"Request-id headers seen: {r['request_id_headers_seen'] or 'none'}", "",
         "Keep-alive: " + "; ".join(f"{k}: {v}" for k, v in r.get("keep_alive", {}).items()), "",
         "| request | status | Content-Type | Allow | body |", "|---|---|---|---|---|"]
    for k, v in r["responses"].items():
        L.append(f"| {k} | {v['status']} | `{v['content_type']}` | {v['allow'] or ''} | `{v['body'].replace('|', '¦')[:300]}` |")
    L.append("")
    return L


def md_idem(name, r, lib):
    L = [f"### {name} — {lib}", ""]
    for k, v in r.items():
        L.append(f"- **{k}**: `{json.dumps(v)[:900]}`")
    L.append("")
    return L


def main():
    names = sys.argv[1:] or ALL
    urls = {}
    for n in names:
        if n not in ALL:
            sys.exit(f"unknown target {n}; known: {' '.join(ALL)}")
        try:
            urls[n] = open(os.path.join(RUN, f"{n}.url")).read().strip()
        except OSError:
            print(f"probe: {n} is not running (zoo/targets.sh start {n}); skipped", file=sys.stderr)
    results, errors = {}, {}
    started = datetime.now(timezone.utc)
    prev = {}
    gt_json = os.path.join(ZOO, "ground_truth.json")
    if sys.argv[1:] and os.path.exists(gt_json):
        # A subset run replaces those targets' entries and keeps the others' (with their date).
        prev = json.load(open(gt_json))

    def run(n):
        c = Client(n, urls[n])
        try:
            if n in RATE:
                results[n] = probe_rate(c, RATE[n])
            elif n in PAGE:
                results[n] = probe_page(c, PAGE[n])
            elif n in ERR:
                results[n] = probe_err(c, ERR[n])
            else:
                results[n] = probe_idem(c, IDEM[n])
            results[n]["requests_sent"] = c.count
            print(f"probe: {n} done ({c.count} requests)", file=sys.stderr)
        except Exception as e:  # noqa: BLE001
            errors[n] = repr(e)
            print(f"probe: {n} failed: {e!r}", file=sys.stderr)

    threads = [threading.Thread(target=run, args=(n,)) for n in urls if n in RATE]
    for t in threads:
        t.start()
    for n in urls:
        if n not in RATE:
            run(n)
    for t in threads:
        t.join(600)
    finished = datetime.now(timezone.utc)
    ver = versions()
    probed_at = {n: started.isoformat(timespec="seconds") for n in results}
    if prev:
        for n, v in prev.get("results", {}).items():
            if n not in results:
                results[n] = v
                probed_at[n] = prev.get("probed_at", {}).get(n, prev.get("started"))
        names = [n for n in ALL if n in results]
    raw = dict(started=started.isoformat(timespec="seconds"), finished=finished.isoformat(timespec="seconds"),
               versions=ver, urls=urls, results=results, errors=errors, probed_at=probed_at)
    with open(os.path.join(ZOO, "ground_truth.json"), "w") as f:
        json.dump(raw, f, indent=1, sort_keys=True, default=str)

    L = ["# Zoo ground truth", "",
         "Generated by `zoo/probe.py` (Python standard library only; no loadproof). Do not edit by hand:",
         "re-run `zoo/targets.sh stop; zoo/targets.sh start; python3 zoo/probe.py` and commit the output.",
         "Raw data: `zoo/ground_truth.json`. Ports are random per start and are not part of the truth.", "",
         f"- Probed: {raw['started']} → {raw['finished']} (UTC), on {platform.node() or 'this machine'} (2 shared cores; timings ±0.3 s)",
         "- Versions: " + ", ".join(f"{k} {v}" for k, v in sorted(ver.items())),
         "- Probe start per target (a subset run keeps the other targets' earlier results): "
         + ", ".join(f"{n} {probed_at.get(n, '?')}" for n in names), ""]
    if errors:
        L += ["**Probe errors:** " + "; ".join(f"{k}: {v}" for k, v in errors.items()), ""]
    L += ["## Rate limits", "", "| target | quota/window | first 429 at | recovery after first request | max accepted in any window (pass 1 / boundary pass) | burst factor |", "|---|---|---|---|---|---|"]
    for n in [n for n in names if n in RATE and n in results]:
        s = results[n]["summary"]
        L.append(f"| {n} | {s['quota']}/{s['window_s']} s | {s['first_429_at_request']} | {s['recovery_s']} s | "
                 f"{s['max_in_window_pass1']} / {s['max_in_window_pass2']} | {round(s['burst_factor'], 2)} |")
    L.append("")
    for n in [n for n in names if n in RATE and n in results]:
        L += md_rate(n, results[n])
    L += ["## Pagination", ""]
    for n in [n for n in names if n in PAGE and n in results]:
        L += md_page(n, results[n])
    L += ["## Error formats", ""]
    for n in [n for n in names if n in ERR and n in results]:
        L += md_err(n, results[n], ERR[n])
    L += ["## Idempotency", ""]
    for n in [n for n in names if n in IDEM and n in results]:
        L += md_idem(n, results[n], IDEM[n])
    with open(os.path.join(ZOO, "GROUND_TRUTH.md"), "w") as f:
        f.write("\n".join(L) + "\n")
    print(f"probe: wrote zoo/GROUND_TRUTH.md and zoo/ground_truth.json ({len(results)} targets, {len(errors)} errors)", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
