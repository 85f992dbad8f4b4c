#!/usr/bin/env bash
# Renders the quickstart's report.html in headless Chromium (Debian's `chromium`) and fails on
# any console error, page error or non-file: request, or a chart that is missing or empty
# (tests/browser/check.mjs says what is checked).
#
#   .ci/browser-check.sh [--screenshot PATH [--max-height PX]]
#
# docs/report-screenshot.png is `--screenshot docs/report-screenshot.png --max-height 2000`
# (the verdict and the charts; the whole page is about 1 MB of PNG).
#
# Installs what it lacks: chromium through apt (CI runs as root), playwright-core through npm
# into tests/browser/ (pinned by its package-lock.json). Uses target/release/loadproof (under
# $CARGO_TARGET_DIR when set), building it only if it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."

screenshot=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --screenshot) [[ $# -ge 2 ]] || { echo "$0: --screenshot needs a path" >&2; exit 1; }
      screenshot+=(--screenshot "$(realpath -m "$2")"); shift 2 ;;
    --max-height) [[ $# -ge 2 ]] || { echo "$0: --max-height needs a number" >&2; exit 1; }
      screenshot+=(--max-height "$2"); shift 2 ;;
    *) echo "usage: $0 [--screenshot PATH [--max-height PX]]" >&2; exit 1 ;;
  esac
done

if [[ ! -x /usr/bin/chromium ]]; then
  echo "== installing chromium"
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -qq
  timeout 900 apt-get install -y -qq chromium >/dev/null
fi
if ! command -v node >/dev/null 2>&1; then
  echo "== installing nodejs and npm"
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -qq
  timeout 900 apt-get install -y -qq nodejs npm >/dev/null
fi
if [[ ! -d tests/browser/node_modules/playwright-core ]]; then
  echo "== npm ci (playwright-core)"
  (cd tests/browser && timeout 600 npm ci --no-audit --no-fund --loglevel=error)
fi

bin="${CARGO_TARGET_DIR:-target}/release/loadproof"
if [[ ! -x $bin ]]; then
  echo "== cargo build --release (for the browser check)"
  cargo build --release
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "== quickstart run into $out"
# The run's own verdict is not what this checks (the cargo tests do); its report.html is.
set +e
timeout 300 "$bin" run scenarios/quickstart.toml --out "$out/run" --quiet
rc=$?
set -e
if [[ ! -f $out/run/report.html ]]; then
  echo "browser check: the quickstart (exit $rc) wrote no report.html" >&2
  exit 1
fi

echo "== headless chromium: $out/run/report.html"
timeout 180 node tests/browser/check.mjs "$out/run/report.html" "${screenshot[@]}"
