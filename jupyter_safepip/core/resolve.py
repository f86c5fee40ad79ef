"""What pip would install: pip's own resolver in the target interpreter, run so that no package code runs.

pip resolves from wheels only (`--only-binary :all:`). When a requirement has no wheel, its sdist is
fetched and inspected first; only a clean sdist is then let through to be built (the inspected copy
itself, by direct reference), because building its metadata runs its setup.py. Builds never use an
isolated build environment: that would install and run build requirements nobody inspected.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PackagingRequirement
from packaging.utils import canonicalize_name

from .artifacts import local_path
from .model import Candidate, InstallRequest
from .pip_runner import PipResult, run_pip

MAX_SDIST_ROUNDS = 8
OFFLINE_TIMEOUT = 3  # seconds pip may wait on a remote find-links URL typed in an offline check
_MISSING_MODULE = re.compile(r"No module named '([\w.]+)'")
_NO_MATCH = re.compile(r"No matching distribution found for (\S+)")


class ResolutionError(RuntimeError):
    """pip could not work out what to install; the message is pip's own reason."""


@dataclass(frozen=True)
class NotFound:
    """A requirement pip found no distribution for at all: not on any configured index."""

    name: str
    requirement: str
    pip_message: str


@dataclass(frozen=True)
class Resolution:
    """The candidates pip would install, or why resolution stopped early."""

    candidates: tuple[Candidate, ...]
    not_found: tuple[NotFound, ...] = ()
    stopped_at: tuple[Candidate, ...] = ()  # sdists that were flagged, so were not built to resolve further


# Given an sdist-only requirement, fetch and inspect its sdist: None when no sdist exists,
# else (the candidate, whether it is clean enough to be built); a clean candidate's url is the inspected copy.
SdistGate = Callable[[PackagingRequirement], "tuple[Candidate, bool] | None"]


def resolve(request: InstallRequest, python: str, sdist_gate: SdistGate, timeout: float | None = None,
            offline_links: Path | None = None, uploaded_prior_to: datetime | None = None) -> Resolution:
    """Ask pip what it would install for this request, never letting it build an uninspected sdist. Offline
    (`offline_links` given), pip reads no index: only the files kept from earlier checks. With a cool-down
    (`uploaded_prior_to`), pip passes over younger releases, except one the request pins exactly: that one is
    kept (its file, as pip would choose it, given by direct reference) and the metadata check warns about it."""
    built: dict[str, Candidate] = {}  # sdists inspected and let through to be built
    pinned: dict[str, Candidate] = {}  # releases pinned exactly, kept through the cool-down
    cut_off = ["--uploaded-prior-to", uploaded_prior_to.strftime("%Y-%m-%dT%H:%M:%SZ")] if uploaded_prior_to else []
    with tempfile.TemporaryDirectory(prefix="safepip-resolve-") as tmp:
        for _ in range(MAX_SDIST_ROUNDS):
            report_path = Path(tmp) / "report.json"
            args, pip_env = _dry_run_args(request, report_path, built, pinned) + cut_off, None
            if offline_links is not None:
                offline_args, pip_env = _offline(request, offline_links)
                args += offline_args
            result = run_pip(python, args, timeout=timeout, pip_env=pip_env)
            if result.returncode == 0:
                return Resolution(_candidates(report_path))
            if cut_off and "no such option: --uploaded-prior-to" in result.stderr:
                raise ResolutionError("the cool-down (SafePip.min_release_age) needs a pip with --uploaded-prior-to "
                                      "(26.0 or newer) in the target environment: upgrade pip there")
            missing = _missing_requirement(result)
            if offline_links is not None:
                raise ResolutionError(f"offline, and the files it needs were not downloaded by an earlier check "
                                      f"({_explained(result)})")
            if missing is None or canonicalize_name(missing.name) in built | pinned:
                raise ResolutionError(_explained(result))
            if cut_off and _pinned_exactly(request, missing):
                kept = _pinned_file(request, missing, python, Path(tmp), timeout)
                if kept is not None:
                    pinned[kept.name] = kept
                    continue
            gated = sdist_gate(missing)
            if gated is None:
                return Resolution((), not_found=(NotFound(canonicalize_name(missing.name), str(missing), result.error_summary),))
            candidate, clean = gated
            if not clean:
                return Resolution((), stopped_at=(candidate,))
            built[candidate.name] = candidate
    raise ResolutionError(f"more than {MAX_SDIST_ROUNDS} packages need building from source")


def _pinned_exactly(request: InstallRequest, missing: PackagingRequirement) -> bool:
    """Whether the user typed this requirement with an exact pin (==X, not a wildcard)."""
    name = canonicalize_name(missing.name)
    return any(r.name == name and re.fullmatch(r"==\s*[^*,]+", r.specifier.strip()) for r in request.requirements)


def _pinned_file(request: InstallRequest, pin: PackagingRequirement, python: str, tmp: Path,
                 timeout: float | None) -> Candidate | None:
    """The file pip would install for a pinned release with no cool-down (a dry run of that pin alone)."""
    report_path = tmp / "pinned.json"
    alone = [a for a in request.pip_args if not _is_requirement(a, request)]
    args = ["install", str(pin), *alone, "--no-deps", "--dry-run", "--report", str(report_path), "--quiet",
            "--progress-bar", "off", "--only-binary", ":all:"]
    if run_pip(python, args, timeout=timeout).returncode != 0:
        return None
    chosen = next((c for c in _candidates(report_path) if c.name == canonicalize_name(pin.name)), None)
    if chosen is None:
        return None
    fragment = f"#sha256={chosen.sha256}" if chosen.sha256 else ""
    return replace(chosen, url=chosen.url.split("#", 1)[0] + fragment)


def _is_requirement(arg: str, request: InstallRequest) -> bool:
    return any(arg.strip() == r.text for r in request.requirements)


def _dry_run_args(request: InstallRequest, report_path: Path, built: dict[str, Candidate],
                  pinned: dict[str, Candidate]) -> list[str]:
    # pip builds the inspected sdists themselves (direct references to the kept copies, given first so
    # that pip's resolver never prepares the index's copy), not whatever the index serves by then: an
    # index may re-publish a version, or answer pip differently than it answered the check. Releases pinned
    # through a cool-down are direct references too (to the index's file, with its hash).
    inspected = [f"{c.name} @ {c.url}" for c in (*built.values(), *pinned.values())]
    args = [
        "install", *inspected, *request.pip_args,
        "--dry-run", "--report", str(report_path), "--quiet", "--progress-bar", "off",
        "--only-binary", ":all:",
        # What is built here (inspected local trees and sdists) is built with the target's own build tools:
        # an isolated build env would download build requirements nobody inspected, and run them.
        "--no-build-isolation",
    ]
    if built:
        args += ["--no-binary", ",".join(built)]
    return args


def _offline(request: InstallRequest, kept: Path) -> tuple[list[str], dict[str, str]]:
    """pip's arguments and environment for reading only local files: no index, the kept files and the local
    find-links of the request and of pip's configuration."""
    local = [kept, *(path.resolve() for path in map(local_path, request.find_links) if path is not None)]
    # PIP_FIND_LINKS replaces pip's configured find-links, remote ones included (file URLs: a path may hold a
    # space, pip splits the variable on them). A remote one typed on the line fails fast instead of retrying.
    return (["--no-index", "--retries", "0", "--timeout", str(OFFLINE_TIMEOUT)],
            {"PIP_FIND_LINKS": " ".join(path.as_uri() for path in local)})


def _explained(result: PipResult) -> str:
    """pip's reason, plus why a build failed when it is for want of build tools (and which one, when pip says)."""
    if "BackendUnavailable" in result.stderr or "metadata-generation-failed" in result.stderr:
        missing = _MISSING_MODULE.search(result.stderr)
        which = f"; it needs {missing.group(1)}, which this environment lacks" if missing else ""
        if "invalid command 'bdist_wheel'" in result.stderr:
            which = "; it needs wheel, which this environment lacks"
        return (f"{result.error_summary} (source builds use this environment's own build tools; build "
                f"requirements are never downloaded unchecked, so install any that are missing first{which})")
    return result.error_summary


def _missing_requirement(result: PipResult) -> PackagingRequirement | None:
    match = _NO_MATCH.search(result.stderr)
    if not match:
        return None
    try:
        return PackagingRequirement(match.group(1))
    except InvalidRequirement:
        return None


def _candidates(report_path: Path) -> tuple[Candidate, ...]:
    report = json.loads(report_path.read_text())
    return tuple(_candidate(item) for item in report.get("install", ()))


def _candidate(item: dict) -> Candidate:
    info = item["download_info"]
    url = info["url"]
    hashes = info.get("archive_info", {}).get("hashes", {})
    filename = url.rsplit("/", 1)[-1].split("#", 1)[0]
    return Candidate(
        name=canonicalize_name(item["metadata"]["name"]),
        version=item["metadata"]["version"],
        url=url,
        filename=filename,
        sha256=hashes.get("sha256"),
        requested=bool(item.get("requested")),
        is_wheel=filename.endswith(".whl"),
        yanked=bool(item.get("is_yanked")),
    )
