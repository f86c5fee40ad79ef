"""How checks weigh on each other: a finding is raised, or lowered, by what the other checks found."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..model import Evidence, Finding, Severity
from .names import RULES as NAME_RULES
from .names import NameRule


@dataclass(frozen=True)
class Corroboration:
    """A rule whose finding is raised when every finding it needs is present for one package."""

    rule: NameRule
    needs: frozenset[str]


CORROBORATIONS = (
    Corroboration(NAME_RULES["name.young-lookalike"], frozenset({"name.resembles", "meta.new-project"})),
)


def corroborate(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """The findings that the given ones (all about one package) add up to."""
    by_rule = {f.rule_id: f for f in findings}
    extra = []
    for corroboration in CORROBORATIONS:
        if not corroboration.needs <= by_rule.keys():
            continue
        rule, parts = corroboration.rule, [by_rule[need] for need in sorted(corroboration.needs)]
        suggestion = next((p.suggestion for p in parts if p.suggestion), None)
        hint = f" Did you mean '{suggestion}'?" if suggestion else ""
        evidence = tuple(e for p in parts for e in p.evidence)
        extra.append(Finding(rule.id, rule.severity, rule.explanation + hint, parts[0].package, evidence, suggestion))
    return tuple(extra)


def temper_library(findings: Sequence[Finding], established: str | None) -> tuple[Finding, ...]:
    """Behaviour in library code (it runs only when the user calls it) of an established project is reported,
    not weighed: a flame-graph helper downloading and running a script is a feature of a library with years of
    releases. Hiding (obfuscation) is still weighed, one level lower. Install, import and start-up code keep
    their weight: a malicious flow there blocks in any project."""
    if established is None:
        return tuple(findings)
    tempered = []
    for f in findings:
        if f.runs != "library" or f.severity <= Severity.LOW:
            tempered.append(f)
            continue
        hiding = f.rule_id.startswith(("obfuscation-", "combined-obfuscated"))
        lowered = Severity(f.severity - 1) if hiding else Severity.INFO
        tempered.append(replace(f, severity=lowered, message=f"{f.message} (Reported, not weighed{' in full' if hiding else ''}: "
                                f"library code of an established project, {established}.)"))
    return tuple(tempered)


def temper_names(findings: Sequence[Finding], established: str | None) -> tuple[Finding, ...]:
    """Blocking look-alike name findings one level lower on an established project (`established` says why):
    squats are caught while they are young, and a legitimate look-alike with years of releases should warn,
    not block (a user may then install it even where an administrator switched off Install anyway)."""
    if established is None:
        return tuple(findings)
    return tuple(
        replace(f, severity=Severity(f.severity - 1), message=f"{f.message} (Lowered one level: the project is "
                f"established, {established}.)", evidence=(*f.evidence, Evidence("index", None, established)))
        if f.rule_id.startswith("name.") and f.severity >= Severity.HIGH else f
        for f in findings
    )
