#!/usr/bin/env bash
# scripts/zoo-matrix.sh [--compat] [--jobs N] [--no-build] [target...]
#
# Runs loadproof against the zoo (zoo/README.md) and prints, per target and check ID, the verdict
# zoo/expected.toml derives from the ground truth (zoo/GROUND_TRUTH.md) against what loadproof
# said, plus each run's exit code. Output is a plain table on stdout; tee it into bench/results/.
#
#   scripts/zoo-matrix.sh                      # every target in zoo/expected.toml
#   scripts/zoo-matrix.sh rl-slowapi err-flask # a subset
#   scripts/zoo-matrix.sh --compat             # first strip the scenario keys this loadproof
#                                              # build does not know yet (see below)
#
# - Builds loadproof (`cargo build --release` here; honours CARGO_TARGET_DIR) unless --no-build.
# - Restarts the chosen targets (zoo/targets.sh stop + start) so every run starts from fresh
#   limiter windows and a freshly seeded listing, and stops them by PID on exit (trap).
# - Runs up to N scenarios at once (--jobs, default 4: the runs mostly wait on rate-limit
#   windows). Each run is bounded by `timeout` (ZOO_RUN_TIMEOUT, default 420 s); the whole
#   matrix stops launching runs after ZOO_MATRIX_BUDGET seconds (default 1800).
# - --compat: copies each scenario without the keys added by issue 11 (`skip`, `quota`, `window`,
#   `max_wait`, `max_burst`, `algorithm`, `page_param`, `offset_param`, `first_page`, `total`),
#   so an older build can run them at all; the table says so in its header.
# Exit status: 0 when every row matches, 1 when any row is a MISMATCH or a run failed to report,
# 2 on usage/setup errors.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

COMPAT=0; JOBS=4; BUILD=1; NAMES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --compat) COMPAT=1 ;;
    --jobs) shift; JOBS="${1:?--jobs needs a number}" ;;
    --no-build) BUILD=0 ;;
    -h|--help) sed -n 2,26p "$0"; exit 0 ;;
    -*) echo "zoo-matrix: unknown option $1" >&2; exit 2 ;;
    *) NAMES+=("$1") ;;
  esac
  shift
done
RUN_TIMEOUT="${ZOO_RUN_TIMEOUT:-420}"
BUDGET="${ZOO_MATRIX_BUDGET:-1800}"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/loadproof"

[ -x zoo/.venv/bin/python ] || { echo "zoo-matrix: run zoo/install.sh first" >&2; exit 2; }
if [ ${#NAMES[@]} -eq 0 ]; then
  mapfile -t NAMES < <(python3 -c 'import tomllib; print("\n".join(tomllib.load(open("zoo/expected.toml","rb"))["targets"]))')
fi

if [ "$BUILD" = 1 ]; then
  echo "zoo-matrix: cargo build --release" >&2
  cargo build --release -q >&2 || { echo "zoo-matrix: build failed" >&2; exit 2; }
fi
[ -x "$BIN" ] || { echo "zoo-matrix: no binary at $BIN" >&2; exit 2; }

OUT="$(mktemp -d /tmp/zoo-matrix.XXXXXX)"
cleanup() { zoo/targets.sh stop "${NAMES[@]}" >&2; }
trap cleanup EXIT
trap 'exit 130' INT TERM

T0=$(date +%s)
zoo/targets.sh stop "${NAMES[@]}" >/dev/null 2>&1
zoo/targets.sh start "${NAMES[@]}" >&2 || echo "zoo-matrix: some targets did not start (their rows will say so)" >&2

run_one() {
  local n="$1" scen="zoo/scenarios/$1.toml" dir="$OUT/$1" t
  mkdir -p "$dir"
  if [ ! -f "zoo/.run/$n.url" ]; then echo "not-started" >"$dir/exit"; return; fi
  if [ "$COMPAT" = 1 ]; then
    grep -v -E '^[[:space:]]*(skip|quota|window|max_wait|max_burst|algorithm|page_param|offset_param|first_page|total)[[:space:]]*=' \
      "$scen" >"$dir/scenario.toml"
    scen="$dir/scenario.toml"
  fi
  t=$(date +%s)
  timeout "$RUN_TIMEOUT" "$BIN" run "$scen" --target "$(cat "zoo/.run/$n.url")" --out "$dir/report" -q \
    >"$dir/stdout" 2>"$dir/stderr"
  echo $? >"$dir/exit"
  echo $(( $(date +%s) - t )) >"$dir/seconds"
}

running=0
for n in "${NAMES[@]}"; do
  if [ $(( $(date +%s) - T0 )) -ge "$BUDGET" ]; then
    echo "zoo-matrix: budget of $BUDGET s spent; $n not run" >&2; mkdir -p "$OUT/$n"; echo "over-budget" >"$OUT/$n/exit"; continue
  fi
  echo "zoo-matrix: running $n" >&2
  run_one "$n" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then wait -n; running=$((running - 1)); fi
done
wait
ELAPSED=$(( $(date +%s) - T0 ))
echo "zoo-matrix: reports and logs in $OUT" >&2

python3 - "$OUT" "$COMPAT" "$ELAPSED" "$BIN" "${NAMES[@]}" <<'PY'
import json, os, subprocess, sys, tomllib
out, compat, elapsed, binary, names = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3]), sys.argv[4], sys.argv[5:]
exp = tomllib.load(open("zoo/expected.toml", "rb"))["targets"]
try:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    ver = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
except Exception:
    head, ver = "?", "?"
print(f"# zoo matrix — loadproof {ver} at {head}{' — COMPAT: keys unknown to this build stripped from the scenarios' if compat else ''}")
print(f"# {len(names)} targets, {elapsed} s wall time; expected = zoo/expected.toml (from zoo/GROUND_TRUTH.md)")
print(f"{'target':<20} {'check':<14} {'expected':<9} {'got':<9} result")
bad = 0
for n in names:
    e = exp.get(n, {})
    d = os.path.join(out, n)
    code = open(os.path.join(d, "exit")).read().strip() if os.path.exists(os.path.join(d, "exit")) else "?"
    secs = open(os.path.join(d, "seconds")).read().strip() if os.path.exists(os.path.join(d, "seconds")) else "?"
    rep = os.path.join(d, "report", "report.json")
    got, msgs = {}, {}
    if os.path.exists(rep):
        for c in json.load(open(rep)).get("checks", []):
            got[c["id"]] = c["status"]
            msgs[c["id"]] = c.get("message", "")
    checks = e.get("checks", {})
    for cid, spec in checks.items():
        g = got.get(cid, "-")
        ok = g == spec["verdict"] or g in spec.get("also", [])
        res = "match" if ok else "MISMATCH"
        if ok and g != spec["verdict"]:
            res = "match (accepted alternative)"
        # Some rows also name what the message must say (RL-10: the limiter's class).
        says = spec.get("says")
        if says and g == spec["verdict"]:
            if says in msgs.get(cid, ""):
                res += f" — says \"{says}\""
            else:
                ok = False
                res = f"MISMATCH — should say \"{says}\": {msgs.get(cid, '')[:90]}"
        bad += not ok
        print(f"{n:<20} {cid:<14} {spec['verdict']:<9} {g:<9} {res}")
    for cid in sorted(set(got) - set(checks)):
        if cid.startswith("EXPECT-"):
            continue
        print(f"{n:<20} {cid:<14} {'(none)':<9} {got[cid]:<9} not in expected.toml")
    ee = str(e.get("exit", "?"))
    why = ""
    if not os.path.exists(rep):
        err = open(os.path.join(d, "stderr")).read().strip().splitlines() if os.path.exists(os.path.join(d, "stderr")) else []
        why = " — no report: " + (err[0][:110] if err else code)
    ok = code == ee or code in [str(x) for x in e.get("exit_also", [])]
    bad += not ok
    res = ("match" if code == ee else "match (accepted alternative)") if ok else "MISMATCH"
    print(f"{n:<20} {'exit code':<14} {ee:<9} {code:<9} {res} ({secs} s){why}")
print(f"# {bad} mismatching row(s)")
sys.exit(1 if bad else 0)
PY
