"""Check one upstream file once for every user and replica: the store's answer if it has one, else a check
under the store's lock (a second replica asking meanwhile waits for it and reads the same answer)."""

from __future__ import annotations

import hashlib
import os
import socket
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from packaging.utils import canonicalize_name

from ..core.artifacts import ArtifactError
from ..core.index import IndexClient, IndexFile
from ..core.checks import metadata, names
from ..core.model import Artifact, Candidate, CheckError, PipNetwork
from ..core.pipeline import Pipeline
from ..core.scan_cache import rules_fingerprint
from ..core.scan_workers import ScanWorkers
from .records import FileCheck
from .store import VerdictStore, now

PROCESS = f"{socket.gethostname()}:{os.getpid()}"  # which replica ran a check, in the store's scan log
# A check is kept only when its errors say something about the file itself and would come back on a second check
# (an archive over a budget, say), not when the check itself failed (a lost worker, a bug): that one runs again.
PASSING_ARCHIVE_ERRORS = ("could not inspect", "internal error")
# A kept check is made again after this long: the metadata findings (a project's age, its known vulnerabilities)
# change with time. The archive's scan is cached by content, so checking again costs little.
CHECK_TTL = timedelta(days=1)


class FetchFailed(RuntimeError):
    """The upstream file could not be fetched whole, or its bytes are not the ones the index announced."""


@dataclass(frozen=True)
class Checked:
    check: FileCheck
    artifact: Artifact | None  # the kept file when this call fetched it


class FileVetter:
    def __init__(self, pipeline: Pipeline, store: VerdictStore, upstream: IndexClient,
                 network: PipNetwork = PipNetwork(), workers: ScanWorkers | None = None) -> None:
        self.pipeline = pipeline
        self.workers = workers  # the archive scans hold the interpreter lock: in processes, pages stay quick
        self.store = store
        self.upstream = upstream
        self.network = network
        self.rules = checks_fingerprint()
        self.scans = 0  # files this process checked (the benchmark and the tests count them)

    def known(self, file: IndexFile) -> FileCheck | None:
        """The kept check of this file, unless it is older than CHECK_TTL."""
        check = self.store.file_check(file.sha256, self.rules) if file.sha256 else None
        return check if check is not None and now() - check.checked_at < CHECK_TTL else None

    def check(self, project: str, file: IndexFile) -> Checked:
        """The file's check; FetchFailed when there is nothing checked to answer with."""
        known = self.known(file)
        if known is not None:
            return Checked(known, None)
        key = file.sha256 or hashlib.sha256(file.url.encode()).hexdigest()
        with self.store.scanning(key):
            known = self.known(file)
            if known is not None:
                return Checked(known, None)
            return self._check_now(project, file)

    def fetch(self, project: str, file: IndexFile, check: FileCheck) -> Artifact:
        """The exact bytes that were checked: the kept copy, else downloaded again and verified against the
        check's hash (another replica may have done the check)."""
        try:
            return self.pipeline.fetch(_candidate(project, file, check.sha256), self.network)
        except ArtifactError as exc:
            raise FetchFailed(str(exc)) from None

    def _check_now(self, project: str, file: IndexFile) -> Checked:
        findings, errors, artifact = self.pipeline.check_file(_candidate(project, file, file.sha256), self.upstream,
                                                              self.network, self.workers)
        if artifact is None:
            raise FetchFailed(next((e.reason for e in errors if e.check == "download"), "the file could not be fetched"))
        self.scans += 1
        self.store.note_scan(artifact.sha256, PROCESS)
        check = FileCheck(artifact.sha256, self.rules, file.filename, canonicalize_name(project), file.version or "",
                          findings, errors, now())
        if all(_lasting(e) for e in errors):  # a metadata lookup that failed is tried again next time
            self.store.save_check(check)
        return Checked(check, artifact)


def _lasting(error: CheckError) -> bool:
    return error.check == "archive" and not error.reason.startswith(PASSING_ARCHIVE_ERRORS)


def checks_fingerprint() -> str:
    """What a kept check was made with: the behaviour rules, and the name and metadata checks."""
    digest = hashlib.sha256(rules_fingerprint().encode())
    for module in (names, metadata):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


def _candidate(project: str, file: IndexFile, sha256: str | None) -> Candidate:
    return Candidate(canonicalize_name(project), file.version or "", file.url, file.filename, sha256, True,
                     file.filename.endswith(".whl"), file.yanked)
