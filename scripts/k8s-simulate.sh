#!/usr/bin/env bash
# The Kubernetes Indexed Job of deploy/kubernetes/, simulated on this machine with no cluster:
#   1. starts `loadproof serve-reference` on 127.0.0.1 (a free port), standing in for the
#      reference-api Service;
#   2. writes the scenario of configmap.yaml where the pods mount it, and picks START_AT a few
#      seconds ahead (the loadproof-start ConfigMap of a real run);
#   3. starts N processes (N = the Job's completions), each with the environment the Job gives
#      its pod: JOB_COMPLETION_INDEX=i, TARGET_URL, START_AT; and the container's args, read
#      from job-load.yaml and expanded as Kubernetes expands $(VAR) in args;
#   4. waits for all of them, then runs the args of job-merge.yaml and prints the merged result.
# Exits with the merge's exit code (0 ok, 3 inconclusive, 4 a check failed, 5 a threshold
# breached; 1 if the simulation itself could not run).
#
#   scripts/k8s-simulate.sh [--lead SECONDS] [--keep DIR]
#     --lead  how far ahead START_AT is (default 5 s: time for the processes to start)
#     --keep  write the results (DIR/results/0..N-1, DIR/results/merged, DIR/logs) there instead
#             of a temporary folder that is removed at the end
#   LOADPROOF=path/to/loadproof uses that binary instead of building target/release/loadproof.
#
# What differs from a cluster, and only this: the paths /scenario and /results are folders
# under the work folder; TARGET_URL is the local server's 127.0.0.1 URL instead of the Service
# name; and since the N processes share one address where the pods each have their own, each
# `--metrics-listen` gets its own free port on 127.0.0.1 instead of 0.0.0.0:9464. Everything
# else (args, index, start instant, merge) is taken from the manifests unchanged.
#
# Network: 127.0.0.1 only. Every process is bounded by `timeout`; on exit the script stops what
# it started (the server, any segment still running), by PID, and nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."

K8S_DIR=deploy/kubernetes
lead=5
keep=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --lead) [[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || { echo "$0: --lead needs a number of seconds" >&2; exit 1; }
      lead=$2; shift 2 ;;
    --keep) [[ $# -ge 2 ]] || { echo "$0: --keep needs a folder" >&2; exit 1; }
      keep=$(realpath -m "$2"); shift 2 ;;
    *) echo "usage: $0 [--lead SECONDS] [--keep DIR]" >&2; exit 1 ;;
  esac
done

if [[ -n ${LOADPROOF:-} ]]; then
  LP=$(realpath "$LOADPROOF")
else
  cargo build --release --quiet
  LP=$(realpath "${CARGO_TARGET_DIR:-target}/release/loadproof")
fi

# The Job's command needs these; say which is missing rather than simulate something else.
run_help=$("$LP" run --help)
for flag in --segment --start-at --metrics-listen; do
  if ! grep -q -- "$flag" <<<"$run_help"; then
    echo "k8s-simulate: $LP run has no $flag: the Job needs ${flag} (issue 15)" >&2
    exit 1
  fi
done
if ! "$LP" merge --help >/dev/null 2>&1; then
  echo "k8s-simulate: $LP has no merge command: the merge Job needs loadproof merge (issue 15)" >&2
  exit 1
fi
python3 -c 'import yaml' 2>/dev/null \
  || python3 -m pip install --quiet --disable-pip-version-check pyyaml >/dev/null

if [[ -n $keep ]]; then
  work=$keep
  mkdir -p "$work"
else
  work=$(mktemp -d /tmp/loadproof-k8s-sim.XXXXXX)
fi
mkdir -p "$work/scenario" "$work/results" "$work/logs"

server=""
pids=()
# shellcheck disable=SC2329  # invoked by the trap below
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [[ -n $server ]]; then kill "$server" 2>/dev/null || true; fi
  if [[ -z $keep ]]; then rm -rf "$work"; fi
}
trap cleanup EXIT

# What the manifests say, as shell-readable lines: N, the load args, the merge args, the
# container's plain env values, and the scenario written to where the ConfigMap is mounted.
manifest_py='
import sys, yaml
from pathlib import Path
folder, work = Path(sys.argv[1]), sys.argv[2]
docs = [d for p in sorted(folder.glob("*.yaml")) for d in yaml.safe_load_all(p.read_text()) if d]
def one(kind, name):
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)
load = one("Job", "loadproof-load")
merge = one("Job", "loadproof-merge")
scenario = one("ConfigMap", "loadproof-scenario")["data"]["scenario.toml"]
Path(work, "scenario", "scenario.toml").write_text(scenario)
container = load["spec"]["template"]["spec"]["containers"][0]
def local(a):
    # The two mounts, mapped to folders of the work folder.
    for mount in ("/scenario", "/results"):
        if a == mount or a.startswith(mount + "/"):
            return work + a
    return a
print(load["spec"]["completions"])
print("\0".join(local(a) for a in container["args"]))
print("\0".join(local(a) for a in merge["spec"]["template"]["spec"]["containers"][0]["args"]))
print("\0".join(e["name"] + "=" + e["value"] for e in container.get("env", []) if "value" in e))
'
{
  read -r n
  IFS= read -r load_line
  IFS= read -r merge_line
  IFS= read -r env_line
} < <(python3 -c "$manifest_py" "$K8S_DIR" "$work" | tr '\0' '\037')
IFS=$'\037' read -r -a load_args <<<"$load_line"
IFS=$'\037' read -r -a merge_args <<<"$merge_line"
IFS=$'\037' read -r -a job_env <<<"$env_line"
[[ $n =~ ^[0-9]+$ && $n -ge 1 ]] || { echo "k8s-simulate: completions is not a number: $n" >&2; exit 1; }

echo "== reference API (stands in for the reference-api Service)"
"$LP" serve-reference --port 0 >"$work/logs/server.log" 2>&1 &
server=$!
url=""
for _ in $(seq 100); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/logs/server.log" | head -n 1 || true)
  [[ -n $url ]] && break
  sleep 0.1
done
[[ -n $url ]] || { echo "k8s-simulate: serve-reference did not start:" >&2; cat "$work/logs/server.log" >&2; exit 1; }
echo "   $url (pid $server)"

start_at=$(date -u -d "+$lead seconds" +%Y-%m-%dT%H:%M:%SZ)

# Kubernetes' expansion of args: $(NAME) becomes the value of NAME in the container's
# environment, $$ becomes $, and a $(NAME) with no such variable is left as written.
# (Run under `env` with the pod's variables; prints the args NUL-separated.)
expand_py='
import os, re, sys
def sub(m):
    if m.group(0) == "$$":
        return "$"
    return os.environ.get(m.group(1), m.group(0))
for a in sys.argv[1:]:
    sys.stdout.write(re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)", sub, a) + "\0")
'
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Generous bounds: the wait for START_AT, the scenario's load, its checks and the drain.
seg_limit=$((lead + 600))
echo "== $n segments, START_AT=$start_at (paths below are under $work)"
for ((i = 0; i < n; i++)); do
  env_i=("${job_env[@]}" "TARGET_URL=$url" "START_AT=$start_at" "JOB_COMPLETION_INDEX=$i")
  mapfile -d '' args_i < <(env "${env_i[@]}" python3 -c "$expand_py" "${load_args[@]}")
  # One address for all N processes: each its own metrics port on loopback.
  for ((k = 0; k < ${#args_i[@]}; k++)); do
    if [[ ${args_i[k]} == --metrics-listen ]]; then args_i[k + 1]="127.0.0.1:$(free_port)"; fi
  done
  echo "   [$i] JOB_COMPLETION_INDEX=$i loadproof ${args_i[*]#"$work"}"
  env "${env_i[@]}" timeout "$seg_limit" "$LP" "${args_i[@]}" >"$work/logs/segment-$i.log" 2>&1 &
  pids+=("$!")
done

codes=()
for ((i = 0; i < n; i++)); do
  code=0
  wait "${pids[i]}" || code=$?
  codes+=("$code")
done
pids=()
for ((i = 0; i < n; i++)); do
  echo "   [$i] exit ${codes[i]} (log: logs/segment-$i.log)"
  if [[ ${codes[i]} -eq 124 || ! -f $work/results/$i/report.json ]]; then
    echo "k8s-simulate: segment $i wrote no report (exit ${codes[i]}); its log:" >&2
    tail -n 20 "$work/logs/segment-$i.log" >&2
  fi
done
kill "$server" 2>/dev/null || true
wait "$server" 2>/dev/null || true
server=""

echo "== merge: loadproof ${merge_args[*]#"$work"}"
merge_code=0
timeout 300 "$LP" "${merge_args[@]}" || merge_code=$?
if [[ -f $work/results/merged/summary.md ]]; then
  echo "== results/merged/summary.md"
  cat "$work/results/merged/summary.md"
fi
echo "== merge exit $merge_code (segments: ${codes[*]})"
[[ -n $keep ]] && echo "   results kept in $work"
exit "$merge_code"
