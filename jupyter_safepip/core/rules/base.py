"""What matchers produce: a hit of a rule at a place in a file."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Where(enum.Enum):
    """When the code in a file runs: this weighs how bad the same behaviour is."""

    INSTALL = "runs during pip install"
    STARTUP = "runs every time Python starts"
    LIBRARY = "runs when the package is imported or used"
    TESTS = "ships with the tests, docs or examples and runs only if someone runs those"
    TEST_MODULE = "is a test module (test_*.py, conftest.py) that nothing in the package imports: it runs only in a test run"


@dataclass(frozen=True)
class Hit:
    """One rule matching one place; `scope` groups hits from the same function of the same file."""

    rule_id: str
    path: str
    line: int | None
    snippet: str
    scope: int = 0
    at_import: bool = False  # in module-level code (or a function it calls) of a library file
