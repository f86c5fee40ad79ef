"""A PyPI-compatible index on 127.0.0.1: PEP 503 HTML, PEP 691 JSON (with PEP 792 status) and the JSON API.

File URLs are relative, as on the index this project is used with, so clients must resolve them
against the page. Used by the tests and by the demo; serves only what was added to it.
"""

from __future__ import annotations

import hashlib
import html
import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

from .tls import LoopbackCertificate

JSON_SIMPLE = "application/vnd.pypi.simple.v1+json"


@dataclass
class IndexedFile:
    path: Path
    sha256: str
    uploaded: datetime
    yanked: str | None = None  # the reason, when yanked
    requires_python: str | None = None

    @property
    def version(self) -> str:
        name = self.path.name
        if name.endswith(".whl"):
            return str(parse_wheel_filename(name)[1])
        return str(parse_sdist_filename(name)[1])


@dataclass
class IndexedProject:
    name: str
    files: list[IndexedFile] = field(default_factory=list)
    status: str | None = None  # PEP 792
    status_reason: str | None = None
    summary: str = ""
    description: str = ""
    project_urls: dict[str, str] = field(default_factory=dict)
    maintainers: tuple[str, ...] = ()
    vulnerabilities: dict[str, list[dict]] = field(default_factory=dict)  # version -> OSV-style entries


class PackageIndex:
    """An in-memory registry of projects served over HTTP on 127.0.0.1."""

    def __init__(self, json_api: bool = True, json_simple: bool = True, port: int = 0,
                 tls: LoopbackCertificate | None = None) -> None:
        self.port = port
        self.tls = tls  # serve HTTPS with this certificate
        self.projects: dict[str, IndexedProject] = {}
        self.json_api = json_api  # False: /pypi/... answers 404, as on a simple-API-only private index
        self.json_simple = json_simple  # False: simple pages in PEP 503 HTML only, whatever the client accepts
        self.hits: list[str] = []  # request paths, in order
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._failures: list[tuple[int, str, bytes]] = []  # answers to give the next requests instead
        self.delay = 0.0  # seconds to wait before each answer
        self._scoped_failures: list[tuple[str, int, str, bytes]] = []  # (path fragment, status, type, body)
        self._drips: dict[str, tuple[int, float]] = {}  # path fragment -> (bytes per write, seconds between)
        self._truncations: dict[str, int] = {}  # path fragment -> bytes actually sent
        self._swaps: dict[str, _Swap] = {}  # filename -> what to serve instead, from some download on
        self.downloads: dict[str, int] = {}  # filename -> how many times it was served
        self.metadata_downloads: dict[str, int] = {}  # filename -> how many times its PEP 658 metadata was served

    def add(self, path: Path, *, age_days: float = 400, yanked: str | None = None, requires_python: str | None = None,
            **project_fields) -> IndexedProject:
        """Publish a wheel or sdist (and update the project's metadata with any fields given); works while serving."""
        name = canonicalize_name(parse_wheel_filename(path.name)[0] if path.name.endswith(".whl") else parse_sdist_filename(path.name)[0])
        uploaded = datetime.now(timezone.utc) - timedelta(days=age_days)
        entry = IndexedFile(path, hashlib.sha256(path.read_bytes()).hexdigest(), uploaded, yanked, requires_python)
        with self.lock:
            project = self.projects.setdefault(name, IndexedProject(name))
            for key, value in project_fields.items():
                setattr(project, key, value)
            project.files.append(entry)
        return project

    def fail_next(self, count: int, status: int = 500, content_type: str = "text/plain",
                  body: bytes = b"the index is having trouble") -> None:
        """Answer the next `count` requests with this (an HTTP error by default, or a broken page), uncached."""
        with self.lock:
            self._failures += [(status, content_type, body)] * count

    def fail_matching(self, fragment: str, count: int, status: int = 500, content_type: str = "text/plain",
                      body: bytes = b"the index is having trouble") -> None:
        """Like fail_next, but only for requests whose path contains `fragment` (e.g. "/pypi/")."""
        with self.lock:
            self._scoped_failures += [(fragment, status, content_type, body)] * count

    def drip(self, fragment: str, chunk: int = 16, interval: float = 0.1) -> None:
        """Send answers to paths containing `fragment` a few bytes at a time: a slow, never-silent server."""
        with self.lock:
            self._drips[fragment] = (chunk, interval)

    def truncate(self, fragment: str, keep: int) -> None:
        """Announce the full length but send only the first `keep` bytes of answers to matching paths."""
        with self.lock:
            self._truncations[fragment] = keep

    def swap_file(self, filename: str, data: bytes, *, after: int = 1, announce: bool = False) -> None:
        """From download number `after` + 1 of `filename` on, serve `data` instead; with `announce`, the
        project pages then list the new bytes' hash too (a re-published file), else the old one (tampering)."""
        with self.lock:
            self._swaps[filename] = _Swap(data, after, announce)

    def _swapped(self, filename: str) -> "_Swap | None":
        swap = self._swaps.get(filename)
        return swap if swap is not None and self.downloads.get(filename, 0) >= swap.after else None

    def _announced_sha256(self, f: IndexedFile) -> str:
        swap = self._swapped(f.path.name)
        return hashlib.sha256(swap.data).hexdigest() if swap is not None and swap.announce else f.sha256

    def hits_for(self, fragment: str) -> list[str]:
        """The requested paths containing `fragment`."""
        with self.lock:
            return [h for h in self.hits if fragment in h]

    @property
    def url(self) -> str:
        """The simple API root, e.g. http://127.0.0.1:PORT/simple/."""
        assert self._server is not None, "start() the index first"
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self._server.server_address[1]}/simple/"

    def start(self) -> "PackageIndex":
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler_for(self))
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.tls.cert, self.tls.key)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    # --- the documents the index serves -------------------------------------------------------
    def simple_json(self, project: IndexedProject) -> dict:
        """PEP 691 project page, with PEP 792 status (api-version 1.4)."""
        data = {
            "meta": {"api-version": "1.4"},
            "name": project.name,
            "versions": sorted({f.version for f in project.files}),
            "files": [
                {
                    "filename": f.path.name,
                    "url": f"../../files/{project.name}/{f.path.name}",
                    "hashes": {"sha256": self._announced_sha256(f)},
                    "upload-time": f.uploaded.isoformat().replace("+00:00", "Z"),
                    "yanked": f.yanked if f.yanked else False,
                    "size": f.path.stat().st_size,
                    **({"requires-python": f.requires_python} if f.requires_python else {}),
                    **({"core-metadata": {"sha256": hashlib.sha256(m).hexdigest()}} if (m := wheel_metadata(f.path)) else {}),
                }
                for f in project.files
            ],
        }
        if project.status:
            data["project-status"] = {"status": project.status, **({"reason": project.status_reason} if project.status_reason else {})}
        return data

    def simple_html(self, project: IndexedProject) -> str:
        """PEP 503 project page, with PEP 592 yanking, PEP 503 requires-python and PEP 792 status meta tags."""
        links = []
        for f in project.files:
            attributes = f' data-yanked="{html.escape(f.yanked)}"' if f.yanked else ""
            if f.requires_python:
                attributes += f' data-requires-python="{html.escape(f.requires_python)}"'
            metadata = wheel_metadata(f.path)
            if metadata is not None:
                attributes += f' data-core-metadata="sha256={hashlib.sha256(metadata).hexdigest()}"'
            links.append(f'<a href="../../files/{project.name}/{f.path.name}#sha256={self._announced_sha256(f)}"{attributes}>{f.path.name}</a><br>')
        head = '<meta name="pypi:repository-version" content="1.4">'
        if project.status:
            head += f'<meta name="pypi:project-status" content="{html.escape(project.status)}">'
        if project.status_reason:
            head += f'<meta name="pypi:project-status-reason" content="{html.escape(project.status_reason)}">'
        return f"<!DOCTYPE html><html><head>{head}<title>{project.name}</title></head><body>{''.join(links)}</body></html>"

    def root_json(self) -> dict:
        return {"meta": {"api-version": "1.4"}, "projects": [{"name": n} for n in sorted(self.projects)]}

    def release_json(self, project: IndexedProject, version: str | None) -> dict | None:
        """The JSON API document: the project's latest release, or the version asked for; file URLs are relative."""
        versions = sorted({f.version for f in project.files}, key=_version_key)
        per_release = version is not None
        version = version or versions[-1]
        files = [f for f in project.files if f.version == version]
        if not files:
            return None
        yanked = next((f.yanked for f in files if f.yanked), None)
        up = "../../../" if per_release else "../../"  # from /pypi/<name>/<version>/json or /pypi/<name>/json
        return {
            "info": {
                "name": project.name,
                "version": version,
                "summary": project.summary,
                "description": project.description,
                "project_urls": project.project_urls or None,
                "maintainer": ", ".join(project.maintainers),
                "author": project.maintainers[0] if project.maintainers else "",
                "requires_python": files[0].requires_python,
                "yanked": yanked is not None,
                "yanked_reason": yanked,
            },
            "releases": {
                v: [_file_json(f, up, project.name) for f in project.files if f.version == v]
                for v in versions
            },
            "urls": [_file_json(f, up, project.name) for f in files],
            "vulnerabilities": [_vulnerability_json(v) for v in project.vulnerabilities.get(version, [])],
        }


@dataclass(frozen=True)
class _Swap:
    data: bytes
    after: int  # downloads served with the original bytes
    announce: bool


def _file_json(f: IndexedFile, up: str, name: str) -> dict:
    return {
        "filename": f.path.name,
        "url": f"{up}files/{name}/{f.path.name}",
        "digests": {"sha256": f.sha256},
        "packagetype": "bdist_wheel" if f.path.name.endswith(".whl") else "sdist",
        "requires_python": f.requires_python,
        "size": f.path.stat().st_size,
        "upload_time_iso_8601": f.uploaded.isoformat().replace("+00:00", "Z"),
        "yanked": bool(f.yanked),
        "yanked_reason": f.yanked,
    }


def wheel_metadata(path: Path) -> bytes | None:
    """A wheel's METADATA file (what PEP 658 serves as `<file>.metadata`); None for an sdist."""
    if not path.name.endswith(".whl"):
        return None
    import zipfile

    with zipfile.ZipFile(path) as archive:
        member = next((n for n in archive.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1), None)
        return archive.read(member) if member else None


def _vulnerability_json(entry: dict) -> dict:
    """An OSV-style entry as the JSON API lists it: id, details, summary, aliases, fixed_in, link, withdrawn."""
    return {"aliases": [], "details": entry.get("summary", ""), "summary": None, "fixed_in": [], "link": None,
            "source": "osv", "withdrawn": None, **entry}


def _version_key(version: str) -> Version:
    return Version(version)


def _handler_for(index: PackageIndex):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep test output quiet
            pass

        head_only = False

        def do_HEAD(self) -> None:  # noqa: N802 - uv asks for a file's headers first
            self.head_only = True
            self.do_GET()

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            with index.lock:
                index.hits.append(self.path)
                failure = index._failures.pop(0) if index._failures else None
                scoped = next((i for i, f in enumerate(index._scoped_failures) if f[0] in self.path), None)
                if failure is None and scoped is not None:
                    failure = index._scoped_failures.pop(scoped)[1:]
            if index.delay:
                time.sleep(index.delay)
            if failure is not None:
                return self._send(*failure, cache=False)
            parts = [p for p in self.path.split("?", 1)[0].split("/") if p]
            if parts[:1] == ["simple"] and len(parts) == 2:
                return self._simple(canonicalize_name(parts[1]))
            if parts[:1] == ["simple"] and len(parts) == 1:
                if self._wants_json():
                    return self._send(200, JSON_SIMPLE, json.dumps(index.root_json()).encode(), vary=True)
                names = "".join(f'<a href="{n}/">{n}</a>' for n in sorted(index.projects))
                return self._send(200, "text/html", f"<html><body>{names}</body></html>".encode(), vary=True)
            if parts[:1] == ["files"] and len(parts) == 3:
                return self._file(parts[1], parts[2])
            if parts[:1] == ["pypi"] and parts[-1:] == ["json"] and len(parts) in (3, 4) and index.json_api:
                project = index.projects.get(canonicalize_name(parts[1]))
                doc = index.release_json(project, parts[2] if len(parts) == 4 else None) if project else None
                if doc is not None:
                    return self._send(200, "application/json", json.dumps(doc).encode())
            self._send(404, "text/plain", b"not found")

        def _simple(self, name: str) -> None:
            project = index.projects.get(name)
            if project is None:
                return self._send(404, "text/plain", b"not found")
            if self._wants_json():
                return self._send(200, JSON_SIMPLE, json.dumps(index.simple_json(project)).encode(), vary=True)
            self._send(200, "text/html", index.simple_html(project).encode(), vary=True)

        def _wants_json(self) -> bool:
            return index.json_simple and JSON_SIMPLE in self.headers.get("Accept", "")

        def _file(self, name: str, filename: str) -> None:
            project = index.projects.get(name)
            wanted = filename.removesuffix(".metadata")
            match = next((f for f in project.files if f.path.name == wanted), None) if project else None
            if match is None:
                return self._send(404, "text/plain", b"not found")
            if filename.endswith(".metadata"):  # PEP 658: a wheel's METADATA, served beside it
                metadata = wheel_metadata(match.path)
                if metadata is None:
                    return self._send(404, "text/plain", b"not found")
                with index.lock:
                    index.metadata_downloads[wanted] = index.metadata_downloads.get(wanted, 0) + 1
                return self._send(200, "application/octet-stream", metadata)
            with index.lock:
                swap = index._swapped(filename)
                index.downloads[filename] = index.downloads.get(filename, 0) + 1
            self._send(200, "application/octet-stream", swap.data if swap is not None else match.path.read_bytes())

        def _send(self, status: int, content_type: str, body: bytes, *, vary: bool = False, cache: bool = True) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "max-age=600" if cache else "no-store")
            if vary:  # one URL, two formats: caches must key on Accept
                self.send_header("Vary", "Accept")
            self.end_headers()
            with index.lock:
                drip = next((d for fragment, d in index._drips.items() if fragment in self.path), None)
                keep = next((k for fragment, k in index._truncations.items() if fragment in self.path), None)
            if keep is not None:
                body = body[:keep]
                self.close_connection = True
            if self.head_only:
                return
            try:
                if drip is None:
                    self.wfile.write(body)
                for start in range(0, len(body), drip[0]) if drip else ():
                    self.wfile.write(body[start : start + drip[0]])
                    self.wfile.flush()
                    time.sleep(drip[1])
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeouts in tests)
                pass

    return Handler
