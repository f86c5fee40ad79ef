"""Download each chosen file once, verify its hash, keep it: the inspected bytes are the installed bytes.

Files live in a content-addressed store (`<cache>/artifacts/<sha256>/<filename>`), so a warm check
downloads nothing and the install reads the very file the rules read.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import requests

from .http import describe_failure
from .model import Artifact, Candidate

CHUNK = 1 << 20
MAX_DOWNLOAD_BYTES = 2 << 30
Received = Callable[[int, int | None], None]  # (bytes so far, the whole size if announced), as a download goes


def unheard(_so_far: int, _whole: int | None) -> None:
    """Nobody is watching this download."""


class ArtifactError(RuntimeError):
    """A file could not be fetched, or its bytes are not the bytes the index announced."""


class ArtifactStore:
    """A content-addressed directory of downloaded distribution files."""

    def __init__(self, root: Path, session: requests.Session, timeout: float = 60.0, offline: bool = False) -> None:
        self.root = root
        self.session = session
        self.timeout = timeout
        self.offline = offline

    def fetch(self, candidate: Candidate, received: Received = unheard) -> Artifact:
        """The candidate's file, from the store when its hash is known and kept, else downloaded once (`received`
        is told the bytes so far and the whole size, when the server says it, as they arrive)."""
        if candidate.sha256:
            kept = self._path(candidate.sha256, candidate.filename)
            if kept.is_file():
                # The store is only as trustworthy as the disk: a damaged or replaced file is fetched again.
                if kept_sha256(kept) == candidate.sha256:
                    return Artifact(candidate, kept, candidate.sha256, kept.stat().st_size)
                kept.unlink()
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".download-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                digest, size = self._copy_to(candidate.url, out, received)
            if candidate.sha256 and digest != candidate.sha256:
                raise ArtifactError(
                    f"{candidate.filename}: sha256 {digest[:12]}... differs from the index's {candidate.sha256[:12]}..."
                )
            kept = self._path(digest, candidate.filename)
            kept.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, kept)
            _remember(kept, digest)
        finally:
            tmp.unlink(missing_ok=True)
        return Artifact(replace(candidate, sha256=digest), kept, digest, size)

    def offline_links(self) -> Path:
        """A flat directory of links to every kept file, for pip's --find-links when nothing may be downloaded."""
        links = self.root / ".offline-links"
        links.mkdir(parents=True, exist_ok=True)
        for kept in self.root.glob("*/*"):
            if kept.parent != links and kept.is_file() and not kept.name.startswith("."):  # not a hash record
                link = links / kept.name
                if not link.is_symlink() or not link.exists():
                    link.unlink(missing_ok=True)
                    link.symlink_to(kept)
        return links

    def _path(self, sha256: str, filename: str) -> Path:
        return self.root / sha256 / Path(filename).name

    def _copy_to(self, url: str, out, received: Received) -> tuple[str, int]:
        whole, chunks = self._opened(url)
        digest, size = hashlib.sha256(), 0
        with closing(chunks):  # (the response is let go when the copy stops half-way too)
            for chunk in chunks:
                size += len(chunk)
                received(size, whole)
                if size > MAX_DOWNLOAD_BYTES:
                    raise ArtifactError(f"{_filename(url)}: larger than {MAX_DOWNLOAD_BYTES >> 20} MB")
                digest.update(chunk)
                out.write(chunk)
        received(size, size)  # done, whatever the server announced
        return digest.hexdigest(), size

    def _opened(self, url: str) -> tuple[int | None, Iterator[bytes]]:
        """The file's size when it is known before reading it (a local file's; the Content-Length of a response
        sent as it is, not re-encoded), and its bytes in chunks."""
        parts = urlsplit(url)
        if parts.scheme == "file":
            path = Path(url2pathname(unquote(parts.path)))
            try:
                src = path.open("rb")
            except OSError as exc:
                raise ArtifactError(f"cannot read {path}: {exc.strerror or exc}") from None
            return os.fstat(src.fileno()).st_size, _read(src, path)
        if self.offline:
            raise ArtifactError(f"offline: {_filename(url)} was not downloaded before, so it was not inspected")
        try:
            response = self.session.get(url.split("#", 1)[0], stream=True, timeout=self.timeout)
            response.raise_for_status()
        except requests.RequestException as exc:
            raise ArtifactError(f"cannot download {_filename(url)}: {describe_failure(exc, url)}") from None
        length = response.headers.get("Content-Length", "")
        plain = response.headers.get("Content-Encoding", "identity").strip().lower() in ("", "identity")
        whole = int(length) if length.isdigit() and plain else None
        if whole is not None and whole > MAX_DOWNLOAD_BYTES:
            response.close()
            raise ArtifactError(f"{_filename(url)}: larger than {MAX_DOWNLOAD_BYTES >> 20} MB")
        return whole, _streamed(response, url)


def _read(src, path: Path) -> Iterator[bytes]:
    with src:
        try:
            while chunk := src.read(CHUNK):
                yield chunk
        except OSError as exc:
            raise ArtifactError(f"cannot read {path}: {exc.strerror or exc}") from None


def _streamed(response: requests.Response, url: str) -> Iterator[bytes]:
    with response:
        try:
            yield from response.iter_content(CHUNK)
        except requests.RequestException as exc:
            raise ArtifactError(f"cannot download {_filename(url)}: {describe_failure(exc, url)}") from None


def _filename(url: str) -> str:
    return url.rsplit("/", 1)[-1].split("#", 1)[0]


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as src:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def kept_sha256(path: Path) -> str:
    """The sha256 of a kept file, hashed again only when it is not the file hashed before. The record beside it
    holds the hash with the file's identity (device, inode, size, modification and change times): a write, a
    replacement or a `touch` changes the change time, which no process can set back, so a warm check does not
    read a multi-GB wheel again to learn what it already knows."""
    identity = _identity(path)
    recorded = _recorded(path, identity)
    if recorded is not None:
        return recorded
    digest = file_sha256(path)
    if _identity(path) == identity:  # not changed while it was read
        _remember(path, digest)
    return digest


def opened_unchanged(opened, path: Path, sha256: str) -> bool:
    """Whether an opened kept file is, by its recorded identity, the file hashed to `sha256` (nothing is read:
    a file that is not, or has no record, says False)."""
    return _recorded(path, _identity_of(os.fstat(opened.fileno()))) == sha256


def _recorded(path: Path, identity: str) -> str | None:
    try:
        recorded, digest = _record(path).read_text().rsplit(" ", 1)
    except (OSError, ValueError):
        return None
    return digest if recorded == identity else None


def _identity(path: Path) -> str:
    return _identity_of(path.stat())


def _identity_of(info: os.stat_result) -> str:
    return f"{info.st_dev} {info.st_ino} {info.st_size} {info.st_mtime_ns} {info.st_ctime_ns}"


def _record(path: Path) -> Path:
    return path.with_name(f".{path.name}.sha256")


def _remember(path: Path, digest: str) -> None:
    """Record a file's hash with its identity now (after the rename that put it in place, which sets its change
    time); a record that cannot be written only means hashing again next time."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".record-")
    except OSError:
        return
    try:
        with os.fdopen(fd, "w") as out:
            out.write(f"{_identity(path)} {digest}")
        os.replace(tmp, _record(path))
    except OSError:
        Path(tmp).unlink(missing_ok=True)


def local_path(url: str) -> Path | None:
    """The filesystem path of a file:// URL or a plain path, else None."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return Path(url2pathname(unquote(parts.path)))
    if not parts.scheme or len(parts.scheme) == 1:  # a Windows drive letter is not a scheme
        return Path(os.path.expanduser(url))  # unlike Path.expanduser, leaves "~nosuchuser" as it is instead of raising
    return None

