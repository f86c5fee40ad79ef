"""Metadata checks: what the index says about a project and the chosen release. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import unquote, urlsplit

from packaging.version import InvalidVersion, Version

from ..model import Candidate, Evidence, Finding, ProjectInfo, Severity


@dataclass(frozen=True)
class MetadataRule:
    """A metadata heuristic: id, severity and the sentence a data scientist reads."""

    id: str
    severity: Severity
    explanation: str


RULES = {rule.id: rule for rule in (
    MetadataRule("meta.not-found", Severity.HIGH, "No configured index has a project of this name."),
    MetadataRule("meta.quarantined", Severity.CRITICAL, "The index has quarantined this project, usually because it was reported as malware."),
    MetadataRule("meta.archived", Severity.LOW, "The project is archived: its maintainers no longer update it."),
    MetadataRule("meta.deprecated", Severity.LOW, "The project is marked deprecated on the index."),
    MetadataRule("meta.yanked", Severity.HIGH, "The chosen release was yanked (withdrawn) by its maintainers."),
    # A known vulnerability is information for the user, not malware: it warns (an administrator can raise it).
    MetadataRule("meta.vulnerable", Severity.MEDIUM, "The chosen release has known vulnerabilities."),
    MetadataRule("meta.new-project", Severity.MEDIUM, "The project first appeared on the index very recently; most malicious packages are days old."),
    MetadataRule("meta.new-release", Severity.LOW, "The chosen release is very new; a hijacked account often publishes a fresh release."),
    MetadataRule("meta.single-release", Severity.LOW, "The project has only ever published one release."),
    MetadataRule("meta.no-source-link", Severity.LOW, "The project links to no source repository, so its code cannot easily be reviewed."),
    MetadataRule("meta.empty-description", Severity.LOW, "The project has no description."),
    MetadataRule("meta.vulnerabilities-unknown", Severity.INFO, "The index lists known vulnerabilities only for the "
                 "latest release, so none could be checked for this one."),
    MetadataRule("meta.other-index", Severity.HIGH, "pip would install a file that the first index with this project "
                 "does not serve: a higher version (or another file) published on a second index is how "
                 "dependency-confusion attacks reach private package names."),
    MetadataRule("meta.cool-down-pinned", Severity.MEDIUM, "The chosen release is younger than the cool-down "
                 "(SafePip.min_release_age); it was pinned exactly, so it was kept, not replaced."),
    MetadataRule("meta.cool-down-passed-over", Severity.INFO, "A newer release was passed over: it is younger than "
                 "the cool-down (SafePip.min_release_age)."),
    MetadataRule("meta.cool-down-unknown", Severity.MEDIUM, "The index gives no upload time for the chosen release, "
                 "so the cool-down (SafePip.min_release_age) could not be applied to it."),
    MetadataRule("meta.simple-index-only", Severity.INFO, "This index offers only the simple API: maintainers, project "
                 "links, description and known vulnerabilities could not be checked."),
)}
SOURCE_HOST_HINTS = ("github.com", "gitlab", "bitbucket.org", "codeberg.org", "sr.ht", "git.", "/git", "svn", "hg.")


@dataclass(frozen=True)
class MetadataThresholds:
    """How new is 'new', and how old and busy a project must be to count as established."""

    new_project_days: int = 30
    new_release_days: int = 2
    established_days: int = 365
    established_releases: int = 3


def established(info: ProjectInfo, *, now: datetime, thresholds: MetadataThresholds = MetadataThresholds()) -> str | None:
    """Why the project counts as established (long on the index, several releases), or None when it does not."""
    first_upload = _first_upload(info)
    releases = len({r.version for r in info.releases})
    if first_upload is None or releases < thresholds.established_releases:
        return None
    if _age_days(first_upload, now) < thresholds.established_days:
        return None
    return f"on the index since {first_upload[:10]}, {releases} releases"


def check_metadata(info: ProjectInfo, version: str, *, now: datetime,
                   thresholds: MetadataThresholds = MetadataThresholds(),
                   chosen: Candidate | None = None) -> tuple[Finding, ...]:
    """Every metadata heuristic for one project and release (and the file pip chose, when given)."""
    findings: list[Finding] = []

    def add(rule_id: str, detail: str, location: str = "index") -> None:
        rule = RULES[rule_id]
        findings.append(Finding(rule.id, rule.severity, f"{rule.explanation} {detail}".strip(), info.name,
                                (Evidence(location, None, detail),) if detail else ()))

    status = (info.status or "").lower()
    if status in {"quarantined", "archived", "deprecated"}:
        add(f"meta.{status}", info.status_reason or "", "project status")
    release = next((r for r in info.releases if r.version == version), None)
    if release and release.yanked:
        add("meta.yanked", f"{version}: {release.yanked_reason}" if release.yanked_reason else version, "release")
    if info.has_json_api and not info.vulnerabilities_known:
        add("meta.vulnerabilities-unknown", version, "vulnerabilities")
    for vuln in info.vulnerabilities:
        fixed = f" (fixed in {', '.join(vuln.fixed_in)})" if vuln.fixed_in else ""
        add("meta.vulnerable", f"{vuln.id}{fixed}: {vuln.summary[:160]}", "vulnerabilities")
    if chosen is not None and _from_another_index(info, chosen):
        add("meta.other-index", f"{chosen.filename} from {urlsplit(chosen.url).netloc}; {info.index_url} has "
            f"{info.name} but not this file")
    first_upload = _first_upload(info)
    if first_upload and _age_days(first_upload, now) < thresholds.new_project_days:
        add("meta.new-project", f"first upload {first_upload[:10]} ({_days(_age_days(first_upload, now))} ago)")
    elif release and release.uploaded and _age_days(release.uploaded, now) < thresholds.new_release_days:
        add("meta.new-release", f"{version} uploaded {release.uploaded[:16]}")
    if len({r.version for r in info.releases}) == 1:
        add("meta.single-release", f"only release: {info.releases[0].version}")
    if info.has_json_api:
        if not any(_is_source_link(url) for _label, url in info.project_urls):
            add("meta.no-source-link", "no repository among the project links")
        if not (info.description or "").strip() or (info.description or "").strip() == "UNKNOWN":
            add("meta.empty-description", "")
    else:
        add("meta.simple-index-only", "" if first_upload else "The index gives no upload dates either, so the age "
            "of the project was not checked.")
    return tuple(findings)


def check_cool_down(info: ProjectInfo, version: str, *, now: datetime, days: float) -> tuple[Finding, ...]:
    """The cool-down's effect on one project: the chosen release younger than it (kept because it was pinned), or
    the newest release it passed over."""
    if days <= 0:
        return ()
    release = next((r for r in info.releases if r.version == version), None)
    if release is None or release.uploaded is None:
        rule = RULES["meta.cool-down-unknown"]
        return (Finding(rule.id, rule.severity, f"{rule.explanation} {version}", info.name, (Evidence("index", None, version),)),)
    if _age_days(release.uploaded, now) < days:
        rule = RULES["meta.cool-down-pinned"]
        detail = f"{version} uploaded {_days(_age_days(release.uploaded, now))} ago; the cool-down is {_days(days)}"
        return (Finding(rule.id, rule.severity, f"{rule.explanation} {detail}", info.name, (Evidence("index", None, detail),)),)
    newer = [r for r in info.releases if r.uploaded and not r.yanked and _age_days(r.uploaded, now) < days
             and _newer(r.version, version)]
    if not newer:
        return ()
    rule = RULES["meta.cool-down-passed-over"]
    best = max(newer, key=lambda r: Version(r.version))
    detail = (f"{best.version} (uploaded {_days(_age_days(best.uploaded, now))} ago) passed over for {version}; "
              f"the cool-down is {_days(days)}")
    return (Finding(rule.id, rule.severity, f"{rule.explanation} {detail}", info.name, (Evidence("index", None, detail),)),)


def _newer(candidate: str, chosen: str) -> bool:
    try:
        newer, base = Version(candidate), Version(chosen)
    except InvalidVersion:
        return False
    return newer > base and (not newer.is_prerelease or base.is_prerelease)


def check_not_found(name: str, suggestion: str | None) -> Finding:
    """The requested name is on no configured index; suggest the popular name it resembles."""
    rule = RULES["meta.not-found"]
    hint = f" Did you mean '{suggestion}'?" if suggestion else ""
    return Finding(rule.id, rule.severity, f"'{name}' is not on the index.{hint}", name,
                   (Evidence("index", None, f"no project named {name}"),), suggestion)


def _from_another_index(info: ProjectInfo, chosen: Candidate) -> bool:
    """pip picked an index file that the first index having the project lacks (or serves with other bytes)."""
    if not info.index_url or not chosen.url.startswith(("http://", "https://")):
        return False  # local files and find-links directories are the user's own choice
    served = {unquote(name): sha for name, sha in info.index_files}
    name = unquote(chosen.filename)
    if name not in served:
        return True
    return bool(chosen.sha256 and served[name] and served[name] != chosen.sha256)


def _first_upload(info: ProjectInfo) -> str | None:
    return min((r.uploaded for r in info.releases if r.uploaded), default=None)


def _is_source_link(url: str) -> bool:
    return any(hint in url.lower() for hint in SOURCE_HOST_HINTS)


def _days(days: float) -> str:
    return "less than a day" if days < 1 else f"{days:.0f} day{'' if round(days) == 1 else 's'}"


def _age_days(iso: str, now: datetime) -> float:
    when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return (now - when).total_seconds() / 86400
