#!/usr/bin/env bash
# Coverage-guided fuzzing of every target in fuzz/ with cargo-fuzz (libFuzzer), SECONDS each
# (default 60), then a summary line per target (executions, rate, coverage, corpus size).
#
# Works on stable Rust: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its unstable flags, and
# `--sanitizer none` avoids -Zsanitizer (ASan needs a nightly std). New interesting inputs land
# in fuzz/corpus/<target>/; shrink them with `cargo fuzz cmin <target> -s none` before committing.
# Crashes land in fuzz/artifacts/<target>/ and fail the script. Only fuzz/ is written.
#
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail

seconds="${1:-60}"
cd "$(dirname "$0")/../fuzz"

if ! command -v cargo-fuzz >/dev/null; then
    cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1

targets=(scenario_toml scenario_json ratelimit_headers link_header retry_after problem_json)
cargo fuzz build -s none -O >/dev/null

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
failed=()
for t in "${targets[@]}"; do
    echo "fuzzing $t for ${seconds}s" >&2
    # The outer timeout is a backstop in case libFuzzer ignores its own limit (a hang).
    if ! timeout $((seconds + 120)) cargo fuzz run "$t" -s none -O -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 >"$logs/$t.log" 2>&1; then
        failed+=("$t")
        tail -n 40 "$logs/$t.log" >&2
    fi
done

printf '%-18s %12s %10s %6s %8s %8s\n' target execs exec/s cov corpus seconds
for t in "${targets[@]}"; do
    # libFuzzer's last status line: "#<execs> DONE cov: N ft: N corp: N/size lim: N exec/s: N …"
    line="$(grep -E '^#[0-9]+' "$logs/$t.log" | tail -n 1 || true)"
    execs="$(sed -E 's/^#([0-9]+).*/\1/' <<<"$line")"
    rate="$(sed -E 's/.*exec\/s: ([0-9]+).*/\1/' <<<"$line")"
    cov="$(sed -E 's/.*cov: ([0-9]+).*/\1/' <<<"$line")"
    files="$(find "corpus/$t" -type f | wc -l)"
    printf '%-18s %12s %10s %6s %8s %8s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$files" "$seconds"
done

if ((${#failed[@]})); then
    echo "FAILED: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
