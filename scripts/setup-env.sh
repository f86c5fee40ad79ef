#!/usr/bin/env bash
# Create .venv with jupyter_safepip (editable; the JupyterLab front end is built on the way) and everything
# the tests and the demo need. Safe to run again: it only adds what is missing or out of date.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
# A machine's pip configuration may name extra index directories that do not exist: pip then warns once per
# package looked up. Those lines are dropped from this script's own pip calls; the configuration is left alone.
quiet_pip() { local status=0; "$@" 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; } || status=$?; return "$status"; }
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  quiet_pip .venv/bin/python -m pip install --quiet --upgrade pip
fi
# One build of the front end at a time (scripts/test.sh may run twice in one tree; the browser tests copy
# the build under the same lock).
exec 9>>.venv/.labextension-build.lock
flock 9
# The editable install builds the front end only when there is no build yet: build it again when a source is
# newer than the build, then install again so that the environment's copy of it (share/jupyter) is the new one.
BUILT=jupyter_safepip/labextension/package.json
STAMP=.venv/.safepip-installed  # pyproject.toml's hash at the last install: dependencies or entry points changed?
WANT=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ -f "$BUILT" ] && [ -n "$(find labextension/src labextension/style labextension/package.json -newer "$BUILT" -print -quit)" ]; then
  echo "setup-env: labextension/src changed; building the JupyterLab extension"
  (cd labextension && { ../.venv/bin/jlpm install --immutable >/dev/null 2>&1 || ../.venv/bin/jlpm install >/dev/null; } \
    && ../.venv/bin/jlpm build >/dev/null)
  rm -f "$STAMP"
fi
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  quiet_pip .venv/bin/python -m pip install --quiet -e ".[test,ui]"
  echo "$WANT" > "$STAMP"
fi
flock -u 9
# Build tools for the sdist tests, and a pip with --uploaded-prior-to for the cool-down tests, downloaded now
# so that the tests themselves never need the network.
if ! ls .wheelhouse/setuptools-*.whl .wheelhouse/wheel-*.whl .wheelhouse/pip-*.whl >/dev/null 2>&1; then
  quiet_pip .venv/bin/python -m pip download --quiet --only-binary :all: -d .wheelhouse "setuptools>=70.1" wheel "pip>=26.1"
fi
# The proxy a JupyterHub needs, for the hub tests (tests/hub), kept inside the project.
if [ ! -x .hub-node/node_modules/.bin/configurable-http-proxy ]; then
  npm install --silent --no-audit --no-fund --prefix .hub-node "configurable-http-proxy@^5"
fi
