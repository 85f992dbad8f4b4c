#!/usr/bin/env bash
# zoo/install.sh — install the zoo's third-party servers at pinned versions, repo-locally.
#
#   zoo/install.sh            # idempotent: re-running only installs what is missing or different
#
# - Python packages: zoo/.venv (python3 -m venv), exact pins from zoo/requirements.txt
#   (a `pip freeze` of the working set; Django is 5.2.x because Django 6 needs Python >= 3.12).
# - Node packages: zoo/node_modules via `npm ci` from zoo/package.json + zoo/package-lock.json.
# - nginx (for the limit_req targets): Debian's package, via apt-get, only if `nginx` is missing.
#   As root apt-get runs directly; otherwise with sudo if sudo works without a password;
#   otherwise the script says so and the nginx targets are unavailable (the rest still works).
# Nothing here talks to anything but the package registries; nothing is started.
set -euo pipefail
ZOO="$(cd "$(dirname "$0")" && pwd)"
cd "$ZOO"

say() { printf 'zoo/install: %s\n' "$*"; }

# --- Python ------------------------------------------------------------------------------
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  say "creating zoo/.venv with $($PY --version 2>&1)"
  "$PY" -m venv .venv
fi
if .venv/bin/pip freeze --all 2>/dev/null | grep -v -E '^(pip|setuptools|wheel)==' | sort >.venv/.have \
   && sort requirements.txt | cmp -s - .venv/.have; then
  say "python packages already at the pinned versions"
else
  say "installing python packages (zoo/requirements.txt)"
  .venv/bin/pip install --disable-pip-version-check -q -r requirements.txt
fi

# --- Node --------------------------------------------------------------------------------
if ! command -v npm >/dev/null 2>&1; then
  say "npm not found: the express targets are unavailable"
elif [ -f node_modules/.package-lock.json ] \
     && node -e 'const a=require("./package-lock.json").packages,b=require("./node_modules/.package-lock.json").packages;for(const k of Object.keys(a)){if(k&&(!b[k]||b[k].version!==a[k].version))process.exit(1)}' 2>/dev/null; then
  say "node packages already at the locked versions"
else
  say "installing node packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# --- nginx -------------------------------------------------------------------------------
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  say "nginx present: $(/usr/sbin/nginx -v 2>&1 || nginx -v 2>&1)"
else
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO="none"; fi
  fi
  if [ "$SUDO" = "none" ]; then
    say "nginx is missing and neither root nor password-less sudo is available: the nginx targets are unavailable"
  else
    say "installing nginx-light from Debian"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx-light >/dev/null
    # Debian's postinst may start the system nginx on :80 where an init system exists; the zoo
    # never uses it (it runs its own nginx with its own config on 127.0.0.1), so leave it alone.
  fi
fi
say "done"
