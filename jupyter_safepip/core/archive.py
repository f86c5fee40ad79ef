"""Read wheels, sdists and eggs in memory without trusting them: nothing is ever extracted to disk.

Suspicious structure (traversal, links, devices, duplicates, bombs) becomes an `ArchiveIssue`; an archive
that cannot be read at all raises `ArchiveUnreadable`. Time and memory are bounded by these limits:

- MAX_MEMBERS: members read per archive (nested ones included); the rest is reported, not read.
- MAX_MEMBER_BYTES: the largest member whose content is read; larger ones are only listed.
- MAX_TOTAL_BYTES: uncompressed bytes decompressed per archive, over all members and nesting levels.
- MAX_RATIO / RATIO_MIN_BYTES: a member, or the archive as a whole (a tar stream, or every member kept
  together), that inflates more than MAX_RATIO times and beyond RATIO_MIN_BYTES is a compression bomb:
  reading stops there. So an archive of N bytes never inflates beyond `inflate_budget(N)`.
- MAX_NESTING: how deep archives inside archives are opened.
- HEAD_BYTES: how much of a member that is not wanted in full is kept (enough for file-type magic).
- MAX_LINK_STEPS: path components followed while resolving one archive's links (see below).

Links are judged per archive, once all its members are known: a link escapes when its target, read from the
link's own directory and through the archive's other links as a file system would, leaves the root of the archive
it is in (the outer one, or the nested one). pip never unpacks an archive inside a package, so inside a nested
archive only a real escape keeps its weight; links, device files and repeated names there are information.

Peak memory while reading is bounded by `memory_bound(N)`: the archive's index and what it may inflate (the
file itself is read as its members are, not held: a 900 MB wheel is not 900 MB of memory; a nested archive's
bytes are held while it is read). Time has no clock limit: it is linear in those same bytes, so the limits bound it too.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import posixpath
import re
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from typing import BinaryIO
from dataclasses import dataclass
from pathlib import Path

MAX_MEMBERS = 100_000
MAX_MEMBER_BYTES = 32 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_RATIO = 250
RATIO_MIN_BYTES = 64 * 1024 * 1024  # below this, a highly compressible file (zeroed weights) is just data
MAX_NESTING = 2
MAX_LINK_HOPS = 40  # links followed in one resolution, as Linux does before giving up (ELOOP)
MAX_PATH = 4096  # a longer link target or path cannot be created when unpacked (ENAMETOOLONG)
MAX_LINK_STEPS = 1_000_000  # path components resolved per archive; beyond, the links are said to be unchecked
HEAD_BYTES = 64
SNIFF_BYTES = 512  # enough of a file to tell a zip from a (compressed) tar
INDEX_BYTES_PER_BYTE = 24  # what a zip's central directory or a tar's headers cost in memory, per byte on disk

NESTED_SUFFIXES = (".whl", ".zip", ".egg", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar")
_READ_ERRORS = (
    tarfile.TarError, zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, EOFError,
    OSError, ValueError, NotImplementedError, RuntimeError, KeyError, OverflowError, IndexError, struct.error,
    TypeError,  # tarfile's gzip header parser raises it on a truncated header
)


class ArchiveUnreadable(ValueError):
    """The archive is corrupt, encrypted or of an unknown format: it could not be inspected."""


@dataclass(frozen=True)
class Member:
    """One regular file of an archive: its normalised name and its content (or just its head)."""

    name: str
    size: int
    data: bytes
    complete: bool  # False when only the first HEAD_BYTES were kept


@dataclass(frozen=True)
class ArchiveIssue:
    """Something about the archive's structure itself; `kind` is a rule id from rules.table."""

    kind: str
    name: str
    detail: str


# Structural issues that are information inside a nested archive (no unpacker pip runs will see them).
NESTED_INFORMATION = frozenset({"archive-link", "archive-special-file", "archive-duplicate-name"})


@dataclass(frozen=True)
class ArchiveContents:
    """What could be read safely from an archive."""

    members: tuple[Member, ...]
    issues: tuple[ArchiveIssue, ...]
    incomplete: tuple[str, ...]  # why parts were not read (limits hit); the scan is partial
    bytes_read: int


def archive_kind(name: str) -> str | None:
    """'zip', 'tar' or None, from a file name."""
    lower = name.lower()
    if lower.endswith((".whl", ".zip", ".egg")):
        return "zip"
    if lower.endswith((".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar")):
        return "tar"
    return None


def sniff(data: bytes) -> str | None:
    """'zip' or 'tar' from an archive's first bytes (compressed tars by their compressor's magic)."""
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if data[:2] == b"\x1f\x8b" or data[:3] == b"BZh" or data[:6] == b"\xfd7zXZ\x00" or data[257:262] == b"ustar":
        return "tar"
    return None


def inflate_budget(archive_size: int) -> int:
    """How many uncompressed bytes an archive of this size may inflate to before it counts as a bomb."""
    return min(MAX_TOTAL_BYTES, max(RATIO_MIN_BYTES, MAX_RATIO * archive_size))


def memory_bound(archive_size: int) -> int:
    """The most memory reading an archive of this size may take (its index, what it inflates, and its bytes, which
    are held when it is nested in another)."""
    return (1 + INDEX_BYTES_PER_BYTE) * archive_size + 2 * inflate_budget(archive_size) + MAX_MEMBER_BYTES


def read_archive(path: Path, wanted: Callable[[str], bool]) -> ArchiveContents:
    """Read `path`; members for which `wanted(name)` is true are kept in full, the others only by their head."""
    try:
        source = path.open("rb")
    except OSError as exc:
        raise ArchiveUnreadable(f"cannot read {path.name}: {exc.strerror or exc}") from None
    with source:
        # The content decides, not the name: a wheel renamed to .tar.gz is still read as the zip it is.
        kind = sniff(source.read(SNIFF_BYTES)) or archive_kind(path.name)
        if kind is None:
            raise ArchiveUnreadable(f"not a wheel, sdist or egg: {path.name}")
        reader = _Reader(wanted, inflate_budget(os.fstat(source.fileno()).st_size))
        reader.read(source, kind, prefix="", depth=0)
    if not reader.members and not reader.issues and not reader.incomplete:
        raise ArchiveUnreadable(f"{path.name} holds no files")
    return ArchiveContents(tuple(reader.members), tuple(reader.issues), tuple(reader.incomplete), reader.total)


def safe_name(raw: str) -> tuple[str, str | None]:
    """A member name normalised for display and matching, and why it is unsafe (None when it is fine)."""
    name = raw.replace("\\", "/")
    problem = None
    if "\x00" in raw:
        problem = "contains a NUL byte"
    elif name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        problem = "is an absolute path"
    elif ".." in name.split("/"):
        problem = "climbs out of the install directory (..)"
    normal = posixpath.normpath(name.lstrip("/")).replace("\x00", "?")
    return ("" if normal == "." else normal), problem


class _Reader:
    """Walks one archive (and the archives inside it) while counting against the limits."""

    def __init__(self, wanted: Callable[[str], bool], budget: int) -> None:
        self.wanted = wanted
        self.budget = budget
        self.members: list[Member] = []
        self.issues: list[ArchiveIssue] = []
        self.incomplete: list[str] = []
        self.total = 0
        self.count = 0

    def read(self, source: BinaryIO, kind: str, prefix: str, depth: int) -> None:
        """Read the archive in `source` (a file, or a nested archive's bytes), from its start."""
        source.seek(0)
        try:
            if kind == "zip":
                self._zip(source, prefix, depth)
            else:
                self._tar(source, prefix, depth)
        except _LimitHit as hit:
            self.incomplete.append(str(hit))
        except ArchiveUnreadable:
            if depth == 0:
                raise
            self.issues.append(ArchiveIssue("archive-nested-unreadable", prefix.rstrip("!"), "cannot be opened"))
        except _READ_ERRORS as exc:
            if depth == 0:
                raise ArchiveUnreadable(f"corrupt archive: {exc}") from None
            self.issues.append(ArchiveIssue("archive-nested-unreadable", prefix.rstrip("!"), f"corrupt: {exc}"))

    def _zip(self, source: BinaryIO, prefix: str, depth: int) -> None:
        try:
            archive = zipfile.ZipFile(source)
        except zipfile.BadZipFile as exc:
            raise ArchiveUnreadable(f"not a valid zip archive: {exc}") from None
        seen: set[str] = set()
        links = _Links()
        try:
            self._zip_members(archive, prefix, depth, seen, links)
        finally:
            self._judge(links, prefix, depth)

    def _zip_members(self, archive: zipfile.ZipFile, prefix: str, depth: int, seen: set[str], links: "_Links") -> None:
        for info in archive.infolist():
            name = self._check_name(info.filename, prefix, seen, depth)
            if name is None or info.is_dir():
                continue
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                target = archive.read(info)[:MAX_PATH].decode("utf-8", "replace") if info.file_size < MAX_PATH else "?"
                links.add(name, target, hard=False)
                continue
            links.written.append(name)
            if mode and (stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
                self._issue("archive-special-file", prefix + name, "is a device, pipe or socket", depth)
                continue
            if info.flag_bits & 0x1:
                raise ArchiveUnreadable(f"{prefix}{name} is encrypted")
            compressed = max(info.compress_size, 1)
            if info.file_size > RATIO_MIN_BYTES and info.file_size / compressed > MAX_RATIO:
                ratio = info.file_size // compressed
                self.issues.append(ArchiveIssue("archive-bomb", prefix + name, f"inflates {ratio}x to {info.file_size} bytes"))
                continue
            full = self._wants(name, info.file_size, depth)
            with archive.open(info) as stream:
                content = self._bounded_read(stream, info.file_size, full, prefix + name)
            self._keep(name, info.file_size, content, full, prefix, depth)

    def _tar(self, source: BinaryIO, prefix: str, depth: int) -> None:
        where = prefix.rstrip("!") or "(archive)"
        # We decompress, so every byte tarfile asks for is counted: a header claiming gigabytes stops at the budget.
        stream = _Inflating(source, self.budget)
        try:
            # Stream mode reads members in order, so a hostile index of offsets cannot make us seek around.
            archive = tarfile.open(fileobj=stream, mode="r|")
        except tarfile.ReadError as exc:
            raise ArchiveUnreadable(f"not a valid tar archive: {exc}") from None
        except _LimitHit:
            self.issues.append(ArchiveIssue("archive-bomb", where, f"inflates beyond {self.budget} bytes"))
            raise
        seen: set[str] = set()
        links = _Links()
        try:
            self._tar_members(archive, where, prefix, depth, seen, links)
        finally:
            self._judge(links, prefix, depth)

    def _tar_members(self, archive: tarfile.TarFile, where: str, prefix: str, depth: int, seen: set[str],
                     links: "_Links") -> None:
        with archive:
            members = iter(archive)
            while True:
                try:
                    info = next(members, None)
                except _LimitHit:
                    self.issues.append(ArchiveIssue("archive-bomb", where, f"inflates beyond {self.budget} bytes"))
                    raise
                if info is None:
                    break
                # Checked before tarfile inflates its way past this member to the next header.
                end = info.offset_data + max(info.size, 0)
                if end > self.budget:
                    self.issues.append(ArchiveIssue("archive-bomb", where, f"inflates beyond {end} bytes"))
                    raise _LimitHit(f"stopped reading before {end} uncompressed bytes")
                name = self._check_name(info.name, prefix, seen, depth)
                if name is None or info.isdir():
                    continue
                if info.issym() or info.islnk():
                    links.add(name, info.linkname, hard=info.islnk())
                    continue
                links.written.append(name)
                if not info.isfile():
                    self._issue("archive-special-file", prefix + name, "is a device, pipe or socket", depth)
                    continue
                full = self._wants(name, info.size, depth)
                stream = archive.extractfile(info)
                content = self._bounded_read(stream, info.size, full, prefix + name) if stream else b""
                self._keep(name, info.size, content, full, prefix, depth)

    def _check_name(self, raw: str, prefix: str, seen: set[str], depth: int) -> str | None:
        self.count += 1
        # tarfile keeps undecodable bytes as lone surrogates, which SQLite, JSON and terminals reject.
        if not raw.isascii() and _has_surrogates(raw):
            raw = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        if self.count > MAX_MEMBERS:
            self.issues.append(ArchiveIssue("archive-too-many-members", prefix.rstrip("!") or "(archive)", f"more than {MAX_MEMBERS} members"))
            raise _LimitHit(f"read only the first {MAX_MEMBERS} members")
        name, problem = safe_name(raw)
        if problem:
            self.issues.append(ArchiveIssue("archive-path-traversal", prefix + raw[:200], problem))
            return None
        if not name:
            return None
        if name in seen and not raw.endswith("/"):
            self._issue("archive-duplicate-name", prefix + name, "appears more than once; which copy is installed is ambiguous", depth)
        seen.add(name)
        return name

    def _issue(self, kind: str, name: str, detail: str, depth: int) -> None:
        if depth and kind in NESTED_INFORMATION:
            kind, detail = "archive-nested-structure", f"{detail} (inside {name.rsplit('!', 1)[0]}, which pip does not unpack)"
        self.issues.append(ArchiveIssue(kind, name, detail))

    def _judge(self, links: "_Links", prefix: str, depth: int) -> None:
        """The links of one archive (and what is written through them), now that all of them are known."""
        where = "the archive" if not depth else f"the archive it is in ({prefix.rstrip('!').rsplit('!', 1)[-1]})"
        for name, target, hard in links.all:
            what = "hard link" if hard else "symbolic link"
            if links.escapes(name, target, hard):
                self.issues.append(ArchiveIssue("archive-link-escape", prefix + name, f"{what} to {target[:120]!r} points outside {where}"))
            else:
                self._issue("archive-link", prefix + name, f"{what} to {target[:120]!r}", depth)
        for name in links.written_through_escapes():
            self.issues.append(ArchiveIssue("archive-link-escape", prefix + name, f"is written through a link that points outside {where}"))
        if links.steps > MAX_LINK_STEPS:
            self.incomplete.append(f"the links of {prefix.rstrip('!') or 'the archive'} were not all resolved "
                                   f"(more than {MAX_LINK_STEPS} path steps)")

    def _wants(self, name: str, size: int, depth: int) -> bool:
        nested = depth < MAX_NESTING and archive_kind(name) is not None
        if size > MAX_MEMBER_BYTES and (nested or _CODE.search(name)):
            # Code (or an archive) too large to read: said, never passed over in silence. (A .pth inside a
            # package is usually model weights; Python only runs the ones at the top of site-packages.)
            self.incomplete.append(f"{name} is larger than {MAX_MEMBER_BYTES} bytes and was not read")
            return False
        return size <= MAX_MEMBER_BYTES and (nested or self.wanted(name))

    def _bounded_read(self, stream: io.BufferedIOBase, declared: int, full: bool, where: str) -> bytes:
        limit = MAX_MEMBER_BYTES if full else HEAD_BYTES
        # Never trust the declared size: read at most one byte past the limit.
        wanted = min(limit, max(declared, 0)) + 1 if full else HEAD_BYTES
        if self.total + wanted > self.budget + HEAD_BYTES:
            self.issues.append(ArchiveIssue("archive-bomb", where, f"more than {self.budget} uncompressed bytes in total"))
            raise _LimitHit(f"stopped reading after {self.total} uncompressed bytes")
        content = stream.read(wanted)
        self.total += len(content)
        if full and len(content) > limit:
            self.incomplete.append(f"{where} is larger than {MAX_MEMBER_BYTES} bytes and was not read")
            return content[:HEAD_BYTES]
        return content

    def _keep(self, name: str, size: int, content: bytes, full: bool, prefix: str, depth: int) -> None:
        kind = sniff(content) if full and archive_kind(name) else None
        if kind is not None and depth < MAX_NESTING:
            self.read(io.BytesIO(content), kind, prefix=f"{prefix}{name}!", depth=depth + 1)
            self.issues.append(ArchiveIssue("archive-nested", prefix + name, "an archive inside the archive"))
        elif depth == MAX_NESTING and archive_kind(name) and sniff(content):
            # Not opened, so whatever it holds is unchecked: said, not passed over in silence.
            self.issues.append(ArchiveIssue("archive-nested-unreadable", prefix + name, f"nested more than {MAX_NESTING} archives deep"))
        complete = full and len(content) == size
        self.members.append(Member(prefix + name, size, content if full else content[:HEAD_BYTES], complete))


class _Links:
    """The links of one archive and the names written in it, to resolve targets as the unpacked tree would.

    The root is the archive's single top directory when every member is under one (pip unpacks an sdist without
    it, into a build directory of its own), else the archive's own root."""

    def __init__(self) -> None:
        self.all: list[tuple[str, str, bool]] = []  # (name, target, hard)
        self.written: list[str] = []
        self._symbolic: dict[str, str] | None = None
        self._lead = ""
        self.steps = 0  # path components followed so far, against MAX_LINK_STEPS

    def add(self, name: str, target: str, hard: bool) -> None:
        self.all.append((name, target, hard))

    def _ready(self) -> dict[str, str]:
        if self._symbolic is None:
            names = self.written + [name for name, _, _ in self.all]
            tops = {name.split("/", 1)[0] for name in names}
            self._lead = f"{tops.pop()}/" if len(tops) == 1 and all("/" in name for name in names) else ""
            self._symbolic = {self._inside(name): target for name, target, hard in self.all if not hard}
        return self._symbolic

    def _inside(self, name: str) -> str:
        return name[len(self._lead):] if self._lead and name.startswith(self._lead) else name

    def escapes(self, name: str, target: str, hard: bool) -> bool:
        """A symbolic link is read from its own directory, a hard link (a member's name) from the archive's root."""
        self._ready()
        text = target.replace("\\", "/")
        if "\x00" in text or _absolute(text):
            return True
        if len(text) >= MAX_PATH:
            return False  # cannot be created when unpacked
        return self.leaves_root(self._inside(text) if hard else f"{posixpath.dirname(self._inside(name))}/{text}")

    def written_through_escapes(self) -> list[str]:
        """Files whose directory is reached through a link that leaves the archive (d -> ../.., then d/x)."""
        symbolic = self._ready()
        if not symbolic:
            return []
        found = []
        for name in self.written:
            parts = self._inside(name).split("/")[:-1]
            through = len(name) < MAX_PATH and any("/".join(parts[:i]) in symbolic for i in range(1, len(parts) + 1))
            if through and self.leaves_root("/".join(parts)):
                found.append(name)
        return found

    def leaves_root(self, path: str) -> bool:
        """Whether `path` (from the root, '..' allowed) leaves the root, following the archive's own symbolic
        links; a loop resolves to nothing, as it would on disk. Past the archive's step budget nothing more is
        resolved (the reader says its links are unchecked)."""
        symbolic = self._ready()
        pending = path.split("/")[::-1]  # a stack: the next component last
        resolved: list[str] = []
        hops = 0
        while pending:
            self.steps += 1
            if self.steps > MAX_LINK_STEPS:
                return False
            part = pending.pop()
            if part in ("", "."):
                continue
            if part == "..":
                if not resolved:
                    return True
                resolved.pop()
                continue
            resolved.append(part)
            target = symbolic.get("/".join(resolved))
            if target is None:
                continue
            hops += 1
            text = target.replace("\\", "/")
            if hops > MAX_LINK_HOPS or len(text) >= MAX_PATH:
                return False
            if "\x00" in text or _absolute(text):
                return True
            resolved.pop()
            pending.extend(text.split("/")[::-1])
        return False


def _absolute(path: str) -> bool:
    return path.startswith("/") or (len(path) > 1 and path[1] == ":")


_CODE = re.compile(r"\.pyw?$|^(?:[^/]+\.data/(?:purelib|platlib)/)?[^/]+\.pth$")


class _LimitHit(Exception):
    """A limit stopped the reading; what was read so far is still scanned."""


class _Inflating(io.RawIOBase):
    """A tar's bytes, decompressed on demand (gzip, bzip2, xz or none) and never beyond `budget`."""

    def __init__(self, raw: BinaryIO, budget: int) -> None:
        super().__init__()
        magic = raw.read(6)
        raw.seek(0)
        if magic[:2] == b"\x1f\x8b":
            self.source: io.BufferedIOBase = gzip.GzipFile(fileobj=raw)
        elif magic[:3] == b"BZh":
            self.source = bz2.BZ2File(raw)
        elif magic[:6] == b"\xfd7zXZ\x00":
            self.source = lzma.LZMAFile(raw)
        else:
            self.source = raw
        self.budget = budget
        self.position = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        room = self.budget - self.position + 1
        chunk = self.source.read(room if size is None or size < 0 else min(size, room))
        self.position += len(chunk)
        if self.position > self.budget:
            raise _LimitHit(f"stopped reading after {self.budget} uncompressed bytes")
        return chunk


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= c <= "\udfff" for c in text)
