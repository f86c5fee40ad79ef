#!/usr/bin/env bash
# JupyterLab with jupyter_safepip and the demo notebook, installing from a safe demo index on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-env.sh
PORT=${SAFEPIP_DEMO_PORT:-8765}
.venv/bin/python -m jupyter_safepip.testing.demo --port "$PORT" &
DEMO_PID=$!
trap 'kill $DEMO_PID 2>/dev/null' EXIT
# The demo's kernels use only the demo index, whatever this machine's pip configuration says.
export PIP_CONFIG_FILE=/dev/null PIP_INDEX_URL="http://127.0.0.1:$PORT/simple/"
for var in $(env | grep -o '^PIP_[A-Z_]*' | grep -v -e PIP_CONFIG_FILE -e PIP_INDEX_URL); do unset "$var"; done
export SAFEPIP_CACHE_DIR="$PWD/.demo-cache" SAFEPIP_HISTORY_PATH="$PWD/.demo-cache/history.sqlite"  # the demo keeps to itself
EXTRA=()
[ "$(id -u)" != 0 ] || EXTRA+=(--allow-root)  # containers often run as root
.venv/bin/jupyter lab notebooks/demo.ipynb "${EXTRA[@]}" "$@"
