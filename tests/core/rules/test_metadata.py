"""Metadata inside the archive compared with the request."""

from __future__ import annotations

import zipfile
from pathlib import Path

from jupyter_safepip.core.checks.archive import scan_archive
from tests.support.archives import make_sdist, make_wheel, severity


def test_name_and_version_mismatch(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, {}, name="other", version="2.0")
    scan = scan_archive(wheel, package="demo", expected_name="demo", expected_version="1.0")
    assert severity(scan, "metadata-name-mismatch") is not None
    assert severity(scan, "metadata-version-mismatch") is not None
    assert all(f.package == "demo" for f in scan.findings)


def test_matching_metadata_is_quiet(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path, {}, name="Demo_Pkg", version="1.0.0")
    scan = scan_archive(sdist, expected_name="demo-pkg", expected_version="1.0")
    assert severity(scan, "metadata-name-mismatch") is None and severity(scan, "metadata-version-mismatch") is None


def test_egg_metadata_is_read(tmp_path: Path) -> None:
    egg = tmp_path / "demo-1.0-py3.11.egg"
    with zipfile.ZipFile(egg, "w") as out:
        out.writestr("EGG-INFO/PKG-INFO", "Metadata-Version: 1.1\nName: other\nVersion: 1.0\n")
        out.writestr("demo/__init__.py", "")
    scan = scan_archive(egg, expected_name="demo", expected_version="1.0")
    assert severity(scan, "metadata-name-mismatch") is not None and scan.files_scanned == 1
