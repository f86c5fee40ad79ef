"""The vetting index without HTTP: project pages and files as the policy allows them, and the decision log."""

from __future__ import annotations

import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from urllib.parse import quote

import requests
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ..core.checks import names
from ..core.checks.names import NameCheckError
from ..core.http import describe_failure
from ..core.index import IndexClient, IndexFile, IndexUnavailable, SimplePage, json_api_root
from ..core.model import Artifact, Verdict
from ..core.policy import decide_package, installs_unattended
from .judgement import Judgement, finding_reason, judge
from .listing import Listing, Rules, listing, newest_release, why_left_out
from .records import Decision, FileCheck
from .store import NotInMemory, VerdictStore, now
from .vetter import CHECK_TTL, FetchFailed, FileVetter

log = logging.getLogger(__name__)
PROJECT_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")  # PEP 508
PAGE_CHECK_BYTES = 50_000_000  # a page checks its newest release first when its files are no bigger than this
PAGE_CHECK_RELEASES = 3  # ... and, while each is refused, the next older one, this many times
MAX_REMEMBERED_FILES = 50_000
UPSTREAM_PAGE_SECONDS = 30.0  # an upstream page read is used again for this long (a new upload shows up after it)


def _is_version(text: str) -> bool:
    try:
        Version(text)
    except InvalidVersion:
        return False
    return True


class Refused(Exception):
    """The index will not serve this; the reason is one line for pip to print after the status."""

    def __init__(self, reason: str, status: int = 403) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Served:
    artifact: Artifact


@dataclass(frozen=True)
class Asker:
    """Who asked, for the decision log."""

    user: str
    client: str


class VettingIndex:
    def __init__(self, upstream: IndexClient, vetter: FileVetter, store: VerdictStore, rules: Rules,
                 page_check_bytes: int = PAGE_CHECK_BYTES) -> None:
        self.upstream = upstream
        self.vetter = vetter
        self.store = store
        self.rules = rules
        self.page_check_bytes = page_check_bytes
        self._checks = ThreadPoolExecutor(max_workers=8, thread_name_prefix="safepip-page-check")
        self._pages: dict[str, tuple[float, SimplePage | None]] = {}
        self._names: dict[str, tuple[Verdict, str] | None] = {}  # a name's refusal (None: allowed)
        self._artifacts: dict[str, Artifact] = {}  # sha256 -> the kept copy served before

    def page(self, name: str, asker: Asker, memory_only: bool = False) -> Listing | None:
        """The project's listing (None: upstream has no such project); Refused for a name that imitates another.
        `memory_only`: answered from what this process remembers, else NotInMemory (the caller asks again
        without it, off the event loop)."""
        self._refuse_name(name, asker, memory_only)
        at, name = now(), canonicalize_name(name)
        upstream_page = self._upstream_page(name, memory_only)
        if upstream_page is None:
            return None
        checks = self.store.file_checks([f.sha256 for f in upstream_page.files if f.sha256], self.vetter.rules,
                                        memory_only=memory_only)
        shown = listing(name, upstream_page, self.rules, checks, at)
        for _ in range(PAGE_CHECK_RELEASES):
            newest = newest_release(shown.files)
            unchecked = [f for f in newest[1] if f.sha256 not in checks] if newest else []
            if not unchecked or sum(f.size or self.page_check_bytes + 1 for f in unchecked) > self.page_check_bytes:
                break
            if memory_only:
                raise NotInMemory("a release to check")
            # Checked now, so that pip picks the newest release the policy allows instead of failing on a refusal.
            for f, checked in zip(unchecked, self._checks.map(lambda f: self._try_check(name, f), unchecked)):
                if checked is not None:
                    checks = {**checks, f.sha256 or "": checked}
            shown = listing(name, upstream_page, self.rules, checks, at)
            if newest_release(shown.files) == newest:
                break
        return shown

    def file(self, project: str, filename: str, asker: Asker, memory_only: bool = False) -> Served:
        """The checked file to serve; Refused with the reason otherwise. Every answer is logged. `memory_only`:
        only a file whose check and kept copy this process remembers, else NotInMemory."""
        name = canonicalize_name(project)
        upstream_page = self._upstream_page(name, memory_only)
        file = next((f for f in upstream_page.files if f.filename == filename), None) if upstream_page else None
        if file is None:
            raise Refused(f"{filename} is not a file of {name} on the upstream index", 404)
        early = why_left_out(name, file, self.rules, now())
        if early is not None:
            self._log(asker, name, file, Verdict.BLOCK, False, early)
            raise Refused(early)
        if memory_only:
            return self._remembered_file(name, file, asker)
        try:
            checked = self.vetter.check(name, file)
        except FetchFailed as exc:
            self._log(asker, name, file, Verdict.BLOCK, False, f"could not fetch: {exc}")
            raise Refused(f"could not fetch {filename} from the upstream index to check it: {exc}", 502) from None
        judgement = judge(self.rules.policy, checked.check)
        file = replace(file, sha256=checked.check.sha256)
        if not judgement.served:
            self._log(asker, name, file, judgement.verdict, False, judgement.reason)
            raise Refused(judgement.reason)
        try:
            artifact = checked.artifact or self.vetter.fetch(name, file, checked.check)
        except FetchFailed as exc:
            self._log(asker, name, file, judgement.verdict, False, f"could not fetch: {exc}")
            raise Refused(f"could not fetch {filename} from the upstream index: {exc}", 502) from None
        if len(self._artifacts) > MAX_REMEMBERED_FILES:
            self._artifacts.clear()
        self._artifacts[artifact.sha256] = artifact
        self._log(asker, name, file, judgement.verdict, True, judgement.reason)
        return Served(artifact)

    def _remembered_file(self, name: str, file: IndexFile, asker: Asker) -> Served:
        """A file served before: its remembered check (a refusal goes the long way, to be said in full) and its
        kept copy, still the checked bytes."""
        check = self.store.file_checks([file.sha256], self.vetter.rules, memory_only=True).get(file.sha256 or "")
        artifact = self._artifacts.get(file.sha256 or "")
        if check is None or artifact is None or now() - check.checked_at >= CHECK_TTL:
            raise NotInMemory("the file's check")
        judgement = judge(self.rules.policy, check)
        if not judgement.served:
            raise NotInMemory("a refusal")  # said in full by the long way
        self._log(asker, name, file, judgement.verdict, True, judgement.reason)
        return Served(artifact)

    def shared_check(self, sha256: str) -> tuple[FileCheck, Judgement] | None:
        """A file's check, if this index made one, and the current policy's judgement of it."""
        check = self.store.file_check(sha256, self.vetter.rules)
        return (check, judge(self.rules.policy, check)) if check is not None else None

    def release_json(self, project: str, version: str | None) -> bytes | None:
        """The upstream's JSON API document for a project (or one release): the metadata a kernel behind this index
        checks (age, maintainers, links, known vulnerabilities), passed through as data. Only a project name and a
        version reach the upstream, each quoted, and only JSON comes back."""
        root = json_api_root(self.upstream.index_urls[0])
        if root is None or not PROJECT_NAME.fullmatch(project) or (version is not None and not _is_version(version)):
            return None
        parts = ["pypi", canonicalize_name(project)] + ([version] if version else []) + ["json"]
        path = "/".join(quote(part, safe="") for part in parts)
        try:
            response = self._upstream_get(f"{root}/{path}", {"Accept": "application/json"})
        except requests.RequestException as exc:
            raise Refused(f"the upstream index is unavailable: {describe_failure(exc, root)}", 502) from None
        if response.status_code in (404, 410):
            return None
        if response.status_code != 200 or response.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            raise Refused(f"the upstream index answered HTTP {response.status_code} for /{path}", 502)
        return response.content

    def metadata(self, project: str, filename: str) -> bytes | None:
        """A file's core metadata (PEP 658) from upstream: data pip resolves with, no code."""
        page = self._upstream_page(canonicalize_name(project))
        file = next((f for f in page.files if f.filename == filename), None) if page else None
        if file is None or file.metadata_url is None:
            return None
        try:
            response = self._upstream_get(file.metadata_url, {})
        except requests.RequestException as exc:
            raise Refused(f"the upstream index is unavailable: {describe_failure(exc, file.metadata_url)}", 502) from None
        if response.status_code in (404, 410):
            return None
        if response.status_code != 200:
            raise Refused(f"the upstream index answered HTTP {response.status_code} for the metadata of {filename}", 502)
        return response.content

    def _upstream_get(self, url: str, headers: dict[str, str]) -> requests.Response:
        """GET through the HTTP cache; a body cut short (a cache entry another thread is still writing, or a dropped
        connection) is fetched once more, fresh."""
        try:
            return self.upstream.session.get(url, headers=headers)
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
            return self.upstream.session.get(url, headers={**headers, "Cache-Control": "no-cache"})

    def close(self) -> None:
        self._checks.shutdown(wait=False, cancel_futures=True)

    def _refuse_name(self, name: str, asker: Asker, memory_only: bool = False) -> None:
        """Refused (and logged) when the policy refuses the name itself: a typo-squat, the deny list."""
        canonical = canonicalize_name(name)
        if canonical not in self._names:
            if memory_only:
                raise NotInMemory("the name's check")
            if len(self._names) > 100_000:
                self._names.clear()
            self._names[canonical] = self._name_refusal(name)
        refusal = self._names[canonical]
        if refusal is not None:
            self.store.record(Decision(now(), asker.user, asker.client, canonical, "", "", "", refusal[0], False,
                                       refusal[1]))
            raise Refused(refusal[1])

    def _name_refusal(self, name: str) -> tuple[Verdict, str] | None:
        try:
            findings = names.check_name(name)
        except NameCheckError as exc:
            raise Refused(str(exc), 404) from None
        decision = decide_package(self.rules.policy, None, name, findings, ())
        if installs_unattended(self.rules.policy, decision.verdict):
            return None
        worst = max(decision.findings, key=lambda f: f.severity, default=None)
        if worst is None:  # the deny list, whatever the version
            return decision.verdict, f"{decision.verdict.label}: {'; '.join(decision.reasons)}"
        return decision.verdict, finding_reason(decision.verdict, worst)

    def _upstream_page(self, name: str, memory_only: bool = False) -> SimplePage | None:
        remembered = self._pages.get(name)
        if remembered is not None and time.monotonic() - remembered[0] < UPSTREAM_PAGE_SECONDS:
            return remembered[1]
        if memory_only:
            raise NotInMemory("the upstream page")
        try:
            page = self.upstream.page(name)
        except IndexUnavailable as exc:
            raise Refused(f"the upstream index is unavailable: {exc}", 502) from None
        if len(self._pages) > 10_000:
            self._pages.clear()
        self._pages[name] = (time.monotonic(), page)
        return page

    def _try_check(self, name: str, file: IndexFile):
        try:
            return self.vetter.check(name, file).check
        except FetchFailed:
            return None  # listed; fetching it later says why it cannot be served
        except Exception:  # noqa: BLE001 - a page still answers; the file's own request reports the failure
            log.exception("checking %s for its project page failed", file.filename)
            return None

    def _log(self, asker: Asker, project: str, file: IndexFile, verdict: Verdict, served: bool, reason: str) -> None:
        self.store.record(Decision(now(), asker.user, asker.client, project, file.version or "", file.filename,
                                   file.sha256 or "", verdict, served, reason))
