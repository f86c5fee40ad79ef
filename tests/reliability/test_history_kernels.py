"""20 real kernels run `%safepip check` at the same moment against one history store and one cache, while
the server's history query reads it: every check recorded once with its kernel, nothing about a locked
database in any cell, an intact database.

The checks are real: each goes through the magic, pip's dry run on the loopback index and the inspection of
the files it would install. The kernels share the test environment's interpreter (checks install nothing).
"""

from __future__ import annotations

import sqlite3
import sys
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from jupyter_safepip.core.history import HistoryStore
from jupyter_safepip.core.model import Verdict
from tests.conftest import isolated_pip_env
from tests.reliability.conftest import server_reading_history, tally
from tests.support.kernel_client import PLAIN, LocalKernel
from tests.support.waits import scaled

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
KERNELS = 20
NAMES = ("tidyframe", "reqeusts") * 3  # checks per kernel: an allowed tree and a typo-squat, three times each


def _stop_all(started: list[Future]) -> None:
    for future in started:
        if future.exception() is None:
            future.result().stop()


def test_twenty_kernels_check_and_record_at_once(package_index, tmp_path):
    history = tmp_path / "history.sqlite"
    env = isolated_pip_env(package_index.url, tmp_path / "pip-cache")
    env.update(PYTHONPATH=str(REPO), SAFEPIP_CACHE_DIR=str(tmp_path / "safepip-cache"),
               SAFEPIP_HISTORY_PATH=str(history), SAFEPIP_NONINTERACTIVE="1")
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    go = tmp_path / "go"
    cell = (f"import pathlib, time\n"
            f"while not pathlib.Path({str(go)!r}).exists(): time.sleep(0.005)\n"
            f"for name in {NAMES!r}:\n"
            f"    get_ipython().run_line_magic('safepip', 'check ' + name)\n")

    with ThreadPoolExecutor(KERNELS) as pool:
        started = [pool.submit(LocalKernel, argv, env, tmp_path / f"kernel-{n}", name="safepip-load", ready_timeout=180)
                   for n in range(KERNELS)]
        try:
            kernels = [future.result() for future in started]
            for kernel in kernels:
                loaded = kernel.run("%load_ext jupyter_safepip", 60)
                assert loaded.status == "ok", loaded.text
            runs = [pool.submit(kernel.run, cell, 600, display=PLAIN) for kernel in kernels]
            with server_reading_history(history) as reads:
                go.touch()  # every kernel is waiting in its cell: the checks start together
                outcomes = [(r.status, r.text) for r in (run.result(timeout=scaled(900)) for run in runs)]
            kernel_ids = [kernel.kernel_id for kernel in kernels]
        finally:
            _stop_all(started)

    tally("hostile inputs", KERNELS * len(NAMES))
    for status, text in outcomes:
        assert status == "ok", text[-2000:]
        assert "locked" not in text.lower() and "Traceback" not in text, text[-2000:]
    assert not reads.errors, reads.errors[:5]
    assert reads.pages > 0

    entries = HistoryStore(history).query(limit=500)
    assert len(entries) == KERNELS * len(NAMES) == HistoryStore(history).count()
    assert Counter(e.kernel_id for e in entries) == {k: len(NAMES) for k in kernel_ids}
    assert all(e.source == "magic" and e.decision == "checked" for e in entries)
    verdicts = Counter((e.package, e.verdict) for e in entries)
    assert verdicts == {("tidyframe", Verdict.ALLOW): KERNELS * 3, ("reqeusts", Verdict.BLOCK): KERNELS * 3}
    assert all(f.suggestion == "requests" for e in entries if e.package == "reqeusts" for f in e.findings
               if f.rule_id == "name.typo")
    with sqlite3.connect(history) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
