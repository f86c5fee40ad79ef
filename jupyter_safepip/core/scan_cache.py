"""Archive scan results kept by file hash, so a warm check never re-reads a large wheel.

The key includes a fingerprint of the rule sources: changing a rule invalidates old results. Each entry
names what it was computed for and carries a digest of its result, so a damaged, misplaced or naively
edited entry is scanned again. It is not a signature: whoever can write the user's cache directory can
write a consistent entry (see SECURITY.md); the archive itself is always re-verified by its sha256.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from . import analysis, rules
from .checks import archive as archive_check
from .checks.archive import ArchiveScan, scan_archive
from .model import Artifact
from .scan_workers import ScanWorkers
from .report_json import error_from_dict, error_to_dict, finding_from_dict, finding_to_dict


@lru_cache(maxsize=1)
def rules_fingerprint() -> str:
    """A hash of the code that produces scan results."""
    digest = hashlib.sha256()
    sources = sorted([*Path(rules.__file__).parent.rglob("*.py"), *Path(analysis.__file__).parent.rglob("*.py")]) \
        + [Path(archive_check.__file__)]
    for source in sources:
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


class ScanCache:
    """A directory of JSON scan results keyed by (file sha256, expected name/version, rules fingerprint)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def scan(self, artifact: Artifact, name: str, version: str | None, name_is_known: bool = True,
             workers: ScanWorkers | None = None) -> ArchiveScan:
        """The archive's scan (cached by content; else scanned by `workers`, or here); the archive's own metadata
        must name `name` unless the name is only a guess from a file name nobody chose by pip's rules (a local
        `x.tgz`)."""
        subject = {"sha256": artifact.sha256, "name": name, "version": version, "rules": rules_fingerprint(),
                   "name_is_known": name_is_known}
        key = hashlib.sha256("|".join(str(v) for v in subject.values()).encode()).hexdigest()
        path = self.root / key[:2] / f"{key}.json"
        cached = _load(path, subject)
        if cached is not None:
            return cached
        expected = (name if name_is_known else None, version or None)
        result = workers.scan(artifact.path, name, *expected) if workers is not None \
            else scan_archive(artifact.path, name, *expected)
        _store(path, subject, result)
        return result


def _digest(subject: dict, result: dict) -> str:
    return hashlib.sha256(json.dumps([subject, result], sort_keys=True).encode()).hexdigest()


def _load(path: Path, subject: dict) -> ArchiveScan | None:
    try:
        entry = json.loads(path.read_text())
        data = entry["result"]
        if entry["subject"] != subject or entry["digest"] != _digest(subject, data):
            return None  # not the entry for this file and these rules, or edited: scan again
        return ArchiveScan(
            findings=tuple(finding_from_dict(f) for f in data["findings"]),
            errors=tuple(error_from_dict(e) for e in data["errors"]),
            files_scanned=data["files_scanned"],
            bytes_scanned=data["bytes_scanned"],
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or damaged: scan again


def _store(path: Path, subject: dict, result: ArchiveScan) -> None:
    data = {
        "findings": [finding_to_dict(f) for f in result.findings],
        "errors": [error_to_dict(e) for e in result.errors],
        "files_scanned": result.files_scanned,
        "bytes_scanned": result.bytes_scanned,
    }
    entry = {"subject": subject, "result": data, "digest": _digest(subject, data)}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as out:
        json.dump(entry, out)
    os.replace(tmp, path)
