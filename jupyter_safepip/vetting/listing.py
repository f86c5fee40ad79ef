"""A project page as the vetting index serves it: the upstream's files less those it will not serve, each
left out with its reason (the deny list, the cool-down, a refusal); rendered as PEP 691 JSON or PEP 503 HTML."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from packaging.version import InvalidVersion, Version

from ..core.index import JSON_SIMPLE, IndexFile, SimplePage
from ..core.policy import Policy, is_denied
from .judgement import judge
from .records import FileCheck

HTML_SIMPLE = "application/vnd.pypi.simple.v1+html"


@dataclass(frozen=True)
class LeftOut:
    filename: str
    version: str
    reason: str


@dataclass(frozen=True)
class Listing:
    name: str
    files: tuple[IndexFile, ...]
    left_out: tuple[LeftOut, ...]
    status: str | None = None
    status_reason: str | None = None


@dataclass(frozen=True)
class Rules:
    """What decides a listing besides the checks: the policy and the cool-down."""

    policy: Policy
    min_release_age: timedelta = timedelta(0)


def why_left_out(name: str, file: IndexFile, rules: Rules, at: datetime, check: FileCheck | None = None) -> str | None:
    """Why this file is not served (None: it is listed; unchecked files are listed and checked when fetched)."""
    if file.version is None:
        return "not a distribution file name pip would use"
    if is_denied(rules.policy, name, file.version):
        return f"{name} {file.version} is on the administrator's deny list"
    if rules.min_release_age:
        uploaded = _uploaded(file)
        if uploaded is None:
            return "the index gives no upload time, so the cool-down cannot be checked"
        if at - uploaded < rules.min_release_age:
            return (f"uploaded {_age(at - uploaded)} ago, within the cool-down of {_age(rules.min_release_age)} "
                    "(SafePip.min_release_age)")
    if check is not None:
        judgement = judge(rules.policy, check)
        if not judgement.served:
            return judgement.reason
    return None


def listing(name: str, page: SimplePage, rules: Rules, checks: Mapping[str, FileCheck], at: datetime) -> Listing:
    listed, left_out = [], []
    for file in page.files:
        reason = why_left_out(name, file, rules, at, checks.get(file.sha256 or ""))
        if reason is None:
            listed.append(file)
        else:
            left_out.append(LeftOut(file.filename, file.version or "", reason))
    return Listing(name, tuple(listed), tuple(left_out), page.status, page.status_reason)


def newest_release(files: tuple[IndexFile, ...]) -> tuple[str, tuple[IndexFile, ...]] | None:
    """The release pip would most likely pick (the newest final one, else the newest) and its files."""
    versions = {}
    for file in files:
        if file.yanked:
            continue
        try:
            versions.setdefault(Version(file.version or ""), []).append(file)
        except InvalidVersion:
            continue
    if not versions:
        return None
    finals = [v for v in versions if not v.is_prerelease]
    best = max(finals or versions)
    return str(best), tuple(versions[best])


def render_json(listing: Listing, file_url: Callable[[IndexFile], str]) -> bytes:
    """PEP 691 (api-version 1.4: PEP 700's versions, sizes and upload times; PEP 714 metadata; PEP 792 status)."""
    data: dict = {
        "meta": {"api-version": "1.4"},
        "name": listing.name,
        "versions": sorted({f.version for f in listing.files if f.version}, key=_sort_key),
        "files": [_file_json(f, file_url(f)) for f in listing.files],
    }
    if listing.status:
        data["project-status"] = {"status": listing.status,
                                  **({"reason": listing.status_reason} if listing.status_reason else {})}
    if listing.left_out:  # PEP 691 leaves keys starting with an underscore to the index
        data["_left-out"] = [{"filename": f.filename, "reason": f.reason} for f in listing.left_out]
    return json.dumps(data).encode()


def render_html(listing: Listing, file_url: Callable[[IndexFile], str]) -> bytes:
    """PEP 503 with PEP 592 yanking, requires-python, PEP 714 metadata and PEP 792 status."""
    head = '<meta name="pypi:repository-version" content="1.4">'
    if listing.status:
        head += f'<meta name="pypi:project-status" content="{html.escape(listing.status)}">'
    if listing.status_reason:
        head += f'<meta name="pypi:project-status-reason" content="{html.escape(listing.status_reason)}">'
    links = []
    for f in listing.files:
        href = file_url(f) + (f"#sha256={f.sha256}" if f.sha256 else "")
        attributes = ""
        if f.requires_python:
            attributes += f' data-requires-python="{html.escape(f.requires_python)}"'
        if f.yanked:
            attributes += f' data-yanked="{html.escape(f.yanked_reason or "")}"'
        if f.core_metadata:
            value = html.escape(_hash_text(f.core_metadata))
            attributes += f' data-core-metadata="{value}" data-dist-info-metadata="{value}"'
        links.append(f'<a href="{html.escape(href)}"{attributes}>{html.escape(f.filename)}</a><br>')
    title = html.escape(listing.name)
    left_out = "".join(f"<li>{html.escape(f.filename)}: {html.escape(f.reason)}</li>" for f in listing.left_out)
    note = f"<h2>Left out by jupyter_safepip</h2><ul>{left_out}</ul>" if left_out else ""
    return (f"<!DOCTYPE html><html><head>{head}<title>Links for {title}</title></head><body><h1>Links for {title}</h1>"
            f"{''.join(links)}{note}</body></html>").encode()


def file_path(project: str, file: IndexFile) -> str:
    """Where the vetting index serves a file, relative to the project's page."""
    return f"../../files/{quote(project)}/{quote(file.filename)}"


def _file_json(f: IndexFile, url: str) -> dict:
    entry: dict = {"filename": f.filename, "url": url, "hashes": {"sha256": f.sha256} if f.sha256 else {},
                   "yanked": (f.yanked_reason or True) if f.yanked else False}
    if f.requires_python:
        entry["requires-python"] = f.requires_python
    if f.upload_time:
        entry["upload-time"] = f.upload_time
    if f.size is not None:
        entry["size"] = f.size
    if f.core_metadata:
        entry["core-metadata"] = entry["dist-info-metadata"] = f.core_metadata
    return entry


def _hash_text(value: dict[str, str] | bool) -> str:
    return next((f"{k}={v}" for k, v in value.items()), "true") if isinstance(value, dict) else "true"


def _uploaded(file: IndexFile) -> datetime | None:
    try:
        moment = datetime.fromisoformat(file.upload_time.replace("Z", "+00:00")) if file.upload_time else None
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment


def _age(delta: timedelta) -> str:
    days = delta.total_seconds() / 86400
    return f"{days:.1f} days" if days >= 1 else f"{delta.total_seconds() / 3600:.1f} hours"


def _sort_key(version: str):
    try:
        return (0, Version(version), "")
    except InvalidVersion:
        return (1, Version("0"), version)
