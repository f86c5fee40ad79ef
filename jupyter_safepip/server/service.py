"""What the REST API does, without HTTP: check a spec or requirements text (now, or started and followed), read
history and policy."""

from __future__ import annotations

import secrets
import shlex
import sys
import tempfile
import threading
import time
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path

from ..config import EffectiveConfig, config_layers, configured_history_path, effective_config, settings_from_config
from ..core.history import HistoryEntry, HistoryStore
from ..core.model import InstallRequest, Report
from ..core.progress import Progress, ProgressEvent, silent
from ..core.request import RequestError, split_command_line
from ..guard import Guard, LockedError

MAX_SPEC_CHARS = 4_000
# What people paste from a notebook or a terminal in front of a pip command.
PIP_WORDS = frozenset({"pip", "pip3", "%pip", "!pip", "!pip3"})
# Started checks live in the server's memory: a few may wait for the executor, finished ones are kept a while.
MAX_UNFINISHED_CHECKS = 8
KEEP_FINISHED_SECONDS = 600.0
MAX_FINISHED_CHECKS = 100


class TooManyChecks(RuntimeError):
    """As many checks as MAX_UNFINISHED_CHECKS are running or waiting already."""


@dataclass(frozen=True)
class CheckInput:
    """What the sidebar asked to check: a pip-style spec, pasted requirements, or both."""

    spec: str = ""
    requirements: str = ""


@dataclass(frozen=True)
class CheckJob:
    """A started check: its latest progress while it runs, then its report or what it raised."""

    progress: ProgressEvent | None = None
    report: Report | None = None
    error: Exception | None = None
    finished_at: float | None = None  # time.monotonic()

    @property
    def running(self) -> bool:
        return self.finished_at is None


@dataclass(frozen=True)
class HistoryPage:
    entries: tuple[HistoryEntry, ...]
    total: int


class SafePipService:
    """One per server: a Guard rebuilt when the configuration changes, and the shared history store."""

    def __init__(self, python: str = sys.executable, history_path: Path | None = None) -> None:
        self.python = python
        self._history_path = history_path  # None: from the configuration, else the Jupyter data directory
        self._lock = threading.Lock()
        self._guard: Guard | None = None
        self._stores: dict[tuple[Path, float], HistoryStore] = {}
        self._jobs: dict[str, CheckJob] = {}

    def config(self) -> EffectiveConfig:
        """The effective configuration, read afresh so an administrator's edit applies without a restart."""
        return effective_config(config_layers())

    def check(self, what: CheckInput, progress: Progress = silent) -> Report:
        """Run the whole pipeline on the input (nothing is installed) and record it as 'checked'."""
        config = self.config()
        guard = self._guard_for(config)
        with tempfile.TemporaryDirectory(prefix="safepip-check-") as tmp:
            args = _pip_command(what.spec)
            _refuse_server_files(args, what.requirements)
            if what.requirements.strip():
                path = Path(tmp) / "requirements.txt"
                path.write_text(what.requirements, encoding="utf-8")
                args += ["-r", str(path)]
            if args == ["install"]:
                raise RequestError("nothing to check: give a package name or paste a requirements list")
            # The command as the user would type it, without our temporary directory in it.
            shown = "pip " + shlex.join("requirements.txt" if a.startswith(tmp) else a for a in args)
            try:
                request = guard.parse(args)
            except LockedError as exc:
                guard.record_refusal(shown, str(exc), source="sidebar", store=self.store(config))
                raise
            except RequestError as exc:  # name the pasted list as the user knows it, not by our temporary file
                raise RequestError(str(exc).replace(str(Path(tmp) / "requirements.txt"), "the pasted list")) from None
            if not isinstance(request, InstallRequest):
                raise RequestError("only pip install can be checked here; other pip commands install nothing")
            report = guard.check(request, shown, progress).report
        self.store(config).record(report, decision="checked", source="sidebar")
        return report

    def start(self, what: CheckInput, executor: Executor) -> str:
        """Start check(what) in `executor`; the id that job() follows it by (in this process only)."""
        job_id = secrets.token_urlsafe(16)
        with self._lock:
            self._forget_finished()
            if sum(job.running for job in self._jobs.values()) >= MAX_UNFINISHED_CHECKS:
                raise TooManyChecks(f"{MAX_UNFINISHED_CHECKS} checks are running or waiting already; "
                                    "start this one when one of them has finished")
            self._jobs[job_id] = CheckJob()
        executor.submit(self._run, job_id, what)
        return job_id

    def job(self, job_id: str) -> CheckJob | None:
        """The check start() began under this id, None if there is none or it was forgotten."""
        with self._lock:
            return self._jobs.get(job_id)

    def _run(self, job_id: str, what: CheckInput) -> None:
        try:
            report = self.check(what, lambda event: self._update(job_id, progress=event))
        except Exception as exc:  # noqa: BLE001 - kept for the handler, which answers it as POST check would
            self._update(job_id, error=exc, finished_at=time.monotonic())
        else:
            self._update(job_id, report=report, finished_at=time.monotonic())

    def _update(self, job_id: str, **changes) -> None:
        with self._lock:
            self._jobs[job_id] = replace(self._jobs[job_id], **changes)

    def _forget_finished(self) -> None:
        """Drop finished checks older than KEEP_FINISHED_SECONDS, and the oldest beyond MAX_FINISHED_CHECKS."""
        finished = sorted((job.finished_at, job_id) for job_id, job in self._jobs.items() if not job.running)
        cutoff = time.monotonic() - KEEP_FINISHED_SECONDS
        for index, (finished_at, job_id) in enumerate(finished):
            if finished_at < cutoff or index < len(finished) - MAX_FINISHED_CHECKS:
                del self._jobs[job_id]

    def history(self, *, verdict: str | None, package: str | None, limit: int, offset: int) -> HistoryPage:
        store = self.store(self.config())
        return HistoryPage(
            store.query(verdict=verdict, package=package, limit=limit, offset=offset),
            store.count(verdict=verdict, package=package),
        )

    def store(self, config: EffectiveConfig) -> HistoryStore:
        key = (self.history_path(config), config.values["history_days"])
        with self._lock:
            if key not in self._stores:  # opening prunes: again when an administrator changes history_days
                self._stores[key] = HistoryStore(*key)
            return self._stores[key]

    def history_path(self, config: EffectiveConfig) -> Path:
        return self._history_path if self._history_path is not None else configured_history_path(config)

    def _guard_for(self, config: EffectiveConfig) -> Guard:
        with self._lock:
            if self._guard is None or self._guard.config is None or self._guard.config.values != config.values:
                self._guard = Guard(settings_from_config(config, self.python), config, self.python)
            return self._guard


_FILE_OPTIONS = ("-r", "-c", "--requirement", "--constraint")


def _refuse_server_files(args: list[str], pasted: str) -> None:
    """-r and -c would make the server read its own files (and quote them in errors): not from the sidebar."""
    lines = [line.strip() for line in pasted.splitlines()]
    if any(a.startswith(_FILE_OPTIONS) for a in args) or any(line.startswith(_FILE_OPTIONS) for line in lines):
        raise RequestError("the sidebar reads no files (-r, -c): paste the requirements instead, or run "
                           "%pip install -r <file> in a notebook")


def _pip_command(spec: str) -> list[str]:
    """The spec as a pip command line: `pandas>=2 -i URL`, `install pandas` and `%pip install pandas` all work."""
    if len(spec) > MAX_SPEC_CHARS:
        raise RequestError(f"the spec is longer than {MAX_SPEC_CHARS} characters")
    args = split_command_line(spec)
    if args[:1] and args[0] in PIP_WORDS:
        return args[1:]  # a whole pip command: parse_command refuses what is not an install
    return args if args[:1] == ["install"] else ["install", *args]
