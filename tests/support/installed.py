"""What got installed, proven from the files themselves: which wheel's bytes a distribution holds."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterable
from pathlib import Path

from packaging.utils import canonicalize_name, parse_wheel_filename


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _payload(wheel: Path) -> dict[str, str]:
    """sha256 of every file a wheel installs into site-packages as it is (not its metadata or .data scripts)."""
    with zipfile.ZipFile(wheel) as archive:
        return {name: _sha256(archive.read(name)) for name in archive.namelist()
                if not name.endswith("/") and ".dist-info/" not in name and ".data/" not in name}


def recorded_hashes(root: Path, wheels: Iterable[Path]) -> dict[str, str]:
    """For each distribution under `root` named like one of `wheels`: the sha256 of the wheel whose files it
    holds byte for byte, or "other bytes" when none of them matches."""
    candidates = [(canonicalize_name(parse_wheel_filename(w.name)[0]), _sha256(w.read_bytes()), _payload(w)) for w in wheels]
    names = {name for name, _, _ in candidates}
    found: dict[str, str] = {}
    for info in root.rglob("*.dist-info"):
        name = canonicalize_name(info.name.split("-", 1)[0])
        if name not in names:
            continue
        site = info.parent
        found[name] = next((sha for wanted, sha, files in candidates if wanted == name and files and all(
            (site / f).is_file() and _sha256((site / f).read_bytes()) == digest for f, digest in files.items())),
            "other bytes")
    return found
