"""The SQLite history store: records, filters, paging and many writer processes at once."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from jupyter_safepip.core.history import HistoryError, HistoryStore, default_history_path
from jupyter_safepip.core.model import Candidate, CheckError, Evidence, Finding, PackageReport, Report, Severity, Verdict


def _candidate(name: str, version: str = "1.0", requested: bool = True) -> Candidate:
    return Candidate(name, version, f"http://127.0.0.1/{name}.whl", f"{name}-{version}-py3-none-any.whl", None, requested, True)


def _report(name: str = "demo", verdict: Verdict = Verdict.ALLOW, findings: tuple[Finding, ...] = (), deps: tuple[str, ...] = ()) -> Report:
    packages = (PackageReport(_candidate(name), findings, (), verdict),)
    packages += tuple(PackageReport(_candidate(d, "2.0", requested=False), (), (), Verdict.ALLOW) for d in deps)
    return Report(f"install {name}", packages, (), verdict, install_anyway_allowed=True)


def _typo_report() -> Report:
    finding = Finding("names.typo", Severity.HIGH, "looks like requests", "reqeusts", (), suggestion="requests")
    return Report("install reqeusts", (), (), Verdict.WARN, True, request_findings=(finding,))


def test_record_and_read_back(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite")
    evidence = (Evidence("setup.py", 3, "os.system('curl x | sh')"),)
    finding = Finding("install.shell", Severity.CRITICAL, "runs a shell", "evil", evidence)
    entry_id = store.record(_report("Evil_Pkg", Verdict.BLOCK, (finding,), deps=("six",)), decision="blocked",
                            source="magic", notebook="work/a.ipynb", kernel_id="k-1")
    (entry,) = store.query()
    assert entry.id == entry_id
    assert (entry.package, entry.version, entry.packages) == ("evil-pkg", "1.0", ("evil-pkg", "six"))
    assert entry.verdict is Verdict.BLOCK and entry.decision == "blocked"
    assert entry.findings == (finding,)
    assert (entry.source, entry.notebook, entry.kernel_id) == ("magic", "work/a.ipynb", "k-1")
    assert entry.recorded_at.tzinfo is not None
    assert store.report(entry_id).packages[0].findings[0].evidence == evidence
    assert store.report(entry_id + 100) is None


def test_a_name_the_index_does_not_know_is_recorded_by_its_finding(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite")
    store.record(_typo_report(), decision="checked", source="sidebar")
    (entry,) = store.query(package="reqeusts")
    assert entry.package == "reqeusts" and entry.version is None
    assert entry.findings[0].suggestion == "requests"


def test_errors_name_the_package_when_nothing_else_does(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite")
    report = Report("install x", (), (CheckError("resolve", "index down", "x"),), Verdict.WARN, True)
    store.record(report, decision="failed", source="cli")
    assert store.query()[0].package == "x"


def test_newest_first_filters_and_paging(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite")
    ids = [store.record(_report(f"pkg{i}", Verdict(i % 3)), decision="checked", source="cli") for i in range(9)]
    assert [e.id for e in store.query(limit=4)] == ids[::-1][:4]
    assert [e.id for e in store.query(limit=4, offset=4)] == ids[::-1][4:8]
    assert {e.verdict for e in store.query(verdict="block")} == {Verdict.BLOCK}
    assert store.count(verdict="warn") == 3 and store.count() == 9
    assert [e.package for e in store.query(package="PKG4")] == ["pkg4"]
    assert store.count(package="pkg") == 9  # part of a name matches
    assert store.count(verdict="allow", package="pkg3") == 1


def test_dependencies_are_searchable(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite")
    store.record(_report("app", deps=("numpy",)), decision="installed", source="magic")
    assert store.query(package="numpy")[0].package == "app"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"verdict": "blocked"}, "unknown verdict"), ({"limit": 0}, "limit"), ({"limit": 10_000}, "limit"), ({"offset": -1}, "offset")],
)
def test_bad_queries_say_why(tmp_path: Path, kwargs: dict, message: str) -> None:
    store = HistoryStore(tmp_path / "h.sqlite")
    with pytest.raises(HistoryError, match=message):
        store.query(**kwargs)


def test_bad_records_say_why(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite")
    with pytest.raises(HistoryError, match="decision"):
        store.record(_report(), decision="maybe", source="cli")
    with pytest.raises(HistoryError, match="source"):
        store.record(_report(), decision="checked", source="fax")
    assert store.count() == 0


def test_wal_mode_and_a_second_store_on_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "h.sqlite"
    HistoryStore(path).record(_report(), decision="checked", source="cli")
    assert HistoryStore(path).count() == 1
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_default_path_is_in_the_jupyter_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    assert default_history_path() == tmp_path / "data" / "safepip" / "history.sqlite"


def _write_many(path: str, worker: int, count: int) -> None:
    store = HistoryStore(Path(path))
    for i in range(count):
        store.record(_report(f"w{worker}-{i}"), decision="checked", source="magic", kernel_id=f"kernel-{worker}")


def _read_while_writing(path: str, rounds: int, seen: "multiprocessing.Queue[int]") -> None:
    store = HistoryStore(Path(path))
    last = 0
    for _ in range(rounds):
        now = store.count()
        assert now >= last  # a reader never sees the history shrink
        last = now
        store.query(limit=20)
    seen.put(last)


def test_many_processes_write_and_read_at_once(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    HistoryStore(path)
    ctx = multiprocessing.get_context("spawn")
    workers, per_worker = 4, 40
    seen = ctx.Queue()
    procs = [ctx.Process(target=_write_many, args=(str(path), w, per_worker)) for w in range(workers)]
    procs.append(ctx.Process(target=_read_while_writing, args=(str(path), 60, seen)))
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * len(procs)
    store = HistoryStore(path)
    assert store.count() == workers * per_worker
    entries = store.query(limit=500)
    assert len({e.id for e in entries}) == workers * per_worker
    assert {e.kernel_id for e in entries} == {f"kernel-{w}" for w in range(workers)}
    assert 0 <= seen.get(timeout=5) <= workers * per_worker


def test_a_request_with_nothing_to_install_is_named_by_its_command(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite")
    store.record(Report("pip install Already_There>=1", (), (), Verdict.ALLOW, True), decision="checked", source="sidebar")
    assert store.query()[0].package == "already-there"


def test_a_finding_repeated_on_its_package_is_kept_once(tmp_path: Path) -> None:
    typo = _typo_report().request_findings[0]
    report = Report("install reqeusts", (PackageReport(_candidate("reqeusts"), (typo,), (), Verdict.BLOCK),), (),
                    Verdict.BLOCK, True, request_findings=(typo,))
    store = HistoryStore(tmp_path / "h.sqlite")
    store.record(report, decision="blocked", source="magic")
    assert store.query()[0].findings == (typo,)


def _age(path: Path, entry_id: int, days: float) -> None:
    """Backdate one entry, as if it had been recorded `days` ago."""
    from datetime import datetime, timedelta, timezone

    with sqlite3.connect(path) as db:
        when = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat()
        db.execute("UPDATE checks SET recorded_at = ? WHERE id = ?", (when, entry_id))
    db.close()


def test_entries_older_than_the_retention_are_deleted_when_the_history_is_opened(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    store = HistoryStore(path)
    old, recent = (store.record(_report(name), decision="installed", source="magic") for name in ("old", "recent"))
    _age(path, old, 40)
    _age(path, recent, 20)
    assert store.count() == 2  # nothing is deleted behind an open store's back
    assert [e.package for e in HistoryStore(path, keep_days=0).query()] == ["recent", "old"]  # 0 keeps everything
    assert [e.package for e in HistoryStore(path, keep_days=30).query()] == ["recent"]
    for days in (-1, 1e6, float("nan")):
        with pytest.raises(HistoryError, match="0 to 36500 days"):
            HistoryStore(path, keep_days=days)


def test_a_history_from_the_first_schema_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    store = HistoryStore(path)
    store.record(_report("kept"), decision="installed", source="cli")
    with sqlite3.connect(path) as db:
        db.execute("DROP INDEX checks_recorded_at")
        db.execute("PRAGMA user_version=1")
    db.close()
    assert [e.package for e in HistoryStore(path).query()] == ["kept"]
    with sqlite3.connect(path) as db:
        indexes = {row[1] for row in db.execute("PRAGMA index_list(checks)")}
        version = db.execute("PRAGMA user_version").fetchone()[0]
    db.close()
    assert "checks_recorded_at" in indexes and version == 2
