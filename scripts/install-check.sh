#!/usr/bin/env bash
# Install loadproof the way a user does (`cargo install --path . --locked`) into a temporary
# root, then run the installed binary: --version, completions, man page, and the quickstart
# and the order-lifecycle flow example (each expecting exit 0). Reuses ${CARGO_TARGET_DIR:-target} so an existing release build is not
# redone from scratch. Writes only temporary directories, removed on exit.
#
#   scripts/install-check.sh
set -euo pipefail

cd "$(dirname "$0")/.."
root="$(mktemp -d)"
out="$(mktemp -d)"
trap 'rm -rf "$root" "$out"' EXIT

cargo install --path . --root "$root" --locked --target-dir "${CARGO_TARGET_DIR:-target}"
bin="$root/bin/loadproof"

step() {
    echo "install-check: $*" >&2
}

# Each output is captured whole before it is searched: `grep -q` in a pipe could exit early and
# make pipefail blame the producer.
step "--version"
version="$("$bin" --version)"
grep -q '^loadproof ' <<<"$version"

step "completions bash"
script="$("$bin" completions bash)"
grep -q -- '--rate' <<<"$script"

step "man"
page="$("$bin" man)"
grep -q '^\.TH loadproof 1' <<<"$page"

step "run scenarios/quickstart.toml"
# A hung run must not hang the check: the quickstart plans 5 s of load.
if ! timeout 300 "$bin" run scenarios/quickstart.toml --out "$out/r" --quiet; then
    echo "install-check: the quickstart did not exit 0" >&2
    exit 1
fi
test -s "$out/r/report.json"

step "run scenarios/examples/order-lifecycle.toml"
# The create -> read -> delete flow with captures and a CSV data file (issue 14's "done means").
if ! timeout 300 "$bin" run scenarios/examples/order-lifecycle.toml --out "$out/f" --quiet; then
    echo "install-check: the order-lifecycle flow example did not exit 0" >&2
    exit 1
fi
grep -q '"completed"' "$out/f/report.json"

echo "install-check: ok ($version)"
