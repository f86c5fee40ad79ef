"""Detection benchmark: recall on real malicious releases, false-block/warn rates on popular benign ones, speed.

The malicious set is decrypted into a private temp dir, read statically with scan_archive (never installed,
imported or run) and deleted afterwards. The benign list is downloaded once into benchmarks/.cache/benign.
`--compare guarddog` runs GuardDog (installed into its own venv under benchmarks/.cache) on the same files.

    python benchmarks/detection.py [--compare guarddog] [--limit N] [--out benchmarks/results/detection.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urljoin

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402
from packaging.utils import canonicalize_name, parse_sdist_filename  # noqa: E402

from jupyter_safepip.core.checks.archive import ArchiveScan, scan_archive  # noqa: E402
from jupyter_safepip.core.model import Verdict  # noqa: E402
from jupyter_safepip.core.policy import Policy, decide_package  # noqa: E402
from jupyter_safepip.core.request import parse_install_args  # noqa: E402

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus"
CACHE = HERE / ".cache"
BENIGN_CACHE = CACHE / "benign"
GUARDDOG_VENV = CACHE / "guarddog-venv"
ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".egg")
GUARDDOG_TIMEOUT = 300
OTHER_PLATFORMS = (None, "win_amd64", "macosx_11_0_arm64")  # None: this machine
PYTHON_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"


@dataclass(frozen=True)
class Sample:
    """One archive of the corpus and what it is known to be."""

    name: str
    version: str
    path: Path
    malicious: bool


@dataclass(frozen=True)
class Outcome:
    """Our verdict (and optionally GuardDog's) on one sample."""

    sample: Sample
    verdict: Verdict
    seconds: float
    bytes_scanned: int
    rules: tuple[str, ...]
    errors: tuple[str, ...]
    guarddog_flagged: bool | None = None
    guarddog_seconds: float | None = None


# --- the corpus ---------------------------------------------------------------------------------------------


def decrypt_malicious(encrypted: Path, into: Path) -> None:
    """openssl | tar into a private directory, without a shell."""
    openssl = subprocess.Popen(
        ["openssl", "enc", "-d", "-aes-256-cbc", "-pbkdf2", "-pass", "pass:infected", "-in", str(encrypted)],
        stdout=subprocess.PIPE,
    )
    subprocess.run(["tar", "-x", "-C", str(into)], stdin=openssl.stdout, check=True)
    openssl.stdout.close()
    if openssl.wait() != 0:
        raise SystemExit(f"could not decrypt {encrypted}")


def malicious_samples(root: Path, manifest: Path) -> list[Sample]:
    samples = []
    with manifest.open() as handle:
        for row in csv.DictReader(handle):
            path = root / row["name"] / row["version"] / row["file"]
            if path.is_file():
                samples.append(Sample(row["name"], row["version"], path, True))
    return samples


def read_benign_list(path: Path) -> list[tuple[str, str | None]]:
    entries = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, version = line.partition("==")
        entries.append((name.strip(), version.strip() or None))
    return entries


def fetch_benign(entries: list[tuple[str, str | None]], cache: Path, refetch: bool = False) -> list[Sample]:
    """Each benign release once: a wheel for this platform if there is one, else the sdist file (never built)."""
    cache.mkdir(parents=True, exist_ok=True)
    index_file = cache / "index.json"
    known: dict[str, dict[str, str]] = json.loads(index_file.read_text()) if index_file.exists() else {}
    request = parse_install_args(["placeholder"])  # pip's own view of the configured index
    session = requests.Session()
    samples = []
    for number, (name, version) in enumerate(entries, start=1):
        key = f"{name}=={version or ''}"
        entry = known.get(key)
        if entry is not None and entry.get("file") is None and not refetch:
            continue  # not downloadable last time; --refetch tries again
        if entry is None or entry.get("file") is None or not (cache / entry["file"]).exists():
            print(f"[{number}/{len(entries)}] downloading {key}", file=sys.stderr)
            entry = _download_wheel(name, version, cache) or _download_sdist(session, request.index_url, name, version, cache)
            if entry is None:
                print(f"    could not download {key}; skipped", file=sys.stderr)
                known[key] = {"file": None, "version": version or ""}
                index_file.write_text(json.dumps(known, indent=1, sort_keys=True))
                continue
            known[key] = entry
            index_file.write_text(json.dumps(known, indent=1, sort_keys=True))
        samples.append(Sample(name, entry["version"], cache / entry["file"], False))
    return samples


def _download_wheel(name: str, version: str | None, cache: Path) -> dict[str, str] | None:
    """A wheel for this machine, else for another platform (a Windows-only project is still a benign sample)."""
    spec = f"{name}=={version}" if version else name
    for platform in OTHER_PLATFORMS:
        where = ["--platform", platform, "--python-version", PYTHON_VERSION] if platform else []
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            done = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:", *where, spec, "-d", tmp],
                capture_output=True, text=True,
            )
            files = [p for p in Path(tmp).iterdir() if p.name.endswith(ARCHIVE_SUFFIXES)]
            if done.returncode == 0 and files:
                target = cache / files[0].name
                shutil.move(str(files[0]), target)
                return {"file": target.name, "version": target.name.split("-")[1]}
    return None


def _download_sdist(session: requests.Session, index_url: str | None, name: str, version: str | None, cache: Path) -> dict[str, str] | None:
    """The sdist file straight from the index's JSON simple API: `pip download` would run its setup.py."""
    if not index_url or not index_url.startswith(("http://", "https://")):
        return None
    page = urljoin(index_url.rstrip("/") + "/", f"{canonicalize_name(name)}/")
    response = session.get(page, headers={"Accept": "application/vnd.pypi.simple.v1+json"}, timeout=60)
    if response.status_code != 200:
        return None
    best = None
    for item in response.json().get("files", []):
        filename = item["filename"]
        if not filename.endswith((".tar.gz", ".zip")) or item.get("yanked"):
            continue
        try:
            _, file_version = parse_sdist_filename(filename)
        except ValueError:
            continue
        if version is None or str(file_version) == version or filename.startswith(f"{name}-{version}."):
            if best is None or version is not None or file_version > best[0]:
                best = (file_version, filename, urljoin(page, item["url"]))
    if best is None:
        return None
    data = session.get(best[2], timeout=120)
    data.raise_for_status()
    (cache / best[1]).write_bytes(data.content)
    return {"file": best[1], "version": str(best[0])}


# --- scanning -----------------------------------------------------------------------------------------------


def verdict_of(name: str, scan: ArchiveScan, policy: Policy) -> Verdict:
    """What the project's default policy makes of the archive findings alone."""
    return decide_package(policy, None, name, scan.findings, scan.errors).verdict


def scan_sample(sample: Sample, policy: Policy) -> Outcome:
    start = time.perf_counter()
    scan = scan_archive(sample.path, package=sample.name, expected_name=sample.name, expected_version=sample.version)
    seconds = time.perf_counter() - start
    rules = tuple(f"{f.rule_id}:{f.severity.label}" for f in scan.findings)
    return Outcome(sample, verdict_of(sample.name, scan, policy), seconds, scan.bytes_scanned, rules, tuple(e.reason for e in scan.errors))


def ensure_guarddog() -> Path:
    binary = GUARDDOG_VENV / "bin" / "guarddog"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(GUARDDOG_VENV)], check=True)
        subprocess.run([str(GUARDDOG_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "guarddog"], check=True)
    return binary


def run_guarddog(binary: Path, sample: Sample) -> tuple[bool | None, float]:
    """GuardDog's static scan of the same local archive; flagged when it reports a risk."""
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [str(binary), "pypi", "scan", str(sample.path), "--output-format", "json"],
            capture_output=True, text=True, timeout=GUARDDOG_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return None, time.perf_counter() - start
    seconds = time.perf_counter() - start
    try:
        result = json.loads(done.stdout)
    except json.JSONDecodeError:
        return None, seconds
    if not isinstance(result, dict):
        return None, seconds
    # GuardDog 3 grades its matches into risks; older versions only count issues.
    if "risks" in result:
        return bool(result["risks"]), seconds
    return bool(result.get("issues")), seconds


# --- reporting ----------------------------------------------------------------------------------------------


def summarise(outcomes: list[Outcome]) -> dict[str, object]:
    malicious = [o for o in outcomes if o.sample.malicious]
    benign = [o for o in outcomes if not o.sample.malicious]
    times = sorted(o.seconds for o in outcomes)
    total_bytes = sum(o.bytes_scanned for o in outcomes)
    summary: dict[str, object] = {
        "malicious": len(malicious),
        "benign": len(benign),
        "recall": _rate(sum(o.verdict >= Verdict.WARN for o in malicious), len(malicious)),
        "recall_block": _rate(sum(o.verdict is Verdict.BLOCK for o in malicious), len(malicious)),
        "false_block": _rate(sum(o.verdict is Verdict.BLOCK for o in benign), len(benign)),
        "warn": _rate(sum(o.verdict is Verdict.WARN for o in benign), len(benign)),
        "seconds_median": statistics.median(times) if times else None,
        "seconds_p95": _percentile(times, 0.95),
        "mb_per_second": (total_bytes / 1e6) / sum(times) if times and sum(times) else None,
    }
    compared = [o for o in outcomes if o.guarddog_seconds is not None]
    if compared:
        gd_times = sorted(o.guarddog_seconds for o in compared)
        summary["guarddog"] = {
            "recall": _rate(sum(bool(o.guarddog_flagged) for o in compared if o.sample.malicious), sum(o.sample.malicious for o in compared)),
            "flagged_benign": _rate(sum(bool(o.guarddog_flagged) for o in compared if not o.sample.malicious), sum(not o.sample.malicious for o in compared)),
            "failed": sum(o.guarddog_flagged is None for o in compared),
            "seconds_median": statistics.median(gd_times),
            "seconds_p95": _percentile(gd_times, 0.95),
            "time_ratio": statistics.median(gd_times) / statistics.median(o.seconds for o in compared),
            "total_time_ratio": sum(gd_times) / sum(o.seconds for o in compared),
        }
    return summary


def _rate(hits: int, total: int) -> float | None:
    return hits / total if total else None


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def markdown(summary: dict[str, object]) -> str:
    def pct(value: object) -> str:
        return "n/a" if value is None else f"{100 * float(value):.1f}%"

    def sec(value: object) -> str:
        return "n/a" if value is None else f"{float(value) * 1000:.1f} ms"

    gd = summary.get("guarddog")
    header = "| measure | target | jupyter_safepip |" + (" GuardDog |" if gd else "")
    rule = "|---|---|---|" + ("---|" if gd else "")
    rows = [
        ("recall on malicious (warn or block)", ">= 97%", pct(summary["recall"]), pct(gd["recall"]) if gd else None),
        ("  of which blocked", "", pct(summary["recall_block"]), None),
        ("false-block on benign", "<= 1%", pct(summary["false_block"]), pct(gd["flagged_benign"]) if gd else None),
        ("warn on benign", "<= 5%", pct(summary["warn"]), None),
        ("seconds per package, median", "", sec(summary["seconds_median"]), sec(gd["seconds_median"]) if gd else None),
        ("seconds per package, p95", "", sec(summary["seconds_p95"]), sec(gd["seconds_p95"]) if gd else None),
        ("uncompressed MB scanned per second", "", f"{float(summary['mb_per_second'] or 0):.1f}", None),
    ]
    if gd:
        rows.append(("GuardDog time / ours (median per package)", ">= 20x", f"{gd['time_ratio']:.0f}x", ""))
        rows.append(("GuardDog time / ours (whole set)", "", f"{gd['total_time_ratio']:.1f}x", ""))
    missing = summary.get("benign_not_downloadable") or []
    lines = [f"{summary['malicious']} malicious and {summary['benign']} benign releases"
             + (f" ({len(missing)} benign not downloadable: {', '.join(missing)})" if missing else ""), "", header, rule]
    for name, target, ours, theirs in rows:
        lines.append(f"| {name} | {target} | {ours} |" + (f" {theirs or ''} |" if gd else ""))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", choices=["guarddog"], help="also run GuardDog on the same archives")
    parser.add_argument("--limit", type=int, help="only the first N samples of each set (a quick run)")
    parser.add_argument("--compare-every", type=int, default=1, help="run the comparison tool on every k-th sample only")
    parser.add_argument("--fetch-only", action="store_true", help="only download the benign releases into the cache")
    parser.add_argument("--refetch", action="store_true", help="retry benign releases that could not be downloaded before")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "detection.json")
    args = parser.parse_args()

    policy = Policy()
    listed = read_benign_list(CORPUS / "benign.txt")
    fetched = fetch_benign(listed, BENIGN_CACHE, args.refetch)
    fetched_names = {canonicalize_name(sample.name) for sample in fetched}
    missing = sorted(f"{n}=={v or ''}" for n, v in listed if canonicalize_name(n) not in fetched_names)
    benign = fetched[: args.limit]
    if args.fetch_only:
        return
    guarddog = ensure_guarddog() if args.compare else None
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="safepip-malicious-") as tmp:
        root = Path(tmp)
        root.chmod(0o700)
        decrypt_malicious(CORPUS / "malicious-dev.tar.enc", root)
        malicious = malicious_samples(root, CORPUS / "malicious-dev.csv")[: args.limit]
        samples = malicious + benign
        for number, sample in enumerate(samples):
            if number % 50 == 0:
                print(f"scanning {number + 1}-{min(number + 50, len(samples))} of {len(samples)}", file=sys.stderr)
            outcome = scan_sample(sample, policy)
            if guarddog is not None and number % args.compare_every == 0:
                flagged, seconds = run_guarddog(guarddog, sample)
                outcome = replace(outcome, guarddog_flagged=flagged, guarddog_seconds=seconds)
            outcomes.append(outcome)
    summary = summarise(outcomes)
    summary["benign_not_downloadable"] = missing
    print(markdown(summary))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "summary": summary,
        "missed_malicious": [f"{o.sample.name}=={o.sample.version}" for o in outcomes if o.sample.malicious and o.verdict is Verdict.ALLOW],
        "blocked_benign": [{"package": f"{o.sample.name}=={o.sample.version}", "rules": o.rules} for o in outcomes if not o.sample.malicious and o.verdict is Verdict.BLOCK],
        "samples": [{
            "package": f"{o.sample.name}=={o.sample.version}", "malicious": o.sample.malicious, "verdict": o.verdict.label,
            "seconds": round(o.seconds, 4), "bytes": o.bytes_scanned,
            "guarddog_flagged": o.guarddog_flagged, "guarddog_seconds": o.guarddog_seconds and round(o.guarddog_seconds, 3),
        } for o in outcomes],
        "warned_benign": [{"package": f"{o.sample.name}=={o.sample.version}", "rules": o.rules, "errors": o.errors} for o in outcomes if not o.sample.malicious and o.verdict is Verdict.WARN],
    }, indent=1))


if __name__ == "__main__":
    main()
