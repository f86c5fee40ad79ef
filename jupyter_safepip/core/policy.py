"""The policy: thresholds, allow/deny lists and the fail mode turn findings into a verdict."""

from __future__ import annotations

import difflib
import enum
from dataclasses import dataclass, replace

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from .model import Candidate, CheckError, Finding, Severity, Verdict


class FailMode(enum.Enum):
    """What a check that could not run means for the verdict."""

    OPEN = "open"  # allow, but say so
    WARN = "warn"  # ask the user
    CLOSED = "closed"  # block


class PolicyError(ValueError):
    """A policy setting that cannot be understood."""


@dataclass(frozen=True)
class ListEntry:
    """An allow- or deny-list entry: a project name, optionally with a version specifier."""

    text: str
    name: str
    specifier: str

    @classmethod
    def parse(cls, text: str) -> "ListEntry":
        try:
            req = Requirement(text.strip())
        except InvalidRequirement as exc:
            raise PolicyError(f"invalid allow/deny entry {text!r}: {str(exc).splitlines()[0]}") from None
        return cls(text=text.strip(), name=canonicalize_name(req.name), specifier=str(req.specifier))

    def matches(self, name: str, version: str | None) -> bool:
        if canonicalize_name(name) != self.name:
            return False
        if not self.specifier or not version:
            return True
        return Requirement(f"{self.name}{self.specifier}").specifier.contains(version, prereleases=True)


@dataclass(frozen=True)
class Policy:
    """Everything that decides a verdict; built from configuration, identical for every front door."""

    warn_at: Severity = Severity.MEDIUM
    block_at: Severity = Severity.HIGH
    fail_mode: FailMode = FailMode.WARN
    allow: tuple[ListEntry, ...] = ()
    deny: tuple[ListEntry, ...] = ()
    install_anyway: bool = True  # offer "Install anyway" on a block
    unattended_warn_installs: bool = False  # with nobody to ask, a warning still installs
    locked: frozenset[str] = frozenset()  # setting names an administrator locked
    rule_severity: tuple[tuple[str, Severity], ...] = ()  # (rule id, severity) replacing a rule's own severity

    def __post_init__(self) -> None:
        if self.warn_at > self.block_at:
            raise PolicyError(
                f"warn threshold ({self.warn_at.label}) is above the block threshold ({self.block_at.label})"
            )


@dataclass(frozen=True)
class Decision:
    """A verdict, the human-readable reasons for it, and the findings as the policy weighed them."""

    verdict: Verdict
    reasons: tuple[str, ...]
    findings: tuple[Finding, ...] = ()  # with the administrator's rule_severity applied


def parse_rule_severity(entries: list[str] | tuple[str, ...], known: frozenset[str]) -> tuple[tuple[str, Severity], ...]:
    """`rule-id=severity` entries (meta.vulnerable=high); an unknown rule id or severity is a PolicyError."""
    parsed: dict[str, Severity] = {}
    for entry in entries:
        rule_id, sep, label = entry.partition("=")
        rule_id, label = rule_id.strip(), label.strip()
        if not sep or not rule_id:
            raise PolicyError(f"rule_severity entry {entry!r}: expected rule-id=severity (e.g. meta.vulnerable=high)")
        if rule_id not in known:
            close = difflib.get_close_matches(rule_id, sorted(known), n=1)
            hint = f"; did you mean {close[0]}?" if close else " (the rule ids are in the findings a check reports)"
            raise PolicyError(f"rule_severity entry {entry!r}: no rule has the id {rule_id!r}{hint}")
        try:
            parsed[rule_id] = Severity.parse(label)
        except ValueError:
            raise PolicyError(f"rule_severity entry {entry!r}: {label!r} is not a severity (info, low, medium, high, critical)") from None
    return tuple(parsed.items())


def _reweigh(policy: Policy, findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """The findings with the severities the administrator set for their rules (decide_package applies it)."""
    chosen = dict(policy.rule_severity)
    if not chosen:
        return findings
    return tuple(replace(f, severity=chosen[f.rule_id], message=f"{f.message} (Severity set by the policy: "
                         f"{chosen[f.rule_id].label}.)") if f.rule_id in chosen and chosen[f.rule_id] != f.severity else f
                 for f in findings)


def is_denied(policy: Policy, name: str, version: str | None) -> bool:
    """Whether an administrator's deny list names this package."""
    return any(entry.matches(name, version) for entry in policy.deny)


def denied_whatever_version(policy: Policy, name: str) -> bool:
    """Whether the deny list names this project without a version specifier: blocked before pip resolves it."""
    return any(entry.matches(name, None) and not entry.specifier for entry in policy.deny)


def decide_package(
    policy: Policy, candidate: Candidate | None, name: str, findings: tuple[Finding, ...], errors: tuple[CheckError, ...]
) -> Decision:
    """Decide one package: the deny list wins, then the allow list, then the worst finding (at the severity
    the policy gives its rule) and the fail mode."""
    version = candidate.version if candidate else None
    findings = _reweigh(policy, tuple(findings))
    if is_denied(policy, name, version):
        return Decision(Verdict.BLOCK, (f"{name} is on the deny list",), findings)
    for entry in policy.allow:
        if entry.matches(name, version):
            return Decision(Verdict.ALLOW, (f"{name} is on the allow list ({entry.text})",), findings)
    verdict, reasons = Verdict.ALLOW, []
    if findings:
        worst = max(f.severity for f in findings)
        if worst >= policy.block_at:
            verdict = Verdict.BLOCK
            reasons.append(f"a {worst.label} finding reaches the block threshold ({policy.block_at.label})")
        elif worst >= policy.warn_at:
            verdict = Verdict.WARN
            reasons.append(f"a {worst.label} finding reaches the warn threshold ({policy.warn_at.label})")
    if errors:
        verdict = max(verdict, fail_verdict(policy))
        reasons.append(f"{len(errors)} check(s) could not run (fail mode: {policy.fail_mode.value})")
    return Decision(verdict, tuple(reasons), findings)


def fail_verdict(policy: Policy) -> Verdict:
    """The verdict a check that could not run leads to."""
    return {FailMode.OPEN: Verdict.ALLOW, FailMode.WARN: Verdict.WARN, FailMode.CLOSED: Verdict.BLOCK}[policy.fail_mode]


def installs_unattended(policy: Policy, verdict: Verdict) -> bool:
    """Whether to install when there is no person to ask."""
    return verdict is Verdict.ALLOW or (verdict is Verdict.WARN and policy.unattended_warn_installs)


def install_anyway_allowed(policy: Policy, verdict: Verdict, denied: bool) -> bool:
    """Whether a person may override this verdict."""
    if verdict is Verdict.ALLOW:
        return True
    return policy.install_anyway and not denied
