"""The archive checks a vetting index already made: when pip's index is the administrator's (SafePip.index_url)
and its pages say it is a vetting index, the kernel takes the index's archive findings for a file instead of
scanning it again, so the widget shows the reasons the index gave. Names and metadata are still checked here
(only the kernel sees which index pip chose a file from). Any other index that claims to vet is not believed."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import requests

from .http import same_index
from .index import IndexClient
from .model import Candidate, CheckError, Finding
from .report_json import error_from_dict, finding_from_dict

log = logging.getLogger(__name__)


# Findings of the name and metadata checks: the kernel makes its own; the index's are left out.
OWN_CHECKS = ("name.", "meta.")


@dataclass(frozen=True)
class SharedCheck:
    findings: tuple[Finding, ...]  # the archive's
    errors: tuple[CheckError, ...]
    served: bool  # whether the index serves the file under its policy


def shared_check(index: IndexClient, candidate: Candidate, trusted: str | None) -> SharedCheck | None:
    """The vetting index's archive check of this file, if `trusted` (the administrator's index) is one of pip's
    indexes, says it is a vetting index, and has checked the file; None (check it here) otherwise, and whenever
    the index cannot say."""
    if not candidate.sha256 or not trusted:
        return None
    for index_url in index.index_urls:
        if index_url not in index.vetting_indexes or not same_index(index_url, trusted):
            continue
        url = f"{checks_root(index_url)}{candidate.sha256}"
        try:
            response = index.session.get(url, headers={"Cache-Control": "no-cache"})
            if response.status_code != 200:
                return None
            data = response.json()
            findings = tuple(f for f in map(finding_from_dict, data["findings"]) if not f.rule_id.startswith(OWN_CHECKS))
            errors = tuple(e for e in map(error_from_dict, data["errors"]) if e.check == "archive")
            return SharedCheck(findings, errors, bool(data["served"]))
        except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
            log.info("the vetting index could not give its check of %s: %s", candidate.filename, exc)
            return None
    return None


def checks_root(index_url: str) -> str:
    """Where a vetting index answers for its checks: `<root>/api/checks/` beside `<root>/simple/`."""
    root = index_url.rstrip("/")
    return (root[: -len("/simple")] if root.endswith("/simple") else root) + "/api/checks/"
