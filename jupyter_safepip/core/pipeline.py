"""assess(request) -> Assessment: resolve, fetch once, run every check, let the policy decide.

A check that raises becomes a CheckError the user sees, never a pass.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from packaging.requirements import Requirement as PackagingRequirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from . import resolve as resolve_mod
from .artifacts import ArtifactError, ArtifactStore, Received, local_path, unheard
from .capacity import worker_count
from .checks import names
from .checks.archive import name_from_filename, scan_directory
from .checks.corroborate import corroborate, temper_library, temper_names
from .checks.metadata import check_cool_down, check_metadata, check_not_found, established
from .http import make_session, plain_session
from .index import IndexClient, IndexUnavailable
from .install import InspectedTree, tree_digest
from .model import (
    Artifact,
    Candidate,
    CheckError,
    Finding,
    InstallRequest,
    PackageReport,
    PipNetwork,
    ProjectInfo,
    Report,
    Requirement,
    Severity,
    Verdict,
)
from .policy import (
    Decision,
    decide_package,
    denied_whatever_version,
    fail_verdict,
    install_anyway_allowed,
    is_denied,
)
from .progress import Progress, ProgressEvent, silent
from .scan_cache import ScanCache
from .scan_workers import ScanWorkerLost, ScanWorkers
from .settings import Settings
from .shared_checks import SharedCheck, shared_check

log = logging.getLogger(__name__)
FETCH_WORKERS = 8
PROGRESS_EVERY = 2.0  # seconds between progress events while no package finishes (a long download, a big scan)
PROJECT_MEMO_SECONDS = 300.0
MAX_NETWORKS = 8  # pip network settings (CA, proxy, ...) whose HTTP sessions are kept for reuse


@dataclass(frozen=True)
class Assessment:
    """A report plus the exact files it was made from, ready to be installed."""

    request: InstallRequest
    report: Report
    artifacts: tuple[Artifact, ...]
    local_trees: tuple[InspectedTree, ...] = ()  # source directories inspected in place
    unresolved: str | None = None  # why pip never worked out the whole request: then nothing can be installed
    from_index: frozenset[str] = frozenset()  # packages whose files came from an index (installed by name)

    @property
    def nothing_to_install(self) -> bool:
        """pip would install nothing (the request is already satisfied): there is no decision to ask for."""
        return not self.report.packages and not self.report.errors and self.unresolved is None


@dataclass(frozen=True)
class _Inspected:
    findings: tuple[Finding, ...]
    errors: tuple[CheckError, ...]
    artifact: Artifact | None
    files_scanned: int = 0


@dataclass(frozen=True)
class _Typed:
    """What the request says before pip is asked: name findings, and the paths and URLs inspected in advance."""

    findings: tuple[Finding, ...]
    errors: tuple[CheckError, ...]
    inspected: tuple[tuple[Candidate, _Inspected], ...]
    kept: dict[str, str] = field(hash=False)  # a location as typed -> the same requirement on its kept copy
    local_trees: tuple[InspectedTree, ...]

    @property
    def own_files(self) -> frozenset[Path]:
        """Files the user typed as local paths: their own, like a find-links directory, with no index to describe them."""
        return frozenset(result.artifact.path for c, result in self.inspected
                         if result.artifact is not None and local_path(c.url) is not None)


@dataclass(frozen=True)
class _Resolved:
    """pip's resolution, the source packages inspected on its way (by name), and why it failed, if it did."""

    resolution: resolve_mod.Resolution
    sdists: dict[str, _Inspected] = field(hash=False)
    errors: tuple[CheckError, ...]


@dataclass(frozen=True)
class _Gaps:
    """What pip could not resolve: a name not on the index (a finding), no release that fits, packages it
    never got to, and source packages whose dependencies were not looked at (errors)."""

    findings: tuple[Finding, ...]
    errors: tuple[CheckError, ...]
    not_on_index: tuple[str, ...]


@dataclass(frozen=True)
class _Route:
    """How one request reaches its packages: the index client and the store that downloads its files."""

    index: IndexClient
    store: ArtifactStore


class Pipeline:
    """The shared machinery of one configuration: HTTP sessions per pip network setting, scan cache."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.scans = ScanCache(settings.cache_dir / "scans")
        self._connections: dict[PipNetwork, tuple[requests.Session, ArtifactStore]] = {}
        self._connections_lock = threading.Lock()  # the server runs checks from a thread pool
        self._projects: dict[tuple, tuple[float, ProjectInfo | None]] = {}

    def route_for(self, request: InstallRequest) -> _Route:
        """The index client and artifact store for this request's indexes and network settings (pip's
        configuration with the command line's --cert, --client-cert, --proxy and --trusted-host)."""
        session, store = self._connection(request.network)
        index = IndexClient(request.index_url or "", request.extra_index_urls, request.find_links, session=session)
        return _Route(index, store)

    def _connection(self, network: PipNetwork) -> tuple[requests.Session, ArtifactStore]:
        with self._connections_lock:
            if network not in self._connections:
                if len(self._connections) >= MAX_NETWORKS:  # each distinct --cert/--proxy typed adds one
                    del self._connections[next(iter(self._connections))]
                cache, timeout = self.settings.cache_dir, self.settings.timeout
                session = make_session(cache / "http", offline=self.settings.offline, timeout=timeout, network=network)
                store = ArtifactStore(cache / "artifacts", plain_session(network=network), max(timeout, 60.0),
                                      self.settings.offline)
                self._connections[network] = (session, store)
            return self._connections[network]

    def assess(self, request: InstallRequest, command: str, progress: Progress = silent) -> Assessment:
        """Check everything this request would install, before anything is installed or built: what was typed,
        what pip resolves it to, what pip could not resolve, each package's files; then the policy decides."""
        route = self.route_for(request)
        typed = self._check_typed(request, route)
        resolved = self._resolve(request, route, typed, progress)
        gaps = _gaps(request, route.index, resolved.resolution)
        inspected = self._inspect_all(list(resolved.resolution.candidates), route, progress, typed.own_files)
        listed = _listed(resolved, inspected, typed.inspected)
        progress(ProgressEvent("decide", 1, 1, "applying the policy"))
        return self._decide(request, command, typed, resolved, gaps, listed)

    def check_file(self, candidate: Candidate, index: IndexClient, network: PipNetwork = PipNetwork(),
                   workers: ScanWorkers | None = None) -> tuple[tuple[Finding, ...], tuple[CheckError, ...], Artifact | None]:
        """One index file on its own, as the vetting index checks it: its name, its project's metadata on `index`,
        its archive (in `workers`, else here); the findings and errors before any policy weighs them, and the file."""
        inspected = self._inspect(candidate, _Route(index, self._connection(network)[1]), workers=workers)
        return inspected.findings, inspected.errors, inspected.artifact

    def fetch(self, candidate: Candidate, network: PipNetwork = PipNetwork()) -> Artifact:
        """The candidate's file from the artifact store (downloaded once, verified against its sha256)."""
        return self._connection(network)[1].fetch(candidate)

    def session(self, network: PipNetwork = PipNetwork()) -> requests.Session:
        """The cached HTTP session for these network settings."""
        return self._connection(network)[0]

    def _check_typed(self, request: InstallRequest, route: _Route) -> _Typed:
        """Each typed requirement's name, and each path or URL inspected before pip sees it (pip builds those even
        in a dry run), with the kept copy pip is to read instead."""
        findings: list[Finding] = []
        errors: list[CheckError] = []
        inspected: list[tuple[Candidate, _Inspected]] = []
        kept: dict[str, str] = {}
        trees: list[InspectedTree] = []
        for req in request.requirements:
            if req.name:
                findings += _guarded_findings(lambda r=req: names.check_name(r.name), "names", req.name, errors)
            if req.url:
                outcome = self._inspect_location(req, route.store, trees)
                if isinstance(outcome, CheckError):
                    errors.append(outcome)
                    continue
                inspected.append(outcome)
                if outcome[1].artifact is not None:
                    kept[req.text] = _on_kept_copy(req, outcome[1].artifact.path)
        return _Typed(tuple(findings), tuple(errors), tuple(inspected), kept, tuple(trees))

    def _resolve(self, request: InstallRequest, route: _Route, typed: _Typed, progress: Progress) -> _Resolved:
        """pip's own resolution of the request (on the kept copies of typed archives), unless a typed archive is
        already flagged or the request cannot be resolved; source packages pip would build are inspected first."""
        gate = _SdistGate(self, route)
        unresolvable = any(e.check == "request" for e in typed.errors)
        flagged = any(_worst_verdict(self.settings.policy, c, i) > Verdict.ALLOW for c, i in typed.inspected)
        if flagged or unresolvable:
            return _Resolved(resolve_mod.Resolution(()), gate.results, ())
        progress(ProgressEvent("resolve", 0, 1, "asking pip what it would install"))
        try:
            # pip reads the inspected copies of archives typed as paths or URLs: fetching a URL again
            # could bring other bytes, and pip builds an sdist in the dry run.
            on_kept = replace(request, pip_args=tuple(typed.kept.get(arg.strip(), arg) for arg in request.pip_args))
            links = route.store.offline_links() if self.settings.offline else None
            resolution = resolve_mod.resolve(on_kept, self.settings.python, gate, timeout=self.settings.pip_timeout,
                                             offline_links=links, uploaded_prior_to=self._cool_down_cutoff())
            return _Resolved(resolution, gate.results, ())
        except resolve_mod.ResolutionError as exc:
            error = CheckError("resolve", f"pip could not resolve the request: {exc}")
        except IndexUnavailable as exc:  # the index failed pip, then us while looking for an sdist
            error = CheckError("resolve", f"could not resolve the request: {exc}")
        except ArtifactError as exc:  # while fetching a source-only package to inspect
            error = CheckError("resolve", f"could not fetch a source package to inspect: {exc}")
        except Exception as exc:  # noqa: BLE001 - a bug must not become a pass
            log.exception("resolution failed")
            error = CheckError("resolve", f"internal error while resolving: {exc}")
        return _Resolved(resolve_mod.Resolution(()), gate.results, (error,))

    def _cool_down_cutoff(self) -> datetime | None:
        """Releases uploaded after this are passed over (SafePip.min_release_age), None without a cool-down."""
        days = self.settings.min_release_age
        return datetime.now(timezone.utc) - timedelta(days=days) if days > 0 else None

    def _decide(self, request: InstallRequest, command: str, typed: _Typed, resolved: _Resolved, gaps: _Gaps,
                listed: tuple[tuple[Candidate, _Inspected], ...]) -> Assessment:
        """The policy's verdict on each listed package and on the request, and what an install may then use."""
        errors = (*typed.errors, *resolved.errors, *gaps.errors)
        # A package inspected carries its own name findings (a typed location too, when pip resolved it under
        # another name); request-level ones are kept for the rest.
        reported = {c.name for c in resolved.resolution.candidates} | {c.name for c, _ in typed.inspected} | set(resolved.sdists)
        request_findings = tuple(f for f in (*typed.findings, *gaps.findings)
                                 if not (f.rule_id.startswith("name.") and f.package in reported))
        packages = tuple(self._package_report(c, i) for c, i in listed)
        requested = tuple(r.name for r in request.requirements if r.name)
        report = _report(command, self.settings.policy, packages, errors, request_findings, requested)
        unresolved = _why_unresolved(errors, gaps.not_on_index)
        if unresolved:  # nothing could be installed: Install anyway would only pretend
            report = replace(report, install_anyway_allowed=False)
        artifacts = tuple(i.artifact for i in dict((c.name, i) for c, i in listed).values() if i.artifact is not None)
        candidates = resolved.resolution.candidates
        from_index = frozenset({c.name for c in candidates if c.url.startswith(("http://", "https://"))}
                               | set(resolved.sdists))
        return Assessment(request, report, artifacts, typed.local_trees, unresolved, from_index)

    def _inspect_all(self, candidates: list[Candidate], route: _Route, progress: Progress,
                     own_files: frozenset[Path] = frozenset()) -> dict[str, _Inspected]:
        """Each candidate inspected (fetched in threads, scanned in worker processes), with a progress event as each
        one finishes and, while a long one (torch's 900 MB) keeps the others waiting, every few seconds in between."""
        total = len(candidates)
        results: dict[str, _Inspected] = {}
        if not total:
            return results
        # Several archives are scanned in worker processes (the scans hold the interpreter lock); one, here.
        with ThreadPoolExecutor(max_workers=min(FETCH_WORKERS, total)) as pool, \
                ScanWorkers(worker_count(total)) as workers:
            pace = _Pace(total)
            futures = {pool.submit(self._inspect, c, route, own_files, workers if total > 1 else None,
                                   pace.watcher(c)): c for c in candidates}
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, timeout=PROGRESS_EVERY, return_when=FIRST_COMPLETED)
                for future in finished:
                    candidate = futures[future]
                    result = results[candidate.name] = future.result()
                    pace.finished(result)
                    progress(ProgressEvent("inspect", pace.done, total, pace.checked_line(candidate)))
                if not finished:
                    running = [futures[f] for f in futures if f.running()]
                    progress(ProgressEvent("inspect", pace.done, total, pace.checking_line(running)))
        return results

    def _inspect(self, candidate: Candidate, route: _Route, own_files: frozenset[Path] = frozenset(),
                 workers: ScanWorkers | None = None, received: Received = unheard) -> _Inspected:
        """Names, metadata and the archive's contents for one candidate; failures become CheckErrors."""
        errors: list[CheckError] = []
        name_findings = _guarded_findings(lambda: names.check_name(candidate.name), "names", candidate.name, errors)
        tree = local_path(candidate.url)
        if tree is not None and tree.is_dir():
            # A local source tree (pip reports it as a directory): inspected in place, installed from there.
            scan = scan_directory(tree)
            return _Inspected(_weighed(candidate, name_findings) + scan.findings, tuple(errors) + scan.errors, None,
                              scan.files_scanned)
        metadata, settled = self._metadata(candidate, route.index, errors, _users_own(candidate, route.store, own_files))
        name_findings = temper_names(name_findings, settled)
        findings = [*_weighed(candidate, name_findings + corroborate(name_findings + metadata)), *metadata]
        # After the metadata: the page read for it says whether the index is a vetting one.
        shared = shared_check(route.index, candidate, self.settings.vetting_index)
        if shared is not None:
            return self._from_shared(candidate, route, shared, tuple(findings), tuple(errors), received)
        artifact, files_scanned = _fetched(candidate, route, received, errors), 0
        if artifact is not None:
            try:
                scan = self.scans.scan(artifact, candidate.name, candidate.version, workers=workers)
                findings += temper_library(scan.findings, settled)
                errors += scan.errors
                files_scanned = scan.files_scanned
            except ScanWorkerLost as exc:
                errors.append(CheckError("archive", f"could not inspect: {exc}", candidate.name))
            except Exception as exc:  # noqa: BLE001
                log.exception("archive scan failed for %s", artifact.path)
                errors.append(CheckError("archive", f"internal error while inspecting: {exc}", candidate.name))
        return _Inspected(tuple(findings), tuple(errors), artifact, files_scanned)

    def _from_shared(self, candidate: Candidate, route: _Route, shared: SharedCheck, own: tuple[Finding, ...],
                     own_errors: tuple[CheckError, ...], received: Received = unheard) -> _Inspected:
        """This kernel's name and metadata findings with the vetting index's archive check; the file is still
        fetched (through that index, which serves only what it allowed) to be installed."""
        errors = [*own_errors, *shared.errors]
        artifact = _fetched(candidate, route, received, errors) if shared.served else None
        return _Inspected(own + shared.findings, tuple(errors), artifact)

    def _project(self, index: IndexClient, name: str, version: str) -> ProjectInfo | None:
        """Project metadata, remembered for a few minutes: a kernel re-checks the same big projects often,
        and re-reading a multi-megabyte JSON document from the HTTP cache costs more than the check."""
        key = (index.index_urls, name, version)
        remembered = self._projects.get(key)
        if remembered and time.monotonic() - remembered[0] < PROJECT_MEMO_SECONDS:
            return remembered[1]
        info = index.project(name, version)
        self._projects[key] = (time.monotonic(), info)
        return info

    def _metadata(self, candidate: Candidate, index: IndexClient, errors: list[CheckError],
                  users_own: bool = False) -> tuple[tuple[Finding, ...], str | None]:
        """The metadata findings, and why the project counts as established (None if it does not)."""
        try:
            info = self._project(index, candidate.name, candidate.version)
        except IndexUnavailable as exc:
            errors.append(CheckError("metadata", str(exc), candidate.name))
            return (), None
        except Exception as exc:  # noqa: BLE001
            log.exception("metadata lookup failed for %s", candidate.name)
            errors.append(CheckError("metadata", f"internal error: {exc}", candidate.name))
            return (), None
        if info is None:
            # A file of the user's own (a path typed, a find-links directory) has no index to describe it; a
            # file from elsewhere (a URL) should have had one.
            if not users_own:
                errors.append(CheckError("metadata", "no index metadata for this project", candidate.name))
            return (), None
        now = datetime.now(timezone.utc)
        cool_down = check_cool_down(info, candidate.version, now=now, days=self.settings.min_release_age)
        return check_metadata(info, candidate.version, now=now, chosen=candidate) + cool_down, established(info, now=now)

    def _inspect_location(self, req: Requirement, store: ArtifactStore,
                          local_trees: list[InspectedTree]) -> tuple[Candidate, _Inspected] | CheckError:
        """Inspect a path or URL requirement before pip sees it: pip builds these even in a dry run."""
        url = req.url or ""
        target = url.split(" @ ", 1)[-1].strip()
        if target.split("+", 1)[0] in {"git", "hg", "svn", "bzr"}:
            return CheckError("request", f"{target}: a VCS requirement cannot be inspected before pip builds it")
        path = local_path(target)
        name = req.name or (path.resolve().name if path else target.rsplit("/", 1)[-1])
        if path is not None and path.is_dir():
            digest = tree_digest(path)  # before the scan: a change during the scan is caught at install
            scan = scan_directory(path)
            local_trees.append(InspectedTree(path, digest, editable=req.editable))
            candidate = Candidate(name, "", path.resolve().as_uri(), path.resolve().name, None, True, False)
            return candidate, _Inspected(scan.findings, scan.errors, None, scan.files_scanned)
        if path is not None and not path.exists():
            return CheckError("request", f"{req.text}: no such file or directory")
        if path is None and req.source != "command line" and not target.split("#", 1)[0].endswith(".whl"):
            return CheckError("request", f"{req.text} ({req.source}): pip would download this source archive again "
                              "and build it, unchecked; give it on the command line, or download it and give its path")
        filename = path.name if path else target.rsplit("/", 1)[-1].split("#", 1)[0]
        named = req.name or _standard_name(filename)  # else only a guess from a file name the user chose
        candidate = Candidate(
            name=named or name_from_filename(filename),
            version="",
            url=path.resolve().as_uri() if path else target,
            filename=filename,
            sha256=None,
            requested=True,
            is_wheel=filename.lower().endswith(".whl"),
        )
        try:
            artifact = store.fetch(candidate)
        except ArtifactError as exc:
            return CheckError("request", str(exc))
        scan = self.scans.scan(artifact, candidate.name, None, name_is_known=named is not None)
        return artifact.candidate, _Inspected(scan.findings, scan.errors, artifact, scan.files_scanned)

    def _package_report(self, candidate: Candidate, inspected: _Inspected) -> PackageReport:
        decision = decide_package(self.settings.policy, candidate, candidate.name, inspected.findings, inspected.errors)
        findings = tuple(sorted(set(decision.findings), key=lambda f: (-f.severity, f.rule_id)))
        return PackageReport(candidate, findings, inspected.errors, decision.verdict, decision.reasons)


class _SdistGate:
    """Fetch and inspect the sdist of a requirement that has no wheel; only a clean one may be built."""

    def __init__(self, pipeline: Pipeline, route: _Route) -> None:
        self.pipeline = pipeline
        self.route = route
        self.results: dict[str, _Inspected] = {}

    def __call__(self, requirement: PackagingRequirement) -> tuple[Candidate, bool] | None:
        candidate = _best_sdist(self.route.index, requirement)
        if candidate is None:
            return None
        result = self.pipeline._inspect(candidate, self.route)
        inspected = result.artifact.candidate if result.artifact else candidate
        self.results[inspected.name] = result
        clean = not result.errors and _worst_verdict(self.pipeline.settings.policy, inspected, result) is Verdict.ALLOW
        if clean and result.artifact is not None:
            # pip is to build the kept copy that was inspected, not fetch the file again.
            return replace(inspected, url=result.artifact.path.as_uri()), True
        return inspected, clean


def _fetched(candidate: Candidate, route: _Route, received: Received, errors: list[CheckError]) -> Artifact | None:
    """The candidate's file from the route's store, or None with the reason added to `errors`."""
    try:
        return route.store.fetch(candidate, received)
    except ArtifactError as exc:
        errors.append(CheckError("download", str(exc), candidate.name))
        return None


class _Pace:
    """How far a request's inspection is, in the words a person watching a long check reads: what was just checked
    or is being checked now (with the bytes of a download in progress), how much was read, and, while packages
    remain, about how long they will take."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.bytes, self.files = total, 0, 0, 0
        self.started = time.monotonic()
        self._downloads: dict[str, tuple[int, int | None]] = {}  # written by the fetching threads, read here

    def watcher(self, candidate: Candidate) -> Received:
        def received(so_far: int, whole: int | None) -> None:
            self._downloads[candidate.name] = (so_far, whole)

        return received

    def finished(self, result: _Inspected) -> None:
        self.done += 1
        self.bytes += result.artifact.size if result.artifact is not None else 0
        self.files += result.files_scanned

    def checked_line(self, candidate: Candidate) -> str:
        return f"checked {candidate.name} {candidate.version} ({self._so_far()})"

    def checking_line(self, running: list[Candidate]) -> str:
        """(`running`: being fetched or scanned, or fetched and waiting for a scan worker; no estimate of the time
        left, which only the packages finished so far would give while a long one is what keeps them waiting.)"""
        names = "; ".join(self._doing(c) for c in running[:2]) + (f"; {len(running) - 2} more" if len(running) > 2 else "")
        return f"checking {names or 'the next package'} ({self._so_far(estimate=False)})"

    def _doing(self, candidate: Candidate) -> str:
        so_far, whole = self._downloads.get(candidate.name, (0, None))
        if not so_far or (whole is not None and so_far >= whole):
            return f"{candidate.name} {candidate.version}"
        of = f" of {_size(whole)}" if whole else ""
        return f"{candidate.name} {candidate.version}: {_size(so_far)}{of} downloaded"

    def _so_far(self, estimate: bool = True) -> str:
        line = f"{self.done} of {self.total}; {self.bytes / 1e6:,.1f} MB, {self.files:,} files read"
        if estimate and self.done and self.done < self.total:
            left = (time.monotonic() - self.started) / self.done * (self.total - self.done)
            line += f"; about {left:.0f} s left" if left < 120 else f"; about {left / 60:.0f} min left"
        return line


def _size(count: int) -> str:
    return f"{count / 1e3:,.1f} kB" if count < 1e6 else f"{count / 1e6:,.1f} MB"


def _gaps(request: InstallRequest, index: IndexClient, resolution: resolve_mod.Resolution) -> _Gaps:
    findings: list[Finding] = []
    errors: list[CheckError] = []
    not_on_index: list[str] = []
    for missing in resolution.not_found:
        released = _released_versions(index, missing.name)
        if released:  # the project is there; no release of it fits the request (or this Python)
            errors.append(CheckError("resolve", f"no release matches {missing.requirement} for this Python "
                                     f"and platform (the index has {', '.join(released)})", missing.name))
        else:
            not_on_index.append(missing.name)
            findings.append(check_not_found(missing.name, names.suggest(missing.name)))
        # pip stops at the first name it cannot find: say which of the others it never got to.
        why = "which has no matching release" if released else "which is not on the index"
        errors += [CheckError("resolve", f"not checked: pip stopped at {missing.name}, {why}", req.name)
                   for req in request.requirements if req.name and not req.url and req.name != missing.name]
    errors += [CheckError("resolve", "its dependencies were not looked at: this source package was flagged, so pip "
                          "was not allowed to build it to find them", candidate.name)
               for candidate in resolution.stopped_at]
    return _Gaps(tuple(findings), tuple(errors), tuple(not_on_index))


def _listed(resolved: _Resolved, inspected: dict[str, _Inspected],
            typed: tuple[tuple[Candidate, _Inspected], ...]) -> tuple[tuple[Candidate, _Inspected], ...]:
    """Each package of the report once: what pip resolved, then typed archives and flagged source packages pip
    did not resolve (pip names a typed path or URL by its metadata: the same file, resolved, is not listed twice)."""
    resolution = resolved.resolution
    candidates = list(resolution.candidates)
    results = dict(inspected)  # by name: a later file of the same name is the one checked
    seen = {c.name for c in candidates}
    resolved_as = {c.url for c in candidates} | {c.sha256 for c in candidates if c.sha256}
    for candidate, result in (*typed, *((c, resolved.sdists[c.name]) for c in resolution.stopped_at)):
        same = candidate.url in resolved_as or (result.artifact is not None and result.artifact.sha256 in resolved_as)
        if candidate.name not in seen and not same:
            candidates.append(candidate)
            results[candidate.name] = result
    return tuple((c, results[c.name]) for c in candidates)


def _why_unresolved(errors: tuple[CheckError, ...], not_on_index: tuple[str, ...]) -> str | None:
    """Why pip never worked out the whole request (then nothing can be installed), or None."""
    if not_on_index:
        return f"{not_on_index[0]} is not on the index"
    gaps = [e for e in errors if e.check in ("request", "resolve")]
    return f"{gaps[0].package + ': ' if gaps[0].package else ''}{gaps[0].reason}" if gaps else None


def _guarded_findings(check: Callable[[], tuple[Finding, ...]], name: str, package: str, errors: list[CheckError]) -> tuple[Finding, ...]:
    try:
        return tuple(check())
    except Exception as exc:  # noqa: BLE001
        log.exception("%s check failed for %s", name, package)
        errors.append(CheckError(name, f"internal error: {exc}", package))
        return ()


def _weighed(candidate: Candidate, findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    return findings if candidate.requested else _as_dependency(findings)


def _as_dependency(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """A look-alike name pulled in by a package's metadata is a weaker signal than one a person typed:
    unranked dependency names resemble popular ones by chance far more often than typed ones do."""
    return tuple(
        replace(f, severity=Severity(max(f.severity - 1, Severity.INFO)), message=f"{f.message} (a dependency)")
        for f in findings
    )


def _users_own(candidate: Candidate, store: ArtifactStore, own_files: frozenset[Path]) -> bool:
    """Whether pip takes this candidate from a file of the user's own: a local path they typed (pip reads its
    kept copy), or a local directory such as find-links, rather than a download."""
    path = local_path(candidate.url)
    if path is None:
        return False
    return path in own_files or not path.resolve().is_relative_to(store.root.resolve())


def _standard_name(filename: str) -> str | None:
    """The project name in a wheel or sdist file named by the packaging rules, else None."""
    try:
        if filename.lower().endswith(".whl"):
            return canonicalize_name(parse_wheel_filename(filename)[0])
        return canonicalize_name(parse_sdist_filename(filename)[0])
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None


def _on_kept_copy(req: Requirement, path: Path) -> str:
    """The requirement as typed, pointing at the kept copy of its archive (extras and marker kept)."""
    extras = f"[{','.join(req.extras)}]" if req.extras else ""
    marker = f"; {req.marker}" if req.marker else ""
    return f"{req.name}{extras} @ {path.as_uri()}{marker}" if req.name else f"{path}{extras}{marker}"


def _worst_verdict(policy, candidate: Candidate, inspected: _Inspected) -> Verdict:
    """The verdict on a source pip would build to resolve: by its findings, whatever the allow list says
    (an allow entry skips the verdict, not the inspection that must come before any build)."""
    return decide_package(replace(policy, allow=()), candidate, candidate.name, inspected.findings, inspected.errors).verdict


def _released_versions(index: IndexClient, name: str, shown: int = 6) -> tuple[str, ...]:
    """The newest versions the indexes have of a project (none when it is not there or cannot be asked)."""
    from packaging.version import InvalidVersion, Version

    try:
        files = index.files(name)
    except IndexUnavailable:
        return ()
    versions = set()
    for file in files:
        try:
            versions.add(Version(file.version or ""))
        except InvalidVersion:
            continue
    return tuple(str(v) for v in sorted(versions)[-shown:])


def _best_sdist(index: IndexClient, requirement: PackagingRequirement) -> Candidate | None:
    """The sdist pip would build for a requirement that has no wheel: newest matching, not yanked."""
    from packaging.version import InvalidVersion, Version

    name = canonicalize_name(requirement.name)
    best: tuple[Version, Candidate] | None = None
    for file in index.files(name):
        version = file.version
        if not version or file.yanked or file.filename.endswith(".whl"):
            continue
        try:
            parsed = Version(version)
        except InvalidVersion:
            continue
        if not requirement.specifier.contains(parsed, prereleases=True if requirement.specifier else None):
            continue
        candidate = Candidate(name, version, file.url, file.filename, file.sha256, True, False)
        if best is None or parsed > best[0]:
            best = (parsed, candidate)
    return best[1] if best else None


def _report(
    command: str,
    policy,
    packages: tuple[PackageReport, ...],
    errors: tuple[CheckError, ...],
    request_findings: tuple[Finding, ...],
    requested: tuple[str, ...] = (),
) -> Report:
    """The whole request's verdict: the worst package, request-level findings and errors, the fail mode; a
    requested name the deny list names whatever the version blocks even when pip could not resolve it."""
    verdict = max((p.verdict for p in packages), default=Verdict.ALLOW)
    reasons = [f"{p.candidate.name}: {r}" for p in packages if p.verdict is not Verdict.ALLOW for r in p.reasons]
    request_decision: Decision = decide_package(policy, None, "(request)", request_findings, errors)
    if request_findings or errors:
        verdict = max(verdict, request_decision.verdict)
        reasons += request_decision.reasons
    if any(f.rule_id == "meta.not-found" for f in request_findings):
        verdict = Verdict.BLOCK
        reasons.append("a requested project is not on the index")
    if not packages and not request_findings and errors:
        verdict = max(verdict, fail_verdict(policy))
    denied = any(is_denied(policy, p.candidate.name, p.candidate.version) for p in packages)
    listed = {canonicalize_name(p.candidate.name) for p in packages}
    for name in dict.fromkeys(canonicalize_name(n) for n in requested):
        if name not in listed and denied_whatever_version(policy, name):
            verdict, denied = Verdict.BLOCK, True
            reasons.append(f"{name}: {name} is on the deny list")
    return Report(
        command=command,
        packages=packages,
        errors=errors,
        verdict=verdict,
        install_anyway_allowed=install_anyway_allowed(policy, verdict, denied),
        reasons=tuple(reasons),
        request_findings=request_decision.findings,
    )
