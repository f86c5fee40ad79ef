"""Reliability figures: run the reliability tests and sum what they count.

Faults injected (index faults, swaps, poisoned caches), hostile inputs tried (pip lines, archives,
fuzzed examples), crashes (an exception other than a failed assertion escaping a test), unchecked
installs (a venv that changed, or a module importable, after a refused install) and the test outcome.
Prints a markdown table and writes the figures as JSON. Exits non-zero when a test failed, something
crashed or anything was installed unchecked.

    python benchmarks/reliability.py [--out benchmarks/results/reliability.json] [-- extra pytest arguments]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.reliability.conftest import TALLY_ENV  # noqa: E402

TIMEOUT = 3600  # seconds: a hanging test must not hang the benchmark
ROWS = [  # (label in the table, tally or outcome key)
    ("Faults injected (index faults, check-to-install swaps, poisoned caches)", "faults injected"),
    ("Hostile inputs tried (pip lines, archives, fuzzed examples)", "hostile inputs"),
    ("Crashes (an exception escaped)", "crashes"),
    ("Unchecked installs", "unchecked installs"),
    ("Real-venv checks that nothing was installed", "install-state checks"),
    ("Tests passed", "passed"),
    ("Tests failed", "failed"),
]


def run_tests(extra: list[str]) -> tuple[Counter, dict[str, int], float]:
    """Run pytest on tests/reliability; the summed tallies, the outcome counts and the wall time."""
    with tempfile.TemporaryDirectory(prefix="safepip-reliability-") as tmp:
        tallies, junit = Path(tmp) / "tally.jsonl", Path(tmp) / "junit.xml"
        started = time.perf_counter()
        try:
            subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/reliability", f"--junitxml={junit}", *extra],
                cwd=ROOT, env={**os.environ, TALLY_ENV: str(tallies)}, check=False, timeout=TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            sys.exit(f"the reliability tests did not finish within {TIMEOUT} s; no figures written")
        elapsed = time.perf_counter() - started
        counts: Counter = Counter()
        for line in tallies.read_text().splitlines() if tallies.exists() else ():
            counts.update(json.loads(line))  # one line per pytest session (several with xdist)
        outcome = _outcome(junit)
    return counts, outcome, elapsed


def _outcome(junit: Path) -> dict[str, int]:
    if not junit.exists():
        return {"tests": 0, "passed": 0, "failed": 0, "skipped": 0}
    root = ElementTree.parse(junit).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = {key: sum(int(s.get(key, 0)) for s in suites) for key in ("tests", "failures", "errors", "skipped")}
    failed = total["failures"] + total["errors"]
    return {"tests": total["tests"], "passed": total["tests"] - failed - total["skipped"], "failed": failed,
            "skipped": total["skipped"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "reliability.json")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args()

    counts, outcome, elapsed = run_tests(args.pytest_args)
    if not outcome["tests"]:
        sys.exit("no test ran (see pytest's output above); no figures written")
    figures = {key: counts.get(key, 0) for _, key in ROWS if key not in outcome} | outcome
    figures["seconds"] = round(elapsed, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")

    print("\n| Reliability (tests/reliability) | Count |\n|---|---:|")
    for label, key in ROWS:
        print(f"| {label} | {figures[key]} |")
    print(f"\n{outcome['tests']} tests in {elapsed:.0f} s; figures written to {args.out}")
    if outcome["failed"] or figures["crashes"] or figures["unchecked installs"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
