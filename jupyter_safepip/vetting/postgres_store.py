"""The verdict store in PostgreSQL, for several replicas of the index: one check of a new file between them
(an advisory lock held on its own connection, released by the server if the replica dies), one decision log."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from .store import StoreUnavailable, VerdictStore

CONNECT_SECONDS = 10.0
SCHEMA_LOCK = 0x5AFE_0001  # advisory lock key taken while the schema is upgraded


class PostgresStore(VerdictStore):
    placeholder = "%s"
    serial = "BIGSERIAL PRIMARY KEY"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        try:  # one connection first: a server that cannot be reached says why, at once
            psycopg.connect(url, connect_timeout=int(CONNECT_SECONDS)).close()
        except psycopg.Error as exc:
            raise StoreUnavailable(f"cannot use the verdict store at {_where(url)}: {_one_line(exc)}") from None
        self._pool = ConnectionPool(url, min_size=1, max_size=8, timeout=CONNECT_SECONDS, open=False,
                                    check=ConnectionPool.check_connection, kwargs={"autocommit": True})
        try:
            self._pool.open(wait=True, timeout=CONNECT_SECONDS)
            self._upgrade()
        except (PoolTimeout, psycopg.Error) as exc:
            self._pool.close()
            raise StoreUnavailable(f"cannot use the verdict store at {_where(url)}: {_one_line(exc)}") from None

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Cursor]:
        try:
            with self._pool.connection() as db, db.transaction(), db.cursor() as cursor:
                yield cursor
        except (PoolTimeout, psycopg.Error) as exc:
            raise StoreUnavailable(f"the verdict store at {_where(self.url)} failed: {_one_line(exc)}") from None

    def _execute(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self._transaction() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def _execute_many(self, sql: str, rows: Sequence[Sequence]) -> None:
        with self._transaction() as cursor:
            cursor.executemany(sql, rows)

    @contextmanager
    def scanning(self, sha256: str) -> Iterator[None]:
        key = int.from_bytes(bytes.fromhex(sha256[:16]), "big", signed=True)
        try:
            # Its own connection, outside the pool: the lock lives exactly as long as this connection.
            db = psycopg.connect(self.url, autocommit=True, connect_timeout=int(CONNECT_SECONDS))
        except psycopg.Error as exc:
            raise StoreUnavailable(f"the verdict store at {_where(self.url)} is unavailable: {_one_line(exc)}") from None
        try:
            db.execute("SELECT pg_advisory_lock(%s)", (key,))
            yield
        finally:
            db.close()  # closing releases the lock

    def _close(self) -> None:
        self._pool.close()

    def _upgrade(self) -> None:
        def run(sql: str, params) -> list[tuple]:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

        with self._transaction() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))  # one replica upgrades at a time
            self._upgrade_with(run)


def _where(url: str) -> str:
    """The server and database of a URL, without its password."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    return f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
