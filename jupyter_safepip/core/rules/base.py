"""What matchers produce: a hit of a rule at a place in a file."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hit:
    """One rule matching one place; `scope` groups hits from the same function of the same file."""

    rule_id: str
    path: str
    line: int | None
    snippet: str
    scope: int = 0
    at_import: bool = False  # in module-level code (or a function it calls) of a library file
