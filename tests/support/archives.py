"""Build small, harmless wheels and sdists in a test's tmp_path."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

from jupyter_safepip.core.checks.archive import ArchiveScan, scan_archive
from jupyter_safepip.core.model import Severity

Content = str | bytes


def _bytes(content: Content) -> bytes:
    return content.encode() if isinstance(content, str) else content


def make_sdist(directory: Path, files: dict[str, Content], name: str = "demo", version: str = "1.0") -> Path:
    """A .tar.gz sdist with `files` under `name-version/`, plus a PKG-INFO unless given."""
    root = f"{name}-{version}"
    directory.mkdir(parents=True, exist_ok=True)
    files = {"PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", **files}
    path = directory / f"{root}.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for member, content in files.items():
            data = _bytes(content)
            info = tarfile.TarInfo(f"{root}/{member}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def make_wheel(directory: Path, files: dict[str, Content], name: str = "demo", version: str = "1.0", pure: bool = True) -> Path:
    """A wheel with `files` at its root plus METADATA and WHEEL."""
    tag = "py3-none-any" if pure else "cp311-cp311-manylinux_2_28_x86_64"
    info = f"{name}-{version}.dist-info"
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{info}/WHEEL": f"Wheel-Version: 1.0\nRoot-Is-Purelib: {'true' if pure else 'false'}\nTag: {tag}\n",
        **files,
    }
    path = directory / f"{name}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in files.items():
            archive.writestr(member, _bytes(content))
    return path


def scan_sdist(directory: Path, files: dict[str, Content]) -> ArchiveScan:
    return scan_archive(make_sdist(directory, files))


def scan_wheel(directory: Path, files: dict[str, Content], pure: bool = True) -> ArchiveScan:
    return scan_archive(make_wheel(directory, files, pure=pure))


def severity(scan: ArchiveScan, rule_id: str) -> Severity | None:
    """The severity a rule was reported at, or None when it did not fire."""
    return next((f.severity for f in scan.findings if f.rule_id == rule_id), None)


def worst(scan: ArchiveScan) -> Severity:
    return max((f.severity for f in scan.findings), default=Severity.INFO)
