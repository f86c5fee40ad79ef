#!/usr/bin/env bash
# Run every test: Python (unit, integration against a loopback index, real kernels, a real Jupyter
# server, JupyterLab in headless Chromium) and the sidebar's front-end unit tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-env.sh
if ! command -v chromium >/dev/null 2>&1; then
  # Debian's Chromium drives the browser tests; test tools cannot download their own browser here.
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null
fi
.venv/bin/python -m pytest "$@"
(cd labextension && ../.venv/bin/jlpm install --immutable >/dev/null 2>&1 || ../.venv/bin/jlpm install >/dev/null; ../.venv/bin/jlpm test)
