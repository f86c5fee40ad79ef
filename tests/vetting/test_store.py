"""The verdict store, on SQLite and on a real PostgreSQL server: the same behaviour behind one interface."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta, timezone

import pytest

from jupyter_safepip.core.model import CheckError, Evidence, Finding, Severity, Verdict
from jupyter_safepip.vetting.records import Decision, DecisionFilter, FileCheck
from jupyter_safepip.vetting.store import MIGRATIONS, SCHEMA_VERSION, StoreUnavailable, open_store
from tests.support.waits import wait_until

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "index.sqlite")
    return request.getfixturevalue("postgres").url


def _check(sha: str = "ab" * 32) -> FileCheck:
    finding = Finding("archive.pth-exec", Severity.CRITICAL, "a .pth file runs code", "demo",
                      (Evidence("demo.pth", 1, "exec(...)"),), runs="startup")
    return FileCheck(sha, "rules1", "demo-1.0-py3-none-any.whl", "demo", "1.0", (finding,),
                     (CheckError("archive", "budget ran out", "demo"),), T0)


def _decision(user: str, project: str, verdict: Verdict, minutes: int) -> Decision:
    return Decision(T0 + timedelta(minutes=minutes), user, "pip/26.3", project, "1.0", f"{project}-1.0.tar.gz",
                    "cd" * 32, verdict, verdict is Verdict.ALLOW, "why")


def test_a_check_round_trips_and_is_keyed_by_the_rules(store_url):
    store = open_store(store_url)
    store.save_check(_check())
    store.save_check(_check())  # a second replica's identical answer is no error
    assert store.file_check("ab" * 32, "rules1") == _check()
    assert store.file_check("ab" * 32, "rules2") is None
    assert set(store.file_checks(["ab" * 32, "ef" * 32], "rules1")) == {"ab" * 32}
    store.close()


def test_decisions_filter_by_user_project_verdict_and_time(store_url):
    store = open_store(store_url)
    for i, (user, project, verdict) in enumerate([("ann", "numpy", Verdict.ALLOW), ("bob", "reqeusts", Verdict.BLOCK),
                                                  ("ann", "reqeusts", Verdict.BLOCK)]):
        store.record(_decision(user, project, verdict, i))
    assert [d.user for d in store.decisions()] == ["ann", "bob", "ann"]  # newest first
    assert [d.project for d in store.decisions(DecisionFilter(user="ann"))] == ["reqeusts", "numpy"]
    assert len(store.decisions(DecisionFilter(verdict=Verdict.BLOCK, project="reqeusts"))) == 2
    assert [d.user for d in store.decisions(DecisionFilter(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=2)))] == ["bob"]
    assert len(list(store.iter_decisions(DecisionFilter(), page=2))) == 3
    store.close()


def test_the_schema_is_recorded_and_a_newer_one_is_refused(tmp_path):
    path = tmp_path / "index.sqlite"
    open_store(str(path)).close()
    open_store(str(path)).close()  # opening again upgrades nothing and loses nothing
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version FROM safepip_schema").fetchall() == [(SCHEMA_VERSION,)]
        db.execute("UPDATE safepip_schema SET version = ?", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreUnavailable, match="newer than this jupyter_safepip"):
        open_store(str(path))


def test_an_older_schema_is_upgraded_in_place(tmp_path):
    path = tmp_path / "index.sqlite"
    with sqlite3.connect(path) as db:  # a database from before the schema table: version 0
        db.execute("CREATE TABLE unrelated (x)")
        db.execute("INSERT INTO unrelated VALUES (1)")
    store = open_store(str(path))
    store.record(_decision("ann", "numpy", Verdict.ALLOW, 0))
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT x FROM unrelated").fetchall() == [(1,)]
    assert len(store.decisions()) == 1


def test_a_version_1_database_is_upgraded_keeping_its_decisions(tmp_path):
    path = tmp_path / "index.sqlite"
    with sqlite3.connect(path) as db:  # what the first release of the vetting index wrote
        db.execute("CREATE TABLE safepip_schema (version INTEGER NOT NULL)")
        db.execute("INSERT INTO safepip_schema VALUES (1)")
        for statement in MIGRATIONS[0]:
            db.execute(statement.format(serial="INTEGER PRIMARY KEY AUTOINCREMENT"))
        db.execute("INSERT INTO decisions (at, user_name, client, project, version, filename, sha256, verdict, served, "
                   "reason) VALUES ('2026-12-01T00:00:00.000000Z', 'ann', 'pip', 'numpy', '2', 'f', 's', 'allow', 1, 'ok')")
    store = open_store(str(path))
    store.note_scan("ab" * 32, "test")
    assert store.scan_counts() == (1, 0)
    assert [d.user for d in store.decisions()] == ["ann"]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version FROM safepip_schema").fetchall() == [(SCHEMA_VERSION,)] == [(2,)]


def test_decisions_made_while_the_database_is_away_are_written_when_it_is_back(postgres):
    store = open_store(postgres.url)
    store.record(_decision("ann", "numpy", Verdict.ALLOW, 0))
    postgres.stop()
    store.record(_decision("bob", "pandas", Verdict.ALLOW, 1))
    assert store.pending == 1
    with pytest.raises(StoreUnavailable):
        store.file_check("ab" * 32, "rules1")
    postgres.start()
    wait_until(lambda: store.flush() and store.pending == 0, 60, "the kept decisions to be written")
    assert [d.user for d in store.decisions()] == ["bob", "ann"]
    store.close()


def test_one_scan_at_a_time_per_file_across_stores(store_url):
    first, second = open_store(store_url), open_store(store_url)
    inside, order = threading.Event(), []

    def hold() -> None:
        with first.scanning("ab" * 32):
            inside.set()
            order.append("first in")
            threading.Event().wait(0.3)  # time for the second store to ask (it must wait until this ends)
            order.append("first out")

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait(10)
    with second.scanning("ab" * 32):
        order.append("second in")
    with second.scanning("ef" * 32):  # another file is not held up
        pass
    holder.join()
    assert order == ["first in", "first out", "second in"]
    first.close()
    second.close()
