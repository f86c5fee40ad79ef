"""The checks a vetting index already made: when pip's index is one (its pages say so), the kernel takes the
index's findings for a file instead of scanning it again, so the widget shows the reasons the index gave."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import requests

from .index import IndexClient
from .model import Candidate, CheckError, Finding
from .report_json import error_from_dict, finding_from_dict

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SharedCheck:
    index_url: str
    findings: tuple[Finding, ...]
    errors: tuple[CheckError, ...]
    served: bool  # whether the index serves the file under its policy


def shared_check(index: IndexClient, candidate: Candidate) -> SharedCheck | None:
    """The vetting index's check of this file, if pip's index is a vetting index that has checked it; None
    (check it here) otherwise, and whenever the index cannot say."""
    if not candidate.sha256:
        return None
    for index_url in index.index_urls:
        if index_url not in index.vetting_indexes:
            continue
        url = f"{checks_root(index_url)}{candidate.sha256}"
        try:
            response = index.session.get(url, headers={"Cache-Control": "no-cache"})
            if response.status_code != 200:
                return None
            data = response.json()
            return SharedCheck(index_url, tuple(finding_from_dict(f) for f in data["findings"]),
                               tuple(error_from_dict(e) for e in data["errors"]), bool(data["served"]))
        except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
            log.info("the vetting index could not give its check of %s: %s", candidate.filename, exc)
            return None
    return None


def checks_root(index_url: str) -> str:
    """Where a vetting index answers for its checks: `<root>/api/checks/` beside `<root>/simple/`."""
    root = index_url.rstrip("/")
    return (root[: -len("/simple")] if root.endswith("/simple") else root) + "/api/checks/"
