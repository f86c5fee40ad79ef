"""Reliability fixtures: a fault-injecting index per test, a throwaway venv per test, and the tally the
reliability benchmark reads (faults injected, hostile inputs tried, crashes, unchecked installs)."""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from jupyter_safepip.core.policy import FailMode, Policy
from jupyter_safepip.core.settings import Settings
from jupyter_safepip.guard import Guard
from jupyter_safepip.testing.builders import build_wheel
from jupyter_safepip.testing.index import PackageIndex
from tests.conftest import ESTABLISHED, TargetEnv, isolated_pip_env
from tests.support.installed import recorded_hashes  # noqa: F401 - the reliability tests import it from here
from tests.support.venvs import clone_venv
from tests.support.waits import scaled

TALLY_ENV = "SAFEPIP_RELIABILITY_TALLY"  # a file the session appends its counts to (benchmarks/reliability.py)
TALLY = Counter()


def tally(kind: str, count: int = 1) -> None:
    """Count what the reliability table reports: faults, hostile inputs, install-state checks."""
    TALLY[kind] += count


@dataclass
class HistoryReads:
    """What the server's history query saw while others wrote: pages read and errors raised."""

    pages: int = 0
    errors: list[str] = field(default_factory=list)


@contextmanager
def server_reading_history(path: Path) -> Iterator[HistoryReads]:
    """The server's history query in a loop on another thread, for as long as the block runs."""
    from jupyter_safepip.server.service import SafePipService

    service, reads, done = SafePipService(history_path=path), HistoryReads(), threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                if path.exists():
                    page = service.history(verdict=None, package=None, limit=50, offset=0)
                    assert len(page.entries) <= 50 and page.total >= len(page.entries)
                    reads.pages += 1
            except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
                reads.errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.005)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        yield reads
    finally:
        done.set()
        reader.join()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.excinfo is not None:
        # An exception that is not a failed assertion (or an explicit pytest.fail) escaped: a crash in the table.
        tally("failures" if call.excinfo.errisinstance((AssertionError, pytest.fail.Exception)) else "crashes")


def pytest_sessionfinish(session) -> None:
    target = os.environ.get(TALLY_ENV)
    if target:
        with open(target, "a") as out:
            out.write(json.dumps(dict(TALLY)) + "\n")


@dataclass(frozen=True)
class FaultIndex:
    """A private index for one test (its fault knobs must not leak) and the files it serves."""

    index: PackageIndex
    files: Path

    @property
    def url(self) -> str:
        return self.index.url


@pytest.fixture
def fault_index(tmp_path, monkeypatch) -> FaultIndex:
    """A fresh loopback index with one clean, well-kept project (`steadypkg`) and pip pointed only at it."""
    files = tmp_path / "index-files"
    index = PackageIndex()
    index.add(build_wheel(files, "steadypkg", "1.0.0"), age_days=700, **ESTABLISHED)
    index.start()
    wanted = isolated_pip_env(index.url, tmp_path / "pip-cache")
    for key in [k for k in os.environ if k.startswith("PIP_") and k not in wanted]:
        monkeypatch.delenv(key)
    for key, value in wanted.items():
        monkeypatch.setenv(key, value)
    yield FaultIndex(index, files)
    index.stop()


@pytest.fixture
def shared_env(venv_template, tmp_path) -> TargetEnv:
    """A throwaway venv of this test's own (a copy of the run's pristine venv): a test that installs by mistake,
    or on purpose and then fails before it uninstalls, cannot change what the next test sees."""
    return TargetEnv(clone_venv(venv_template, tmp_path / "venv"))


@pytest.fixture(scope="session")
def shared_env_baseline(venv_template) -> frozenset[str]:
    """What every fresh venv holds (they are all copies of the template)."""
    return frozenset(TargetEnv(venv_template).pip_list())


def guard_for(python: str, cache: Path, fail_mode: FailMode = FailMode.WARN, timeout: float = 2.0) -> Guard:
    """A guard for `python` with its own cache, the given fail mode and short timeouts (faults are local)."""
    return Guard(Settings(policy=Policy(fail_mode=fail_mode), python=python, cache_dir=cache, timeout=timeout,
                          pip_timeout=scaled(120.0)))


# A wheel the archive rules block: a .pth file that runs encoded code at every interpreter start.
FLAGGED_FILES = {
    "steadypkg/__init__.py": "",
    "steadypkg_hook.pth": "import os, base64; exec(base64.b64decode('cHJpbnQoInB0aCIp'))\n",
}


def assert_nothing_installed(env: TargetEnv, baseline: frozenset[str], *modules: str) -> None:
    """The venv is exactly as it was and none of `modules` imports: no unchecked bytes got in."""
    tally("install-state checks")
    changed = set(env.pip_list()) ^ baseline
    leaked = [m for m in modules if env.imports(m)]
    if changed or leaked:
        tally("unchecked installs")
    assert not changed, f"the venv changed: {sorted(changed)}"
    assert not leaked, f"importable after a refused install: {leaked}"
