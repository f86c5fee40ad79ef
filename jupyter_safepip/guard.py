"""The one entry point every front door uses: parse a pip line, check it, install what was checked."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from .config import EffectiveConfig, load_settings
from .core.install import install_artifacts
from .core.model import InstallRequest, PassThrough
from .core.pip_runner import PipResult
from .core.pipeline import Assessment, Pipeline
from .core.progress import Progress, silent
from .core.request import parse_command
from .core.settings import Settings


class Guard:
    """A configured pipeline for one interpreter; cheap to keep for the life of a kernel or server."""

    def __init__(self, settings: Settings | None = None, config: EffectiveConfig | None = None, python: str = sys.executable) -> None:
        if settings is None:
            settings, config = load_settings(python)
        self.settings = settings
        self.config = config
        self.pipeline = Pipeline(settings)

    def parse(self, line: str | Sequence[str]) -> InstallRequest | PassThrough:
        """Parse what the user typed after `pip`; raises RequestError with a one-line reason."""
        return parse_command(line)

    def check(self, request: InstallRequest, command: str, progress: Progress = silent) -> Assessment:
        """Everything the request would install, checked; nothing installed."""
        return self.pipeline.assess(request, command, progress)

    def install(self, assessment: Assessment, on_output: Callable[[str], None] | None = None) -> PipResult | None:
        """Install exactly the inspected files of an assessment (the caller has decided to)."""
        return install_artifacts(
            assessment.request, assessment.artifacts, assessment.local_trees, self.settings.python, on_output
        )
