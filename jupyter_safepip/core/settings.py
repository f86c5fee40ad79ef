"""Settings for one run of the pipeline: the policy plus where and how to look."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .policy import Policy


def default_cache_dir() -> Path:
    """The per-user cache directory (XDG on Linux)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "jupyter_safepip"


@dataclass(frozen=True)
class Settings:
    """Everything the pipeline needs besides the request itself."""

    policy: Policy = field(default_factory=Policy)
    python: str = sys.executable  # the interpreter pip resolves and installs for
    cache_dir: Path = field(default_factory=default_cache_dir)
    offline: bool = False  # use only the cache and shipped data
    timeout: float = 15.0  # seconds per HTTP request
    pip_timeout: float = 600.0  # seconds for pip's resolution
    min_release_age: float = 0.0  # days: the cool-down; releases uploaded more recently are passed over
    vetting_index: str | None = None  # the administrator's index (SafePip.index_url): its archive checks are taken
