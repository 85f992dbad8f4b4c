#!/usr/bin/env bash
# A real Prometheus scrapes a running loadproof: `run --metrics-listen` against the built-in
# reference API for ~20 s, Debian's `prometheus` scraping it every second, then PromQL over
# Prometheus' HTTP API must return report.json's `totals.requests` (and responses, errors).
#
#   scripts/prometheus-check.sh            # installs the `prometheus` package if it is missing
#   LOADPROOF=path/to/loadproof scripts/prometheus-check.sh
#
# Everything listens on 127.0.0.1; Prometheus gets a temporary config and storage. Every wait is
# bounded; what this script started is stopped by PID on exit. Exit 0 when every check passes.
set -euo pipefail

cd "$(dirname "$0")/.."
duration="${DURATION:-20s}"

say() {
    echo "prometheus-check: $*"
}
fail() {
    echo "prometheus-check: FAIL: $*" >&2
    exit 1
}

missing=()
command -v prometheus >/dev/null || missing+=(prometheus)
command -v curl >/dev/null || missing+=(curl)
command -v python3 >/dev/null || missing+=(python3)
if [ "${#missing[@]}" -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    timeout 600 $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive timeout 900 $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v python3 >/dev/null || fail "python3 is needed to read JSON"
say "$(prometheus --version 2>&1 | head -n1)"

bin="${LOADPROOF:-}"
if [ -z "$bin" ]; then
    cargo build --quiet --bin loadproof
    bin="${CARGO_TARGET_DIR:-target}/debug/loadproof"
fi
"$bin" --version >/dev/null

tmp="$(mktemp -d)"
lp_pid=""
prom_pid=""
cleanup() {
    for pid in $prom_pid $lp_pid; do
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

# Wait up to $1 seconds for the command in the remaining arguments to succeed.
wait_for() {
    local limit=$1
    shift
    local end=$((SECONDS + limit))
    until "$@"; do
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 0.2
    done
}

cat >"$tmp/scenario.toml" <<'EOF'
name = "prometheus-check"
target = "reference"

[load]
rate = 200
duration = "20s"
connections = 20
warmup = "2s"

[[requests]]
name = "list_orders"
path = "/orders"
query = { limit = 5 }
weight = 3
  [requests.expect]
  status = [200]

[[requests]]
name = "slow"
path = "/delay"
query = { ms = "${rand.int(1, 30)}" }
weight = 1
EOF

# --metrics-hold: keep the final figures up long enough for a few more 1 s scrapes.
"$bin" run "$tmp/scenario.toml" --duration "$duration" --progress none --quiet \
    --out "$tmp/out" --metrics-listen 127.0.0.1:0 --metrics-hold 4s \
    >"$tmp/loadproof.out" 2>"$tmp/loadproof.err" &
lp_pid=$!
address_or_exit() {
    grep -q '^metrics: listening on ' "$tmp/loadproof.err" || ! kill -0 "$lp_pid" 2>/dev/null
}
wait_for 30 address_or_exit
grep -q '^metrics: listening on ' "$tmp/loadproof.err" ||
    fail "loadproof printed no metrics address: $(cat "$tmp/loadproof.err")"
target="$(sed -n 's|^metrics: listening on http://\(.*\)/metrics$|\1|p' "$tmp/loadproof.err" | head -n1)"
say "loadproof (pid $lp_pid) serves http://$target/metrics"

prom_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
  - job_name: loadproof
    static_configs:
      - targets: ["$target"]
EOF
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
    --web.listen-address="127.0.0.1:$prom_port" >"$tmp/prometheus.log" 2>&1 &
prom_pid=$!
api="http://127.0.0.1:$prom_port"
wait_for 30 curl -fsS -o /dev/null "$api/-/ready" 2>/dev/null ||
    fail "Prometheus did not become ready: $(tail -n 20 "$tmp/prometheus.log")"
say "Prometheus (pid $prom_pid) on $api scrapes it every 1 s"

# The run: the load, then the hold. Bounded well past the planned length.
end=$((SECONDS + 180))
while kill -0 "$lp_pid" 2>/dev/null; do
    [ "$SECONDS" -lt "$end" ] || fail "loadproof still running after 180 s"
    sleep 0.5
done
set +e
wait "$lp_pid"
lp_code=$?
set -e
lp_pid=""
[ "$lp_code" -eq 0 ] || fail "loadproof exited $lp_code: $(cat "$tmp/loadproof.err")"

# One PromQL query, evaluated now; prints the single value of its result ("none" if empty).
query() {
    curl -fsS --get "$api/api/v1/query" --data-urlencode "query=$1" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["status"] == "success", r
v = r["data"]["result"]
print(v[0]["value"][1] if v else "none")'
}
report() {
    python3 -c 'import json, sys; print(eval("r" + sys.argv[2], {"r": json.load(open(sys.argv[1]))}))' \
        "$tmp/out/report.json" "$1"
}

# Counters only grow, so a series' largest value over the run is its last: that is the figure
# to compare (after loadproof exits, an instant `sum(loadproof_requests_total)` is stale).
window="10m"
failures=0
check() {
    local what=$1 promql=$2 expected=$3
    local got
    got="$(query "$promql")"
    if [ "$got" = "$expected" ]; then
        say "ok   $what: $promql = $got (report.json: $expected)"
    else
        say "FAIL $what: $promql = $got, report.json says $expected"
        failures=$((failures + 1))
    fi
}
scrapes="$(query "count_over_time(up{job=\"loadproof\"}[$window])")"
say "Prometheus stored $scrapes scrapes of loadproof"
check "requests" "sum(max_over_time(loadproof_requests_total[$window]))" "$(report '["totals"]["requests"]')"
check "responses" "sum(max_over_time(loadproof_responses_total[$window]))" "$(report '["totals"]["responses"]')"
check "request errors" "sum(max_over_time(loadproof_request_errors_total[$window]))" "$(report '["totals"]["request_errors"]')"
check "due (open loop)" "max_over_time(loadproof_due_total[$window])" "$(report '["open_loop"]["due"]')"
check "the done phase was scraped" "max_over_time(loadproof_phase{phase=\"done\"}[$window])" "1"
check "latency count = responses" \
    "sum(max_over_time(loadproof_latency_seconds_count[$window]))" "$(report '["totals"]["responses"]')"
# Live, not only at the end: most scrapes fell in the load phase, and the count grew in them.
load_scrapes="$(query "sum_over_time(loadproof_phase{phase=\"load\"}[$window])")"
growth="$(query "max_over_time(changes(sum(loadproof_requests_total)[$window:1s])[$window:1s])")"
if [ "${load_scrapes%.*}" -ge 10 ] 2>/dev/null && [ "${growth%.*}" -ge 10 ] 2>/dev/null; then
    say "ok   live: $load_scrapes scrapes in the load phase; the request count changed $growth times"
else
    say "FAIL live: $load_scrapes scrapes in the load phase, $growth changes of the request count (want >= 10 each)"
    failures=$((failures + 1))
fi
rate="$(query "max_over_time(sum(rate(loadproof_requests_total[5s]))[$window:1s])")"
p99="$(query "histogram_quantile(0.99, sum by (le) (max_over_time(loadproof_latency_seconds_bucket[$window])))")"
say "info highest 5 s request rate seen: $rate req/s (planned 200); p99 interpolated in the fixed buckets: $p99 s (HDR, report: $(report '["latency_ms"]["p99"]') ms)"

if [ "$failures" -ne 0 ]; then
    fail "$failures check(s) failed"
fi
say "PASS"
