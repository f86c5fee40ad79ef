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

    def line(self, width: int) -> str:
        """The event as one terminal row of `width` columns: cut short with an ellipsis, padded with blanks so
        that it covers a longer row written before it."""
        text = f"[{self.done}/{self.total}] {self.message}"
        room = max(width - 1, 10)
        return (text if len(text) <= room else text[: room - 1] + "…").ljust(room)


Progress = Callable[[ProgressEvent], None]


def silent(_event: ProgressEvent) -> None:
    """A progress sink that shows nothing."""
