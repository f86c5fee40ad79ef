"""The verdict store in a SQLite file: the default, for one index process (or a few on one machine)."""

from __future__ import annotations

import fcntl
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .store import StoreUnavailable, VerdictStore

BUSY_TIMEOUT_MS = 30_000


class SqliteStore(VerdictStore):
    """WAL-mode SQLite, a connection per thread; a file lock per file being checked, so processes on one machine
    check it once."""

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self._local = threading.local()
        self.path = Path(path).expanduser()
        self._locks = self.path.with_name(self.path.name + ".scanning")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._locks.mkdir(exist_ok=True)
            self._upgrade()
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(f"cannot use the verdict store {self.path}: {exc}") from None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # WAL: a commit is safe against crashes; only power loss can undo one
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return db

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            try:
                db = self._local.db = self._connect()
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"cannot open the verdict store {self.path}: {exc}") from None
        return db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (readers go on meanwhile: WAL)."""
        db = self._db()
        try:
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise StoreUnavailable(f"the verdict store {self.path} failed: {exc}") from None

    def _execute(self, sql: str, params: Sequence = ()) -> list[tuple]:
        if sql.startswith("SELECT"):  # a read needs no write lock
            try:
                return self._db().execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"the verdict store {self.path} failed: {exc}") from None
        with self._transaction() as db:
            return db.execute(sql, params).fetchall()

    def _execute_many(self, sql: str, rows: Sequence[Sequence]) -> None:
        with self._transaction() as db:
            db.executemany(sql, rows)

    @contextmanager
    def scanning(self, sha256: str) -> Iterator[None]:
        with open(self._locks / f"{sha256}.lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if the process dies
            yield

    def _close(self) -> None:
        db = getattr(self._local, "db", None)  # other threads' connections close with their threads
        if db is not None:
            db.close()
            self._local.db = None

    def _upgrade(self) -> None:
        with self._transaction() as db:
            self._upgrade_with(lambda sql, params: db.execute(sql, params).fetchall())
