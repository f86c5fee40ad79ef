"""Bundled native programs: disguised names, or native code in a wheel that says it is pure Python."""

from __future__ import annotations

import struct
from pathlib import Path

from jupyter_safepip.core.model import Severity
from jupyter_safepip.core.rules.binaries import native_kind
from tests.support.archives import scan_wheel, severity

ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 57
PE = b"MZ" + b"\x00" * 58 + struct.pack("<I", 0x80) + b"\x00" * 64


def test_magic_numbers() -> None:
    assert native_kind(ELF) == "ELF"
    assert native_kind(PE) == "PE"
    assert native_kind(b"\xcf\xfa\xed\xfe" + b"\x00" * 60) == "Mach-O"
    assert native_kind(b"\xca\xfe\xba\xbe\x00\x00\x00\x34") is None  # a Java class file
    assert native_kind(b"MZ is how this text starts") is None


def test_disguised_program(tmp_path: Path) -> None:
    assert severity(scan_wheel(tmp_path / "a", {"demo/logo.png": ELF}), "binary-disguised") is Severity.HIGH
    assert severity(scan_wheel(tmp_path / "b", {"demo/logo.png": b"\x89PNG\r\n" + b"\x00" * 60}), "binary-disguised") is None


def test_native_code_in_pure_wheel_is_low(tmp_path: Path) -> None:
    assert severity(scan_wheel(tmp_path / "a", {"demo/helper.exe": PE}), "binary-in-pure-package") is Severity.LOW
    assert severity(scan_wheel(tmp_path / "b", {"demo/_ext.so": ELF}, pure=False), "binary-in-pure-package") is None


def test_compiled_modules_without_their_source_are_reported(tmp_path):
    from jupyter_safepip.core.model import Severity
    from tests.support.archives import scan_wheel, severity

    only = scan_wheel(tmp_path / "only", {"demo/__init__.pyc": b"\x00" * 16})
    assert severity(only, "binary-bytecode-only") is Severity.MEDIUM
    cached = scan_wheel(tmp_path / "cached", {"demo/__init__.py": "", "demo/__pycache__/__init__.cpython-311.pyc": b"\x00" * 16})
    assert severity(cached, "binary-bytecode-only") is None


def test_a_program_named_like_data_is_disguised(tmp_path):
    from tests.support.archives import scan_sdist, severity

    scan = scan_sdist(tmp_path, {"setup.py": "", "demo/payload.dat": b"\x7fELF" + b"\x00" * 60})
    assert severity(scan, "binary-disguised") is not None
