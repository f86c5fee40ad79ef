"""The package index: PEP 691 JSON (PEP 503 HTML fallback), the JSON API where offered, find-links dirs.

URLs in index pages may be relative; they are resolved against the page, as pip does. Indexes and
find-links come from pip's own configuration (see request.py), so private mirrors work.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import requests
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from .artifacts import local_path
from .http import OfflineMiss, describe_failure, without_credentials
from .model import ProjectInfo, Release, Vulnerability

JSON_SIMPLE = "application/vnd.pypi.simple.v1+json"
SHA256 = re.compile(r"[0-9a-fA-F]{64}")
# A vetting index (jupyter safepip serve) marks its pages with this header; its checks are then shared.
VETTING_HEADER = "X-Safepip-Vetting-Index"
T = TypeVar("T")
ACCEPT = f"{JSON_SIMPLE}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"


class IndexUnavailable(ValueError):
    """The index could not answer (network, HTTP error, unreadable page); the message says which."""


@dataclass(frozen=True)
class IndexFile:
    """One distribution file an index or find-links location offers."""

    filename: str
    url: str  # absolute
    sha256: str | None
    version: str | None
    yanked: bool = False
    yanked_reason: str | None = None
    upload_time: str | None = None
    requires_python: str | None = None
    size: int | None = None
    core_metadata: dict[str, str] | bool = False  # PEP 658/714: the metadata file's hashes, True without any

    @property
    def metadata_url(self) -> str | None:
        """Where the index serves this file's core metadata (PEP 658), if it says it does."""
        return self.url + ".metadata" if self.core_metadata else None


@dataclass(frozen=True)
class SimplePage:
    """A project's simple-API page, whichever format it came in."""

    files: tuple[IndexFile, ...]
    status: str | None = None
    status_reason: str | None = None


class IndexClient:
    """Reads project pages and metadata from the configured indexes."""

    def __init__(self, index_url: str, extra_index_urls: Sequence[str] = (), find_links: Sequence[str] = (), *,
                 session: requests.Session) -> None:
        self.index_urls = tuple(u for u in (index_url, *extra_index_urls) if u)
        self.find_links = tuple(find_links)
        self.session = session
        self.vetting_indexes: set[str] = set()  # index URLs whose pages came from a vetting index

    def files(self, name: str) -> tuple[IndexFile, ...]:
        """Every file for a project across all indexes and find-links locations."""
        page = self.page(name)
        return page.files if page is not None else ()

    def page(self, name: str) -> SimplePage | None:
        """The project's page as pip sees it: every index's and find-links location's files, the first index's
        status; None when none of them has the project."""
        name = canonicalize_name(name)
        pages = [page for index_url in self.index_urls if (page := self._simple_page(index_url, name)) is not None]
        found = [f for page in pages for f in page.files]
        for location in self.find_links:
            found += _find_links_files(location, name)
        if not pages and not found:
            return None
        first = pages[0] if pages else SimplePage(())
        return SimplePage(tuple(found), first.status, first.status_reason)

    def project(self, name: str, version: str | None = None) -> ProjectInfo | None:
        """What the indexes know about a project (and a version); None when no index has it."""
        name = canonicalize_name(name)
        for index_url in self.index_urls:
            page = self._simple_page(index_url, name)
            if page is None:
                continue
            release = self._release_json(index_url, name, version)
            try:
                info = _project_info(name, page, release, version)
            except (AttributeError, TypeError, ValueError, KeyError):  # valid JSON of the wrong shape
                raise IndexUnavailable(f"{_host(index_url)}: the JSON API answered with unexpected JSON for {name}") from None
            return replace(info, index_url=index_url, index_files=tuple((f.filename, f.sha256) for f in page.files))
        return None

    def _simple_page(self, index_url: str, name: str) -> SimplePage | None:
        page_url = index_url.rstrip("/") + f"/{name}/"
        path = local_path(page_url)
        if path is not None:
            return _local_simple_page(path, page_url)
        def parse(response: requests.Response) -> SimplePage:
            if response.headers.get(VETTING_HEADER):
                self.vetting_indexes.add(index_url)
            return _parse_simple_page(response)

        try:
            return self._read(page_url, {"Accept": ACCEPT}, parse)
        except IndexUnavailable:
            raise
        except (ValueError, KeyError, TypeError) as exc:
            raise IndexUnavailable(f"{without_credentials(page_url)}: unreadable project page ({exc})") from None

    def _release_json(self, index_url: str, name: str, version: str | None) -> dict | None:
        """The JSON API document for the release, else for the project (some indexes serve only that)."""
        root = json_api_root(index_url)
        if root is None:
            return None
        urls = ([f"{root}/pypi/{name}/{version}/json"] if version else []) + [f"{root}/pypi/{name}/json"]
        for url in urls:
            try:
                document = self._read(url, {"Accept": "application/json"}, requests.Response.json)
            except IndexUnavailable:
                raise
            except ValueError:
                raise IndexUnavailable(f"{without_credentials(url)}: the JSON API answered with invalid JSON") from None
            if document is not None:
                return document
        return None

    def _read(self, url: str, headers: dict[str, str], parse: Callable[[requests.Response], T]) -> T | None:
        """GET and parse a page; None for a missing one. A cached answer that does not parse is a damaged
        cache entry: it is fetched once more, fresh (which replaces the entry), before giving up."""
        response = self._get(url, headers)
        if response is None:
            return None
        try:
            return parse(response)
        except (ValueError, KeyError, TypeError):
            if not getattr(response, "from_cache", False):
                raise
        response = self._get(url, {**headers, "Cache-Control": "no-cache"})
        return None if response is None else parse(response)

    def _get(self, url: str, headers: dict[str, str]) -> requests.Response | None:
        """GET a page; None for 404/410, IndexUnavailable for anything else that is not 200."""
        try:
            try:
                response = self.session.get(url, headers=headers)
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
                # A body cut short: a damaged cache entry or a dropped connection; one fresh try replaces it.
                response = self.session.get(url, headers={**headers, "Cache-Control": "no-cache"})
        except OfflineMiss as exc:
            raise IndexUnavailable(str(exc)) from None
        except requests.RequestException as exc:
            raise IndexUnavailable(describe_failure(exc, url)) from None
        if response.status_code in (404, 410):
            return None
        if response.status_code != 200:
            raise IndexUnavailable(f"{_host(url)} answered HTTP {response.status_code} for {urlsplit(url).path}")
        return response


def _project_info(name: str, page: SimplePage, release: dict | None, version: str | None) -> ProjectInfo:
    releases: dict[str, Release] = {}
    for file in page.files:
        if file.version is None:
            continue
        known = releases.get(file.version)
        uploaded = min(filter(None, (file.upload_time, known.uploaded if known else None)), default=None)
        yanked = file.yanked and (known.yanked if known else True)
        releases[file.version] = Release(file.version, uploaded, yanked, file.yanked_reason)
    if release is None:
        return ProjectInfo(name, tuple(releases.values()), page.status, page.status_reason)
    info = release.get("info") or {}
    for listed, files in (release.get("releases") or {}).items():
        if listed not in releases and files:
            times = [f.get("upload_time_iso_8601") for f in files if f.get("upload_time_iso_8601")]
            releases[listed] = Release(listed, min(times, default=None), all(f.get("yanked") for f in files))
    maintainers = tuple(dict.fromkeys(m for m in (info.get("maintainer"), info.get("author"),
                                                    info.get("maintainer_email"), info.get("author_email")) if m))
    return ProjectInfo(
        name=name,
        releases=tuple(releases.values()),
        status=page.status,
        status_reason=page.status_reason,
        summary=info.get("summary"),
        description=info.get("description"),
        project_urls=tuple((info.get("project_urls") or {}).items()) + ((("Homepage", info["home_page"]),) if info.get("home_page") else ()),
        maintainers=maintainers,
        vulnerabilities=tuple(
            Vulnerability(v.get("id", "?"), (v.get("summary") or v.get("details") or "").strip(), tuple(v.get("fixed_in") or ()))
            for v in release.get("vulnerabilities") or ()
        ),
        # A project-level document lists the vulnerabilities of its latest release only.
        vulnerabilities_known=version is None or info.get("version") == version,
        has_json_api=True,
    )


def _parse_simple_page(response: requests.Response) -> SimplePage:
    content_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip()
    if content_type == JSON_SIMPLE:
        return _parse_simple_json(response.json(), response.url)
    return _parse_simple_html(response.text, response.url)


def _parse_simple_json(data: dict, page_url: str) -> SimplePage:
    files = []
    for entry in data["files"]:
        yanked = entry.get("yanked", False)
        files.append(IndexFile(
            filename=entry["filename"],
            url=urldefrag(urljoin(page_url, entry["url"]))[0],
            sha256=_sha256((entry.get("hashes") or {}).get("sha256")),
            version=_version_of(entry["filename"]),
            yanked=bool(yanked),
            yanked_reason=yanked if isinstance(yanked, str) else None,
            upload_time=entry.get("upload-time"),
            requires_python=entry.get("requires-python"),
            size=entry["size"] if isinstance(entry.get("size"), int) else None,
            core_metadata=_core_metadata(entry.get("core-metadata", entry.get("dist-info-metadata", False))),
        ))
    status = data.get("project-status") or {}
    return SimplePage(tuple(files), status.get("status"), status.get("reason"))


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str | None]] = []
        self.status: str | None = None
        self.status_reason: str | None = None
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes)
        elif tag == "base" and attributes.get("href"):
            self.base = attributes["href"]
        elif tag == "meta" and attributes.get("name") == "pypi:project-status":
            self.status = attributes.get("content")
        elif tag == "meta" and attributes.get("name") == "pypi:project-status-reason":
            self.status_reason = attributes.get("content")


def _parse_simple_html(text: str, page_url: str) -> SimplePage:
    parser = _LinkParser()
    parser.feed(text)
    base = urljoin(page_url, parser.base) if parser.base else page_url
    files = []
    for link in parser.links:
        url, fragment = urldefrag(urljoin(base, link["href"] or ""))
        filename = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
        sha256 = _sha256(fragment.split("=", 1)[1]) if fragment.startswith("sha256=") else None
        yanked = "data-yanked" in link
        metadata = link.get("data-core-metadata", link.get("data-dist-info-metadata"))
        files.append(IndexFile(filename, url, sha256, _version_of(filename), yanked, link.get("data-yanked") or None,
                               requires_python=link.get("data-requires-python"),
                               core_metadata=_core_metadata(_html_hashes(metadata) if metadata is not None else False)))
    return SimplePage(tuple(files), parser.status, parser.status_reason)


def _sha256(value: object) -> str | None:
    """A sha256 as an index gives it, if it is one (64 hex digits); anything else counts as no hash."""
    return value.lower() if isinstance(value, str) and SHA256.fullmatch(value) else None


def _core_metadata(value: object) -> dict[str, str] | bool:
    """PEP 691/714's core-metadata value: a dict of hashes, or true/false."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()} or True
    return value is True


def _html_hashes(value: str | None) -> dict[str, str] | bool:
    """A PEP 503 data-core-metadata attribute: `sha256=<hex>`, or `true`/empty for metadata without a hash."""
    algorithm, sep, digest = (value or "").partition("=")
    return {algorithm: digest} if sep and digest else True


def _local_simple_page(path: Path, page_url: str) -> SimplePage | None:
    """A file:// index: a directory per project holding an index.html (or the files themselves)."""
    if not path.is_dir():
        return None
    page = path / "index.html"
    if page.is_file():
        return _parse_simple_html(page.read_text(errors="replace"), page.as_uri())
    return SimplePage(tuple(_file_entry(p) for p in sorted(path.iterdir()) if p.is_file()))


def _find_links_files(location: str, name: str) -> list[IndexFile]:
    path = local_path(location)
    if path is None or not path.is_dir():
        return []  # remote find-links pages are rare; pip itself still reads them during resolution
    return [_file_entry(p) for p in sorted(path.iterdir()) if p.is_file() and _project_of(p.name) == name]


def _file_entry(path: Path) -> IndexFile:
    return IndexFile(path.name, path.resolve().as_uri(), None, _version_of(path.name))


def _project_of(filename: str) -> str | None:
    try:
        if filename.endswith(".whl"):
            return canonicalize_name(parse_wheel_filename(filename)[0])
        return canonicalize_name(parse_sdist_filename(filename)[0])
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None


def _version_of(filename: str) -> str | None:
    try:
        if filename.endswith(".whl"):
            return str(parse_wheel_filename(filename)[1])
        return str(parse_sdist_filename(filename)[1])
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None


def json_api_root(index_url: str) -> str | None:
    """The JSON API lives beside the simple API (`<root>/simple/` -> `<root>/pypi/...`); local indexes have none."""
    parts = urlsplit(index_url)
    if parts.scheme not in ("http", "https"):
        return None
    path = parts.path.rstrip("/")
    if not path.endswith("/simple") and path != "simple":
        return None
    return f"{parts.scheme}://{parts.netloc}{path[: -len('simple')].rstrip('/')}"


def _host(url: str) -> str:
    return urlsplit(without_credentials(url)).netloc or url
