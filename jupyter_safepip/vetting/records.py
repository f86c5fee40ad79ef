"""What the vetting index keeps: one file's checked findings, and each decision it made for a client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..core.model import CheckError, Finding, Verdict


@dataclass(frozen=True)
class FileCheck:
    """The findings and errors of one file's checks (names, metadata, archive), before any policy weighs them:
    an administrator's change of policy applies to files already checked, without checking them again."""

    sha256: str
    rules: str  # the rules fingerprint the check ran with: other rules check again
    filename: str
    project: str
    version: str
    findings: tuple[Finding, ...]
    errors: tuple[CheckError, ...]
    checked_at: datetime


@dataclass(frozen=True)
class Decision:
    """One answer the index gave: a file served or refused, a project page refused."""

    at: datetime
    user: str
    client: str  # pip, uv, ... with its version, from the User-Agent
    project: str
    version: str
    filename: str
    sha256: str
    verdict: Verdict
    served: bool
    reason: str


@dataclass(frozen=True)
class DecisionFilter:
    """Which decisions an administrator asked for; None is any."""

    user: str | None = None
    project: str | None = None
    verdict: Verdict | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100
    offset: int = 0
