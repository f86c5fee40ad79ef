"""Fuzz the archive reader and the archive check: random bytes, and valid wheels and sdists with bytes flipped,
cut or spliced. Each input is read (ArchiveContents) or refused (ArchiveUnreadable); the check never raises."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_safepip.core.archive import ArchiveContents, ArchiveUnreadable, read_archive
from jupyter_safepip.core.checks.archive import scan_archive
from jupyter_safepip.testing.builders import build_sdist, build_wheel
from tests.reliability.conftest import tally

FUZZ = settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SUFFIXES = (".whl", ".tar.gz", ".zip", ".tar", ".egg", ".bin")
_counter = itertools.count()


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, bytes]:
    """Valid archives to mutate: a wheel with a flagged .pth, an sdist with a setup.py, plain and xz tars."""
    root = tmp_path_factory.mktemp("seeds")
    wheel = build_wheel(root, "fuzzpkg", "1.0", files={
        "fuzzpkg/__init__.py": "import os\nVALUE = os.environ.get('HOME')\n",
        "fuzzpkg_hook.pth": "import os; exec(__import__('base64').b64decode('cHJpbnQoMSk='))\n",
    })
    sdist = build_sdist(root, "fuzzpkg", "1.0", setup_py="import os\nfrom setuptools import setup\nos.system('id')\nsetup()\n")
    return {".whl": wheel.read_bytes(), ".tar.gz": sdist.read_bytes()}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _write(workdir: Path, data: bytes, suffix: str) -> Path:
    path = workdir / f"fuzzpkg-1.0-{next(_counter)}{suffix}"
    path.write_bytes(data)
    return path


def _check(path: Path) -> None:
    """The reader's and the check's contract on one file."""
    tally("hostile inputs")
    try:
        contents = read_archive(path, lambda name: name.endswith((".py", ".pth")))
    except ArchiveUnreadable as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert isinstance(contents, ArchiveContents)
        for member in contents.members:
            member.name.encode("utf-8")
            assert len(member.data) <= max(member.size, 64) + 1
    scan = scan_archive(path)
    assert scan.findings or scan.errors or scan.files_scanned >= 0
    for error in scan.errors:
        assert "\n" not in error.reason
    path.unlink()


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes(workdir, data, suffix):
    _check(_write(workdir, data, suffix))


@FUZZ
@given(head=st.sampled_from([b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b\x08\x00", b"BZh9", b"\xfd7zXZ\x00"]),
       body=st.binary(max_size=2048), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes_behind_archive_magic(workdir, head, body, suffix):
    _check(_write(workdir, head + body, suffix))


@st.composite
def mutations(draw, seed: bytes) -> bytes:
    """The seed with bytes flipped, cut, duplicated or overwritten."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "set", "cut", "truncate", "splice", "insert"]))
        if action == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "set":
            data[at] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80, ord("/"), ord("."), ord("\\")]))
        elif action == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        elif action == "truncate":
            del data[at:]
        elif action == "splice":
            size = draw(st.integers(1, 256))
            data[at:at] = data[max(0, at - size) : at]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=32))
    return bytes(data)


def test_mutated_wheels(workdir, seeds):
    @FUZZ
    @given(mutations(seeds[".whl"]), st.sampled_from([".whl", ".tar.gz"]))
    def run(data, suffix):
        _check(_write(workdir, data, suffix))

    run()


def test_mutated_sdists(workdir, seeds):
    @FUZZ
    @given(mutations(seeds[".tar.gz"]))
    def run(data):
        _check(_write(workdir, data, ".tar.gz"))

    run()


def test_mutated_uncompressed_tars(workdir, seeds):
    import gzip

    plain = gzip.decompress(seeds[".tar.gz"])

    @FUZZ
    @given(mutations(plain))
    def run(data):
        _check(_write(workdir, data, ".tar"))

    run()
