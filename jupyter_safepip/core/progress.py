"""Progress events the pipeline emits, for progress bars in the terminal and the notebook."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ProgressEvent:
    """One step: which stage, how far along it is, and a line for humans."""

    stage: str  # "resolve", "inspect", "decide"
    done: int
    total: int
    message: str


Progress = Callable[[ProgressEvent], None]


def silent(_event: ProgressEvent) -> None:
    """A progress sink that shows nothing."""
