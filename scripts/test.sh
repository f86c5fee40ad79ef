#!/usr/bin/env bash
# Run every test: Python (unit, integration against a loopback index, real kernels, a real Jupyter
# server and JupyterHub, JupyterLab in headless Chromium) and the sidebar's front-end unit tests.
# Both suites always run; the exit status is non-zero if either failed. Arguments go to pytest.
# SAFEPIP_TEST_WORKERS (default 4) sets the parallel pytest workers; SAFEPIP_TEST_TIMEOUT_FACTOR scales every wait.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup-env.sh || exit 1
if ! command -v chromium >/dev/null 2>&1; then
  # Debian's Chromium drives the browser tests; test tools cannot download their own browser here.
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
  { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null; } || exit 1
fi
START=$SECONDS
.venv/bin/python -m pytest -n "${SAFEPIP_TEST_WORKERS:-4}" --dist loadscope "$@"
PYTEST_STATUS=$?
PYTEST_TIME=$((SECONDS - START))
START=$SECONDS
(cd labextension && { ../.venv/bin/jlpm install --immutable >/dev/null 2>&1 || ../.venv/bin/jlpm install >/dev/null; } && ../.venv/bin/jlpm test)
FRONTEND_STATUS=$?
FRONTEND_TIME=$((SECONDS - START))
status() { [ "$1" = 0 ] && echo passed || echo "FAILED (exit $1)"; }
echo
echo "Python tests:    $(status $PYTEST_STATUS) in ${PYTEST_TIME} s"
echo "Front-end tests: $(status $FRONTEND_STATUS) in ${FRONTEND_TIME} s"
[ "$PYTEST_STATUS" = 0 ] && [ "$FRONTEND_STATUS" = 0 ]
