#!/usr/bin/env bash
# Run every test: Python (unit, integration against a loopback index, real kernels, a real Jupyter
# server and JupyterHub, JupyterLab in headless Chromium) and the sidebar's front-end unit tests.
# Both suites always run, each is reported, and the exit status is non-zero if either failed.
# Arguments go to pytest (e.g. -k name, -m "not ui", -n 0 for one process).
# SAFEPIP_TEST_WORKERS (default 4) is the number of pytest workers; SAFEPIP_TEST_TIMEOUT_FACTOR (default 1)
# scales every wait in the tests, for a slow or busy machine.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup-env.sh || { echo "test.sh: the set-up failed; no test ran" >&2; exit 1; }
# Debian's Chromium drives the browser tests (test tools cannot download their own browser here); Debian's
# PostgreSQL server is what the vetting index's replica tests run against (tests/support/postgres.py).
MISSING=""
command -v chromium >/dev/null 2>&1 || MISSING="chromium"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || MISSING="$MISSING postgresql"
if [ -n "$MISSING" ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
  # shellcheck disable=SC2086 - one word per package
  { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq $MISSING >/dev/null; } \
    || { echo "test.sh: could not install$MISSING for the tests" >&2; exit 1; }
fi

START=$SECONDS
# Kernels, servers and pip mostly wait, so more workers than cores pays (measured in the README).
.venv/bin/python -m pytest -n "${SAFEPIP_TEST_WORKERS:-4}" "$@"
PYTEST_STATUS=$?
PYTEST_TIME=$((SECONDS - START))

START=$SECONDS
(cd labextension && { ../.venv/bin/jlpm install --immutable >/dev/null 2>&1 || ../.venv/bin/jlpm install >/dev/null; } \
  && ../.venv/bin/jlpm test)
FRONTEND_STATUS=$?
FRONTEND_TIME=$((SECONDS - START))

outcome() { if [ "$1" = 0 ]; then echo passed; else echo "FAILED (exit $1)"; fi; }
echo
echo "Python tests (pytest):  $(outcome $PYTEST_STATUS) in $((PYTEST_TIME / 60)) min $((PYTEST_TIME % 60)) s"
echo "Front-end tests (jest): $(outcome $FRONTEND_STATUS) in $((FRONTEND_TIME / 60)) min $((FRONTEND_TIME % 60)) s"
[ "$PYTEST_STATUS" = 0 ] && [ "$FRONTEND_STATUS" = 0 ]
