#!/usr/bin/env bash
# Install the non-Python parts the tests use (PostgreSQL 15 for the local game
# day, Chromium for rendering reports), the CDK CLI that `drsim gameday aws run`
# deploys with, and checkov for infra/tests' second scanner. Needs root for apt-get;
# without root it says what to install and the tests that need a part skip with that reason.
set -euo pipefail

# The CDK CLI (npm package aws-cdk) into infra/node_modules, where drsim looks first
# (then `cdk` on PATH). --no-save: no package.json or lock file is written into infra/.
# A failure only warns: `drsim gameday aws run` refuses without the CLI, saying so.
infra="$(cd "$(dirname "$0")/.." && pwd)/infra"
if [ ! -x "$infra/node_modules/.bin/cdk" ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "install-system-deps: installing the CDK CLI (npm aws-cdk@2) into infra/node_modules"
    npm install --prefix "$infra" --no-save --no-audit --no-fund --loglevel=error aws-cdk@2 \
      >/dev/null || echo "install-system-deps: npm could not install aws-cdk; drsim gameday aws run will refuse until cdk is installed" >&2
  else
    echo "install-system-deps: npm not found; install Node.js and npm for the CDK CLI (aws-cdk)" >&2
  fi
fi

# checkov (the second IaC scanner of infra/tests) into its own venv, infra/.venv-checkov:
# it pins many packages that must not meet drsim's. uv when found (seconds), else pip.
# A failure only warns: the checkov tests skip, naming this script.
checkov_venv="$infra/.venv-checkov"
if [ ! -x "$checkov_venv/bin/checkov" ]; then
  echo "install-system-deps: installing checkov 3 into infra/.venv-checkov"
  uv=""
  if command -v uv >/dev/null 2>&1; then uv=uv
  elif [ -x "$infra/../.venv/bin/uv" ]; then uv="$infra/../.venv/bin/uv"; fi
  if [ -n "$uv" ]; then
    "$uv" venv -q "$checkov_venv" --python python3 \
      && "$uv" pip install -q --python "$checkov_venv/bin/python" "checkov>=3.2,<4"
  else
    python3 -m venv "$checkov_venv" \
      && "$checkov_venv/bin/python" -m pip install -q --disable-pip-version-check "checkov>=3.2,<4"
  fi || echo "install-system-deps: checkov could not be installed; infra/tests' checkov scan will skip" >&2
fi

need=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
command -v chromium >/dev/null 2>&1 || need+=(chromium)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-deps: not root; install these for the full test suite: ${need[*]}" >&2
  exit 0
fi
echo "install-system-deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
