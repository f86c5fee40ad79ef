"""Run cells in a kernel of a remote Jupyter server over its websocket channels, as a browser does.

The messages are read by the tests' one kernel client (tests/support/kernel_client.py): each is matched to
the request that asked for it."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from tests.support.kernel_client import PLAIN, Cell, CellResult, click_message
from tests.support.waits import scaled, timed_out


def _message(session: str, channel: str, msg_type: str, content: dict) -> dict:
    header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": session, "username": "hub-test",
              "date": datetime.now(timezone.utc).isoformat(), "version": "5.3"}
    return {"channel": channel, "header": header, "parent_header": {}, "metadata": {}, "content": content, "buffers": []}


class _Clicks:
    """What a comm_open handler clicks, sent once the handler returns (the socket is the event loop's)."""

    def __init__(self) -> None:
        self.pending: list[str] = []

    def click(self, comm_id: str) -> None:
        self.pending.append(comm_id)


def execute(ws_url: str, token: str, code: str, timeout: float = 120,
            on_comm_open: Callable | None = None) -> CellResult:
    """Execute one cell over a fresh websocket connection; collect its output until the kernel is idle for it
    and its own execute_reply has come. `on_comm_open(client, content)` may call `client.click(comm_id)`."""
    return asyncio.run(_execute(ws_url, token, code, timeout, on_comm_open))


async def _execute(ws_url, token, code, timeout, on_comm_open) -> CellResult:
    request = HTTPRequest(ws_url, headers={"Authorization": f"token {token}"}, connect_timeout=scaled(30),
                          request_timeout=scaled(30))
    ws = await websocket_connect(request)
    session = uuid.uuid4().hex
    try:
        execute_request = _message(session, "shell", "execute_request", {
            "code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": True,  # as JupyterLab sends it
            "stop_on_error": True})
        cell = Cell(execute_request["header"]["msg_id"], PLAIN)
        await ws.write_message(json.dumps(execute_request))
        clicks = _Clicks()
        deadline = time.monotonic() + scaled(timeout)
        while not cell.done:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out(f"the kernel to finish {code[:80]!r}; output so far:\n{cell.result.text[-2000:]}", timeout)
            try:
                raw = await asyncio.wait_for(ws.read_message(), left)
            except asyncio.TimeoutError:
                continue
            if raw is None:
                raise ConnectionError(f"kernel websocket closed while running {code!r}")
            if isinstance(raw, bytes):
                continue  # binary frames carry widget buffers; none of ours matter here
            msg = json.loads(raw)
            opened = cell.take(msg["channel"], msg)
            if opened is not None and on_comm_open:
                on_comm_open(clicks, opened)
                while clicks.pending:  # what a browser sends when an ipywidgets Button is clicked
                    await ws.write_message(json.dumps(_message(session, "shell", *click_message(clicks.pending.pop(0)))))
        return cell.result
    finally:
        ws.close()
