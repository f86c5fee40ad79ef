"""One factor for every wait in the tests: a slow or busy machine raises SAFEPIP_TEST_TIMEOUT_FACTOR (default 1)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

FACTOR = max(float(os.environ.get("SAFEPIP_TEST_TIMEOUT_FACTOR", "1") or 1), 0.1)


def scaled(seconds: float) -> float:
    """A timeout, scaled for this machine."""
    return seconds * FACTOR


def wait_until(condition: Callable[[], object], seconds: float, what: str, interval: float = 0.05) -> object:
    """Poll `condition` until it returns something true, for at most `seconds` (scaled); fail saying `what`."""
    deadline = time.monotonic() + scaled(seconds)
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {scaled(seconds):.0f} s waiting for {what}")
        time.sleep(interval)
