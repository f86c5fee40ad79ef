"""The vetting index over HTTP (tornado): /simple/ pages, /files/ downloads, the admin's /api/decisions.

Blocking work (the upstream, the checks, the database) runs in a thread pool; archive scans run in worker
processes, so a scan in progress does not slow the pages other clients are reading.
"""

from __future__ import annotations

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from functools import partial

from tornado import web
from tornado.iostream import StreamClosedError

from ..core.artifacts import opened_unchanged
from ..core.index import JSON_SIMPLE, VETTING_HEADER
from ..core.model import Verdict
from ..core.report_json import error_to_dict, finding_to_dict
from .auth import Authenticator, Identity, Unauthenticated
from .listing import HTML_SIMPLE, file_path, render_html, render_json
from .records import Decision, DecisionFilter
from .service import Asker, Refused, VettingIndex
from .store import NotInMemory, StoreUnavailable

log = logging.getLogger(__name__)
CHUNK = 1 << 20
MAX_DECISIONS_PAGE = 1000
MAX_OFFSET = 10**9


class _Base(web.RequestHandler):
    index: VettingIndex
    auth: Authenticator
    pool: ThreadPoolExecutor

    def initialize(self, index: VettingIndex, auth: Authenticator, pool: ThreadPoolExecutor) -> None:
        self.index, self.auth, self.pool = index, auth, pool

    async def prepare(self) -> None:
        try:
            self.identity: Identity = await self.auth.identify(self.request.headers.get("Authorization"))
        except Unauthenticated as exc:
            self.set_header("WWW-Authenticate", 'Basic realm="jupyter_safepip vetting index"')
            self._refuse(401, str(exc))

    @property
    def asker(self) -> Asker:
        agent = self.request.headers.get("User-Agent", "")
        return Asker(self.identity.user, agent.split(" ", 1)[0][:80] or "unknown")

    async def blocking(self, call, *args):
        return await asyncio.get_running_loop().run_in_executor(self.pool, partial(call, *args))

    async def remembered_or_blocking(self, call, *args):
        """From memory on the event loop when this process remembers all it needs (most answers, once warm);
        else in the thread pool."""
        try:
            return call(*args, memory_only=True)
        except NotInMemory:
            return await self.blocking(call, *args)

    def _refuse(self, status: int, reason: str) -> None:
        """A status with a one-line reason: pip prints the status line, so the reason goes there too."""
        self.set_status(status, reason=_status_line(reason))
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(reason + "\n")

    def write_error(self, status_code: int, **kwargs) -> None:
        self.finish(f"{self._reason}\n")

    async def answer(self, work):
        try:
            return await work
        except Refused as exc:
            self._refuse(exc.status, exc.reason)
        except StoreUnavailable as exc:
            self._refuse(503, f"the verdict store is unavailable: {exc}")
        return None


class RootHandler(_Base):
    async def get(self) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish("<!DOCTYPE html><html><body><h1>jupyter_safepip vetting index</h1>"
                    "<p>Project pages are at /simple/&lt;project&gt;/.</p></body></html>")


class ProjectHandler(_Base):
    async def get(self, name: str) -> None:
        shown = await self.answer(self.remembered_or_blocking(self.index.page, name, self.asker))
        if self._finished:
            return
        if shown is None:
            return self._refuse(404, f"{name}: no such project on the upstream index")
        canonical = self.request.path[: self.request.path.rindex("/simple/")] + f"/simple/{shown.name}/"
        if self.request.path != canonical:  # PEP 503: the normalised name, with its slash, is the page's address
            return self.redirect(canonical, permanent=True)
        wants_json = _prefers_json(self.request.headers.get("Accept", ""))
        body = (render_json if wants_json else render_html)(shown, partial(file_path, shown.name))
        self.set_header("Content-Type", JSON_SIMPLE if wants_json else "text/html; charset=utf-8")
        self.set_header(VETTING_HEADER, "1")  # a kernel guard behind this index takes its checks (core/shared_checks)
        self.set_header("Vary", "Accept, Authorization")
        self.set_header("Cache-Control", "private, max-age=60")
        self.finish(body)


class FileHandler(_Base):
    async def head(self, project: str, filename: str) -> None:
        """What uv asks before a download: the same check and answer, without the body."""
        await self.get(project, filename)

    async def get(self, project: str, filename: str) -> None:
        if filename.endswith(".metadata"):
            data = await self.answer(self.blocking(self.index.metadata, project, filename.removesuffix(".metadata")))
            if self._finished:
                return
            if data is None:
                return self._refuse(404, f"{filename}: no metadata file")
            self.set_header("Content-Type", "application/octet-stream")
            return self.finish(data)
        served = await self.answer(self.remembered_or_blocking(self.index.file, project, filename, self.asker))
        if served is None:
            return
        self.set_header("Content-Type", "application/octet-stream")
        self.set_header("Content-Length", str(served.artifact.size))
        self.set_header("Cache-Control", "private, max-age=31536000, immutable")
        try:
            source = served.artifact.path.open("rb")
        except OSError:
            return self._refuse(503, f"{filename}: the checked copy is gone; ask again")
        with source:  # the kept copy, opened first and then found to be the very bytes that were checked
            if not opened_unchanged(source, served.artifact.path, served.artifact.sha256):
                return self._refuse(503, f"{filename}: the checked copy changed on disk; ask again")
            if self.request.method == "HEAD":
                return self.finish()
            if served.artifact.size <= CHUNK:
                return self.finish(source.read())  # a small file from the page cache: no thread needed
            try:
                while chunk := await self.blocking(source.read, CHUNK):
                    self.write(chunk)
                    await self.flush()
            except StreamClosedError:
                return  # the client went away mid-download
        self.finish()


class DecisionsHandler(_Base):
    """GET /api/decisions?user=&project=&verdict=&since=&until=&limit=&offset=&format=json|jsonl (administrators)."""

    async def get(self) -> None:
        if not self.identity.admin:
            return self._refuse(403, "the decision log is for hub administrators")
        try:
            which = _decision_filter(self)
        except ValueError as exc:
            return self._refuse(400, str(exc))
        if self.get_argument("format", "json") == "jsonl":
            self.set_header("Content-Type", "application/x-ndjson")
            rows = await self.answer(self.blocking(lambda: list(self.index.store.iter_decisions(which))))
            if rows is not None:
                self.finish("".join(json.dumps(_decision_json(d)) + "\n" for d in rows))
            return
        rows = await self.answer(self.blocking(self.index.store.decisions, which))
        if rows is not None:
            self.finish({"decisions": [_decision_json(d) for d in rows], "limit": which.limit, "offset": which.offset})


class ReleaseJsonHandler(_Base):
    """GET /pypi/<name>[/<version>]/json: the upstream's JSON API, passed through (metadata, no files)."""

    async def get(self, project: str, version: str | None = None) -> None:
        body = await self.answer(self.blocking(self.index.release_json, project, version))
        if self._finished:
            return
        if body is None:
            return self._refuse(404, "the upstream index has no such JSON document")
        self.set_header("Content-Type", "application/json")
        self.finish(body)


class ChecksHandler(_Base):
    """GET /api/checks/<sha256>: the index's check of a file it has checked, and what it does with it now."""

    async def get(self, sha256: str) -> None:
        answer = await self.answer(self.blocking(self.index.shared_check, sha256.lower()))
        if self._finished:
            return
        if answer is None:
            return self._refuse(404, "this index has not checked that file")
        check, judgement = answer
        self.finish({"sha256": check.sha256, "filename": check.filename, "project": check.project,
                     "version": check.version, "rules": check.rules, "checked_at": check.checked_at.isoformat(),
                     "findings": [finding_to_dict(f) for f in check.findings],
                     "errors": [error_to_dict(e) for e in check.errors],
                     "verdict": judgement.verdict.label, "served": judgement.served, "reason": judgement.reason})


class HealthHandler(_Base):
    """GET /api/health, for probes: open to anyone (counts only)."""

    async def prepare(self) -> None:
        self.identity = Identity("probe")

    async def get(self) -> None:
        self.finish({"ok": True, "pending_decisions": self.index.store.pending, "scans": self.index.vetter.scans})


class ScanCountsHandler(_Base):
    """GET /api/scans: checks run by every replica, and files checked more than once (the store is asked)."""

    async def get(self) -> None:
        counts = await self.answer(self.blocking(self.index.store.scan_counts))
        if counts is not None:
            self.finish({"scans_all_replicas": counts[0], "files_checked_twice": counts[1]})


def make_app(index: VettingIndex, auth: Authenticator, prefix: str = "/", threads: int = 32) -> web.Application:
    """The routes at the root and, for a hub service reached through the hub's proxy, under its `prefix` too."""
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="safepip-index")
    args = {"index": index, "auth": auth, "pool": pool}
    routes = []
    for base in dict.fromkeys(("", prefix.rstrip("/"))):
        routes += [
            (rf"{base}/simple/?", RootHandler, args),
            (rf"{base}/simple/([^/]+)/?", ProjectHandler, args),
            (rf"{base}/files/([^/]+)/([^/]+)", FileHandler, args),
            (rf"{base}/pypi/([A-Za-z0-9._-]+)(?:/([A-Za-z0-9._+!-]+))?/json", ReleaseJsonHandler, args),
            (rf"{base}/api/decisions", DecisionsHandler, args),
            (rf"{base}/api/checks/([0-9a-fA-F]{{64}})", ChecksHandler, args),
            (rf"{base}/api/health", HealthHandler, args),
            (rf"{base}/api/scans", ScanCountsHandler, args),
        ]
    return web.Application(routes)


def _prefers_json(accept: str) -> bool:
    """PEP 691 content negotiation: JSON when the client ranks it at least as high as HTML."""
    ranks: dict[str, float] = {}
    for part in accept.split(","):
        kind, *params = [p.strip() for p in part.split(";")]
        q = next((float(p[2:]) for p in params if p.startswith("q=") and _is_number(p[2:])), 1.0)
        ranks[kind] = q
    json_q = ranks.get(JSON_SIMPLE, 0.0)
    html_q = max(ranks.get(HTML_SIMPLE, 0.0), ranks.get("text/html", 0.0), ranks.get("*/*", 0.0))
    return json_q > 0 and json_q >= html_q


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _status_line(reason: str) -> str:
    """The reason as an HTTP status line allows: one line of printable ASCII."""
    text = "".join(c if 32 <= ord(c) < 127 else "?" for c in " ".join(reason.split()))
    return text[:300]


def _decision_filter(handler: web.RequestHandler) -> DecisionFilter:
    verdict = handler.get_argument("verdict", None)
    if verdict is not None and verdict.upper() not in Verdict.__members__:
        raise ValueError(f"verdict must be one of {', '.join(v.label for v in Verdict)}")
    limit = _int(handler.get_argument("limit", "100"), "limit")
    return DecisionFilter(
        user=handler.get_argument("user", None),
        project=handler.get_argument("project", None),
        verdict=Verdict[verdict.upper()] if verdict else None,
        since=_moment(handler.get_argument("since", None), "since"),
        until=_moment(handler.get_argument("until", None), "until"),
        limit=max(1, min(limit, MAX_DECISIONS_PAGE)),
        offset=max(0, _int(handler.get_argument("offset", "0"), "offset")),
    )


def _int(text: str, name: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number") from None
    if not 0 <= value <= MAX_OFFSET:
        raise ValueError(f"{name} must be between 0 and {MAX_OFFSET}")
    return value


def _moment(text: str | None, name: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        moment.astimezone(timezone.utc)  # a time near the ends of the calendar cannot be moved to UTC
    except (ValueError, OverflowError):
        raise ValueError(f"{name} must be an ISO 8601 time (2026-12-01T00:00:00Z)") from None
    return moment


def _decision_json(d: Decision) -> dict:
    return {"at": d.at.isoformat().replace("+00:00", "Z"), "user": d.user, "client": d.client, "project": d.project,
            "version": d.version, "filename": d.filename, "sha256": d.sha256, "verdict": d.verdict.label,
            "served": d.served, "reason": d.reason}
