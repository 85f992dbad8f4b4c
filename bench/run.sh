#!/usr/bin/env bash
# loadproof's benchmark: client CPU per request against wrk and oha, and coordinated omission.
#
#   bench/run.sh throughput [REPS] [SECONDS]   # closed loop, 50 connections, nginx on 127.0.0.1
#   bench/run.sh omission                      # 500 req/s, 1 s stall every 5 s, 15 s
#   bench/run.sh passive [REPS] [SECONDS]      # the CPU cost of the passive checks (on vs off)
#   bench/run.sh precision [REPS] [SECONDS]    # open-loop timing precision: open-loop p50 at 200
#                                              # and 1000 req/s against the closed-loop p50, and
#                                              # loadproof's own send delay (nginx, 127.0.0.1)
#   bench/run.sh compare [RUNS] [SECONDS]     # the noise model of `loadproof compare`: every pair of
#                                              # RUNS unchanged runs (false regressions) and every
#                                              # unchanged run against runs of a target slowed by
#                                              # 1 ms and 5 ms (detections); reference API, open loop
#   bench/run.sh h2 [REPS] [SECONDS]           # HTTP/2: nginx h2c (prior knowledge), 10 connections x
#                                              # 10 streams, loadproof vs h2load (nghttp2-client)
#   bench/run.sh conns [REPS]                  # many keep-alive connections: loadproof vs wrk at
#                                              # 50, 5000, 9900 and 10000 connections, 8 s each;
#                                              # peak RSS, RSS per connection, CPU per request
#                                              # (all and user alone); CONNS_NS="50 10000"
#                                              # for fewer counts
#   bench/run.sh threads [REPS] [SECONDS]      # --threads 1..N at the same closed-loop load (50
#                                              # connections, nginx on 127.0.0.1): req/s, CPU per
#                                              # request and latency per thread count, the
#                                              # evidence for the default (src/plan: default_threads);
#                                              # THREADS_NS="1 2 4 8" picks the counts (default
#                                              # 1..8 then doubling, and the CPU count),
#                                              # NGINX_WORKERS=auto gives the target
#                                              # more than one core on a larger machine
#   BEFORE=path/to/loadproof bench/run.sh passive [REPS] [SECONDS]
#                                              # the same, for this build and an earlier one,
#                                              # interleaved (rows `before-passive-*`)
#   BEFORE=path/to/loadproof bench/run.sh throughput [REPS] [SECONDS]
#   BEFORE=path/to/loadproof bench/run.sh conns [REPS]
#                                              # adds an earlier build to the rotation (rows
#                                              # `before`; conns: each N's CPU and user CPU per
#                                              # request paired with it)
#
# It installs what is missing (nginx, wrk, h2load, GNU time from Debian; oha from crates.io into
# bench/.tools), talks only to 127.0.0.1, bounds every run in time, and stops only the processes
# it started, by PID. Raw output goes to stdout; redirect it into bench/results/ to keep it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
MODE=${1:-throughput}
REPS=${2:-3}
SECS=${3:-8}
CONNS=50
TOOLS="$ROOT/bench/.tools"
WORK=$(mktemp -d /tmp/loadproof-bench.XXXXXX)
PIDS=()
export BENCH_STATE="$WORK/rows.jsonl"
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

need_apt() { # command package
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "# installing $2 (apt)" >&2
  (apt-get update -qq && apt-get install -y -qq "$2") >/dev/null
}
[ -x /usr/bin/time ] || need_apt /usr/bin/time time
OHA="$TOOLS/bin/oha"
# The passive mode measures loadproof against its own reference server: no peer tool needed.
if [ "$MODE" != passive ] && [ "$MODE" != compare ]; then
  need_apt nginx nginx
  need_apt wrk wrk
  [ "$MODE" = h2 ] && need_apt h2load nghttp2-client
  # h2 and conns compare with h2load and wrk only: no oha to build for them.
  if [ "$MODE" != h2 ] && [ "$MODE" != conns ] && [ ! -x "$OHA" ]; then
    echo "# installing oha (cargo install, a few minutes)" >&2
    cargo install --quiet --locked oha --root "$TOOLS" >&2
  fi
fi
cargo build --release --quiet
LP="${CARGO_TARGET_DIR:-$ROOT/target}/release/loadproof"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# time_run NAME OUTFILE CMD...: runs CMD under GNU time (bounded by `timeout`), appending
# "wall user sys maxrss_kb" to OUTFILE.time.
time_run() {
  local out=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$out.time" timeout 120 "$@" >"$out" 2>&1 || true
}

# start_nginx [TEMPLATE [CURL_ARGS...]]: the fixed target (bench/nginx.conf.in unless another
# template is named) on a free 127.0.0.1 port, checked with one curl request (CURL_ARGS, e.g.
# --http2-prior-knowledge for an h2c listener); sets PORT, URL and NGINX_PID.
start_nginx() {
  local template=${1:-bench/nginx.conf.in}
  [ $# -gt 0 ] && shift
  PORT=$(free_port)
  mkdir -p "$WORK/nginx"
  sed "s#__PREFIX__#$WORK/nginx#g; s#__PORT__#$PORT#g; s#__NOFILE__#$(ulimit -Hn)#g; s#^worker_processes 1;#worker_processes ${NGINX_WORKERS:-1};#" "$template" >"$WORK/nginx/nginx.conf"
  nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
  NGINX_PID=$!
  PIDS+=($NGINX_PID)
  sleep 1
  URL="http://127.0.0.1:$PORT/"
  curl -fsS "$@" "$URL" >/dev/null
}

# stop_nginx: stops the nginx start_nginx started (its master, by PID; the master stops its worker).
# It leaves PIDS, so that the cleanup can never signal a later process given the same PID.
stop_nginx() {
  kill "$NGINX_PID" 2>/dev/null || true
  wait "$NGINX_PID" 2>/dev/null || true
  local keep=() p
  for p in "${PIDS[@]}"; do [ "$p" != "$NGINX_PID" ] && keep+=("$p"); done
  PIDS=("${keep[@]}")
}

echo "# loadproof benchmark · $(date -u +%Y-%m-%dT%H:%M:%SZ) · $(nproc) CPUs · $(uname -r)"
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') · $(free -g | awk '/Mem:/{print $2}') GiB"
if [ "$MODE" = passive ]; then
  echo "# loadproof $($LP --version | cut -d' ' -f2) ($(git rev-parse --short HEAD))${BEFORE:+ · before: $BEFORE}"
elif [ "$MODE" = h2 ]; then
  echo "# loadproof $($LP --version | cut -d' ' -f2) ($(git rev-parse --short HEAD)) · $(h2load --version | head -1) · $(nginx -v 2>&1 | cut -d' ' -f3)"
elif [ "$MODE" = conns ]; then
  echo "# loadproof $($LP --version | cut -d' ' -f2) ($(git rev-parse --short HEAD)) · $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2) · $(nginx -v 2>&1 | cut -d' ' -f3)"
else
  echo "# loadproof $($LP --version | cut -d' ' -f2) · $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2) · $($OHA --version)"
fi

case "$MODE" in
throughput)
  start_nginx
  echo "# target nginx (1 worker) $URL · $CONNS connections · ${SECS}s · $REPS repetitions, order rotated${BEFORE:+ · before: $BEFORE}"
  ORDER=(loadproof wrk oha)
  [ -n "${BEFORE:-}" ] && ORDER+=(before)
  n=${#ORDER[@]}
  for rep in $(seq 1 "$REPS"); do
    for i in $(seq 0 $((n - 1))); do
      tool=${ORDER[$(( (i + rep - 1) % n ))]}
      out="$WORK/$rep-$tool"
      case $tool in
        loadproof) time_run "$out" "$LP" run --url "$URL" -c "$CONNS" --duration "${SECS}s" --threads 1 --quiet --out "$out.d" ;;
        before) time_run "$out" "$BEFORE" run --url "$URL" -c "$CONNS" --duration "${SECS}s" --threads 1 --quiet --out "$out.d" ;;
        wrk) time_run "$out" wrk -t1 -c "$CONNS" -d "${SECS}s" --latency "$URL" ;;
        oha) time_run "$out" "$OHA" -z "${SECS}s" -c "$CONNS" --worker-threads 1 --no-tui --output-format json "$URL" ;;
      esac
      if [ "$tool" = before ]; then
        python3 bench/parse.py loadproof "$rep" "$out" before
      else
        python3 bench/parse.py "$tool" "$rep" "$out"
      fi
    done
  done
  ;;
omission)
  echo "# target: loadproof serve-reference --stall-every 5s --stall-for 1s · 500 req/s for 15 s"
  echo "# analytic: p50 = unstalled latency, p90 = 500 ms, p99 = 950 ms, p99.9 = 995 ms, mean = 100 ms (+ unstalled mean); 7500 sent"
  for c in 10 50; do
    "$LP" serve-reference --stall-every 5s --stall-for 1s >"$WORK/ref.log" 2>&1 &
    RPID=$!
    PIDS+=($RPID)
    sleep 1
    URL="$(grep -o 'http://[0-9.:]*' "$WORK/ref.log")/health"
    out="$WORK/co-lp-$c"
    time_run "$out" "$LP" run --url "$URL" --rate 500 --duration 15s --connections "$c" --quiet --out "$out.d"
    python3 bench/parse.py loadproof "c=$c" "$out"
    out="$WORK/co-oha-$c"
    time_run "$out" "$OHA" -z 15s -q 500 -c "$c" --latency-correction --no-tui --output-format json "$URL"
    python3 bench/parse.py oha-corrected "c=$c" "$out"
    out="$WORK/co-oha-raw-$c"
    time_run "$out" "$OHA" -z 15s -q 500 -c "$c" --no-tui --output-format json "$URL"
    python3 bench/parse.py oha-uncorrected "c=$c" "$out"
    kill "$RPID"
    wait "$RPID" 2>/dev/null || true
  done
  ;;
passive)
  # The cost of the passive checks: the same load with them on and off. A fresh reference server
  # per run, so no run inherits another's rate-limit window. With BEFORE set, each repetition
  # runs both builds, on and off; the server is always this build's reference API, so only the
  # client differs. A build's on and off run back to back (the pair a ratio is taken over is
  # seconds apart, not a rotation apart), and every other repetition runs the sequence reversed
  # (ABBA), so a drift of the machine's speed during a repetition weighs on both sides alike.
  # This machine's noise comes in bursts of seconds to minutes: many short repetitions
  # (`passive 24 3`) pin the median down better than a few long ones.
  echo "# target: loadproof serve-reference (fresh per run) · closed loop, 50 users, ${SECS}s · $REPS repetitions, pairs adjacent, order reversed every other repetition"
  SEQ=("passive-on $LP" "passive-off $LP")
  [ -n "${BEFORE:-}" ] && SEQ+=("before-passive-on $BEFORE" "before-passive-off $BEFORE")
  n=${#SEQ[@]}
  for rep in $(seq 1 "$REPS"); do
    for i in $(seq 0 $((n - 1))); do
      if (( rep % 2 )); then j=$i; else j=$((n - 1 - i)); fi
      read -r name bin <<<"${SEQ[$j]}"
      "$LP" serve-reference >"$WORK/ref.log" 2>&1 &
      RPID=$!
      PIDS+=($RPID)
      sleep 1
      URL="$(grep -o 'http://[0-9.:]*' "$WORK/ref.log")"
      out="$WORK/$rep-$name"
      time_run "$out" "$bin" run "bench/scenarios/${name#before-}.toml" --target "$URL" --duration "${SECS}s" --quiet --out "$out.d"
      python3 bench/parse.py loadproof "$rep" "$out" "$name"
      kill "$RPID"
      wait "$RPID" 2>/dev/null || true
    done
  done
  ;;
precision)
  # How much of an open-loop latency is loadproof's own timing. Against an idle, fast target the
  # open-loop p50 should sit within 50 µs of the closed-loop p50 (one user, back to back), at 200
  # and at 1000 req/s; `send_delay` is the run's own measure of it (actual send − due time). oha
  # with --latency-correction runs the same open loop for reference. Order rotated per repetition.
  start_nginx
  echo "# target nginx (1 worker) $URL · ${SECS}s per run · $REPS repetitions, order rotated"
  # The controls: one closed-loop user thinking 5 ms (1 ms) between requests leaves nginx idle as
  # long as 200 (1000) req/s do, and measures from the actual send: what is left of an open-loop
  # p50 above its control is loadproof's timing; what the control has above lp-closed is the
  # target's (and the kernel's) wake-up from idle, which any client sees at that spacing.
  for think in 5 1; do
    printf 'name = "think-%s"\ntarget = "http://127.0.0.1:%s"\n[load]\nusers = 1\nthink_time = "%sms"\nduration = "%ss"\n[[requests]]\nname = "root"\npath = "/"\n' \
      "$think" "$PORT" "$think" "$SECS" >"$WORK/think-$think.toml"
  done
  RUNS=(lp-closed lp-think-5ms lp-open-200 lp-think-1ms lp-open-1000 oha-open-200 oha-open-1000)
  for rep in $(seq 1 "$REPS"); do
    n=${#RUNS[@]}
    for i in $(seq 0 $((n - 1))); do
      name=${RUNS[$(( (i + rep) % n ))]}
      out="$WORK/$rep-$name"
      case $name in
        lp-closed) time_run "$out" "$LP" run --url "$URL" -c 1 --duration "${SECS}s" --quiet --out "$out.d" ;;
        lp-think-*) time_run "$out" "$LP" run "$WORK/think-$(echo "${name#lp-think-}" | tr -d ms).toml" --quiet --out "$out.d" ;;
        lp-open-*) time_run "$out" "$LP" run --url "$URL" --rate "${name#lp-open-}" --connections 10 --duration "${SECS}s" --quiet --out "$out.d" ;;
        oha-open-*) time_run "$out" "$OHA" -z "${SECS}s" -q "${name#oha-open-}" -c 10 --latency-correction --no-tui --output-format json "$URL" ;;
      esac
      python3 bench/precision.py "$name" "$rep" "$out"
    done
  done
  python3 bench/precision.py --summary
  exit 0
  ;;
compare)
  # Runs against a fresh reference API each (no delay, --delay 1ms, --delay 5ms), interleaved so
  # that a drift of the machine hits every kind alike; then `loadproof compare` on every pair of
  # unchanged runs (each flag is a false regression) and every unchanged run against every slowed
  # one (each flag is a detection). Default budget, no --force.
  RUNS=${2:-6}
  SECS=${3:-5}
  echo "# target: loadproof serve-reference (fresh per run) · open loop 200 req/s, 10 connections, ${SECS}s · $RUNS unchanged runs, $(( (RUNS + 1) / 2 )) each at +1 ms and +5 ms, interleaved"
  ORDER=()
  for i in $(seq 1 "$RUNS"); do
    ORDER+=("base-$i 0ms")
    [ $((i % 2)) -eq 1 ] && ORDER+=("d1-$i 1ms")
    [ $((i % 2)) -eq 0 ] && ORDER+=("d5-$i 5ms")
  done
  for entry in "${ORDER[@]}"; do
    read -r name delay <<<"$entry"
    args=()
    [ "$delay" != 0ms ] && args=(--delay "$delay")
    "$LP" serve-reference "${args[@]}" >"$WORK/ref.log" 2>&1 &
    RPID=$!
    PIDS+=($RPID)
    for _ in $(seq 1 50); do grep -q 'http://' "$WORK/ref.log" && break; sleep 0.1; done
    URL="$(grep -o 'http://[0-9.:]*' "$WORK/ref.log")"
    timeout 120 "$LP" run --url "$URL/health" --rate 200 --connections 10 --duration "${SECS}s" \
      --quiet --out "$WORK/$name" >/dev/null 2>&1 || true
    kill "$RPID"
    wait "$RPID" 2>/dev/null || true
  done
  python3 bench/compare.py "$LP" "$WORK"
  exit 0
  ;;
h2)
  # HTTP/2 against h2load: the same nginx h2c listener, 10 connections carrying 10 concurrent
  # streams each, closed loop. loadproof: 100 users sharing 10 connection lanes (each lane one
  # multiplexed HTTP/2 connection); h2load: -c 10 -m 10, one thread each.
  start_nginx bench/nginx-h2.conf.in --http2-prior-knowledge
  echo "# target nginx h2c (1 worker) $URL · 10 connections x 10 streams · ${SECS}s · $REPS repetitions, order rotated"
  ORDER=(loadproof h2load)
  for rep in $(seq 1 "$REPS"); do
    for i in 0 1; do
      tool=${ORDER[$(( (i + rep - 1) % 2 ))]}
      out="$WORK/$rep-$tool"
      case $tool in
        loadproof) time_run "$out" "$LP" run --url "$URL" --protocol h2c -c 100 --connections 10 --duration "${SECS}s" --threads 1 --quiet --out "$out.d" ;;
        h2load) time_run "$out" h2load -c 10 -m 10 -t 1 -D "$SECS" "$URL" ;;
      esac
      python3 bench/parse.py "$tool" "$rep" "$out"
    done
  done
  python3 bench/parse.py --paired h2load
  exit 0
  ;;
threads)
  # How throughput and CPU per request move with --threads at the same load (CONNS connections,
  # shared by the threads): the evidence for the default thread count. Client and target share
  # the machine, so on a small one more client threads take cores from the target; measure on
  # the largest machine there is (NGINX_WORKERS=auto, and THREADS_NS up to the CPUs left).
  start_nginx
  if [ -n "${THREADS_NS:-}" ]; then
    read -r -a TS <<<"$THREADS_NS"
  else
    # Every count up to 8, then doubling, and always the CPU count itself.
    TS=()
    cpus=$(nproc)
    for ((t = 1; t <= cpus; t = (t < 8 ? t + 1 : t * 2))); do TS+=("$t"); done
    if [ "${TS[-1]}" -ne "$cpus" ]; then TS+=("$cpus"); fi
  fi
  echo "# target nginx (${NGINX_WORKERS:-1} worker(s)) $URL · $CONNS connections · ${SECS}s · --threads ${TS[*]} · $REPS repetitions, order rotated"
  n=${#TS[@]}
  for rep in $(seq 1 "$REPS"); do
    for i in $(seq 0 $((n - 1))); do
      t=${TS[$(( (i + rep - 1) % n ))]}
      out="$WORK/$rep-threads-$t"
      time_run "$out" "$LP" run --url "$URL" -c "$CONNS" --duration "${SECS}s" --threads "$t" --quiet --out "$out.d"
      python3 bench/parse.py loadproof "$rep" "$out" "threads-$t"
    done
  done
  python3 bench/parse.py --paired "threads-${TS[0]}"
  exit 0
  ;;
conns)
  # Many keep-alive connections: peak RSS and CPU per request as the connection count grows.
  # A fresh nginx (on a fresh port) per run, so that one run's 10,000 client ports in TIME_WAIT
  # cannot collide with the next run's connects. 9900 is there because loadproof once budgeted
  # two descriptors per connection in closed loop too (src/engine/fds.rs) and refused 10,000 at
  # a hard limit of 20,000; it now budgets one (the timer descriptor is open-loop only).
  ulimit -n "$(ulimit -Hn)"
  echo "# open files: soft $(ulimit -n), hard $(ulimit -Hn) (raised the soft limit to the hard one)"
  SECS=8
  # CONNS_NS="50 10000" measures fewer counts (50 must stay: every "vs own 50" pairs with it).
  read -r -a NS <<<"${CONNS_NS:-50 5000 9900 10000}"
  echo "# target nginx (1 worker, fresh per run) · closed loop, N users on N connections · ${SECS}s · N = ${NS[*]} · $REPS repetitions, order rotated"
  ORDER=(loadproof wrk)
  [ -n "${BEFORE:-}" ] && ORDER+=(before)
  k=${#ORDER[@]}
  for rep in $(seq 1 "$REPS"); do
    for n in "${NS[@]}"; do
      for i in $(seq 0 $((k - 1))); do
        tool=${ORDER[$(( (i + rep - 1) % k ))]}
        out="$WORK/$rep-$n-$tool"
        start_nginx bench/nginx-conns.conf.in
        case $tool in
          loadproof) time_run "$out" "$LP" run --url "$URL" -c "$n" --connections "$n" --duration "${SECS}s" --threads 1 --quiet --out "$out.d" ;;
          before) time_run "$out" "$BEFORE" run --url "$URL" -c "$n" --connections "$n" --duration "${SECS}s" --threads 1 --quiet --out "$out.d" ;;
          wrk) time_run "$out" wrk -t1 -c "$n" -d "${SECS}s" --latency "$URL" ;;
        esac
        stop_nginx
        if [ "$tool" = before ]; then
          python3 bench/parse.py loadproof "$n/$rep" "$out" before
        else
          python3 bench/parse.py "$tool" "$n/$rep" "$out"
        fi
      done
    done
  done
  python3 bench/parse.py --conns
  exit 0
  ;;
*)
  echo "usage: bench/run.sh throughput [REPS] [SECONDS] | omission | passive [REPS] [SECONDS] | precision [REPS] [SECONDS] | compare [RUNS] [SECONDS] | h2 [REPS] [SECONDS] | conns [REPS] | threads [REPS] [SECONDS]" >&2
  exit 1
  ;;
esac
python3 bench/parse.py --summary
# An earlier build in the throughput rotation: CPU per request paired with it, per repetition.
if [ "$MODE" = throughput ] && [ -n "${BEFORE:-}" ]; then
  python3 bench/parse.py --paired before
fi
