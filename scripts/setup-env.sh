#!/usr/bin/env bash
# Create .venv with jupyter_safepip (editable; the JupyterLab front end is built on the way) and everything
# the tests and the demo need. Safe to run again: it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
.venv/bin/python -m pip install --quiet -e ".[test,ui]"
# Build tools for the sdist tests, downloaded now so that the tests themselves never need the network.
.venv/bin/python -m pip download --quiet --only-binary :all: -d .wheelhouse "setuptools>=70.1" wheel
# The proxy a JupyterHub needs, for the hub tests (tests/hub), kept inside the project.
if [ ! -x .hub-node/node_modules/.bin/configurable-http-proxy ]; then
  npm install --silent --no-audit --no-fund --prefix .hub-node "configurable-http-proxy@^5"
fi
