#!/usr/bin/env bash
# Proof that the README's two commands work for a newcomer: clone the committed main into a temporary
# directory, run the demo headless (scripts/lab.sh --execute-demo), then every test (scripts/test.sh),
# optionally while CPU-burning processes keep both cores busy.
#   scripts/fresh-check.sh [--load] [-- pytest arguments]
set -uo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
LOAD=0
if [ "${1:-}" = "--load" ]; then LOAD=1; shift; fi
[ "${1:-}" = "--" ] && shift
WORK=$(mktemp -d -t safepip-fresh-XXXXXX)
BURNERS=()
cleanup() {
  for pid in "${BURNERS[@]}"; do kill "$pid" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
git clone --quiet "$REPO" "$WORK/clone" || exit 1
cd "$WORK/clone" || exit 1
echo "fresh clone of $(git rev-parse --short HEAD) in $WORK/clone"
if [ "$LOAD" = 1 ]; then
  # A busy machine is what the timeout factor is for (README, Development).
  export SAFEPIP_TEST_TIMEOUT_FACTOR=${SAFEPIP_TEST_TIMEOUT_FACTOR:-3}
  for _ in $(seq "$(nproc)"); do python3 -c 'while True: pass' & BURNERS+=($!); done
  echo "load: ${#BURNERS[@]} CPU-burning processes, SAFEPIP_TEST_TIMEOUT_FACTOR=$SAFEPIP_TEST_TIMEOUT_FACTOR"
fi
START=$SECONDS
scripts/lab.sh --execute-demo > "$WORK/demo.log" 2>&1
DEMO_STATUS=$?
DEMO_TIME=$((SECONDS - START))
START=$SECONDS
scripts/test.sh "$@" 2>&1 | tee "$WORK/test.log" | grep -E "^(FAILED|ERROR)|passed|failed|Python tests|Front-end tests|Tests:" 
TEST_STATUS=${PIPESTATUS[0]}
TEST_TIME=$((SECONDS - START))
echo
echo "== fresh-check summary ($(date -u +%Y-%m-%dT%H:%MZ), load: $([ $LOAD = 1 ] && echo "both cores busy" || echo none))"
echo "demo notebook headless: $([ $DEMO_STATUS = 0 ] && echo ok || echo "FAILED (see below)") in ${DEMO_TIME} s"
[ $DEMO_STATUS = 0 ] || tail -n 20 "$WORK/demo.log"
grep -E "^=+ .*(passed|failed).* =+$" "$WORK/test.log" | tail -n 1
grep -E "^(Python tests|Front-end tests):" "$WORK/test.log"
echo "scripts/test.sh: $([ $TEST_STATUS = 0 ] && echo passed || echo FAILED) in ${TEST_TIME} s"
[ $DEMO_STATUS = 0 ] && [ $TEST_STATUS = 0 ]
