#!/usr/bin/env bash
# JupyterLab with jupyter_safepip and the demo notebook, installing from a safe demo index on 127.0.0.1.
# The demo's kernel runs in an environment of its own (.demo-venv), so what the demo installs never reaches
# .venv or the tests. `scripts/lab.sh --execute-demo` runs the demo notebook headless (nbconvert) and exits.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-env.sh
DEMO_VENV="$PWD/.demo-venv"
if [ ! -x "$DEMO_VENV/bin/python" ]; then
  .venv/bin/python -m venv "$DEMO_VENV"
fi
# The demo venv sees .venv's packages (ipykernel, jupyter_safepip) after its own; installs land in the demo venv.
BASE_SITE=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
DEMO_SITE=$("$DEMO_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "import site; site.addsitedir('$BASE_SITE')" > "$DEMO_SITE/safepip_demo_base.pth"  # its .pth files too (editable install)
KERNEL_DIR="$DEMO_VENV/share/jupyter/kernels/safepip-demo"
mkdir -p "$KERNEL_DIR"
cat > "$KERNEL_DIR/kernel.json" <<JSON
{"argv": ["$DEMO_VENV/bin/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
 "display_name": "Python (safepip demo)", "language": "python"}
JSON
export JUPYTER_PATH="$DEMO_VENV/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
PORT=${SAFEPIP_DEMO_PORT:-8765}
.venv/bin/python -m jupyter_safepip.testing.demo --port "$PORT" &
DEMO_PID=$!
trap 'kill $DEMO_PID 2>/dev/null' EXIT
# The demo's kernels use only the demo index, whatever this machine's pip configuration says.
export PIP_CONFIG_FILE=/dev/null PIP_INDEX_URL="http://127.0.0.1:$PORT/simple/"
for var in $(env | grep -o '^PIP_[A-Z_]*' | grep -v -e PIP_CONFIG_FILE -e PIP_INDEX_URL); do unset "$var"; done
export SAFEPIP_CACHE_DIR="$PWD/.demo-cache" SAFEPIP_HISTORY_PATH="$PWD/.demo-cache/history.sqlite"  # the demo keeps to itself
if [ "${1:-}" = "--execute-demo" ]; then
  for _ in $(seq 1 200); do  # the demo index builds its fixture packages first
    "$DEMO_VENV/bin/python" -c "import urllib.request; urllib.request.urlopen('$PIP_INDEX_URL', timeout=2)" 2>/dev/null && break
    sleep 0.1
  done
  OUT=$(mktemp -d)
  .venv/bin/jupyter nbconvert --to notebook --execute notebooks/demo.ipynb --output-dir "$OUT" \
    --ExecutePreprocessor.kernel_name=safepip-demo --ExecutePreprocessor.timeout=600
  echo "demo notebook executed headless: $OUT/demo.ipynb"
  exit 0
fi
EXTRA=()
[ "$(id -u)" != 0 ] || EXTRA+=(--allow-root)  # containers often run as root
.venv/bin/jupyter lab notebooks/demo.ipynb "${EXTRA[@]}" "$@"
