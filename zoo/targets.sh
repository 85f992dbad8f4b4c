#!/usr/bin/env bash
# zoo/targets.sh start|stop|status|list [name...]
#
# Starts the zoo's third-party servers on 127.0.0.1, each on a free port, and stops exactly the
# processes it started. Per target it writes zoo/.run/<name>.pid, zoo/.run/<name>.url and
# zoo/.run/<name>.log. A port is picked by binding port 0 with python and releasing it (a
# tiny race with other programs is possible; start then fails and says so).
# `start` waits (at most 20 s per target) until GET /health answers 200; /health is never rate
# limited, so waiting spends no quota. `stop` sends TERM to the recorded PID (each server is
# started as a plain child, not as a process group), waits up to 5 s, then KILL, and removes
# the pid/url files. With no names: every target.
# The *-maxburst targets are second instances of the same app and configuration (their own
# limiter state), for the scenarios that set `max_burst = 1.0`.
# Install first: zoo/install.sh.
set -uo pipefail
ZOO="$(cd "$(dirname "$0")" && pwd)"
RUN="$ZOO/.run"
APPS="$ZOO/apps"
PY="$ZOO/.venv/bin/python"
mkdir -p "$RUN"

ALL="rl-flask-fixed rl-flask-moving rl-flask-swc rl-slowapi rl-nginx rl-nginx-burst rl-express-d6 rl-express-d8
rl-flask-fixed-maxburst rl-flask-moving-maxburst
page-drf-page page-drf-offset page-drf-cursor page-fastapi page-fastapi-offset
err-fastapi err-flask err-problem err-problem-strict
idem-express idem-nodecore idem-asgi-header idem-fastapi-idem"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# launch NAME PORT: run the target's server in the background, print its PID. Every branch
# `exec`s its server, so the backgrounded subshell *becomes* the server and $! is the server's
# own PID (without exec, $! would be a bash subshell and killing it would orphan the server).
launch() {
  local name="$1" port="$2" log="$RUN/$1.log"
  export ZOO_PORT="$port"
  export NODE_ENV=production   # express: production error pages (no stack traces), as deployed
  case "$name" in
    rl-flask-fixed|rl-flask-fixed-maxburst)   ZOO_STRATEGY=fixed-window  exec "$PY" "$APPS/rl_flask.py" ;;
    rl-flask-moving|rl-flask-moving-maxburst) ZOO_STRATEGY=moving-window exec "$PY" "$APPS/rl_flask.py" ;;
    rl-flask-swc)     ZOO_STRATEGY=sliding-window-counter exec "$PY" "$APPS/rl_flask.py" ;;
    rl-slowapi)       exec "$PY" "$APPS/rl_slowapi.py" ;;
    rl-nginx|rl-nginx-burst)
      local burst=""; [ "$name" = rl-nginx-burst ] && burst=" burst=3 nodelay"
      mkdir -p "$RUN/$name.tmp"
      sed "s#__RUN__#$RUN#g; s#__PORT__#$port#g; s#__APPS__#$APPS#g; s#__NAME__#$name#g; s#__BURST__#$burst#g" \
        "$APPS/nginx/nginx.conf.in" >"$RUN/$name.nginx.conf"
      # -e: nginx >= 1.19.5 takes the error-log path before reading the config
      exec /usr/sbin/nginx -p "$RUN" -e "$RUN/$name.error.log" -c "$RUN/$name.nginx.conf" ;;
    rl-express-d6)    ZOO_DRAFT=draft-6 exec node "$APPS/rl_express.js" ;;
    rl-express-d8)    ZOO_DRAFT=draft-8 exec node "$APPS/rl_express.js" ;;
    page-drf-page)    ZOO_PAGINATOR=page   exec "$PY" "$APPS/page_drf.py" ;;
    page-drf-offset)  ZOO_PAGINATOR=offset exec "$PY" "$APPS/page_drf.py" ;;
    page-drf-cursor)  ZOO_PAGINATOR=cursor exec "$PY" "$APPS/page_drf.py" ;;
    page-fastapi)     ZOO_PAGE=page   exec "$PY" "$APPS/page_fastapi.py" ;;
    page-fastapi-offset) ZOO_PAGE=offset exec "$PY" "$APPS/page_fastapi.py" ;;
    err-fastapi)      ZOO_ERRORS=default        exec "$PY" "$APPS/err_fastapi.py" ;;
    err-problem)      ZOO_ERRORS=problem        exec "$PY" "$APPS/err_fastapi.py" ;;
    err-problem-strict) ZOO_ERRORS=problem-strict exec "$PY" "$APPS/err_fastapi.py" ;;
    err-flask)        exec "$PY" "$APPS/err_flask.py" ;;
    idem-express)     exec node "$APPS/idem_express.js" ;;
    idem-nodecore)    exec node "$APPS/idem_nodecore.js" ;;
    idem-asgi-header) ZOO_MIDDLEWARE=asgi-idempotency-header exec "$PY" "$APPS/idem_asgi.py" ;;
    idem-fastapi-idem) ZOO_MIDDLEWARE=fastapi-idempotency    exec "$PY" "$APPS/idem_asgi.py" ;;
    *) echo "unknown target: $name (targets: $(echo $ALL))" >&2; return 2 ;;
  esac </dev/null >"$log" 2>&1 &
  echo $!
}

alive() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

start_one() {
  local name="$1" port pid url i
  if alive "$name"; then echo "$name: already running, pid $(cat "$RUN/$name.pid"), $(cat "$RUN/$name.url")"; return 0; fi
  rm -f "$RUN/$name.pid" "$RUN/$name.url"
  port="$(free_port)" || return 1
  pid="$(launch "$name" "$port")" || return 1
  echo "$pid" >"$RUN/$name.pid"
  url="http://127.0.0.1:$port"
  for i in $(seq 1 100); do   # 100 x 0.2 s = 20 s at most
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name: exited during start-up; last lines of $RUN/$name.log:" >&2; tail -5 "$RUN/$name.log" >&2
      rm -f "$RUN/$name.pid"; return 1
    fi
    if python3 - "$url/health" <<'PY' 2>/dev/null
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=1) as r:
    sys.exit(0 if r.status == 200 else 1)
PY
    then echo "$url" >"$RUN/$name.url"; echo "$name: $url (pid $pid)"; return 0; fi
    sleep 0.2
  done
  echo "$name: no answer on $url within 20 s; stopping it" >&2
  stop_one "$name"; return 1
}

# is_ours PID: the process's command line points into this zoo (guards against a reused PID).
is_ours() { [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q -e "$APPS/" -e "$RUN/"; }

stop_one() {
  local name="$1" pid i
  [ -f "$RUN/$name.pid" ] || { echo "$name: not running"; return 0; }
  pid="$(cat "$RUN/$name.pid")"
  if kill -0 "$pid" 2>/dev/null && ! is_ours "$pid"; then
    echo "$name: pid $pid is not a zoo server any more; not touching it"
  elif kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    echo "$name: stopped pid $pid"
  else
    echo "$name: pid $pid was not running"
  fi
  rm -f "$RUN/$name.pid" "$RUN/$name.url"
}

cmd="${1:-status}"; shift || true
names="$*"; [ -n "$names" ] || names="$ALL"
rc=0
case "$cmd" in
  start)  for n in $names; do start_one "$n" || rc=1; done ;;
  stop)   for n in $names; do stop_one "$n"; done ;;
  status) for n in $names; do if alive "$n"; then echo "$n: running, pid $(cat "$RUN/$n.pid"), $(cat "$RUN/$n.url" 2>/dev/null)"; else echo "$n: stopped"; fi; done ;;
  list)   for n in $ALL; do echo "$n"; done ;;
  *) echo "usage: zoo/targets.sh start|stop|status|list [name...]" >&2; exit 2 ;;
esac
exit $rc
