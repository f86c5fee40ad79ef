"""The verdict store: file checks and decisions in one SQL database shared by every replica of the index.

SQLite (a file, nothing to set up) or PostgreSQL (several replicas). The schema is versioned and upgraded in
place when a store is opened. Decisions that cannot be written while the database is away are kept in memory
and written when it is back: none is lost to a restart.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timezone

from ..core.model import Verdict
from ..core.report_json import error_from_dict, error_to_dict, finding_from_dict, finding_to_dict
from .records import Decision, DecisionFilter, FileCheck

log = logging.getLogger(__name__)
MAX_PENDING_DECISIONS = 100_000  # kept in memory while the database is away; the oldest go first beyond that
RETRY_SECONDS = 2.0  # how often the decision writer tries again while the database is away
MAX_REMEMBERED_CHECKS = 20_000  # checks kept in memory: a check never changes once made
MISSING_SECONDS = 5.0  # a page read from memory trusts "not checked yet" this long (a file's own request asks again)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # text in both databases: sorts as time does
# Each entry upgrades the schema by one version; `{serial}` is the dialect's auto-numbered key.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE file_checks (sha256 TEXT NOT NULL, rules TEXT NOT NULL, filename TEXT NOT NULL, "
        "project TEXT NOT NULL, version TEXT NOT NULL, findings TEXT NOT NULL, errors TEXT NOT NULL, "
        "checked_at TEXT NOT NULL, PRIMARY KEY (sha256, rules))",
        "CREATE TABLE decisions (id {serial}, at TEXT NOT NULL, user_name TEXT NOT NULL, client TEXT NOT NULL, "
        "project TEXT NOT NULL, version TEXT NOT NULL, filename TEXT NOT NULL, sha256 TEXT NOT NULL, "
        "verdict TEXT NOT NULL, served INTEGER NOT NULL, reason TEXT NOT NULL)",
        "CREATE INDEX decisions_at ON decisions (at)",
        "CREATE INDEX decisions_project ON decisions (project, at)",
        "CREATE INDEX decisions_user ON decisions (user_name, at)",
    ),
    (  # 2: every check run, by which process: "checked once" can be counted across replicas
        "CREATE TABLE scans (sha256 TEXT NOT NULL, at TEXT NOT NULL, process TEXT NOT NULL)",
        "CREATE INDEX scans_sha256 ON scans (sha256)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
DECISION_COLUMNS = "at, user_name, client, project, version, filename, sha256, verdict, served, reason"


class StoreUnavailable(RuntimeError):
    """The database cannot be reached or used; the message says which and why."""


class NotInMemory(LookupError):
    """An answer from memory alone was asked for, and it needs the database (or the upstream)."""


class VerdictStore(ABC):
    """File checks by (sha256, rules), one scan of a file at a time across replicas, and the decision log."""

    placeholder = "?"

    def __init__(self) -> None:
        self._pending: list[Decision] = []
        self._pending_lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._in_flight = 0
        self._wake = threading.Event()
        self._writer: threading.Thread | None = None
        self._closing = False
        self._remembered: dict[tuple[str, str], FileCheck] = {}
        self._remembered_lock = threading.Lock()
        self._missing: dict[tuple[str, str], float] = {}  # (sha256, rules) -> when the database had no check

    # --- what a dialect provides -----------------------------------------------------------------
    @abstractmethod
    def _execute(self, sql: str, params: Sequence = ()) -> list[tuple]:
        """Run one statement in its own transaction; rows for a query. StoreUnavailable when the database is away."""

    @abstractmethod
    def _execute_many(self, sql: str, rows: Sequence[Sequence]) -> None:
        """One statement for many rows, in one transaction."""

    @abstractmethod
    def scanning(self, sha256: str) -> AbstractContextManager[None]:
        """Held while this file is checked: a second replica (or thread) asking for it waits, then reads the result."""

    @abstractmethod
    def _close(self) -> None:
        """Release connections."""

    def close(self) -> None:
        """Write what is pending (if the database allows), stop the writer, release connections."""
        self._closing = True
        self._wake.set()
        if self._writer is not None:
            self._writer.join()
        self.flush()
        self._close()

    # --- file checks -----------------------------------------------------------------------------
    def file_check(self, sha256: str, rules: str) -> FileCheck | None:
        return self.file_checks([sha256], rules).get(sha256)

    def file_checks(self, sha256s: Sequence[str], rules: str, *, memory_only: bool = False) -> dict[str, FileCheck]:
        """The checks known for any of these files (one query for a whole project page; checks this process has
        seen are remembered, since a check never changes). `memory_only`: without the database, trusting a recent
        "not checked", else NotInMemory."""
        with self._remembered_lock:
            found = {sha: check for sha in sha256s if (check := self._remembered.get((sha, rules))) is not None}
        asked = [sha for sha in dict.fromkeys(sha256s) if sha not in found]
        if memory_only:
            moment = time.monotonic()
            if any(moment - self._missing.get((sha, rules), -MISSING_SECONDS) >= MISSING_SECONDS for sha in asked):
                raise NotInMemory("file checks")
            return found
        if asked:
            marks = ", ".join("?" * len(asked))
            rows = self._execute(self._sql("SELECT sha256, rules, filename, project, version, findings, errors, "
                                           f"checked_at FROM file_checks WHERE rules = ? AND sha256 IN ({marks})"),
                                 (rules, *asked))
            for row in rows:
                found[row[0]] = self._remember(_file_check(row))
            moment = time.monotonic()
            if len(self._missing) > MAX_REMEMBERED_CHECKS:
                self._missing.clear()
            self._missing.update({(sha, rules): moment for sha in asked if sha not in found})
        return found

    def _remember(self, check: FileCheck) -> FileCheck:
        with self._remembered_lock:
            if len(self._remembered) >= MAX_REMEMBERED_CHECKS:
                self._remembered.pop(next(iter(self._remembered)))
            self._remembered[(check.sha256, check.rules)] = check
        return check

    def save_check(self, check: FileCheck) -> None:
        findings = json.dumps([finding_to_dict(f) for f in check.findings])
        errors = json.dumps([error_to_dict(e) for e in check.errors])
        self._execute(self._sql("INSERT INTO file_checks (sha256, rules, filename, project, version, findings, errors, "
                                "checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256, rules) DO UPDATE SET "
                                "findings = excluded.findings, errors = excluded.errors, checked_at = excluded.checked_at"),
                      (check.sha256, check.rules, check.filename, check.project, check.version, findings, errors,
                       _text(check.checked_at)))
        self._remember(check)  # checked under the store's lock: no other replica made another check meanwhile

    def note_scan(self, sha256: str, process: str) -> None:
        """Log that `process` ran the checks on this file (not a verdict: the check itself is in file_checks)."""
        self._execute(self._sql("INSERT INTO scans (sha256, at, process) VALUES (?, ?, ?)"),
                      (sha256, _text(now()), process))

    def scan_counts(self) -> tuple[int, int]:
        """(checks run, files checked more than once) over every replica."""
        rows = self._execute("SELECT count(*), count(*) - count(DISTINCT sha256) FROM scans")
        return int(rows[0][0]), int(rows[0][1])

    # --- decisions -------------------------------------------------------------------------------
    def record(self, decision: Decision) -> None:
        """Log a decision: written by a background writer, in batches (an answer never waits for the database),
        and kept until the database takes it."""
        with self._pending_lock:
            self._pending.append(decision)
            del self._pending[:-MAX_PENDING_DECISIONS]
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_behind, name="safepip-decisions", daemon=True)
                self._writer.start()
        self._wake.set()

    def _write_behind(self) -> None:
        while not self._closing:
            self._wake.wait(RETRY_SECONDS)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - a bug must not stop the log: the batch is kept, the error logged
                log.exception("writing decisions failed; they are kept and tried again")

    def flush(self) -> bool:
        """Write the decisions kept while the database was away; False if it still is."""
        with self._flush_lock:  # one batch at a time, in order
            with self._pending_lock:
                batch, self._pending = self._pending, []
                self._in_flight = len(batch)
            if not batch:
                return True
            try:
                self._execute_many(self._sql(f"INSERT INTO decisions ({DECISION_COLUMNS}) VALUES "
                                             "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"), [_decision_row(d) for d in batch])
            except BaseException as exc:
                with self._pending_lock:
                    self._pending[:0] = batch
                    del self._pending[:-MAX_PENDING_DECISIONS]
                if isinstance(exc, StoreUnavailable):
                    return False
                raise
            finally:
                with self._pending_lock:
                    self._in_flight = 0
            return True

    @property
    def pending(self) -> int:
        """Decisions not in the database yet (a batch being written counts)."""
        with self._pending_lock:
            return len(self._pending) + self._in_flight

    def decisions(self, which: DecisionFilter = DecisionFilter()) -> tuple[Decision, ...]:
        """Newest first (this process's own decisions written first)."""
        self.flush()
        where, params = _where(which)
        rows = self._execute(self._sql(f"SELECT {DECISION_COLUMNS} FROM decisions{where} ORDER BY at DESC, id DESC "
                                       "LIMIT ? OFFSET ?"), (*params, which.limit, which.offset))
        return tuple(_decision(row) for row in rows)

    def iter_decisions(self, which: DecisionFilter, page: int = 1000) -> Iterator[Decision]:
        """Every decision the filter matches, newest first, a page at a time (for an export)."""
        offset = which.offset
        while True:
            rows = self.decisions(DecisionFilter(which.user, which.project, which.verdict, which.since, which.until,
                                                 page, offset))
            yield from rows
            if len(rows) < page:
                return
            offset += page

    # --- schema ----------------------------------------------------------------------------------
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT"  # the dialect's auto-numbered key

    def _upgrade_with(self, run: Callable[[str, Sequence], list[tuple]]) -> None:
        """Bring the schema to SCHEMA_VERSION inside the caller's transaction (`run` executes one statement)."""
        run("CREATE TABLE IF NOT EXISTS safepip_schema (version INTEGER NOT NULL)", ())
        rows = run("SELECT version FROM safepip_schema", ())
        version = rows[0][0] if rows else 0
        if version > SCHEMA_VERSION:
            raise StoreUnavailable(f"the database has schema version {version}, newer than this jupyter_safepip "
                                   f"knows ({SCHEMA_VERSION}): upgrade jupyter_safepip")
        for step in MIGRATIONS[version:]:
            for statement in step:
                run(statement.format(serial=self.serial), ())
        run("DELETE FROM safepip_schema", ())
        run(self._sql("INSERT INTO safepip_schema (version) VALUES (?)"), (max(version, SCHEMA_VERSION),))

    def _sql(self, sql: str) -> str:
        """`?` placeholders in this dialect's form."""
        return sql.replace("?", self.placeholder)


def open_store(url: str) -> VerdictStore:
    """A store from a URL: `postgresql://...` for PostgreSQL, else a SQLite file path (or `sqlite:///path`)."""
    if url.startswith(("postgresql://", "postgres://")):
        from .postgres_store import PostgresStore

        return PostgresStore(url)
    from .sqlite_store import SqliteStore

    return SqliteStore(url.removeprefix("sqlite://"))


def now() -> datetime:
    return datetime.now(timezone.utc)


def _text(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(TIME_FORMAT)


def _time(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=timezone.utc)


def _file_check(row: tuple) -> FileCheck:
    sha256, rules, filename, project, version, findings, errors, checked_at = row
    return FileCheck(sha256, rules, filename, project, version,
                     tuple(finding_from_dict(f) for f in json.loads(findings)),
                     tuple(error_from_dict(e) for e in json.loads(errors)), _time(checked_at))


def _decision_row(d: Decision) -> tuple:
    return (_text(d.at), d.user, d.client, d.project, d.version, d.filename, d.sha256, d.verdict.label,
            int(d.served), d.reason)


def _decision(row: tuple) -> Decision:
    at, user, client, project, version, filename, sha256, verdict, served, reason = row
    return Decision(_time(at), user, client, project, version, filename, sha256, Verdict[verdict.upper()],
                    bool(served), reason)


def _where(which: DecisionFilter) -> tuple[str, tuple]:
    clauses, params = [], []
    for column, value in (("user_name = ?", which.user), ("project = ?", which.project),
                          ("verdict = ?", which.verdict.label if which.verdict is not None else None),
                          ("at >= ?", _text(which.since) if which.since else None),
                          ("at < ?", _text(which.until) if which.until else None)):
        if value is not None:
            clauses.append(column)
            params.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(params)
