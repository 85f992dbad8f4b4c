#!/usr/bin/env bash
# The detection matrix from the command line: for each reference-API fault, start
# `loadproof serve-reference --fault F` on 127.0.0.1, run the quickstart against it, and print the
# exit code and the checks that failed. The first row is the correct server (expected exit 0).
# The last row runs the correct server with `max_burst = 1.0`: its limiter is a fixed window,
# whose boundary burst RL-10 must then fail.
# Stops only the servers it started, by PID; every run is bounded by `timeout`.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
LP=target/release/loadproof
WORK=$(mktemp -d /tmp/loadproof-matrix.XXXXXX)
SERVER=""
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT
printf '%-28s %-5s %s\n' "fault" "exit" "failed checks"
for fault in none idempotency-race idempotency-no-replay idempotency-ignore-mismatch \
  idempotency-error-not-stored idempotency-global-keys \
  ratelimit-lying ratelimit-no-retry-after ratelimit-malformed \
  pagination-offset pagination-loop pagination-cursor-500 \
  errors-html errors-stack-trace errors-status-mismatch errors-no-request-id \
  success-no-request-id request-id-not-echoed max-burst-1.0; do
  args=()
  scenario=scenarios/quickstart.toml
  case "$fault" in
    none) ;;
    max-burst-1.0)
      sed 's/^\[checks.rate_limit\]$/[checks.rate_limit]\nmax_burst = 1.0/' scenarios/quickstart.toml >"$WORK/max-burst.toml"
      scenario="$WORK/max-burst.toml" ;;
    *) args=(--fault "$fault") ;;
  esac
  "$LP" serve-reference "${args[@]}" >"$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 50); do grep -q 'listening on' "$WORK/server.log" && break; sleep 0.1; done
  url=$(grep -o 'http://[0-9.:]*' "$WORK/server.log")
  code=0
  timeout 120 "$LP" run "$scenario" --target "$url" --duration 2s --quiet \
    --out "$WORK/$fault" >/dev/null 2>&1 || code=$?
  failed=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(" ".join(c["id"] for c in r["checks"] if c["status"]=="fail") or "-")' "$WORK/$fault/report.json")
  printf '%-28s %-5s %s\n' "$fault" "$code" "$failed"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
done
