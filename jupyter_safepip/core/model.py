"""The data that flows through the pipeline: request -> candidates -> findings -> verdict -> report."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

REPORT_SCHEMA_VERSION = 1


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that thresholds compare with < and >=."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {names})") from None


class Verdict(enum.IntEnum):
    """What the policy says about a package or a whole request; ordered, the worst wins."""

    ALLOW = 0
    WARN = 1
    BLOCK = 2

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Evidence:
    """Where a finding was seen: a file and line inside an archive, or a metadata field."""

    location: str
    line: int | None = None
    snippet: str = ""

    def __str__(self) -> str:
        where = f"{self.location}:{self.line}" if self.line else self.location
        return f"{where}  {self.snippet}".rstrip()


@dataclass(frozen=True)
class Finding:
    """One thing a check noticed about one package."""

    rule_id: str
    severity: Severity
    message: str
    package: str
    evidence: tuple[Evidence, ...] = ()
    suggestion: str | None = None  # "did you mean" a project name
    runs: str | None = None  # for behaviour found in code: when that code runs (install, startup, import, library, tests)

    @property
    def evidence_to_show(self) -> tuple[Evidence, ...]:
        """The evidence a reader has not already read in the message (a file:line is always shown)."""
        return tuple(e for e in self.evidence if e.line or not e.snippet or e.snippet not in self.message)


@dataclass(frozen=True)
class CheckError:
    """A check that could not run: never a silent pass; the policy decides what it means."""

    check: str
    reason: str
    package: str | None = None


@dataclass(frozen=True)
class Requirement:
    """One thing the user asked for, as typed, with what `packaging` made of it."""

    text: str
    name: str | None  # PEP 503 normalised; None for a path or URL pip must inspect first
    specifier: str = ""
    extras: tuple[str, ...] = ()
    marker: str = ""
    url: str | None = None  # direct URL, VCS URL or local path
    editable: bool = False
    source: str = "command line"  # or "requirements.txt:3"


@dataclass(frozen=True)
class PipNetwork:
    """pip's network settings that our own requests must share: CA bundle, client certificate, proxy, and the
    hosts pip reaches without verifying their certificate."""

    cert: str | None = None
    client_cert: str | None = None
    proxy: str | None = None
    trusted_hosts: tuple[str, ...] = ()  # host or host:port whose certificate pip does not verify


@dataclass(frozen=True)
class InstallRequest:
    """A pip install command line, understood: what was asked and with which pip options."""

    requirements: tuple[Requirement, ...]
    pip_args: tuple[str, ...]  # the arguments after `install`, as pip will see them
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    no_index: bool = False
    no_deps: bool = False
    pre: bool = False
    upgrade: bool = False
    constraints: tuple[str, ...] = ()
    install_options: tuple[str, ...] = ()  # where and how to install: --target/--user/--force-reinstall/... as given
    network: PipNetwork = PipNetwork()  # pip's configuration with this command line's --cert, --proxy, ...


@dataclass(frozen=True)
class PassThrough:
    """A pip command that installs nothing (list, show, uninstall, ...): run it unchecked."""

    pip_args: tuple[str, ...]


@dataclass(frozen=True)
class Candidate:
    """One distribution pip would install, and the exact file it would install it from."""

    name: str
    version: str
    url: str
    filename: str
    sha256: str | None
    requested: bool  # asked for directly, not pulled in as a dependency
    is_wheel: bool
    yanked: bool = False


@dataclass(frozen=True)
class Artifact:
    """A candidate's file, downloaded once, hash-verified and kept for the install."""

    candidate: Candidate
    path: Path
    sha256: str
    size: int


@dataclass(frozen=True)
class Release:
    """One version of a project as the index describes it."""

    version: str
    uploaded: str | None  # ISO 8601, earliest file upload time
    yanked: bool = False
    yanked_reason: str | None = None


@dataclass(frozen=True)
class Vulnerability:
    """A known vulnerability for a release, as reported by the index."""

    id: str
    summary: str
    fixed_in: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProjectInfo:
    """What the index knows about a project; fields it does not offer stay None/empty."""

    name: str
    releases: tuple[Release, ...]
    status: str | None = None  # PEP 792: active, archived, quarantined, deprecated
    status_reason: str | None = None
    summary: str | None = None
    description: str | None = None
    project_urls: tuple[tuple[str, str], ...] = ()
    maintainers: tuple[str, ...] = ()
    vulnerabilities: tuple[Vulnerability, ...] = ()  # for the version asked about
    vulnerabilities_known: bool = False  # False: the index could not say for this version
    has_json_api: bool = False  # False: a simple-API-only index; metadata checks are limited
    index_url: str | None = None  # the first configured index that has the project (the one described here)
    index_files: tuple[tuple[str, str | None], ...] = ()  # (filename, sha256) of every file that index serves


@dataclass(frozen=True)
class PackageReport:
    """Everything found about one candidate, and what the policy makes of it."""

    candidate: Candidate
    findings: tuple[Finding, ...]
    errors: tuple[CheckError, ...]
    verdict: Verdict
    reasons: tuple[str, ...] = ()  # why the policy chose the verdict, for humans


@dataclass(frozen=True)
class Report:
    """The answer to one install request: the versioned contract shared by the CLI, API, widget and sidebar."""

    command: str
    packages: tuple[PackageReport, ...]
    errors: tuple[CheckError, ...]  # about the request as a whole (resolution failed, index down, ...)
    verdict: Verdict
    install_anyway_allowed: bool
    reasons: tuple[str, ...] = ()
    request_findings: tuple[Finding, ...] = field(default=())  # e.g. a requested name not on the index
    schema_version: int = REPORT_SCHEMA_VERSION

    @property
    def could_not_check(self) -> bool:
        return bool(self.errors) or any(p.errors for p in self.packages)
