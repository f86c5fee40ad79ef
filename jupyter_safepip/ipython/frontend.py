"""What the front end running this kernel can do: show widgets, ask on a terminal, or neither.

Rule: inside a Jupyter kernel, widgets are shown when the cell came from a front end a person uses; not
when the client said it cannot take input (nbconvert, papermill and other nbclient-based runners send
`allow_stdin: false`), nor when SAFEPIP_NONINTERACTIVE is set. In a terminal IPython with a TTY the user
is asked y/N; otherwise the policy decides.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..core.progress import ProgressEvent

NONINTERACTIVE_ENV = "SAFEPIP_NONINTERACTIVE"
POLL_SECONDS = 0.05


class _TextProgress:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def update(self, event: ProgressEvent) -> None:
        if self.enabled:
            print(f"\r{event.line(shutil.get_terminal_size((100, 24)).columns)}", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.enabled:
            print("", file=sys.stderr)


class _WidgetProgress:
    def __init__(self) -> None:
        from IPython.display import display

        from .widget import ProgressView

        self.progress = ProgressView()
        self.handle = display(self.progress.view, display_id=True)

    def update(self, event: ProgressEvent) -> None:
        self.progress.update(event)

    def close(self) -> None:
        self.progress.view.close()


@dataclass(frozen=True)
class Frontend:
    """Capabilities of the current front end."""

    widgets: bool
    tty: bool
    colour: bool
    # Older kernels can pump widget messages from inside a running cell (jupyter-ui-poll); newer ones
    # (ipykernel 7) deliver them only while the cell awaits, so the cell must be async.
    sync_poll: bool = False

    def progress(self):
        return _WidgetProgress() if self.widgets else _TextProgress(self.tty)

    async def wait_async(self, decided: Callable[[], object], timeout: float):
        """Await a decision; the kernel handles widget messages meanwhile (None on timeout)."""
        deadline = time.monotonic() + timeout
        while (choice := decided()) is None and time.monotonic() < deadline:
            await asyncio.sleep(POLL_SECONDS)
        return choice

    def wait_for(self, decided: Callable[[], object], timeout: float):
        """Let the kernel handle widget messages while the cell waits for a decision (None on timeout)."""
        from jupyter_ui_poll import ui_events

        deadline = time.monotonic() + timeout
        with ui_events() as poll:
            while (choice := decided()) is None and time.monotonic() < deadline:
                poll(20)
                time.sleep(POLL_SECONDS)
        return choice


def detect_frontend(shell) -> Frontend:
    """Decide how to ask: widget, terminal prompt, or nobody (policy decides)."""
    in_kernel = getattr(shell, "kernel", None) is not None
    noninteractive = os.environ.get(NONINTERACTIVE_ENV, "").strip().lower() in {"1", "true", "yes"}
    if in_kernel:
        person = getattr(shell.kernel, "_allow_stdin", True)  # the execute request's allow_stdin
        return Frontend(widgets=person and not noninteractive, tty=False, colour=False,
                        sync_poll=hasattr(shell.kernel, "do_one_iteration"))
    tty = sys.stdin.isatty() and not noninteractive
    return Frontend(widgets=False, tty=tty, colour=sys.stdout.isatty())
