"""20 processes record checks and decisions into one history file at once while the server's history query
reads it: no record lost or duplicated, every field intact, no "database is locked", an intact database.

Each worker records the way a kernel's %pip magic does (guard.Guard.history(): a fresh HistoryStore on the
configured path for every record, then record(..., source="magic", notebook=..., kernel_id=...)); the
workers are spawned processes, not kernels, so 20 of them start in seconds on two cores.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

from jupyter_safepip.core.history import HistoryStore
from jupyter_safepip.core.model import Candidate, Evidence, Finding, PackageReport, Report, Severity, Verdict
from tests.reliability.conftest import server_reading_history, tally
from tests.support.waits import scaled

WORKERS = 20
RECORDS_EACH = 50
DECISIONS = ("checked", "installed", "install-anyway", "cancelled", "blocked", "failed")
VERDICTS = (Verdict.ALLOW, Verdict.WARN, Verdict.BLOCK)


def expected_report(worker: int, number: int) -> Report:
    """What worker `worker` records as its `number`th check: every field derived from the two numbers."""
    name = f"pkg-{worker}-{number}"
    finding = Finding("name.typo", Severity.HIGH, f"«{name}» looks like a typo — did you mean ëxample?", name,
                      (Evidence("METADATA", number, "Name: " + name),), "example")
    candidate = Candidate(name, f"1.{number}", f"file:///w/{name}.whl", f"{name}-1.{number}-py3-none-any.whl",
                          f"{worker:032x}{number:032x}", True, True)
    verdict = VERDICTS[(worker + number) % 3]
    package = PackageReport(candidate, (finding,) if verdict is not Verdict.ALLOW else (), (), verdict)
    return Report(f"pip install {name}", (package,), (), verdict, True)


def _worker(path: str, worker: int, ready: multiprocessing.Queue, start: multiprocessing.Event,
            results: multiprocessing.Queue) -> None:
    ids, problems = [], []
    ready.put(worker)
    start.wait()
    for number in range(RECORDS_EACH):
        try:
            ids.append(HistoryStore(Path(path)).record(
                expected_report(worker, number), decision=DECISIONS[number % len(DECISIONS)], source="magic",
                notebook=f"nb-{worker}.ipynb", kernel_id=f"kernel-{worker}"))
        except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
            problems.append(f"{type(exc).__name__}: {exc}")
    results.put((worker, ids, problems))


def test_twenty_processes_record_while_the_server_reads(tmp_path):
    path = tmp_path / "history.sqlite"  # not created beforehand: the workers race to create it too
    context = multiprocessing.get_context("spawn")
    ready, start, results = context.Queue(), context.Event(), context.Queue()
    workers = [context.Process(target=_worker, args=(str(path), w, ready, start, results)) for w in range(WORKERS)]
    for process in workers:
        process.start()

    with server_reading_history(path) as reads:
        for _ in workers:  # every spawned interpreter at the barrier, so that the writes really overlap
            ready.get(timeout=scaled(120))
        start.set()
        outcomes = [results.get(timeout=scaled(240)) for _ in workers]
        for process in workers:
            process.join(timeout=scaled(60))

    tally("hostile inputs", WORKERS * RECORDS_EACH)
    problems = [p for _, _, found in outcomes for p in found]
    assert not problems, problems[:5]
    assert not reads.errors, reads.errors[:5]
    assert reads.pages > 0
    assert all(process.exitcode == 0 for process in workers)

    store = HistoryStore(path)
    entries = [e for offset in range(0, WORKERS * RECORDS_EACH + 500, 500)
               for e in store.query(limit=500, offset=offset)]
    assert len(entries) == WORKERS * RECORDS_EACH == store.count()
    by_command = {}
    for entry in entries:
        assert entry.command not in by_command, f"recorded twice: {entry.command}"
        by_command[entry.command] = entry
    returned_ids = sorted(i for _, ids, _ in outcomes for i in ids)
    assert returned_ids == sorted(e.id for e in entries)

    for worker in range(WORKERS):
        for number in range(RECORDS_EACH):
            report = expected_report(worker, number)
            entry = by_command.pop(report.command)
            package = report.packages[0]
            assert entry.package == package.candidate.name and entry.version == package.candidate.version
            assert entry.packages == (package.candidate.name,)
            assert entry.verdict is report.verdict and entry.findings == package.findings
            assert entry.decision == DECISIONS[number % len(DECISIONS)] and entry.source == "magic"
            assert entry.notebook == f"nb-{worker}.ipynb" and entry.kernel_id == f"kernel-{worker}"
            assert store.report(entry.id) == report
    assert not by_command

    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
