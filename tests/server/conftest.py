"""A real Jupyter server on 127.0.0.1 (pytest-jupyter) with the safepip extension, pip on the fixture index."""

from __future__ import annotations

import pytest
from pytest_jupyter.jupyter_server import *  # noqa: F401,F403 - jp_serverapp, jp_fetch and friends


@pytest.fixture
def safepip_env(pip_uses_index, monkeypatch, tmp_path):
    """Every check and the history stay in this test's temporary directory."""
    monkeypatch.setenv("SAFEPIP_CACHE_DIR", str(tmp_path / "safepip-cache"))
    monkeypatch.setenv("SAFEPIP_HISTORY_PATH", str(tmp_path / "history.sqlite"))
    return tmp_path / "history.sqlite"


@pytest.fixture
def jp_server_config(safepip_env):
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_safepip.server": True},
            # Like the extension template: every endpoint must require authentication.
            "allow_unauthenticated_access": False,
        }
    }
