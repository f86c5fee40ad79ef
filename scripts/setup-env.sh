#!/usr/bin/env bash
# Create .venv with jupyter_safepip (editable; the JupyterLab front end is built on the way) and everything
# the tests and the demo need. Safe to run again: it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
# A machine's pip configuration may name extra index directories that do not exist: pip warns once per package.
quiet_pip() { local status=0; "$@" 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; } || status=$?; return "$status"; }
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  quiet_pip .venv/bin/python -m pip install --quiet --upgrade pip
fi
quiet_pip .venv/bin/python -m pip install --quiet -e ".[test,ui]"
# Build tools for the sdist tests, downloaded now so that the tests themselves never need the network.
quiet_pip .venv/bin/python -m pip download --quiet --only-binary :all: -d .wheelhouse "setuptools>=70.1" wheel
# The proxy a JupyterHub needs, for the hub tests (tests/hub), kept inside the project.
if [ ! -x .hub-node/node_modules/.bin/configurable-http-proxy ]; then
  npm install --silent --no-audit --no-fund --prefix .hub-node "configurable-http-proxy@^5"
fi
