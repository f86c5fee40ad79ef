"""Metadata inside the archive (PKG-INFO / METADATA) compared with what was requested."""

from __future__ import annotations

from collections.abc import Iterator
from email.parser import HeaderParser

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from .base import Hit


def read_fields(text: str) -> tuple[str | None, str | None]:
    """Name and Version from a core-metadata file."""
    headers = HeaderParser().parsestr(text, headersonly=True)
    return headers.get("Name"), headers.get("Version")


def match(path: str, text: str, expected_name: str | None, expected_version: str | None) -> Iterator[Hit]:
    name, version = read_fields(text)
    if expected_name and name and canonicalize_name(name) != canonicalize_name(expected_name):
        yield Hit("metadata-name-mismatch", path, None, f"Name: {name} (expected {expected_name})")
    if expected_version and version and not _same_version(version, expected_version):
        yield Hit("metadata-version-mismatch", path, None, f"Version: {version} (expected {expected_version})")


def _same_version(a: str, b: str) -> bool:
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a.strip() == b.strip()
