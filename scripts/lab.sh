#!/usr/bin/env bash
# JupyterLab with jupyter_safepip and the demo notebook, installing from a safe demo index on 127.0.0.1.
# JupyterLab runs from .venv; the demo's kernel runs in an environment of its own (.demo-venv), so what the demo
# installs never reaches .venv or the tests.
#   scripts/lab.sh [jupyter lab arguments]   the demo index on 127.0.0.1:${SAFEPIP_DEMO_PORT:-8765}, then JupyterLab
#   scripts/lab.sh --execute-demo            run the demo notebook headless (nbconvert, demo kernel) and exit
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-env.sh
EXECUTE=0
if [ "${1:-}" = "--execute-demo" ]; then EXECUTE=1; shift; fi
KERNEL_DIR=$(.venv/bin/python -m jupyter_safepip.testing.demo --make-env .demo-venv)
export JUPYTER_PATH="$PWD/.demo-venv/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
# Run headless, any free port will do (a JupyterLab from this script may hold the usual one).
PORT=${SAFEPIP_DEMO_PORT:-$([ $EXECUTE = 1 ] && echo 0 || echo 8765)}
URL_FILE=$(mktemp)
rm -f "$URL_FILE"
.venv/bin/python -m jupyter_safepip.testing.demo --port "$PORT" --url-file "$URL_FILE" &
DEMO_PID=$!
trap 'kill $DEMO_PID 2>/dev/null; rm -f "$URL_FILE"' EXIT
for _ in $(seq 1 1200); do  # the demo index builds its packages first (seconds; more on a busy machine)
  [ -s "$URL_FILE" ] && break
  kill -0 $DEMO_PID 2>/dev/null || { echo "lab.sh: the demo index did not start (is port $PORT in use?)" >&2; exit 1; }
  sleep 0.25
done
[ -s "$URL_FILE" ] || { echo "lab.sh: the demo index did not start within 5 minutes" >&2; exit 1; }
# The demo's kernels use only the demo index, whatever this machine's pip configuration says.
export PIP_CONFIG_FILE=/dev/null PIP_INDEX_URL="$(cat "$URL_FILE")"
for var in $(env | grep -o '^PIP_[A-Z_]*' | grep -v -e PIP_CONFIG_FILE -e PIP_INDEX_URL); do unset "$var"; done
export SAFEPIP_CACHE_DIR="$PWD/.demo-cache" SAFEPIP_HISTORY_PATH="$PWD/.demo-cache/history.sqlite"  # the demo keeps to itself
if [ $EXECUTE = 1 ]; then
  OUT=$(mktemp -d)
  .venv/bin/jupyter nbconvert --to notebook --execute notebooks/demo.ipynb --output-dir "$OUT" \
    --ExecutePreprocessor.kernel_name="$(basename "$KERNEL_DIR")" --ExecutePreprocessor.timeout=600
  echo "demo notebook executed headless in the demo kernel ($KERNEL_DIR): $OUT/demo.ipynb"
  exit 0
fi
EXTRA=()
[ "$(id -u)" != 0 ] || EXTRA+=(--allow-root)  # containers often run as root
.venv/bin/jupyter lab notebooks/demo.ipynb "${EXTRA[@]}" "$@"
