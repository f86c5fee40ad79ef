"""What the REST API does, without HTTP: check a spec or requirements text, read history and policy."""

from __future__ import annotations

import shlex
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from ..config import EffectiveConfig, config_layers, configured_history_path, effective_config, settings_from_config
from ..core.history import HistoryEntry, HistoryStore
from ..core.model import InstallRequest, Report
from ..core.request import RequestError, split_command_line
from ..guard import Guard, LockedError

MAX_SPEC_CHARS = 4_000
# What people paste from a notebook or a terminal in front of a pip command.
PIP_WORDS = frozenset({"pip", "pip3", "%pip", "!pip", "!pip3"})


@dataclass(frozen=True)
class CheckInput:
    """What the sidebar asked to check: a pip-style spec, pasted requirements, or both."""

    spec: str = ""
    requirements: str = ""


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

    def config(self) -> EffectiveConfig:
        """The effective configuration, read afresh so an administrator's edit applies without a restart."""
        return effective_config(config_layers())

    def check(self, what: CheckInput) -> Report:
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
            report = guard.check(request, shown).report
        self.store(config).record(report, decision="checked", source="sidebar")
        return report

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
