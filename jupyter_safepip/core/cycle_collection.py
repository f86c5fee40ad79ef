"""Python's cycle collector paused while an archive is analysed.

The analysis keeps every syntax tree of a package alive until its verdict, and it allocates millions of small
objects: each allocation burst made the collector walk the whole live heap again, more than half the scan time
on a big package. The analysis makes no cyclic garbage worth collecting early (trees, values and sources hold
no reference back), so the collector is paused for the scan and runs as usual afterwards. Scans running at once
in threads share one pause: the collector comes back when the last of them ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_running = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    """Run the block with the cycle collector off (unless something else had turned it off already)."""
    global _running, _was_enabled
    with _lock:
        if _running == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _running += 1
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _was_enabled:
                gc.enable()
