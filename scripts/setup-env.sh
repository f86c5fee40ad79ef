#!/usr/bin/env bash
# Create .venv with jupyter_safepip (editable, front end built) and everything the tests and the demo need.
# Idempotent: a second run only checks that everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
.venv/bin/python -m pip install --quiet -e ".[test]"
# Build tools for the sdist tests, downloaded now so that the tests themselves never need the network.
.venv/bin/python -m pip download --quiet --only-binary :all: -d .wheelhouse "setuptools>=70.1" wheel
