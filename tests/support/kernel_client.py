"""Executing a cell the way a front end does: every reply is matched to the request that asked for it."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.support.waits import scaled


@dataclass
class CellResult:
    status: str
    text: str
    comm_opens: list[dict] = field(default_factory=list)


def execute(client, code: str, timeout: float = 180, allow_stdin: bool = True,
            on_comm_open: Callable[[dict], None] | None = None) -> CellResult:
    """Run `code`, collect what it printed, raised or displayed until the kernel is idle for it, then its own
    execute_reply. Messages for other requests (the kernel_info replies wait_for_ready leaves behind, a late
    reply to an earlier cell) are skipped, never taken for this cell's."""
    msg_id = client.execute(code, allow_stdin=allow_stdin)
    deadline = time.monotonic() + scaled(timeout)
    result = CellResult("?", "")
    while True:
        msg = _next(client.get_iopub_msg, deadline, f"the kernel to finish {code[:60]!r}")
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            result.text += content["text"]
        elif kind == "error":
            result.text += f"{content['ename']}: {content['evalue']}\n"
        elif kind in ("display_data", "execute_result"):
            result.text += content["data"].get("text/html", content["data"].get("text/plain", "")) + "\n"
        elif kind == "comm_open":
            result.comm_opens.append(content)
            if on_comm_open:
                on_comm_open(content)
        elif kind == "status" and content["execution_state"] == "idle":
            break
    while True:
        reply = _next(client.get_shell_msg, deadline, f"the reply to {code[:60]!r}")
        if reply["parent_header"].get("msg_id") == msg_id and reply["msg_type"] == "execute_reply":
            result.status = reply["content"]["status"]
            return result


def _next(get: Callable, deadline: float, what: str) -> dict:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError(f"timed out waiting for {what}")
    try:
        return get(timeout=left)
    except queue.Empty:
        raise TimeoutError(f"timed out waiting for {what}") from None
