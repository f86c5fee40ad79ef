"""Offline means offline: pip resolves from the files kept by earlier checks and never waits on the network."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from jupyter_safepip.core.settings import Settings
from jupyter_safepip.guard import Guard
from jupyter_safepip.testing.demo import build_demo_index
from tests.conftest import isolated_pip_env
from tests.support.waits import scaled

pytestmark = pytest.mark.integration
QUICK = 30  # seconds, scaled: a check that waited on the silent index would take pip's timeout times its retries


class SilentIndex:
    """A port that takes connections and never answers (an index that hangs), counting who came."""

    def __init__(self, port: int) -> None:
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", port))
        self.socket.listen(64)
        self.socket.setblocking(False)

    def connections(self) -> int:
        count = 0
        while True:
            try:
                conn, _ = self.socket.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def hung_index(monkeypatch, target_env, tmp_path):
    """A cache warmed by an online check of tidyframe; then the index's port stops answering, and pip's
    configuration also names a find-links page on it."""
    index = build_demo_index(tmp_path / "files")
    wanted = isolated_pip_env(index.url, tmp_path / "pip-cache")  # this machine's pip settings left out
    for key in [k for k in os.environ if k not in wanted]:
        monkeypatch.delenv(key)
    for key, value in wanted.items():
        monkeypatch.setenv(key, value)
    settings = Settings(python=target_env.python, cache_dir=tmp_path / "safepip-cache")
    guard = Guard(settings)
    online = guard.check(guard.parse("install tidyframe"), "install tidyframe").report
    assert not online.could_not_check, online.errors
    port = int(index.url.split(":")[2].split("/")[0])
    index.stop()
    silent = SilentIndex(port)
    monkeypatch.setenv("PIP_FIND_LINKS", f"http://127.0.0.1:{port}/links/")
    yield settings, silent
    silent.close()


def _timed_check(guard: Guard, line: str):
    started = time.monotonic()
    report = guard.check(guard.parse(line), line).report
    return report, time.monotonic() - started


def test_offline_resolves_from_the_kept_files_and_never_contacts_the_index(hung_index):
    settings, silent = hung_index
    offline = Guard(Settings(python=settings.python, cache_dir=settings.cache_dir, offline=True))
    kept, kept_seconds = _timed_check(offline, "install tidyframe")
    unseen, unseen_seconds = _timed_check(offline, "install freshpkg")  # never checked: nothing kept
    assert silent.connections() == 0  # neither pip nor safepip knocked
    assert {p.candidate.name for p in kept.packages} == {"tidyframe", "tidycore", "tidyutils"}
    assert not kept.could_not_check, [e.reason for e in kept.errors] + [e.reason for p in kept.packages for e in p.errors]
    assert unseen.could_not_check
    assert "offline" in " ".join(e.reason for e in unseen.errors)
    assert max(kept_seconds, unseen_seconds) < scaled(QUICK), (kept_seconds, unseen_seconds)


@pytest.mark.parametrize("how", ["--offline", "SAFEPIP_OFFLINE=1"])
def test_the_cli_offline_says_at_once_that_it_could_not_check(hung_index, how):
    settings, silent = hung_index
    env = {**os.environ, "SAFEPIP_PYTHON": settings.python, "SAFEPIP_CACHE_DIR": str(settings.cache_dir),
           "SAFEPIP_HISTORY_PATH": str(settings.cache_dir / "history.sqlite")}
    flags = ["--offline"] if how == "--offline" else []
    if how != "--offline":
        env["SAFEPIP_OFFLINE"] = "1"
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "jupyter_safepip.cli", "check", *flags, "freshpkg"],
                            capture_output=True, text=True, env=env, timeout=scaled(120))
    seconds = time.monotonic() - started
    assert result.returncode == 3, result.stdout + result.stderr  # could not check
    assert "offline" in result.stdout + result.stderr
    assert silent.connections() == 0
    assert seconds < scaled(QUICK), seconds
