"""20 real kernels run `%safepip check` at the same moment against one history store and one cache, while
the server's history query reads it: every check recorded once with its kernel, nothing about a locked
database in any cell, an intact database.

The checks are real: each goes through the magic, pip's dry run on the loopback index and the inspection of
the files it would install. The kernels share the test environment's interpreter (checks install nothing).
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

from jupyter_safepip.core.history import HistoryStore
from jupyter_safepip.core.model import Verdict
from tests.conftest import isolated_pip_env
from tests.reliability.conftest import server_reading_history, tally
from tests.support.kernel_client import execute
from tests.support.waits import scaled

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
KERNELS = 20
NAMES = ("tidyframe", "reqeusts") * 3  # checks per kernel: an allowed tree and a typo-squat, three times each


def _start(spec_dirs: Path, env: dict[str, str], attempts: int = 3) -> tuple[KernelManager, object]:
    """A started kernel; twenty starting at once can race for the same free TCP port, so a kernel that dies
    at start ("Address already in use") is started again."""
    attempt = 1
    while True:
        manager = KernelManager(kernel_name="safepip-load", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_dirs)]))
        manager.start_kernel(env=env)
        client = manager.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=scaled(180))
            return manager, client
        except RuntimeError:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
            if attempt == attempts:
                raise
            attempt += 1


def _run(client, code: str, timeout: float) -> tuple[str, str]:
    """Execute a cell; its reply status and everything it printed or raised."""
    result = execute(client, code, timeout)
    return result.status, result.text


def test_twenty_kernels_check_and_record_at_once(package_index, tmp_path):
    history = tmp_path / "history.sqlite"
    env = isolated_pip_env(package_index.url, tmp_path / "pip-cache")
    env.update(PYTHONPATH=str(REPO), SAFEPIP_CACHE_DIR=str(tmp_path / "safepip-cache"),
               SAFEPIP_HISTORY_PATH=str(history), SAFEPIP_NONINTERACTIVE="1")
    spec_dir = tmp_path / "kernels" / "safepip-load"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "safepip load", "language": "python"}))
    go = tmp_path / "go"
    cell = (f"import pathlib, time\n"
            f"while not pathlib.Path({str(go)!r}).exists(): time.sleep(0.005)\n"
            f"for name in {NAMES!r}:\n"
            f"    get_ipython().run_line_magic('safepip', 'check ' + name)\n")

    with ThreadPoolExecutor(KERNELS) as pool:
        kernels = list(pool.map(lambda _: _start(tmp_path / "kernels", env), range(KERNELS)))
        try:
            for _, client in kernels:
                assert _run(client, "%load_ext jupyter_safepip", 60)[0] == "ok"
            runs = [pool.submit(_run, client, cell, 600) for _, client in kernels]
            with server_reading_history(history) as reads:
                go.touch()  # every kernel is waiting in its cell: the checks start together
                outcomes = [run.result(timeout=900) for run in runs]
            kernel_ids = [Path(manager.connection_file).stem.removeprefix("kernel-") for manager, _ in kernels]
        finally:
            for manager, client in kernels:
                client.stop_channels()
                manager.shutdown_kernel(now=True)

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
