"""Run cells in a kernel of a remote Jupyter server over its websocket channels, as a browser does."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from tests.support.waits import scaled


@dataclass
class CellResult:
    status: str
    text: str
    comm_opens: list[dict] = field(default_factory=list)


def _message(session: str, channel: str, msg_type: str, content: dict) -> dict:
    header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": session, "username": "hub-test",
              "date": datetime.now(timezone.utc).isoformat(), "version": "5.3"}
    return {"channel": channel, "header": header, "parent_header": {}, "metadata": {}, "content": content, "buffers": []}


def buttons(comm_opens: list[dict]) -> dict[str, str]:
    """Button label -> comm id, for the widgets a cell opened."""
    return {c["data"]["state"].get("description"): c["comm_id"] for c in comm_opens
            if c["data"].get("state", {}).get("_model_name") == "ButtonModel"}


def click_when_shown(label: str) -> Callable[[dict], str | None]:
    """A comm_open handler that clicks the button with this label once it appears."""
    def handler(content: dict) -> str | None:
        state = content["data"].get("state", {})
        if state.get("_model_name") == "ButtonModel" and state.get("description") == label:
            return content["comm_id"]
        return None
    return handler


def execute(ws_url: str, token: str, code: str, timeout: float = 120,
            on_comm_open: Callable[[dict], str | None] | None = None) -> CellResult:
    """Execute one cell over a fresh websocket connection; collect its output until the kernel is idle."""
    return asyncio.run(_execute(ws_url, token, code, timeout, on_comm_open))


async def _execute(ws_url, token, code, timeout, on_comm_open) -> CellResult:
    request = HTTPRequest(ws_url, headers={"Authorization": f"token {token}"}, connect_timeout=scaled(30), request_timeout=scaled(30))
    ws = await websocket_connect(request)
    session = uuid.uuid4().hex
    try:
        execute_request = _message(session, "shell", "execute_request", {
            "code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": True,  # as JupyterLab sends it
            "stop_on_error": True})
        msg_id = execute_request["header"]["msg_id"]
        await ws.write_message(json.dumps(execute_request))
        result = CellResult("?", "")
        idle = replied = False
        deadline = time.monotonic() + scaled(timeout)
        while not (idle and replied):
            raw = await asyncio.wait_for(ws.read_message(), max(0.1, deadline - time.monotonic()))
            if raw is None:
                raise ConnectionError(f"kernel websocket closed while running {code!r}")
            if isinstance(raw, bytes):
                continue  # binary frames carry widget buffers; none of ours matter here
            msg = json.loads(raw)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if msg["channel"] == "shell" and kind == "execute_reply":
                result.status, replied = content["status"], True
            elif kind == "stream":
                result.text += content["text"]
            elif kind == "error":
                result.text += f"{content['ename']}: {content['evalue']}\n"
            elif kind in ("display_data", "execute_result"):
                result.text += content["data"].get("text/plain", "") + "\n"
            elif kind == "comm_open":
                result.comm_opens.append(content)
                comm_id = on_comm_open(content) if on_comm_open else None
                if comm_id:  # what a browser sends when an ipywidgets Button is clicked
                    body = {"comm_id": comm_id, "data": {"method": "custom", "content": {"event": "click"}}}
                    await ws.write_message(json.dumps(_message(session, "shell", "comm_msg", body)))
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
        return result
    finally:
        ws.close()
