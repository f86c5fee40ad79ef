"""Heavy data-science installs: `safepip install` against a plain `pip install`, each into a fresh venv, cold and warm.

For each request, in one run and in this order: plain pip with an empty pip cache (cold), plain pip again with
that cache (warm), then safepip with empty caches (cold: its downloads, index answers and scan results, and
pip's), then safepip with those caches (warm). Each install goes into a venv of its own, made fresh for it.
Measured: wall time, peak RSS of the whole process tree (the command and every process it starts, summed, sampled
every 0.2 s), bytes that went into the caches (what was downloaded), and for safepip the files its scans read as
code (from the scan results it kept).
Uses this machine's pip configuration and index; nothing but the named requests is installed.

    python benchmarks/heavy.py [--only scikit-learn jupyterlab] [--out benchmarks/results/heavy.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import venv
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
SAFEPIP = [sys.executable, "-m", "jupyter_safepip.cli"]
DATA_SCIENCE_FILE = """numpy
pandas
scipy
scikit-learn
matplotlib
seaborn
statsmodels
jupyterlab
ipywidgets
plotly
pyarrow
requests
"""
REQUESTS = {
    "torch": ["torch"],
    "tensorflow": ["tensorflow"],
    "transformers": ["transformers"],
    "scikit-learn": ["scikit-learn"],
    "jupyterlab": ["jupyterlab"],
    "sglang": ["sglang"],
    "data-science requirements file (12 lines)": ["-r", "{requirements}"],
}
SAMPLE_SECONDS = 0.2
TIMEOUT_SECONDS = 3600


@dataclass(frozen=True)
class Run:
    """One install: how long it took, its peak memory, what it downloaded, whether it worked."""

    tool: str  # "pip" or "safepip"
    cache: str  # "cold" or "warm"
    seconds: float
    peak_rss_mb: float
    downloaded_mb: float
    exit_code: int
    files_scanned: int | None = None


def tree_rss(process: psutil.Process) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """Wall seconds, peak tree RSS (bytes) and exit code of a command."""
    start = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    watched = psutil.Process(child.pid)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(SAMPLE_SECONDS):
            try:
                peak = max(peak, tree_rss(watched))
            except psutil.NoSuchProcess:
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        _, stderr = child.communicate(timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        _, stderr = child.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - start
    if child.returncode:
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        print(f"    exit {child.returncode}: {' | '.join(tail)}", flush=True)
    return seconds, peak, child.returncode


def size_of(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def fresh_venv(where: Path) -> Path:
    venv.create(where, with_pip=True)
    return where / "bin" / "python"


def files_scanned(cache: Path) -> int:
    """Files the scans read as code, summed over the scan results a cold install kept."""
    total = 0
    for entry in (cache / "scans").rglob("*.json"):
        try:
            total += int(json.loads(entry.read_text())["result"]["files_scanned"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return total


def measure(args: list[str], work: Path) -> list[Run]:
    runs: list[Run] = []
    base = {k: v for k, v in os.environ.items() if not k.startswith("SAFEPIP_")}
    pip_cache = work / "pip-cache"
    for cache in ("cold", "warm"):
        python = fresh_venv(work / f"pip-{cache}")
        before = size_of(pip_cache)
        seconds, peak, code = run_measured([str(python), "-m", "pip", "install", "-q", *args],
                                           {**base, "PIP_CACHE_DIR": str(pip_cache)})
        runs.append(Run("pip", cache, round(seconds, 2), round(peak / 1e6, 1), round((size_of(pip_cache) - before) / 1e6, 1), code))
        print(f"  pip {cache}: {seconds:.1f} s, {peak / 1e6:.0f} MB", flush=True)
    safe_cache, safe_pip_cache = work / "safepip-cache", work / "safepip-pip-cache"
    for cache in ("cold", "warm"):
        python = fresh_venv(work / f"safepip-{cache}")
        env = {**base, "SAFEPIP_PYTHON": str(python), "SAFEPIP_CACHE_DIR": str(safe_cache), "PIP_CACHE_DIR": str(safe_pip_cache)}
        before = size_of(safe_cache) + size_of(safe_pip_cache)
        seconds, peak, code = run_measured([*SAFEPIP, "install", "--yes", *args], env)
        grown = size_of(safe_cache) + size_of(safe_pip_cache) - before
        scanned = files_scanned(safe_cache) if cache == "cold" else None
        runs.append(Run("safepip", cache, round(seconds, 2), round(peak / 1e6, 1), round(grown / 1e6, 1), code, scanned))
        print(f"  safepip {cache}: {seconds:.1f} s, {peak / 1e6:.0f} MB", flush=True)
    return runs


def table(results: dict[str, list[Run]]) -> str:
    lines = ["| request | pip cold | safepip cold | ratio | pip warm | safepip warm | ratio | safepip peak RSS cold / warm | downloaded (safepip cold) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for label, runs in results.items():
        by = {(r.tool, r.cache): r for r in runs}
        pc, sc, pw, sw = by["pip", "cold"], by["safepip", "cold"], by["pip", "warm"], by["safepip", "warm"]
        failed = " (failed)" if any(r.exit_code for r in runs) else ""
        lines.append(f"| {label}{failed} | {pc.seconds:.0f} s | {sc.seconds:.0f} s | {sc.seconds / pc.seconds:.2f}x | "
                     f"{pw.seconds:.0f} s | {sw.seconds:.0f} s | {sw.seconds / pw.seconds:.2f}x | "
                     f"{sc.peak_rss_mb:.0f} / {sw.peak_rss_mb:.0f} MB | {sc.downloaded_mb:,.0f} MB |")
    return "\n".join(lines)


def _chosen(only: list[str] | None) -> dict[str, list[str]]:
    """The requests to run: all, or those --only names by label (its first word will do), or any other
    requirement as a quick run of its own."""
    if not only:
        return dict(REQUESTS)
    labels = [next((k for k in REQUESTS if name in (k, k.split(" ")[0])), name) for name in only]
    return {label: REQUESTS.get(label, [label]) for label in labels}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="REQUEST", help=f"some of: {', '.join(REQUESTS)} (or any requirement)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "heavy.json")
    args = parser.parse_args()
    chosen = _chosen(args.only)
    results: dict[str, list[Run]] = {}
    with tempfile.TemporaryDirectory(prefix="safepip-heavy-") as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text(DATA_SCIENCE_FILE)
        for number, (label, request) in enumerate(chosen.items()):
            print(f"{label}", flush=True)
            work = Path(tmp) / f"r{number}"
            work.mkdir()
            results[label] = measure([a.format(requirements=requirements) for a in request], work)
    print(table(results))
    args.out.write_text(json.dumps({"date": date.today().isoformat(), "python": sys.version.split()[0],
                                    "results": {k: [asdict(r) for r in v] for k, v in results.items()}}, indent=1) + "\n")


if __name__ == "__main__":
    main()
