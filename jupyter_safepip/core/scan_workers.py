"""Archive scans of one request in worker processes, as many as the cores and memory allow (capacity.py), so that its packages are scanned in parallel.

The analysis is Python work that holds the interpreter lock, so threads would take turns on one core. Workers
are started (spawned: a kernel or a server has threads, which a fork would copy mid-step) on the first scan a
request needs, and stop with the request; a warm request, whose scans are all cached, starts none. A worker
that dies (a hostile archive exhausting memory, say) costs its archive a "could not inspect" (ScanWorkerLost),
never a pass, and the next scan gets a new pool.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from .capacity import worker_count
from .checks.archive import ArchiveScan, scan_archive


class ScanWorkerLost(RuntimeError):
    """The process scanning an archive ended before it answered."""


class ScanWorkers:
    """A lazily started pool of scanning processes; use as a context manager around one request's scans."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or worker_count())
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def scan(self, path: Path, package: str, expected_name: str | None, expected_version: str | None) -> ArchiveScan:
        pool = self._started()
        try:
            return pool.submit(scan_archive, path, package, expected_name, expected_version).result()
        except BrokenProcessPool:
            self._discard(pool)
            raise ScanWorkerLost(f"the process scanning {path.name} ended before it answered") from None

    def _started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
            return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def __enter__(self) -> ScanWorkers:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
