"""`safepip scan`: local archives and source trees through the behaviour rules and the policy."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .config import load_settings
from .core.checks.archive import ArchiveScan, name_from_filename, scan_paths
from .core.model import Candidate, PackageReport, Report, Verdict
from .core.policy import Policy, decide_package, install_anyway_allowed, is_denied


def scan_report(paths: list[Path], policy: Policy | None = None) -> tuple[Report, list[tuple[Path, ArchiveScan]]]:
    """Scan each path; one PackageReport per path, decided by the configured policy."""
    if policy is None:
        policy = load_settings()[0].policy
    results = scan_paths(paths)
    packages = tuple(_package_report(path, scan, policy) for path, scan in results)
    verdict = max((p.verdict for p in packages), default=Verdict.ALLOW)
    denied = any(is_denied(policy, p.candidate.name, None) for p in packages)
    report = Report(
        command="safepip scan " + " ".join(str(p) for p in paths),
        packages=packages,
        errors=(),
        verdict=verdict,
        install_anyway_allowed=install_anyway_allowed(policy, verdict, denied),
        reasons=tuple(f"{p.candidate.filename}: {r}" for p in packages if p.verdict is not Verdict.ALLOW for r in p.reasons),
    )
    return report, results


def _package_report(path: Path, scan: ArchiveScan, policy: Policy) -> PackageReport:
    name = name_from_filename(path.name) if path.is_file() else path.resolve().name
    candidate = Candidate(name, "", path.resolve().as_uri(), path.name, _sha256(path), True, path.name.endswith(".whl"))
    decision = decide_package(policy, candidate, name, scan.findings, scan.errors)
    return PackageReport(candidate, decision.findings, scan.errors, decision.verdict, decision.reasons)


def _sha256(path: Path) -> str | None:
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while chunk := src.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
