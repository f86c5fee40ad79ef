"""The tests' kernel client, a client like any front end: every message is matched to the request that asked for
it (`parent_header.msg_id`); anything else (the kernel_info replies a retried handshake leaves behind, a late
reply to an earlier cell) is dropped, never taken for this request's. Every wait has a deadline that scales with
SAFEPIP_TEST_TIMEOUT_FACTOR.

`Cell` reads the messages of one execute request from any transport (ZMQ here, a websocket in tests/hub);
`LocalKernel` starts a kernel process and drives it over jupyter_client's blocking channels.
"""

from __future__ import annotations

import json
import queue
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

from tests.support.waits import scaled, timed_out

# What a cell's displays are read as: the report widget's HTML first (it carries the findings), else plain text.
HTML_FIRST = ("text/html", "text/plain")
PLAIN = ("text/plain",)


@dataclass
class CellResult:
    status: str
    text: str
    comm_opens: list[dict] = field(default_factory=list)


class Cell:
    """What one execute request got back: its output until the kernel is idle for it, and its own execute_reply."""

    def __init__(self, msg_id: str, display: tuple[str, ...] = HTML_FIRST) -> None:
        self.msg_id, self.display = msg_id, display
        self.result = CellResult("?", "")
        self.idle = self.replied = False

    @property
    def done(self) -> bool:
        return self.idle and self.replied

    def take(self, channel: str, msg: dict) -> dict | None:
        """Read one message from `channel`; the content of a comm_open this cell opened, for a click handler."""
        if msg.get("parent_header", {}).get("msg_id") != self.msg_id:
            return None  # another request's, or a stale reply
        kind, content = msg["msg_type"], msg["content"]
        if channel == "shell":
            if kind == "execute_reply":
                self.result.status, self.replied = content["status"], True
            return None
        if channel != "iopub":
            return None
        if kind == "stream":
            self.result.text += content["text"]
        elif kind == "error":
            self.result.text += f"{content['ename']}: {content['evalue']}\n"
        elif kind in ("display_data", "execute_result"):
            data = content["data"]
            self.result.text += next((data[m] for m in self.display if m in data), "") + "\n"
        elif kind == "comm_open":
            self.result.comm_opens.append(content)
            return content
        elif kind == "status" and content["execution_state"] == "idle":
            self.idle = True
        return None


# --- widgets, as a browser sees them ------------------------------------------------------------------

def buttons(comm_opens: list[dict]) -> dict[str, str]:
    """Button label -> comm id, for the widgets a cell opened."""
    return {c["data"]["state"].get("description"): c["comm_id"] for c in comm_opens
            if c["data"].get("state", {}).get("_model_name") == "ButtonModel"}


def click_when_shown(label: str) -> Callable:
    """A comm_open handler that clicks the button with this label once it appears."""
    def handler(client, content: dict) -> None:
        state = content["data"].get("state", {})
        if state.get("_model_name") == "ButtonModel" and state.get("description") == label:
            client.click(content["comm_id"])
    return handler


def click_message(comm_id: str) -> tuple[str, dict]:
    """The comm_msg a browser sends when an ipywidgets Button is clicked: (msg_type, content)."""
    return "comm_msg", {"comm_id": comm_id, "data": {"method": "custom", "content": {"event": "click"}}}


# --- a kernel process of our own --------------------------------------------------------------------

class LocalKernel:
    """A kernel started from `argv` (a kernel.json's, with {connection_file}) with exactly `env`.

    It listens on Unix sockets (IPC transport) in a private directory: no TCP port to race other kernels or
    parallel test workers for, and nothing reachable from the network."""

    def __init__(self, argv: list[str], env: dict[str, str], workdir: Path, *, cwd: Path | None = None,
                 name: str = "safepip-test", ready_timeout: float = 60) -> None:
        kernel_id = uuid.uuid4().hex
        spec_dir = workdir / "kernels" / name
        spec_dir.mkdir(parents=True, exist_ok=True)
        (spec_dir / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": name, "language": "python"}))
        # Unix socket paths are limited to ~100 bytes: a short private directory, not the test's tmp_path.
        self._sockets = Path(tempfile.mkdtemp(prefix="sk-"))
        self.log = workdir / f"kernel-{kernel_id}.log"
        self.km = KernelManager(kernel_name=name, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(workdir / "kernels")]),
                                transport="ipc", ip=str(self._sockets / "k"),
                                connection_file=str(self._sockets / f"kernel-{kernel_id}.json"))
        with self.log.open("wb") as log:
            self.km.start_kernel(env=env, cwd=str(cwd or workdir), stdout=log, stderr=log)
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            self._wait_until_ready(ready_timeout)
        except BaseException:
            self.stop()
            raise

    @property
    def kernel_id(self) -> str:
        """The id the kernel reports (ipykernel takes it from its connection file's name)."""
        return Path(self.km.connection_file).stem.removeprefix("kernel-")

    def _wait_until_ready(self, seconds: float) -> None:
        """kernel_info answered on shell and seen on iopub, both for a request of ours: both channels are up.
        A subscriber misses what was published before it connected, so the request is repeated each second;
        the replies to the repeats are stale and dropped later."""
        deadline = time.monotonic() + scaled(seconds)
        sent: set[str] = set()
        shell = iopub = False
        ask_again = 0.0
        while not (shell and iopub):
            if time.monotonic() >= ask_again:
                sent.add(self.kc.kernel_info())
                ask_again = time.monotonic() + 1.0
            for channel, get in (("shell", self.kc.get_shell_msg), ("iopub", self.kc.get_iopub_msg)):
                try:
                    msg = get(timeout=0.05)
                except queue.Empty:
                    continue
                if msg["parent_header"].get("msg_id") in sent:
                    shell |= channel == "shell" and msg["msg_type"] == "kernel_info_reply"
                    iopub |= channel == "iopub"
            if not self.km.is_alive():
                pytest.fail(f"the kernel died at start:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                timed_out(f"the kernel to answer kernel_info on shell and iopub\n{self.log_tail()}", seconds)

    def run(self, code: str, timeout: float = 180, on_comm_open: Callable | None = None, allow_stdin: bool = True,
            display: tuple[str, ...] = HTML_FIRST) -> CellResult:
        """Execute a cell; what it printed, raised and displayed, and its own reply's status.
        `on_comm_open(kernel, content)` is called for each comm the cell opens (a widget's buttons)."""
        cell = Cell(self.kc.execute(code, allow_stdin=allow_stdin), display)
        deadline = time.monotonic() + scaled(timeout)
        while not cell.idle:
            opened = cell.take("iopub", self._next(self.kc.get_iopub_msg, deadline, timeout, code, cell))
            if opened is not None and on_comm_open:
                on_comm_open(self, opened)
        while not cell.replied:
            cell.take("shell", self._next(self.kc.get_shell_msg, deadline, timeout, code, cell))
        return cell.result

    def _next(self, get: Callable, deadline: float, timeout: float, code: str, cell: Cell) -> dict:
        while True:
            try:
                return get(timeout=min(1.0, max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                pass
            if not self.km.is_alive():
                pytest.fail(f"the kernel died while running {code[:80]!r}; output so far:\n{cell.result.text[-2000:]}\n"
                            f"kernel log:\n{self.log_tail()}")
            if time.monotonic() >= deadline:
                timed_out(f"the kernel to finish {code[:80]!r}; output so far:\n{cell.result.text[-2000:]}", timeout)

    def click(self, comm_id: str) -> None:
        """What a browser sends when a Button is clicked."""
        self.kc.shell_channel.send(self.kc.session.msg(*click_message(comm_id)))

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:]) if self.log.exists() else ""

    def stop(self) -> None:
        self.kc.stop_channels()
        if self.km.has_kernel:
            self.km.shutdown_kernel(now=True)
        shutil.rmtree(self._sockets, ignore_errors=True)
