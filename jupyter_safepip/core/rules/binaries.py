"""Bundled native programs: disguised under other file names, or shipped by a wheel that says it is pure Python."""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator

from ..archive import Member
from .base import Hit

# Extensions a native program or library legitimately carries.
NATIVE_SUFFIXES = (".exe", ".dll", ".so", ".pyd", ".dylib", ".bin", ".node", ".sys", ".o", ".a", ".elf", ".out", ".lib")
# Extensions that promise text, data or images: a program behind one of these is disguised.
HARMLESS_SUFFIXES = (
    ".py", ".pyw", ".pyi", ".txt", ".md", ".rst", ".json", ".yaml", ".yml", ".toml", ".cfg", ".ini", ".png", ".jpg",
    ".jpeg", ".gif", ".ico", ".svg", ".csv", ".html", ".js", ".css", ".pth", ".pem", ".xml", ".log", ".mp3", ".wav",
    ".dat", ".data", ".db", ".sqlite", ".pkl", ".npy", ".npz", ".pdf", ".ttf", ".woff", ".bmp", ".webp", ".tif",
)


def native_kind(head: bytes) -> str | None:
    """'ELF', 'PE' or 'Mach-O' from a file's first bytes."""
    if head.startswith(b"\x7fELF"):
        return "ELF"
    if head.startswith(b"MZ") and len(head) >= 64:
        (offset,) = struct.unpack_from("<I", head, 0x3C)
        return "PE" if 0x40 <= offset < 0x10000 else None
    if head[:4] in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe"):
        return "Mach-O"
    if head[:4] == b"\xca\xfe\xba\xbe" and len(head) >= 8 and struct.unpack_from(">I", head, 4)[0] < 40:
        return "Mach-O"  # a fat binary; Java class files share the magic but carry a version >= 45 here
    return None


def match(members: Iterable[Member], pure_wheel: bool) -> Iterator[Hit]:
    reported_pure = False
    for member in members:
        kind = native_kind(member.data[:64])
        if kind is None:
            continue
        lower = member.name.lower()
        if lower.endswith(HARMLESS_SUFFIXES):
            yield Hit("binary-disguised", member.name, None, f"{kind} program named {member.name.rsplit('/', 1)[-1]}")
        elif pure_wheel and not reported_pure:
            reported_pure = True
            yield Hit("binary-in-pure-package", member.name, None, f"{kind} program in a pure-Python wheel")


def bytecode_only(members: Iterable[Member]) -> Iterator[Hit]:
    """Compiled modules (.pyc) shipped without their source: Python imports them, nobody can read them."""
    names = {m.name for m in members}
    for name in sorted(names):
        if not name.endswith(".pyc"):
            continue
        folder, _, file = name.rpartition("/")
        stem = file.split(".", 1)[0]  # mod.cpython-311.pyc -> mod
        parent = folder.removesuffix("__pycache__").rstrip("/") if folder.endswith("__pycache__") else folder
        source = f"{parent}/{stem}.py" if parent else f"{stem}.py"
        if source not in names:
            yield Hit("binary-bytecode-only", name, None, f"{file} has no {stem}.py beside it")
            return
