"""How much time safepip adds before pip starts installing, against a plain `pip install --dry-run`.

For each package: a plain dry run (pip's own resolution, the baseline), then a safepip check with a
cold cache (nothing downloaded or scanned yet) and again warm. Added time = check time - baseline.
Baseline and warm times are the median of three runs.
Runs in one long-lived process, as a kernel does. Uses the pip configuration of this machine.

    python benchmarks/latency.py [--packages a b c] [--out benchmarks/results/latency.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jupyter_safepip.guard import Guard  # noqa: E402

POPULAR = ["requests", "numpy", "pandas", "click", "six", "attrs", "packaging", "python-dateutil", "pyyaml", "idna"]


REPEAT = 3  # baseline and warm runs are repeated and the median kept: one slow index answer is noise


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def median_time(action) -> float:
    return statistics.median(timed(action)[0] for _ in range(REPEAT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", nargs="+", default=POPULAR)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "latency.json")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="safepip-latency-") as tmp:
        target = Path(tmp) / "venv"
        venv.create(target, with_pip=True)
        python = str(target / "bin" / "python")
        base = Guard()
        settings = replace(base.settings, python=python, cache_dir=Path(tmp) / "cache")
        guard = Guard(settings, base.config)
        guard.parse(["install", "six"])  # import pip's parser once, as a running kernel already has
        rows = []
        for name in args.packages:
            baseline = median_time(lambda: subprocess.run(
                [python, "-m", "pip", "install", "--dry-run", "--quiet", name], capture_output=True, check=True))
            request = guard.parse(["install", name])
            cold, assessment = timed(lambda: guard.check(request, f"pip install {name}"))
            warm = median_time(lambda: guard.check(guard.parse(["install", name]), f"pip install {name}"))
            rows.append({
                "package": name,
                "packages_checked": len(assessment.report.packages),
                "verdict": assessment.report.verdict.label,
                "baseline_s": round(baseline, 3),
                "cold_s": round(cold, 3),
                "warm_s": round(warm, 3),
                "added_cold_s": round(cold - baseline, 3),
                "added_warm_s": round(warm - baseline, 3),
            })
            print(f"{name:16} baseline {baseline:6.2f}s  cold {cold:6.2f}s  warm {warm:6.2f}s", file=sys.stderr)

    summary = {
        "median_added_warm_s": round(statistics.median(r["added_warm_s"] for r in rows), 3),
        "median_added_cold_s": round(statistics.median(r["added_cold_s"] for r in rows), 3),
        "median_baseline_s": round(statistics.median(r["baseline_s"] for r in rows), 3),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"rows": rows, "summary": summary}, indent=2))
    print("| package | packages checked | verdict | pip dry-run (s) | safepip cold (s) | safepip warm (s) | added cold (s) | added warm (s) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['package']} | {r['packages_checked']} | {r['verdict']} | {r['baseline_s']} | {r['cold_s']} | {r['warm_s']} | {r['added_cold_s']} | {r['added_warm_s']} |")
    print(f"\nmedian added time: warm {summary['median_added_warm_s']} s, cold {summary['median_added_cold_s']} s "
          f"(median plain dry-run {summary['median_baseline_s']} s)")


if __name__ == "__main__":
    main()
