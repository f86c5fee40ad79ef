"""The history of checks and decisions: one SQLite file written by every kernel and read by the server.

WAL mode lets readers run while a writer commits; busy_timeout makes concurrent writers from several
processes wait for each other instead of failing. SQLite skips that wait where waiting could deadlock
(creating the file, switching to WAL, upgrading a read to a write), so every call is also retried on
"database is locked" with a bounded backoff, and writes take the write lock up front (BEGIN IMMEDIATE).
Each call opens its own connection, so one store object can be shared by threads (the server's
executor) and nothing is held open between calls.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TypeVar

from packaging.utils import canonicalize_name

from .model import Finding, Report, Verdict
from .report_json import finding_from_dict, finding_to_dict, report_from_dict, report_to_dict

# "refused": a warning nobody was there to answer (nbconvert, CI), so the policy said no; "blocked" is a block.
DECISIONS = frozenset({"checked", "installed", "install-anyway", "cancelled", "blocked", "refused", "timed-out", "failed"})
SOURCES = frozenset({"magic", "cli", "sidebar"})
SCHEMA_VERSION = 2  # 2: index on recorded_at, for pruning
KEEP_DAYS = 365.0
MAX_KEEP_DAYS = 36500.0  # a century: "keep everything" is 0
BUSY_TIMEOUT_SECONDS = 30.0
RETRY_FIRST_SECONDS = 0.01
RETRY_MAX_SECONDS = 0.5
MAX_LIMIT = 500
SQLITE_MAX_INTEGER = 2**63 - 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS checks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    recorded_at TEXT    NOT NULL,
    command     TEXT    NOT NULL,
    package     TEXT    NOT NULL,
    version     TEXT,
    packages    TEXT    NOT NULL,
    verdict     TEXT    NOT NULL,
    findings    TEXT    NOT NULL,
    decision    TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    notebook    TEXT,
    kernel_id   TEXT,
    report      TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS checks_verdict ON checks (verdict, id);
CREATE INDEX IF NOT EXISTS checks_recorded_at ON checks (recorded_at);
"""


class HistoryError(ValueError):
    """A history request or record that cannot be honoured; the message says why."""


def default_history_path() -> Path:
    """The history file in the Jupyter data directory, shared by kernels and the server."""
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "safepip" / "history.sqlite"


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded check: what was asked, what was found and what the user decided."""

    id: int
    recorded_at: datetime  # UTC
    command: str
    package: str  # the first package the check was about, for display
    version: str | None
    packages: tuple[str, ...]  # every project the check covered, requested ones first
    verdict: Verdict
    findings: tuple[Finding, ...]
    decision: str
    source: str
    notebook: str | None
    kernel_id: str | None


class HistoryStore:
    """Record and query checks in one SQLite file; safe for many processes at once."""

    def __init__(self, path: Path, keep_days: float = KEEP_DAYS) -> None:
        """Open (creating if needed) the store at `path`; entries older than `keep_days` are deleted now
        (0 keeps everything)."""
        if not 0 <= keep_days <= MAX_KEEP_DAYS:
            raise HistoryError(f"the history keeps entries for 0 to {MAX_KEEP_DAYS:.0f} days (0 keeps everything)")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _retry(self._set_up)
        if keep_days:
            _retry(lambda: self._prune(datetime.now(timezone.utc) - timedelta(days=keep_days)))

    def _prune(self, before: datetime) -> None:
        with self._connect() as db, _immediate(db):
            db.execute("DELETE FROM checks WHERE recorded_at < ?", (before.isoformat(),))

    def _set_up(self) -> None:
        with self._connect() as db:
            # journal_mode is a property of the file: set once, kept by every later connection.
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            if db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                with _immediate(db):  # one process creates the schema; the others see it done
                    if db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                        for statement in filter(str.strip, _SCHEMA.split(";")):
                            db.execute(statement)
                        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def record(
        self,
        report: Report,
        *,
        decision: str,
        source: str,
        notebook: str | None = None,
        kernel_id: str | None = None,
    ) -> int:
        """Store one check and its decision; returns the entry's id."""
        if decision not in DECISIONS:
            raise HistoryError(f"unknown decision {decision!r} (expected one of: {', '.join(sorted(DECISIONS))})")
        if source not in SOURCES:
            raise HistoryError(f"unknown source {source!r} (expected one of: {', '.join(sorted(SOURCES))})")
        packages, versions = _packages_of(report)
        package = packages[0] if packages else report.command
        # The pipeline repeats a request finding on the package it is about: keep one of each.
        findings = dict.fromkeys([*report.request_findings, *(f for p in report.packages for f in p.findings)])
        row = (
            datetime.now(timezone.utc).isoformat(),
            report.command,
            package,
            versions.get(package),
            "," + ",".join(packages) + ",",
            report.verdict.label,
            json.dumps([finding_to_dict(f) for f in findings]),
            decision,
            source,
            notebook,
            kernel_id,
            json.dumps(report_to_dict(report)),
        )

        def insert() -> int:
            with self._connect() as db, _immediate(db):
                cursor = db.execute(
                    "INSERT INTO checks (recorded_at, command, package, version, packages, verdict, findings,"
                    " decision, source, notebook, kernel_id, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
                return int(cursor.lastrowid)

        # A failed attempt rolled back, so retrying cannot record the check twice.
        return _retry(insert)

    def query(
        self, *, verdict: str | None = None, package: str | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[HistoryEntry, ...]:
        """Entries newest first; `verdict` is allow/warn/block, `package` matches part of a project name."""
        if not 0 < limit <= MAX_LIMIT:
            raise HistoryError(f"limit must be between 1 and {MAX_LIMIT}")
        if offset < 0:
            raise HistoryError("offset must not be negative")
        offset = min(offset, SQLITE_MAX_INTEGER)  # past every row anyway; larger ints overflow SQLite's binding
        where, params = _filters(verdict, package)

        def select() -> list[tuple]:
            with self._connect() as db:
                return db.execute(
                    "SELECT id, recorded_at, command, package, version, packages, verdict, findings, decision,"
                    f" source, notebook, kernel_id FROM checks{where} ORDER BY id DESC LIMIT ? OFFSET ?",
                    (*params, limit, offset),
                ).fetchall()

        return tuple(_entry(row) for row in _retry(select))

    def count(self, *, verdict: str | None = None, package: str | None = None) -> int:
        """How many entries match the same filters as query()."""
        where, params = _filters(verdict, package)

        def count() -> int:
            with self._connect() as db:
                return int(db.execute(f"SELECT COUNT(*) FROM checks{where}", params).fetchone()[0])

        return _retry(count)

    def report(self, entry_id: int) -> Report | None:
        """The full report recorded with an entry."""
        def select() -> tuple | None:
            with self._connect() as db:
                return db.execute("SELECT report FROM checks WHERE id = ?", (entry_id,)).fetchone()

        row = _retry(select)
        return report_from_dict(json.loads(row[0])) if row else None

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
            db.execute("PRAGMA synchronous=NORMAL")  # durable enough in WAL mode, and much faster
            yield db
        finally:
            db.close()


_T = TypeVar("_T")


def _retry(call: Callable[[], _T]) -> _T:
    """`call()`, again after a growing random pause while SQLite says the database is locked or busy."""
    deadline = time.monotonic() + BUSY_TIMEOUT_SECONDS
    pause = RETRY_FIRST_SECONDS
    while True:
        try:
            return call()
        except sqlite3.OperationalError as exc:
            message = str(exc)
            if ("locked" not in message and "busy" not in message) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause * random.uniform(0.5, 1.5))  # jitter: writers that collided do not collide again
        pause = min(pause * 2, RETRY_MAX_SECONDS)


@contextmanager
def _immediate(db: sqlite3.Connection) -> Iterator[None]:
    """A write transaction that takes the write lock at once, so it never has to upgrade a read lock."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _packages_of(report: Report) -> tuple[tuple[str, ...], dict[str, str]]:
    """Every project a report is about, requested ones first, and the versions pip chose."""
    names: list[str] = []
    versions: dict[str, str] = {}
    requested = [p.candidate for p in report.packages if p.candidate.requested]
    dependencies = [p.candidate for p in report.packages if not p.candidate.requested]
    for candidate in requested:
        names.append(canonicalize_name(candidate.name))
        versions[names[-1]] = candidate.version
    # A name the index does not know has no candidate, only a request finding.
    names += [canonicalize_name(f.package) for f in report.request_findings if f.package]
    names += [canonicalize_name(e.package) for e in report.errors if e.package]
    for candidate in dependencies:
        names.append(canonicalize_name(candidate.name))
        versions[names[-1]] = candidate.version
    if not names:  # nothing to install (already satisfied): the names typed are all there is
        names = list(_requested_names(report.command))
    return tuple(dict.fromkeys(names)), versions


def _requested_names(command: str) -> tuple[str, ...]:
    from .request import parse_command

    try:
        request = parse_command(command)
    except ValueError:  # e.g. a requirements file that is gone by now
        return ()
    return tuple(r.name for r in getattr(request, "requirements", ()) if r.name)


def _filters(verdict: str | None, package: str | None) -> tuple[str, tuple]:
    clauses: list[str] = []
    params: list = []
    if verdict:
        labels = {v.label for v in Verdict}
        if verdict not in labels:
            raise HistoryError(f"unknown verdict {verdict!r} (expected one of: {', '.join(sorted(labels))})")
        clauses.append("verdict = ?")
        params.append(verdict)
    if package and package.strip():
        clauses.append("instr(packages, ?) > 0")
        params.append(canonicalize_name(package.strip()))
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(params)


def _entry(row: tuple) -> HistoryEntry:
    (id_, recorded_at, command, package, version, packages, verdict, findings, decision, source, notebook, kernel_id) = row
    return HistoryEntry(
        id=id_,
        recorded_at=datetime.fromisoformat(recorded_at),
        command=command,
        package=package,
        version=version,
        packages=tuple(p for p in packages.split(",") if p),
        verdict=Verdict[verdict.upper()],
        findings=tuple(finding_from_dict(f) for f in json.loads(findings)),
        decision=decision,
        source=source,
        notebook=notebook,
        kernel_id=kernel_id,
    )
