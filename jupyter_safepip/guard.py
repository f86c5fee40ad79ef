"""The one entry point every front door uses: parse a pip line, check it, install what was checked."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from urllib.parse import urlsplit

from .config import ConfigError, EffectiveConfig, configured_history_path, load_settings
from .core.history import KEEP_DAYS, HistoryStore
from .core.http import same_index, without_credentials
from .core.install import install_artifacts
from .core.model import Finding, InstallRequest, PassThrough, Report, Severity, Verdict
from .core.pip_runner import PipResult
from .core.pipeline import Assessment, Pipeline
from .core.progress import Progress, silent
from .core.request import RequestError, parse_command
from .core.settings import Settings

LOCKED_RULE = "admin.locked"


class LockedError(RequestError):
    """Something the administrator's locks forbid; `attempt` says what was tried, for the history."""

    def __init__(self, message: str, attempt: str) -> None:
        super().__init__(message)
        self.attempt = attempt


class IncompleteRequest(ValueError):
    """An install was asked for a request that was not resolved as a whole."""


class Guard:
    """A configured pipeline for one interpreter; cheap to keep for the life of a kernel or server."""

    def __init__(self, settings: Settings | None = None, config: EffectiveConfig | None = None, python: str = sys.executable) -> None:
        if settings is None:
            settings, config = load_settings(python)
        self.settings = settings
        self.config = config
        self.trusted_index = _trusted_index(config)
        self.pipeline = Pipeline(settings)

    def is_locked(self, setting: str) -> bool:
        return self.config is not None and setting in self.config.locked

    def parse(self, line: str | Sequence[str]) -> InstallRequest | PassThrough:
        """Parse what the user typed after `pip`; raises RequestError (LockedError) with a one-line reason."""
        parsed = parse_command(line)
        if isinstance(parsed, InstallRequest) and self.trusted_index:
            command = line if isinstance(line, str) else " ".join(line)
            return use_trusted_index(parsed, self.trusted_index, self.is_locked("index_url"), "pip " + command.strip())
        return parsed

    def check(self, request: InstallRequest, command: str, progress: Progress = silent) -> Assessment:
        """Everything the request would install, checked; nothing installed."""
        return self.pipeline.assess(request, command, progress)

    def install(self, assessment: Assessment, on_output: Callable[[str], None] | None = None) -> PipResult | None:
        """Install exactly the inspected files of an assessment (the caller has decided to); IncompleteRequest
        when pip never worked out the whole request, since part of it would be left out unsaid."""
        if assessment.unresolved is not None:
            raise IncompleteRequest(f"nothing was installed: pip never worked out the whole request ({assessment.unresolved})")
        return install_artifacts(assessment.request, assessment.artifacts, assessment.local_trees, self.settings.python,
                                 on_output, by_name=assessment.from_index)

    def history(self) -> HistoryStore:
        """The history store the configuration names (SafePip.history_path), else the Jupyter data directory's."""
        keep_days = self.config.values["history_days"] if self.config else KEEP_DAYS
        return HistoryStore(configured_history_path(self.config), keep_days)

    def record_refusal(self, attempt: str, message: str, *, source: str, notebook: str | None = None,
                       kernel_id: str | None = None, store: HistoryStore | None = None) -> None:
        """Keep a refused attempt to get round a lock in the history (`store`, else the configured one), as a
        blocked entry with its reason."""
        finding = Finding(LOCKED_RULE, Severity.HIGH, message, package="")
        report = Report(command=attempt, packages=(), errors=(), verdict=Verdict.BLOCK, install_anyway_allowed=False,
                        reasons=(message,), request_findings=(finding,))
        (store or self.history()).record(report, decision="blocked", source=source, notebook=notebook, kernel_id=kernel_id)


def use_trusted_index(request: InstallRequest, trusted: str, locked: bool, command: str) -> InstallRequest:
    """Resolve from the trusted index; when it is locked, refuse every other source pip could read from."""
    default = _pip_default_index()
    others = _other_sources(request, trusted, default)
    if others and locked:
        raise LockedError(
            f"the administrator allows only the index {trusted}; refused: {', '.join(others)} (typed on the line, or "
            "set in pip's configuration: `pip config list` and PIP_* variables show where)", command)
    if request.no_index or (request.index_url and same_index(request.index_url, trusted)):
        return request
    if request.index_url and not same_index(request.index_url, default):
        return request  # the user chose another index and may (index_url is not locked)
    # Last on the line, so it wins over pip's configuration and environment as pip reads options in order.
    return replace(request, index_url=trusted, pip_args=(*request.pip_args, "--index-url", trusted))


def _other_sources(request: InstallRequest, trusted: str, default: str) -> list[str]:
    found = []
    if request.no_index:
        found.append("--no-index")
    if request.index_url and not (same_index(request.index_url, trusted) or same_index(request.index_url, default)):
        found.append(f"--index-url {without_credentials(request.index_url)}")
    found += [f"--extra-index-url {without_credentials(u)}" for u in request.extra_index_urls if not same_index(u, trusted)]
    found += [f"--find-links {u}" for u in request.find_links]
    trusted_host = urlsplit(trusted).hostname
    found += [f"--trusted-host {h}" for h in request.network.trusted_hosts if h.split(":")[0] != trusted_host]
    found += [f"direct reference {r.text}" for r in request.requirements
              if r.url and urlsplit(r.url).scheme not in ("", "file") and not r.url.startswith(trusted.rstrip("/") + "/")]
    return found


def _pip_default_index() -> str:
    from pip._internal.models.index import PyPI

    return PyPI.simple_url





def _trusted_index(config: EffectiveConfig | None) -> str | None:
    url = (config.values.get("index_url") or "").strip() if config else ""
    if url and urlsplit(url).scheme not in ("http", "https", "file"):
        raise ConfigError(f"SafePip.index_url {url!r} is not an http(s) or file URL")
    return url or None
