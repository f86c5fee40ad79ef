"""Build harmless wheels and sdists directly as archives, without any build backend."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
import textwrap
import zipfile
from pathlib import Path

from packaging.utils import canonicalize_name


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def metadata_text(name: str, version: str, summary: str = "", requires: list[str] | None = None,
                  description: str = "", project_urls: dict[str, str] | None = None) -> str:
    """Core metadata (METADATA / PKG-INFO) for a fixture distribution."""
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", f"Summary: {summary}"]
    lines += [f"Project-URL: {k}, {v}" for k, v in (project_urls or {}).items()]
    lines += [f"Requires-Dist: {r}" for r in requires or []]
    return "\n".join(lines) + "\n\n" + description + "\n"


def build_wheel(directory: Path, name: str, version: str, *, files: dict[str, str] | None = None,
                requires: list[str] | None = None, summary: str = "A harmless fixture package",
                description: str = "", project_urls: dict[str, str] | None = None,
                extra: dict[str, bytes] | None = None) -> Path:
    """A pure-Python wheel; `files` default to a package module exporting __version__."""
    module = canonicalize_name(name).replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    contents = {f"{module}/__init__.py": f"__version__ = {version!r}\n"} if files is None else dict(files)
    entries: dict[str, bytes] = {k: v.encode() for k, v in contents.items()}
    entries.update(extra or {})
    entries[f"{dist_info}/METADATA"] = metadata_text(name, version, summary, requires, description, project_urls).encode()
    entries[f"{dist_info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: safepip-fixtures\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    entries[f"{dist_info}/top_level.txt"] = f"{module}\n".encode()
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in entries.items())
    entries[f"{dist_info}/RECORD"] = (record + f"{dist_info}/RECORD,,\n").encode()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in entries.items():
            archive.writestr(zipfile.ZipInfo(member, date_time=(2024, 1, 1, 0, 0, 0)), data)
    return path


def build_sdist(directory: Path, name: str, version: str, *, setup_py: str | None = None,
                files: dict[str, str] | None = None, summary: str = "A harmless fixture package") -> Path:
    """A setuptools sdist (.tar.gz) with PKG-INFO, setup.py and a module."""
    module = canonicalize_name(name).replace("-", "_")
    root = f"{module}-{version}"
    setup_py = setup_py if setup_py is not None else (
        f"from setuptools import setup\nsetup(name={name!r}, version={version!r}, py_modules=[{module!r}])\n"
    )
    entries = {"PKG-INFO": metadata_text(name, version, summary), "setup.py": setup_py,
               f"{module}.py": f"__version__ = {version!r}\n"}
    entries.update(files or {})
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{root}.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for member, text in entries.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{root}/{member}")
            info.size, info.mtime = len(data), 1704067200
            archive.addfile(info, io.BytesIO(data))
    return path


def canary_setup_py(name: str, version: str, marker: Path) -> str:
    """A setup.py that does what credential stealers do at install time (dump the environment to a file),
    harmlessly: the file is the marker that proves whether anything ran it."""
    return textwrap.dedent(f"""\
        import json, os, pathlib
        pathlib.Path({str(marker)!r}).write_text(json.dumps(dict(os.environ)))
        from setuptools import setup
        setup(name={name!r}, version={version!r}, py_modules=[{name.replace('-', '_')!r}])
        """)


PYPROJECT_SETUPTOOLS = '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'


def canary_sdist(directory: Path, marker: Path, name: str = "canarypkg", version: str = "1.0.0") -> Path:
    """An sdist whose setup.py writes `marker` if anything ever runs it (a build, a metadata preparation)."""
    return build_sdist(directory, name, version, setup_py=canary_setup_py(name, version, marker),
                       files={"pyproject.toml": PYPROJECT_SETUPTOOLS})
