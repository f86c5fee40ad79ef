"""One factor for every wait in the tests: a slow or busy machine raises SAFEPIP_TEST_TIMEOUT_FACTOR (default 1)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import NoReturn, TypeVar

import pytest

FACTOR_VARIABLE = "SAFEPIP_TEST_TIMEOUT_FACTOR"
T = TypeVar("T")


def _factor() -> float:
    text = os.environ.get(FACTOR_VARIABLE, "").strip() or "1"
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 100:
        raise pytest.UsageError(f"{FACTOR_VARIABLE}={text!r}: expected a number above 0 (1 is the default, 3 for "
                                "a machine about three times slower)")
    return value


FACTOR = _factor()


def scaled(seconds: float) -> float:
    """A timeout, scaled for this machine."""
    return seconds * FACTOR


def scaled_ms(seconds: float) -> float:
    """A timeout in milliseconds (Playwright's unit), scaled for this machine."""
    return seconds * FACTOR * 1000


def timed_out(what: str, seconds: float) -> NoReturn:
    """Fail the test: `what` did not happen within `seconds` (unscaled; the message gives the scaled figure)."""
    pytest.fail(f"timed out after {scaled(seconds):.0f} s waiting for {what} "
                f"({FACTOR_VARIABLE}={FACTOR:g}; raise it on a slow machine)")


def wait_until(condition: Callable[[], T], seconds: float, what: str | Callable[[], str], interval: float = 0.05) -> T:
    """Poll `condition` until it returns something true, for at most `seconds` (scaled); fail saying `what`
    (a callable: what to say is worked out when it fails, e.g. a log's last lines)."""
    deadline = time.monotonic() + scaled(seconds)
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            timed_out(what() if callable(what) else what, seconds)
        time.sleep(interval)
