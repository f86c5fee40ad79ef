"""The CLI's decisions in the shared history say what happened: refused with nobody to ask is not a block."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from jupyter_safepip.core.history import HistoryStore

pytestmark = pytest.mark.integration


def test_a_warning_refused_without_a_terminal_is_recorded_as_refused(pip_uses_index, target_env, tmp_path):
    history = tmp_path / "history.sqlite"
    env = {**os.environ, "SAFEPIP_PYTHON": target_env.python, "SAFEPIP_CACHE_DIR": str(tmp_path / "safepip-cache"),
           "SAFEPIP_HISTORY_PATH": str(history)}
    for package, decision in (("freshpkg", "refused"), ("reqeusts", "blocked")):
        cli = subprocess.run([sys.executable, "-m", "jupyter_safepip.cli", "install", package], capture_output=True,
                             text=True, env=env, stdin=subprocess.DEVNULL)
        assert cli.returncode in (1, 2) and "nothing was installed" in cli.stderr, cli.stdout + cli.stderr
        recorded = HistoryStore(history).query(verdict=None, package=package, limit=5, offset=0)
        assert [(e.source, e.decision) for e in recorded] == [("cli", decision)]
        assert not target_env.imports(package)
