#!/usr/bin/env bash
# Proof that the README's two commands work for a newcomer: clone the committed main into a temporary
# directory, run the demo notebook headless (scripts/lab.sh --execute-demo), then every test (scripts/test.sh),
# optionally while CPU-burning processes keep every core busy. Prints a summary; exits non-zero on any failure.
#   scripts/fresh-check.sh [--load] [-- pytest arguments]     e.g. scripts/fresh-check.sh -- -k test_config
# The clone is removed at the end; its logs are kept (the summary says where).
set -uo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
LOAD=0
if [ "${1:-}" = "--load" ]; then LOAD=1; shift; fi
[ "${1:-}" = "--" ] && shift
WORK=$(mktemp -d -t safepip-fresh-XXXXXX)
LOGS=$(mktemp -d -t safepip-fresh-logs-XXXXXX)
BURNERS=()
STEP=""  # the running step's process group (setsid), so that its servers, kernels and browsers go with it

stop_step() {
  [ -n "$STEP" ] || return 0
  # SIGINT first: pytest tears its fixtures (servers, kernels) down as after Ctrl-C; then TERM, then KILL.
  for signal in INT TERM KILL; do
    kill -0 -- "-$STEP" 2>/dev/null || break
    kill -s "$signal" -- "-$STEP" 2>/dev/null
    for _ in $(seq 1 40); do kill -0 -- "-$STEP" 2>/dev/null || break; sleep 0.5; done
  done
  STEP=""
}
cleanup() {
  stop_step
  for pid in "${BURNERS[@]}"; do kill "$pid" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "fresh-check: interrupted" >&2; exit 130' INT TERM

run_step() {  # run_step LOG COMMAND...: in a process group of its own; returns its exit status
  local log=$1; shift
  setsid "$@" > "$log" 2>&1 &
  STEP=$!
  wait "$STEP"
  local status=$?
  STEP=""
  return $status
}

git clone --quiet --branch main "$REPO" "$WORK/clone" || exit 1
cd "$WORK/clone" || exit 1
echo "fresh clone of main at $(git rev-parse --short HEAD) in $WORK/clone; logs in $LOGS"
if [ "$LOAD" = 1 ]; then
  # A busy machine is what the timeout factor is for (README, Development).
  export SAFEPIP_TEST_TIMEOUT_FACTOR=${SAFEPIP_TEST_TIMEOUT_FACTOR:-3}
  for _ in $(seq "$(nproc)"); do python3 -c 'while True: pass' & BURNERS+=($!); done
  echo "load: ${#BURNERS[@]} CPU-burning processes, SAFEPIP_TEST_TIMEOUT_FACTOR=$SAFEPIP_TEST_TIMEOUT_FACTOR"
fi

echo "running scripts/lab.sh --execute-demo (set-up included) ..."
START=$SECONDS
run_step "$LOGS/demo.log" scripts/lab.sh --execute-demo
DEMO_STATUS=$?
DEMO_TIME=$((SECONDS - START))
# What the demo installed stays in its own environment.
if [ $DEMO_STATUS = 0 ] && .venv/bin/python -c "import tidyframe" 2>/dev/null; then
  echo "the demo's tidyframe is importable from .venv: the demo leaked into the test environment" >> "$LOGS/demo.log"
  DEMO_STATUS=1
elif [ $DEMO_STATUS = 0 ] && ! .demo-venv/bin/python -c "import tidyframe" 2>/dev/null; then
  echo "tidyframe is not in .demo-venv: the demo did not install it" >> "$LOGS/demo.log"
  DEMO_STATUS=1
fi

echo "running scripts/test.sh $* ..."
START=$SECONDS
run_step "$LOGS/test.log" scripts/test.sh "$@"
TEST_STATUS=$?
TEST_TIME=$((SECONDS - START))

verdict() { [ "$1" = 0 ] && echo ok || echo "FAILED (exit $1)"; }
echo
echo "== fresh-check of $(git rev-parse --short HEAD), $(date -u +%Y-%m-%dT%H:%MZ), load: $([ $LOAD = 1 ] && echo "${#BURNERS[@]} cores busy" || echo none)"
echo "demo notebook, headless in .demo-venv: $(verdict $DEMO_STATUS) in ${DEMO_TIME} s"
[ $DEMO_STATUS = 0 ] || tail -n 20 "$LOGS/demo.log" | sed 's/^/  | /'
echo "pytest: $(grep -E '(passed|failed|error|no tests ran).* in [0-9.]+s' "$LOGS/test.log" | tail -n 1 | sed -E 's/^=+ //; s/ =+$//')"
grep -E "^FAILED|^ERROR" "$LOGS/test.log" | head -n 30 | sed 's/^/  | /'
echo "front end: $(grep -E '^Tests: ' "$LOGS/test.log" | tail -n 1)"
grep -E "^(Python tests|Front-end tests):" "$LOGS/test.log"
echo "scripts/test.sh: $(verdict $TEST_STATUS) in ${TEST_TIME} s"
[ $DEMO_STATUS = 0 ] && [ $TEST_STATUS = 0 ]
