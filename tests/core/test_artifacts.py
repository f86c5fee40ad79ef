"""The artifact store's failures read as one line a person understands."""

from __future__ import annotations

import socket

import pytest

from jupyter_safepip.core.artifacts import ArtifactError, ArtifactStore
from jupyter_safepip.core.http import plain_session
from jupyter_safepip.core.model import Candidate


def test_a_download_that_cannot_connect_says_so_in_one_line(tmp_path):
    with socket.socket() as unused:  # a loopback port nobody listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    url = f"http://127.0.0.1:{port}/files/demo-1.0-py3-none-any.whl"
    store = ArtifactStore(tmp_path, plain_session(), timeout=2.0)
    with pytest.raises(ArtifactError) as info:
        store.fetch(Candidate("demo", "1.0", url, "demo-1.0-py3-none-any.whl", None, True, True))
    message = str(info.value)
    assert message.startswith(f"cannot download demo-1.0-py3-none-any.whl: 127.0.0.1:{port}: cannot connect")
    assert "HTTPConnectionPool" not in message and "\n" not in message
